package records_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fastenhealth/fasten-desktop/internal/records"
)

// allBills follows the Insurance cursor to the end.
func allBills(t *testing.T, s *records.Store, person int64, limit int) (bills []records.InsuranceClaim, years map[string]records.InsuranceYear) {
	t.Helper()
	years = map[string]records.InsuranceYear{}
	after := records.Cursor{}
	for pages := 0; ; pages++ {
		pg, err := s.Insurance(context.Background(), person, after, limit)
		if err != nil {
			t.Fatal(err)
		}
		bills = append(bills, pg.Claims...)
		for _, y := range pg.Years {
			years[y.Year+y.Currency] = y
		}
		if pg.Next == nil {
			return bills, years
		}
		if len(pg.Claims) != limit {
			t.Fatalf("short page %d before the end", len(pg.Claims))
		}
		c, err := records.ParseCursor(pg.Next.String())
		if err != nil {
			t.Fatal(err)
		}
		after = c
		if pages > 1000 {
			t.Fatal("cursor does not advance")
		}
	}
}

// fixtureBills counts, from the fixture JSON alone, the bills the section
// must list: every Claim, plus each EOB whose claim is not in the file.
func fixtureBills(t *testing.T, file string) (claims, eobs, unpaired int) {
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var b struct {
		Entry []struct {
			Resource struct {
				ResourceType string
				ID           string
				Claim        struct{ Reference string }
			} `json:"resource"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(data, &b); err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, e := range b.Entry {
		if e.Resource.ResourceType == "Claim" {
			ids[e.Resource.ID] = true
			claims++
		}
	}
	for _, e := range b.Entry {
		if e.Resource.ResourceType == "ExplanationOfBenefit" {
			eobs++
			ref := e.Resource.Claim.Reference
			if !ids[ref[strings.LastIndexAny(ref, ":/")+1:]] {
				unpaired++
			}
		}
	}
	return claims, eobs, unpaired
}

func TestInsurancePairsClaimsWithEOBsAndPagesWithoutGaps(t *testing.T) {
	s, byFile, files := familyStore(t)
	for _, f := range files {
		person := byFile[f]
		t.Run(strings.SplitN(filepath.Base(f), "_", 2)[0], func(t *testing.T) {
			claims, eobs, unpaired := fixtureBills(t, f)
			full, years := allBills(t, s, person.ID, 500)
			if len(full) != claims+unpaired {
				t.Fatalf("%d bills, want %d claims + %d unpaired EOBs", len(full), claims, unpaired)
			}
			// Each EOB shows once, with its claim: never as a row of its own.
			seenEOB := map[int64]bool{}
			paired, owed := 0, 0
			for _, b := range full {
				if b.EOBID != 0 {
					if seenEOB[b.EOBID] {
						t.Fatalf("EOB %d listed twice", b.EOBID)
					}
					seenEOB[b.EOBID] = true
				}
				if b.ClaimID == 0 && unpaired == 0 {
					t.Fatalf("an EOB listed apart from its claim: %+v", b)
				}
				if b.ClaimID != 0 && b.EOBID != 0 {
					paired++
				}
				if b.Billed == nil || b.Currency != "USD" || b.Provider == "" || len(b.For) == 0 {
					t.Errorf("bill missing what Synthea states: %+v", b)
				}
				for _, w := range b.For {
					if strings.HasSuffix(w, "(procedure)") || strings.HasSuffix(w, "(finding)") {
						t.Errorf("semantic tag left in %q", w)
					}
				}
				// Every Synthea EOB states its payment; what the member owed
				// only where it has line adjudications (not on visit-only bills).
				if b.EOBID != 0 && b.Paid == nil {
					t.Errorf("settled bill without paid: %+v", b)
				}
				if b.Owed != nil {
					owed++
				}
			}
			if owed == 0 {
				t.Error("no bill says what was owed")
			}
			if paired != eobs-unpaired {
				t.Errorf("%d claims paired with their EOB, want %d", paired, eobs-unpaired)
			}
			for i := 1; i < len(full); i++ {
				if full[i-1].Date < full[i].Date {
					t.Fatalf("not newest first at %d", i)
				}
			}
			// Year totals are the sums of the year's rows.
			want := map[string][3]int64{}
			for _, b := range full {
				k := b.Date[:4] + b.Currency
				w := want[k]
				for i, v := range []*int64{b.Billed, b.Paid, b.Owed} {
					if v != nil {
						w[i] += *v
					}
				}
				want[k] = w
			}
			if len(years) != len(want) {
				t.Errorf("%d year totals, want %d", len(years), len(want))
			}
			for k, w := range want {
				if y := years[k]; [3]int64{y.Billed, y.Paid, y.Owed} != w {
					t.Errorf("year %s totals %+v, want %v", k, y, w)
				}
			}
			for _, limit := range []int{1, 2, 7} {
				got, _ := allBills(t, s, person.ID, limit)
				if len(got) != len(full) {
					t.Fatalf("limit %d: %d bills, want %d", limit, len(got), len(full))
				}
				for i := range got {
					if got[i].ID != full[i].ID || got[i].EOBID != full[i].EOBID {
						t.Fatalf("limit %d: bill %d is %d/%d, want %d/%d", limit, i, got[i].ID, got[i].EOBID, full[i].ID, full[i].EOBID)
					}
				}
			}
		})
	}
}

// Tom Goodwin's check-up of 2012-05-15: Claim e5b62a26 (total 901.34) and
// the EOB settling it (payment 621.0720000000001; he owed coinsurance
// 28.104000000000003 + 127.16400000000002 and deductibles of 0).
func TestInsuranceExactCentsOfAKnownEOB(t *testing.T) {
	s, byFile, files := familyStore(t)
	var tom records.Person
	for _, f := range files {
		if strings.Contains(f, "Tom_Goodwin") {
			tom = byFile[f]
		}
	}
	bills, _ := allBills(t, s, tom.ID, 500)
	var b *records.InsuranceClaim
	for i := range bills {
		if strings.HasPrefix(bills[i].Date, "2012-05-15T23:55:41") {
			b = &bills[i]
		}
	}
	if b == nil {
		t.Fatal("the 2012-05-15 check-up is not listed")
	}
	if b.ClaimID == 0 || b.EOBID == 0 {
		t.Fatalf("claim and EOB not paired: %+v", b)
	}
	if b.Billed == nil || *b.Billed != 90134 || b.Paid == nil || *b.Paid != 62107 || b.Owed == nil || *b.Owed != 15527 {
		t.Fatalf("money %v/%v/%v, want 90134/62107/15527 cents", deref(b.Billed), deref(b.Paid), deref(b.Owed))
	}
	if b.Currency != "USD" || b.Payer != "medicaid" || b.Kind != "institutional" {
		t.Errorf("bill %+v", b)
	}
	want := []string{"Encounter for check up", "Influenza, seasonal, injectable, preservative free", "Documentation of current medications", "Body mass index 30+ - obesity"}
	if strings.Join(b.For, "|") != strings.Join(want, "|") {
		t.Errorf("for %q, want %q", b.For, want)
	}
	// The practice billed (the claim's Organization), not the clinician.
	if b.Provider == "" || strings.HasPrefix(b.Provider, "Dr") {
		t.Errorf("provider %q", b.Provider)
	}
}

func deref(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

// A portal's Coverage and EOB stated with totals by category (the FHIR and
// CARIN codes, not Synthea's line amounts), float-noisy values, and a
// member id that must not leave the store whole.
const insuranceBundle = `{"resourceType":"Bundle","type":"collection","entry":[
 {"fullUrl":"urn:uuid:p1","resource":{"resourceType":"Patient","id":"p1","name":[{"family":"Payer","given":["Pat"]}],"birthDate":"1980-02-03"}},
 {"fullUrl":"urn:uuid:org1","resource":{"resourceType":"Organization","id":"org1","name":"Acme Health Plan"}},
 {"fullUrl":"urn:uuid:cov1","resource":{"resourceType":"Coverage","id":"cov1","status":"active","subscriberId":"W987654321","beneficiary":{"reference":"urn:uuid:p1"},
   "payor":[{"reference":"urn:uuid:org1"}],"period":{"start":"2020-01-01","end":"2020-12-31"},
   "class":[{"type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/coverage-class","code":"plan"}]},"value":"PLN-7","name":"Gold PPO"}]}},
 {"fullUrl":"urn:uuid:eob1","resource":{"resourceType":"ExplanationOfBenefit","id":"eob1","status":"active","use":"claim","outcome":"complete",
   "type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/claim-type","code":"professional"}]},
   "patient":{"reference":"urn:uuid:p1"},"created":"2020-03-04","billablePeriod":{"start":"2020-03-04"},
   "insurer":{"reference":"urn:uuid:org1","display":"Acme Health Plan"},"provider":{"display":"Dr. Example Clinic"},
   "insurance":[{"focal":true,"coverage":{"reference":"urn:uuid:cov1"}}],
   "item":[{"sequence":1,"productOrService":{"text":"Office visit (procedure)"}}],
   "total":[
    {"category":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/adjudication","code":"submitted"}]},"amount":{"value":200.005,"currency":"EUR"}},
    {"category":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/adjudication","code":"benefit"}]},"amount":{"value":98.28800000000001,"currency":"EUR"}},
    {"category":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/adjudication","code":"copay"}]},"amount":{"value":20.1,"currency":"EUR"}},
    {"category":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/adjudication","code":"deductible"}]},"amount":{"value":0.2,"currency":"EUR"}}]}}
]}`

func TestInsuranceCoverageMasksMemberIDAndReadsTotals(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	file := filepath.Join(t.TempDir(), "plan.json")
	if err := os.WriteFile(file, []byte(insuranceBundle), 0o600); err != nil {
		t.Fatal(err)
	}
	rep, err := s.Import(ctx, []string{file}, records.ImportOptions{AutoCreatePeople: true}, nil)
	if err != nil || len(rep.Files) != 1 || rep.Files[0].Status != records.FileImported || rep.Files[0].Skipped != 0 {
		t.Fatalf("import: %v %+v", err, rep)
	}
	people, err := s.People(ctx)
	if err != nil || len(people) != 1 {
		t.Fatalf("%v %+v", err, people)
	}
	pg, err := s.Insurance(ctx, people[0].ID, records.Cursor{}, 50)
	if err != nil {
		t.Fatal(err)
	}
	if len(pg.Coverages) != 1 {
		t.Fatalf("coverages %+v", pg.Coverages)
	}
	c := pg.Coverages[0]
	if c.Payer != "Acme Health Plan" || c.Plan != "Gold PPO" || !c.HasMemberID || c.MemberIDLast4 != "4321" ||
		c.Status != "active" || c.Start != "2020-01-01" || c.End != "2020-12-31" {
		t.Errorf("coverage %+v", c)
	}
	js, _ := json.Marshal(pg)
	if strings.Contains(string(js), "W987654321") || strings.Contains(string(js), "987654") {
		t.Errorf("the member id left the store whole: %s", js)
	}
	if len(pg.Claims) != 1 {
		t.Fatalf("claims %+v", pg.Claims)
	}
	b := pg.Claims[0]
	// 200.005 rounds half away from zero; 98.28800000000001 to 98.29;
	// owed is copay + deductible.
	if deref(b.Billed) != int64(20001) || deref(b.Paid) != int64(9829) || deref(b.Owed) != int64(2030) || b.Currency != "EUR" {
		t.Errorf("money %v/%v/%v %s", deref(b.Billed), deref(b.Paid), deref(b.Owed), b.Currency)
	}
	if b.ClaimID != 0 || b.EOBID == 0 || b.Provider != "Dr. Example Clinic" || b.Payer != "Acme Health Plan" || strings.Join(b.For, "") != "Office visit" {
		t.Errorf("bill %+v", b)
	}
	if len(pg.Years) != 1 || pg.Years[0] != (records.InsuranceYear{Year: "2020", Currency: "EUR", Claims: 1, Billed: 20001, Paid: 9829, Owed: 2030}) {
		t.Errorf("years %+v", pg.Years)
	}
	if _, err := s.Insurance(ctx, people[0].ID+99, records.Cursor{}, 10); err == nil {
		t.Error("an unknown person has insurance")
	}
}

// The medical lists no longer count bills and coverage: the overview and
// dashboard give them as one number for the Insurance link instead.
func TestOverviewCountsLeaveInsuranceOut(t *testing.T) {
	ctx := context.Background()
	s, byFile, files := familyStore(t)
	for _, f := range files {
		p := byFile[f]
		claims, eobs, unpaired := fixtureBills(t, f)
		ov, err := s.Overview(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		d, err := s.Dashboard(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		total := 0
		for _, c := range ov.Counts {
			if records.IsInsuranceType(c.ResourceType) {
				t.Errorf("overview counts %s", c.ResourceType)
			}
			total += c.Count
		}
		for _, c := range d.Counts {
			if records.IsInsuranceType(c.ResourceType) {
				t.Errorf("dashboard counts %s", c.ResourceType)
			}
		}
		if total != p.Records-claims-eobs {
			t.Errorf("overview counts %d, want %d records less %d claims and %d EOBs", total, p.Records, claims, eobs)
		}
		if ov.Insurance != claims+unpaired || d.Insurance != ov.Insurance {
			t.Errorf("insurance count %d/%d, want %d", ov.Insurance, d.Insurance, claims+unpaired)
		}
	}
}

// The same bills from a file and from the person's portal are one set.
func TestInsuranceListsCopiesOnce(t *testing.T) {
	ctx := context.Background()
	s, v := openStore(t)
	file, _ := filepath.Glob(filepath.Join(fixtures, "family", "Tom_*.json"))
	rep, err := s.Import(ctx, file, records.ImportOptions{AutoCreatePeople: true}, nil)
	if err != nil || len(rep.NewPeople) != 1 {
		t.Fatalf("%v %+v", err, rep)
	}
	tom := rep.NewPeople[0]
	before, _ := allBills(t, s, tom.ID, 500)
	var patientID string
	for _, r := range readFixture(t, file[0]) {
		if r.ResourceType == "Patient" {
			patientID = r.ID
		}
	}
	tx, err := v.DB().Begin()
	if err != nil {
		t.Fatal(err)
	}
	src, err := s.CreateConnectionSource(ctx, tx, "Portal", patientID, tom.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Import(ctx, file, records.ImportOptions{SourceID: src, PersonID: tom.ID}, nil); err != nil {
		t.Fatal(err)
	}
	after, years := allBills(t, s, tom.ID, 4)
	if len(after) != len(before) || len(before) != 9 {
		t.Fatalf("%d bills after the portal's copies, %d before", len(after), len(before))
	}
	for i := range after {
		if after[i].ID != before[i].ID || after[i].EOBID != before[i].EOBID {
			t.Fatalf("bill %d: %+v, was %+v", i, after[i], before[i])
		}
	}
	if y := years["2012USD"]; y.Claims != 1 || y.Billed != 90134 {
		t.Errorf("2012 counted copies: %+v", y)
	}
	if ov, err := s.Overview(ctx, tom.ID); err != nil || ov.Insurance != 9 {
		t.Errorf("the Insurance link counts %d, want 9 (%v)", ov.Insurance, err)
	}
}
