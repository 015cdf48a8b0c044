package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/fastenhealth/fasten-desktop/internal/records"
)

func TestSearchCommand(t *testing.T) {
	v, _ := familyVault(t)
	run := func(args ...string) records.SearchResults {
		t.Helper()
		r := fasten(t, []string{pass}, append([]string{"search", "--vault", v}, args...)...)
		var out records.SearchResults
		if r.code != 0 || json.Unmarshal([]byte(r.stdout), &out) != nil {
			t.Fatalf("search %v: %+v", args, r)
		}
		return out
	}
	// The household, a synonym, flags after the words as in the issue.
	all := run("flu", "shot", "--json")
	if len(all.People) < 2 || all.Total == 0 {
		t.Fatalf("flu shot: %+v", all)
	}
	for _, p := range all.People {
		for _, g := range p.Groups {
			if g.ResourceType != "Immunization" || len(g.Hits) == 0 {
				t.Errorf("flu shot: %s group for %s", g.ResourceType, p.Name)
			}
			for _, h := range g.Hits {
				if len(h.Segments) == 0 || !h.Segments[0].Match || !strings.EqualFold(h.Segments[0].Text, "influenza") {
					t.Errorf("flu shot hit %q segments %+v", h.Item.Display, h.Segments)
				}
			}
		}
	}
	// One person, a misspelling.
	tom := run("--person", "Tom", "--json", "cholestrol")
	if len(tom.People) != 1 || !strings.HasPrefix(tom.People[0].Name, "Tom") || tom.Total == 0 {
		t.Fatalf("Tom cholestrol: %+v", tom)
	}
	if len(tom.Understood) != 1 || tom.Understood[0].Means[0] != "cholesterol" {
		t.Errorf("understood %+v", tom.Understood)
	}
	// Insurance only when asked; counted otherwise.
	if r := run("--json", "medicare"); r.Total != 0 || r.InsuranceHidden == 0 {
		t.Errorf("medicare without --insurance: %d shown, %d hidden", r.Total, r.InsuranceHidden)
	}
	if r := run("--json", "--insurance", "medicare"); r.Total == 0 {
		t.Error("medicare with --insurance found nothing")
	}
	// Text: matches bracketed, groups in plain words.
	r := fasten(t, []string{pass}, "search", "--vault", v, "--person", "Tom", "2093-3")
	if r.code != 0 || !strings.Contains(r.stdout, "Lab results") || !strings.Contains(r.stdout, "(code 2093-3)") {
		t.Fatalf("text: %+v", r)
	}
	r = fasten(t, []string{pass}, "search", "--vault", v, "bp")
	if r.code != 0 || !strings.Contains(r.stdout, "[Blood] [Pressure]") || !strings.Contains(r.stdout, `"bp" also searched as: blood pressure`) {
		t.Fatalf("bp text: %+v", r)
	}
	// Nothing to search for is a usage error.
	if r := fasten(t, []string{pass}, "search", "--vault", v); r.code != 2 {
		t.Errorf("no query: %+v", r)
	}
}
