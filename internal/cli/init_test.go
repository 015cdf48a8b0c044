package cli

import (
	"os"
	"strings"
	"testing"
)

func TestInit(t *testing.T) {
	dir := t.TempDir()
	v, rk := newVault(t, dir)
	if len(rk) < 20 || strings.Contains(rk, "\n") {
		t.Fatalf("recovery key %q", rk)
	}
	if _, err := os.Stat(v + ".keys"); err != nil {
		t.Fatalf("keys file: %v", err)
	}
	if r := fasten(t, []string{pass}, "init", "--vault", v); r.code == 0 {
		t.Fatal("init over an existing vault succeeded")
	}
}
