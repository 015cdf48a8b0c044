package app

import (
	"path/filepath"
	"testing"

	"github.com/fastenhealth/fasten-desktop/internal/household"
	"github.com/fastenhealth/fasten-desktop/internal/records"
)

// Search answers grouped results; an unknown person is "not found" and a
// locked vault says so, as kinds the page acts on.
func TestSearchBinding(t *testing.T) {
	fixtures, _ := filepath.Glob("../../shared/fixtures/synthea/family/Tom_*.json")
	if len(fixtures) != 1 {
		t.Fatal("no fixture")
	}
	a := New(household.New(filepath.Join(t.TempDir(), "household.fasten")), Options{})
	if _, err := a.CreateVault("app test passphrase", "app test passphrase"); err != nil {
		t.Fatal(err)
	}
	rep, err := a.ImportFiles(fixtures, 0)
	if err != nil || len(rep.Unmatched) != 1 {
		t.Fatalf("%v %+v", err, rep)
	}
	p, err := a.AssignPatientToNewPerson(rep.Unmatched[0].Key, "Tom")
	if err != nil {
		t.Fatal(err)
	}
	r, err := a.Search(records.SearchQuery{Text: "cholestrol", PersonID: p.ID})
	if err != nil || len(r.People) != 1 || r.People[0].PersonID != p.ID || r.Total == 0 {
		t.Fatalf("%v %+v", err, r)
	}
	if _, err := a.Search(records.SearchQuery{Text: "x", PersonID: p.ID + 100}); ToUIError(err).Kind != KindNotFound {
		t.Errorf("unknown person: %v", err)
	}
	a.Lock()
	if _, err := a.Search(records.SearchQuery{Text: "x"}); ToUIError(err).Kind != KindLocked {
		t.Errorf("locked: %v", err)
	}
}
