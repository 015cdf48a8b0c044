package records_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fastenhealth/fasten-desktop/internal/records"
)

// fixtureResource is the part of a fixture resource the independent counts read.
type fixtureResource struct {
	ResourceType    string `json:"resourceType"`
	ID              string `json:"id"`
	Status          string `json:"status"`
	LifecycleStatus string `json:"lifecycleStatus"`
	ClinicalStatus  struct {
		Coding []struct{ Code string } `json:"coding"`
	} `json:"clinicalStatus"`
	VaccineCode struct {
		Coding []struct{ System, Code string } `json:"coding"`
	} `json:"vaccineCode"`
	Category json.RawMessage `json:"category"`
	Code     struct {
		Coding []struct{ Code string } `json:"coding"`
	} `json:"code"`
	Encounter *struct{ Reference string } `json:"encounter"`
	Context   *struct{ Reference string } `json:"context"`
	Period    struct{ Start string }      `json:"period"`
}

func readFixture(t *testing.T, file string) []fixtureResource {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var b struct {
		Entry []struct {
			Resource fixtureResource `json:"resource"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(data, &b); err != nil {
		t.Fatal(err)
	}
	out := make([]fixtureResource, len(b.Entry))
	for i, e := range b.Entry {
		out[i] = e.Resource
	}
	return out
}

func (r fixtureResource) clinical() string {
	if len(r.ClinicalStatus.Coding) > 0 {
		return r.ClinicalStatus.Coding[0].Code
	}
	return r.Status
}

// expected is what a dashboard must show, counted from the fixture JSON
// with the dashboard's documented rules, not through the vault.
type expected struct {
	problems, currentMeds, pastMeds, allergies, doses, vaccines, visits, carePlans, goals, vitalCodes int
	latestVisit                                                                                       string
}

func countFixture(rs []fixtureResource) expected {
	var e expected
	vaccines, vitals := map[string]bool{}, map[string]bool{}
	for _, r := range rs {
		switch r.ResourceType {
		case "Condition":
			if s := r.clinical(); s == "active" || s == "recurrence" || s == "relapse" {
				e.problems++
			}
		case "MedicationRequest", "MedicationStatement":
			if r.Status == "active" {
				e.currentMeds++
			} else {
				e.pastMeds++
			}
		case "AllergyIntolerance":
			if s := r.clinical(); s != "inactive" && s != "resolved" {
				e.allergies++
			}
		case "Immunization":
			if r.Status != "not-done" && r.Status != "entered-in-error" {
				e.doses++
				vaccines[r.VaccineCode.Coding[0].System+"|"+r.VaccineCode.Coding[0].Code] = true
			}
		case "Encounter":
			e.visits++
			if r.Period.Start > e.latestVisit {
				e.latestVisit = r.Period.Start
			}
		case "CarePlan":
			if r.Status == "active" {
				e.carePlans++
			}
		case "Goal":
			if r.LifecycleStatus == "active" || r.LifecycleStatus == "accepted" {
				e.goals++
			}
		case "Observation":
			if strings.Contains(string(r.Category), `"vital-signs"`) {
				vitals[r.Code.Coding[0].Code] = true
			}
		}
	}
	e.vaccines, e.vitalCodes = len(vaccines), len(vitals)
	if e.visits > records.DashboardVisits {
		e.visits = records.DashboardVisits
	}
	return e
}

// familyStore imports the family fixtures and returns each file's person.
func familyStore(t *testing.T) (*records.Store, map[string]records.Person, []string) {
	t.Helper()
	s, _ := openStore(t)
	files := fixtureFiles(t, "family")
	if _, err := s.Import(context.Background(), files, records.ImportOptions{AutoCreatePeople: true}, nil); err != nil {
		t.Fatal(err)
	}
	people, err := s.People(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	byFile := map[string]records.Person{}
	for _, f := range files {
		given := strings.SplitN(filepath.Base(f), "_", 2)[0]
		for _, p := range people {
			if strings.HasPrefix(p.Name, given) {
				byFile[f] = p
			}
		}
		if byFile[f].ID == 0 {
			t.Fatalf("no person for %s among %+v", filepath.Base(f), people)
		}
	}
	return s, byFile, files
}

func TestDashboardMatchesFixtures(t *testing.T) {
	ctx := context.Background()
	s, byFile, files := familyStore(t)
	for _, f := range files {
		t.Run(strings.SplitN(filepath.Base(f), "_", 2)[0], func(t *testing.T) {
			want := countFixture(readFixture(t, f))
			d, err := s.Dashboard(ctx, byFile[f].ID)
			if err != nil {
				t.Fatal(err)
			}
			doses := 0
			for _, v := range d.Immunizations {
				doses += len(v.Doses)
				for i := 1; i < len(v.Doses); i++ {
					if v.Doses[i].Date < v.Doses[i-1].Date {
						t.Errorf("%s doses not oldest first", v.Display)
					}
				}
			}
			for _, c := range []struct {
				what      string
				got, want int
			}{
				{"active problems", len(d.Problems), want.problems},
				{"current medications", len(d.Medications), want.currentMeds},
				{"past medications", d.PastMedications, want.pastMeds},
				{"allergies", len(d.Allergies), want.allergies},
				{"immunization doses", doses, want.doses},
				{"vaccines", len(d.Immunizations), want.vaccines},
				{"visits", len(d.Visits), want.visits},
				{"care plans", len(d.CarePlans), want.carePlans},
				{"goals", len(d.Goals), want.goals},
				{"latest vitals", len(d.Vitals), want.vitalCodes},
				{"patient records", d.PatientRecords, 1},
			} {
				if c.got != c.want {
					t.Errorf("%s: got %d, counted %d in the fixture", c.what, c.got, c.want)
				}
			}
			if len(d.Visits) > 0 && d.Visits[0].Date != want.latestVisit {
				t.Errorf("latest visit %q, fixture's %q", d.Visits[0].Date, want.latestVisit)
			}
			for _, v := range d.Visits {
				// Synthea names the place only through a reference to its Organization.
				if v.Where == "" || v.Type == "" {
					t.Errorf("visit %d without type or place: %+v", v.ID, v)
				}
			}
			for _, p := range d.Problems {
				if strings.HasSuffix(p.Display, ")") {
					t.Errorf("problem display keeps a semantic tag: %q", p.Display)
				}
			}
			if d.Age == nil || *d.Age < 0 || d.Person.BirthDate == "" {
				t.Errorf("age %v birth date %q", d.Age, d.Person.BirthDate)
			}
		})
	}
}

// Alexis has eight allergies whose reactions and criticality the dashboard
// must carry (the fixture gives criticality on every one).
func TestDashboardAllergyDetails(t *testing.T) {
	s, byFile, files := familyStore(t)
	var alexis records.Person
	for _, f := range files {
		if strings.HasPrefix(filepath.Base(f), "Alexis") {
			alexis = byFile[f]
		}
	}
	d, err := s.Dashboard(context.Background(), alexis.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Allergies) != 8 {
		t.Fatalf("allergies %d", len(d.Allergies))
	}
	for _, a := range d.Allergies {
		// The fixture gives criticality and category, no reactions (those
		// are tested in TestDashboardDetailsFromRaw).
		if a.Criticality != "low" || a.Category != "food" || a.Display == "" {
			t.Errorf("allergy without criticality, category or name: %+v", a)
		}
	}
}

// The same Patient from a file and from a portal is one person: the
// dashboard counts Patient once and lists each record once.
func TestDashboardCountsCopiesOnce(t *testing.T) {
	ctx := context.Background()
	s, v := openStore(t)
	file := fixtureFiles(t, "family")[0]
	person := importNewPerson(t, s, file)
	before, err := s.Dashboard(ctx, person.ID)
	if err != nil {
		t.Fatal(err)
	}
	importAsPortalCopy(t, s, v, file, person.ID)
	after, err := s.Dashboard(ctx, person.ID)
	if err != nil {
		t.Fatal(err)
	}
	if after.PatientRecords != 2 {
		t.Errorf("patient records %d, want 2 (file and portal)", after.PatientRecords)
	}
	for _, c := range after.Counts {
		if c.ResourceType == "Patient" && c.Count != 1 {
			t.Errorf("Patient counted %d times", c.Count)
		}
	}
	if len(after.Problems) != len(before.Problems) || len(after.Allergies) != len(before.Allergies) ||
		len(after.Medications) != len(before.Medications) || len(after.Immunizations) != len(before.Immunizations) {
		t.Errorf("copies listed twice: before %d/%d/%d/%d after %d/%d/%d/%d",
			len(before.Problems), len(before.Allergies), len(before.Medications), len(before.Immunizations),
			len(after.Problems), len(after.Allergies), len(after.Medications), len(after.Immunizations))
	}
}

// What summaries do not keep is read from the raw JSON: results are flagged
// from the source's interpretation or, without one, from the value against
// the reference range (only the latest per code); allergies carry their
// reactions and the worst severity; a visit its reason and place.
func TestDashboardDetailsFromRaw(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	bundle := `{"resourceType":"Bundle","type":"collection","entry":[
 {"fullUrl":"urn:uuid:p1","resource":{"resourceType":"Patient","id":"p1","name":[{"given":["Flag"],"family":"Test"}],"birthDate":"2000-02-29"}},
 {"resource":{"resourceType":"AllergyIntolerance","id":"a1","clinicalStatus":{"coding":[{"code":"active"}]},"criticality":"high","code":{"text":"Peanut (substance)"},"patient":{"reference":"urn:uuid:p1"},"reaction":[{"manifestation":[{"coding":[{"display":"Hives (disorder)"}]}],"severity":"mild"},{"manifestation":[{"text":"Anaphylaxis"},{"coding":[{"display":"Hives (disorder)"}]}],"severity":"severe"}]}},
 {"resource":{"resourceType":"AllergyIntolerance","id":"a2","clinicalStatus":{"coding":[{"code":"resolved"}]},"code":{"text":"Penicillin"},"patient":{"reference":"urn:uuid:p1"}}},
 {"fullUrl":"urn:uuid:e1","resource":{"resourceType":"Encounter","id":"e1","status":"finished","class":{"code":"AMB"},"type":[{"text":"Check up (procedure)"}],"subject":{"reference":"urn:uuid:p1"},"period":{"start":"2021-01-01"},"reasonCode":[{"coding":[{"display":"Fever (finding)"}]}],"location":[{"location":{"display":"Clinic North"}}]}},
 {"resource":{"resourceType":"Observation","id":"o1","status":"final","category":[{"coding":[{"code":"laboratory"}]}],"code":{"coding":[{"system":"http://loinc.org","code":"2345-7","display":"Glucose"}]},"subject":{"reference":"urn:uuid:p1"},"effectiveDateTime":"2020-01-01","valueQuantity":{"value":250,"unit":"mg/dL"},"interpretation":[{"coding":[{"code":"H"}]}]}},
 {"resource":{"resourceType":"Observation","id":"o2","status":"final","category":[{"coding":[{"code":"laboratory"}]}],"code":{"coding":[{"system":"http://loinc.org","code":"2345-7","display":"Glucose"}]},"subject":{"reference":"urn:uuid:p1"},"effectiveDateTime":"2021-01-01","valueQuantity":{"value":90,"unit":"mg/dL"},"referenceRange":[{"low":{"value":70},"high":{"value":99}}]}},
 {"resource":{"resourceType":"Observation","id":"o3","status":"final","category":[{"coding":[{"code":"laboratory"}]}],"code":{"coding":[{"system":"http://loinc.org","code":"718-7","display":"Hemoglobin"}]},"subject":{"reference":"urn:uuid:p1"},"effectiveDateTime":"2021-01-01","valueQuantity":{"value":9.1,"unit":"g/dL"},"referenceRange":[{"low":{"value":12},"high":{"value":16}}]}},
 {"resource":{"resourceType":"Observation","id":"o4","status":"final","category":[{"coding":[{"code":"laboratory"}]}],"code":{"coding":[{"system":"http://loinc.org","code":"2160-0","display":"Creatinine"}]},"subject":{"reference":"urn:uuid:p1"},"effectiveDateTime":"2021-01-01","valueQuantity":{"value":1.0,"unit":"mg/dL"},"interpretation":[{"coding":[{"code":"N"}]}],"referenceRange":[{"low":{"value":0.6},"high":{"value":1.2}}]}},
 {"resource":{"resourceType":"Observation","id":"o5","status":"final","category":[{"coding":[{"code":"laboratory"}]}],"code":{"coding":[{"system":"http://loinc.org","code":"6690-2","display":"Leukocytes"}]},"subject":{"reference":"urn:uuid:p1"},"effectiveDateTime":"2021-01-01","valueQuantity":{"value":3,"unit":"10*3/uL"},"interpretation":[{"coding":[{"code":"LL"}]}]}}
]}`
	path := filepath.Join(t.TempDir(), "flags.json")
	if err := os.WriteFile(path, []byte(bundle), 0o600); err != nil {
		t.Fatal(err)
	}
	rep, err := s.Import(ctx, []string{path}, records.ImportOptions{AutoCreatePeople: true}, nil)
	if err != nil || len(rep.NewPeople) != 1 {
		t.Fatalf("%v %+v", err, rep)
	}
	d, err := s.Dashboard(ctx, rep.NewPeople[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range d.Flagged {
		got[f.Result.Display] = f.Flag
	}
	want := map[string]string{"Hemoglobin": "L", "Leukocytes": "LL"} // glucose's latest is normal, creatinine says N
	if len(got) != len(want) || got["Hemoglobin"] != "L" || got["Leukocytes"] != "LL" {
		t.Errorf("flagged %v, want %v", got, want)
	}
	if len(d.Allergies) != 1 || d.Allergies[0].Severity != "severe" || d.Allergies[0].Criticality != "high" ||
		strings.Join(d.Allergies[0].Reactions, "|") != "Hives|Anaphylaxis" || d.Allergies[0].Display != "Peanut" {
		t.Errorf("allergies %+v", d.Allergies)
	}
	if len(d.Visits) != 1 || d.Visits[0].Reason != "Fever" || d.Visits[0].Where != "Clinic North" || d.Visits[0].Type != "Check up" || d.Visits[0].Class != "AMB" {
		t.Errorf("visits %+v", d.Visits)
	}
	for _, f := range d.Flagged {
		if f.Result.Display == "Hemoglobin" && (f.Low == nil || *f.Low != 12 || f.High == nil || *f.High != 16) {
			t.Errorf("range not carried: %+v", f)
		}
	}
}

// The latest result per test (dashboard vitals and flags, the overview's
// labs) is grouped from summaries_person_type_code alone (migration 7): no
// visit of each of the person's rows to test its type, no temporary sort.
func TestLatestPerCodeReadsTheIndexAlone(t *testing.T) {
	_, v := openStore(t)
	p := queryPlan(t, v.DB(), "SELECT resource, max(date) FROM summaries WHERE person_id = ? AND resource_type = 'Observation' GROUP BY code", 1)
	if !strings.Contains(p, "COVERING INDEX summaries_person_type_code") || strings.Contains(p, "TEMP B-TREE") {
		t.Fatalf("plan %s", p)
	}
}

// A person's active problems are found through summaries_person_type_status
// (migration 8), the household view's main cost before it; one type's list
// still walks summaries_person_type_date in date order, with no sort.
func TestCurrentRecordsReadTheStatusIndex(t *testing.T) {
	_, v := openStore(t)
	p := queryPlan(t, v.DB(), "SELECT count(*) FROM summaries s WHERE s.person_id = ? AND s.resource_type = 'Condition' AND s.status IN ('active', 'recurrence', 'relapse')", 1)
	if !strings.Contains(p, "COVERING INDEX summaries_person_type_status") {
		t.Fatalf("active problems: plan %s", p)
	}
	p = queryPlan(t, v.DB(), "SELECT resource FROM summaries WHERE person_id = ? AND resource_type = ? ORDER BY date DESC, resource DESC LIMIT 50", 1, "Observation")
	if !strings.Contains(p, "summaries_person_type_date") || strings.Contains(p, "TEMP B-TREE") {
		t.Fatalf("one type's list: plan %s", p)
	}
}

// Summaries carry each resource's FHIR id (migration 9), written by import
// and by reindex alike, so copies are told apart without reading resources.
func TestSummariesCarryTheFHIRID(t *testing.T) {
	ctx := context.Background()
	s, v := openStore(t)
	if _, err := s.Import(ctx, fixtureFiles(t, "family")[:1], records.ImportOptions{AutoCreatePeople: true}, nil); err != nil {
		t.Fatal(err)
	}
	check := func(when string) {
		t.Helper()
		var n, wrong int
		if err := v.DB().QueryRow(`SELECT count(*), count(*) FILTER (WHERE s.fhir_id != r.resource_id OR s.fhir_id = '')
FROM summaries s JOIN resources r ON r.id = s.resource`).Scan(&n, &wrong); err != nil {
			t.Fatal(err)
		}
		if n == 0 || wrong != 0 {
			t.Fatalf("%s: %d of %d summaries without their FHIR id", when, wrong, n)
		}
	}
	check("after import")
	if _, err := v.DB().Exec("UPDATE summaries SET fhir_id = ''"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Reindex(ctx); err != nil {
		t.Fatal(err)
	}
	check("after reindex")
}

// A person's record count reads summaries_person_fact (migration 12), the
// narrowest index there is, in People and Person alike.
func TestPersonCountReadsTheNarrowIndex(t *testing.T) {
	_, v := openStore(t)
	for _, q := range []string{
		"SELECT count(*) FROM summaries WHERE person_id = ?",
		"SELECT p.id, (SELECT count(*) FROM summaries WHERE person_id = p.id) FROM people p WHERE p.id = ?",
	} {
		if p := queryPlan(t, v.DB(), q, 1); !strings.Contains(p, "COVERING INDEX summaries_person_fact ") || strings.Contains(p, "TEMP B-TREE") {
			t.Errorf("%s: plan %s", q, p)
		}
	}
}

// Insurance (N) counts each bill once across sources from the status index
// alone (migrations 11 and 12: by fact, one FHIR id for bills): no claim's
// table row is read.
func TestInsuranceCountReadsTheIndexAlone(t *testing.T) {
	_, v := openStore(t)
	p := queryPlan(t, v.DB(), `SELECT count(DISTINCT CASE WHEN s.resource_type = 'Claim' THEN s.fact END) FROM summaries s
WHERE s.person_id = ? AND s.resource_type IN ('Claim', 'ExplanationOfBenefit', 'Coverage')`, 1)
	if !strings.Contains(p, "COVERING INDEX summaries_person_type_status") {
		t.Fatalf("plan %s", p)
	}
}

// What is current (the dashboard's problems and medications, the household's
// problems) folds facts (copies, and one fact from two sources) in
// summaries_person_type_status (migration 12) before reading a
// table row: only the distinct records are read.
func TestCurrentFoldsCopiesInTheIndex(t *testing.T) {
	_, v := openStore(t)
	p := queryPlan(t, v.DB(), `SELECT s.resource FROM summaries s WHERE s.resource IN (SELECT max(resource) FROM summaries INDEXED BY summaries_person_type_status
WHERE person_id = ? AND resource_type IN ('MedicationRequest', 'MedicationStatement') AND status = 'active'
GROUP BY fact) ORDER BY s.date DESC, s.resource DESC LIMIT 200`, 1)
	if !strings.Contains(p, "COVERING INDEX summaries_person_type_status") || !strings.Contains(p, "INTEGER PRIMARY KEY") {
		t.Fatalf("plan %s", p)
	}
}

// Lists and the timeline show each fact once by probing summaries_person_fact
// for an earlier record of the same fact: one indexed lookup a row, never a
// scan, and one type's list still walks its index in date order.
func TestFirstOfFactProbesTheFactIndex(t *testing.T) {
	_, v := openStore(t)
	p := queryPlan(t, v.DB(), `SELECT s.resource FROM summaries s WHERE s.person_id = ? AND s.resource_type = 'Observation' AND
NOT EXISTS (SELECT 1 FROM summaries f WHERE f.person_id = s.person_id AND f.fact = s.fact AND f.resource < s.resource) ORDER BY s.date DESC, s.resource DESC LIMIT 50`, 1)
	if !strings.Contains(p, "COVERING INDEX summaries_person_fact (person_id=? AND fact=? AND rowid<?)") || !strings.Contains(p, "summaries_person_type_date") || strings.Contains(p, "TEMP B-TREE") {
		t.Fatalf("plan %s", p)
	}
}

// Latest vitals are readings: a vital-signs panel without a value of its
// own (what a converted C-CDA organizer becomes) is not listed.
func TestDashboardVitalsAreReadings(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	vital := func(id, code, display, value string) string {
		return `{"resourceType":"Observation","id":"` + id + `","status":"final","category":[{"coding":[{"code":"vital-signs"}]}],"code":{"coding":[{"system":"http://loinc.org","code":"` + code + `","display":"` + display + `"}]},"subject":{"reference":"urn:uuid:p1"},"effectiveDateTime":"2022-01-01T08:00:00Z"` + value + `}`
	}
	path := writeBundle(t, "vitals.json",
		`{"resourceType":"Patient","id":"p1","name":[{"given":["Vital"],"family":"Signs"}],"birthDate":"1980-01-01"}`,
		vital("panel", "8716-3", "Vital signs, weight, height, head circumference", ""),
		vital("w", "29463-7", "Body weight", `,"valueQuantity":{"value":70,"unit":"kg"}`),
	)
	d, err := s.Dashboard(ctx, importNewPerson(t, s, path).ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Vitals) != 1 || d.Vitals[0].Display != "Body weight" {
		t.Fatalf("vitals: %+v", d.Vitals)
	}
}
