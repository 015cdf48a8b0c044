package records_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/fastenhealth/fasten-desktop/internal/records"
)

// member finds a person's card.
func member(t *testing.T, h records.Household, id int64) records.Member {
	t.Helper()
	for _, m := range h.Members {
		if m.Person.ID == id {
			return m
		}
	}
	t.Fatalf("person %d not in the household view", id)
	return records.Member{}
}

func household(t *testing.T, s *records.Store) records.Household {
	t.Helper()
	h, err := s.Household(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// Every card matches what the fixture holds, counted independently of the
// vault: problems (newest onset first, capped, with the full count),
// allergies, latest visit, age; people in the sidebar's order.
func TestHouseholdMatchesFixtures(t *testing.T) {
	s, byFile, files := familyStore(t)
	h := household(t, s)
	if len(h.Members) != len(files) {
		t.Fatalf("%d members, want %d", len(h.Members), len(files))
	}
	names := make([]string, len(h.Members))
	for i, m := range h.Members {
		names[i] = strings.ToLower(m.Person.Name)
	}
	if !sort.StringsAreSorted(names) {
		t.Errorf("members not by name: %v", names)
	}
	for _, f := range files {
		t.Run(strings.SplitN(filepath.Base(f), "_", 2)[0], func(t *testing.T) {
			want := countFixture(readFixture(t, f))
			m := member(t, h, byFile[f].ID)
			if m.ProblemCount != want.problems {
				t.Errorf("problem count %d, fixture %d", m.ProblemCount, want.problems)
			}
			if len(m.Problems) != min(want.problems, records.HouseholdProblems) {
				t.Errorf("%d problems shown, want %d", len(m.Problems), min(want.problems, records.HouseholdProblems))
			}
			for i := 1; i < len(m.Problems); i++ {
				if m.Problems[i].Date > m.Problems[i-1].Date {
					t.Errorf("problems not newest onset first: %q before %q", m.Problems[i-1].Date, m.Problems[i].Date)
				}
			}
			if len(m.Allergies) != want.allergies {
				t.Errorf("allergies %d, fixture %d", len(m.Allergies), want.allergies)
			}
			if m.LatestVisit != want.latestVisit {
				t.Errorf("latest visit %q, fixture %q", m.LatestVisit, want.latestVisit)
			}
			if m.Age == nil || m.Person.BirthDate == "" || m.PatientRecords != 1 || m.Person.Records == 0 {
				t.Errorf("age %v birth %q patient records %d records %d", m.Age, m.Person.BirthDate, m.PatientRecords, m.Person.Records)
			}
			// Never opened: nothing is called new.
			if m.LastViewed != "" || m.NewCount != 0 || len(m.NewItems) != 0 {
				t.Errorf("new before any view: %+v", m)
			}
		})
	}
	// The household view and the dashboard agree on allergies and their severity.
	for _, f := range files {
		d, err := s.Dashboard(context.Background(), byFile[f].ID)
		if err != nil {
			t.Fatal(err)
		}
		m := member(t, h, byFile[f].ID)
		if fmt.Sprint(d.Allergies) != fmt.Sprint(m.Allergies) {
			t.Errorf("%s: allergies differ from the dashboard's", m.Person.Name)
		}
	}
}

// writeBundle writes a collection Bundle of the given resources.
func writeBundle(t *testing.T, name string, resources ...string) string {
	t.Helper()
	entries := make([]string, len(resources))
	for i, r := range resources {
		entries[i] = `{"resource":` + r + `}`
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(`{"resourceType":"Bundle","type":"collection","entry":[`+strings.Join(entries, ",")+`]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// "New since you last looked": nothing before the person was opened,
// zero right after, the records that arrive afterwards (by kind, newest
// first), not a changed version of a record seen before, not another
// person's; zero again once opened again. Ids freed by removing the person
// whose records were imported last are reused by the new rows, which must
// still count.
func TestHouseholdNewSinceViewed(t *testing.T) {
	ctx := context.Background()
	s, byFile, files := familyStore(t)
	var alexis, last records.Person
	var patientID, conditionID string
	for _, f := range files {
		if strings.HasPrefix(filepath.Base(f), "Alexis") {
			alexis = byFile[f]
			for _, r := range readFixture(t, f) {
				switch {
				case r.ResourceType == "Patient":
					patientID = r.ID
				case r.ResourceType == "Condition" && conditionID == "":
					conditionID = r.ID
				}
			}
		}
	}
	last = byFile[files[len(files)-1]]
	if alexis.ID == 0 || last.ID == alexis.ID || patientID == "" || conditionID == "" {
		t.Fatal("fixture layout changed")
	}
	if err := s.MarkViewed(ctx, alexis.ID); err != nil {
		t.Fatal(err)
	}
	m := member(t, household(t, s), alexis.ID)
	if m.LastViewed == "" || m.NewCount != 0 || len(m.NewKinds) != 0 || len(m.NewItems) != 0 {
		t.Fatalf("right after viewing: %+v", m)
	}
	// The last imported person's records hold the highest ids: removing
	// them lets the next rows take those ids again.
	if err := s.RemovePerson(ctx, last.ID); err != nil {
		t.Fatal(err)
	}

	subject := `"subject":{"reference":"Patient/` + patientID + `"}`
	lab := func(id, day, name string) string {
		return `{"resourceType":"Observation","id":"` + id + `","status":"final","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"laboratory"}]}],"code":{"text":"` + name + `"},` + subject + `,"effectiveDateTime":"` + day + `","valueQuantity":{"value":5,"unit":"mg/dL"}}`
	}
	file := writeBundle(t, "more.json",
		lab("new-lab-1", "2024-05-01", "Glucose"),
		lab("new-lab-2", "2024-05-02", "Sodium"),
		`{"resourceType":"Condition","id":"new-cond","clinicalStatus":{"coding":[{"code":"active"}]},"code":{"text":"Asthma (disorder)"},`+subject+`,"onsetDateTime":"2024-05-03"}`,
		// A new version of a condition imported before the view: changed, not new.
		`{"resourceType":"Condition","id":"`+conditionID+`","clinicalStatus":{"coding":[{"code":"resolved"}]},"code":{"text":"Changed"},`+subject+`}`,
	)
	rep, err := s.Import(ctx, []string{file}, records.ImportOptions{}, nil)
	if err != nil || len(rep.Files) != 1 || rep.Files[0].Added != 3 || rep.Files[0].Updated != 1 {
		t.Fatalf("%v %+v", err, rep)
	}
	h := household(t, s)
	m = member(t, h, alexis.ID)
	if m.NewCount != 3 {
		t.Fatalf("new %d, want 3 (two results and a condition; the changed one is not new): %+v", m.NewCount, m.NewKinds)
	}
	if len(m.NewKinds) != 2 || m.NewKinds[0] != (records.NewKind{ResourceType: "Observation", Category: "laboratory", Count: 2}) ||
		m.NewKinds[1] != (records.NewKind{ResourceType: "Condition", Count: 1}) {
		t.Errorf("new kinds %+v", m.NewKinds)
	}
	if len(m.NewItems) != 3 || m.NewItems[0].Display != "Asthma" || m.NewItems[2].Display != "Glucose" {
		t.Errorf("new items, newest first and cleaned: %+v", m.NewItems)
	}
	for _, o := range h.Members {
		if o.Person.ID != alexis.ID && (o.NewCount != 0 || o.LastViewed != "") {
			t.Errorf("%s: alexis's new records or view show on another card: %+v", o.Person.Name, o)
		}
	}

	if err := s.MarkViewed(ctx, alexis.ID); err != nil {
		t.Fatal(err)
	}
	if m = member(t, household(t, s), alexis.ID); m.NewCount != 0 || len(m.NewItems) != 0 {
		t.Errorf("after viewing again: %d new %+v", m.NewCount, m.NewItems)
	}
	if err := s.MarkViewed(ctx, 1<<40); !errors.Is(err, records.ErrNoPerson) {
		t.Errorf("marking an unknown person: %v", err)
	}
}

// A removed person's "last viewed" goes with them: people ids are reused,
// and a new member must not inherit it.
func TestRemovePersonForgetsViewed(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	p, err := s.AddPerson(ctx, "First", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.MarkViewed(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.RemovePerson(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	q, err := s.AddPerson(ctx, "Second", "")
	if err != nil {
		t.Fatal(err)
	}
	if q.ID != p.ID {
		t.Fatalf("SQLite gives the next person the freed top id; got %d after %d", q.ID, p.ID)
	}
	if m := member(t, household(t, s), q.ID); m.LastViewed != "" {
		t.Errorf("new member inherited last viewed %q", m.LastViewed)
	}
}

// A record changed after the view is not new, wherever the search for the
// first new record lands: in a vault of two records, the changed one is
// the last, whose own received_at is after the view (only its first
// version's is not).
func TestHouseholdChangedIsNotNew(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	patient := `{"resourceType":"Patient","id":"p1","name":[{"family":"Solo"}],"birthDate":"2010-01-01"}`
	cond := func(text string) string {
		return `{"resourceType":"Condition","id":"c1","clinicalStatus":{"coding":[{"code":"active"}]},"code":{"text":"` + text + `"},"subject":{"reference":"Patient/p1"}}`
	}
	rep, err := s.Import(ctx, []string{writeBundle(t, "a.json", patient, cond("Before"))}, records.ImportOptions{AutoCreatePeople: true}, nil)
	if err != nil || len(rep.NewPeople) != 1 {
		t.Fatalf("%v %+v", err, rep)
	}
	p := rep.NewPeople[0]
	if err := s.MarkViewed(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	if rep, err = s.Import(ctx, []string{writeBundle(t, "b.json", cond("After"))}, records.ImportOptions{}, nil); err != nil || rep.Files[0].Updated != 1 {
		t.Fatalf("%v %+v", err, rep)
	}
	if m := member(t, household(t, s), p.ID); m.NewCount != 0 || m.ProblemCount != 1 || m.Problems[0].Display != "After" {
		t.Errorf("a changed record counted new: %+v", m)
	}
	if rep, err = s.Import(ctx, []string{writeBundle(t, "c.json", strings.Replace(cond("New"), `"c1"`, `"c2"`, 1))}, records.ImportOptions{}, nil); err != nil || rep.Files[0].Added != 1 {
		t.Fatalf("%v %+v", err, rep)
	}
	if m := member(t, household(t, s), p.ID); m.NewCount != 1 || m.ProblemCount != 2 {
		t.Errorf("after a new record: %+v", m)
	}
}

// A member with a handful of records, viewed before a big import for the
// others: their new records are found through their own index entries
// (fewer than the rows that arrived since), with the same answer.
func TestHouseholdNewAmongManyOthers(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	patient := `{"resourceType":"Patient","id":"p1","name":[{"family":"Solo"}],"birthDate":"2010-01-01"}`
	cond := func(id, text string) string {
		return `{"resourceType":"Condition","id":"` + id + `","clinicalStatus":{"coding":[{"code":"active"}]},"code":{"text":"` + text + `"},"subject":{"reference":"Patient/p1"}}`
	}
	rep, err := s.Import(ctx, []string{writeBundle(t, "a.json", patient, cond("c1", "Old"))}, records.ImportOptions{AutoCreatePeople: true}, nil)
	if err != nil || len(rep.NewPeople) != 1 {
		t.Fatalf("%v %+v", err, rep)
	}
	solo := rep.NewPeople[0]
	if err := s.MarkViewed(ctx, solo.ID); err != nil {
		t.Fatal(err)
	}
	lab := `{"resourceType":"Observation","id":"o1","status":"final","category":[{"coding":[{"code":"laboratory"}]}],"code":{"text":"Glucose"},"subject":{"reference":"Patient/p1"},"valueQuantity":{"value":5}}`
	files := append(fixtureFiles(t, "family"), writeBundle(t, "b.json", lab, cond("c2", "New one (disorder)")))
	if _, err := s.Import(ctx, files, records.ImportOptions{AutoCreatePeople: true}, nil); err != nil {
		t.Fatal(err)
	}
	h := household(t, s)
	m := member(t, h, solo.ID)
	if m.NewCount != 2 || len(m.NewKinds) != 2 || m.NewKinds[0] != (records.NewKind{ResourceType: "Condition", Count: 1}) ||
		m.NewKinds[1] != (records.NewKind{ResourceType: "Observation", Category: "laboratory", Count: 1}) ||
		len(m.NewItems) != 2 || m.NewItems[0].Display != "New one" {
		t.Errorf("solo: %d new %+v %+v", m.NewCount, m.NewKinds, m.NewItems)
	}
	if m.Person.Records != 4 || len(h.Members) != 6 {
		t.Fatalf("fixture layout: %d records, %d members", m.Person.Records, len(h.Members))
	}

	// More new results than are split by category: counted as results.
	if err := s.MarkViewed(ctx, solo.ID); err != nil {
		t.Fatal(err)
	}
	many := make([]string, records.NewResultsSplit+1)
	for i := range many {
		many[i] = strings.Replace(lab, `"o1"`, fmt.Sprintf(`"m%d"`, i), 1)
	}
	// Someone else's records arrive too, more than Solo has: Solo's are
	// counted from their index.
	other := []string{`{"resourceType":"Patient","id":"p2","name":[{"family":"Other"}]}`}
	for i := 0; i < 2*len(many); i++ {
		other = append(other, strings.NewReplacer(`"o1"`, fmt.Sprintf(`"x%d"`, i), "Patient/p1", "Patient/p2").Replace(lab))
	}
	if _, err := s.Import(ctx, []string{writeBundle(t, "c.json", many...), writeBundle(t, "d.json", other...)}, records.ImportOptions{AutoCreatePeople: true}, nil); err != nil {
		t.Fatal(err)
	}
	m = member(t, household(t, s), solo.ID)
	if m.NewCount != len(many) || len(m.NewKinds) != 1 || m.NewKinds[0] != (records.NewKind{ResourceType: "Observation", Count: len(many)}) {
		t.Errorf("many results: %d new %+v", m.NewCount, m.NewKinds)
	}
}

// The same Patient from a file and from a portal: the card counts each
// problem once, like the dashboard.
func TestHouseholdCountsCopiesOnce(t *testing.T) {
	s, v := openStore(t)
	file := fixtureFiles(t, "family")[0]
	person := importNewPerson(t, s, file)
	before := member(t, household(t, s), person.ID)
	importAsPortalCopy(t, s, v, file, person.ID)
	after := member(t, household(t, s), person.ID)
	if after.PatientRecords != 2 || after.ProblemCount != before.ProblemCount || len(after.Problems) != len(before.Problems) ||
		len(after.Allergies) != len(before.Allergies) || before.ProblemCount == 0 {
		t.Errorf("copies counted twice: before %d problems %d allergies, after %d/%d (patient records %d)",
			before.ProblemCount, len(before.Allergies), after.ProblemCount, len(after.Allergies), after.PatientRecords)
	}
}
