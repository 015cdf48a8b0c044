package vault

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Tests use cheap Argon2 parameters; the production ones are exercised by
// TestDefaultKDFUnlock.
func init() { DefaultKDF = KDFParams{Time: 1, Memory: 8 * 1024, Threads: 1} }

const secret = "correct horse battery staple"

func fingerprint(t *testing.T, dir string) map[string][32]byte {
	t.Helper()
	out := map[string][32]byte{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = sha256.Sum256(b)
	}
	return out
}

func newVault(t *testing.T) (string, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sub", "household.fasten")
	v, rk, err := Create(path, secret)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.DB().Exec("INSERT INTO people(name, created_at) VALUES ('Zebulon Quartermain', 'now')"); err != nil {
		t.Fatal(err)
	}
	if err := v.Close(); err != nil {
		t.Fatal(err)
	}
	return path, rk
}

func TestCreateUnlockAndWrongPassphrase(t *testing.T) {
	path, rk := newVault(t)
	if !Exists(path) {
		t.Fatal("vault should exist")
	}
	if len(strings.Split(rk, "-")) != 13 {
		t.Fatalf("recovery key shape: %q", rk)
	}
	before := fingerprint(t, filepath.Dir(path))
	for _, wrong := range []string{"", "correct horse battery stapl", "CORRECT HORSE BATTERY STAPLE"} {
		if _, err := Open(path, wrong); !errors.Is(err, ErrWrongPassphrase) {
			t.Fatalf("Open(%q) = %v, want ErrWrongPassphrase", wrong, err)
		}
	}
	if _, err := OpenWithRecoveryKey(path, "0000-0000-0000-0000-0000-0000-0000-0000-0000-0000-0000-0000-0000"); !errors.Is(err, ErrWrongRecoveryKey) {
		t.Fatalf("wrong recovery key: %v", err)
	}
	if _, err := OpenWithRecoveryKey(path, "not a key"); !errors.Is(err, ErrWrongRecoveryKey) {
		t.Fatalf("garbage recovery key: %v", err)
	}
	after := fingerprint(t, filepath.Dir(path))
	if len(before) != len(after) {
		t.Fatalf("files changed: %v -> %v", len(before), len(after))
	}
	for k, h := range before {
		if after[k] != h {
			t.Fatalf("%s changed after failed unlocks", k)
		}
	}
	v, err := Open(path, secret)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	var name string
	if err := v.DB().QueryRow("SELECT name FROM people").Scan(&name); err != nil || name != "Zebulon Quartermain" {
		t.Fatalf("read back %q %v", name, err)
	}
	res, err := v.IntegrityCheck(t.Context())
	if err != nil || len(res) != 1 || res[0] != "ok" {
		t.Fatalf("integrity %v %v", res, err)
	}
}

func TestChangePassphraseKeepsDatabaseAndRecovery(t *testing.T) {
	path, rk := newVault(t)
	v, err := Open(path, secret)
	if err != nil {
		t.Fatal(err)
	}
	v.Close()
	dbBefore, _ := os.ReadFile(path)
	v, _ = Open(path, secret)
	if err := v.ChangePassphrase("short"); err == nil {
		t.Fatal("short passphrase accepted")
	}
	if err := v.ChangePassphrase("a brand new passphrase"); err != nil {
		t.Fatal(err)
	}
	v.Close()
	dbAfter, _ := os.ReadFile(path)
	if !bytes.Equal(dbBefore, dbAfter) {
		t.Fatal("changing the passphrase rewrote the database")
	}
	if _, err := Open(path, secret); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("old passphrase still opens: %v", err)
	}
	v, err = Open(path, "a brand new passphrase")
	if err != nil {
		t.Fatal(err)
	}
	v.Close()
	// Typed back lower-case, with spaces instead of dashes.
	typed := strings.ToLower(strings.ReplaceAll(rk, "-", " "))
	v, err = OpenWithRecoveryKey(path, typed)
	if err != nil {
		t.Fatalf("recovery key after passphrase change: %v", err)
	}
	// Recovery then sets a new passphrase, as the UI's "forgot passphrase" does.
	if err := v.ChangePassphrase("recovered passphrase"); err != nil {
		t.Fatal(err)
	}
	v.Close()
	if v, err = Open(path, "recovered passphrase"); err != nil {
		t.Fatal(err)
	}
	v.Close()
}

func TestNoPlaintextOnDisk(t *testing.T) {
	path, _ := newVault(t)
	v, err := Open(path, secret)
	if err != nil {
		t.Fatal(err)
	}
	// Leave the WAL populated: check it too.
	if _, err := v.DB().Exec("INSERT INTO people(name, created_at) VALUES ('Wilhelmina Marchbanks', 'now')"); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(path)
	check := func() {
		entries, _ := os.ReadDir(dir)
		if len(entries) < 2 {
			t.Fatalf("expected vault files, got %d", len(entries))
		}
		for _, e := range entries {
			b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
			for _, needle := range []string{"Zebulon", "Wilhelmina", "people", "SQLite format"} {
				if bytes.Contains(b, []byte(needle)) {
					t.Errorf("%s contains %q in plaintext", e.Name(), needle)
				}
			}
		}
	}
	check()
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		info, _ := e.Info()
		if info.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s is readable by others: %v", e.Name(), info.Mode())
		}
	}
	v.Close()
	check()
}

func TestCreateRefusesExistingAndShortPassphrase(t *testing.T) {
	path, _ := newVault(t)
	if _, _, err := Create(path, secret); !errors.Is(err, ErrExists) {
		t.Fatalf("Create over existing: %v", err)
	}
	if _, _, err := Create(filepath.Join(t.TempDir(), "x.fasten"), "short"); err == nil {
		t.Fatal("short passphrase accepted")
	}
}

func TestMissingOrMismatchedKeyFile(t *testing.T) {
	path, _ := newVault(t)
	other, _ := newVault(t)
	keys, _ := os.ReadFile(keyFilePath(other))
	os.WriteFile(keyFilePath(path), keys, 0o600)
	_, err := Open(path, secret)
	if !errors.Is(err, ErrKeyMismatch) {
		t.Fatalf("mismatched key file: %v", err)
	}
	os.Remove(keyFilePath(path))
	if _, err := Open(path, secret); !errors.Is(err, ErrKeyFileMissing) {
		t.Fatalf("missing key file: %v", err)
	}
}

func TestDefaultKDFUnlock(t *testing.T) {
	saved := DefaultKDF
	DefaultKDF = KDFParams{Time: 3, Memory: 64 * 1024, Threads: 2}
	defer func() { DefaultKDF = saved }()
	path := filepath.Join(t.TempDir(), "v.fasten")
	v, _, err := Create(path, secret)
	if err != nil {
		t.Fatal(err)
	}
	v.Close()
	v, err = Open(path, secret)
	if err != nil {
		t.Fatal(err)
	}
	v.Close()
}

func TestMigrationsAreIdempotent(t *testing.T) {
	path, _ := newVault(t)
	for i := 0; i < 2; i++ {
		v, err := Open(path, secret)
		if err != nil {
			t.Fatal(err)
		}
		var ver int
		v.DB().QueryRow("PRAGMA user_version").Scan(&ver)
		if ver != SchemaVersion() {
			t.Fatalf("user_version %d want %d", ver, SchemaVersion())
		}
		v.Close()
	}
}
