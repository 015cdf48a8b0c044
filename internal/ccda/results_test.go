package ccda

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// documents are the HL7 example documents, by the names the tests use.
var documents = map[string]string{
	"CCD":          "CCD/CCD 1/CCD.XML",
	"Care Plan":    "Care Plan/Care_Plan.xml",
	"Consultation": "Consultation Note/Consultation_Note.xml",
	"Discharge":    "Discharge Summary/Discharge_Summary.xml",
	"Progress":     "Progress Note/Progress_Note.xml",
	"Referral":     "Referral Note/Referral_Note.xml",
}

const (
	resultOrganizer   = "2.16.840.1.113883.10.20.22.4.1"
	resultObservation = "2.16.840.1.113883.10.20.22.4.2"
	familyOrganizer   = "2.16.840.1.113883.10.20.22.4.45"
)

// organizers reads, in the document's own XML, each organizer of a
// template with the ids of its components' observations (empty when they
// have none of their own).
func organizers(t *testing.T, doc []byte, template string) [][]string {
	t.Helper()
	var out [][]string
	var stack []string
	in := -1 // depth of the organizer being read
	d := xml.NewDecoder(bytes.NewReader(doc))
	for {
		tok, err := d.Token()
		if err != nil {
			break
		}
		switch e := tok.(type) {
		case xml.StartElement:
			stack = append(stack, e.Name.Local)
			n := len(stack)
			attr := func(name string) string {
				for _, a := range e.Attr {
					if a.Name.Local == name {
						return a.Value
					}
				}
				return ""
			}
			switch {
			case e.Name.Local == "templateId" && n >= 2 && stack[n-2] == "organizer" && attr("root") == template && in < 0:
				in = n - 1
				out = append(out, nil)
			case in >= 0 && e.Name.Local == "id" && n == in+3 && stack[n-2] == "observation" && stack[n-3] == "component":
				out[len(out)-1] = append(out[len(out)-1], attr("root"))
			}
		case xml.EndElement:
			if len(stack) == in {
				in = -1
			}
			stack = stack[:len(stack)-1]
		}
	}
	return out
}

// converted holds each example's bundle: a conversion takes up to a second.
var converted sync.Map

func bundleOf(t *testing.T, rel string) []byte {
	t.Helper()
	if b, ok := converted.Load(rel); ok {
		return b.([]byte)
	}
	b, err := Bundle(context.Background(), readFixture(t, rel), filepath.Base(rel))
	if err != nil {
		t.Fatal(err)
	}
	converted.Store(rel, b)
	return b
}

// convertFixture is the example's resources, decoded afresh for each caller.
func convertFixture(t *testing.T, rel string) map[string][]map[string]any {
	t.Helper()
	return resourcesOf(t, bundleOf(t, rel))
}

func byID(rs map[string][]map[string]any) map[string]map[string]any {
	out := map[string]map[string]any{}
	for typ, list := range rs {
		for _, r := range list {
			out[typ+"/"+r["id"].(string)] = r
		}
	}
	return out
}

// Every result organizer becomes a DiagnosticReport whose results are the
// Observations of its components, in order, each once: no panel
// Observation is left beside the report, and the Composition lists the
// report.
func TestCCDAResultOrganizersBecomeReports(t *testing.T) {
	total := 0
	for name, rel := range documents {
		t.Run(name, func(t *testing.T) {
			doc := readFixture(t, rel)
			want := organizers(t, doc, resultOrganizer)
			rs := convertFixture(t, rel)
			all := byID(rs)
			reports := rs["DiagnosticReport"]
			if len(reports) != len(want) {
				t.Fatalf("%d reports, the document has %d result organizers", len(reports), len(want))
			}
			total += len(reports)
			referenced := map[string]int{}
			for i, r := range reports {
				if r["status"] == nil || r["code"] == nil || r["subject"] == nil {
					t.Errorf("report %d lacks status, code or subject", i)
				}
				if r["effectiveDateTime"] == nil && r["effectivePeriod"] == nil {
					t.Errorf("report %d has no time", i)
				}
				results, _ := r["result"].([]any)
				if len(results) != len(want[i]) {
					t.Fatalf("report %d: %d results, its organizer %d", i, len(results), len(want[i]))
				}
				for j, x := range results {
					ref := x.(map[string]any)["reference"].(string)
					referenced[ref]++
					if all[ref] == nil || !strings.HasPrefix(ref, "Observation/") {
						t.Errorf("report %d: result %s is not in the bundle", i, ref)
					}
					if want[i][j] != "" && ref != "Observation/"+want[i][j] {
						t.Errorf("report %d: result %d is %s, the document's %s", i, j, ref, want[i][j])
					}
				}
			}
			// Each result once; no Observation gathers them (the panel the
			// converter made is the report now).
			for ref, n := range referenced {
				if n != 1 {
					t.Errorf("%s is the result of %d reports", ref, n)
				}
			}
			for _, o := range rs["Observation"] {
				for _, m := range asList(o["hasMember"]) {
					if referenced[m.(map[string]any)["reference"].(string)] > 0 {
						t.Errorf("Observation/%s still lists a report's result", o["id"])
					}
				}
				if strings.Contains(mustMarshal(o), "2.25.318839716281066183537361066129484736021") {
					t.Errorf("Observation/%s keeps Fasten's tag", o["id"])
				}
			}
			listed := map[string]bool{}
			for _, s := range asList(rs["Composition"][0]["section"]) {
				for _, e := range asList(s.(map[string]any)["entry"]) {
					listed[e.(map[string]any)["reference"].(string)] = true
				}
			}
			for _, r := range reports {
				if !listed["DiagnosticReport/"+r["id"].(string)] {
					t.Errorf("the Composition does not list DiagnosticReport/%s", r["id"])
				}
			}
		})
	}
	if total != 8 {
		t.Errorf("%d reports over the examples, want 8", total)
	}
}

// The CCD's blood count: the report's code, status, time and results as
// the document gives them; a result keeps its range, its interpretation,
// and a result the document says it has no value for says why.
func TestCCDAReportAndResultFields(t *testing.T) {
	rs := convertFixture(t, documents["CCD"])
	all := byID(rs)
	cbc := all["DiagnosticReport/7d5a02b0-67a4-11db-bd13-0800200c9a66"]
	if cbc == nil {
		t.Fatal("no report for the blood count")
	}
	if got := codings(cbc["code"]); got != "http://loinc.org|57021-8|CBC W Auto Differential panel in Blood" {
		t.Errorf("code %s", got)
	}
	if cbc["status"] != "final" || cbc["effectiveDateTime"] != "2008-03-19T08:30:00-08:00" {
		t.Errorf("status %v, time %v", cbc["status"], cbc["effectiveDateTime"])
	}
	if got := codings(asList(cbc["category"])[0]); got != "http://terminology.hl7.org/CodeSystem/v2-0074|LAB|Laboratory" {
		t.Errorf("category %s", got)
	}
	platelets := all["Observation/ef5c1c58-4665-4556-a8e8-6e720d82f572"]
	rr, _ := asList(platelets["referenceRange"])[0].(map[string]any)
	if rr == nil || mustMarshal(rr["low"]) != `{"code":"10*9/L","system":"http://unitsofmeasure.org","unit":"10*9/L","value":150}` || rr["high"].(map[string]any)["value"] != 350.0 {
		t.Errorf("platelets' range %v", rr)
	}
	if got := codings(asList(platelets["interpretation"])[0]); got != "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation|LX|below low threshold" {
		t.Errorf("platelets' interpretation %s", got)
	}
	// The chemistry panel is still active and its one result has no value
	// (nullFlavor NI).
	chem := all["DiagnosticReport/122ed3ae-6d9e-43d0-bfa2-434ea34b1426"]
	bun := all["Observation/aed821af-3330-4138-97f0-e84dfe5f3c35"]
	if chem["status"] != "partial" || bun["status"] != "preliminary" || bun["valueQuantity"] != nil || codings(bun["dataAbsentReason"]) != "http://terminology.hl7.org/CodeSystem/data-absent-reason|unknown|" {
		t.Errorf("an active panel without a value: %v %v %v %v", chem["status"], bun["status"], bun["valueQuantity"], bun["dataAbsentReason"])
	}
	// Who wrote a report, where the document says (the Progress Note's
	// organizers name an author): a Practitioner in the bundle.
	pn := convertFixture(t, documents["Progress"])
	pAll := byID(pn)
	for _, r := range pn["DiagnosticReport"] {
		perf := asList(r["performer"])
		if len(perf) == 0 {
			t.Errorf("DiagnosticReport/%s names no performer", r["id"])
		}
		for _, p := range perf {
			if ref := p.(map[string]any)["reference"].(string); pAll[ref] == nil || !strings.HasPrefix(ref, "Practitioner/") {
				t.Errorf("performer %s is not in the bundle", ref)
			}
		}
	}
}

// Each family history organizer becomes a FamilyMemberHistory; the family
// history is no longer read as observations about the patient.
func TestCCDAFamilyHistory(t *testing.T) {
	for name, rel := range documents {
		t.Run(name, func(t *testing.T) {
			doc := readFixture(t, rel)
			rs := convertFixture(t, rel)
			want := len(organizers(t, doc, familyOrganizer))
			if got := len(rs["FamilyMemberHistory"]); got != want {
				t.Fatalf("%d FamilyMemberHistory, %d family history organizers", got, want)
			}
			for _, o := range rs["Observation"] {
				if strings.Contains(codings(o["code"]), "|75323-6|") {
					t.Errorf("a family history condition is an Observation about the patient")
				}
			}
			patient := "Patient/" + rs["Patient"][0]["id"].(string)
			for _, f := range rs["FamilyMemberHistory"] {
				if f["patient"].(map[string]any)["reference"] != patient || f["status"] == nil || f["relationship"] == nil {
					t.Errorf("FamilyMemberHistory/%s: patient, status or relationship", f["id"])
				}
			}
		})
	}
	// The CCD's and the Discharge Summary's father: born 1910, died of a
	// myocardial infarction at 57; diabetes (type 2, at 40, in the CCD;
	// type 1, at 6, in the Discharge Summary).
	for name, diabetes := range map[string]string{
		"CCD":       "http://snomed.info/sct|44054006|Diabetes mellitus type 2 @40",
		"Discharge": "http://snomed.info/sct|46635009|Diabetes mellitus type 1 @6",
	} {
		fs := convertFixture(t, documents[name])["FamilyMemberHistory"]
		if len(fs) != 1 {
			t.Errorf("%s: %d relatives, want the father", name, len(fs))
			continue
		}
		f := fs[0]
		if got := codings(f["relationship"]); got != "http://terminology.hl7.org/CodeSystem/v3-RoleCode|FTH|father http://snomed.info/sct|9947008|Biological father" {
			t.Errorf("%s: relationship %s", name, got)
		}
		if codings(f["sex"]) != "http://hl7.org/fhir/administrative-gender|male|Male" || f["bornDate"] != "1910" || f["deceasedBoolean"] != true {
			t.Errorf("%s: sex %v, born %v, deceased %v", name, f["sex"], f["bornDate"], f["deceasedBoolean"])
		}
		var got []string
		for _, c := range asList(f["condition"]) {
			c := c.(map[string]any)
			age := c["onsetAge"].(map[string]any)
			if age["code"] != "a" || age["system"] != "http://unitsofmeasure.org" {
				t.Errorf("%s: onset age %v", name, age)
			}
			s := codings(c["code"]) + " @" + fmt.Sprint(age["value"])
			if c["contributedToDeath"] == true {
				s += " †"
			}
			got = append(got, s)
		}
		if want := "http://snomed.info/sct|22298006|Myocardial infarction @57 †, " + diabetes; strings.Join(got, ", ") != want {
			t.Errorf("%s: conditions %s, want %s", name, strings.Join(got, ", "), want)
		}
	}
}

// Smoking status (social history, LOINC 72166-2) is an Observation of its
// own, in the social-history category, with the document's answer, listed
// in the social history section — also in the CCD, which gives it the id
// of a procedure's observation.
func TestCCDASmokingStatus(t *testing.T) {
	for name, answer := range map[string]string{"CCD": "8517006", "Discharge": "266919005"} {
		var found int
		rs := convertFixture(t, documents[name])
		for _, o := range rs["Observation"] {
			if !strings.Contains(codings(o["code"]), "http://loinc.org|72166-2|") {
				continue
			}
			found++
			if !strings.Contains(codings(asList(o["category"])[0]), "|social-history|") || !strings.Contains(codings(o["valueCodeableConcept"]), "http://snomed.info/sct|"+answer+"|") {
				t.Errorf("%s: smoking status %v %v", name, o["category"], o["valueCodeableConcept"])
			}
			var in []string
			for _, s := range asList(rs["Composition"][0]["section"]) {
				s := s.(map[string]any)
				for _, e := range asList(s["entry"]) {
					if e.(map[string]any)["reference"] == "Observation/"+o["id"].(string) {
						in = append(in, strings.ToUpper(asString(s["title"])))
					}
				}
			}
			if strings.Join(in, ",") != "SOCIAL HISTORY" {
				t.Errorf("%s: the smoking status is listed in %q", name, in)
			}
		}
		if found != 1 {
			t.Errorf("%s: %d smoking status observations", name, found)
		}
	}
}

// A code the document gives in several systems (a code and its
// translations) keeps them all, each with its display, in one concept.
// (A code is often written twice, once with translations and once
// without: some concept must hold it with all of them.)
func TestCCDATranslationsAreKept(t *testing.T) {
	checked := 0
	for name, rel := range documents {
		doc := readFixture(t, rel)
		b := bundleOf(t, rel)
		var v any
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
		var concepts []string // each concept's codings, as "code|display" lines
		walkConcepts(v, func(c map[string]any) {
			var s []string
			for _, x := range asList(c["coding"]) {
				m, _ := x.(map[string]any)
				d, _ := m["display"].(string)
				s = append(s, "\n"+strings.TrimSpace(asString(m["code"]))+"|"+d+"\n")
			}
			concepts = append(concepts, strings.Join(s, ""))
		})
		for _, tr := range translated(t, doc) {
			whole := false
			for _, c := range concepts {
				if !strings.Contains(c, "\n"+tr.code+"|") {
					continue
				}
				all := true
				for _, x := range tr.translations {
					all = all && strings.Contains(c, "\n"+x+"\n")
				}
				whole = whole || all
			}
			if !whole {
				t.Errorf("%s: no concept holds %s with its translations %v", name, tr.code, tr.translations)
			}
			checked++
		}
	}
	// The CCD's visit, father and three vaccines; the Discharge Summary's
	// procedure and father; the Referral Note's father and vaccine.
	if checked != 9 {
		t.Errorf("%d coded concepts with translations checked, want 9", checked)
	}
}

type translatedCode struct {
	code         string
	translations []string // "code|display"
}

// translated reads the document's codes that have translations, but for
// those of supplies (medication dispenses, which Fasten does not convert).
func translated(t *testing.T, doc []byte) []translatedCode {
	t.Helper()
	var out []translatedCode
	var open []*translatedCode // one per open element; nil unless a code
	supply := 0
	d := xml.NewDecoder(bytes.NewReader(doc))
	for {
		tok, err := d.Token()
		if err != nil {
			break
		}
		switch e := tok.(type) {
		case xml.StartElement:
			attr := map[string]string{}
			for _, a := range e.Attr {
				attr[a.Name.Local] = a.Value
			}
			if e.Name.Local == "supply" {
				supply++
			}
			if e.Name.Local == "translation" && len(open) > 0 && open[len(open)-1] != nil && attr["code"] != "" {
				p := open[len(open)-1]
				p.translations = append(p.translations, attr["code"]+"|"+attr["displayName"])
			}
			var c *translatedCode
			if attr["code"] != "" && e.Name.Local != "translation" {
				c = &translatedCode{code: attr["code"]}
			}
			open = append(open, c)
		case xml.EndElement:
			if e.Name.Local == "supply" {
				supply--
			}
			if c := open[len(open)-1]; c != nil && len(c.translations) > 0 && supply == 0 {
				out = append(out, *c)
			}
			open = open[:len(open)-1]
		}
	}
	return out
}

func walkConcepts(v any, f func(map[string]any)) {
	switch x := v.(type) {
	case map[string]any:
		if _, ok := x["coding"].([]any); ok {
			f(x)
		}
		for _, y := range x {
			walkConcepts(y, f)
		}
	case []any:
		for _, y := range x {
			walkConcepts(y, f)
		}
	}
}

// codings writes a concept's codings as "system|code|display", space-separated.
func codings(v any) string {
	m, _ := v.(map[string]any)
	var s []string
	for _, x := range asList(m["coding"]) {
		c, _ := x.(map[string]any)
		s = append(s, asString(c["system"])+"|"+asString(c["code"])+"|"+asString(c["display"]))
	}
	return strings.Join(s, " ")
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

func asString(v any) string {
	s, _ := v.(string)
	return s
}

func mustMarshal(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// A report or relative whose organizer has no id of its own gets one drawn
// from what it is, so the next CCD from the same provider names it the
// same (and adds nothing) while a different relative stays apart.
func TestCCDAReportsAndRelativesWithoutIDsKeepTheirs(t *testing.T) {
	doc := readFixture(t, documents["CCD"])
	for _, id := range []string{`<id root="d42ebf70-5c89-11db-b0de-0855200c9a66" />`, `<id root="7d5a02b0-67a4-11db-bd13-0800200c9a66" />`} {
		if bytes.Count(doc, []byte(id)) != 1 {
			t.Fatalf("the fixture changed: %s", id)
		}
		doc = bytes.Replace(doc, []byte(id), nil, 1)
	}
	newer := bytes.Replace(doc, []byte(`<id extension="TT988" root="2.16.840.1.113883.19.5.99999.1" />`), []byte(`<id extension="TT989" root="2.16.840.1.113883.19.5.99999.1" />`), 1)
	newer = bytes.Replace(newer, []byte(`<effectiveTime value="201308151030-0800" />`), []byte(`<effectiveTime value="201309151030-0800" />`), 1)
	// A mother besides the father: another relative, another id.
	mother := bytes.Replace(doc, []byte(`<code code="FTH" displayName="father"`), []byte(`<code code="MTH" displayName="mother"`), 1)
	ids := func(doc []byte) (string, string) {
		b, err := Bundle(context.Background(), doc, "CCD.XML")
		if err != nil {
			t.Fatal(err)
		}
		rs := resourcesOf(t, b)
		var reports []string
		for _, r := range rs["DiagnosticReport"] {
			reports = append(reports, r["id"].(string)+" "+mustMarshal(r["result"]))
		}
		if len(rs["FamilyMemberHistory"]) != 1 {
			t.Fatalf("%d relatives", len(rs["FamilyMemberHistory"]))
		}
		return strings.Join(reports, "\n"), rs["FamilyMemberHistory"][0]["id"].(string)
	}
	r1, f1 := ids(doc)
	r2, f2 := ids(newer)
	r3, f3 := ids(mother)
	if r1 != r2 || f1 != f2 || !strings.HasPrefix(r1, "DiagnosticReport-") || !strings.HasPrefix(f1, "FamilyMemberHistory-") {
		t.Errorf("ids differ between two CCDs of the same records:\n%s %s\n%s %s", r1, f1, r2, f2)
	}
	if r3 != r1 || f3 == f1 {
		t.Errorf("the mother took the father's id (%s) or the reports changed", f3)
	}
}

// The Composition lists each relative in the family history section, also
// when a section before it is nothing but a nullFlavor (which the
// converter drops from the Composition's sections).
func TestCCDAFamilyHistoryListedInItsSection(t *testing.T) {
	doc := readFixture(t, documents["CCD"])
	for _, d := range [][]byte{doc, bytes.Replace(doc, []byte("<structuredBody>"), []byte(`<structuredBody><component><section nullFlavor="NI"/></component>`), 1)} {
		b, err := Bundle(context.Background(), d, "CCD.XML")
		if err != nil {
			t.Fatal(err)
		}
		rs := resourcesOf(t, b)
		want := "FamilyMemberHistory/" + rs["FamilyMemberHistory"][0]["id"].(string)
		var in []string
		for _, s := range asList(rs["Composition"][0]["section"]) {
			s := s.(map[string]any)
			for _, e := range asList(s["entry"]) {
				if e.(map[string]any)["reference"] == want {
					in = append(in, asString(s["title"]))
				}
			}
		}
		if strings.Join(in, ",") != "FAMILY HISTORY" {
			t.Errorf("the relative is listed in %q", in)
		}
	}
}

// Records that share identifiers but differ keep ids of their own, and a
// reference to each still reaches it; the same record twice keeps one id.
func TestCCDAStableIDsPartSharedIdentifiers(t *testing.T) {
	ident := `"identifier":[{"system":"urn:oid:2.16.840.1.113883.19","value":"123456789"}]`
	in := []json.RawMessage{
		json.RawMessage(`{"resourceType":"Observation","id":"u1",` + ident + `,"code":{"text":"smoking"},"valueString":"never"}`),
		json.RawMessage(`{"resourceType":"Observation","id":"u2",` + ident + `,"code":{"text":"polypectomy"}}`),
		json.RawMessage(`{"resourceType":"Observation","id":"u3",` + ident + `,"code":{"text":"polypectomy"},"note":[{"text":"b"}]}`),
		json.RawMessage(`{"resourceType":"Observation","id":"u4",` + ident + `,"code":{"text":"polypectomy"},"note":[{"text":"b"}]}`),
		json.RawMessage(`{"resourceType":"Composition","id":"c","section":[{"entry":[{"reference":"Observation/u1"}]},{"entry":[{"reference":"Observation/u2"},{"reference":"Observation/u3"}]}]}`),
	}
	out := normalise(stableIDs(in, map[string]bool{"u1": true, "u2": true, "u3": true, "u4": true}))
	ids := map[string]string{}
	var comp string
	for _, r := range out {
		var v map[string]any
		json.Unmarshal(r, &v)
		if v["resourceType"] == "Composition" {
			comp = string(r)
			continue
		}
		ids[mustMarshal(v["code"])+mustMarshal(v["note"])] = v["id"].(string)
	}
	smoking, polyp, noted := ids[`{"text":"smoking"}null`], ids[`{"text":"polypectomy"}null`], ids[`{"text":"polypectomy"}[{"text":"b"}]`]
	if len(out) != 4 || len(ids) != 3 || smoking == polyp || polyp == noted || strings.Contains(smoking+polyp+noted, "-2") {
		t.Fatalf("%d resources, ids %v", len(out), ids)
	}
	for _, ref := range []string{smoking, polyp, noted} {
		if !strings.Contains(comp, `"Observation/`+ref+`"`) {
			t.Errorf("the Composition does not reach %s: %s", ref, comp)
		}
	}
}

// A date the document got wrong is dropped rather than the record (the
// CCD's "200130311" for a functional status), and a procedure the document
// calls active is in progress (FHIR has no "active" procedure).
func TestCCDAImpossibleDatesAndStatuses(t *testing.T) {
	rs := convertFixture(t, documents["CCD"])
	bathing := 0
	for _, o := range rs["Observation"] {
		if strings.Contains(codings(o["code"]), "http://loinc.org|46008-9|") {
			bathing++
			if o["effectiveDateTime"] != nil {
				t.Errorf("bathing's impossible date is kept: %v", o["effectiveDateTime"])
			}
		}
	}
	if bathing != 1 {
		t.Errorf("%d bathing observations", bathing)
	}
	statuses := map[string]int{}
	for _, p := range rs["Procedure"] {
		statuses[asString(p["status"])]++
	}
	if statuses["active"] != 0 || statuses["in-progress"] != 1 {
		t.Errorf("procedure statuses %v", statuses)
	}
}

// Every reference in every example's bundle reaches a resource of the
// bundle (or one it contains): reports, relatives and records renamed for
// shared identifiers are all linked where they are.
func TestCCDAReferencesResolve(t *testing.T) {
	for name, rel := range documents {
		rs := convertFixture(t, rel)
		ids := byID(rs)
		var walk func(v any, contained map[string]bool)
		refs := 0
		walk = func(v any, contained map[string]bool) {
			switch x := v.(type) {
			case map[string]any:
				if ref, ok := x["reference"].(string); ok {
					refs++
					if ids[ref] == nil && !contained[ref] {
						t.Errorf("%s: %s reaches nothing", name, ref)
					}
				}
				for _, y := range x {
					walk(y, contained)
				}
			case []any:
				for _, y := range x {
					walk(y, contained)
				}
			}
		}
		for _, list := range rs {
			for _, r := range list {
				contained := map[string]bool{}
				for _, c := range asList(r["contained"]) {
					contained["#"+asString(c.(map[string]any)["id"])] = true
				}
				walk(r, contained)
			}
		}
		if refs == 0 {
			t.Errorf("%s: no references", name)
		}
	}
}
