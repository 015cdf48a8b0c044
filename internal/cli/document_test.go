package cli

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// `fasten document ID --out FILE` writes the bytes the file carried, for
// every document of the fixture, and leaves no temporary file behind.
func TestDocumentCommandWritesOriginalBytes(t *testing.T) {
	v := documentsVault(t)
	r := fasten(t, []string{pass}, "documents", "--vault", v, "--person", "Wren Quill", "--json")
	var out struct {
		Documents []struct {
			ID    int64  `json:"id"`
			Title string `json:"title"`
		} `json:"documents"`
	}
	if json.Unmarshal([]byte(r.stdout), &out) != nil || len(out.Documents) == 0 {
		t.Fatalf("documents: %+v", r)
	}
	raw, err := os.ReadFile(documentsFixture)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, d := range out.Documents {
		dst := filepath.Join(dir, "doc-"+strconv.FormatInt(d.ID, 10))
		// Flags after the ID, as the usage line writes them.
		r := fasten(t, []string{pass}, "document", "--vault", v, strconv.FormatInt(d.ID, 10), "--out", dst)
		if r.code != 0 {
			t.Fatalf("document %d: %+v", d.ID, r)
		}
		got, err := os.ReadFile(dst)
		if err != nil {
			t.Fatal(err)
		}
		// The fixture carries each attachment as standard base64.
		if d.Title != "Note \u202ered\u202c" && !bytes.Contains(raw, []byte(base64.StdEncoding.EncodeToString(got))) {
			t.Errorf("document %d (%s): bytes differ from the fixture's", d.ID, d.Title)
		}
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".partial") {
			t.Errorf("temporary file left: %s", e.Name())
		}
	}
	for _, bad := range [][]string{
		{"document", "--vault", v},
		{"document", "--vault", v, "abc", "--out", filepath.Join(dir, "x")},
		{"document", "--vault", v, "1"},
		{"document", "--vault", v, "1", "2", "--out", filepath.Join(dir, "x")},
	} {
		if r := fasten(t, []string{pass}, bad...); r.code != 2 {
			t.Errorf("%v: %+v", bad, r)
		}
	}
	if r := fasten(t, []string{pass}, "document", "--vault", v, "99999", "--out", filepath.Join(dir, "x")); r.code != 1 || !strings.Contains(r.stderr, "not in the vault") {
		t.Fatalf("unknown id: %+v", r)
	}
	if _, err := os.Stat(filepath.Join(dir, "x")); !os.IsNotExist(err) {
		t.Fatal("a file was written for an unknown document")
	}
}
