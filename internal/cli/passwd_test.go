package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPasswd: after passwd the old passphrase fails, the new one and the
// recovery key work.
func TestPasswd(t *testing.T) {
	v, rk := familyVault(t)
	if r := fasten(t, []string{pass}, "passwd", "--vault", v); r.code != 2 || !strings.Contains(r.stderr, "FASTEN_NEW_PASSPHRASE") {
		t.Fatalf("passwd without a new passphrase: %+v", r)
	}
	if r := fasten(t, []string{pass, "FASTEN_NEW_PASSPHRASE=second cli passphrase"}, "passwd", "--vault", v); r.code != 0 {
		t.Fatalf("passwd: %+v", r)
	}
	if r := fasten(t, []string{pass}, "stats", "--vault", v); r.code != 1 {
		t.Fatalf("old passphrase after passwd: %+v", r)
	}
	if r := fasten(t, []string{"FASTEN_PASSPHRASE=second cli passphrase"}, "stats", "--vault", v); r.code != 0 {
		t.Fatalf("new passphrase: %+v", r)
	}
	rkFile := filepath.Join(t.TempDir(), "rk.txt")
	os.WriteFile(rkFile, []byte(rk+"\n"), 0o600)
	if r := fasten(t, nil, "people", "--vault", v, "--recovery-key-file", rkFile); r.code != 0 || strings.Count(r.stdout, "\n") != 5 {
		t.Fatalf("recovery key: %+v", r)
	}
}
