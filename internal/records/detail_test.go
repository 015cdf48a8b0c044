package records_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fastenhealth/fasten-desktop/internal/fhir"
	"github.com/fastenhealth/fasten-desktop/internal/records"
	"github.com/fastenhealth/fasten-desktop/internal/vault"
)

// rawFixture reads a fixture's resources as generic JSON, numbers kept as
// written, so expectations come from the file and not through the vault.
func rawFixture(t *testing.T, file string) []map[string]any {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var b struct {
		Entry []struct {
			Resource map[string]any `json:"resource"`
		} `json:"entry"`
	}
	if err := d.Decode(&b); err != nil {
		t.Fatal(err)
	}
	out := make([]map[string]any, len(b.Entry))
	for i, e := range b.Entry {
		out[i] = e.Resource
	}
	return out
}

func refOf(v any) string {
	m, _ := v.(map[string]any)
	s, _ := m["reference"].(string)
	return s
}

// visitRef is the encounter a fixture resource names (encounter, or
// DocumentReference's context.encounter[0]).
func visitRef(r map[string]any) string {
	if s := refOf(r["encounter"]); s != "" {
		return s
	}
	ctx, _ := r["context"].(map[string]any)
	if s := refOf(ctx); s != "" {
		return s
	}
	if encs, ok := ctx["encounter"].([]any); ok && len(encs) > 0 {
		return refOf(encs[0])
	}
	return ""
}

// neva imports the family member with the most panels and visits.
func neva(t *testing.T) (*records.Store, *vault.Vault, []map[string]any) {
	t.Helper()
	s, v := openStore(t)
	var file string
	for _, f := range fixtureFiles(t, "family") {
		if strings.HasPrefix(filepath.Base(f), "Neva_") {
			file = f
		}
	}
	if _, err := s.Import(context.Background(), []string{file}, records.ImportOptions{AutoCreatePeople: true}, nil); err != nil {
		t.Fatal(err)
	}
	return s, v, rawFixture(t, file)
}

func rowID(t *testing.T, v *vault.Vault, typ, fhirID string) int64 {
	t.Helper()
	var id int64
	if err := v.DB().QueryRow("SELECT id FROM resources WHERE resource_type = ? AND resource_id = ?", typ, fhirID).Scan(&id); err != nil {
		t.Fatalf("%s/%s: %v", typ, fhirID, err)
	}
	return id
}

func fhirID(t *testing.T, v *vault.Vault, row int64) string {
	t.Helper()
	var id string
	if err := v.DB().QueryRow("SELECT resource_type || '/' || resource_id FROM resources WHERE id = ?", row).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// Every panel of the fixture lists each of its results, in order, with the
// value as the file writes it, the unit, and a coded value without its tag.
func TestDetailPanelListsResults(t *testing.T) {
	ctx := context.Background()
	s, v, rs := neva(t)
	byID := map[string]map[string]any{}
	for _, r := range rs {
		byID[r["resourceType"].(string)+"/"+r["id"].(string)] = r
	}
	panels, coded := 0, 0
	for _, r := range rs {
		if r["resourceType"] != "DiagnosticReport" || r["result"] == nil {
			continue
		}
		panels++
		d, err := s.Detail(ctx, rowID(t, v, "DiagnosticReport", r["id"].(string)))
		if err != nil {
			t.Fatal(err)
		}
		refs := r["result"].([]any)
		if len(d.Results) != len(refs) {
			t.Fatalf("panel %s: %d results, the file lists %d", r["id"], len(d.Results), len(refs))
		}
		for i, ref := range refs {
			want := byID["Observation/"+strings.TrimPrefix(refOf(ref), "urn:uuid:")]
			got := d.Results[i]
			if got.ID == 0 || fhirID(t, v, got.ID) != "Observation/"+want["id"].(string) {
				t.Fatalf("panel %s result %d is record %d, not %s", r["id"], i, got.ID, want["id"])
			}
			if strings.HasSuffix(got.Display, ")") {
				t.Errorf("result name keeps a tag: %q", got.Display)
			}
			switch {
			case want["valueQuantity"] != nil:
				q := want["valueQuantity"].(map[string]any)
				if got.Value != q["value"].(json.Number).String() || got.Unit != q["code"] {
					t.Errorf("result %s: %q %q, file has %v %v", want["id"], got.Value, got.Unit, q["value"], q["code"])
				}
			case want["valueCodeableConcept"] != nil:
				coded++
				text := want["valueCodeableConcept"].(map[string]any)["text"].(string)
				if got.Value != fhir.CleanDisplay(text) || strings.Contains(got.Value, "(finding)") {
					t.Errorf("coded result %q, file has %q", got.Value, text)
				}
			}
		}
	}
	if panels < 10 || coded == 0 {
		t.Fatalf("fixture gave %d panels, %d coded results: the test would prove little", panels, coded)
	}
}

// The list (and CLI) value of a coded result has no SNOMED tag, after an
// import and after a reindex rebuilds the summaries.
func TestCodedValueTextIsClean(t *testing.T) {
	ctx := context.Background()
	s, v, _ := neva(t)
	check := func(when string) {
		if n := count(t, v, "SELECT count(*) FROM summaries WHERE value_text LIKE '%(finding)'"); n != 0 {
			t.Errorf("%s: %d values keep '(finding)'", when, n)
		}
		if n := count(t, v, "SELECT count(*) FROM summaries WHERE value_text = 'Cloudy urine'"); n == 0 {
			t.Errorf("%s: no 'Cloudy urine' value", when)
		}
	}
	check("after import")
	if _, err := s.Reindex(ctx); err != nil {
		t.Fatal(err)
	}
	check("after reindex")
}

// A visit lists what the file links to it, grouped by kind; results of one
// of its reports are left to the report's table.
func TestDetailVisitListsWhatHappened(t *testing.T) {
	ctx := context.Background()
	s, v, rs := neva(t)
	hidden := map[string]bool{}
	for _, h := range records.TimelineHidden {
		hidden[h] = true
	}
	linked := map[string][]map[string]any{}
	for _, r := range rs {
		if ref := visitRef(r); ref != "" && !hidden[r["resourceType"].(string)] {
			linked[ref] = append(linked[ref], r)
		}
	}
	checked := 0
	for _, r := range rs {
		if r["resourceType"] != "Encounter" {
			continue
		}
		recs := linked["urn:uuid:"+r["id"].(string)]
		inReport := map[string]bool{}
		for _, l := range recs {
			if l["resourceType"] == "DiagnosticReport" {
				for _, ref := range l["result"].([]any) {
					inReport[strings.TrimPrefix(refOf(ref), "urn:uuid:")] = true
				}
			}
		}
		want := map[string]bool{}
		types := map[string]bool{}
		for _, l := range recs {
			if l["resourceType"] == "Observation" && inReport[l["id"].(string)] {
				continue
			}
			want[l["resourceType"].(string)+"/"+l["id"].(string)] = true
			types[l["resourceType"].(string)] = true
		}
		d, err := s.Detail(ctx, rowID(t, v, "Encounter", r["id"].(string)))
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]bool{}
		for _, sec := range d.Visit {
			if sec.Title == "" || sec.Total != len(sec.Items) {
				t.Errorf("section %+v", sec)
			}
			for _, typ := range []string{"Condition", "Observation", "DiagnosticReport", "MedicationRequest", "Immunization", "CarePlan", "Encounter"} {
				if strings.Contains(sec.Title, typ) {
					t.Errorf("heading %q names a FHIR type", sec.Title)
				}
			}
			for _, it := range sec.Items {
				got[fhirID(t, v, it.ID)] = true
			}
		}
		if len(got) != len(want) {
			t.Errorf("visit %s lists %d records, the file links %d", r["id"], len(got), len(want))
		}
		for k := range want {
			if !got[k] {
				t.Errorf("visit %s misses %s", r["id"], k)
			}
		}
		if len(types) >= 5 {
			checked++
			kinds := map[string]bool{}
			for _, sec := range d.Visit {
				kinds[sec.Kind] = true
			}
			for typ, k := range map[string]string{"Condition": "diagnoses", "DiagnosticReport": "reports", "MedicationRequest": "medications",
				"Immunization": "immunizations", "Procedure": "procedures", "CarePlan": "care"} {
				if types[typ] != kinds[k] {
					t.Errorf("visit %s with %v: section %q shown %v", r["id"], types, k, kinds[k])
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("no visit in the fixture links five kinds of record")
	}
}

const versionBundle = `{"resourceType":"Bundle","type":"collection","entry":[
{"fullUrl":"urn:uuid:p1","resource":{"resourceType":"Patient","id":"p1","name":[{"family":"Okafor","given":["Ada"]}],"birthDate":"1990-02-03"}},
{"fullUrl":"urn:uuid:pr1","resource":{"resourceType":"Practitioner","id":"pr1","name":[{"prefix":["Dr."],"given":["Jane"],"family":"Roe"}]}},
{"fullUrl":"urn:uuid:o1","resource":{"resourceType":"Observation","id":"o1","status":"final","text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\"><script>alert(1)</script><b onclick=\"x()\">Glucose</b></div>"},"code":{"coding":[{"system":"http://loinc.org","code":"2339-0","display":"Glucose"}]},
 "subject":{"reference":"urn:uuid:p1"},"performer":[{"reference":"Practitioner/pr1"}],"effectiveDateTime":"2024-01-02","valueQuantity":{"value":%s,"unit":"mg/dL","system":"http://unitsofmeasure.org","code":"mg/dL"}}}]}`

// Importing a changed record keeps the earlier version: the detail says
// where each came from and when, and one version's fields can be read.
// References are named by their string as written.
func TestDetailVersionsProvenanceAndReferences(t *testing.T) {
	ctx := context.Background()
	s, v := openStore(t)
	dir := t.TempDir()
	for _, f := range []struct{ name, value string }{{"january.json", "98.10"}, {"february.json", "104.50"}} {
		path := filepath.Join(dir, f.name)
		if err := os.WriteFile(path, []byte(strings.Replace(versionBundle, "%s", f.value, 1)), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Import(ctx, []string{path}, records.ImportOptions{AutoCreatePeople: true}, nil); err != nil {
			t.Fatal(err)
		}
	}
	id := rowID(t, v, "Observation", "o1")
	d, err := s.Detail(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if d.SourceKind != "file" || d.File != "february.json" || d.Versions != 2 {
		t.Errorf("provenance: kind %q file %q versions %d", d.SourceKind, d.File, d.Versions)
	}
	if len(d.History) != 2 || !d.History[0].Current || d.History[0].Version != 2 || d.History[0].File != "february.json" ||
		d.History[1].Current || d.History[1].Version != 1 || d.History[1].File != "january.json" || d.History[1].Superseded == "" ||
		d.History[1].Superseded < d.History[1].Received {
		t.Fatalf("history %+v", d.History)
	}
	if got := d.References["Practitioner/pr1"]; got != "Dr. Jane Roe" && got != "Jane Roe" {
		t.Errorf("references %v", d.References)
	}
	if got := d.References["urn:uuid:p1"]; !strings.Contains(got, "Okafor") {
		t.Errorf("urn reference not named: %v", d.References)
	}

	old, err := s.DetailVersion(ctx, id, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(old.Raw, "98.10") || strings.Contains(old.Raw, "104.50") || old.Version.Version != 1 || old.Version.Current {
		t.Errorf("version 1: %+v", old.Version)
	}
	if !fieldHas(old.Fields, "98.1") || old.References["Practitioner/pr1"] == "" {
		t.Errorf("version 1 fields %+v refs %v", old.Fields, old.References)
	}
	// An earlier version's narrative is provider HTML like the current one's.
	if !strings.Contains(old.Narrative, "<b>Glucose</b>") || strings.Contains(old.Narrative, "script") || strings.Contains(old.Narrative, "onclick") {
		t.Errorf("version 1 narrative not sanitised: %q", old.Narrative)
	}
	cur, err := s.DetailVersion(ctx, id, 2)
	if err != nil || !strings.Contains(cur.Raw, "104.50") || !cur.Version.Current {
		t.Errorf("version 2: %+v %v", cur.Version, err)
	}
	if _, err := s.DetailVersion(ctx, id, 3); !errors.Is(err, records.ErrNoVersion) || !errors.Is(err, records.ErrNoResource) {
		t.Errorf("a version never seen: %v", err)
	}
	if _, err := s.DetailVersion(ctx, id+1000, 1); !errors.Is(err, records.ErrNoResource) {
		t.Errorf("a record not in the vault: %v", err)
	}
}

func fieldHas(fs []records.Field, s string) bool {
	for _, f := range fs {
		if strings.Contains(f.Value, s) {
			return true
		}
	}
	return false
}

// Flags come from the interpretation, else from the value against the
// range; values keep their written decimals; a result the vault lacks is
// listed by its reference's display, not clickable.
func TestDetailPanelFlagsRangesAndPrecision(t *testing.T) {
	ctx := context.Background()
	s, v := openStore(t)
	obs := func(id, code, value, extra string) string {
		return `{"fullUrl":"urn:uuid:` + id + `","resource":{"resourceType":"Observation","id":"` + id + `","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"` + code + `","display":"Test ` + id + ` (procedure)"}]},"subject":{"reference":"urn:uuid:p1"},"valueQuantity":{"value":` + value + `,"unit":"mmol/L","system":"http://unitsofmeasure.org","code":"mmol/L"}` + extra + `}}`
	}
	bundle := `{"resourceType":"Bundle","type":"collection","entry":[
{"fullUrl":"urn:uuid:p1","resource":{"resourceType":"Patient","id":"p1","name":[{"family":"Okafor","given":["Ada"]}]}},` +
		obs("a", "1-1", "7.10", `,"interpretation":[{"coding":[{"code":"H"}]}]`) + "," +
		obs("b", "2-2", "2.0", `,"referenceRange":[{"low":{"value":3.50,"unit":"mmol/L","system":"http://unitsofmeasure.org","code":"mmol/L"},"high":{"value":5.0,"unit":"mmol/L"}}]`) + "," +
		obs("c", "3-3", "4.2", `,"referenceRange":[{"low":{"value":3.5},"high":{"value":5.0}}],"interpretation":[{"coding":[{"code":"N"}]}]`) + `,
{"fullUrl":"urn:uuid:r1","resource":{"resourceType":"DiagnosticReport","id":"r1","status":"final","code":{"text":"Panel"},"subject":{"reference":"urn:uuid:p1"},
 "result":[{"reference":"urn:uuid:a"},{"reference":"urn:uuid:b"},{"reference":"urn:uuid:c"},{"reference":"Observation/elsewhere","display":"Sodium (substance)"}]}}]}`
	path := filepath.Join(t.TempDir(), "panel.json")
	if err := os.WriteFile(path, []byte(bundle), 0o600); err != nil {
		t.Fatal(err)
	}
	if rep, err := s.Import(ctx, []string{path}, records.ImportOptions{AutoCreatePeople: true}, nil); err != nil || rep.Files[0].Added != 5 {
		t.Fatalf("%+v %v", rep, err)
	}
	d, err := s.Detail(ctx, rowID(t, v, "DiagnosticReport", "r1"))
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Results) != 4 {
		t.Fatalf("results %+v", d.Results)
	}
	a, b, c, x := d.Results[0], d.Results[1], d.Results[2], d.Results[3]
	if a.Value != "7.10" || a.Unit != "mmol/L" || a.Flag != "H" || a.Display != "Test a" || a.Code != "1-1" {
		t.Errorf("a: %+v", a)
	}
	if b.Value != "2.0" || b.Flag != "L" || b.RangeLow != "3.50" || b.RangeHigh != "5.0" || b.RangeUnit != "mmol/L" {
		t.Errorf("b: %+v", b)
	}
	if c.Flag != "" || c.RangeLow != "3.5" {
		t.Errorf("c (normal): %+v", c)
	}
	if x.ID != 0 || x.Display != "Sodium" {
		t.Errorf("unresolved result: %+v", x)
	}
	if d.Visit == nil || len(d.Visit) != 0 {
		t.Errorf("a report has no visit sections: %+v", d.Visit)
	}
}
