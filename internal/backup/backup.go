// Package backup writes a household vault into one self-contained,
// still-encrypted backup file, checks it, keeps the last few, and restores
// one onto a computer with the passphrase or the recovery key. The file
// format is in format.go and docs/vault-format.md §8.
package backup

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/fastenhealth/fasten-desktop/internal/vault"
)

// DefaultKeep is how many backups a folder keeps unless told otherwise.
const DefaultKeep = 7

// Ext is a backup file's extension.
const Ext = ".fastenbackup"

// Errors a caller tells apart with errors.Is. A full disk is vault.ErrNoSpace;
// a wrong passphrase or recovery key vault.ErrWrongPassphrase /
// vault.ErrWrongRecoveryKey.
var (
	ErrFolderMissing = errors.New("the backup folder is not there (is the drive connected?)")
	ErrReadOnly      = errors.New("Fasten cannot write to the backup folder")
	ErrVaultExists   = errors.New("a vault is already there: restoring would replace it")
	// ErrUnsound: the backup just written did not check out when read
	// back; it was removed, the vault is unchanged.
	ErrUnsound = errors.New("the backup did not check out when read back, so it was removed")
)

var namePattern = regexp.MustCompile(`^Fasten-backup-\d{4}-\d{2}-\d{2}T\d{6}(-\d+)?\.fastenbackup$`)

// Options tune Backup.
type Options struct {
	Keep int              // backups kept in the folder [DefaultKeep]; <0 keeps all
	Now  func() time.Time // [time.Now]
	// Settings is the vault's settings (the records store), where the
	// household's backup id is kept; without it the id is "" and pruning
	// keeps to backups without one.
	Settings Settings
}

// Settings reads and writes the vault's settings (records.Store does).
type Settings interface {
	Setting(ctx context.Context, key string) (string, error)
	SetSetting(ctx context.Context, key, value string) error
}

// Result is one written and checked backup.
type Result struct {
	Path    string        `json:"path"`
	Bytes   int64         `json:"bytes"`
	Records int64         `json:"records"`
	People  int64         `json:"people"`
	Took    time.Duration `json:"took"`
	Pruned  []string      `json:"pruned"`
}

// settingHousehold is the vault's random backup id (see Header.Household).
const settingHousehold = "backup_household_id"

// Backup writes a backup of v into dir, reads it back and checks it (the
// checksum; the database inside opens with v's key, passes SQLite's
// integrity check and has every table's rows), then removes this
// household's backups beyond o.Keep. Nothing of the vault changes but
// one setting (its backup id, set once).
func Backup(ctx context.Context, v *vault.Vault, dir string, o Options) (Result, error) {
	start := time.Now()
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Keep == 0 {
		o.Keep = DefaultKeep
	}
	var res Result
	if err := checkFolder(dir); err != nil {
		return res, err
	}
	var hh string
	if o.Settings != nil {
		var err error
		if hh, err = householdID(ctx, o.Settings); err != nil {
			return res, err
		}
	}
	// Work folder in the target folder: the copy is as big as the vault,
	// and it must fit where the backup goes. Hidden, removed on return.
	work, err := os.MkdirTemp(dir, ".fasten-backup-*.partial")
	if err != nil {
		return res, folderError(err)
	}
	defer os.RemoveAll(work)
	copyPath := filepath.Join(work, "vault.fasten")
	// Unchecked here: verify below runs the integrity check on the copy
	// taken back out of the backup file, which is what a restore gets.
	if err := v.WriteCopyUnchecked(ctx, copyPath); err != nil {
		return res, err
	}
	if err := hook("copied"); err != nil {
		return res, err
	}
	tables, err := v.CheckCopy(ctx, copyPath, false)
	if err != nil {
		return res, err
	}
	h := Header{Format: FormatVersion, Created: o.Now().UTC().Truncate(time.Second), Tables: tables,
		Records: tables["resources"], People: tables["people"], Household: hh}
	for _, p := range []struct {
		path string
		n    *int64
	}{{copyPath, &h.DatabaseBytes}, {copyPath + ".keys", &h.KeysBytes}} {
		fi, err := os.Stat(p.path)
		if err != nil {
			return res, err
		}
		*p.n = fi.Size()
	}
	tmp, err := os.CreateTemp(dir, ".fasten-backup-*.partial")
	if err != nil {
		return res, folderError(err)
	}
	tmpName := tmp.Name()
	done := false
	defer func() {
		if !done {
			os.Remove(tmpName)
		}
	}()
	err = writeFile(tmp, h, copyPath, copyPath+".keys")
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return res, folderError(err)
	}
	// The copy is in the file now; leaving room for the check's.
	os.Remove(copyPath)
	os.Remove(copyPath + ".keys")
	if err := hook("written"); err != nil {
		return res, err
	}
	final, err := freeName(dir, o.Now())
	if err != nil {
		return res, err
	}
	if err := os.Rename(tmpName, final); err != nil {
		return res, folderError(err)
	}
	done = true
	syncDir(dir)
	if err := verify(ctx, v, final, work, h); err != nil {
		os.Remove(final)
		syncDir(dir)
		return res, err
	}
	fi, err := os.Stat(final)
	if err != nil {
		return res, err
	}
	res = Result{Path: final, Bytes: fi.Size(), Records: h.Records, People: h.People}
	if o.Keep > 0 {
		res.Pruned, _ = prune(dir, hh, o.Keep, final)
	}
	removeStale(dir, o.Now())
	res.Took = time.Since(start)
	return res, nil
}

// verify reads the written backup back: checksum, then its database taken
// out into work and opened with the vault's own key.
func verify(ctx context.Context, v *vault.Vault, path, work string, h Header) error {
	l, err := check(path)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrUnsound, err)
	}
	db := filepath.Join(work, "check.fasten")
	if err := extract(path, l.dbOff, l.dbLen, db); err != nil {
		return folderError(err)
	}
	defer os.Remove(db)
	got, err := v.CheckCopy(ctx, db, true)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrUnsound, err)
	}
	if len(got) != len(h.Tables) {
		return fmt.Errorf("%w: %d tables, %d expected", ErrUnsound, len(got), len(h.Tables))
	}
	for t, n := range h.Tables {
		if got[t] != n {
			return fmt.Errorf("%w: table %s has %d rows, %d expected", ErrUnsound, t, got[t], n)
		}
	}
	return nil
}

// householdID is the vault's backup id, made on first use (settings
// belong to internal/records: written through its store).
func householdID(ctx context.Context, st Settings) (string, error) {
	id, err := st.Setting(ctx, settingHousehold)
	if err != nil || id != "" {
		return id, err
	}
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	id = hex.EncodeToString(b)
	return id, st.SetSetting(ctx, settingHousehold, id)
}

// checkFolder gives a missing folder its kind before anything is written.
func checkFolder(dir string) error {
	if dir == "" {
		return ErrFolderMissing
	}
	fi, err := os.Stat(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%w: %s", ErrFolderMissing, dir)
		}
		return folderError(err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("%w: %s is not a folder", ErrFolderMissing, dir)
	}
	return nil
}

// folderError gives the folder's failures their kinds.
func folderError(err error) error {
	switch {
	case errors.Is(err, syscall.ENOSPC):
		return fmt.Errorf("%w (%w)", vault.ErrNoSpace, err)
	case errors.Is(err, fs.ErrPermission), errors.Is(err, syscall.EROFS), errors.Is(err, syscall.EACCES):
		return fmt.Errorf("%w (%w)", ErrReadOnly, err)
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%w (%w)", ErrFolderMissing, err)
	}
	return err
}

// freeName is the backup's name for now, with a number added if taken.
func freeName(dir string, now time.Time) (string, error) {
	base := "Fasten-backup-" + now.Format("2006-01-02T150405")
	for i := 1; i < 1000; i++ {
		name := base + Ext
		if i > 1 {
			name = fmt.Sprintf("%s-%d%s", base, i, Ext)
		}
		p := filepath.Join(dir, name)
		if _, err := os.Lstat(p); errors.Is(err, fs.ErrNotExist) {
			return p, nil
		}
	}
	return "", fmt.Errorf("too many backups named %s", base)
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// Info describes a backup file in a folder, from its header alone.
type Info struct {
	Path      string    `json:"path"`
	Name      string    `json:"name"`
	Bytes     int64     `json:"bytes"`
	Created   time.Time `json:"created"`
	Records   int64     `json:"records"`
	People    int64     `json:"people"`
	Household string    `json:"-"`
}

// List is the Fasten backups in dir, newest first: files named like a
// backup whose header reads as one (their checksums are checked at restore).
func List(dir string) ([]Info, error) {
	if err := checkFolder(dir); err != nil {
		return nil, err
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, folderError(err)
	}
	out := []Info{}
	for _, e := range ents {
		if !e.Type().IsRegular() || !namePattern.MatchString(e.Name()) {
			continue
		}
		p := filepath.Join(dir, e.Name())
		f, err := os.Open(p)
		if err != nil {
			continue
		}
		l, err := readHeader(f)
		f.Close()
		if err != nil {
			continue
		}
		out = append(out, Info{Path: p, Name: e.Name(), Bytes: l.size, Created: l.header.Created,
			Records: l.header.Records, People: l.header.People, Household: l.header.Household})
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Created.Equal(out[j].Created) {
			return out[i].Created.After(out[j].Created)
		}
		return out[i].Name > out[j].Name
	})
	return out, nil
}

// Describe reads a backup file's header (not its checksum: Restore checks
// that). A file that is not a backup gives ErrDamaged with the reason.
func Describe(path string) (Info, error) {
	f, err := os.Open(path)
	if err != nil {
		return Info{}, err
	}
	defer f.Close()
	l, err := readHeader(f)
	if err != nil {
		return Info{}, err
	}
	return Info{Path: path, Name: filepath.Base(path), Bytes: l.size, Created: l.header.Created,
		Records: l.header.Records, People: l.header.People, Household: l.header.Household}, nil
}

// prune removes this household's backups in dir beyond the newest keep;
// files of other names, other households or unreadable headers stay.
func prune(dir, household string, keep int, just string) ([]string, error) {
	all, err := List(dir)
	if err != nil {
		return nil, err
	}
	var removed []string
	n := 0
	for _, b := range all {
		if b.Household != household {
			continue
		}
		n++
		if n <= keep || b.Path == just {
			continue
		}
		if os.Remove(b.Path) == nil {
			removed = append(removed, b.Name)
		}
	}
	return removed, nil
}

// removeStale removes work files a backup killed mid-way left (a power
// cut, a kill): hidden, named like Backup's, and a day old, so another
// process's backup under way is never touched.
func removeStale(dir string, now time.Time) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		n := e.Name()
		if !strings.HasPrefix(n, ".fasten-backup-") || !strings.HasSuffix(n, ".partial") {
			continue
		}
		if fi, err := e.Info(); err == nil && now.Sub(fi.ModTime()) > 24*time.Hour {
			os.RemoveAll(filepath.Join(dir, n))
		}
	}
}

// RestoreOptions tune Restore.
type RestoreOptions struct {
	// Replace lets the restore put the backup where a vault already is;
	// the vault there is kept beside it as <vault>.replaced-<time> (and its
	// key file), not deleted.
	Replace bool
}

// Restored describes a restored vault.
type Restored struct {
	Path     string    `json:"path"`
	Records  int64     `json:"records"`
	People   int64     `json:"people"`
	Created  time.Time `json:"created"`
	Replaced string    `json:"replaced,omitempty"` // where the vault that was there now is
}

// restoreTemp is where a restore builds the vault before moving it into
// place; a crash leaves it, the next restore removes it.
func restoreTemp(vaultPath string) string { return vaultPath + ".restoring" }

func removeTemp(tmp string) {
	for _, p := range []string{tmp, tmp + ".keys", tmp + "-wal", tmp + "-shm", tmp + "-journal", tmp + ".open.lock"} {
		os.Remove(p)
	}
}

// Restore puts the vault in the backup file at vaultPath, opening it with
// secret (the passphrase or the recovery key). Before anything is written
// the whole file's checksum is checked (ErrDamaged) and, unless
// o.Replace, that no vault is there (ErrVaultExists). The vault is built
// under a temporary name, opened with secret, checked (integrity, record
// and person counts), closed, then moved into place, the key file first
// and the database last: a crash at any point leaves no database at
// vaultPath (a stray key file without its database opens nothing and is
// replaced by the next restore) or the complete vault.
func Restore(ctx context.Context, file, vaultPath, secret string, o RestoreOptions) (Restored, error) {
	var r Restored
	dbThere := exists(vaultPath)
	if dbThere && !o.Replace {
		return r, fmt.Errorf("%w: %s", ErrVaultExists, vaultPath)
	}
	l, err := check(file)
	if err != nil {
		return r, err
	}
	folder := filepath.Dir(vaultPath)
	madeFolder := !exists(folder)
	if err := os.MkdirAll(folder, 0o700); err != nil {
		return r, folderError(err)
	}
	tmp := restoreTemp(vaultPath)
	removeTemp(tmp) // an earlier restore's, cut short
	ok := false
	defer func() {
		if !ok {
			removeTemp(tmp)
			if madeFolder {
				os.Remove(folder) // only if empty: a failed restore leaves no trace
			}
		}
	}()
	if err := extract(file, l.dbOff, l.dbLen, tmp); err != nil {
		return r, folderError(err)
	}
	if err := extract(file, l.keysOff, l.keysLen, tmp+".keys"); err != nil {
		return r, folderError(err)
	}
	if err := hook("extracted"); err != nil {
		return r, err
	}
	v, err := openEither(tmp, secret)
	if err != nil {
		return r, err
	}
	cerr := checkRestored(ctx, v, l.header)
	if err := v.Close(); cerr == nil && err != nil {
		cerr = err
	}
	if cerr != nil {
		return r, cerr
	}
	for _, p := range []string{tmp + "-wal", tmp + "-shm", tmp + ".open.lock"} {
		os.Remove(p)
	}
	if err := hook("checked"); err != nil {
		return r, err
	}
	// No Fasten may have the vault open while files move under it (the
	// window beside `fasten restore --replace`, or a first open racing a
	// restore): held closed until the database is in place.
	release, err := vault.HoldClosed(vaultPath)
	if err != nil {
		return r, err
	}
	defer release()
	if dbThere = exists(vaultPath); dbThere && !o.Replace {
		return r, fmt.Errorf("%w: %s", ErrVaultExists, vaultPath)
	}
	if dbThere {
		aside := vaultPath + ".replaced-" + time.Now().UTC().Format("20060102T150405")
		// The -wal may hold the newest changes of the vault replaced: it
		// goes with it. The database first, so a crash in between leaves
		// no database at vaultPath rather than one with the wrong keys.
		for _, suf := range []string{"", "-wal", "-shm", ".keys"} {
			if err := os.Rename(vaultPath+suf, aside+suf); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return r, folderError(err)
			}
		}
		r.Replaced = aside
	}
	if err := os.Rename(tmp+".keys", vaultPath+".keys"); err != nil {
		return r, folderError(err)
	}
	if err := hook("keys-moved"); err != nil {
		return r, err
	}
	if err := os.Rename(tmp, vaultPath); err != nil {
		return r, folderError(err)
	}
	ok = true
	syncDir(filepath.Dir(vaultPath))
	return Restored{Path: vaultPath, Records: l.header.Records, People: l.header.People, Created: l.header.Created, Replaced: r.Replaced}, nil
}

func exists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}

// openEither opens the vault at path with secret as its passphrase, else
// as its recovery key. A secret that is neither gives the passphrase's
// error (or the recovery key's, when it has the recovery key's form).
func openEither(path, secret string) (*vault.Vault, error) {
	v, err := vault.Open(path, secret)
	if !errors.Is(err, vault.ErrWrongPassphrase) {
		return v, err
	}
	v, rerr := vault.OpenWithRecoveryKey(path, secret)
	if rerr == nil {
		return v, nil
	}
	if errors.Is(rerr, vault.ErrWrongRecoveryKey) && looksLikeRecoveryKey(secret) {
		return nil, rerr
	}
	if errors.Is(rerr, vault.ErrWrongRecoveryKey) {
		return nil, err
	}
	return nil, rerr
}

// looksLikeRecoveryKey: groups of the recovery key's alphabet, as printed.
func looksLikeRecoveryKey(s string) bool {
	s = strings.ToUpper(strings.NewReplacer("-", "", " ", "").Replace(strings.TrimSpace(s)))
	if len(s) < 40 {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// checkRestored: integrity, and the records and people the header counted.
func checkRestored(ctx context.Context, v *vault.Vault, h Header) error {
	res, err := v.IntegrityCheck(ctx)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrUnsound, err)
	}
	if len(res) != 1 || res[0] != "ok" {
		return damaged(ReasonChecksum)
	}
	got, err := v.TableCounts(ctx)
	if err != nil {
		return err
	}
	if got["resources"] != h.Records || got["people"] != h.People {
		return damaged(ReasonChecksum)
	}
	return nil
}

// restoreHook, when set (tests only), is called at each named step of a
// restore.
var restoreHook func(step string) error

func hook(step string) error {
	if restoreHook != nil {
		return restoreHook(step)
	}
	return nil
}
