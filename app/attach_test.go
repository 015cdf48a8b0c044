package app

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fastenhealth/fasten-desktop/internal/household"
	"github.com/fastenhealth/fasten-desktop/internal/records"
)

// Files kept through the bindings: a dropped PDF (base64) and picked files
// (by path) are kept and listed; a file that is not a document, one far
// over the limit and broken base64 come back as the file's problem or a
// typed kind, and nothing is stored.
func TestAttachBindings(t *testing.T) {
	a := New(household.New(filepath.Join(t.TempDir(), "household.fasten")), Options{})
	if _, err := a.CreateVault("app test passphrase", "app test passphrase"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Lock)
	p, err := a.AddPerson("Mere Ngata")
	if err != nil {
		t.Fatal(err)
	}
	if len(a.DocumentKinds()) != 5 {
		t.Fatalf("kinds: %v", a.DocumentKinds())
	}
	pdf := []byte("%PDF-1.4\n%%EOF\n")
	r, err := a.AttachFile(p.ID, `C:\scans\letter.pdf`, base64.StdEncoding.EncodeToString(pdf), AttachMeta{Kind: "discharge-papers", Date: "2023-11-20"})
	if err != nil || r.ID == 0 || len(r.Problems) != 0 || r.FileName != "letter.pdf" {
		t.Fatalf("attach: %+v %v", r, err)
	}
	// The file's problem and every field's come back together.
	bad, err := a.AttachFile(p.ID, "x.pdf", base64.StdEncoding.EncodeToString([]byte("MZ\x90\x00 not a pdf")), AttachMeta{Kind: "other", Date: "2025-13"})
	if err != nil || bad.ID != 0 || len(bad.Problems) != 2 || bad.Problems[0].Field != "file" || bad.Problems[1].Field != "date" {
		t.Fatalf("a program: %+v %v", bad, err)
	}
	huge := strings.Repeat("A", int(records.MaxAttachFile/3*4)+64)
	if big, err := a.AttachFile(p.ID, "big.pdf", huge, AttachMeta{Kind: "other"}); err != nil || len(big.Problems) != 1 || big.Problems[0].Field != "file" {
		t.Fatalf("over the limit: %+v %v", big, err)
	}
	if _, err := a.AttachFile(p.ID, "x.pdf", "JVBERi0x#not base64", AttachMeta{Kind: "other"}); ToUIError(err).Kind != KindInvalidInput {
		t.Fatalf("broken base64: %v", err)
	}
	if _, err := a.AttachFile(999999, "x.pdf", base64.StdEncoding.EncodeToString(pdf), AttachMeta{Kind: "other"}); ToUIError(err).Kind != KindNotFound {
		t.Fatalf("unknown person: %v", err)
	}

	dir := t.TempDir()
	one, two := filepath.Join(dir, "card.pdf"), filepath.Join(dir, "notes.txt")
	os.WriteFile(one, pdf, 0o600)
	os.WriteFile(two, []byte("just words"), 0o600)
	res, err := a.AttachPaths(p.ID, []string{one, two, dir}, AttachMeta{Kind: "insurance-card"})
	if err != nil || len(res) != 3 || res[0].ID == 0 || res[0].FileName != "card.pdf" || len(res[1].Problems) != 1 || len(res[2].Problems) != 1 {
		t.Fatalf("picked files: %+v %v", res, err)
	}
	docs, err := a.Documents(p.ID)
	if err != nil {
		t.Fatal(err)
	}
	titles := map[string]bool{}
	for _, d := range docs {
		titles[d.Title] = true
	}
	if len(docs) != 2 || !titles["letter.pdf"] || !titles["card.pdf"] {
		t.Fatalf("documents: %+v", docs)
	}
}
