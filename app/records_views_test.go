package app

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/fastenhealth/fasten-desktop/internal/household"
	"github.com/fastenhealth/fasten-desktop/internal/records"
)

// The bindings go through the unlocked session: locked, they say so; open,
// they return the person's dashboard and timeline pages; a bad filter is
// the person's input, not an internal failure.
func TestDashboardAndTimelineBindings(t *testing.T) {
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
	tom := p.ID
	d, err := a.Dashboard(tom)
	if err != nil || d.Person.ID != tom || len(d.Immunizations) == 0 || d.Connections == nil {
		t.Fatalf("dashboard: %v %+v", err, d)
	}
	pg, err := a.Timeline(tom, records.TimelineQuery{Limit: 10})
	if err != nil || len(pg.Items) != 10 || pg.Next == nil {
		t.Fatalf("timeline: %v %+v", err, pg)
	}
	next, err := a.Timeline(tom, records.TimelineQuery{Limit: 10, After: *pg.Next})
	if err != nil || len(next.Items) == 0 || next.Items[0].ID == pg.Items[9].ID {
		t.Fatalf("second page: %v %+v", err, next)
	}
	ins, err := a.Insurance(tom, nil, 3)
	if err != nil || len(ins.Claims) != 3 || ins.Next == nil || len(ins.Years) == 0 {
		t.Fatalf("insurance: %v %+v", err, ins)
	}
	more, err := a.Insurance(tom, ins.Next, 3)
	if err != nil || len(more.Claims) == 0 || more.Claims[0].ID == ins.Claims[2].ID {
		t.Fatalf("insurance page 2: %v %+v", err, more)
	}
	_, err = a.Timeline(tom, records.TimelineQuery{Since: "March"})
	if ui := ToUIError(err); ui.Kind != KindInvalidInput {
		t.Errorf("bad filter: %+v", ui)
	}
	if _, err := a.Insurance(tom+99, nil, 0); ToUIError(err).Kind != KindNotFound {
		t.Errorf("unknown person's insurance: %v", err)
	}
	if _, err := a.Dashboard(tom + 99); ToUIError(err).Kind != KindNotFound {
		t.Errorf("unknown person: %v", err)
	}
	a.Lock()
	if _, err := a.Dashboard(tom); !errors.Is(err, household.ErrLocked) && ToUIError(err).Kind != KindLocked {
		t.Errorf("locked dashboard: %v", err)
	}
	if _, err := a.Timeline(tom, records.TimelineQuery{}); ToUIError(err).Kind != KindLocked {
		t.Errorf("locked timeline: %v", err)
	}
	if _, err := a.Insurance(tom, nil, 0); ToUIError(err).Kind != KindLocked {
		t.Errorf("locked insurance: %v", err)
	}
}

// What the page says of the network reaches each unlock's session, even when
// it was said while locked.
func TestOfflineReachesEverySession(t *testing.T) {
	a := New(household.New(filepath.Join(t.TempDir(), "household.fasten")), Options{})
	t.Cleanup(a.Lock)  // back online, the scheduler's sync writes to the vault: stop it before the temp dir goes
	a.SetOffline(true) // locked: remembered
	if _, err := a.CreateVault("app test passphrase", "app test passphrase"); err != nil {
		t.Fatal(err)
	}
	sess, err := a.hh().Session()
	if err != nil || !sess.Offline() {
		t.Fatalf("session after unlock: offline=%v %v", err == nil && sess.Offline(), err)
	}
	a.SetOffline(false)
	if sess.Offline() {
		t.Fatal("back online, the session still thinks it is offline")
	}
}

// The household bindings: every member's card, "new since" only after
// MarkViewed, an unknown person is not found, locked says locked.
func TestHouseholdBindings(t *testing.T) {
	fixtures, _ := filepath.Glob("../../shared/fixtures/synthea/family/*.json")
	if len(fixtures) < 2 {
		t.Fatal("no fixtures")
	}
	a := New(household.New(filepath.Join(t.TempDir(), "household.fasten")), Options{})
	if _, err := a.CreateVault("app test passphrase", "app test passphrase"); err != nil {
		t.Fatal(err)
	}
	rep, err := a.ImportFiles(fixtures[:2], 0)
	if err != nil || len(rep.Unmatched) != 2 {
		t.Fatalf("%v %+v", err, rep)
	}
	var ids []int64
	for i, u := range rep.Unmatched {
		p, err := a.AssignPatientToNewPerson(u.Key, []string{"Ann", "Bob"}[i])
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, p.ID)
	}
	h, err := a.Household()
	if err != nil || len(h.Members) != 2 || h.Attention == nil || h.Members[0].Person.Name != "Ann" || h.Members[0].LastViewed != "" {
		t.Fatalf("household: %v %+v", err, h)
	}
	if err := a.MarkViewed(ids[1]); err != nil {
		t.Fatal(err)
	}
	if h, err = a.Household(); err != nil || h.Members[1].LastViewed == "" || h.Members[0].LastViewed != "" {
		t.Fatalf("after viewing Bob: %v %+v", err, h.Members)
	}
	if err := a.MarkViewed(ids[1] + 99); ToUIError(err).Kind != KindNotFound {
		t.Errorf("unknown person: %v", err)
	}
	a.Lock()
	if _, err := a.Household(); ToUIError(err).Kind != KindLocked {
		t.Errorf("locked household: %v", err)
	}
	if err := a.MarkViewed(ids[0]); ToUIError(err).Kind != KindLocked {
		t.Errorf("locked mark viewed: %v", err)
	}
}
