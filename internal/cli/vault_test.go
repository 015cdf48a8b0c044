package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestVaultUnlocking covers the shared vault-opening helper every command
// uses: a wrong passphrase, none at all, no vault, and the recovery key.
func TestVaultUnlocking(t *testing.T) {
	dir := t.TempDir()
	v, rk := newVault(t, dir)

	// Wrong passphrase: exit 1, plain words on stderr, nothing on stdout.
	r := fasten(t, []string{"FASTEN_PASSPHRASE=wrong passphrase"}, "stats", "--vault", v)
	if r.code != 1 || !strings.Contains(r.stderr, "passphrase does not open") || r.stdout != "" {
		t.Fatalf("wrong passphrase: %+v", r)
	}
	// No passphrase at all: a usage error.
	cmd := exec.Command(os.Args[0], "stats", "--vault", v)
	cmd.Env = []string{"FASTEN_CLI_MAIN=1", "PATH=" + os.Getenv("PATH")}
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "FASTEN_PASSPHRASE") {
		t.Fatalf("missing passphrase: %s %v", out, err)
	}
	// No vault: says how to make one.
	r = fasten(t, []string{pass}, "stats", "--vault", filepath.Join(dir, "none.fasten"))
	if r.code != 1 || !strings.Contains(r.stderr, "fasten init") {
		t.Fatalf("no vault: %+v", r)
	}
	// The recovery key from a file opens it.
	rkFile := filepath.Join(dir, "rk.txt")
	os.WriteFile(rkFile, []byte(rk+"\n"), 0o600)
	if r = fasten(t, nil, "people", "--vault", v, "--recovery-key-file", rkFile); r.code != 0 {
		t.Fatalf("recovery key: %+v", r)
	}
}
