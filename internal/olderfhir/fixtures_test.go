package olderfhir

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/fastenhealth/fasten-desktop/internal/fhir"
)

const fixtures = "../../../shared/fixtures"

type entry struct {
	FullURL  string          `json:"fullUrl"`
	Resource json.RawMessage `json:"resource"`
}

type bundle struct {
	Entry []entry `json:"entry"`
}

func readBundle(t testing.TB, path string) bundle {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var bu bundle
	if err := json.Unmarshal(b, &bu); err != nil {
		t.Fatal(err)
	}
	return bu
}

func typeOf(raw []byte) string {
	var h struct {
		ResourceType string `json:"resourceType"`
	}
	_ = json.Unmarshal(raw, &h)
	return h.ResourceType
}

// subjectOf is the reference to the file's one Patient (what the importer
// passes as Options.Subject), or "" when it holds none or several.
func subjectOf(bu bundle) string {
	subject, n := "", 0
	for _, e := range bu.Entry {
		if typeOf(e.Resource) == "Patient" {
			n++
			subject = e.FullURL
			if subject == "" {
				var p struct{ ID string }
				_ = json.Unmarshal(e.Resource, &p)
				subject = "Patient/" + p.ID
			}
		}
	}
	if n != 1 {
		return ""
	}
	return subject
}

func fixtureFiles(t testing.TB, dir string) []string {
	files, _ := filepath.Glob(filepath.Join(fixtures, dir, "*.json"))
	if len(files) != 10 {
		t.Fatalf("%s: %d fixture files, want 10", dir, len(files))
	}
	return files
}

// Every resource of the 20 older fixture files converts to R4 that
// internal/fhir's validator accepts, type by type, none lost.
func TestFixturesConvertToValidR4(t *testing.T) {
	v, err := fhir.NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		dir  string
		rel  Release
		want map[string]int // input counts over the ten people
	}{
		{"synthea-dstu2", DSTU2, map[string]int{"Observation": 285, "Encounter": 74, "Immunization": 43, "Condition": 37,
			"Procedure": 29, "DiagnosticReport": 22, "CarePlan": 21, "MedicationOrder": 21, "Goal": 20, "Patient": 10,
			"Organization": 10, "AllergyIntolerance": 1}},
		{"synthea-stu3", STU3, map[string]int{"Observation": 285, "Encounter": 74, "Immunization": 43, "Condition": 37,
			"Procedure": 29, "DiagnosticReport": 22, "CarePlan": 21, "MedicationRequest": 21, "Medication": 20, "Goal": 20,
			"Patient": 10, "Organization": 10, "AllergyIntolerance": 1}},
	} {
		t.Run(tc.dir, func(t *testing.T) {
			in, out := map[string]int{}, map[string]int{}
			for _, f := range fixtureFiles(t, tc.dir) {
				bu := readBundle(t, f)
				opt := Options{Subject: subjectOf(bu)}
				for i, e := range bu.Entry {
					typ := typeOf(e.Resource)
					in[typ]++
					r4, nt, err := ToR4With(tc.rel, typ, e.Resource, opt)
					if err != nil {
						t.Fatalf("%s entry %d: %v", filepath.Base(f), i, err)
					}
					if inv := v.Validate(fhir.Resource{Index: i, Type: nt, Raw: r4}); inv != nil {
						t.Fatalf("%s entry %d: %v", filepath.Base(f), i, inv)
					}
					if got := typeOf(r4); got != nt {
						t.Fatalf("%s entry %d: resourceType %q, reported %q", filepath.Base(f), i, got, nt)
					}
					out[nt]++
				}
			}
			for typ, n := range tc.want {
				if in[typ] != n {
					t.Errorf("input %s: %d, want %d", typ, in[typ], n)
				}
				nt := typ
				if typ == "MedicationOrder" {
					nt = "MedicationRequest"
				}
				if out[nt] != n {
					t.Errorf("output %s: %d, want %d (from %d %s)", nt, out[nt], n, n, typ)
				}
			}
			if len(in) != len(tc.want) || len(out) != len(tc.want) {
				t.Errorf("types in %v, out %v", in, out)
			}
		})
	}
}
