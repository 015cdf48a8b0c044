package app

import (
	"path/filepath"
	"testing"

	"github.com/fastenhealth/fasten-desktop/internal/household"
)

// DetailVersion reads a version through the unlocked vault; a version or
// record the vault does not hold is "not found", and a locked vault says so.
func TestDetailVersionBinding(t *testing.T) {
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
	pg, err := a.List(p.ID, "DiagnosticReport", "", 0, 1)
	if err != nil || len(pg.Items) != 1 {
		t.Fatalf("%v %+v", err, pg)
	}
	id := pg.Items[0].ID
	d, err := a.Detail(id)
	if err != nil || len(d.Results) == 0 || len(d.History) != 1 {
		t.Fatalf("detail: %v results %d history %+v", err, len(d.Results), d.History)
	}
	v, err := a.DetailVersion(id, d.History[0].Version)
	if err != nil || v.Raw == "" || !v.Version.Current {
		t.Fatalf("version: %v %+v", err, v.Version)
	}
	if _, err := a.DetailVersion(id, 7); ToUIError(err).Kind != KindNotFound {
		t.Errorf("unknown version: %v", err)
	}
	a.Lock()
	if _, err := a.DetailVersion(id, 1); ToUIError(err).Kind != KindLocked {
		t.Errorf("locked: %v", err)
	}
}
