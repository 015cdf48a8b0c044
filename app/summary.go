package app

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/wailsapp/wails/v2/pkg/runtime"

	"github.com/fastenhealth/fasten-desktop/internal/summary"
)

// The patient summary and per-person exports. Where a file goes is chosen
// in the system's save dialog, opened here in Go: the page never hands a
// path to write to (any script in the page's origin can call bound
// methods).

// PatientSummary is what the summary says, for the page to show before it
// is saved: its sections with their rows, and the vaccine record.
func (a *App) PatientSummary(personID int64) (*summary.Summary, error) {
	st, err := a.store()
	if err != nil {
		return nil, err
	}
	return summary.Build(a.context(), st, personID, time.Now())
}

// SaveSummary asks where to save one of a person's summary files — kind
// "ips" (the International Patient Summary, FHIR JSON), "pdf" (printable
// summary) or "vaccines" (vaccine record PDF) — and writes it there. It
// returns what to tell the person, or "" when they cancel.
func (a *App) SaveSummary(personID int64, kind string) (string, error) {
	k, err := summary.ParseKind(kind)
	if err != nil {
		return "", invalidInput("Choose the patient summary, its PDF or the vaccine record.")
	}
	if a.ctx == nil {
		return "", errors.New("the save dialog needs the desktop window")
	}
	st, err := a.store()
	if err != nil {
		return "", err
	}
	p, err := st.Person(a.context(), personID)
	if err != nil {
		return "", err
	}
	title, filter := summaryDialog(k)
	path, err := runtime.SaveFileDialog(a.ctx, runtime.SaveDialogOptions{
		Title:           title,
		DefaultFilename: summaryFileName(p.Name, k, time.Now()),
		Filters:         []runtime.FileFilter{filter},
	})
	if err != nil || path == "" {
		return "", err
	}
	return a.saveSummaryTo(personID, k, path)
}

// saveSummaryTo builds and writes the summary file (atomically: a failure
// leaves nothing half-written).
func (a *App) saveSummaryTo(personID int64, kind summary.Kind, path string) (string, error) {
	st, err := a.store()
	if err != nil {
		return "", err
	}
	if _, err := summary.SaveFor(a.context(), st, personID, kind, path, time.Now()); err != nil {
		return "", err
	}
	return "Saved " + path, nil
}

func summaryDialog(k summary.Kind) (string, runtime.FileFilter) {
	switch k {
	case summary.KindIPS:
		return "Save the patient summary (FHIR)", runtime.FileFilter{DisplayName: "FHIR JSON (*.json)", Pattern: "*.json"}
	case summary.KindVaccines:
		return "Save the vaccine record", runtime.FileFilter{DisplayName: "PDF (*.pdf)", Pattern: "*.pdf"}
	}
	return "Save the patient summary", runtime.FileFilter{DisplayName: "PDF (*.pdf)", Pattern: "*.pdf"}
}

// summaryFileName suggests "Patient summary - Name - 2026-12-01.pdf".
func summaryFileName(name string, k summary.Kind, now time.Time) string {
	what, ext := "Patient summary", ".pdf"
	switch k {
	case summary.KindIPS:
		what, ext = "Patient summary (IPS)", ".json"
	case summary.KindVaccines:
		what = "Vaccine record"
	}
	parts := []string{what}
	if n := safeFileName(name); n != "" {
		parts = append(parts, n)
	}
	parts = append(parts, now.Format("2006-01-02"))
	return strings.Join(parts, " - ") + ext
}

// ExportPerson asks where to save and writes one person's records (with
// the clinicians and organisations they name) — format "bundle": one FHIR
// Bundle file; "ndjson": one file per resource type into a folder the
// person picks (it must hold no earlier export). It returns what to tell
// the person, or "" when they cancel.
func (a *App) ExportPerson(personID int64, format string) (string, error) {
	if format != "bundle" && format != "ndjson" {
		return "", invalidInput("Choose one FHIR Bundle or NDJSON files.")
	}
	if a.ctx == nil {
		return "", errors.New("the save dialog needs the desktop window")
	}
	st, err := a.store()
	if err != nil {
		return "", err
	}
	p, err := st.Person(a.context(), personID)
	if err != nil {
		return "", err
	}
	var path string
	if format == "ndjson" {
		path, err = runtime.OpenDirectoryDialog(a.ctx, runtime.OpenDialogOptions{
			Title:                "Choose an empty folder for " + p.Name + "'s records (NDJSON)",
			CanCreateDirectories: true,
		})
	} else {
		path, err = runtime.SaveFileDialog(a.ctx, runtime.SaveDialogOptions{
			Title:           "Export " + p.Name + "'s records as a FHIR Bundle",
			DefaultFilename: strings.Join(append([]string{"fasten-export"}, nonEmpty(safeFileName(p.Name))...), "-") + "-" + time.Now().Format("2006-01-02") + ".json",
			Filters:         []runtime.FileFilter{{DisplayName: "FHIR JSON (*.json)", Pattern: "*.json"}},
		})
	}
	if err != nil || path == "" {
		return "", err
	}
	return a.exportPersonTo(personID, format, path)
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

func (a *App) exportPersonTo(personID int64, format, path string) (string, error) {
	st, err := a.store()
	if err != nil {
		return "", err
	}
	if format == "ndjson" {
		counts, err := st.ExportNDJSON(a.context(), personID, path)
		if err != nil {
			return "", err
		}
		n := 0
		for _, c := range counts {
			n += c
		}
		return fmt.Sprintf("Exported %d records as %d NDJSON files to %s", n, len(counts), path), nil
	}
	n, err := st.ExportPersonFile(a.context(), personID, path)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("Exported %d records to %s", n, path), nil
}
