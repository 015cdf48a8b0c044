package records_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/fastenhealth/fasten-desktop/internal/records"
)

func f(v float64) *float64 { return &v }

// Records typed in by the family are stored as valid FHIR under "Entered by
// you" and shown where imported ones are: dashboard, timeline, search and
// export.
func TestEnteredRecordsShowEverywhere(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	p, err := s.AddPerson(ctx, "Mere Ngata", "1980-01-01")
	if err != nil {
		t.Fatal(err)
	}
	entries := []records.Entry{
		{Kind: records.EntryCondition, Display: "Asthma", Date: "1995", CodeSystem: "snomed", Code: "195967001"},
		{Kind: records.EntryAllergy, Display: "Peanut allergy", Date: "2001-06", Reaction: "Hives", Severity: "severe"},
		{Kind: records.EntryVital, Vital: "blood-pressure", Date: "2024-03-09", Value: f(128), Value2: f(82), Unit: "mmHg"},
		{Kind: records.EntryVital, Vital: "weight", Date: "2024-03-09", Value: f(150), Unit: "lbs"},
		{Kind: records.EntryLab, Display: "Hemoglobin A1c", Date: "2024-02-01", Value: f(6.1), Unit: "%", RefLow: f(4), RefHigh: f(5.6), CodeSystem: "loinc", Code: "4548-4"},
		{Kind: records.EntryImmunization, Display: "Yellow fever", Date: "2019-11-02", Lot: "AB123", Performer: "Clinique du Voyageur"},
		{Kind: records.EntryMedication, Display: "Salbutamol inhaler", Date: "2020", Dose: "2 puffs when needed"},
		{Kind: records.EntryProcedure, Display: "Wisdom teeth removed", Date: "2003-07-15"},
		{Kind: records.EntryNote, Display: "Asthma review", Date: "2024-03-09", Text: "Spacer technique checked; wheeze only with colds."},
		{Kind: records.EntryFamilyHistory, Display: "Type 2 diabetes", Date: "2024", Relationship: "mother"},
	}
	for _, e := range entries {
		r, err := s.AddEntered(ctx, p.ID, e)
		if err != nil {
			t.Fatalf("%s: %v", e.Kind, err)
		}
		if r.ID == 0 || r.Version != 1 {
			t.Fatalf("%s: %+v", e.Kind, r)
		}
	}
	d, err := s.Dashboard(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Problems) != 1 || d.Problems[0].Display != "Asthma" || d.Problems[0].Source != records.EnteredSourceLabel {
		t.Errorf("problems: %+v", d.Problems)
	}
	if len(d.Allergies) != 1 || d.Allergies[0].Display != "Peanut allergy" {
		t.Errorf("allergies: %+v", d.Allergies)
	}
	if len(d.Medications) != 1 || len(d.Immunizations) != 1 {
		t.Errorf("medications %d, immunizations %d", len(d.Medications), len(d.Immunizations))
	}
	vitals := map[string]bool{}
	for _, v := range d.Vitals {
		vitals[v.Code] = true
	}
	if !vitals["85354-9"] || !vitals["29463-7"] {
		t.Errorf("vitals: %+v", d.Vitals)
	}
	if len(d.Flagged) != 1 || !strings.Contains(d.Flagged[0].Result.Display, "A1c") {
		t.Errorf("flagged: %+v", d.Flagged)
	}
	tl, err := s.Timeline(ctx, p.ID, records.TimelineQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(tl.Items); n < 9 {
		t.Errorf("timeline has %d items", n)
	}
	for _, word := range []string{"peanut", "spacer", "fever"} {
		res, err := s.SearchRecords(ctx, records.SearchQuery{Text: word, PersonID: p.ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.People) != 1 || res.People[0].Total == 0 {
			t.Errorf("search %q found nothing", word)
		}
	}
	var buf bytes.Buffer
	n, err := s.Export(ctx, &buf)
	if err != nil {
		t.Fatal(err)
	}
	// Every entry and the person's Patient in the entered source.
	if n != len(entries)+1 || !bytes.Contains(buf.Bytes(), []byte(`"lotNumber":"AB123"`)) {
		t.Fatalf("exported %d resources", n)
	}
	rep, err := s.Verify(ctx)
	if err != nil || !rep.OK {
		t.Fatalf("verify: %+v %v", rep, err)
	}
}

// What cannot be kept is named at its field, and nothing is stored.
func TestEntryProblemsAreNamedAtTheirFields(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	p, _ := s.AddPerson(ctx, "Ana Lima", "2010-05-05")
	cases := []struct {
		e     records.Entry
		field string
	}{
		{records.Entry{Kind: records.EntryCondition, Display: "Flu", Date: "2024-02-30"}, "date"},
		{records.Entry{Kind: records.EntryCondition, Display: "Flu", Date: "2999-01-01"}, "date"},
		{records.Entry{Kind: records.EntryCondition, Display: "Flu", Date: "2001"}, "date"}, // before she was born
		{records.Entry{Kind: records.EntryCondition, Display: "", Date: "2024"}, "display"},
		{records.Entry{Kind: records.EntryLab, Display: "Ferritin", Date: "2024", Value: f(30), Unit: "furlongs"}, "unit"},
		{records.Entry{Kind: records.EntryVital, Vital: "weight", Date: "2024", Value: f(30), Unit: "mmHg"}, "unit"},
		{records.Entry{Kind: records.EntryVital, Vital: "blood-pressure", Date: "2024", Value: f(80), Value2: f(120), Unit: "mmHg"}, "value2"},
		{records.Entry{Kind: records.EntryVital, Vital: "weight", Date: "2024", Unit: "kg"}, "value"},
		{records.Entry{Kind: records.EntryFamilyHistory, Display: "Gout", Date: "2024", Relationship: "neighbour"}, "relationship"},
		{records.Entry{Kind: records.EntryCondition, Display: "Flu", Date: "2024", CodeSystem: "made-up"}, "code"},
		{records.Entry{Kind: "spell", Display: "x", Date: "2024"}, "kind"},
	}
	for _, c := range cases {
		_, err := s.AddEntered(ctx, p.ID, c.e)
		var ee *records.EntryError
		if !errors.As(err, &ee) {
			t.Errorf("%+v: err %v, want an EntryError", c.e, err)
			continue
		}
		found := false
		for _, pr := range ee.Problems {
			found = found || pr.Field == c.field
		}
		if !found {
			t.Errorf("%+v: problems %+v, want one at %q", c.e, ee.Problems, c.field)
		}
	}
	if _, err := s.AddEntered(ctx, 999, records.Entry{Kind: records.EntryCondition, Display: "Flu", Date: "2024"}); !errors.Is(err, records.ErrNoPerson) {
		t.Errorf("unknown person: %v", err)
	}
	st, _ := s.Stats(ctx)
	if st.Total != 0 {
		t.Fatalf("%d resources stored by refused entries", st.Total)
	}
}

// An edit is a new version with the earlier kept; a deletion takes the
// record out of views and export and can be undone; records from files
// cannot be edited or deleted.
func TestEditKeepsEarlierVersionAndDeleteCanBeUndone(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	p, _ := s.AddPerson(ctx, "Tui Ngata", "1990-01-01")
	r, err := s.AddEntered(ctx, p.ID, records.Entry{Kind: records.EntryAllergy, Display: "Penicilin allergy", Date: "2010"})
	if err != nil {
		t.Fatal(err)
	}
	r2, err := s.AddEntered(ctx, p.ID, records.Entry{}) // refused: nothing typed
	if err == nil {
		t.Fatalf("empty entry kept: %+v", r2)
	}
	e, err := s.EditEntered(ctx, r.ID, records.Entry{Kind: records.EntryAllergy, Display: "Penicillin allergy", Date: "2010", Reaction: "Rash"})
	if err != nil {
		t.Fatal(err)
	}
	if e.ID != r.ID || e.Version != 2 {
		t.Fatalf("edit: %+v", e)
	}
	if _, err := s.EditEntered(ctx, r.ID, records.Entry{Kind: records.EntryCondition, Display: "x", Date: "2010"}); err == nil {
		t.Fatal("an edit changed what the record is")
	}
	d, err := s.Detail(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d.Versions != 2 || !strings.Contains(d.Raw, "Penicillin") || d.SourceKind != "entered" {
		t.Fatalf("detail: versions %d kind %q", d.Versions, d.SourceKind)
	}
	if err := s.DeleteEntered(ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	if dash, _ := s.Dashboard(ctx, p.ID); len(dash.Allergies) != 0 {
		t.Fatalf("deleted allergy still on the dashboard: %+v", dash.Allergies)
	}
	if res, _ := s.SearchRecords(ctx, records.SearchQuery{Text: "penicillin", PersonID: p.ID}); len(res.People) != 0 {
		t.Fatal("deleted allergy still found")
	}
	var buf bytes.Buffer
	s.Export(ctx, &buf)
	if bytes.Contains(buf.Bytes(), []byte("Penicillin")) {
		t.Fatal("deleted allergy exported")
	}
	if _, err := s.EditEntered(ctx, r.ID, records.Entry{Kind: records.EntryAllergy, Display: "x", Date: "2010"}); !errors.Is(err, records.ErrNoResource) {
		t.Fatalf("edit of a deleted record: %v", err)
	}
	if aside, _ := s.SetAsideRecords(ctx, p.ID); len(aside) != 1 || !aside[0].Deleted || aside[0].Display != "Penicillin allergy" {
		t.Fatalf("deleted entry not listed to bring back: %+v", aside)
	}
	if err := s.RestoreEntered(ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	if dash, _ := s.Dashboard(ctx, p.ID); len(dash.Allergies) != 1 || dash.Allergies[0].Display != "Penicillin allergy" {
		t.Fatalf("restored allergy: %+v", dash.Allergies)
	}

	// A record from a file.
	family := fixtureFiles(t, "family")
	if _, err := s.Import(ctx, family[:1], records.ImportOptions{AutoCreatePeople: true}, nil); err != nil {
		t.Fatal(err)
	}
	var fileRecord int64
	people, _ := s.People(ctx)
	for _, pp := range people {
		if pp.ID != p.ID {
			dash, _ := s.Dashboard(ctx, pp.ID)
			if len(dash.Visits) > 0 {
				fileRecord = dash.Visits[0].ID
			}
		}
	}
	if fileRecord == 0 {
		t.Fatal("no record from the file")
	}
	if _, err := s.EditEntered(ctx, fileRecord, records.Entry{Kind: records.EntryProcedure, Display: "x", Date: "2010"}); !errors.Is(err, records.ErrNotEntered) {
		t.Fatalf("edit of a file's record: %v", err)
	}
	if err := s.DeleteEntered(ctx, fileRecord); !errors.Is(err, records.ErrNotEntered) {
		t.Fatalf("delete of a file's record: %v", err)
	}
}

// A hidden record leaves every view, stays hidden when its provider sends a
// new version and through reindex, keeps its note, and comes back when
// shown again.
func TestHiddenRecordStaysHiddenThroughReimportAndReindex(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	dir := t.TempDir()
	bundle := `{"resourceType":"Bundle","type":"collection","entry":[
{"resource":{"resourceType":"Patient","id":"p1","name":[{"family":"Ngata","given":["Mere"]}],"birthDate":"1980-01-01"}},
{"resource":{"resourceType":"Condition","id":"c1","clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-clinical","code":"active"}]},"code":{"text":"Sprained ankle"},"subject":{"reference":"Patient/p1"},"onsetDateTime":"2020-01-01"}}]}`
	path := filepath.Join(dir, "clinic.json")
	os.WriteFile(path, []byte(bundle), 0o600)
	if _, err := s.Import(ctx, []string{path}, records.ImportOptions{AutoCreatePeople: true}, nil); err != nil {
		t.Fatal(err)
	}
	people, _ := s.People(ctx)
	pid := people[0].ID
	dash, _ := s.Dashboard(ctx, pid)
	if len(dash.Problems) != 1 {
		t.Fatalf("problems: %+v", dash.Problems)
	}
	id := dash.Problems[0].ID
	if err := s.SetNote(ctx, id, "Healed years ago; the clinic never closed it."); err != nil {
		t.Fatal(err)
	}
	if err := s.SetHidden(ctx, id, true); err != nil {
		t.Fatal(err)
	}
	gone := func(when string) {
		t.Helper()
		if d, _ := s.Dashboard(ctx, pid); len(d.Problems) != 0 {
			t.Fatalf("%s: hidden condition on the dashboard", when)
		}
		if res, _ := s.SearchRecords(ctx, records.SearchQuery{Text: "sprained", PersonID: pid}); len(res.People) != 0 {
			t.Fatalf("%s: hidden condition found by search", when)
		}
	}
	gone("hidden")
	// The clinic sends it again, changed.
	os.WriteFile(path, []byte(strings.Replace(bundle, "Sprained ankle", "Sprained left ankle", 1)), 0o600)
	rep, err := s.Import(ctx, []string{path}, records.ImportOptions{AutoCreatePeople: true}, nil)
	if err != nil || rep.Files[0].Updated != 1 {
		t.Fatalf("re-import: %+v %v", rep.Files, err)
	}
	gone("re-imported")
	if _, err := s.Reindex(ctx); err != nil {
		t.Fatal(err)
	}
	gone("reindexed")
	if v, err := s.Verify(ctx); err != nil || !v.OK || v.MissingSummaries != 0 {
		t.Fatalf("verify: %+v %v", v, err)
	}
	m, err := s.RecordMark(ctx, id)
	if err != nil || !m.Hidden || !strings.Contains(m.Note, "Healed") {
		t.Fatalf("mark: %+v %v", m, err)
	}
	aside, err := s.SetAsideRecords(ctx, pid)
	if err != nil || len(aside) != 1 || aside[0].ID != id || aside[0].Display != "Sprained left ankle" || !aside[0].Hidden {
		t.Fatalf("set aside: %+v %v", aside, err)
	}
	if other, _ := s.SetAsideRecords(ctx, pid+1000); len(other) != 0 {
		t.Fatalf("another member's list holds %+v", other)
	}
	if err := s.SetHidden(ctx, id, false); err != nil {
		t.Fatal(err)
	}
	d, _ := s.Dashboard(ctx, pid)
	if len(d.Problems) != 1 || d.Problems[0].Display != "Sprained left ankle" {
		t.Fatalf("shown again: %+v", d.Problems)
	}
	if res, _ := s.SearchRecords(ctx, records.SearchQuery{Text: "sprained", PersonID: pid}); len(res.People) != 1 {
		t.Fatal("shown again, but not found by search")
	}
}

// What the form made, the form can read back to edit: every kind round-trips.
func TestEnteredEntryReadsBackWhatTheFormMade(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	p, _ := s.AddPerson(ctx, "Mere Ngata", "1980-01-01")
	for _, e := range []records.Entry{
		{Kind: records.EntryCondition, Display: "Asthma", Date: "1995", EndDate: "2001", Status: "resolved", CodeSystem: "snomed", Code: "195967001", Text: "Outgrew it"},
		{Kind: records.EntryMedication, Display: "Salbutamol", Date: "2020-01", Status: "active", Dose: "2 puffs"},
		{Kind: records.EntryAllergy, Display: "Peanuts", Date: "2001", Status: "active", Reaction: "Hives", Severity: "severe"},
		{Kind: records.EntryImmunization, Display: "Yellow fever", Date: "2019-11-02", Lot: "AB1", Performer: "Clinic", CodeSystem: "cvx", Code: "37"},
		{Kind: records.EntryVital, Vital: "blood-pressure", Date: "2024-03-09", Value: f(120), Value2: f(80), Unit: "mm[Hg]"},
		{Kind: records.EntryLab, Display: "A1c", Date: "2024", Value: f(6.1), Unit: "%", RefLow: f(4), RefHigh: f(5.6), CodeSystem: "loinc", Code: "4548-4"},
		{Kind: records.EntryProcedure, Display: "Teeth out", Date: "2003", Performer: "Dr Lee"},
		{Kind: records.EntryNote, Display: "Review", Date: "2024-03-09", Text: "All well.\nNext in a year."},
		{Kind: records.EntryFamilyHistory, Display: "Diabetes", Date: "2024", Relationship: "mother"},
	} {
		r, err := s.AddEntered(ctx, p.ID, e)
		if err != nil {
			t.Fatalf("%s: %v", e.Kind, err)
		}
		got, err := s.EnteredEntry(ctx, r.ID)
		if err != nil {
			t.Fatalf("%s: %v", e.Kind, err)
		}
		if !reflect.DeepEqual(got, e) {
			t.Errorf("%s read back as\n %+v\nwant\n %+v", e.Kind, got, e)
		}
	}
}
