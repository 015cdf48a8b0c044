package cli

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestPeople(t *testing.T) {
	v, _ := familyVault(t)
	r := fasten(t, []string{pass}, "people", "--vault", v)
	if r.code != 0 || strings.Count(r.stdout, "\n") != 5 || !strings.Contains(r.stdout, "Neva") {
		t.Fatalf("people: %+v", r)
	}
	r = fasten(t, []string{pass}, "people", "--vault", v, "--json")
	var people []struct {
		Name    string `json:"name"`
		Records int    `json:"records"`
	}
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &people) != nil || len(people) != 5 || people[0].Records == 0 {
		t.Fatalf("people --json: %+v", r)
	}
}
