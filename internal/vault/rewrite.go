package vault

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	sqlite3 "github.com/mutecomm/go-sqlcipher/v4"
)

// Copies and rewrites of the vault file.
//
// The copy is SQLite's `VACUUM INTO`: one read snapshot of the vault
// written page by page into a new file, without its free pages. The new
// file is attached with the vault's own key (SQLCipher gives an ATTACH
// without KEY the main database's key), so it is encrypted like the vault
// and opens with the same key file. Unlike VACUUM it builds nothing in the
// temporary store, which this SQLCipher keeps in memory: it costs the page
// caches, not the size of the records (measured on a 919 MB vault: see
// docs/vault-format.md). Readers and writers carry on while it runs.
//
// A rewrite (Compact) makes that copy beside the vault, checks it, and
// moves it over the vault file while nothing has it open:
//
//  1. copy to <vault>.rewrite (created O_EXCL, owner-only: a second
//     rewrite finds it there and stays out) and fsync it;
//  2. verify the copy (integrity_check; every table's row count equal to
//     the vault's at the snapshot);
//  3. hold every connection of the pool (the process's other users wait
//     for one, they never see a closed database), then check with
//     PRAGMA data_version that no connection — of this process or
//     another — committed since the snapshot; if one did, start again;
//  4. take <vault>.open.lock exclusive (every open Vault holds it shared:
//     another process with the vault open makes the rewrite wait for a
//     later open);
//  5. checkpoint the journal to empty, close every connection under the
//     gate (connections asked for meanwhile wait), remove the emptied
//     -wal and -shm, rename the copy over the vault, fsync the folder;
//  6. let the lock back to shared and open the gate: the pool's next
//     connections open the new file.
//
// A crash before the rename leaves the old vault (its journal empty or
// intact) and a leftover copy that the next open removes when no other
// process has the vault open; after it, the new vault. The key file is
// never touched: the copy is encrypted with the same vault key.

var (
	// ErrNoSpace: the disk is full. Nothing of the vault changed; what the
	// copy had written is removed.
	ErrNoSpace = errors.New("there is not enough free disk space for a copy of the vault")
	// ErrVaultInUse: another Fasten has this vault open, so its file cannot
	// be replaced now. Nothing changed; the rewrite is for a later open.
	ErrVaultInUse = errors.New("another Fasten has this vault open")
	// ErrVaultBusy: records kept changing while the copy was made, or this
	// process kept its connections busy, or another rewrite is under way.
	// Nothing changed; try again later.
	ErrVaultBusy = errors.New("the vault is busy; rewriting it is left for later")
	// ErrCopyUnsound: the copy written did not check out (damage, or rows
	// missing). It is removed and the vault is unchanged.
	ErrCopyUnsound = errors.New("the copy of the vault did not check out; the vault is unchanged")
)

// compactAttempts bounds how often Compact copies again because records
// changed during the copy; holdTimeout how long it waits for this
// process's connections to come free. Code that holds one connection and
// waits for another (a query outside its transaction) waits at most that
// long for Compact to give up; as long as SQLite's busy timeout, which a
// writer already may wait.
var (
	compactAttempts = 3
	holdTimeout     = busyTimeoutMS * time.Millisecond
)

// rewriteHook, when set (tests only), is called at each named step of a
// rewrite; an error stops the rewrite there as a failure would.
var rewriteHook func(step string) error

func hook(step string) error {
	if rewriteHook != nil {
		return rewriteHook(step)
	}
	return nil
}

// connector opens the vault's connections by path, so that after a
// rewrite put a new file at that path the pool's next connections open
// it; gate holds them back while the file is being replaced.
type connector struct {
	drv  driver.Driver
	dsn  string
	gate *sync.RWMutex
	// closed (under gate): the vault is closed; database/sql's opener may
	// still be asked for a connection after a rewrite and must not create
	// the file's -wal and -shm again once Close has returned.
	closed bool
}

var errClosed = errors.New("the vault is closed")

func (c *connector) Connect(context.Context) (driver.Conn, error) {
	c.gate.RLock()
	defer c.gate.RUnlock()
	if c.closed {
		return nil, errClosed
	}
	return c.drv.Open(c.dsn)
}

// shut makes Connect refuse from now on, once the connections being
// opened are open.
func (c *connector) shut() {
	c.gate.Lock()
	c.closed = true
	c.gate.Unlock()
}

func (c *connector) Driver() driver.Driver { return c.drv }

// plainDriver opens copies for checking, without the vault's settings
// (a copy is in rollback-journal mode until it is opened as a vault).
var plainDriver = &sqlite3.SQLiteDriver{}

func openLockPath(path string) string    { return path + ".open.lock" }
func rewriteTempPath(path string) string { return path + ".rewrite" }
func sqliteSideFiles(path string) []string {
	return []string{path + "-wal", path + "-shm", path + "-journal"}
}

// takeOpenLock takes <path>.open.lock shared for as long as the vault is
// open. If nobody else has the vault open, a rewrite's leftover copy (a
// crash or a kill during one) is removed first: no rewrite can be running.
func takeOpenLock(path string) (*os.File, error) {
	f, err := os.OpenFile(openLockPath(path), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("cannot open the vault's lock file: %w", err)
	}
	alone, err := tryLockExclusive(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("cannot lock the vault: %w", err)
	}
	if alone {
		removeCopyFiles(rewriteTempPath(path))
		unlockFile(f)
	}
	if err := lockShared(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cannot lock the vault: %w", err)
	}
	return f, nil
}

func releaseOpenLock(f *os.File) {
	if f != nil {
		unlockFile(f)
		f.Close()
	}
}

// removeCopyFiles removes a database file SQLite wrote and its journals.
func removeCopyFiles(path string) {
	os.Remove(path)
	for _, p := range sqliteSideFiles(path) {
		os.Remove(p)
	}
}

// diskFull tells SQLite's "database or disk is full" and the OS's ENOSPC.
func diskFull(err error) bool {
	var se sqlite3.Error
	if errors.As(err, &se) && se.Code == sqlite3.ErrFull {
		return true
	}
	return errors.Is(err, syscall.ENOSPC)
}

// describeCopyError gives a full disk its kind.
func describeCopyError(what string, err error) error {
	if diskFull(err) {
		return fmt.Errorf("%s: %w (%w)", what, ErrNoSpace, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// WriteCopy writes a consistent copy of the vault to dst, compacted and
// encrypted with the vault's key, and beside it dst's key file (the same
// key slots), so Open(dst, passphrase) and OpenWithRecoveryKey open it.
// The copy is one snapshot: a write made meanwhile is wholly in it or
// wholly not. Records can be read and written while it runs; it costs
// SQLite's page caches, not the records' size, in memory. Neither dst
// nor its key file may exist (ErrExists). A full disk gives ErrNoSpace;
// on any failure what was written is removed.
func (v *Vault) WriteCopy(ctx context.Context, dst string) error {
	return v.writeCopy(ctx, dst, true)
}

// WriteCopyUnchecked is WriteCopy without its integrity check, for a
// caller that checks the copy itself where it ends up (a backup checks
// the database it took back out of the backup file, with CheckCopy): the
// check reads the whole file, the longest part of a large copy.
func (v *Vault) WriteCopyUnchecked(ctx context.Context, dst string) error {
	return v.writeCopy(ctx, dst, false)
}

func (v *Vault) writeCopy(ctx context.Context, dst string, check bool) error {
	for _, p := range []string{dst, keyFilePath(dst)} {
		if _, err := os.Lstat(p); err == nil {
			return fmt.Errorf("%w: %s", ErrExists, p)
		}
	}
	c, err := v.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := copyInto(ctx, c, dst); err != nil {
		return err
	}
	if check {
		if err := verifyCopy(ctx, dst, v.key, nil); err != nil {
			removeCopyFiles(dst)
			return err
		}
	}
	kf, err := readKeyFile(v.path)
	if err == nil {
		err = writeKeyFile(dst, kf)
	}
	if err != nil {
		removeCopyFiles(dst)
		return describeCopyError("writing the copy's key file", err)
	}
	return nil
}

// freeSpace is diskFree; tests replace it to let a copy run into a full
// disk rather than be refused before it starts.
var freeSpace = diskFree

// copyInto writes the snapshot c sees to dst (which must not exist) and
// makes it durable. On failure dst is removed.
func copyInto(ctx context.Context, c *sql.Conn, dst string) error {
	// The copy takes about the vault's live pages. Not starting one that
	// cannot fit keeps it from filling the disk under the app's own
	// writers (an import alongside would fail for want of space); a tenth
	// more is left for them. Where free space cannot be read the copy
	// is tried and a full disk still ends it with ErrNoSpace.
	var live int64
	if err := c.QueryRowContext(ctx, "SELECT (page_count - freelist_count) * page_size FROM pragma_page_count, pragma_freelist_count, pragma_page_size").Scan(&live); err != nil {
		return err
	}
	if free, err := freeSpace(filepath.Dir(dst)); err == nil && free < live+live/10+(1<<20) {
		return fmt.Errorf("%w: the copy needs about %d MB, %d MB are free", ErrNoSpace, (live+live/10)>>20+1, free>>20)
	}
	// Created here, owner-only like the vault, and exclusively: VACUUM INTO
	// would create it world-readable (umask) and accepts an empty file.
	f, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%w: %s", ErrExists, dst)
		}
		return describeCopyError("creating the copy", err)
	}
	f.Close()
	if _, err := c.ExecContext(ctx, "VACUUM INTO ?", dst); err != nil {
		removeCopyFiles(dst)
		return describeCopyError("writing the copy", err)
	}
	// VACUUM INTO writes without syncing; the copy must be on disk before
	// anything relies on it (a rename over the vault, a backup kept).
	if err := syncFile(dst); err != nil {
		removeCopyFiles(dst)
		return describeCopyError("writing the copy", err)
	}
	return nil
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// syncDir makes a rename in dir durable (a no-op where directories cannot
// be synced).
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// verifyCopy opens the copy at path with key, read-only, and runs SQLite's
// integrity check; with want, every table's row count must match it.
func verifyCopy(ctx context.Context, path string, key []byte, want map[string]int64) error {
	got, err := checkCopy(ctx, path, key, true, want != nil)
	if err != nil || want == nil {
		return err
	}
	if len(got) != len(want) {
		return fmt.Errorf("%w: %d tables, the vault has %d", ErrCopyUnsound, len(got), len(want))
	}
	for t, n := range want {
		if got[t] != n {
			return fmt.Errorf("%w: %s has %d rows, the vault %d", ErrCopyUnsound, t, got[t], n)
		}
	}
	return nil
}

// CheckCopy opens a copy of this vault at path — one WriteCopy wrote, or
// one taken out of a backup — with the vault's own key (already unwrapped:
// nobody is asked for the passphrase again), read-only; runs SQLite's
// integrity check when integrity is set, and returns every stored table's
// row count. A copy that does not decrypt, or whose check finds problems,
// gives ErrCopyUnsound. The copy is not changed.
func (v *Vault) CheckCopy(ctx context.Context, path string, integrity bool) (map[string]int64, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCopyUnsound, err)
	}
	return checkCopy(ctx, path, v.key, integrity, true)
}

// TableCounts is every stored table's row count in the vault now.
func (v *Vault) TableCounts(ctx context.Context) (map[string]int64, error) {
	return tableCounts(ctx, v.db)
}

func checkCopy(ctx context.Context, path string, key []byte, integrity, count bool) (map[string]int64, error) {
	db := sql.OpenDB(&connector{drv: plainDriver, gate: new(sync.RWMutex),
		dsn: path + "?_pragma_key=x'" + hex.EncodeToString(key) + "'&_query_only=1"})
	defer func() {
		db.Close()
		// Reading a copy writes nothing, but a -shm or an empty -wal
		// must not be left to meet the file under its new name.
		for _, p := range sqliteSideFiles(path) {
			os.Remove(p)
		}
	}()
	if integrity {
		rows, err := db.QueryContext(ctx, "PRAGMA integrity_check")
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrCopyUnsound, err)
		}
		var found []string
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				rows.Close()
				return nil, fmt.Errorf("%w: %w", ErrCopyUnsound, err)
			}
			found = append(found, s)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrCopyUnsound, err)
		}
		if len(found) != 1 || found[0] != "ok" {
			// SQLite's findings name pages and indexes, never row contents.
			return nil, fmt.Errorf("%w: integrity check found %d problems", ErrCopyUnsound, len(found))
		}
	}
	if !count {
		return nil, nil
	}
	got, err := tableCounts(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCopyUnsound, err)
	}
	return got, nil
}

// queryer is what tableCounts needs of a *sql.DB or a *sql.Conn.
type queryer interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
	QueryRowContext(context.Context, string, ...any) *sql.Row
}

// tableCounts counts the rows of every stored table (a full-text table's
// shadow tables are counted; the virtual table itself stores nothing).
func tableCounts(ctx context.Context, q queryer) (map[string]int64, error) {
	rows, err := q.QueryContext(ctx, "SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL TABLE%'")
	if err != nil {
		return nil, err
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return nil, err
		}
		names = append(names, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make(map[string]int64, len(names))
	for _, n := range names {
		var c int64
		if err := q.QueryRowContext(ctx, `SELECT count(*) FROM "`+n+`"`).Scan(&c); err != nil {
			return nil, err
		}
		out[n] = c
	}
	return out, nil
}

// errChanged: a commit happened between the snapshot and the swap.
var errChanged = errors.New("the vault changed during the copy")

// Compact rewrites the vault file without its free pages, through a
// verified copy moved over it (see the top of this file), in memory
// bounded by SQLite's page caches. The vault stays usable throughout: its
// pool is never closed; queries wait while the file is swapped. It gives
// ErrVaultInUse when another process has the vault open, ErrVaultBusy
// when records kept changing (compactAttempts copies) or this process's
// connections stayed busy for holdTimeout, ErrNoSpace when the disk is
// full, ErrCopyUnsound when the copy did not check out; in each case the
// vault is as it was.
func (v *Vault) Compact(ctx context.Context) error {
	v.rewriteMu.Lock()
	defer v.rewriteMu.Unlock()
	for attempt := 1; ; attempt++ {
		err := v.compactOnce(ctx)
		if !errors.Is(err, errChanged) {
			return err
		}
		if attempt >= compactAttempts {
			return fmt.Errorf("%w: records changed during %d copies", ErrVaultBusy, attempt)
		}
	}
}

func (v *Vault) compactOnce(ctx context.Context) (err error) {
	tmp := rewriteTempPath(v.path)
	first, err := v.db.Conn(ctx)
	if err != nil {
		return err
	}
	held := []*sql.Conn{first}
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	// data_version changes when any other connection, in this process or
	// another, commits: equal before the counts and after the copy (in
	// step 3, under exclusion) means the copy is the vault as it is.
	var before int64
	if err := first.QueryRowContext(ctx, "PRAGMA data_version").Scan(&before); err != nil {
		return err
	}
	want, err := tableCounts(ctx, first)
	if err != nil {
		return err
	}
	if err := copyInto(ctx, first, tmp); err != nil {
		if errors.Is(err, ErrExists) {
			// Another rewrite's copy (or a crash's, while another
			// process keeps the vault open): not now.
			return fmt.Errorf("%w: %w", ErrVaultBusy, err)
		}
		return err
	}
	swapped := false
	defer func() {
		if !swapped {
			removeCopyFiles(tmp)
		}
	}()
	if err := hook("copied"); err != nil {
		return err
	}
	if err := verifyCopy(ctx, tmp, v.key, want); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		// A commit between the counts and the copy's snapshot makes them
		// differ: that is a change to copy again, not a bad copy.
		var now int64
		if errors.Is(err, ErrCopyUnsound) && first.QueryRowContext(ctx, "PRAGMA data_version").Scan(&now) == nil && now != before {
			return errChanged
		}
		return err
	}
	if err := hook("verified"); err != nil {
		return err
	}

	// Step 3: every connection of the pool, so nothing in this process
	// reads or writes the old file any more.
	hold, cancel := context.WithTimeout(ctx, holdTimeout)
	defer cancel()
	for len(held) < v.db.Stats().MaxOpenConnections {
		c, err := v.db.Conn(hold)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("%w: %w", ErrVaultBusy, err)
		}
		held = append(held, c)
	}
	var after int64
	if err := first.QueryRowContext(ctx, "PRAGMA data_version").Scan(&after); err != nil {
		return err
	}
	if after != before {
		return errChanged
	}

	// Step 4: no other process has the vault open. The shared lock is let
	// go for the try, and only here: the copy file taken O_EXCL above
	// keeps any other rewrite from trying at the same time.
	unlockFile(v.openLock)
	alone, lerr := tryLockExclusive(v.openLock)
	gated := false
	defer func() {
		// Shared again before the gate opens. While the lock is let go,
		// either no connection of this process is open (after the
		// swap) or our copy file, held O_EXCL, keeps any other process
		// from being at this step (a rewrite needs its own copy there);
		// an opener that is alone meanwhile may only delete that copy,
		// and a rename that then finds none leaves the old vault.
		if alone {
			unlockFile(v.openLock)
		}
		if e := lockShared(v.openLock); e != nil && err == nil {
			err = fmt.Errorf("cannot lock the vault again: %w", e)
		}
		if gated {
			v.gate.Unlock()
		}
	}()
	if lerr != nil {
		return fmt.Errorf("cannot lock the vault: %w", lerr)
	}
	if !alone {
		return ErrVaultInUse
	}

	// Step 5. No frame of the old journal may be left to be replayed onto
	// the new file: empty it while we hold every connection.
	var busy, logFrames, done int
	if err := first.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logFrames, &done); err != nil {
		return err
	}
	if busy != 0 {
		return fmt.Errorf("%w: the journal could not be emptied", ErrVaultBusy)
	}
	if err := hook("checkpointed"); err != nil {
		return err
	}
	v.gate.Lock()
	gated = true
	for _, c := range held {
		// Returning ErrBadConn from Raw makes database/sql close the
		// connection instead of keeping it idle; the pool opens new
		// ones (through the gate) when asked.
		_ = c.Raw(func(any) error { return driver.ErrBadConn })
	}
	held = nil
	if fi, err := os.Stat(v.path + "-wal"); err == nil && fi.Size() > 0 {
		// The last close normally deletes it; one with frames left means
		// they were not all copied into the file: keep the old vault.
		return fmt.Errorf("%w: the journal still holds changes", ErrVaultBusy)
	}
	os.Remove(v.path + "-wal")
	os.Remove(v.path + "-shm")
	if err := hook("closed"); err != nil {
		return err
	}
	if err := os.Rename(tmp, v.path); err != nil {
		return fmt.Errorf("moving the copy over the vault: %w", err)
	}
	swapped = true
	syncDir(filepath.Dir(v.path))
	return hook("swapped")
}

// HoldClosed keeps the vault at path closed to every process until
// release is called: it takes <path>.open.lock exclusive, which every
// open holds shared (an open meanwhile waits). A vault open anywhere —
// another process, or this one — gives ErrVaultInUse. A restore holds it
// while it moves files over a vault.
func HoldClosed(path string) (release func(), err error) {
	f, err := os.OpenFile(openLockPath(path), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("cannot open the vault's lock file: %w", err)
	}
	alone, err := tryLockExclusive(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("cannot lock the vault: %w", err)
	}
	if !alone {
		f.Close()
		return nil, ErrVaultInUse
	}
	return func() { releaseOpenLock(f) }, nil
}
