package session

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/fastenhealth/fasten-desktop/internal/connect"
	"github.com/fastenhealth/fasten-desktop/internal/devtools/sandbox"
	"github.com/fastenhealth/fasten-desktop/internal/devtools/sandboxlink"
	"github.com/fastenhealth/fasten-desktop/internal/records"
	"github.com/fastenhealth/fasten-desktop/internal/smart"
)

// The household view through a real portal: a member's card carries their
// connection, and once the portal stops accepting the sign-in the
// connection is listed among those needing attention, with whose it is;
// another member's card shows none of it.
func TestHouseholdConnectionsNeedingAttention(t *testing.T) {
	ctx := context.Background()
	file := filepath.Join(fixtureRoot, "Tom_Goodwin_e20de9eb-6f2d-4871-a43f-bbede53293ed.json")
	srv, err := sandbox.Start(sandbox.Options{FixtureFiles: []string{file}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	s := Open(openVault(t, newVault(t)), Options{Flows: connect.NewFlows(smart.Options{AllowInsecure: true})})
	defer s.Close()

	tom, err := s.Records().AddPerson(ctx, "Tom", "")
	if err != nil {
		t.Fatal(err)
	}
	other, err := s.Records().AddPerson(ctx, "Ann", "")
	if err != nil {
		t.Fatal(err)
	}
	id, err := sandboxlink.Connect(ctx, s.Connect(), srv, tom.ID, srv.Patients()[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if p := s.SyncNow(ctx, id, nil); p.Err != nil || len(p.Outcomes) != 1 || !p.Outcomes[0].Result.Complete {
		t.Fatalf("sync %+v", p)
	}
	card := func(h records.Household, pid int64) records.Member {
		for _, m := range h.Members {
			if m.Person.ID == pid {
				return m
			}
		}
		t.Fatalf("no card for %d", pid)
		return records.Member{}
	}
	h, err := s.Household(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c := card(h, tom.ID); len(c.Connections) != 1 || c.Connections[0].ID != id || c.Connections[0].LastSynced == "" ||
		c.Connections[0].NeedsAttention || c.Person.Records == 0 {
		t.Fatalf("after a sync: %+v", c)
	}
	if len(h.Attention) != 0 || len(card(h, other.ID).Connections) != 0 {
		t.Fatalf("attention %+v, other's connections %+v", h.Attention, card(h, other.ID).Connections)
	}

	srv.RevokeRefreshTokens()
	srv.ExpireAccessTokens()
	s.SyncNow(ctx, id, nil) // fails: the portal wants a new sign-in
	if h, err = s.Household(ctx); err != nil {
		t.Fatal(err)
	}
	if len(h.Attention) != 1 || h.Attention[0].PersonID != tom.ID || h.Attention[0].PersonName != "Tom" ||
		h.Attention[0].Connection.ID != id || h.Attention[0].Connection.Status != string(connect.StatusNeedsReconnect) {
		t.Fatalf("attention %+v", h.Attention)
	}
	if c := card(h, tom.ID); len(c.Connections) != 1 || !c.Connections[0].NeedsAttention || c.Connections[0].LastSynced == "" {
		t.Errorf("tom's card %+v", c.Connections)
	}
	if len(card(h, other.ID).Connections) != 0 {
		t.Errorf("another member shows tom's connection")
	}

	// Tom removed: his connection stays (its person cleared) and still
	// needs attention from someone in the household.
	if err := s.Records().RemovePerson(ctx, tom.ID); err != nil {
		t.Fatal(err)
	}
	if h, err = s.Household(ctx); err != nil {
		t.Fatal(err)
	}
	if len(h.Members) != 1 || len(h.Attention) != 1 || h.Attention[0].PersonID != 0 || h.Attention[0].Connection.ID != id {
		t.Errorf("after removing tom: members %d attention %+v", len(h.Members), h.Attention)
	}
}
