package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/fastenhealth/fasten-desktop/internal/records"
)

type insuranceJSON struct {
	Coverages []records.InsuranceCoverage `json:"coverages"`
	Claims    []records.InsuranceClaim    `json:"claims"`
	Years     []records.InsuranceYear     `json:"years"`
	Next      *string                     `json:"next"`
}

func TestInsuranceCommand(t *testing.T) {
	v, _ := familyVault(t)
	run := func(args ...string) insuranceJSON {
		t.Helper()
		r := fasten(t, []string{pass}, append([]string{"insurance", "--vault", v, "--person", "Tom", "--json"}, args...)...)
		var out insuranceJSON
		if r.code != 0 || json.Unmarshal([]byte(r.stdout), &out) != nil {
			t.Fatalf("insurance %v: %+v", args, r)
		}
		return out
	}
	// Tom Goodwin's fixture: 9 claims, 8 of them settled by an EOB; each
	// claim and its EOB are one bill.
	full := run("--limit", "500")
	if len(full.Claims) != 9 || full.Next != nil || len(full.Years) == 0 {
		t.Fatalf("full: %+v", full)
	}
	settled := 0
	for _, c := range full.Claims {
		if c.ClaimID != 0 && c.EOBID != 0 {
			settled++
		}
	}
	if settled != 8 {
		t.Errorf("%d settled bills, want 8", settled)
	}
	// Following "next" gives the same bills.
	var paged []records.InsuranceClaim
	args := []string{"--limit", "4"}
	for pages := 0; ; pages++ {
		pg := run(args...)
		if pages > 0 && len(pg.Coverages) != 0 {
			t.Error("coverages repeated after the first page")
		}
		paged = append(paged, pg.Claims...)
		if pg.Next == nil {
			break
		}
		if pages > 5 {
			t.Fatal("next never ends")
		}
		args = []string{"--limit", "4", "--after", *pg.Next}
	}
	if len(paged) != len(full.Claims) {
		t.Fatalf("paged %d, full %d", len(paged), len(full.Claims))
	}
	for i := range paged {
		if paged[i].ID != full.Claims[i].ID {
			t.Fatalf("bill %d: %d vs %d", i, paged[i].ID, full.Claims[i].ID)
		}
	}

	r := fasten(t, []string{pass}, "insurance", "--vault", v, "--person", "Tom")
	if r.code != 0 || !strings.Contains(r.stdout, "2012-05-15  ") ||
		!strings.Contains(r.stdout, "Billed 901.34 USD · Insurance paid 621.07 USD · You owed 155.27 USD") ||
		strings.Contains(r.stdout, "(procedure)") || strings.Contains(r.stdout, "(finding)") {
		t.Fatalf("insurance text: %+v", r)
	}
	for _, bad := range [][]string{{"--after", "garbage!"}, {"--limit", "0"}, {}} {
		a := append([]string{"insurance", "--vault", v}, bad...)
		if len(bad) > 0 {
			a = append(a, "--person", "Tom")
		}
		if r := fasten(t, []string{pass}, a...); r.code != 2 || r.stdout != "" {
			t.Errorf("insurance %v: %+v", bad, r)
		}
	}
}

func TestMoneyIsExactCents(t *testing.T) {
	n := func(v int64) *int64 { return &v }
	for _, c := range []struct {
		cents *int64
		want  string
	}{{n(90134), "901.34 USD"}, {n(5), "0.05 USD"}, {n(-1250), "-12.50 USD"}, {nil, "not stated"}} {
		if got := money(c.cents, "USD"); got != c.want {
			t.Errorf("money(%v) = %q, want %q", c.cents, got, c.want)
		}
	}
}
