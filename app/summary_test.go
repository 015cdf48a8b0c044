package app

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fastenhealth/fasten-desktop/internal/household"
	"github.com/fastenhealth/fasten-desktop/internal/records"
	"github.com/fastenhealth/fasten-desktop/internal/summary"
)

const summaryFixture = "../../shared/fixtures/synthea/family/Tom_Goodwin_e20de9eb-6f2d-4871-a43f-bbede53293ed.json"

func summaryApp(t *testing.T) (*App, records.Person) {
	t.Helper()
	a := New(household.New(filepath.Join(t.TempDir(), "household.fasten")), Options{})
	if _, err := a.CreateVault("app test passphrase", "app test passphrase"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Lock)
	p, err := a.AddPerson("Tomás Ødegård / Goodwin")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := a.ImportFiles([]string{summaryFixture}, p.ID)
	if err != nil || rep.Files[0].Status != records.FileImported {
		t.Fatalf("import: %v %+v", err, rep)
	}
	return a, p
}

// The summary bindings: what the page previews is what is saved; each kind
// is written where asked (the dialog is the window's; tests call what it
// leads to), the IPS passing the structure check and the PDFs being PDFs;
// bad kinds, unknown people and a missing window are typed errors that
// write nothing.
func TestSummaryBindings(t *testing.T) {
	a, p := summaryApp(t)
	prev, err := a.PatientSummary(p.ID)
	if err != nil || len(prev.Sections) < 3 || len(prev.Vaccines) == 0 {
		t.Fatalf("preview: %v", err)
	}
	dir := t.TempDir()
	for _, k := range []summary.Kind{summary.KindIPS, summary.KindPDF, summary.KindVaccines} {
		path := filepath.Join(dir, string(k))
		msg, err := a.saveSummaryTo(p.ID, k, path)
		if err != nil || !strings.HasPrefix(msg, "Saved ") {
			t.Fatalf("%s: %q %v", k, msg, err)
		}
		b, _ := os.ReadFile(path)
		if k == summary.KindIPS {
			if err := summary.Check(b); err != nil {
				t.Fatalf("IPS: %v", err)
			}
		} else if !bytes.HasPrefix(b, []byte("%PDF-")) {
			t.Fatalf("%s is not a PDF", k)
		}
	}
	if _, err := a.SaveSummary(p.ID, "docx"); ToUIError(err).Kind != KindInvalidInput {
		t.Fatalf("bad kind: %v", err)
	}
	if _, err := a.SaveSummary(p.ID, "pdf"); err == nil {
		t.Fatal("a save dialog without a window")
	}
	if _, err := a.saveSummaryTo(9999, summary.KindPDF, filepath.Join(dir, "nobody.pdf")); ToUIError(err).Kind != KindNotFound {
		t.Fatalf("unknown person: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "nobody.pdf")); !os.IsNotExist(err) {
		t.Fatal("a file was written for no one")
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*")); len(left) > 0 {
		t.Fatalf("temporary files left: %v", left)
	}
}

// Per-person export bindings: a Bundle and NDJSON files; a folder holding
// an export already is refused as the person's input.
func TestExportPersonBindings(t *testing.T) {
	a, p := summaryApp(t)
	dir := t.TempDir()
	msg, err := a.exportPersonTo(p.ID, "bundle", filepath.Join(dir, "tom.json"))
	if err != nil || !strings.Contains(msg, "Exported") {
		t.Fatalf("bundle: %q %v", msg, err)
	}
	nd := filepath.Join(dir, "nd")
	if _, err := a.exportPersonTo(p.ID, "ndjson", nd); err != nil {
		t.Fatal(err)
	}
	if files, _ := filepath.Glob(filepath.Join(nd, "*.ndjson")); len(files) < 5 {
		t.Fatalf("%d NDJSON files", len(files))
	}
	if _, err := a.exportPersonTo(p.ID, "ndjson", nd); ToUIError(err).Kind != KindInvalidInput {
		t.Fatalf("used folder: %v", err)
	}
	if _, err := a.ExportPerson(p.ID, "csv"); ToUIError(err).Kind != KindInvalidInput {
		t.Fatalf("bad format: %v", err)
	}
}

func TestSummaryFileName(t *testing.T) {
	day := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name string
		kind summary.Kind
		want string
	}{
		{"Zoë Ødegård", summary.KindPDF, "Patient summary - Zoë Ødegård - 2026-12-01.pdf"},
		{"a/b:c", summary.KindIPS, "Patient summary (IPS) - a-b-c - 2026-12-01.json"},
		{"..", summary.KindVaccines, "Vaccine record - 2026-12-01.pdf"},
	} {
		if got := summaryFileName(c.name, c.kind, day); got != c.want {
			t.Errorf("%q: %q", c.name, got)
		}
	}
}
