package records_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/fastenhealth/fasten-desktop/internal/records"
)

// manyBills writes one person's bundle with n Synthea-shaped claims, each
// settled by an EOB dated at the claim's creation, spread over years.
func manyBills(t testing.TB, n int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString(`{"resourceType":"Bundle","type":"collection","entry":[
 {"fullUrl":"urn:uuid:p1","resource":{"resourceType":"Patient","id":"p1","name":[{"family":"Many","given":["Bills"]}],"birthDate":"1950-01-01"}},
 {"fullUrl":"urn:uuid:org1","resource":{"resourceType":"Organization","id":"org1","name":"General Hospital"}}`)
	start := time.Date(2000, 1, 1, 9, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		at := start.Add(time.Duration(i) * 17 * time.Hour)
		s, e := at.Format(time.RFC3339), at.Add(30*time.Minute).Format(time.RFC3339)
		fmt.Fprintf(&b, `,
 {"fullUrl":"urn:uuid:c%d","resource":{"resourceType":"Claim","id":"c%d","status":"active","type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/claim-type","code":"institutional"}]},"use":"claim",
  "patient":{"reference":"urn:uuid:p1"},"billablePeriod":{"start":%q,"end":%q},"created":%q,"provider":{"reference":"urn:uuid:org1"},"priority":{"coding":[{"code":"normal"}]},
  "insurance":[{"sequence":1,"focal":true,"coverage":{"display":"medicaid"}}],
  "item":[{"sequence":1,"productOrService":{"text":"Encounter for check up (procedure)"}},{"sequence":2,"productOrService":{"text":"Flu shot"},"net":{"value":140.52,"currency":"USD"}}],
  "total":{"value":140.52,"currency":"USD"}}},
 {"fullUrl":"urn:uuid:e%d","resource":{"resourceType":"ExplanationOfBenefit","id":"e%d","status":"active","use":"claim","outcome":"complete","type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/claim-type","code":"institutional"}]},
  "patient":{"reference":"urn:uuid:p1"},"billablePeriod":{"start":%q},"created":%q,"insurer":{"display":"medicaid"},"provider":{"reference":"urn:uuid:org1"},"claim":{"reference":"urn:uuid:c%d"},
  "insurance":[{"focal":true,"coverage":{"display":"medicaid"}}],
  "item":[{"sequence":1,"productOrService":{"text":"Flu shot"},"adjudication":[
   {"category":{"coding":[{"code":"https://bluebutton.cms.gov/resources/variables/line_coinsrnc_amt"}]},"amount":{"value":28.104000000000003,"currency":"USD"}},
   {"category":{"coding":[{"code":"https://bluebutton.cms.gov/resources/variables/line_prvdr_pmt_amt"}]},"amount":{"value":112.41600000000001,"currency":"USD"}}]}],
  "total":[{"category":{"coding":[{"code":"submitted"}]},"amount":{"value":140.52,"currency":"USD"}}],"payment":{"amount":{"value":112.41600000000001,"currency":"USD"}}}}`,
			i, i, s, e, e, i, i, e, e, i)
	}
	b.WriteString("]}")
	file := filepath.Join(t.TempDir(), "many.json")
	if err := os.WriteFile(file, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

// A person with thousands of claims (and as many EOBs) pages through their
// Insurance section, every bill once, paired, across batch and year
// boundaries. INS_N=10000 measures the figure quoted for 10,000 claims.
func TestInsuranceManyClaimsPageOnceEach(t *testing.T) {
	if testing.Short() {
		t.Skip("imports thousands of resources")
	}
	ctx := context.Background()
	s, _ := openStore(t)
	n := 2000
	if v := os.Getenv("INS_N"); v != "" {
		fmt.Sscan(v, &n)
	}
	if _, err := s.Import(ctx, []string{manyBills(t, n)}, records.ImportOptions{AutoCreatePeople: true}, nil); err != nil {
		t.Fatal(err)
	}
	people, err := s.People(ctx)
	if err != nil || len(people) != 1 {
		t.Fatalf("%v %+v", err, people)
	}
	var first, worst time.Duration
	var times []time.Duration
	seen := map[int64]bool{}
	after := records.Cursor{}
	pages := 0
	for {
		t0 := time.Now()
		pg, err := s.Insurance(ctx, people[0].ID, after, 50)
		d := time.Since(t0)
		if err != nil {
			t.Fatal(err)
		}
		if pages == 0 {
			first = d
		}
		worst = max(worst, d)
		times = append(times, d)
		pages++
		for _, c := range pg.Claims {
			if seen[c.ID] || c.EOBID == 0 || deref(c.Owed) != int64(2810) {
				t.Fatalf("bill %+v (seen %v)", c, seen[c.ID])
			}
			seen[c.ID] = true
		}
		if pg.Next == nil {
			break
		}
		after = *pg.Next
	}
	if len(seen) != n {
		t.Fatalf("%d bills over %d pages, want %d", len(seen), pages, n)
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	t.Logf("%d pages of 50: first %v, p50 %v, p95 %v, slowest %v", pages, first, times[len(times)/2], times[len(times)*95/100], worst)
}
