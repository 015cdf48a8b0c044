package records_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/fastenhealth/fasten-desktop/internal/records"
	"github.com/fastenhealth/fasten-desktop/internal/session"
	"github.com/fastenhealth/fasten-desktop/internal/vault"
)

var uuidRE = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// importNewPerson imports one fixture file, which must make exactly one new
// household member, and returns them.
func importNewPerson(t *testing.T, s *records.Store, file string) records.Person {
	t.Helper()
	rep, err := s.Import(context.Background(), []string{file}, records.ImportOptions{AutoCreatePeople: true}, nil)
	if err != nil || len(rep.NewPeople) != 1 {
		t.Fatalf("%v %+v", err, rep)
	}
	return rep.NewPeople[0]
}

// importFromSecondProvider imports file as a second provider would send
// the same person's records: every id changed, through a portal connection.
// The records are the same facts; nothing in them says so but their content.
func importFromSecondProvider(t *testing.T, s *records.Store, v *vault.Vault, file string, personID int64) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	data = uuidRE.ReplaceAllFunc(data, func(u []byte) []byte {
		out := append([]byte{}, u...)
		out[0], out[1] = 'f', 'e' // another provider's ids
		return out
	})
	copyFile := filepath.Join(t.TempDir(), "second-provider.json")
	if err := os.WriteFile(copyFile, data, 0o600); err != nil {
		t.Fatal(err)
	}
	importAsPortalCopy(t, s, v, copyFile, personID)
}

// A person whose records arrive from two providers (the same facts, other
// ids) sees each fact once on the dashboard and the household card, while
// the vault keeps both providers' records as received.
func TestSameFactFromTwoProvidersShownOnce(t *testing.T) {
	ctx := context.Background()
	s, v := openStore(t)
	file := fixtureFiles(t, "family")[0]
	person := importNewPerson(t, s, file)
	before, err := s.Dashboard(ctx, person.ID)
	if err != nil {
		t.Fatal(err)
	}
	beforeCard := member(t, household(t, s), person.ID)
	beforeTimeline, _, _ := allPages(t, s, person.ID, records.TimelineQuery{Limit: 100})
	searchTotal := func(text string) int {
		t.Helper()
		res, err := s.SearchRecords(ctx, records.SearchQuery{Text: text, PersonID: person.ID})
		if err != nil {
			t.Fatal(err)
		}
		return res.Total
	}
	beforeSearch, beforeCode := searchTotal("body weight"), searchTotal("29463-7")
	importFromSecondProvider(t, s, v, file, person.ID)
	if got, code := searchTotal("body weight"), searchTotal("29463-7"); got != beforeSearch || code != beforeCode || beforeSearch == 0 || beforeCode == 0 {
		t.Errorf("search finds %d weights (by code %d) from two providers, %d (%d) from one", got, code, beforeSearch, beforeCode)
	}

	var stored, sources int
	if err := v.DB().QueryRow("SELECT count(*), count(DISTINCT source_id) FROM summaries WHERE person_id = ?", person.ID).Scan(&stored, &sources); err != nil {
		t.Fatal(err)
	}
	if sources != 2 || stored != 2*before.Person.Records {
		t.Fatalf("vault holds %d records from %d sources, want %d from 2", stored, sources, 2*before.Person.Records)
	}
	after, err := s.Dashboard(ctx, person.ID)
	if err != nil {
		t.Fatal(err)
	}
	doses := func(d records.Dashboard) (n int) {
		for _, v := range d.Immunizations {
			n += len(v.Doses)
		}
		return n
	}
	for _, c := range []struct {
		what          string
		before, after int
	}{
		{"problems", len(before.Problems), len(after.Problems)},
		{"medications", len(before.Medications), len(after.Medications)},
		{"past medications", before.PastMedications, after.PastMedications},
		{"allergies", len(before.Allergies), len(after.Allergies)},
		{"vaccines", len(before.Immunizations), len(after.Immunizations)},
		{"vaccine doses", doses(before), doses(after)},
		{"visits", len(before.Visits), len(after.Visits)},
		{"vitals", len(before.Vitals), len(after.Vitals)},
		{"care plans", len(before.CarePlans), len(after.CarePlans)},
	} {
		if c.before != c.after {
			t.Errorf("%s: %d from one provider, %d from two", c.what, c.before, c.after)
		}
	}
	if before.PastMedications == 0 || doses(before) == 0 || len(before.Visits) == 0 {
		t.Fatalf("fixture too thin to tell: %+v", before)
	}
	for i := 1; i < len(after.Visits); i++ {
		if after.Visits[i].Date == after.Visits[i-1].Date && after.Visits[i].Type == after.Visits[i-1].Type {
			t.Errorf("visit of %s listed twice", after.Visits[i].Date)
		}
	}
	// The timeline shows each fact once (records without a rule, such as
	// reports, are their own facts: the second provider's come twice), the
	// shared ones naming both sources.
	afterTimeline, _, _ := allPages(t, s, person.ID, records.TimelineQuery{Limit: 100})
	var twice, named int
	for _, it := range afterTimeline {
		if it.ResourceType == "DiagnosticReport" || it.ResourceType == "DocumentReference" {
			twice++
			continue
		}
		if len(it.Sources) == 2 && it.Sources[0] == it.Source {
			named++
		}
	}
	if len(afterTimeline)-twice != len(beforeTimeline)-twice/2 || named == 0 || named != len(afterTimeline)-twice {
		t.Errorf("timeline: %d items from one provider, %d from two (%d reports twice, %d naming both sources)", len(beforeTimeline), len(afterTimeline), twice, named)
	}
	// Each record's detail names the other provider's record of its fact.
	first := afterTimeline[0]
	for _, it := range afterTimeline {
		if it.ResourceType == "Observation" {
			first = it
			break
		}
	}
	d, err := s.Detail(ctx, first.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.AlsoFrom) != 1 || d.AlsoFrom[0].ID == first.ID || d.AlsoFrom[0].Source != "Portal" {
		t.Errorf("detail of %s: also from %+v", first.ResourceType, d.AlsoFrom)
	}
	afterCard := member(t, household(t, s), person.ID)
	if afterCard.ProblemCount != beforeCard.ProblemCount || len(afterCard.Allergies) != len(beforeCard.Allergies) || afterCard.LatestVisit != beforeCard.LatestVisit {
		t.Errorf("household card: %d problems %d allergies before, %d/%d after", beforeCard.ProblemCount, len(beforeCard.Allergies), afterCard.ProblemCount, len(afterCard.Allergies))
	}
}

// A vault whose derived rows an older Fasten wrote (no facts: migration 12
// gives each row a key of its own) is reindexed once when a session opens
// it; a new, empty vault is only stamped.
func TestOpeningAnOlderVaultDerivesFacts(t *testing.T) {
	ctx := context.Background()
	s, v := openStore(t)
	if re, err := s.RefreshDerived(ctx); err != nil || re {
		t.Fatalf("empty vault: reindexed %v, %v", re, err)
	}
	file := fixtureFiles(t, "family")[0]
	person := importNewPerson(t, s, file)
	importFromSecondProvider(t, s, v, file, person.ID)
	want, err := s.Dashboard(ctx, person.ID)
	if err != nil {
		t.Fatal(err)
	}
	// What migration 12 leaves in a vault an older Fasten wrote.
	if _, err := v.DB().Exec("UPDATE summaries SET fact = -resource, ref_low = NULL, ref_high = NULL, flag = ''; DELETE FROM settings WHERE key = 'derived_version'"); err != nil {
		t.Fatal(err)
	}
	stale, err := s.Dashboard(ctx, person.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(stale.Problems) != 2*len(want.Problems) {
		t.Fatalf("without facts: %d problems, want each twice (%d)", len(stale.Problems), 2*len(want.Problems))
	}
	sess := session.Open(v, session.Options{})
	got, err := sess.Records().Dashboard(ctx, person.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Problems) != len(want.Problems) || len(got.Immunizations) != len(want.Immunizations) {
		t.Errorf("after opening: %d problems %d vaccines, want %d/%d", len(got.Problems), len(got.Immunizations), len(want.Problems), len(want.Immunizations))
	}
	if re, err := sess.Records().RefreshDerived(ctx); err != nil || re {
		t.Errorf("second refresh reindexed again: %v %v", re, err)
	}
}

// Two people can share a fact's key (twins vaccinated the same morning):
// folding is per person, so the household shows it on both cards.
func TestSameFactForTwoPeopleShownForBoth(t *testing.T) {
	ctx := context.Background()
	s, v := openStore(t)
	file := fixtureFiles(t, "family")[0]
	first := importNewPerson(t, s, file)
	twin, err := s.AddPerson(ctx, "Twin Toy", "")
	if err != nil {
		t.Fatal(err)
	}
	importFromSecondProvider(t, s, v, file, twin.ID)
	h := household(t, s)
	a, b := member(t, h, first.ID), member(t, h, twin.ID)
	if a.ProblemCount == 0 || a.ProblemCount != b.ProblemCount || len(a.Problems) != len(b.Problems) || len(a.Allergies) != len(b.Allergies) {
		t.Errorf("same facts, two people: %d problems %d allergies vs %d/%d", a.ProblemCount, len(a.Allergies), b.ProblemCount, len(b.Allergies))
	}
	da, err := s.Dashboard(ctx, first.ID)
	if err != nil {
		t.Fatal(err)
	}
	db, err := s.Dashboard(ctx, twin.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(da.Immunizations) == 0 || len(da.Immunizations) != len(db.Immunizations) {
		t.Errorf("vaccines %d vs %d", len(da.Immunizations), len(db.Immunizations))
	}
}

// Records a second provider sends of facts the person already had are not
// "new since you last looked": the household card tells of new facts.
func TestSecondProviderCopiesAreNotNew(t *testing.T) {
	ctx := context.Background()
	s, v := openStore(t)
	file := fixtureFiles(t, "family")[0]
	person := importNewPerson(t, s, file)
	if err := s.MarkViewed(ctx, person.ID); err != nil {
		t.Fatal(err)
	}
	importFromSecondProvider(t, s, v, file, person.ID)
	m := member(t, household(t, s), person.ID)
	// Reports and documents have no fact rule, and the second Patient
	// record is new too: only those may count.
	for _, k := range m.NewKinds {
		switch k.ResourceType {
		case "DiagnosticReport", "DocumentReference", "Patient", "Claim", "ExplanationOfBenefit", "Coverage",
			"Organization", "Practitioner", "Location", "Provenance", "Device", "ImagingStudy", "Medication", "SupplyDelivery", "PractitionerRole":
		default:
			t.Errorf("%d %s/%s counted new: copies of facts already held", k.Count, k.ResourceType, k.Category)
		}
	}
	for _, it := range m.NewItems {
		if it.ResourceType == "Observation" || it.ResourceType == "Condition" || it.ResourceType == "Immunization" {
			t.Errorf("new item %s %q is a copy", it.ResourceType, it.Display)
		}
	}
}
