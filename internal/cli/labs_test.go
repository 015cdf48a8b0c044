package cli

import (
	"encoding/json"
	"strings"
	"testing"
)

// The --json form carries the fields the issue names, whatever else it
// adds: read as plain maps, not through the Go type that wrote it.
func TestLabsCommand(t *testing.T) {
	v, _ := familyVault(t)
	r := fasten(t, []string{pass}, "labs", "--vault", v, "--person", "Kristie", "--code", "2093-3", "--json")
	var out struct {
		Series []map[string]json.RawMessage `json:"series"`
	}
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &out) != nil || len(out.Series) != 1 {
		t.Fatalf("labs --code --json: %+v", r)
	}
	s := out.Series[0]
	for _, k := range []string{"code", "system", "display", "unit", "points"} {
		if _, ok := s[k]; !ok {
			t.Errorf("series lacks %q", k)
		}
	}
	if string(s["code"]) != `"2093-3"` || string(s["system"]) != `"http://loinc.org"` || string(s["unit"]) != `"mg/dL"` {
		t.Errorf("series %s %s %s", s["code"], s["system"], s["unit"])
	}
	var points []map[string]json.RawMessage
	if err := json.Unmarshal(s["points"], &points); err != nil || len(points) != 13 {
		t.Fatalf("Kristie Effertz's fixture has 13 total cholesterol results; got %d (%v)", len(points), err)
	}
	for _, p := range points {
		for _, k := range []string{"date", "value", "unit", "low", "high", "flag", "sources"} {
			if _, ok := p[k]; !ok {
				t.Fatalf("point lacks %q: %v", k, p)
			}
		}
		var srcs []struct {
			Record int64  `json:"record"`
			Source string `json:"source"`
		}
		if json.Unmarshal(p["sources"], &srcs) != nil || len(srcs) != 1 || srcs[0].Record == 0 || srcs[0].Source == "" {
			t.Fatalf("sources %s", p["sources"])
		}
	}

	r = fasten(t, []string{pass}, "labs", "--vault", v, "--person", "Kristie", "--json")
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &out) != nil || len(out.Series) < 10 {
		t.Fatalf("labs --json: %d series, %+v", len(out.Series), r.code)
	}

	r = fasten(t, []string{pass}, "labs", "--vault", v, "--person", "Kristie")
	if r.code != 0 || !strings.Contains(r.stdout, "Total Cholesterol (mg/dL)  LOINC 2093-3: 13 results, latest ") ||
		!strings.Contains(r.stdout, "Blood Pressure (mm[Hg])") {
		t.Fatalf("labs text: %+v", r)
	}
	r = fasten(t, []string{pass}, "labs", "--vault", v, "--person", "Kristie", "--code", "2093-3")
	if r.code != 0 || strings.Count(r.stdout, " mg/dL  from ") != 13 {
		t.Fatalf("labs --code text: %+v", r)
	}
	for _, bad := range [][]string{{}, {"--person", "Kristie", "extra"}} {
		if r := fasten(t, []string{pass}, append([]string{"labs", "--vault", v}, bad...)...); r.code != 2 || r.stdout != "" {
			t.Errorf("labs %v: %+v", bad, r)
		}
	}
}
