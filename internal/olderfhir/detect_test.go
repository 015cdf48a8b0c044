package olderfhir

import (
	"os"
	"path/filepath"
	"testing"
)

func r4Files(t *testing.T) []string {
	var files []string
	for _, d := range []string{"synthea/family", "synthea/more"} {
		f, _ := filepath.Glob(filepath.Join(fixtures, d, "*.json"))
		files = append(files, f...)
	}
	if len(files) < 5 {
		t.Fatalf("R4 fixtures: %d files", len(files))
	}
	return files
}

// Each older fixture file detects as its release from its first 256 KB, and
// no resource in it is ever taken for another release; every R4 fixture
// file detects as R4 and no R4 resource is taken for an older one.
func TestDetectFixtures(t *testing.T) {
	sets := []struct {
		files []string
		want  Release
	}{
		{fixtureFiles(t, "synthea-dstu2"), DSTU2},
		{fixtureFiles(t, "synthea-stu3"), STU3},
		{r4Files(t), R4},
	}
	for _, s := range sets {
		decisive := map[string]int{}
		for _, f := range s.files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			head := b
			if len(head) > MaxHead {
				head = head[:MaxHead]
			}
			if got := DetectFile(head); got != s.want {
				t.Errorf("%s: DetectFile %v, want %v", filepath.Base(f), got, s.want)
			}
			for i, e := range readBundle(t, f).Entry {
				typ := typeOf(e.Resource)
				switch got := Detect(typ, e.Resource); got {
				case Unknown:
				case s.want:
					decisive[typ]++
				default:
					t.Fatalf("%s entry %d (%s): detected %v, want %v or unknown", filepath.Base(f), i, typ, got, s.want)
				}
			}
		}
		t.Logf("%v: decisive per type %v", s.want, decisive)
	}
}

// A head cut in the middle of a resource still detects from the resources
// before the cut; a cut before any decisive resource is Unknown.
func TestDetectFileCutOff(t *testing.T) {
	b, err := os.ReadFile(fixtureFiles(t, "synthea-dstu2")[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{len(b) / 2, len(b) / 3, len(b) - 10} {
		if got := DetectFile(b[:n]); got != DSTU2 {
			t.Errorf("cut at %d: %v", n, got)
		}
	}
	// The Patient comes first and looks alike in all releases but for its
	// DSTU2 name list; cut inside it nothing is decisive.
	if got := DetectFile(b[:200]); got != Unknown {
		t.Errorf("cut at 200: %v", got)
	}
	if got := DetectFile([]byte("not json")); got != Unknown {
		t.Errorf("garbage: %v", got)
	}
}

func TestDetectShapes(t *testing.T) {
	for _, tc := range []struct {
		typ, json string
		want      Release
	}{
		{"Patient", `{"resourceType":"Patient","gender":"male"}`, Unknown},
		{"MedicationOrder", `{"resourceType":"MedicationOrder"}`, DSTU2},
		{"Condition", `{"resourceType":"Condition","patient":{"reference":"Patient/1"},"clinicalStatus":"active"}`, DSTU2},
		{"Condition", `{"resourceType":"Condition","subject":{"reference":"Patient/1"},"clinicalStatus":"active"}`, Unknown},
		{"Condition", `{"resourceType":"Condition","subject":{"reference":"Patient/1"},"clinicalStatus":"active","context":{"reference":"Encounter/1"}}`, STU3},
		{"Condition", `{"resourceType":"Condition","subject":{"reference":"Patient/1"},"clinicalStatus":{"coding":[{"code":"active"}]}}`, R4},
		{"Encounter", `{"resourceType":"Encounter","class":"inpatient"}`, DSTU2},
		{"Encounter", `{"resourceType":"Encounter","class":{"code":"IMP"},"reason":[{"text":"x"}]}`, STU3},
		{"Encounter", `{"resourceType":"Encounter","class":{"code":"IMP"},"reasonCode":[{"text":"x"}]}`, R4},
		{"Observation", `{"resourceType":"Observation","category":{"text":"x"}}`, DSTU2},
		{"Observation", `{"resourceType":"Observation","category":[{"text":"x"}],"encounter":{"reference":"Encounter/1"}}`, R4},
		{"Immunization", `{"resourceType":"Immunization","wasNotGiven":false}`, DSTU2},
		{"Immunization", `{"resourceType":"Immunization","notGiven":false}`, STU3},
		{"Immunization", `{"resourceType":"Immunization","occurrenceDateTime":"2020"}`, R4},
		{"AllergyIntolerance", `{"resourceType":"AllergyIntolerance","substance":{"text":"x"}}`, DSTU2},
		{"MedicationRequest", `{"resourceType":"MedicationRequest","medicationReference":{"reference":"Medication/1"},"requester":{"agent":{"reference":"Practitioner/1"}}}`, STU3},
		{"CarePlan", `{"resourceType":"CarePlan","subject":{"reference":"Patient/1"},"intent":"plan","context":{"reference":"Encounter/1"}}`, STU3},
		{"CapabilityStatement", `{"resourceType":"CapabilityStatement","fhirVersion":"3.0.1"}`, STU3},
		{"Conformance", `{"resourceType":"Conformance","fhirVersion":"1.0.2"}`, DSTU2},
		{"CapabilityStatement", `{"resourceType":"CapabilityStatement","fhirVersion":"4.0.1"}`, R4},
		// contradicting features: not decisive
		{"Condition", `{"resourceType":"Condition","patient":{"reference":"Patient/1"},"clinicalStatus":{"text":"x"}}`, Unknown},
	} {
		if got := Detect(tc.typ, []byte(tc.json)); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.json, got, tc.want)
		}
	}
	// A lone resource file and NDJSON.
	if got := DetectFile([]byte("\xef\xbb\xbf" + `{"resourceType":"Encounter","class":"inpatient"}`)); got != DSTU2 {
		t.Errorf("single resource: %v", got)
	}
	if got := DetectFile([]byte("{\"resourceType\":\"Patient\"}\n{\"resourceType\":\"Immunization\",\"notGiven\":false}\n")); got != STU3 {
		t.Errorf("ndjson: %v", got)
	}
}

func TestReleaseOf(t *testing.T) {
	for v, want := range map[string]Release{"1.0.2": DSTU2, "3.0.1": STU3, "3.0.2": STU3, "4.0.1": R4, "4.3.0": Unknown, "1.8.0": Unknown, "": Unknown, "5.0.0": Unknown} {
		if got := ReleaseOf(v); got != want {
			t.Errorf("%q: %v, want %v", v, got, want)
		}
	}
}

// Detect reads members where they lie in the bytes: spacing, member order,
// duplicate keys and a profile given as one string must read as a decoder
// would read them.
func TestDetectReadsRawMembersAsADecoderWould(t *testing.T) {
	for _, c := range []struct {
		typ, raw string
		want     Release
	}{
		{"Patient", "{ \"resourceType\" : \"Patient\",\n  \"name\" :  [ 7, { \"family\" :\t[ \"X\" ] } ] }", DSTU2},
		{"Patient", `{"name":[{"family":"X"}]}`, Unknown},
		{"Condition", "{\"clinicalStatus\":\n \"active\", \"patient\": {}}", DSTU2},
		{"Observation", `{"meta": {"profile": "http://hl7.org/fhir/STU3/StructureDefinition/x"}}`, STU3},
		{"Observation", `{"meta": {"profile": ["http://hl7.org/fhir/R4/x"]}, "note": [], "hasMember": []}`, R4},
		{"MedicationRequest", `{"requester": {"agent": {}}}`, STU3},
		{"MedicationRequest", `{"requester": "x", "requester": {"reference": "Practitioner/1"}}`, R4},
		{"Encounter", `{"class": "inpatient"}`, DSTU2},
		{"Encounter", `{"class": null}`, Unknown},
		{"CapabilityStatement", `{"fhirVersion": "3.0.2"}`, STU3},
		{"Patient", `not json`, Unknown},
		{"Patient", `["Patient"]`, Unknown},
	} {
		if got := Detect(c.typ, []byte(c.raw)); got != c.want {
			t.Errorf("Detect(%s, %s) = %v, want %v", c.typ, c.raw, got, c.want)
		}
	}
}
