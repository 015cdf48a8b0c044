package cli

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestStats(t *testing.T) {
	v, _ := familyVault(t)
	r := fasten(t, []string{pass}, "stats", "--vault", v, "--json")
	var st struct {
		Resources map[string]int `json:"resources"`
		Total     int            `json:"total"`
		People    int            `json:"people"`
	}
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &st) != nil || st.People != 5 || st.Resources["Patient"] != 5 || st.Total < 1000 {
		t.Fatalf("stats --json: %+v %+v", r, st)
	}
	r = fasten(t, []string{pass}, "stats", "--vault", v)
	if r.code != 0 || !strings.Contains(r.stdout, "Patient") || !strings.Contains(r.stdout, "total") {
		t.Fatalf("stats: %+v", r)
	}
}
