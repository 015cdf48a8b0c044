package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/fastenhealth/fasten-desktop/internal/records"
)

func TestDashboardCommand(t *testing.T) {
	v, _ := familyVault(t)
	r := fasten(t, []string{pass}, "dashboard", "--vault", v, "--person", "alexis", "--json")
	var d records.Dashboard
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &d) != nil {
		t.Fatalf("dashboard --json: %+v", r)
	}
	doses := 0
	for _, v := range d.Immunizations {
		doses += len(v.Doses)
	}
	// Alexis Toy's fixture: 1 active condition, 8 allergies, 25 vaccine doses,
	// 2 active and 1 stopped medication request.
	if !strings.HasPrefix(d.Person.Name, "Alexis") || len(d.Problems) != 1 || len(d.Allergies) != 8 || doses != 25 ||
		len(d.Medications) != 2 || d.PastMedications != 1 || d.Connections == nil {
		t.Fatalf("dashboard: %+v", d)
	}

	r = fasten(t, []string{pass}, "dashboard", "--vault", v, "--person", "Alexis")
	if r.code != 0 || !strings.Contains(r.stdout, "Allergies (8)") || !strings.Contains(r.stdout, "Immunizations (") ||
		strings.Contains(r.stdout, "(disorder)") || strings.Contains(r.stdout, "(finding)") {
		t.Fatalf("dashboard text: %+v", r)
	}

	for _, args := range [][]string{{}, {"--person", "Nobody At All"}} {
		r = fasten(t, []string{pass}, append([]string{"dashboard", "--vault", v}, args...)...)
		if r.code != 2 || r.stdout != "" {
			t.Errorf("dashboard %v: %+v", args, r)
		}
	}
}
