package cli

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/fastenhealth/fasten-desktop/internal/records"
	"github.com/fastenhealth/fasten-desktop/internal/vault"
)

func TestHouseholdCommand(t *testing.T) {
	v, _ := familyVault(t)
	r := fasten(t, []string{pass}, "household", "--vault", v, "--json")
	var h records.Household
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &h) != nil {
		t.Fatalf("household --json: %+v", r)
	}
	if len(h.Members) != 5 || h.Attention == nil {
		t.Fatalf("household: %+v", h)
	}
	var alexis records.Member
	for _, m := range h.Members {
		if strings.HasPrefix(m.Person.Name, "Alexis") {
			alexis = m
		}
		if m.LastViewed != "" || m.Age == nil {
			t.Errorf("%s: %+v", m.Person.Name, m)
		}
	}
	// Alexis Toy's fixture: 1 active condition, 8 allergies.
	if alexis.ProblemCount != 1 || len(alexis.Allergies) != 8 || alexis.Allergies[0].Criticality != "low" {
		t.Fatalf("alexis: %+v", alexis)
	}

	r = fasten(t, []string{pass}, "household", "--vault", v)
	if r.code != 0 || strings.Count(r.stdout, "Not opened in Fasten yet") != 5 || !strings.Contains(r.stdout, "Allergies (8): ") ||
		!strings.Contains(r.stdout, "low risk") || strings.Contains(r.stdout, "(disorder)") || strings.Contains(r.stdout, "(finding)") {
		t.Fatalf("household text: %+v", r)
	}

	// The window opened Alexis's record: the command reads that mark.
	vv, err := vault.Open(v, strings.TrimPrefix(pass, "FASTEN_PASSPHRASE="))
	if err != nil {
		t.Fatal(err)
	}
	err = records.New(vv.DB()).MarkViewed(context.Background(), alexis.Person.ID)
	vv.Close()
	if err != nil {
		t.Fatal(err)
	}
	r = fasten(t, []string{pass}, "household", "--vault", v)
	if r.code != 0 || strings.Count(r.stdout, "Not opened in Fasten yet") != 4 || strings.Count(r.stdout, "Nothing new since last opened") != 1 {
		t.Fatalf("household text after a view: %+v", r)
	}

	if r = fasten(t, []string{pass}, "household", "--vault", v, "extra"); r.code != 2 || r.stdout != "" {
		t.Errorf("household with an argument: %+v", r)
	}
}

// kindLabel says what arrived in words, never a resource type's name.
func TestKindLabel(t *testing.T) {
	for k, want := range map[records.NewKind]string{
		{ResourceType: "Observation", Category: "laboratory"}:  "lab results",
		{ResourceType: "Observation", Category: "vital-signs"}: "vital signs",
		{ResourceType: "Observation", Category: "survey"}:      "results",
		{ResourceType: "Condition"}:                            "problems",
		{ResourceType: "SomethingNew"}:                         "other records",
	} {
		if got := kindLabel(k); got != want {
			t.Errorf("%+v: %q, want %q", k, got, want)
		}
	}
}
