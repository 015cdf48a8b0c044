package cli

import (
	"encoding/json"
	"path/filepath"
	"testing"
)

// TestExportRoundTrip: export → fresh vault → same counts.
func TestExportRoundTrip(t *testing.T) {
	v, _ := familyVault(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "export.json")
	if r := fasten(t, []string{pass}, "export", "--vault", v); r.code != 2 {
		t.Fatalf("export without --out: %+v", r)
	}
	if r := fasten(t, []string{pass}, "export", "--vault", v, "--out", out); r.code != 0 {
		t.Fatalf("export: %+v", r)
	}
	v2, _ := newVault(t, dir)
	if r := fasten(t, []string{pass}, "import", "--vault", v2, out); r.code != 0 {
		t.Fatalf("import export: %+v", r)
	}
	var st, st2 struct {
		Resources map[string]int `json:"resources"`
	}
	json.Unmarshal([]byte(fasten(t, []string{pass}, "stats", "--vault", v, "--json").stdout), &st)
	json.Unmarshal([]byte(fasten(t, []string{pass}, "stats", "--vault", v2, "--json").stdout), &st2)
	if len(st.Resources) == 0 {
		t.Fatal("no stats")
	}
	for k, n := range st.Resources {
		if st2.Resources[k] != n {
			t.Errorf("round trip %s: %d want %d", k, st2.Resources[k], n)
		}
	}
}
