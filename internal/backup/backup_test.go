package backup

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fastenhealth/fasten-desktop/internal/records"
	"github.com/fastenhealth/fasten-desktop/internal/vault"
)

func init() { vault.DefaultKDF = vault.KDFParams{Time: 1, Memory: 8 * 1024, Threads: 1} }

const (
	pass   = "correct horse battery"
	family = "../../../shared/fixtures/synthea/family"
	// A string only the test puts in the vault: it must never appear in a
	// backup file in the clear.
	marker = "Zebulon-Quartermaine-unique-note-8f31"
)

type fixture struct {
	v        *vault.Vault
	path     string
	recovery string
}

// newVault makes a vault with records (one fixture file, or the family),
// a person named with the marker, a connection and a few settings.
func newVault(t *testing.T, all bool) fixture {
	t.Helper()
	path := filepath.Join(t.TempDir(), "home", "household.fasten")
	v, rk, err := vault.Create(path, pass)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	st := records.New(v.DB())
	files, _ := filepath.Glob(filepath.Join(family, "*.json"))
	sort.Strings(files)
	if len(files) == 0 {
		t.Fatal("no family fixtures")
	}
	if !all {
		files = files[len(files)-1:]
	}
	ctx := context.Background()
	rep, err := st.Import(ctx, files, records.ImportOptions{AutoCreatePeople: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, fr := range rep.Files {
		if fr.Error != "" {
			t.Fatalf("import failed: %s", fr.Error)
		}
	}
	p, err := st.AddPerson(ctx, marker, "2001-02-03")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SetSetting(ctx, "autolock_minutes", "7"); err != nil {
		t.Fatal(err)
	}
	if _, err := v.DB().Exec(`INSERT INTO sources(id, kind, label, created_at) VALUES (77, 'connection', 'Clinic', '2026-01-01')`); err != nil {
		t.Fatalf("source: %v", err)
	}
	if _, err := v.DB().Exec(`INSERT INTO connections(source_id, person_id, provider_name, fhir_base, client_id, redirect_uri, patient_id, access_token, created_at, updated_at)
		VALUES (77, ?, 'Clinic', 'https://fhir.example/r4', 'cid', 'org.fastenhealth.desktop:/callback', 'pat-1', 'token-secret-123', '2026-01-01', '2026-01-01')`, p.ID); err != nil {
		t.Fatal(err)
	}
	return fixture{v: v, path: path, recovery: rk}
}

// allRows is every row of every table, hashed (never printed).
func opts(f fixture) Options { return Options{Settings: records.New(f.v.DB())} }

func allRows(t *testing.T, db *sql.DB) map[string][]string {
	t.Helper()
	rows, err := db.Query("SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL TABLE%'")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		names = append(names, n)
	}
	rows.Close()
	out := map[string][]string{}
	for _, name := range names {
		rows, err := db.Query(`SELECT * FROM "` + name + `"`)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		hashes := []string{}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			h := sha256.New()
			for _, v := range vals {
				fmt.Fprintf(h, "%T:%d:%v|", v, len(fmt.Sprint(v)), v)
			}
			hashes = append(hashes, fmt.Sprintf("%x", h.Sum(nil)))
		}
		rows.Close()
		sort.Strings(hashes)
		out[name] = hashes
	}
	return out
}

// sameRows compares table by table; the backup id setting is the one row
// a backup adds, so it is in both.
func sameRows(t *testing.T, want, got map[string][]string) {
	t.Helper()
	if len(want) != len(got) {
		t.Fatalf("%d tables, want %d", len(got), len(want))
	}
	for name, w := range want {
		if strings.Join(w, ",") != strings.Join(got[name], ",") {
			t.Fatalf("table %s: %d rows differ from the %d before", name, len(got[name]), len(w))
		}
	}
}

func fileHash(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", sha256.Sum256(b))
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	ents, _ := os.ReadDir(dir)
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}

// The round trip the issue asks for: backup, restore into a fresh folder
// ("another computer"), every row of every table the same — records,
// people, connections (tokens included) and settings.
func TestBackupRestoreRoundTrip(t *testing.T) {
	f := newVault(t, true)
	ctx := context.Background()
	dir := t.TempDir()
	start := time.Now()
	res, err := Backup(ctx, f.v, dir, opts(f))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("family backup: %d records, %d people, %d bytes, %s (measured %s)", res.Records, res.People, res.Bytes, res.Took.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
	if !namePattern.MatchString(filepath.Base(res.Path)) || res.Records < 1000 || res.People < 5 {
		t.Fatalf("result %+v", res)
	}
	if names := dirNames(t, dir); len(names) != 1 {
		t.Fatalf("the folder holds %v, want the backup alone", names)
	}
	want := allRows(t, f.v.DB())
	// Nothing of the household in the clear: not the person's name the
	// test added, not a token, not the passphrase.
	b, _ := os.ReadFile(res.Path)
	for _, s := range []string{marker, "token-secret-123", pass, "Clinic", "Condition"} {
		if bytes.Contains(b, []byte(s)) {
			t.Fatalf("the backup holds %q in the clear", s)
		}
	}
	if fi, _ := os.Stat(res.Path); fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", fi.Mode())
	}

	dst := filepath.Join(t.TempDir(), "new computer", "household.fasten")
	r, err := Restore(ctx, res.Path, dst, pass, RestoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Records != res.Records || r.People != res.People {
		t.Fatalf("restored %+v", r)
	}
	v2, err := vault.Open(dst, pass)
	if err != nil {
		t.Fatal(err)
	}
	sameRows(t, want, allRows(t, v2.DB()))
	v2.Close()
	// The restore leaves the vault and its key file, nothing else but
	// what opening made.
	for _, n := range dirNames(t, filepath.Dir(dst)) {
		if strings.Contains(n, "restoring") {
			t.Fatalf("left %s", n)
		}
	}
}

func TestRestoreWithRecoveryKey(t *testing.T) {
	f := newVault(t, false)
	ctx := context.Background()
	res, err := Backup(ctx, f.v, t.TempDir(), opts(f))
	if err != nil {
		t.Fatal(err)
	}
	want := allRows(t, f.v.DB())
	dst := filepath.Join(t.TempDir(), "household.fasten")
	if _, err := Restore(ctx, res.Path, dst, f.recovery, RestoreOptions{}); err != nil {
		t.Fatal(err)
	}
	v2, err := vault.OpenWithRecoveryKey(dst, f.recovery)
	if err != nil {
		t.Fatal(err)
	}
	defer v2.Close()
	sameRows(t, want, allRows(t, v2.DB()))
	// And the passphrase still opens it.
	v2.Close()
	v3, err := vault.Open(dst, pass)
	if err != nil {
		t.Fatal(err)
	}
	v3.Close()
}

// Files that must be refused before anything is written: each gives its
// reason, and the destination folder stays empty.
func TestRestoreRefusesDamagedFiles(t *testing.T) {
	f := newVault(t, false)
	ctx := context.Background()
	res, err := Backup(ctx, f.v, t.TempDir(), opts(f))
	if err != nil {
		t.Fatal(err)
	}
	good, _ := os.ReadFile(res.Path)
	newer := append([]byte(nil), good...)
	newer[9] = FormatVersion + 1
	cases := map[string]struct {
		data []byte
		want Reason
	}{
		"truncated":        {good[:len(good)/2], ReasonTruncated},
		"truncated-header": {good[:20], ReasonTruncated},
		"no-checksum":      {good[:len(good)-1], ReasonTruncated},
		"flipped-db":       {flip(good, len(good)/2), ReasonChecksum},
		"flipped-checksum": {flip(good, len(good)-3), ReasonChecksum},
		"appended":         {append(append([]byte(nil), good...), 0), ReasonChecksum},
		"not-a-backup":     {[]byte("PK\x03\x04 this is a zip, not a backup, long enough to read"), ReasonNotBackup},
		"empty":            {nil, ReasonNotBackup},
		"newer":            {newer, ReasonNewerFormat},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			src := filepath.Join(t.TempDir(), "b"+Ext)
			os.WriteFile(src, c.data, 0o600)
			dstDir := t.TempDir()
			_, err := Restore(ctx, src, filepath.Join(dstDir, "household.fasten"), pass, RestoreOptions{})
			var de *DamagedError
			if !errors.Is(err, ErrDamaged) || !errors.As(err, &de) || de.Reason != c.want {
				t.Fatalf("got %v, want %s", err, c.want)
			}
			if n := dirNames(t, dstDir); len(n) != 0 {
				t.Fatalf("wrote %v", n)
			}
		})
	}
}

func flip(b []byte, i int) []byte {
	c := append([]byte(nil), b...)
	c[i] ^= 0x40
	return c
}

func TestRestoreWrongSecretAndExistingVault(t *testing.T) {
	f := newVault(t, false)
	ctx := context.Background()
	res, err := Backup(ctx, f.v, t.TempDir(), opts(f))
	if err != nil {
		t.Fatal(err)
	}
	dstDir := t.TempDir()
	dst := filepath.Join(dstDir, "household.fasten")
	if _, err := Restore(ctx, res.Path, dst, "not the passphrase", RestoreOptions{}); !errors.Is(err, vault.ErrWrongPassphrase) {
		t.Fatalf("wrong passphrase: %v", err)
	}
	if _, err := Restore(ctx, res.Path, dst, "0000-0000-0000-0000-0000-0000-0000-0000-0000-0000-0000-0000-0", RestoreOptions{}); !errors.Is(err, vault.ErrWrongRecoveryKey) {
		t.Fatalf("wrong recovery key: %v", err)
	}
	if n := dirNames(t, dstDir); len(n) != 0 {
		t.Fatalf("a refused restore left %v", n)
	}
	// Into a folder that does not exist yet: a refused restore does not
	// leave it behind either.
	fresh := filepath.Join(dstDir, "new", "household.fasten")
	if _, err := Restore(ctx, res.Path, fresh, "not the passphrase", RestoreOptions{}); !errors.Is(err, vault.ErrWrongPassphrase) {
		t.Fatalf("wrong passphrase: %v", err)
	}
	if n := dirNames(t, dstDir); len(n) != 0 {
		t.Fatalf("a refused restore left %v", n)
	}

	// Onto the vault itself (it exists): refused, the vault unchanged.
	before := fileHash(t, f.path+".keys")
	rows := allRows(t, f.v.DB())
	if _, err := Restore(ctx, res.Path, f.path, pass, RestoreOptions{}); !errors.Is(err, ErrVaultExists) {
		t.Fatalf("existing vault: %v", err)
	}
	// Even with Replace, not while a Fasten has it open (here: this test).
	if _, err := Restore(ctx, res.Path, f.path, pass, RestoreOptions{Replace: true}); !errors.Is(err, vault.ErrVaultInUse) {
		t.Fatalf("open vault, replace: %v", err)
	}
	if fileHash(t, f.path+".keys") != before {
		t.Fatal("the key file changed")
	}
	sameRows(t, rows, allRows(t, f.v.DB()))
	for _, n := range dirNames(t, filepath.Dir(f.path)) {
		if strings.Contains(n, "restoring") || strings.Contains(n, "replaced") {
			t.Fatalf("a refused restore left %s", n)
		}
	}

	// With Replace (onto a closed vault that has changed since the
	// backup): the backup's vault is there, the one replaced kept aside.
	other := filepath.Join(t.TempDir(), "household.fasten")
	if _, err := Restore(ctx, res.Path, other, pass, RestoreOptions{}); err != nil {
		t.Fatal(err)
	}
	ov, err := vault.Open(other, pass)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := records.New(ov.DB()).AddPerson(ctx, "Later Person", ""); err != nil {
		t.Fatal(err)
	}
	changed := allRows(t, ov.DB())
	ov.Close()
	r, err := Restore(ctx, res.Path, other, pass, RestoreOptions{Replace: true})
	if err != nil {
		t.Fatal(err)
	}
	nv, err := vault.Open(other, pass)
	if err != nil {
		t.Fatal(err)
	}
	sameRows(t, rows, allRows(t, nv.DB()))
	nv.Close()
	kept, err := vault.Open(r.Replaced, pass)
	if err != nil {
		t.Fatalf("the replaced vault: %v", err)
	}
	sameRows(t, changed, allRows(t, kept.DB()))
	kept.Close()
}

// A folder that is missing or read-only: a typed error, nothing left
// behind, the vault as it was.
func TestBackupFolderFaults(t *testing.T) {
	f := newVault(t, false)
	ctx := context.Background()
	want := allRows(t, f.v.DB())
	vaultHash := fileHash(t, f.path+".keys")

	if _, err := Backup(ctx, f.v, filepath.Join(t.TempDir(), "unplugged drive"), opts(f)); !errors.Is(err, ErrFolderMissing) {
		t.Fatalf("missing folder: %v", err)
	}
	notDir := filepath.Join(t.TempDir(), "file")
	os.WriteFile(notDir, []byte("x"), 0o600)
	if _, err := Backup(ctx, f.v, notDir, opts(f)); !errors.Is(err, ErrFolderMissing) {
		t.Fatalf("a file, not a folder: %v", err)
	}
	if os.Geteuid() == 0 {
		// root writes through permission bits: a read-only mount is the
		// real thing (as a locked SD card or a read-only share would be).
		ro := t.TempDir()
		if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", ro).CombinedOutput(); err != nil {
			t.Logf("no read-only mount (%v %s); the mapping alone is checked", err, out)
		} else {
			defer exec.Command("umount", ro).Run()
			if _, err := Backup(ctx, f.v, ro, opts(f)); !errors.Is(err, ErrReadOnly) {
				t.Fatalf("read-only folder: %v", err)
			}
		}
		if err := folderError(&os.PathError{Op: "open", Path: "x", Err: syscall.EROFS}); !errors.Is(err, ErrReadOnly) {
			t.Fatalf("EROFS: %v", err)
		}
		if err := folderError(&os.PathError{Op: "open", Path: "x", Err: syscall.EACCES}); !errors.Is(err, ErrReadOnly) {
			t.Fatalf("EACCES: %v", err)
		}
		if err := folderError(&os.PathError{Op: "write", Path: "x", Err: syscall.ENOSPC}); !errors.Is(err, vault.ErrNoSpace) {
			t.Fatalf("ENOSPC: %v", err)
		}
	} else {
		ro := t.TempDir()
		os.Chmod(ro, 0o500)
		defer os.Chmod(ro, 0o700)
		if _, err := Backup(ctx, f.v, ro, opts(f)); !errors.Is(err, ErrReadOnly) {
			t.Fatalf("read-only folder: %v", err)
		}
		if n := dirNames(t, ro); len(n) != 0 {
			t.Fatalf("left %v", n)
		}
	}
	// The backup id is the one row a backup attempt may add; compare
	// without it by taking it from the "after" side only when present.
	got := allRows(t, f.v.DB())
	delete(got, "settings")
	delete(want, "settings")
	sameRows(t, want, got)
	if fileHash(t, f.path+".keys") != vaultHash {
		t.Fatal("the key file changed")
	}
}

// A full disk: the copy is refused with vault.ErrNoSpace and nothing is
// left in the folder. A small tmpfs is the real thing; without one (not
// root) the test is skipped.
func TestBackupFullDisk(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a small tmpfs")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs: %v %s", err, out)
	}
	defer exec.Command("umount", dir).Run()
	f := newVault(t, false)
	_, err := Backup(context.Background(), f.v, dir, opts(f))
	if !errors.Is(err, vault.ErrNoSpace) {
		t.Fatalf("full disk: %v", err)
	}
	if n := dirNames(t, dir); len(n) != 0 {
		t.Fatalf("left %v", n)
	}
}

// Keeping N: the oldest of this household's backups go; other files — a
// look-alike name that is not a backup, another household's backup, a
// document — stay.
func TestPruneKeepsOthers(t *testing.T) {
	f := newVault(t, false)
	ctx := context.Background()
	dir := t.TempDir()
	g := newVault(t, false)
	otherRes, err := Backup(ctx, g.v, dir, Options{Settings: records.New(g.v.DB()), Now: func() time.Time { return time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "Fasten-backup-2019-01-01T000000.fastenbackup"), []byte("not really a backup"), 0o600)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o600)
	base := time.Date(2026, 11, 1, 5, 30, 0, 0, time.UTC)
	var paths []string
	for i := 0; i < 4; i++ {
		now := base.Add(time.Duration(i) * 24 * time.Hour)
		r, err := Backup(ctx, f.v, dir, Options{Settings: records.New(f.v.DB()), Keep: 2, Now: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, r.Path)
	}
	for i, p := range paths {
		_, err := os.Stat(p)
		if kept := i >= 2; kept != (err == nil) {
			t.Fatalf("backup %d: kept=%v, stat %v", i, kept, err)
		}
	}
	for _, p := range []string{otherRes.Path, filepath.Join(dir, "notes.txt"), filepath.Join(dir, "Fasten-backup-2019-01-01T000000.fastenbackup")} {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("pruning removed %s", filepath.Base(p))
		}
	}
	list, err := List(dir)
	if err != nil || len(list) != 3 || list[0].Path != paths[3] {
		t.Fatalf("list %v %v", len(list), err)
	}
}

// TestKillHelper is the child of the kill tests: it backs up or restores
// as the environment says and kills itself at the named step.
func TestKillHelper(t *testing.T) {
	op, step := os.Getenv("FASTEN_KILL_OP"), os.Getenv("FASTEN_KILL_STEP")
	if op == "" {
		t.Skip("run by TestKilledDuringBackup / TestKilledDuringRestore")
	}
	kill := func(s string) error {
		if s == step {
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
			time.Sleep(time.Minute)
		}
		return nil
	}
	restoreHook = kill
	ctx := context.Background()
	switch op {
	case "backup":
		v, err := vault.Open(os.Getenv("FASTEN_KILL_VAULT"), pass)
		if err != nil {
			t.Fatal(err)
		}
		_, err = Backup(ctx, v, os.Getenv("FASTEN_KILL_DIR"), Options{Settings: records.New(v.DB())})
		t.Fatalf("not killed at %s (%v)", step, err)
	case "restore":
		_, err := Restore(ctx, os.Getenv("FASTEN_KILL_FILE"), os.Getenv("FASTEN_KILL_VAULT"), pass, RestoreOptions{})
		t.Fatalf("not killed at %s (%v)", step, err)
	}
}

func runKilled(t *testing.T, env ...string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestKillHelper$")
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("the child was not killed: %v\n%s", err, out)
	}
}

// A backup killed mid-way: the vault opens with every row, no file that
// looks like a backup is left, and the next backup works.
func TestKilledDuringBackup(t *testing.T) {
	for _, step := range []string{"copied", "written"} {
		t.Run(step, func(t *testing.T) {
			f := newVault(t, false)
			want := allRows(t, f.v.DB())
			f.v.Close()
			dir := t.TempDir()
			runKilled(t, "FASTEN_KILL_OP=backup", "FASTEN_KILL_STEP="+step, "FASTEN_KILL_VAULT="+f.path, "FASTEN_KILL_DIR="+dir)
			v, err := vault.Open(f.path, pass)
			if err != nil {
				t.Fatal(err)
			}
			defer v.Close()
			got := allRows(t, v.DB())
			delete(got, "settings") // the child set the backup id before it was killed
			delete(want, "settings")
			sameRows(t, want, got)
			if l, _ := List(dir); len(l) != 0 {
				t.Fatalf("a killed backup left %d backups", len(l))
			}
			if _, err := Backup(context.Background(), v, dir, Options{Settings: records.New(v.DB())}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// A restore killed at each step leaves no database at the destination or
// the complete vault; a restore run again afterwards succeeds.
func TestKilledDuringRestore(t *testing.T) {
	f := newVault(t, false)
	res, err := Backup(context.Background(), f.v, t.TempDir(), opts(f))
	if err != nil {
		t.Fatal(err)
	}
	want := allRows(t, f.v.DB())
	for _, step := range []string{"extracted", "checked", "keys-moved"} {
		t.Run(step, func(t *testing.T) {
			dst := filepath.Join(t.TempDir(), "household.fasten")
			runKilled(t, "FASTEN_KILL_OP=restore", "FASTEN_KILL_STEP="+step, "FASTEN_KILL_FILE="+res.Path, "FASTEN_KILL_VAULT="+dst)
			if _, err := os.Stat(dst); err == nil {
				t.Fatal("a database is at the destination after a killed restore")
			}
			if vault.Exists(dst) {
				t.Fatal("a vault is at the destination")
			}
			if _, err := Restore(context.Background(), res.Path, dst, pass, RestoreOptions{}); err != nil {
				t.Fatal(err)
			}
			v, err := vault.Open(dst, pass)
			if err != nil {
				t.Fatal(err)
			}
			sameRows(t, want, allRows(t, v.DB()))
			v.Close()
			for _, n := range dirNames(t, filepath.Dir(dst)) {
				if strings.Contains(n, "restoring") {
					t.Fatalf("left %s", n)
				}
			}
		})
	}
}

// The check after writing reads the file back: a byte that changed on its
// way to the disk (flipped here between writing and the check) makes the
// backup fail with ErrUnsound, and the bad file is removed.
func TestBackupVerifiesWhatWasWritten(t *testing.T) {
	f := newVault(t, false)
	dir := t.TempDir()
	restoreHook = func(step string) error {
		if step != "written" {
			return nil
		}
		ents, _ := os.ReadDir(dir)
		for _, e := range ents {
			if e.Type().IsRegular() && strings.HasSuffix(e.Name(), ".partial") {
				p := filepath.Join(dir, e.Name())
				b, _ := os.ReadFile(p)
				b[len(b)/2] ^= 1
				os.WriteFile(p, b, 0o600)
			}
		}
		return nil
	}
	defer func() { restoreHook = nil }()
	_, err := Backup(context.Background(), f.v, dir, opts(f))
	if !errors.Is(err, ErrUnsound) {
		t.Fatalf("got %v, want ErrUnsound", err)
	}
	if n := dirNames(t, dir); len(n) != 0 {
		t.Fatalf("left %v", n)
	}
}
