// Package vault is the household's encrypted store: one SQLCipher 4 database
// file, unlocked by a passphrase or a recovery key through a small key file
// beside it, with versioned schema migrations.
//
// Nothing in this package knows about FHIR; it hands out a *sql.DB that the
// records package uses.
package vault

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	sqlite3 "github.com/mutecomm/go-sqlcipher/v4"
)

// FileName is the default name of a household vault inside the profile directory.
const FileName = "household.fasten"

// DefaultPath is where a household vault lives unless --vault or FASTEN_VAULT
// say otherwise: the per-user configuration directory, which backups and
// roaming profiles already cover.
func DefaultPath() (string, error) {
	if p := os.Getenv("FASTEN_VAULT"); p != "" {
		return p, nil
	}
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("cannot find your profile directory: %w", err)
	}
	return filepath.Join(dir, "Fasten", FileName), nil
}

// Exists reports whether a vault (database and key file) is at path.
func Exists(path string) bool {
	_, err1 := os.Stat(path)
	_, err2 := os.Stat(keyFilePath(path))
	return err1 == nil && err2 == nil
}

// Vault is an unlocked household vault.
type Vault struct {
	path string
	key  []byte
	// db is the one pool every user of the vault shares, for the vault's
	// whole life: a rewrite (see Compact) swaps the file under it without
	// ever closing it, so nobody holding it sees a closed database.
	db *sql.DB
	// gate is read-held by every connection being opened, write-held by
	// a rewrite while no connection of the pool is open and the new file
	// is moved into place: connections the pool opens meanwhile wait and
	// then open the new file.
	gate sync.RWMutex
	// openLock holds a shared lock on <vault>.open.lock while the vault is
	// open; a rewrite needs it exclusive (no other process has the file
	// open, so none keeps writing to the file it replaces).
	openLock *os.File
	// rewriteMu: one rewrite at a time in this process.
	rewriteMu sync.Mutex
	connector *connector
}

// MaxConns bounds the pool: WAL allows one writer and many readers, and each
// connection keeps its own page cache of decrypted pages.
const MaxConns = 4

// Error kinds a caller can tell apart with errors.Is. Their text is written
// for the person unlocking; wrapping adds only file names, never keys.
var (
	// ErrExists is returned by Create when a vault is already at the path.
	ErrExists = errors.New("a vault already exists there")
	// ErrNoVault: there is no database file at the path.
	ErrNoVault = errors.New("there is no vault there")
	// ErrKeyFileMissing: the database is there, its key file is not.
	ErrKeyFileMissing = errors.New("the vault's key file is missing: restore it from your backup next to the vault")
	// ErrKeyFileDamaged: the key file cannot be read as key slots, or a
	// slot's parameters are outside what Fasten ever writes (an edited or
	// corrupted file must not make Argon2 allocate gigabytes or panic).
	ErrKeyFileDamaged = errors.New("the vault's key file is damaged or from a newer Fasten: restore it from the same backup as the vault")
	// ErrKeyMismatch: a key slot opened but the database does not decrypt
	// with the key it holds (files from different backups, or damage).
	ErrKeyMismatch = errors.New("the vault file does not match its key file (or is damaged): restore both from the same backup")
	// ErrNewerSchema: the vault was written by a newer Fasten.
	ErrNewerSchema = errors.New("this vault was written by a newer Fasten: update Fasten to open it")
)

// Create makes a new vault at path protected by passphrase, and returns it
// together with the recovery key the person must write down (shown once).
func Create(path, passphrase string) (*Vault, string, error) {
	if err := CheckPassphrase(passphrase); err != nil {
		return nil, "", err
	}
	if _, err := os.Stat(path); err == nil {
		return nil, "", ErrExists
	}
	if _, err := os.Stat(keyFilePath(path)); err == nil {
		return nil, "", ErrExists
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, "", fmt.Errorf("cannot create the vault folder: %w", err)
	}
	vaultKey := randomBytes(vaultKeyLen)
	recovery := randomBytes(recoveryKeyLen)
	kf := &keyFile{Slots: []keySlot{
		newPassphraseSlot(passphrase, vaultKey, DefaultKDF),
		newRecoverySlot(recovery, vaultKey),
	}}
	// Owner-only permissions; SQLite gives its -wal and -shm files the same.
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, "", fmt.Errorf("cannot create the vault file: %w", err)
	}
	f.Close()
	// The database comes first so that a crash between the two never leaves a
	// key file that opens nothing; an orphan database without keys is removed.
	v, err := openDB(path, vaultKey)
	if err != nil {
		os.Remove(path)
		return nil, "", err
	}
	// A new vault has no rows from before schema 17: nothing to pack, so
	// no open ever walks its rows looking for some.
	if _, err := v.db.Exec("DELETE FROM settings WHERE key IN ('pack_resources_after', 'pack_versions_after', 'pack_vacuum')"); err != nil {
		v.Close()
		removeDBFiles(path)
		return nil, "", fmt.Errorf("cannot set up the vault: %w", err)
	}
	if err := writeKeyFile(path, kf); err != nil {
		v.Close()
		removeDBFiles(path)
		return nil, "", fmt.Errorf("cannot write the vault's key file: %w", err)
	}
	return v, formatRecoveryKey(recovery), nil
}

func removeDBFiles(path string) {
	for _, p := range []string{path, path + "-wal", path + "-shm", openLockPath(path)} {
		os.Remove(p)
	}
}

// Open unlocks the vault at path with the passphrase. A wrong passphrase gives
// ErrWrongPassphrase and touches nothing on disk.
func Open(path, passphrase string) (*Vault, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("%w: %s", ErrNoVault, path)
	}
	kf, err := readKeyFile(path)
	if err != nil {
		return nil, err
	}
	key, err := kf.unwrapPassphrase(passphrase)
	if err != nil {
		return nil, err
	}
	return openDB(path, key)
}

// OpenWithRecoveryKey unlocks the vault with the printed recovery key.
func OpenWithRecoveryKey(path, recoveryKey string) (*Vault, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("%w: %s", ErrNoVault, path)
	}
	rk, err := parseRecoveryKey(recoveryKey)
	if err != nil {
		return nil, err
	}
	kf, err := readKeyFile(path)
	if err != nil {
		return nil, err
	}
	key, err := kf.unwrapRecovery(rk)
	if err != nil {
		return nil, err
	}
	return openDB(path, key)
}

// ChangePassphrase rewraps the vault key under a new passphrase. The database
// is not rewritten; the recovery key keeps working.
func (v *Vault) ChangePassphrase(newPassphrase string) error {
	if err := CheckPassphrase(newPassphrase); err != nil {
		return err
	}
	kf, err := readKeyFile(v.path)
	if err != nil {
		return err
	}
	kf.replaceSlots(slotPassphrase, newPassphraseSlot(newPassphrase, v.key, DefaultKDF))
	return writeKeyFile(v.path, kf)
}

// MinPassphraseLen is the shortest passphrase accepted. Strength beyond that is
// advised by the UI, not enforced: the person chooses.
const MinPassphraseLen = 8

// CheckPassphrase rejects passphrases too short to protect medical records.
func CheckPassphrase(p string) error {
	if len([]rune(strings.TrimSpace(p))) < MinPassphraseLen {
		return fmt.Errorf("the passphrase must be at least %d characters long", MinPassphraseLen)
	}
	return nil
}

func openDB(path string, key []byte) (*Vault, error) {
	lock, err := takeOpenLock(path)
	if err != nil {
		return nil, err
	}
	// A raw 32-byte key skips SQLCipher's PBKDF2, so each pooled connection
	// opens in microseconds instead of ≈0.4 s; the expensive derivation was
	// done once by Argon2id when the slot was unwrapped. The driver applies
	// these settings to every new connection and setUpConn reads them back.
	v := &Vault{path: path, key: append([]byte(nil), key...), openLock: lock}
	v.connector = &connector{drv: fastenDriver, dsn: vaultDSN(path, key), gate: &v.gate}
	db := sql.OpenDB(v.connector)
	db.SetMaxOpenConns(MaxConns)
	db.SetMaxIdleConns(MaxConns)
	v.db = db
	if err := v.db.PingContext(context.Background()); err != nil {
		v.closeQuietly()
		return nil, describeOpenError(err)
	}
	if err := migrate(db); err != nil {
		v.closeQuietly()
		return nil, describeOpenError(err)
	}
	return v, nil
}

// vaultDSN is the vault's settings for go-sqlcipher, its key included:
// never log it.
func vaultDSN(path string, key []byte) string {
	return path + "?_pragma_key=" + "x'" + hex.EncodeToString(key) + "'" +
		fmt.Sprintf("&_busy_timeout=%d", busyTimeoutMS) +
		"&_foreign_keys=1&_journal_mode=WAL&_synchronous=NORMAL&_txlock=immediate"
}

// closeQuietly closes a vault that failed to open.
func (v *Vault) closeQuietly() {
	v.db.Close()
	v.connector.shut()
	v.db = nil
	releaseOpenLock(v.openLock)
	v.openLock = nil
}

// describeOpenError turns SQLite's "not a database" (what a wrong key looks
// like to SQLCipher) into ErrKeyMismatch, by its result code.
func describeOpenError(err error) error {
	var se sqlite3.Error
	if errors.As(err, &se) && se.Code == sqlite3.ErrNotADB {
		return ErrKeyMismatch
	}
	if errors.Is(err, ErrNewerSchema) {
		return err
	}
	return fmt.Errorf("cannot open the vault: %w", err)
}

// DB is the pooled handle for queries.
func (v *Vault) DB() *sql.DB { return v.db }

// Path is the database file's location.
func (v *Vault) Path() string { return v.path }

// Close checkpoints the WAL into the database, closes every connection and
// forgets the key. A failed checkpoint loses nothing (the WAL stays and is
// replayed at the next open) but is reported.
func (v *Vault) Close() error {
	if v.db == nil {
		return nil
	}
	_, cerr := v.db.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
	if cerr != nil {
		cerr = fmt.Errorf("checkpointing the vault's journal: %w", cerr)
	}
	err := errors.Join(cerr, v.db.Close())
	v.connector.shut()
	v.db = nil
	releaseOpenLock(v.openLock)
	v.openLock = nil
	for i := range v.key {
		v.key[i] = 0
	}
	return err
}

// IntegrityCheck runs SQLite's full integrity check and returns its findings
// ("ok" when sound).
func (v *Vault) IntegrityCheck(ctx context.Context) ([]string, error) {
	rows, err := v.db.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
