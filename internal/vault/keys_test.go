package vault

import (
	"encoding/json"
	"errors"
	"os"
	"testing"
)

// editKeyFile rewrites one field of one slot the way a person (or a
// corrupted disk) might, keeping the file valid JSON.
func editKeyFile(t *testing.T, path, kind string, edit func(slot map[string]any)) {
	t.Helper()
	data, err := os.ReadFile(keyFilePath(path))
	if err != nil {
		t.Fatal(err)
	}
	var kf map[string]any
	if err := json.Unmarshal(data, &kf); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, s := range kf["slots"].([]any) {
		slot := s.(map[string]any)
		if slot["kind"] == kind {
			edit(slot)
			found = true
		}
	}
	if !found {
		t.Fatalf("no %s slot", kind)
	}
	out, _ := json.Marshal(kf)
	if err := os.WriteFile(keyFilePath(path), out, 0o600); err != nil {
		t.Fatal(err)
	}
}

func setParam(name string, v any) func(map[string]any) {
	return func(slot map[string]any) { slot["params"].(map[string]any)[name] = v }
}

// Each edit would, without the bounds check, panic inside argon2 (zero time
// or threads), try to allocate up to 4 TiB (memory), or spend minutes; with
// it, Open answers ErrKeyFileDamaged at once and the recovery key, whose
// slot is intact, still opens the vault.
func TestEditedKeyFileIsDamagedNotFatal(t *testing.T) {
	cases := map[string]func(map[string]any){
		"huge memory":   setParam("memory_kib", 4000000000),
		"zero memory":   setParam("memory_kib", 0),
		"zero time":     setParam("time", 0),
		"huge time":     setParam("time", 4000000000),
		"zero threads":  setParam("threads", 0),
		"huge threads":  setParam("threads", 255),
		"no params":     func(s map[string]any) { delete(s, "params") },
		"short salt":    func(s map[string]any) { s["salt"] = "AAAA" },
		"long salt":     func(s map[string]any) { s["salt"] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" },
		"short nonce":   func(s map[string]any) { s["nonce"] = "AAAA" },
		"truncated box": func(s map[string]any) { s["wrapped_key"] = "AAAA" },
		"other kdf":     func(s map[string]any) { s["kdf"] = "pbkdf2" },
	}
	for name, edit := range cases {
		t.Run(name, func(t *testing.T) {
			path, rk := newVault(t)
			editKeyFile(t, path, slotPassphrase, edit)
			_, err := Open(path, secret)
			if !errors.Is(err, ErrKeyFileDamaged) {
				t.Fatalf("Open = %v, want ErrKeyFileDamaged", err)
			}
			v, err := OpenWithRecoveryKey(path, rk)
			if err != nil {
				t.Fatalf("recovery key with an intact recovery slot: %v", err)
			}
			// Setting a new passphrase repairs the file.
			if err := v.ChangePassphrase("a repaired passphrase"); err != nil {
				t.Fatal(err)
			}
			v.Close()
			v, err = Open(path, "a repaired passphrase")
			if err != nil {
				t.Fatalf("after repair: %v", err)
			}
			v.Close()
		})
	}
}

func TestEditedRecoverySlotIsDamaged(t *testing.T) {
	path, rk := newVault(t)
	editKeyFile(t, path, slotRecovery, func(s map[string]any) { s["salt"] = "AAAA" })
	if _, err := OpenWithRecoveryKey(path, rk); !errors.Is(err, ErrKeyFileDamaged) {
		t.Fatalf("OpenWithRecoveryKey = %v, want ErrKeyFileDamaged", err)
	}
	// The passphrase slot is untouched.
	v, err := Open(path, secret)
	if err != nil {
		t.Fatal(err)
	}
	v.Close()
}

func TestUnreadableKeyFileIsDamaged(t *testing.T) {
	for name, content := range map[string]string{
		"not json":      "{{{",
		"newer version": `{"version": 99, "slots": []}`,
		"threads overflow uint8": `{"version": 1, "slots": [{"kind": "passphrase", "kdf": "argon2id",
			"params": {"time": 1, "memory_kib": 8192, "threads": 100000}}]}`,
		"no slots": `{"version": 1, "slots": []}`,
	} {
		t.Run(name, func(t *testing.T) {
			path, _ := newVault(t)
			os.WriteFile(keyFilePath(path), []byte(content), 0o600)
			if _, err := Open(path, secret); !errors.Is(err, ErrKeyFileDamaged) {
				t.Fatalf("Open = %v, want ErrKeyFileDamaged", err)
			}
		})
	}
}

func TestKDFBoundsAcceptWhatFastenWrites(t *testing.T) {
	for _, p := range []KDFParams{DefaultKDF, {Time: 3, Memory: 64 * 1024, Threads: 2}, {Time: 1, Memory: 8 * 1024, Threads: 1}} {
		if !p.valid() {
			t.Errorf("%+v rejected", p)
		}
	}
}
