package vault

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
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// plainMarker is stored unpacked (as a vault from before schema 17 holds
// its records) so that a copy written in clear would show it.
const plainMarker = "Ximena Plaintextcheck"

// vaultWithFreeSpace makes a vault holding real resources, a person and an
// unpacked record with plainMarker, then deletes most resources so the file
// has free pages to give back. It returns the open vault.
func vaultWithFreeSpace(t *testing.T) (*Vault, string) {
	t.Helper()
	path, _ := newVault(t)
	v, err := Open(path, secret)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := v.DB().Begin()
	if err != nil {
		t.Fatal(err)
	}
	for i, raw := range fixtureResources(t, "synthea/family") {
		sum := sha256.Sum256(raw)
		if _, err := tx.Exec(`INSERT INTO resources(source_id, resource_type, resource_id, received_at, sha256, raw) VALUES (1, 'Observation', ?, '2024-03-09T08:07:05.000000Z', ?, ?)`,
			fmt.Sprint(i), sum[:], PackRaw(nil, raw)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := tx.Exec(`INSERT INTO resources(source_id, resource_type, resource_id, received_at, sha256, raw) VALUES (1, 'Patient', 'marker', '2024-03-09T08:07:05.000000Z', x'00', ?)`,
		[]byte(`{"resourceType":"Patient","name":[{"text":"`+plainMarker+`"}]}`)); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if _, err := v.DB().Exec(`DELETE FROM resources WHERE id % 4 != 0 AND resource_id != 'marker'`); err != nil {
		t.Fatal(err)
	}
	if _, err := v.DB().Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	return v, path
}

// allRows is every row of every stored table (full-text shadow tables
// included), each as a hash of its values' bytes, sorted: two vaults with
// the same allRows hold byte-identical rows.
func allRows(t *testing.T, db *sql.DB) map[string][]string {
	t.Helper()
	counts, err := tableCounts(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for name := range counts {
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
				fmt.Fprintf(h, "%T:%d:", v, len(fmt.Sprint(v)))
				if b, ok := v.([]byte); ok {
					h.Write(b)
				} else {
					fmt.Fprint(h, v)
				}
			}
			hashes = append(hashes, fmt.Sprintf("%x", h.Sum(nil)))
		}
		rows.Close()
		sort.Strings(hashes)
		out[name] = hashes
	}
	return out
}

func sameRows(t *testing.T, want, got map[string][]string) {
	t.Helper()
	if len(want) != len(got) {
		t.Fatalf("%d tables, want %d", len(got), len(want))
	}
	for name, w := range want {
		g := got[name]
		if strings.Join(w, ",") != strings.Join(g, ",") {
			t.Fatalf("table %s: %d rows differ from the %d before", name, len(g), len(w))
		}
	}
}

func freePages(t *testing.T, db *sql.DB) int {
	t.Helper()
	var n int
	if err := db.QueryRow("PRAGMA freelist_count").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// noPlaintext fails if any file in dir shows a record, a name or SQLite's
// clear header.
func noPlaintext(t *testing.T, dir string) {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		for _, needle := range []string{plainMarker, "Zebulon", "SQLite format", "CREATE TABLE"} {
			if bytes.Contains(b, []byte(needle)) {
				t.Errorf("%s contains %q in plaintext", e.Name(), needle)
			}
		}
	}
}

func TestCompactShrinksAndKeepsEveryRow(t *testing.T) {
	v, path := vaultWithFreeSpace(t)
	keys := fingerprint(t, filepath.Dir(path))[filepath.Base(keyFilePath(path))]
	if freePages(t, v.DB()) == 0 {
		t.Fatal("the test vault has no free pages")
	}
	before, size := allRows(t, v.DB()), fileSize(t, path)
	// The pool is the same before and after: a reference taken now (as
	// records.Store and the sync engine keep one) must go on working.
	db := v.DB()
	stmt, err := db.Prepare("SELECT count(*) FROM resources WHERE resource_id != ?")
	if err != nil {
		t.Fatal(err)
	}
	defer stmt.Close()
	var n0, n1 int
	stmt.QueryRow("x").Scan(&n0)
	if err := v.Compact(context.Background()); err != nil {
		t.Fatal(err)
	}
	if db != v.DB() {
		t.Fatal("the pool was replaced")
	}
	// A statement prepared before is prepared again on the new file.
	if err := stmt.QueryRow("x").Scan(&n1); err != nil || n1 != n0 || n0 == 0 {
		t.Fatalf("prepared statement after the rewrite: %d → %d, %v", n0, n1, err)
	}
	after := allRows(t, db)
	sameRows(t, before, after)
	if n := freePages(t, db); n != 0 {
		t.Fatalf("%d free pages after the rewrite", n)
	}
	if got := fileSize(t, path); got >= size*2/3 {
		t.Fatalf("file %d → %d bytes", size, got)
	}
	if _, err := os.Stat(rewriteTempPath(path)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the copy is left beside the vault: %v", err)
	}
	if fingerprint(t, filepath.Dir(path))[filepath.Base(keyFilePath(path))] != keys {
		t.Fatal("the key file changed")
	}
	// Writes go to the new file and stay there.
	if _, err := db.Exec("INSERT INTO people(name, created_at) VALUES ('After Rewrite', 'now')"); err != nil {
		t.Fatal(err)
	}
	noPlaintext(t, filepath.Dir(path))
	if err := v.Close(); err != nil {
		t.Fatal(err)
	}
	v2, err := Open(path, secret)
	if err != nil {
		t.Fatal(err)
	}
	defer v2.Close()
	var n int
	v2.DB().QueryRow("SELECT count(*) FROM people WHERE name = 'After Rewrite'").Scan(&n)
	if n != 1 {
		t.Fatal("a write after the rewrite is lost")
	}
	if res, err := v2.IntegrityCheck(context.Background()); err != nil || len(res) != 1 || res[0] != "ok" {
		t.Fatalf("integrity %v %v", res, err)
	}
}

func TestWriteCopyIsEncryptedAndOpens(t *testing.T) {
	v, path := vaultWithFreeSpace(t)
	dst := filepath.Join(t.TempDir(), "backup", "copy.fasten")
	os.MkdirAll(filepath.Dir(dst), 0o700)
	if err := v.WriteCopy(context.Background(), dst); err != nil {
		t.Fatal(err)
	}
	// The marker is in the vault (so the grep below could find it)…
	var n int
	v.DB().QueryRow("SELECT count(*) FROM resources WHERE instr(raw, ?) > 0", plainMarker).Scan(&n)
	if n != 1 {
		t.Fatal("the marker record is not in the vault")
	}
	// …and in clear in no file of the copy.
	noPlaintext(t, filepath.Dir(dst))
	for _, p := range []string{dst, keyFilePath(dst)} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s is readable by others: %v", filepath.Base(p), fi.Mode())
		}
	}
	if fileSize(t, dst) >= fileSize(t, path) {
		t.Errorf("the copy (%d bytes) is not compacted (vault %d)", fileSize(t, dst), fileSize(t, path))
	}
	want := allRows(t, v.DB())
	c, err := Open(dst, secret)
	if err != nil {
		t.Fatal(err)
	}
	sameRows(t, want, allRows(t, c.DB()))
	c.Close()
	// A second copy to the same place is refused, and leaves the first.
	if err := v.WriteCopy(context.Background(), dst); !errors.Is(err, ErrExists) {
		t.Fatalf("copy over a copy: %v", err)
	}
	if c, err = Open(dst, secret); err != nil {
		t.Fatal(err)
	}
	c.Close()
}

// The copy opens with the recovery key too: the key file beside it holds
// the same slots.
func TestWriteCopyOpensWithRecoveryKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "household.fasten")
	v, rk, err := Create(path, secret)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	dst := filepath.Join(t.TempDir(), "copy.fasten")
	if err := v.WriteCopy(context.Background(), dst); err != nil {
		t.Fatal(err)
	}
	c, err := OpenWithRecoveryKey(dst, rk)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
}

// A copy made while another goroutine commits pairs of rows holds whole
// pairs only, and passes SQLite's integrity check.
func TestWriteCopyWhileWritingIsConsistent(t *testing.T) {
	v, _ := vaultWithFreeSpace(t)
	ctx := context.Background()
	stop := make(chan struct{})
	var written atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			tx, err := v.DB().Begin()
			if err != nil {
				t.Error(err)
				return
			}
			for _, half := range []string{"a", "b"} {
				if _, err := tx.Exec("INSERT INTO people(name, created_at) VALUES (?, 'now')", fmt.Sprintf("pair %d %s", i, half)); err != nil {
					t.Error(err)
					tx.Rollback()
					return
				}
			}
			if err := tx.Commit(); err != nil {
				t.Error(err)
				return
			}
			written.Add(1)
		}
	}()
	overlapped := 0
	for k := 0; k < 4; k++ {
		dst := filepath.Join(t.TempDir(), "copy.fasten")
		w0 := written.Load()
		if err := v.WriteCopy(ctx, dst); err != nil {
			t.Fatal(err)
		}
		if written.Load() > w0 {
			overlapped++
		}
		c, err := Open(dst, secret)
		if err != nil {
			t.Fatal(err)
		}
		var broken, pairs int
		c.DB().QueryRow(`SELECT count(*) FROM (SELECT substr(name, 1, length(name) - 2) p FROM people WHERE name LIKE 'pair %' GROUP BY p HAVING count(*) != 2)`).Scan(&broken)
		c.DB().QueryRow(`SELECT count(*) FROM people WHERE name LIKE 'pair %'`).Scan(&pairs)
		c.Close()
		if broken != 0 {
			t.Fatalf("copy %d: %d pairs torn", k, broken)
		}
		t.Logf("copy %d: %d rows of pairs", k, pairs)
	}
	close(stop)
	wg.Wait()
	if overlapped == 0 {
		t.Fatal("no write happened during any copy: the test proved nothing")
	}
}

// Compact while this process reads and writes: readers never see an error
// (the pool is never closed), and no committed write is lost, whether the
// rewrite went through or gave up because records kept changing.
func TestCompactWhileReadingAndWritingLosesNothing(t *testing.T) {
	v, _ := vaultWithFreeSpace(t)
	ctx := context.Background()
	stop := make(chan struct{})
	var mu sync.Mutex
	var committed []string
	var reads atomic.Int64
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { // a writer in bursts, as an import writes file by file
		defer wg.Done()
		for i := 0; ; i++ {
			pause := time.Millisecond
			if i%5 == 4 {
				pause = 300 * time.Millisecond
			}
			select {
			case <-stop:
				return
			case <-time.After(pause):
			}
			name := fmt.Sprintf("written %d", i)
			if _, err := v.DB().Exec("INSERT INTO people(name, created_at) VALUES (?, 'now')", name); err != nil {
				t.Errorf("write: %v", err)
				return
			}
			mu.Lock()
			committed = append(committed, name)
			mu.Unlock()
		}
	}()
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			var n int
			if err := v.DB().QueryRow("SELECT count(*) FROM resources").Scan(&n); err != nil {
				t.Errorf("read: %v", err)
				return
			}
			reads.Add(1)
		}
	}()
	var done int
	var errs []error
	for k := 0; k < 3; k++ {
		err := v.Compact(ctx)
		if err == nil {
			done++
		} else if !errors.Is(err, ErrVaultBusy) {
			errs = append(errs, err)
		}
	}
	close(stop)
	wg.Wait()
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(committed) == 0 || reads.Load() == 0 {
		t.Fatal("nothing ran alongside the rewrites")
	}
	for _, name := range committed {
		var n int
		if err := v.DB().QueryRow("SELECT count(*) FROM people WHERE name = ?", name).Scan(&n); err != nil || n != 1 {
			t.Fatalf("%q committed during a rewrite is lost (%v)", name, err)
		}
	}
	t.Logf("%d of 3 rewrites done, %d writes and %d reads alongside", done, len(committed), reads.Load())
	if done == 0 {
		t.Fatal("no rewrite went through while the writer paused")
	}
}

// Another process (here: a second open of the same file, which holds its
// own lock) keeps the file from being replaced: Compact says so and
// changes nothing; PackPending keeps the rewrite for later.
func TestCompactRefusesWhileAnotherHasTheVaultOpen(t *testing.T) {
	v, path := vaultWithFreeSpace(t)
	other, err := Open(path, secret)
	if err != nil {
		t.Fatal(err)
	}
	before := allRows(t, v.DB())
	if err := v.Compact(context.Background()); !errors.Is(err, ErrVaultInUse) {
		t.Fatalf("compact while open elsewhere: %v", err)
	}
	if freePages(t, v.DB()) == 0 {
		t.Fatal("the file was rewritten")
	}
	// Both still read and write the one file.
	if _, err := other.DB().Exec("INSERT INTO people(name, created_at) VALUES ('From The Other', 'now')"); err != nil {
		t.Fatal(err)
	}
	var n int
	v.DB().QueryRow("SELECT count(*) FROM people WHERE name = 'From The Other'").Scan(&n)
	if n != 1 {
		t.Fatal("the two opens no longer share one file")
	}
	if _, err := os.Stat(rewriteTempPath(path)); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("the copy was left")
	}
	// PackPending: the rewrite stays pending while the other has it open…
	saved := maxVacuumBytes
	defer func() { maxVacuumBytes = saved }()
	maxVacuumBytes = 1
	if _, err := v.DB().Exec("INSERT OR REPLACE INTO settings(key, value) VALUES ('pack_vacuum', '1')"); err != nil {
		t.Fatal(err)
	}
	p, err := v.PackPending(context.Background(), nil)
	if err != nil || !p.VacuumSkipped || p.Phase != "done" {
		t.Fatalf("%+v %v", p, err)
	}
	if need, _ := v.PackNeeded(context.Background()); !need {
		t.Fatal("the rewrite is no longer pending")
	}
	// …and is done once it closes.
	other.Close()
	if p, err = v.PackPending(context.Background(), nil); err != nil || p.VacuumSkipped {
		t.Fatalf("%+v %v", p, err)
	}
	if need, _ := v.PackNeeded(context.Background()); need || freePages(t, v.DB()) != 0 {
		t.Fatal("not rewritten once alone")
	}
	want := before
	got := allRows(t, v.DB())
	delete(want, "people")
	delete(want, "settings")
	delete(got, "people")
	delete(got, "settings")
	sameRows(t, want, got)
}

// A failure at any step (the hook returns an error there) leaves the vault
// as it was, usable through the same pool, and no copy behind.
func TestCompactFailingAtAnyStepChangesNothing(t *testing.T) {
	for _, step := range []string{"copied", "verified", "checkpointed", "closed"} {
		t.Run(step, func(t *testing.T) {
			v, path := vaultWithFreeSpace(t)
			before, free := allRows(t, v.DB()), freePages(t, v.DB())
			boom := errors.New("injected")
			rewriteHook = func(s string) error {
				if s == step {
					return boom
				}
				return nil
			}
			defer func() { rewriteHook = nil }()
			if err := v.Compact(context.Background()); !errors.Is(err, boom) {
				t.Fatalf("%v", err)
			}
			sameRows(t, before, allRows(t, v.DB()))
			if freePages(t, v.DB()) != free {
				t.Fatal("the file changed")
			}
			if _, err := os.Stat(rewriteTempPath(path)); !errors.Is(err, os.ErrNotExist) {
				t.Fatal("the copy was left")
			}
			rewriteHook = nil
			if err := v.Compact(context.Background()); err != nil {
				t.Fatalf("the next rewrite: %v", err)
			}
			sameRows(t, before, allRows(t, v.DB()))
		})
	}
}

// Closing the session cancels a rewrite: during the copy or between steps
// it stops with the context's error, the copy removed, the vault as it was.
func TestCompactCancelled(t *testing.T) {
	for _, step := range []string{"copying", "copied", "verified"} {
		t.Run(step, func(t *testing.T) {
			v, path := vaultWithFreeSpace(t)
			before, free := allRows(t, v.DB()), freePages(t, v.DB())
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if step == "copying" {
				// VACUUM INTO is interrupted (sqlite3_interrupt) once the
				// copy has pages on disk.
				go func() {
					for ctx.Err() == nil {
						if fi, err := os.Stat(rewriteTempPath(path)); err == nil && fi.Size() > 0 {
							cancel()
						}
					}
				}()
			}
			rewriteHook = func(s string) error {
				if s == step {
					cancel()
				}
				return nil
			}
			defer func() { rewriteHook = nil }()
			if err := v.Compact(ctx); !errors.Is(err, context.Canceled) {
				t.Fatalf("%v", err)
			}
			sameRows(t, before, allRows(t, v.DB()))
			if freePages(t, v.DB()) != free {
				t.Fatal("the file changed")
			}
			if _, err := os.Stat(rewriteTempPath(path)); !errors.Is(err, os.ErrNotExist) {
				t.Fatal("the copy was left")
			}
		})
	}
}

// TestCrashHelper is the child of TestCompactKilledAtAnyStep: it compacts
// the vault named in the environment and kills itself, as a power cut or
// the OS would, at the step named there.
func TestCrashHelper(t *testing.T) {
	path, step := os.Getenv("FASTEN_CRASH_VAULT"), os.Getenv("FASTEN_CRASH_STEP")
	if path == "" {
		t.Skip("run by TestCompactKilledAtAnyStep")
	}
	v, err := Open(path, secret)
	if err != nil {
		t.Fatal(err)
	}
	kill := func() { syscall.Kill(os.Getpid(), syscall.SIGKILL) }
	if step == "copying" {
		// Mid-copy: as soon as the copy has some pages on disk.
		go func() {
			for {
				if fi, err := os.Stat(rewriteTempPath(path)); err == nil && fi.Size() > 64<<10 {
					kill()
				}
				time.Sleep(time.Millisecond)
			}
		}()
	}
	rewriteHook = func(s string) error {
		if s == step {
			kill()
		}
		return nil
	}
	err = v.Compact(context.Background())
	t.Fatalf("not killed at %s (%v)", step, err)
}

// A rewrite killed at any step leaves a vault that opens with every row,
// the copy is removed by the next open, and the next rewrite succeeds.
func TestCompactKilledAtAnyStep(t *testing.T) {
	for _, step := range []string{"copying", "copied", "verified", "checkpointed", "closed", "swapped"} {
		t.Run(step, func(t *testing.T) {
			v, path := vaultWithFreeSpace(t)
			before := allRows(t, v.DB())
			v.Close()
			cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelper$")
			cmd.Env = append(os.Environ(), "FASTEN_CRASH_VAULT="+path, "FASTEN_CRASH_STEP="+step)
			out, err := cmd.CombinedOutput()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
				t.Fatalf("the child was not killed: %v\n%s", err, out)
			}
			if step == "copying" || step == "copied" {
				if _, err := os.Stat(rewriteTempPath(path)); err != nil {
					t.Fatalf("no copy left by the crash to clean up: %v", err)
				}
			}
			v2, err := Open(path, secret)
			if err != nil {
				t.Fatal(err)
			}
			defer v2.Close()
			sameRows(t, before, allRows(t, v2.DB()))
			if res, err := v2.IntegrityCheck(context.Background()); err != nil || len(res) != 1 || res[0] != "ok" {
				t.Fatalf("integrity %v %v", res, err)
			}
			if _, err := os.Stat(rewriteTempPath(path)); !errors.Is(err, os.ErrNotExist) {
				t.Fatal("the open did not remove the crash's copy")
			}
			if err := v2.Compact(context.Background()); err != nil {
				t.Fatal(err)
			}
			sameRows(t, before, allRows(t, v2.DB()))
		})
	}
}

// A leftover copy is removed only by an open that has the vault to itself:
// another process's rewrite may be writing it.
func TestLeftoverCopyRemovedOnlyWhenAlone(t *testing.T) {
	path, _ := newVault(t)
	v, err := Open(path, secret)
	if err != nil {
		t.Fatal(err)
	}
	tmp := rewriteTempPath(path)
	os.WriteFile(tmp, []byte("partial"), 0o600)
	v2, err := Open(path, secret)
	if err != nil {
		t.Fatal(err)
	}
	v2.Close()
	if _, err := os.Stat(tmp); err != nil {
		t.Fatal("removed while another had the vault open")
	}
	// While it is there no rewrite starts.
	if err := v.Compact(context.Background()); !errors.Is(err, ErrVaultBusy) {
		t.Fatalf("compact beside a leftover: %v", err)
	}
	v.Close()
	if v, err = Open(path, secret); err != nil {
		t.Fatal(err)
	}
	v.Close()
	if _, err := os.Stat(tmp); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("not removed by an open alone")
	}
}

// mountTiny mounts a tmpfs of size bytes (root only) for the full-disk
// tests, unmounted at the end.
func mountTiny(t *testing.T, size int64) string {
	t.Helper()
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, fmt.Sprintf("size=%d,mode=0700", size)); err != nil {
		t.Skipf("cannot mount a small tmpfs to fill (%v): needs root", err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, 0) })
	return dir
}

// On a full disk the copy fails with ErrNoSpace, what it wrote is gone and
// the vault is untouched.
func TestCompactOnAFullDisk(t *testing.T) {
	v, path := vaultWithFreeSpace(t)
	before := allRows(t, v.DB())
	v.Close()
	size := fileSize(t, path)
	disk := mountTiny(t, 2*size+(1<<20))
	small := filepath.Join(disk, "household.fasten")
	for _, p := range []string{"", ".keys"} {
		if err := os.WriteFile(small+p, mustRead(t, path+p), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	v, err := Open(small, secret)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	// Fill the disk but for half of what the copy needs.
	var live int64
	v.DB().QueryRow("SELECT (page_count - freelist_count) * page_size FROM pragma_page_count, pragma_freelist_count, pragma_page_size").Scan(&live)
	fill := filepath.Join(disk, "filler")
	f, _ := os.Create(fill)
	chunk := make([]byte, 4096)
	for {
		if _, err := f.Write(chunk); err != nil {
			break
		}
	}
	f.Close()
	if err := os.Truncate(fill, fileSize(t, fill)-live/2); err != nil {
		t.Fatal(err)
	}
	hash := sha256.Sum256(mustRead(t, small))
	// Refused before it starts (the free space is read)…
	if err := v.Compact(context.Background()); !errors.Is(err, ErrNoSpace) {
		t.Fatalf("compact on a full disk: %v", err)
	}
	if _, err := os.Stat(rewriteTempPath(small)); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("a copy was started")
	}
	// …and, where free space cannot be read, stopped by the full disk.
	defer func(saved func(string) (int64, error)) { freeSpace = saved }(freeSpace)
	freeSpace = func(string) (int64, error) { return 0, errors.New("unknown") }
	err = v.Compact(context.Background())
	if !errors.Is(err, ErrNoSpace) {
		t.Fatalf("compact on a full disk: %v", err)
	}
	if _, err := os.Stat(rewriteTempPath(small)); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("the partial copy was left")
	}
	if sha256.Sum256(mustRead(t, small)) != hash {
		t.Fatal("the vault file changed")
	}
	sameRows(t, before, allRows(t, v.DB()))
	dst := filepath.Join(disk, "copy.fasten")
	if err := v.WriteCopy(context.Background(), dst); !errors.Is(err, ErrNoSpace) {
		t.Fatalf("copy on a full disk: %v", err)
	}
	if _, err := os.Stat(dst); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("the partial copy was left")
	}
	// With room again the same rewrite goes through: it was the disk.
	os.Remove(fill)
	if err := v.Compact(context.Background()); err != nil {
		t.Fatal(err)
	}
	sameRows(t, before, allRows(t, v.DB()))
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
