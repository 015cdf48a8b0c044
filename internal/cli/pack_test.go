package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fastenhealth/fasten-desktop/internal/vault"
)

// A vault whose records an earlier Fasten stored unpacked is packed when a
// command opens it, with progress on stderr, before the command runs; what
// the command reads (here an export) is byte-for-byte the same.
func TestCommandPacksRecordsOfAnEarlierFasten(t *testing.T) {
	path, _ := familyVault(t)
	dir := t.TempDir()
	before, after := filepath.Join(dir, "before.json"), filepath.Join(dir, "after.json")
	if r := fasten(t, []string{pass}, "export", "--vault", path, "--out", before); r.code != 0 || strings.Contains(r.stderr, "compressing") {
		t.Fatalf("export: %+v", r)
	}
	// Back to how schema 16 stored them, with migration 17's marks.
	v, err := vault.Open(path, strings.TrimPrefix(pass, "FASTEN_PASSPHRASE="))
	if err != nil {
		t.Fatal(err)
	}
	if err := v.UnpackAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	var plain int
	v.DB().QueryRow("SELECT count(*) FROM resources WHERE unicode(raw) >= 9").Scan(&plain)
	v.Close()
	if plain == 0 {
		t.Fatal("no row unpacked")
	}

	r := fasten(t, []string{pass}, "export", "--vault", path, "--out", after)
	if r.code != 0 || !strings.Contains(r.stderr, "compressing records stored by an earlier Fasten: 0 of ") ||
		!strings.Contains(r.stderr, "rewriting the vault file") || !strings.Contains(r.stderr, "vault file: ") {
		t.Fatalf("export after: %+v", r)
	}
	a, _ := os.ReadFile(before)
	b, _ := os.ReadFile(after)
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Fatal("the export changed across packing")
	}
	v, err = vault.Open(path, strings.TrimPrefix(pass, "FASTEN_PASSPHRASE="))
	if err != nil {
		t.Fatal(err)
	}
	v.DB().QueryRow("SELECT count(*) FROM resources WHERE unicode(raw) >= 9").Scan(&plain)
	need, _ := v.PackNeeded(context.Background())
	v.Close()
	if plain != 0 || need {
		t.Fatalf("%d rows left unpacked, still needed: %v", plain, need)
	}
	if r := fasten(t, []string{pass}, "stats", "--vault", path); r.code != 0 || r.stderr != "" {
		t.Fatalf("the next command: %+v", r)
	}
}
