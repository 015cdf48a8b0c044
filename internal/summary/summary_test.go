package summary_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/signintech/gopdf"

	"github.com/fastenhealth/fasten-desktop/internal/fhir"
	"github.com/fastenhealth/fasten-desktop/internal/records"
	"github.com/fastenhealth/fasten-desktop/internal/summary"
	"github.com/fastenhealth/fasten-desktop/internal/vault"
)

func init() { vault.DefaultKDF = vault.KDFParams{Time: 1, Memory: 8 * 1024, Threads: 1} }

const family = "../../../shared/fixtures/synthea/family"

var now = time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC)

// vaults remembers each store's vault, for the tests that add a portal's
// source.
var vaults = map[*records.Store]*vault.Vault{}

func openStore(t testing.TB) *records.Store {
	t.Helper()
	v, _, err := vault.Create(filepath.Join(t.TempDir(), "household.fasten"), "test passphrase 1")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	s := records.New(v.DB())
	vaults[s] = v
	return s
}

// familyStore is a vault holding the Synthea family, one person per file.
func familyStore(t testing.TB) (*records.Store, []records.Person) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(family, "*.json"))
	if len(files) == 0 {
		t.Fatal("no family fixtures")
	}
	sort.Strings(files)
	s := openStore(t)
	ctx := context.Background()
	if _, err := s.Import(ctx, files, records.ImportOptions{AutoCreatePeople: true}, nil); err != nil {
		t.Fatal(err)
	}
	people, err := s.People(ctx)
	if err != nil || len(people) != len(files) {
		t.Fatalf("people %d, files %d: %v", len(people), len(files), err)
	}
	return s, people
}

type bundle struct {
	Type  string `json:"type"`
	Entry []struct {
		FullURL  string          `json:"fullUrl"`
		Resource json.RawMessage `json:"resource"`
	} `json:"entry"`
}

type composition struct {
	ResourceType string `json:"resourceType"`
	Type         struct {
		Coding []struct{ System, Code string } `json:"coding"`
	} `json:"type"`
	Subject struct{ Reference string } `json:"subject"`
	Section []struct {
		Code struct {
			Coding []struct{ System, Code string } `json:"coding"`
		} `json:"code"`
		Text        struct{ Div string }         `json:"text"`
		Entry       []struct{ Reference string } `json:"entry"`
		EmptyReason json.RawMessage              `json:"emptyReason"`
	} `json:"section"`
}

func parse(t *testing.T, raw []byte) (bundle, composition) {
	t.Helper()
	var b bundle
	if err := json.Unmarshal(raw, &b); err != nil {
		t.Fatal(err)
	}
	var c composition
	if len(b.Entry) == 0 || json.Unmarshal(b.Entry[0].Resource, &c) != nil {
		t.Fatal("no Composition")
	}
	return b, c
}

// sectionEntries is each section's entry count by LOINC code (-1: empty
// with an emptyReason).
func sectionEntries(c composition) map[string]int {
	out := map[string]int{}
	for _, s := range c.Section {
		n := len(s.Entry)
		if n == 0 && len(s.EmptyReason) > 0 {
			n = -1
		}
		out[s.Code.Coding[0].Code] = n
	}
	return out
}

// TestIPSForEveryFamilyMember: every person's IPS is a document Bundle whose
// every entry passes google/fhir's full R4 validation (not only the fast
// path the build uses), that passes the IPS structure check, whose sections
// hold what the dashboard shows (the same records, folded the same way),
// and whose narratives escape what records say.
func TestIPSForEveryFamilyMember(t *testing.T) {
	ctx := context.Background()
	s, people := familyStore(t)
	full, err := fhir.NewFullValidator()
	if err != nil {
		t.Fatal(err)
	}
	var largest time.Duration
	for _, p := range people {
		start := time.Now()
		sum, err := summary.Build(ctx, s, p.ID, now)
		took := time.Since(start)
		if err != nil {
			t.Fatalf("%s: %v", p.Name, err)
		}
		if took > largest {
			largest = took
		}
		t.Logf("person with %d records: %d entries, built in %v, %d bytes", p.Records, sum.Entries, took.Round(time.Millisecond), len(sum.Bundle))
		if err := summary.Check(sum.Bundle); err != nil {
			t.Fatalf("%s: %v", p.Name, err)
		}
		b, c := parse(t, sum.Bundle)
		if b.Type != "document" || c.ResourceType != "Composition" || c.Type.Coding[0].Code != summary.DocumentCode {
			t.Fatalf("not an IPS document: %s %s", b.Type, c.ResourceType)
		}
		for i, e := range b.Entry {
			var h struct{ ResourceType string }
			json.Unmarshal(e.Resource, &h)
			if bad := full.Validate(fhir.Resource{Index: i, Type: h.ResourceType, Raw: e.Resource}); bad != nil {
				t.Fatalf("entry %d: %v", i, bad)
			}
		}
		// The whole Bundle too, as one resource.
		if bad := full.Validate(fhir.Resource{Type: "Bundle", Raw: sum.Bundle}); bad != nil {
			t.Fatalf("bundle: %v", bad)
		}
		dash, err := s.Dashboard(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		got := sectionEntries(c)
		want := func(code string, n int) {
			t.Helper()
			if n == 0 {
				n = -1
			}
			if got[code] != n {
				t.Fatalf("%s: section %s has %d entries, the dashboard %d", p.Name, code, got[code], n)
			}
		}
		want(summary.ProblemsCode, len(dash.Problems))
		want(summary.MedicationsCode, len(dash.Medications))
		doses := 0
		for _, v := range dash.Immunizations {
			doses += len(v.Doses)
		}
		if doses > 0 {
			want(summary.ImmunizationCode, doses)
		}
		if len(sum.Vaccines) != doses {
			t.Fatalf("vaccine record has %d doses, dashboard %d", len(sum.Vaccines), doses)
		}
		for _, code := range []string{summary.ProblemsCode, summary.MedicationsCode, summary.AllergiesCode} {
			if _, ok := got[code]; !ok {
				t.Fatalf("required section %s missing", code)
			}
		}
		// Every problem the dashboard lists is named in the narrative.
		for _, sec := range c.Section {
			if sec.Code.Coding[0].Code != summary.ProblemsCode {
				continue
			}
			for _, pr := range dash.Problems {
				if !strings.Contains(sec.Text.Div, escape(pr.Display)) {
					t.Fatalf("problem missing from the narrative")
				}
			}
		}
	}
	t.Logf("largest summary built in %v", largest.Round(time.Millisecond))
}

func escape(s string) string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;")
	return r.Replace(s)
}

// importJSON imports one bundle written here, for person (0: a new one).
func importJSON(t *testing.T, s *records.Store, doc string, person int64) {
	t.Helper()
	importFrom(t, s, doc, person, 0)
}

// importFrom is importJSON into source (0: the files' source).
func importFrom(t *testing.T, s *records.Store, doc string, person, source int64) {
	t.Helper()
	f := filepath.Join(t.TempDir(), "extra.json")
	if err := os.WriteFile(f, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	rep, err := s.Import(context.Background(), []string{f}, records.ImportOptions{PersonID: person, AutoCreatePeople: person == 0, SourceID: source}, nil)
	if err != nil || rep.Files[0].Status == records.FileRejected || rep.Files[0].Skipped > 0 {
		t.Fatalf("import: %v %+v", err, rep.Files)
	}
}

// TestOneSubjectForSeveralPatientRecords: a person known by three Patient
// records (a second id in the imported files, and a portal's, whose records
// name it relatively) gets one subject; the other records' condition and
// dose are in the summary about that subject, and every identity's
// identifiers are on it. The name's accents and a hostile display are kept
// as text, never as markup.
func TestOneSubjectForSeveralPatientRecords(t *testing.T) {
	ctx := context.Background()
	s, people := familyStore(t)
	p := people[len(people)-1]
	importJSON(t, s, `{"resourceType":"Bundle","type":"collection","entry":[
{"fullUrl":"urn:uuid:7d3c1a52-0000-4000-8000-000000000001","resource":{"resourceType":"Patient","id":"7d3c1a52-0000-4000-8000-000000000001",
 "identifier":[{"system":"https://other-portal.example/mrn","value":"MRN-42"}],"name":[{"family":"Other","given":["Portal"]}],"birthDate":"1990-01-01"}},
{"fullUrl":"urn:uuid:7d3c1a52-0000-4000-8000-000000000002","resource":{"resourceType":"Condition","id":"7d3c1a52-0000-4000-8000-000000000002",
 "clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-clinical","code":"active"}]},
 "code":{"coding":[{"system":"http://snomed.info/sct","code":"195967001","display":"Asthma <script>alert(1)</script>"}]},
 "subject":{"reference":"urn:uuid:7d3c1a52-0000-4000-8000-000000000001"},
 "encounter":{"reference":"Encounter/not-in-the-vault"},
 "onsetDateTime":"2020-05-01"}},
{"fullUrl":"urn:uuid:7d3c1a52-0000-4000-8000-000000000003","resource":{"resourceType":"Immunization","id":"7d3c1a52-0000-4000-8000-000000000003",
 "status":"completed","vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"207","display":"COVID-19 mRNA"}]},
 "patient":{"reference":"urn:uuid:7d3c1a52-0000-4000-8000-000000000001"},"occurrenceDateTime":"2021-06-02",
 "lotNumber":"EW0182","performer":[{"actor":{"display":"Dr Ana Núñez"}}],"protocolApplied":[{"doseNumberPositiveInt":2}]}}]}`, p.ID)
	v := vaults[s]
	tx, err := v.DB().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	src, err := s.CreateConnectionSource(ctx, tx, "Portal", "portal-p", p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	importFrom(t, s, `{"resourceType":"Bundle","type":"searchset","entry":[
{"fullUrl":"https://portal.example/fhir/Patient/portal-p","resource":{"resourceType":"Patient","id":"portal-p",
 "identifier":[{"system":"https://portal.example/id","value":"P-7"}],"name":[{"family":"Portal"}]}},
{"fullUrl":"https://portal.example/fhir/Condition/c1","resource":{"resourceType":"Condition","id":"c1",
 "clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-clinical","code":"active"}]},
 "code":{"text":"Hay fever from the portal"},"subject":{"reference":"Patient/portal-p"},"onsetDateTime":"2019-04-01"}}]}`, p.ID, src)
	sum, err := summary.Build(ctx, s, p.ID, now)
	if err != nil {
		t.Fatal(err)
	}
	b, c := parse(t, sum.Bundle)
	patients := 0
	var idents []string
	for _, e := range b.Entry {
		var r struct {
			ResourceType string
			Identifier   []struct{ System, Value string }
			Subject      *struct{ Reference string }
			Code         *struct{ Coding []struct{ Code string } }
		}
		json.Unmarshal(e.Resource, &r)
		switch r.ResourceType {
		case "Patient":
			patients++
			if e.FullURL != c.Subject.Reference {
				t.Fatal("the Patient is not the subject")
			}
			for _, i := range r.Identifier {
				idents = append(idents, i.System)
			}
		case "Condition":
			if r.Subject == nil || r.Subject.Reference != c.Subject.Reference {
				t.Fatal("a condition is about someone else")
			}
		}
	}
	if patients != 1 {
		t.Fatalf("%d Patient entries", patients)
	}
	if !strings.Contains(strings.Join(idents, " "), "other-portal.example") || !strings.Contains(strings.Join(idents, " "), "portal.example/id") {
		t.Fatalf("identifiers of both records not merged: %d", len(idents))
	}
	asthma, hayFever := false, false
	for _, sec := range sum.Sections {
		for _, r := range sec.Rows {
			asthma = asthma || sec.Key == "problems" && strings.HasPrefix(r[0], "Asthma")
			hayFever = hayFever || sec.Key == "problems" && r[0] == "Hay fever from the portal"
		}
	}
	if !hayFever {
		t.Fatal("the portal's condition is not among the problems")
	}
	if !asthma {
		t.Fatal("the second record's condition is not among the problems")
	}
	found := false
	for _, d := range sum.Vaccines {
		found = found || d == summary.Dose{Vaccine: "COVID-19 mRNA", Date: "2021-06-02", Dose: "2", Lot: "EW0182", Provider: "Dr Ana Núñez"}
	}
	if !found {
		t.Fatal("the dose with its number, lot and performer is not in the vaccine record")
	}
	// The record's own JSON keeps its text as data; the narrative has it
	// escaped.
	escaped := false
	for _, sec := range c.Section {
		if strings.Contains(sec.Text.Div, "<script") {
			t.Fatal("a record's text became markup in the narrative")
		}
		escaped = escaped || strings.Contains(sec.Text.Div, "&lt;script&gt;")
	}
	if !escaped {
		t.Fatal("the condition's text is not in the narrative")
	}
}

// TestEmptyRequiredSections: a person with nothing but a Patient record
// gets the three required sections, each with an emptyReason and a
// narrative saying so, and no optional ones.
func TestEmptyRequiredSections(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	importJSON(t, s, `{"resourceType":"Patient","id":"solo","name":[{"family":"Ødegård","given":["Zoë"]}],"birthDate":"2015-03-04"}`, 0)
	people, _ := s.People(ctx)
	sum, err := summary.Build(ctx, s, people[0].ID, now)
	if err != nil {
		t.Fatal(err)
	}
	_, c := parse(t, sum.Bundle)
	got := sectionEntries(c)
	want := map[string]int{summary.ProblemsCode: -1, summary.MedicationsCode: -1, summary.AllergiesCode: -1}
	if len(got) != len(want) {
		t.Fatalf("sections %v", got)
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("section %s: %d", k, got[k])
		}
	}
	if _, err := summary.Build(ctx, s, 9999, now); !errors.Is(err, records.ErrNoPerson) {
		t.Fatalf("unknown person: %v", err)
	}
}

// TestCheckRejectsBrokenDocuments: the structure check is not a rubber
// stamp: each IPS rule broken in an otherwise good document is caught.
func TestCheckRejectsBrokenDocuments(t *testing.T) {
	ctx := context.Background()
	s, people := familyStore(t)
	sum, err := summary.Build(ctx, s, people[0].ID, now)
	if err != nil {
		t.Fatal(err)
	}
	mutate := func(f func(b map[string]any)) []byte {
		var b map[string]any
		json.Unmarshal(sum.Bundle, &b)
		f(b)
		out, _ := json.Marshal(b)
		return out
	}
	entries := func(b map[string]any) []any { return b["entry"].([]any) }
	res := func(e any) map[string]any { return e.(map[string]any)["resource"].(map[string]any) }
	sections := func(b map[string]any) []any { return res(entries(b)[0])["section"].([]any) }
	cases := map[string]func(b map[string]any){
		"composition not first": func(b map[string]any) {
			e := entries(b)
			e[0], e[1] = e[1], e[0]
		},
		"not a document": func(b map[string]any) { b["type"] = "collection" },
		"wrong document code": func(b map[string]any) {
			res(entries(b)[0])["type"] = map[string]any{"coding": []any{map[string]any{"system": "http://loinc.org", "code": "34133-9"}}}
		},
		"required section missing": func(b map[string]any) {
			c := res(entries(b)[0])
			c["section"] = sections(b)[1:]
		},
		"dangling reference": func(b map[string]any) {
			e := entries(b)
			res(e[len(e)-1])["subject"] = map[string]any{"reference": "urn:uuid:00000000-0000-4000-8000-000000000000"}
		},
		"another subject": func(b map[string]any) {
			e := entries(b)
			// Point an entry's subject at the author Device: in the
			// Bundle, but not the document's subject.
			res(e[len(e)-1])["subject"] = map[string]any{"reference": e[2].(map[string]any)["fullUrl"]}
		},
		"section entry missing": func(b map[string]any) {
			e := entries(b)
			entries := append([]any{}, e[:len(e)-1]...)
			b["entry"] = entries
		},
		"fullUrl not the id": func(b map[string]any) {
			entries(b)[1].(map[string]any)["fullUrl"] = "urn:uuid:00000000-0000-4000-8000-000000000001"
		},
	}
	if summary.Check(mutate(func(map[string]any) {})) != nil {
		t.Fatal("the unchanged document fails")
	}
	for name, f := range cases {
		if err := summary.Check(mutate(f)); !errors.Is(err, summary.ErrInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// pageInk renders page 1 with pdftoppm and returns the share of pixels
// that are not white.
func pageInk(t *testing.T, pdf string) float64 {
	t.Helper()
	out := filepath.Join(t.TempDir(), "page")
	if b, err := exec.Command("pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", "-singlefile", pdf, out).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm (poppler-utils; build/setup.sh --test installs it): %v %s", err, b)
	}
	f, err := os.Open(out + ".png")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return ink(img)
}

func ink(img image.Image) float64 {
	r := img.Bounds()
	dark := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			if cr+cg+cb < 3*0xe000 {
				dark++
			}
		}
	}
	return float64(dark) / float64(r.Dx()*r.Dy())
}

func pdfText(t *testing.T, pdf string) string {
	t.Helper()
	b, err := exec.Command("pdftotext", "-enc", "UTF-8", pdf, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	// pdftotext breaks lines where the PDF does; words are what matter.
	return strings.Join(strings.Fields(string(b)), " ")
}

// TestPDFsRenderNamesConditionsAndVaccines: the summary and vaccine PDFs of
// the person with the most records are drawn (page 1 has ink), and their
// text holds the person's name, written with letters beyond ASCII, a
// problem, and a vaccine with its date. Saving is atomic: a failed save
// leaves the earlier file as it was and no temporary file.
func TestPDFsRenderNamesConditionsAndVaccines(t *testing.T) {
	ctx := context.Background()
	s, people := familyStore(t)
	p := people[0]
	for _, q := range people {
		if q.Records > p.Records {
			p = q
		}
	}
	name := "Zoë Łukasz-Müller Ångström"
	if err := s.RenamePerson(ctx, p.ID, name); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	start := time.Now()
	sum, err := summary.SaveFor(ctx, s, p.ID, summary.KindPDF, filepath.Join(dir, "summary.pdf"), now)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("person with %d records: summary + PDF in %v", p.Records, time.Since(start).Round(time.Millisecond))
	if err := sum.Save(summary.KindVaccines, filepath.Join(dir, "vaccines.pdf")); err != nil {
		t.Fatal(err)
	}
	if err := sum.Save(summary.KindIPS, filepath.Join(dir, "ips.json")); err != nil {
		t.Fatal(err)
	}
	var problem string
	for _, sec := range sum.Sections {
		if sec.Key == "problems" && len(sec.Rows) > 0 {
			problem = sec.Rows[0][0]
		}
	}
	if problem == "" || len(sum.Vaccines) == 0 {
		t.Fatal("the fixture person has no problem or no vaccine")
	}
	for _, f := range []string{"summary.pdf", "vaccines.pdf"} {
		path := filepath.Join(dir, f)
		fi, _ := os.Stat(path)
		share := pageInk(t, path)
		t.Logf("%s: %d bytes, page 1 ink %.1f%%", f, fi.Size(), 100*share)
		if share < 0.01 {
			t.Fatalf("%s: page 1 is blank (%.3f%% ink)", f, 100*share)
		}
		text := pdfText(t, path)
		if !strings.Contains(text, name) {
			t.Fatalf("%s: the person's name is not in the text", f)
		}
		if f == "summary.pdf" && !strings.Contains(text, strings.Join(strings.Fields(problem), " ")) {
			t.Fatalf("%s: the first problem is not in the text", f)
		}
		if f == "vaccines.pdf" {
			v := sum.Vaccines[0]
			if v.Provider == "" || !strings.Contains(text, strings.Fields(v.Provider)[0]) {
				t.Fatalf("%s: the first dose has no provider", f)
			}
			if !strings.Contains(text, v.Date) || !strings.Contains(text, strings.Fields(v.Vaccine)[0]) {
				t.Fatalf("%s: the first dose is not in the text", f)
			}
		}
	}
	// A blank page is told apart: the ink check above can fail.
	blank := &gopdf.GoPdf{}
	blank.Start(gopdf.Config{PageSize: *gopdf.PageSizeA4})
	blank.AddPage()
	if err := blank.WritePdf(filepath.Join(dir, "blank.pdf")); err != nil {
		t.Fatal(err)
	}
	if share := pageInk(t, filepath.Join(dir, "blank.pdf")); share >= 0.01 {
		t.Fatalf("a blank page has %.1f%% ink", 100*share)
	}
	ipsBefore, _ := os.ReadFile(filepath.Join(dir, "ips.json"))
	if err := sum.Save("xml", filepath.Join(dir, "ips.json")); !errors.Is(err, summary.ErrUnknownKind) {
		t.Fatalf("unknown kind: %v", err)
	}
	if err := sum.Save(summary.KindIPS, dir); err == nil {
		t.Fatal("saved over a folder")
	}
	if err := sum.Save(summary.KindIPS, filepath.Join(dir, "missing", "ips.json")); err == nil {
		t.Fatal("saved into a missing folder")
	}
	ipsAfter, _ := os.ReadFile(filepath.Join(dir, "ips.json"))
	if !bytes.Equal(ipsBefore, ipsAfter) {
		t.Fatal("a failed save changed the earlier file")
	}
	left, _ := filepath.Glob(filepath.Join(dir, ".*"))
	if len(left) > 0 {
		t.Fatalf("temporary files left: %d", len(left))
	}
}

// BenchmarkBuildLargest: the summary of the family member with the most
// records, Bundle and checks (validation of every entry) included, and its
// PDF.
func BenchmarkBuildLargest(b *testing.B) {
	ctx := context.Background()
	s, people := familyStore(b)
	p := people[0]
	for _, q := range people {
		if q.Records > p.Records {
			p = q
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		sum, err := summary.Build(ctx, s, p.ID, now)
		if err != nil {
			b.Fatal(err)
		}
		var buf bytes.Buffer
		if err := summary.WritePDF(sum, &buf); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(buf.Len()), "pdf-bytes")
		b.ReportMetric(float64(len(sum.Bundle)), "ips-bytes")
	}
}
