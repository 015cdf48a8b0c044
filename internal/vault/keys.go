package vault

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/hkdf"
)

// The key hierarchy follows restic's key files: one random 256-bit vault key
// encrypts the database (as a raw SQLCipher key, so no per-connection PBKDF2),
// and each way of unlocking — the passphrase, the printed recovery key — is a
// slot that wraps that same vault key. Changing the passphrase rewrites one
// small file and never the database.
//
// The key file lives beside the database (<vault>.keys). It holds nothing that
// helps an attacker without the passphrase or the recovery key: salts, KDF
// parameters and AES-256-GCM ciphertexts.

const (
	keyFileVersion = 1
	vaultKeyLen    = 32
	recoveryKeyLen = 32

	slotPassphrase = "passphrase"
	slotRecovery   = "recovery"
)

// KDFParams are Argon2id parameters. Defaults cost ≈0.2–0.4 s on a laptop core:
// paid once per unlock, never per database connection.
type KDFParams struct {
	Time    uint32 `json:"time"`
	Memory  uint32 `json:"memory_kib"`
	Threads uint8  `json:"threads"`
}

// DefaultKDF is what new passphrase slots use.
var DefaultKDF = KDFParams{Time: 3, Memory: 64 * 1024, Threads: 2}

// Bounds on KDF parameters read from a key file. Key files are plain JSON
// beside the vault; an edited or corrupted one must give ErrKeyFileDamaged,
// not a panic (argon2 panics on zero time or threads) or an allocation of
// the 4 TiB a uint32 memory_kib allows. The bounds are wide around what
// Fasten writes (tests use 1 pass / 8 MiB / 1 lane; DefaultKDF 3 / 64 MiB / 2),
// so a future stronger default fits without a format change.
const (
	minKDFTime      = 1
	maxKDFTime      = 64
	minKDFMemoryKiB = 8 * 1024
	maxKDFMemoryKiB = 1024 * 1024 // 1 GiB
	minKDFThreads   = 1
	maxKDFThreads   = 64

	saltLen  = 16
	nonceLen = 12 // AES-GCM standard nonce
	tagLen   = 16
)

// valid reports whether the parameters are inside the bounds above.
func (p KDFParams) valid() bool {
	return p.Time >= minKDFTime && p.Time <= maxKDFTime &&
		p.Memory >= minKDFMemoryKiB && p.Memory <= maxKDFMemoryKiB &&
		p.Threads >= minKDFThreads && p.Threads <= maxKDFThreads
}

type keySlot struct {
	Kind  string     `json:"kind"`
	KDF   string     `json:"kdf"` // "argon2id" for passphrases, "hkdf-sha256" for the high-entropy recovery key
	Param *KDFParams `json:"params,omitempty"`
	Salt  []byte     `json:"salt"`
	Nonce []byte     `json:"nonce"`
	Box   []byte     `json:"wrapped_key"`
}

type keyFile struct {
	Version int       `json:"version"`
	Note    string    `json:"note"`
	Slots   []keySlot `json:"slots"`
}

// ErrWrongPassphrase is returned when no key slot opens with what the person typed.
var ErrWrongPassphrase = errors.New("that passphrase does not open this vault")

// ErrWrongRecoveryKey is returned when the recovery key does not open the vault.
var ErrWrongRecoveryKey = errors.New("that recovery key does not open this vault")

func keyFilePath(dbPath string) string { return dbPath + ".keys" }

func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := io.ReadFull(rand.Reader, b); err != nil {
		panic("vault: system random source failed: " + err.Error())
	}
	return b
}

func seal(kek, nonce, plaintext []byte) []byte {
	block, err := aes.NewCipher(kek)
	if err != nil {
		panic(err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	return gcm.Seal(nil, nonce, plaintext, []byte("fasten-vault-key-v1"))
}

func open(kek, nonce, box []byte) ([]byte, bool) {
	block, err := aes.NewCipher(kek)
	if err != nil {
		return nil, false
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil || len(nonce) != gcm.NonceSize() {
		return nil, false
	}
	pt, err := gcm.Open(nil, nonce, box, []byte("fasten-vault-key-v1"))
	return pt, err == nil
}

func passphraseKEK(passphrase string, salt []byte, p KDFParams) []byte {
	return argon2.IDKey([]byte(passphrase), salt, p.Time, p.Memory, p.Threads, 32)
}

func recoveryKEK(recovery, salt []byte) []byte {
	kek := make([]byte, 32)
	if _, err := io.ReadFull(hkdf.New(sha256.New, recovery, salt, []byte("fasten recovery slot")), kek); err != nil {
		panic(err)
	}
	return kek
}

func newPassphraseSlot(passphrase string, vaultKey []byte, p KDFParams) keySlot {
	salt, nonce := randomBytes(saltLen), randomBytes(nonceLen)
	return keySlot{Kind: slotPassphrase, KDF: "argon2id", Param: &p, Salt: salt, Nonce: nonce,
		Box: seal(passphraseKEK(passphrase, salt, p), nonce, vaultKey)}
}

func newRecoverySlot(recovery, vaultKey []byte) keySlot {
	salt, nonce := randomBytes(saltLen), randomBytes(nonceLen)
	return keySlot{Kind: slotRecovery, KDF: "hkdf-sha256", Salt: salt, Nonce: nonce,
		Box: seal(recoveryKEK(recovery, salt), nonce, vaultKey)}
}

// recoveryAlphabet is Crockford's base32: no I, L, O or U, so a key written by
// hand and typed back is unambiguous.
var recoveryEncoding = base32.NewEncoding("0123456789ABCDEFGHJKMNPQRSTVWXYZ").WithPadding(base32.NoPadding)

// FormatRecoveryKey renders 32 bytes as 13 groups of 4 characters.
func formatRecoveryKey(b []byte) string {
	s := recoveryEncoding.EncodeToString(b)
	var groups []string
	for len(s) > 4 {
		groups = append(groups, s[:4])
		s = s[4:]
	}
	groups = append(groups, s)
	return strings.Join(groups, "-")
}

// parseRecoveryKey accepts what a person might type back: any case, spaces or
// dashes anywhere, and the look-alike letters Crockford's alphabet folds.
func parseRecoveryKey(s string) ([]byte, error) {
	r := strings.NewReplacer("-", "", " ", "", "\t", "", "\n", "", "I", "1", "L", "1", "O", "0", "U", "V")
	clean := r.Replace(strings.ToUpper(strings.TrimSpace(s)))
	b, err := recoveryEncoding.DecodeString(clean)
	if err != nil || len(b) != recoveryKeyLen {
		return nil, ErrWrongRecoveryKey
	}
	return b, nil
}

func readKeyFile(dbPath string) (*keyFile, error) {
	data, err := os.ReadFile(keyFilePath(dbPath))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s: %w", filepath.Base(keyFilePath(dbPath)), ErrKeyFileMissing)
		}
		return nil, fmt.Errorf("cannot read the vault's key file: %w", err)
	}
	var kf keyFile
	if err := json.Unmarshal(data, &kf); err != nil || kf.Version != keyFileVersion || len(kf.Slots) == 0 {
		return nil, fmt.Errorf("%s: %w", filepath.Base(keyFilePath(dbPath)), ErrKeyFileDamaged)
	}
	return &kf, nil
}

// writeKeyFile replaces the key file atomically: a crash leaves the old or the
// new file, never a torn one that would lock the family out.
func writeKeyFile(dbPath string, kf *keyFile) error {
	kf.Version = keyFileVersion
	kf.Note = "Fasten vault key slots. Keep this file next to the vault and in every backup of it."
	data, err := json.MarshalIndent(kf, "", "  ")
	if err != nil {
		return err
	}
	final := keyFilePath(dbPath)
	tmp, err := os.CreateTemp(filepath.Dir(final), ".keys-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o600); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), final); err != nil {
		return err
	}
	if d, err := os.Open(filepath.Dir(final)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// wellFormed checks a slot's layout before any key derivation runs on it:
// the KDF its kind uses, a 16-byte salt, a 12-byte nonce, a box of exactly
// one wrapped 32-byte key plus the GCM tag, and (for passphrases) Argon2id
// parameters within bounds.
func (s keySlot) wellFormed() bool {
	if len(s.Salt) != saltLen || len(s.Nonce) != nonceLen || len(s.Box) != vaultKeyLen+tagLen {
		return false
	}
	switch s.Kind {
	case slotPassphrase:
		return s.KDF == "argon2id" && s.Param != nil && s.Param.valid()
	case slotRecovery:
		return s.KDF == "hkdf-sha256"
	}
	return false
}

// unwrapPassphrase tries every passphrase slot. If none opens and one of
// them was malformed, the file is reported damaged rather than the
// passphrase wrong: retyping would never help.
func (kf *keyFile) unwrapPassphrase(passphrase string) ([]byte, error) {
	damaged := false
	for _, s := range kf.Slots {
		if s.Kind != slotPassphrase {
			continue
		}
		if !s.wellFormed() {
			damaged = true
			continue
		}
		if k, ok := open(passphraseKEK(passphrase, s.Salt, *s.Param), s.Nonce, s.Box); ok && len(k) == vaultKeyLen {
			return k, nil
		}
	}
	if damaged {
		return nil, ErrKeyFileDamaged
	}
	return nil, ErrWrongPassphrase
}

// unwrapRecovery is unwrapPassphrase for the recovery slot.
func (kf *keyFile) unwrapRecovery(recovery []byte) ([]byte, error) {
	damaged := false
	for _, s := range kf.Slots {
		if s.Kind != slotRecovery {
			continue
		}
		if !s.wellFormed() {
			damaged = true
			continue
		}
		if k, ok := open(recoveryKEK(recovery, s.Salt), s.Nonce, s.Box); ok && len(k) == vaultKeyLen {
			return k, nil
		}
	}
	if damaged {
		return nil, ErrKeyFileDamaged
	}
	return nil, ErrWrongRecoveryKey
}

// replaceSlots keeps every slot of other kinds and swaps those of kind.
func (kf *keyFile) replaceSlots(kind string, slot keySlot) {
	out := kf.Slots[:0:0]
	for _, s := range kf.Slots {
		if s.Kind != kind {
			out = append(out, s)
		}
	}
	kf.Slots = append(out, slot)
}
