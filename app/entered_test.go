package app

import (
	"path/filepath"
	"testing"

	"github.com/fastenhealth/fasten-desktop/internal/household"
	"github.com/fastenhealth/fasten-desktop/internal/records"
)

// Adding, editing, hiding and noting through the bindings: problems come
// back per field (not as an error), and refusals are typed kinds.
func TestRecordBindings(t *testing.T) {
	a := New(household.New(filepath.Join(t.TempDir(), "household.fasten")), Options{})
	if _, err := a.CreateVault("app test passphrase", "app test passphrase"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Lock)
	p, err := a.AddPerson("Mere Ngata")
	if err != nil {
		t.Fatal(err)
	}
	forms := a.RecordForms()
	if len(forms.Kinds) != 9 || len(forms.Vitals) == 0 || len(forms.Relationships) == 0 {
		t.Fatalf("forms: %+v", forms)
	}
	bad, err := a.AddRecord(p.ID, records.Entry{Kind: records.EntryCondition, Date: "2024-02-30"})
	if err != nil || len(bad.Problems) != 2 || bad.ID != 0 {
		t.Fatalf("problems: %+v %v", bad, err)
	}
	v := 120.0
	v2 := 80.0
	ok, err := a.AddRecord(p.ID, records.Entry{Kind: records.EntryVital, Vital: "blood-pressure", Date: "2024-03-09", Value: &v, Value2: &v2, Unit: "mmHg"})
	if err != nil || ok.ID == 0 || len(ok.Problems) != 0 {
		t.Fatalf("add: %+v %v", ok, err)
	}
	v = 118
	ed, err := a.EditRecord(ok.ID, records.Entry{Kind: records.EntryVital, Vital: "blood-pressure", Date: "2024-03-09", Value: &v, Value2: &v2, Unit: "mmHg"})
	if err != nil || ed.Version != 2 {
		t.Fatalf("edit: %+v %v", ed, err)
	}
	if err := a.SetRecordNote(ok.ID, "Taken after a run"); err != nil {
		t.Fatal(err)
	}
	if err := a.SetRecordHidden(ok.ID, true); err != nil {
		t.Fatal(err)
	}
	m, err := a.RecordMark(ok.ID)
	if err != nil || !m.Hidden || m.Note != "Taken after a run" {
		t.Fatalf("mark: %+v %v", m, err)
	}
	if err := a.DeleteRecord(ok.ID); err != nil {
		t.Fatal(err)
	}
	if err := a.RestoreRecord(ok.ID); err != nil {
		t.Fatal(err)
	}
	if err := a.DeleteRecord(999999); ToUIError(err).Kind != KindNotFound {
		t.Fatalf("unknown record: %v", err)
	}
	if _, err := a.AddRecord(999999, records.Entry{Kind: records.EntryCondition, Display: "x", Date: "2024"}); ToUIError(err).Kind != KindNotFound {
		t.Fatalf("unknown person: %v", err)
	}
}
