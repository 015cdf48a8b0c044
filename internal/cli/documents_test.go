package cli

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const documentsFixture = "../records/testdata/documents.json"

// documentsVault is a vault holding the documents fixture (a PDF, a PNG, a
// note, an HTML note, a C-CDA) and one document whose title carries a
// bidirectional override (the validator already refuses control characters).
func documentsVault(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	v, _ := newVault(t, dir)
	hostile := filepath.Join(dir, "hostile.json")
	body := `{"resourceType":"Bundle","type":"collection","entry":[
{"resource":{"resourceType":"DocumentReference","id":"esc","status":"current","subject":{"reference":"Patient/doc-pat"},"date":"2020-01-01T00:00:00Z",
"content":[{"attachment":{"contentType":"text/plain","title":"Note \u202ered\u202c","data":"` + base64.StdEncoding.EncodeToString([]byte("hello")) + `"}}]}}]}`
	if err := os.WriteFile(hostile, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := fasten(t, []string{pass}, "import", "--vault", v, documentsFixture, hostile); r.code != 0 {
		t.Fatalf("import: %+v", r)
	}
	return v
}

func TestDocumentsCommand(t *testing.T) {
	v := documentsVault(t)
	r := fasten(t, []string{pass}, "documents", "--vault", v, "--person", "wren quill", "--json")
	var out struct {
		Documents []struct {
			ID          int64  `json:"id"`
			Title       string `json:"title"`
			Kind        string `json:"kind"`
			Format      string `json:"format"`
			ContentType string `json:"contentType"`
			Size        int64  `json:"size"`
		} `json:"documents"`
	}
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &out) != nil || len(out.Documents) != 7 {
		t.Fatalf("documents --json: %+v", r)
	}
	formats := map[string]int{}
	for _, d := range out.Documents {
		if d.ID == 0 || d.Size == 0 || d.Kind == "" {
			t.Errorf("document: %+v", d)
		}
		formats[d.Format]++
	}
	if formats["pdf"] != 1 || formats["image"] != 2 || formats["text"] != 2 || formats["html"] != 1 || formats["ccda"] != 1 {
		t.Errorf("formats: %v", formats)
	}

	r = fasten(t, []string{pass}, "documents", "--vault", v, "--person", "Wren Quill")
	if r.code != 0 || strings.Count(r.stdout, "\n") != 7 || !strings.Contains(r.stdout, "Discharge summary.pdf") {
		t.Fatalf("documents: %+v", r)
	}
	if strings.ContainsAny(r.stdout, "\u202e\u202c") || !strings.Contains(r.stdout, "Note red") {
		t.Fatalf("a title's bidirectional override reached the terminal: %q", r.stdout)
	}

	if r := fasten(t, []string{pass}, "documents", "--vault", v); r.code != 2 {
		t.Fatalf("without --person: %+v", r)
	}
	if r := fasten(t, []string{pass}, "documents", "--vault", v, "--person", "Nobody Here"); r.code != 1 || !strings.Contains(r.stderr, "nobody called") {
		t.Fatalf("unknown person: %+v", r)
	}
	// A reading command never adds a household member.
	if r := fasten(t, []string{pass}, "people", "--vault", v); strings.Contains(r.stdout, "Nobody") {
		t.Fatalf("documents added a person: %s", r.stdout)
	}
}
