package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fasten backup then fasten restore onto a "new computer": the same
// records, with the passphrase and with the recovery key; an existing
// vault is refused without --replace.
func TestBackupRestoreCommands(t *testing.T) {
	dir := t.TempDir()
	path, rk := newVault(t, dir)
	if r := fasten(t, []string{pass}, append([]string{"import", "--vault", path}, family(t)[:1]...)...); r.code != 0 {
		t.Fatalf("import: %+v", r)
	}
	stats := fasten(t, []string{pass}, "stats", "--vault", path)
	drive := filepath.Join(dir, "drive")
	os.Mkdir(drive, 0o700)
	r := fasten(t, []string{pass}, "backup", "--vault", path, "--to", drive, "--keep", "2")
	if r.code != 0 || !strings.Contains(r.stdout, "backed up") {
		t.Fatalf("backup: %+v", r)
	}
	files, _ := filepath.Glob(filepath.Join(drive, "*.fastenbackup"))
	if len(files) != 1 {
		t.Fatalf("%d backup files", len(files))
	}
	if r := fasten(t, []string{pass}, "backup", "--vault", path, "--to", filepath.Join(dir, "unplugged")); r.code != 1 || !strings.Contains(r.stderr, "not there") {
		t.Fatalf("missing folder: %+v", r)
	}
	if r := fasten(t, []string{pass}, "backup", "--vault", path); r.code != 2 {
		t.Fatalf("no --to: %+v", r)
	}

	newPath := filepath.Join(t.TempDir(), "household.fasten")
	if r := fasten(t, []string{pass}, "restore", "--from", files[0], "--vault", newPath); r.code != 0 {
		t.Fatalf("restore: %+v", r)
	}
	if got := fasten(t, []string{pass}, "stats", "--vault", newPath); got.stdout != stats.stdout {
		t.Fatalf("stats differ after restore:\n%s\n%s", got.stdout, stats.stdout)
	}
	if r := fasten(t, []string{pass}, "restore", "--from", files[0], "--vault", newPath); r.code != 1 || !strings.Contains(r.stderr, "replace") {
		t.Fatalf("existing vault: %+v", r)
	}
	rkFile := filepath.Join(dir, "rk.txt")
	os.WriteFile(rkFile, []byte(rk+"\n"), 0o600)
	r = fasten(t, nil, "restore", "--from", files[0], "--vault", newPath, "--recovery-key-file", rkFile, "--replace")
	if r.code != 0 || !strings.Contains(r.stdout, "kept as") {
		t.Fatalf("restore --replace with the recovery key: %+v", r)
	}
	if got := fasten(t, []string{pass}, "stats", "--vault", newPath); got.stdout != stats.stdout {
		t.Fatal("stats differ after the second restore")
	}
	// A cut-short copy of the file is refused with its reason.
	b, _ := os.ReadFile(files[0])
	cut := filepath.Join(dir, "cut.fastenbackup")
	os.WriteFile(cut, b[:len(b)/3], 0o600)
	if r := fasten(t, []string{pass}, "restore", "--from", cut, "--vault", filepath.Join(t.TempDir(), "v.fasten")); r.code != 1 || !strings.Contains(r.stderr, "incomplete") {
		t.Fatalf("truncated: %+v", r)
	}
}
