package records_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/fastenhealth/fasten-desktop/internal/records"
	"github.com/fastenhealth/fasten-desktop/internal/vault"
)

func ccdaFiles(t *testing.T) []string {
	t.Helper()
	dir := filepath.Join(fixtures, "..", "ccda", "Documents")
	files, _ := filepath.Glob(filepath.Join(dir, "*", "*.xml"))
	more, _ := filepath.Glob(filepath.Join(dir, "*", "*", "*.XML"))
	files = append(files, more...)
	sort.Strings(files)
	if len(files) < 6 {
		t.Fatalf("C-CDA fixtures: %d", len(files))
	}
	return files
}

// What a C-CDA document says it holds, counted in its own XML: in each
// kind of section, the entries that become records of a kind — problems
// (and a visit's diagnoses and reasons) conditions, medications and planned
// medications or vaccines prescriptions, allergies, immunizations, result
// organizers reports, family history organizers (one per relative) family
// member histories. "results" counts the results of result organizers
// (not a record type: the reports' results).
func ccdaEntries(t *testing.T, doc []byte) map[string]int {
	t.Helper()
	const (
		problem    = "2.16.840.1.113883.10.20.22.4.4"
		medication = "2.16.840.1.113883.10.20.22.4.16"
	)
	problems := map[string]string{problem: "Condition"}
	// A visit's diagnoses and reasons (indications) are conditions too.
	visits := map[string]string{problem: "Condition", "2.16.840.1.113883.10.20.22.4.19": "Condition"}
	medications := map[string]string{medication: "MedicationRequest"}
	results := map[string]string{"2.16.840.1.113883.10.20.22.4.1": "DiagnosticReport", "2.16.840.1.113883.10.20.22.4.2": "results"}
	counted := map[string]map[string]string{
		"2.16.840.1.113883.10.20.22.2.5": problems, "2.16.840.1.113883.10.20.22.2.5.1": problems,
		"2.16.840.1.113883.10.20.22.2.22": visits, "2.16.840.1.113883.10.20.22.2.22.1": visits,
		"2.16.840.1.113883.10.20.22.2.1": medications, "2.16.840.1.113883.10.20.22.2.1.1": medications,
		"2.16.840.1.113883.10.20.22.2.10": { // plan of treatment: planned medications and vaccines
			"2.16.840.1.113883.10.20.22.4.42": "MedicationRequest", "2.16.840.1.113883.10.20.22.4.120": "MedicationRequest"},
		"2.16.840.1.113883.10.20.22.2.6":   {"2.16.840.1.113883.10.20.22.4.7": "AllergyIntolerance"},
		"2.16.840.1.113883.10.20.22.2.6.1": {"2.16.840.1.113883.10.20.22.4.7": "AllergyIntolerance"},
		"2.16.840.1.113883.10.20.22.2.2":   {"2.16.840.1.113883.10.20.22.4.52": "Immunization"},
		"2.16.840.1.113883.10.20.22.2.2.1": {"2.16.840.1.113883.10.20.22.4.52": "Immunization"},
		"2.16.840.1.113883.10.20.22.2.3":   results,
		"2.16.840.1.113883.10.20.22.2.3.1": results,
		"2.16.840.1.113883.10.20.22.2.15":  {"2.16.840.1.113883.10.20.22.4.45": "FamilyMemberHistory"},
	}
	out := map[string]int{"Condition": 0, "MedicationRequest": 0, "AllergyIntolerance": 0, "Immunization": 0, "DiagnosticReport": 0, "FamilyMemberHistory": 0, "results": 0}
	// Open elements; a section is known by its first templateId.
	type open struct {
		name    string
		entries map[string]string
		firstID bool
	}
	var stack []open
	d := xml.NewDecoder(bytes.NewReader(doc))
	for {
		tok, err := d.Token()
		if err != nil {
			break
		}
		switch e := tok.(type) {
		case xml.StartElement:
			if e.Name.Local == "templateId" && len(stack) > 0 {
				root := ""
				for _, a := range e.Attr {
					if a.Name.Local == "root" {
						root = a.Value
					}
				}
				if parent := &stack[len(stack)-1]; parent.name == "section" && !parent.firstID {
					parent.firstID, parent.entries = true, counted[root]
				}
				for i := len(stack) - 1; i >= 0; i-- {
					if stack[i].name == "section" {
						if kind := stack[i].entries[root]; kind != "" {
							out[kind]++
						}
						break
					}
				}
			}
			stack = append(stack, open{name: e.Name.Local})
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		}
	}
	return out
}

// Every HL7 example document imports through the same path as FHIR: its
// problems, medications, allergies and immunizations arrive, one record
// each (counted against the document's own entries); the document is kept
// byte for byte and listed with the person's documents; importing it again
// changes nothing.
func TestCCDADocumentsImport(t *testing.T) {
	ctx := context.Background()
	for _, f := range ccdaFiles(t) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			s, v := openStore(t)
			doc, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := s.Import(ctx, []string{f}, records.ImportOptions{AutoCreatePeople: true}, nil)
			if err != nil || len(rep.Files) != 1 {
				t.Fatal(err)
			}
			r := rep.Files[0]
			if r.Status != records.FileImported || len(rep.NewPeople) != 1 || r.Attachments != 1 {
				t.Fatalf("%s: %s %q, %d people, %d attachments", r.File, r.Status, r.Error, len(rep.NewPeople), r.Attachments)
			}
			// Every record of the examples passes the importer's R4
			// validation (the converter's impossible dates and statuses are
			// mended): none is skipped.
			if r.Skipped != 0 || len(r.Issues) != 0 {
				t.Errorf("%d skipped, %d issues", r.Skipped, len(r.Issues))
				for _, is := range r.Issues {
					t.Logf("%s %s: %s", is.Type, is.Path, is.Reason)
				}
			}
			person := rep.NewPeople[0].ID
			entries := ccdaEntries(t, doc)
			for typ, want := range entries {
				if typ == "results" {
					continue
				}
				var got int
				if err := v.DB().QueryRow("SELECT count(*) FROM summaries WHERE person_id = ? AND resource_type = ?", person, typ).Scan(&got); err != nil {
					t.Fatal(err)
				}
				if got != want {
					t.Errorf("%s: %d records, the document has %d entries", typ, got, want)
				}
			}
			ccdaReports(t, s, v, entries["results"])
			docs, err := s.Documents(ctx, person)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, d := range docs {
				_, data, err := s.DocumentContent(ctx, d.ID)
				if err == nil && bytes.Equal(data, doc) {
					found = true
				}
			}
			if !found {
				t.Fatalf("the original document is not among %d documents, byte for byte", len(docs))
			}
			again, err := s.Import(ctx, []string{f}, records.ImportOptions{AutoCreatePeople: true}, nil)
			if err != nil || again.Files[0].Status != records.FileUnchanged || again.Files[0].Added+again.Files[0].Updated != 0 {
				t.Fatalf("re-import: %v %+v", err, again.Files[0])
			}
		})
	}
}

// ccdaReports checks a C-CDA's reports in the vault: every result of every
// report resolves to an Observation the vault holds (as the panel view
// reads it), the reports list as many results as the document's result
// organizers hold, and no result is stored twice (one laboratory
// Observation per result: the converter's panel Observation is gone).
func ccdaReports(t *testing.T, s *records.Store, v *vault.Vault, want int) {
	t.Helper()
	ctx := context.Background()
	rows, err := v.DB().Query("SELECT id, resource_type, raw FROM resources WHERE resource_type IN ('DiagnosticReport', 'Observation')")
	if err != nil {
		t.Fatal(err)
	}
	var reports []int64
	lab := 0
	for rows.Next() {
		var id int64
		var typ string
		var raw []byte
		if err := rows.Scan(&id, &typ, &raw); err != nil {
			t.Fatal(err)
		}
		if typ == "DiagnosticReport" {
			reports = append(reports, id)
			continue
		}
		var o struct {
			Category []struct {
				Coding []struct{ Code string } `json:"coding"`
			} `json:"category"`
		}
		if err := json.Unmarshal(raw, &o); err != nil {
			t.Fatal(err)
		}
		for _, c := range o.Category {
			if len(c.Coding) > 0 && c.Coding[0].Code == "laboratory" {
				lab++
			}
		}
	}
	rows.Close()
	got := 0
	for _, id := range reports {
		d, err := s.Detail(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Results) == 0 {
			t.Errorf("report %d lists no results", id)
		}
		for _, r := range d.Results {
			if r.ID == 0 {
				t.Errorf("report %d: a result the vault does not hold", id)
			}
		}
		got += len(d.Results)
	}
	if got != want || lab != want {
		t.Errorf("%d results in %d reports, %d laboratory observations; the document has %d results", got, len(reports), lab, want)
	}
}

// An XML file that is not a C-CDA, one with a DTD (an XML bomb's shape)
// and a damaged C-CDA are refused with a reason that quotes nothing, and
// the vault is unchanged.
func TestCCDABadXMLIsRefused(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	before := snapshot(t, s)
	dir := t.TempDir()
	cases := map[string]string{
		"page.xml":   `<?xml version="1.0"?><html><body>secret-value</body></html>`,
		"bomb.xml":   `<?xml version="1.0"?><!DOCTYPE ClinicalDocument [<!ENTITY a "secret-value">]><ClinicalDocument xmlns="urn:hl7-org:v3">&a;</ClinicalDocument>`,
		"broken.xml": `<ClinicalDocument xmlns="urn:hl7-org:v3"><title>secret-value</ClinicalDocument>`,
	}
	for name, body := range cases {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		rep, err := s.Import(ctx, []string{path}, records.ImportOptions{AutoCreatePeople: true}, nil)
		if err != nil {
			t.Fatal(err)
		}
		r := rep.Files[0]
		if r.Status != records.FileRejected || r.Reason != records.RejectUnreadable || r.Error == "" || strings.Contains(r.Error, "secret") {
			t.Errorf("%s: %s %s %q", name, r.Status, r.Reason, r.Error)
		}
	}
	if after := snapshot(t, s); after != before {
		t.Fatal("the vault changed")
	}
}

// A newer CCD from the same provider — a later "Download my record" — adds
// what is new and leaves what was already there unchanged: its records
// keep their ids (the document's own, or ids drawn from the records
// themselves), the patient is the same person, nothing is stored twice.
func TestNewerCCDFromTheSameProvider(t *testing.T) {
	ctx := context.Background()
	s, v := openStore(t)
	first := filepath.Join(fixtures, "..", "ccda", "Documents", "CCD", "CCD 1", "CCD.XML")
	doc, err := os.ReadFile(first)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s.Import(ctx, []string{first}, records.ImportOptions{AutoCreatePeople: true}, nil)
	if err != nil || rep.Files[0].Status != records.FileImported {
		t.Fatalf("%+v %v", rep.Files, err)
	}
	people, _ := s.People(ctx)
	var before int
	v.DB().QueryRow("SELECT count(*) FROM resources").Scan(&before)

	// The same record a month later: a new document id and time, one more
	// vital sign reading.
	newer := bytes.Replace(doc, []byte(`<id extension="TT988" root="2.16.840.1.113883.19.5.99999.1" />`), []byte(`<id extension="TT989" root="2.16.840.1.113883.19.5.99999.1" />`), 1)
	newer = bytes.Replace(newer, []byte(`<effectiveTime value="201308151030-0800" />`), []byte(`<effectiveTime value="201309151030-0800" />`), 1)
	if bytes.Equal(newer, doc) {
		t.Fatal("the fixture changed: the newer document is the same")
	}
	path := filepath.Join(t.TempDir(), "CCD-newer.xml")
	if err := os.WriteFile(path, newer, 0o600); err != nil {
		t.Fatal(err)
	}
	rep, err = s.Import(ctx, []string{path}, records.ImportOptions{AutoCreatePeople: true}, nil)
	if err != nil || rep.Files[0].Status != records.FileImported {
		t.Fatalf("%+v %v", rep.Files, err)
	}
	fr := rep.Files[0]
	// New: the document itself (its Composition, the original kept, its
	// provenance). Everything it says again is unchanged.
	if fr.Added != 3 || fr.Updated != 0 || fr.Unchanged < 50 {
		t.Fatalf("newer CCD: added %d, updated %d, unchanged %d", fr.Added, fr.Updated, fr.Unchanged)
	}
	after, _ := s.People(ctx)
	if len(after) != len(people) || len(rep.NewPeople) != 0 || len(rep.Unmatched) != 0 {
		t.Fatalf("the same patient became someone else: %d → %d people, %d unmatched", len(people), len(after), len(rep.Unmatched))
	}
}
