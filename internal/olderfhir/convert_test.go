package olderfhir

import (
	"bytes"
	"encoding/json"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/fastenhealth/fasten-desktop/internal/fhir"
)

// pairs converts every resource of one fixture file, keeping the source
// and R4 of each, decoded.
type pair struct {
	typ     string
	in, out map[string]any
}

func convertFile(t *testing.T, rel Release, dir, name string) []pair {
	t.Helper()
	bu := readBundle(t, filepath.Join(fixtures, dir, name))
	opt := Options{Subject: subjectOf(bu)}
	var ps []pair
	for _, e := range bu.Entry {
		typ := typeOf(e.Resource)
		r4, _, err := ToR4With(rel, typ, e.Resource, opt)
		if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, pair{typ, decodeT(t, e.Resource), decodeT(t, r4)})
	}
	return ps
}

func decodeT(t *testing.T, b []byte) map[string]any {
	t.Helper()
	m, err := decode(b)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func coding(t *testing.T, v any) (system, code string) {
	t.Helper()
	m, _ := v.(map[string]any)
	l, _ := m["coding"].([]any)
	if len(l) != 1 {
		t.Fatalf("want one coding: %v", v)
	}
	c := l[0].(map[string]any)
	return c["system"].(string), c["code"].(string)
}

func eq(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s: got %v, want %v", what, got, want)
	}
}

func TestDSTU2FieldMappings(t *testing.T) {
	seen := map[string]int{}
	for _, p := range convertFile(t, DSTU2, "synthea-dstu2", "Abshire_Cary_26.json") {
		in, out := p.in, p.out
		seen[p.typ]++
		switch p.typ {
		case "Condition":
			eq(t, "onset", out["onsetDateTime"], in["onsetDateTime"])
			eq(t, "code", out["code"], in["code"])
			eq(t, "subject", out["subject"], in["patient"])
			sys, code := coding(t, out["clinicalStatus"])
			eq(t, "clinical system", sys, sysConditionClinical)
			eq(t, "clinical code", code, in["clinicalStatus"])
			sys, code = coding(t, out["verificationStatus"])
			eq(t, "verification", sys+"|"+code, sysConditionVer+"|"+in["verificationStatus"].(string))
			if _, ok := out["patient"]; ok {
				t.Error("patient kept")
			}
		case "Observation":
			for _, k := range []string{"valueQuantity", "valueCodeableConcept", "component", "effectiveDateTime", "issued", "code"} {
				eq(t, "Observation."+k, out[k], in[k])
			}
			eq(t, "category", out["category"], []any{in["category"]})
			if q, ok := out["valueQuantity"].(map[string]any); ok && (q["unit"] == nil || q["code"] == nil || q["system"] == nil) {
				t.Errorf("unit lost: %v", q)
			}
		case "Immunization":
			eq(t, "occurrence", out["occurrenceDateTime"], in["date"])
			eq(t, "status", out["status"], "completed")
			eq(t, "vaccineCode", out["vaccineCode"], in["vaccineCode"])
			for _, k := range []string{"date", "wasNotGiven"} {
				if _, ok := out[k]; ok {
					t.Errorf("Immunization.%s kept", k)
				}
			}
		case "MedicationOrder":
			eq(t, "medication", out["medicationCodeableConcept"], in["medicationCodeableConcept"])
			eq(t, "authoredOn", out["authoredOn"], in["dateWritten"])
			eq(t, "intent", out["intent"], "order")
			eq(t, "status", out["status"], in["status"])
			eq(t, "subject", out["subject"], in["patient"])
			eq(t, "resourceType", out["resourceType"], "MedicationRequest")
			if d, ok := in["dosageInstruction"]; ok {
				eq(t, "dosage", out["dosageInstruction"], d) // asNeededBoolean: same shape in R4
			}
		case "Encounter":
			cls := out["class"].(map[string]any)
			want := map[string]string{"ambulatory": "AMB", "outpatient": "AMB", "emergency": "EMER"}[in["class"].(string)]
			eq(t, "class", cls["system"].(string)+"|"+cls["code"].(string), sysActCode+"|"+want)
			eq(t, "period", out["period"], in["period"])
		}
	}
	for _, typ := range []string{"Condition", "Observation", "Immunization", "MedicationOrder", "Encounter"} {
		if seen[typ] == 0 {
			t.Errorf("no %s in the fixture", typ)
		}
	}
}

func TestSTU3FieldMappings(t *testing.T) {
	seen := map[string]int{}
	for _, p := range convertFile(t, STU3, "synthea-stu3", "Abshire_Cary_26.json") {
		in, out := p.in, p.out
		seen[p.typ]++
		if _, ok := out["meta"].(map[string]any)["profile"]; ok {
			t.Errorf("%s: STU3 profile kept", p.typ)
		}
		switch p.typ {
		case "Condition":
			eq(t, "onset", out["onsetDateTime"], in["onsetDateTime"])
			eq(t, "encounter", out["encounter"], in["context"])
			eq(t, "recordedDate", out["recordedDate"], in["assertedDate"])
			_, code := coding(t, out["clinicalStatus"])
			eq(t, "clinical", code, in["clinicalStatus"])
		case "Observation":
			eq(t, "value", out["valueQuantity"], in["valueQuantity"])
			eq(t, "category", out["category"], in["category"])
			eq(t, "encounter", out["encounter"], in["context"])
		case "Immunization":
			eq(t, "occurrence", out["occurrenceDateTime"], in["date"])
			eq(t, "primarySource", out["primarySource"], in["primarySource"])
			eq(t, "status", out["status"], "completed")
		case "MedicationRequest":
			eq(t, "medication", out["medicationReference"], in["medicationReference"])
			eq(t, "encounter", out["encounter"], in["context"])
			eq(t, "extension", out["extension"], in["extension"])
			for i, d := range asList(out["dosageInstruction"]) {
				eq(t, "dosage", d, asList(in["dosageInstruction"])[i])
			}
		case "Procedure":
			if r, ok := in["reasonReference"]; ok {
				eq(t, "reasonReference", out["reasonReference"], asList(r)) // Synthea's single object, a list in STU3 and R4
			}
		case "AllergyIntolerance":
			eq(t, "modifierExtension", out["modifierExtension"], in["modifierExtension"])
		}
	}
	for _, typ := range []string{"Condition", "Observation", "Immunization", "MedicationRequest"} {
		if seen[typ] == 0 {
			t.Errorf("no %s in the fixture", typ)
		}
	}
}

// convertOne converts a hand-written resource, failing on error, and
// checks the result is valid R4.
func convertOne(t *testing.T, rel Release, src string) map[string]any {
	t.Helper()
	out, typ, err := ToR4With(rel, typeOf([]byte(src)), []byte(src), Options{Subject: "Patient/p1"})
	if err != nil {
		t.Fatal(err)
	}
	if inv := validator(t).Validate(fhir.Resource{Type: typ, Raw: out}); inv != nil {
		t.Fatal(inv)
	}
	return decodeT(t, out)
}

var (
	vOnce sync.Once
	vv    *fhir.Validator
)

func validator(t *testing.T) *fhir.Validator {
	vOnce.Do(func() {
		var err error
		if vv, err = fhir.NewValidator(); err != nil {
			t.Fatal(err)
		}
	})
	return vv
}

func TestDSTU2Details(t *testing.T) {
	// A prescription with a dose and timing, an end date R4 has no element
	// for (kept as HL7's cross-version extension), and a reference to an
	// earlier MedicationOrder, which is renamed so it still resolves.
	mo := convertOne(t, DSTU2, `{"resourceType":"MedicationOrder","id":"m2","status":"stopped",
		"patient":{"reference":"Patient/p1"},"dateWritten":"2015-01-02","dateEnded":"2015-03-04",
		"medicationCodeableConcept":{"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":"313782","display":"Acetaminophen 325 MG"}],"text":"Acetaminophen"},
		"priorPrescription":{"reference":"MedicationOrder/m1"},
		"dosageInstruction":[{"text":"1 tablet twice a day","timing":{"repeat":{"frequency":2,"period":1,"periodUnits":"d","when":"C"}},
			"doseQuantity":{"value":1,"unit":"tablet"},"additionalInstructions":{"text":"with food"}}]}`)
	eq(t, "priorPrescription", mo["priorPrescription"], map[string]any{"reference": "MedicationRequest/m1"})
	d := mo["dosageInstruction"].([]any)[0].(map[string]any)
	eq(t, "doseAndRate", d["doseAndRate"], []any{map[string]any{"doseQuantity": map[string]any{"value": json.Number("1"), "unit": "tablet"}}})
	eq(t, "timing", d["timing"], map[string]any{"repeat": map[string]any{"frequency": json.Number("2"), "period": json.Number("1"), "periodUnit": "d", "when": []any{"C"}}})
	eq(t, "additionalInstruction", d["additionalInstruction"], []any{map[string]any{"text": "with food"}})
	eq(t, "dateEnded", mo["extension"], []any{map[string]any{"url": "http://hl7.org/fhir/1.0/StructureDefinition/extension-MedicationOrder.dateEnded", "valueDateTime": "2015-03-04"}})
	if got := R4Reference(DSTU2, "https://ehr.example/fhir/MedicationOrder/m1"); got != "https://ehr.example/fhir/MedicationRequest/m1" {
		t.Errorf("fullUrl: %s", got)
	}
	if got := R4Reference(STU3, "MedicationOrder/m1"); got != "MedicationOrder/m1" {
		t.Errorf("STU3 reference changed: %s", got)
	}

	// Immunization not given; DSTU2 'reported' is the opposite of R4's
	// primarySource.
	im := convertOne(t, DSTU2, `{"resourceType":"Immunization","status":"completed","wasNotGiven":true,"reported":true,
		"date":"2016-05-06","patient":{"reference":"Patient/p1"},"vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"140"}]},
		"explanation":{"reasonNotGiven":[{"text":"patient objection"}]}}`)
	eq(t, "status", im["status"], "not-done")
	eq(t, "primarySource", im["primarySource"], false)
	eq(t, "statusReason", im["statusReason"], map[string]any{"text": "patient objection"})

	// Allergy: substance → code, one status split, the old criticality codes.
	al := convertOne(t, DSTU2, `{"resourceType":"AllergyIntolerance","patient":{"reference":"Patient/p1"},"status":"confirmed",
		"criticality":"CRITH","category":"medication","substance":{"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":"7980"}]},
		"reaction":[{"manifestation":[{"text":"hives"}],"certainty":"likely","severity":"mild"}]}`)
	_, code := coding(t, al["verificationStatus"])
	eq(t, "verification", code, "confirmed")
	if _, ok := al["clinicalStatus"]; ok {
		t.Error("clinical status invented")
	}
	eq(t, "criticality", al["criticality"], "high")
	eq(t, "category", al["category"], []any{"medication"})
	eq(t, "code", al["code"], map[string]any{"coding": []any{map[string]any{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "7980"}}})

	// Observation with a reference range (meaning → type) and a comment.
	ob := convertOne(t, DSTU2, `{"resourceType":"Observation","status":"final","code":{"text":"Hb"},"subject":{"reference":"Patient/p1"},
		"valueQuantity":{"value":13.20,"unit":"g/dL","system":"http://unitsofmeasure.org","code":"g/dL"},"comments":"fasting",
		"referenceRange":[{"low":{"value":12.0,"unit":"g/dL"},"high":{"value":16.0,"unit":"g/dL"},"meaning":{"text":"normal"}}]}`)
	eq(t, "value keeps its digits", ob["valueQuantity"].(map[string]any)["value"], json.Number("13.20"))
	eq(t, "range", ob["referenceRange"], []any{map[string]any{"low": map[string]any{"value": json.Number("12.0"), "unit": "g/dL"}, "high": map[string]any{"value": json.Number("16.0"), "unit": "g/dL"}, "type": map[string]any{"text": "normal"}}})
	eq(t, "note", ob["note"], []any{map[string]any{"text": "fasting"}})

	// Condition 'unknown' verification: R4 leaves it out.
	co := convertOne(t, DSTU2, `{"resourceType":"Condition","patient":{"reference":"Patient/p1"},"code":{"text":"x"},
		"clinicalStatus":"relapse","verificationStatus":"unknown","onsetQuantity":{"value":4,"unit":"a"}}`)
	if _, ok := co["verificationStatus"]; ok {
		t.Error("verification 'unknown' written")
	}
	_, code = coding(t, co["clinicalStatus"])
	eq(t, "clinical", code, "relapse")
	eq(t, "onsetAge", co["onsetAge"], map[string]any{"value": json.Number("4"), "unit": "a"})
}

// The same input gives the same bytes, also from many goroutines at once.
func TestDeterministic(t *testing.T) {
	type job struct {
		rel      Release
		typ      string
		raw      []byte
		opt      Options
		expected []byte
	}
	var jobs []*job
	for _, s := range []struct {
		dir string
		rel Release
	}{{"synthea-dstu2", DSTU2}, {"synthea-stu3", STU3}} {
		for _, f := range fixtureFiles(t, s.dir)[:3] {
			bu := readBundle(t, f)
			for _, e := range bu.Entry {
				j := &job{rel: s.rel, typ: typeOf(e.Resource), raw: e.Resource, opt: Options{Subject: subjectOf(bu)}}
				var err error
				if j.expected, _, err = ToR4With(j.rel, j.typ, j.raw, j.opt); err != nil {
					t.Fatal(err)
				}
				jobs = append(jobs, j)
			}
		}
	}
	var wg sync.WaitGroup
	errs := make(chan string, 4)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, j := range jobs {
				got, _, err := ToR4With(j.rel, j.typ, j.raw, j.opt)
				if err != nil || !bytes.Equal(got, j.expected) {
					select {
					case errs <- j.typ:
					default:
					}
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for typ := range errs {
		t.Errorf("%s converted differently the second time", typ)
	}
}

// What cannot be converted is an *Unconvertible naming the type, the path
// and a reason, never a value from the resource.
func TestUnconvertible(t *testing.T) {
	const secret = "SECRET-7731"
	for _, tc := range []struct {
		rel            Release
		src            string
		opt            Options
		typ, path, why string
	}{
		{DSTU2, `{"resourceType":"Immunization","status":"in-progress","date":"2016","patient":{"reference":"Patient/p1"},"vaccineCode":{"text":"` + secret + `"}}`,
			Options{}, "Immunization", "Immunization.status", "no R4 counterpart"},
		{DSTU2, `{"resourceType":"Condition","patient":{"reference":"Patient/p1"},"code":{"text":"x"},"extraThing":"` + secret + `"}`,
			Options{}, "Condition", "Condition.extraThing", "no R4 counterpart"},
		{DSTU2, `{"resourceType":"Condition","patient":{"reference":"Patient/p1"},"code":{"text":"x"},"` + secret + ` ":1}`,
			Options{}, "Condition", "Condition.(element)", "no R4 counterpart"},
		{DSTU2, `{"resourceType":"Observation","status":"final","code":{"text":"x"},"related":[{"type":"sequel-to","target":{"reference":"Observation/` + secret + `"}}]}`,
			Options{}, "Observation", "Observation.related.type", "no R4 counterpart"},
		{DSTU2, `{"resourceType":"Goal","description":"` + secret + `","status":"achieved"}`,
			Options{}, "Goal", "Goal.subject", "requires the person"},
		{DSTU2, `{"resourceType":"DiagnosticOrder","subject":{"reference":"Patient/p1"},"note":[{"text":"` + secret + `"}]}`,
			Options{}, "DiagnosticOrder", "", "DSTU2 DiagnosticOrder is not converted"},
		{DSTU2, `{"resourceType":"Encounter","status":"finished","class":"` + secret + `"}`,
			Options{}, "Encounter", "Encounter.class", "no R4 counterpart"},
		// A converted resource R4 still refuses (a reference to a type R4
		// does not have) is reported with the validator's path.
		{DSTU2, `{"resourceType":"Condition","patient":{"reference":"ProcedureRequest/` + secret + `"},"code":{"text":"x"}}`,
			Options{}, "Condition", "Condition.subject", "not valid R4"},
		// STU3 google/fhir refuses: an unknown code.
		{STU3, `{"resourceType":"Condition","subject":{"reference":"Patient/p1"},"code":{"text":"x"},"clinicalStatus":"` + secret + `"}`,
			Options{}, "Condition", "Condition.clinicalStatus", "not valid STU3"},
		// STU3 google/fhir refuses: an element STU3 does not have.
		{STU3, `{"resourceType":"Condition","patient":{"reference":"Patient/` + secret + `"},"code":{"text":"x"}}`,
			Options{}, "Condition", "Condition", "not valid STU3"},
		{R4, `{"resourceType":"Patient"}`, Options{}, "Patient", "", "only DSTU2 and STU3"},
		{DSTU2, `{"resourceType":"Patient","id":"` + secret + `"}`, Options{}, "Observation", "resourceType", "does not match"},
	} {
		typ := typeOf([]byte(tc.src))
		if tc.typ != typ {
			typ = tc.typ
		}
		out, _, err := ToR4With(tc.rel, typ, []byte(tc.src), tc.opt)
		var u *Unconvertible
		if !errors.As(err, &u) {
			t.Errorf("%s: want *Unconvertible, got %v (%s)", tc.src, err, out)
			continue
		}
		if u.Type != tc.typ || !strings.HasPrefix(u.Path, tc.path) || !strings.Contains(u.Reason, tc.why) || u.From != tc.rel {
			t.Errorf("%s: got %+v, want type %s path %s reason ~%q", tc.src, u, tc.typ, tc.path, tc.why)
		}
		if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), "sequel") {
			t.Errorf("message quotes the resource: %s", err)
		}
	}
}

// Types with no map pass through when R4 reads them unchanged.
func TestPassThrough(t *testing.T) {
	src := `{"resourceType":"Basic","id":"b1","code":{"text":"note"},"subject":{"reference":"Patient/p1"}}`
	out, typ, err := ToR4(DSTU2, "Basic", []byte(src))
	if err != nil || typ != "Basic" {
		t.Fatal(typ, err)
	}
	eq(t, "basic", decodeT(t, out), decodeT(t, []byte(src)))
}

// A contained resource is converted with its container.
func TestContained(t *testing.T) {
	st := convertOne(t, DSTU2, `{"resourceType":"MedicationStatement","status":"active","wasNotTaken":false,
		"patient":{"reference":"Patient/p1"},"medicationReference":{"reference":"#med"},
		"contained":[{"resourceType":"Medication","id":"med","code":{"text":"aspirin"},"product":{"form":{"text":"tablet"}}}],
		"dosage":[{"quantityQuantity":{"value":81,"unit":"mg"}}]}`)
	med := st["contained"].([]any)[0].(map[string]any)
	eq(t, "contained form", med["form"], map[string]any{"text": "tablet"})
	eq(t, "statement dose", st["dosage"].([]any)[0].(map[string]any)["doseAndRate"], []any{map[string]any{"doseQuantity": map[string]any{"value": json.Number("81"), "unit": "mg"}}})
}

// A single object where STU3 has a list (a common writer slip, Synthea's
// Procedure.reasonReference) is read as a list of one, also inside a list.
func TestSTU3ListSlipMended(t *testing.T) {
	ob := convertOne(t, STU3, `{"resourceType":"Observation","status":"final","code":{"text":"bp"},"category":{"text":"vital-signs"},
		"component":[{"code":{"text":"sys"},"valueQuantity":{"value":120},"referenceRange":{"high":{"value":130}}}]}`)
	eq(t, "category", ob["category"], []any{map[string]any{"text": "vital-signs"}})
	eq(t, "component range", ob["component"].([]any)[0].(map[string]any)["referenceRange"], []any{map[string]any{"high": map[string]any{"value": json.Number("130")}}})
	// A string where a list belongs is not a slip to mend: refused.
	_, _, err := ToR4(STU3, "Observation", []byte(`{"resourceType":"Observation","status":"final","code":{"text":"x"},"category":"vital-signs"}`))
	var u *Unconvertible
	if !errors.As(err, &u) || u.Path != "Observation.category" || !strings.Contains(u.Reason, "not valid STU3") {
		t.Fatalf("got %v", err)
	}
}
