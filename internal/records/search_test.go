package records_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/fastenhealth/fasten-desktop/internal/records"
)

// searchFamily is the five-person family fixture, imported once per test.
func searchFamily(t *testing.T) (*records.Store, []records.Person) {
	t.Helper()
	ctx := context.Background()
	s, _ := openStore(t)
	if _, err := s.Import(ctx, fixtureFiles(t, "family"), records.ImportOptions{AutoCreatePeople: true}, nil); err != nil {
		t.Fatal(err)
	}
	people, err := s.People(ctx)
	if err != nil || len(people) != 5 {
		t.Fatalf("people %v %v", people, err)
	}
	return s, people
}

func search(t *testing.T, s *records.Store, q records.SearchQuery) records.SearchResults {
	t.Helper()
	r, err := s.SearchRecords(context.Background(), q)
	if err != nil {
		t.Fatalf("search %q: %v", q.Text, err)
	}
	return r
}

// hits flattens results, checking the grouping on the way: each group is
// one person's records of one kind, newest first, hits within Limit.
func hits(t *testing.T, r records.SearchResults, limit int) []records.SearchHit {
	t.Helper()
	var out []records.SearchHit
	total := 0
	for _, p := range r.People {
		ptotal := 0
		kinds := map[string]bool{}
		for _, g := range p.Groups {
			k := g.ResourceType + "/" + g.Category
			if kinds[k] {
				t.Errorf("%q: kind %s twice for %s", r.Query, k, p.Name)
			}
			kinds[k] = true
			if len(g.Hits) == 0 || len(g.Hits) > limit || g.Total < len(g.Hits) {
				t.Errorf("%q: group %s has %d hits of %d (limit %d)", r.Query, k, len(g.Hits), g.Total, limit)
			}
			for i, h := range g.Hits {
				if h.Item.ResourceType != g.ResourceType || (g.ResourceType == "Observation" && h.Item.Category != g.Category) {
					t.Errorf("%q: %s/%s in group %s", r.Query, h.Item.ResourceType, h.Item.Category, k)
				}
				if i > 0 && h.Item.Date > g.Hits[i-1].Item.Date {
					t.Errorf("%q: group %s not newest first: %s after %s", r.Query, k, h.Item.Date, g.Hits[i-1].Item.Date)
				}
				if len(h.Segments) == 0 {
					t.Errorf("%q: hit %d without segments", r.Query, h.Item.ID)
				}
				out = append(out, h)
			}
			ptotal += g.Total
		}
		if ptotal != p.Total {
			t.Errorf("%q: %s total %d, groups add to %d", r.Query, p.Name, p.Total, ptotal)
		}
		total += p.Total
	}
	if total != r.Total {
		t.Errorf("%q: total %d, people add to %d", r.Query, r.Total, total)
	}
	return out
}

func matched(h records.SearchHit) string {
	var m []string
	for _, s := range h.Segments {
		if s.Match {
			m = append(m, strings.ToLower(s.Text))
		}
	}
	return strings.Join(m, " ")
}

func TestSearchUnderstandsTyposSynonymsAndCodes(t *testing.T) {
	s, _ := searchFamily(t)
	for _, c := range []struct {
		query, want string // want: a word every hit's highlighted text holds
		kind        string // every hit is of this type, when set
	}{
		{"cholestrol", "cholesterol", ""},
		{"diabetis", "diabet", ""},
		{"hemoglobn", "hemoglobin", ""},
		{"flu shot", "influenza", "Immunization"},
		{"sugar", "glucose", ""},
		{"a1c", "a1c", ""},
		{"bp", "pressure", ""},
	} {
		r := search(t, s, records.SearchQuery{Text: c.query, Limit: 5})
		hs := hits(t, r, 5)
		if len(hs) == 0 {
			t.Errorf("%q found nothing", c.query)
			continue
		}
		for _, h := range hs {
			if !strings.Contains(matched(h), c.want) {
				t.Errorf("%q: hit %q highlights %q, want %q", c.query, h.Item.Display, matched(h), c.want)
			}
			if c.kind != "" && h.Item.ResourceType != c.kind {
				t.Errorf("%q: a %s", c.query, h.Item.ResourceType)
			}
		}
		if len(r.Understood) == 0 {
			t.Errorf("%q: nothing said about how it was understood", c.query)
		}
	}
	// "shots" is a kind of record: every vaccine, and only vaccines.
	r := search(t, s, records.SearchQuery{Text: "shots", Limit: 500})
	hs := hits(t, r, 500)
	all := search(t, s, records.SearchQuery{Text: "immunization vaccine", Limit: 500})
	if len(hs) == 0 || r.Total != all.Total {
		t.Errorf("shots: %d, vaccines: %d", r.Total, all.Total)
	}
	for _, h := range hs {
		if h.Item.ResourceType != "Immunization" {
			t.Errorf("shots found a %s", h.Item.ResourceType)
		}
	}
	// A correct word is not "corrected" into its neighbours.
	if r := search(t, s, records.SearchQuery{Text: "glucose"}); len(r.Understood) != 0 {
		t.Errorf("glucose understood as %+v", r.Understood)
	}

	// Codes: LOINC (total cholesterol), SNOMED (diabetes), CVX (flu vaccine).
	for _, code := range []string{"2093-3", "44054006", "140"} {
		r := search(t, s, records.SearchQuery{Text: code, Limit: 500})
		hs := hits(t, r, 500)
		if len(hs) == 0 {
			t.Errorf("code %s found nothing", code)
		}
		for _, h := range hs {
			if h.Item.Code != code || !h.ByCode {
				t.Errorf("code %s found %s %q (byCode %v)", code, h.Item.Code, h.Item.Display, h.ByCode)
			}
		}
	}
}

func TestSearchGroupsByPersonAndStaysWithinOne(t *testing.T) {
	s, people := searchFamily(t)
	all := search(t, s, records.SearchQuery{Text: "blood pressure", Limit: 3})
	hits(t, all, 3)
	if len(all.People) < 2 {
		t.Fatalf("blood pressure found for %d people", len(all.People))
	}
	// People in the household's order (by name).
	for i := 1; i < len(all.People); i++ {
		if strings.ToLower(all.People[i-1].Name) > strings.ToLower(all.People[i].Name) {
			t.Errorf("people out of order: %s before %s", all.People[i-1].Name, all.People[i].Name)
		}
	}
	sum := 0
	for _, p := range people {
		one := search(t, s, records.SearchQuery{Text: "blood pressure", PersonID: p.ID, Limit: 3})
		hits(t, one, 3)
		for _, sp := range one.People {
			if sp.PersonID != p.ID {
				t.Errorf("search for %s found %s's records", p.Name, sp.Name)
			}
		}
		sum += one.Total
	}
	if sum != all.Total {
		t.Errorf("per person totals add to %d, household %d", sum, all.Total)
	}
	// Unasked, the household gets a few of each kind per person, one person a fuller list.
	more := false
	for _, p := range search(t, s, records.SearchQuery{Text: "blood pressure"}).People {
		for _, g := range p.Groups {
			if len(g.Hits) > 5 {
				t.Errorf("household default: %d hits in a group", len(g.Hits))
			}
			more = more || g.Total > 5
		}
	}
	one := search(t, s, records.SearchQuery{Text: "blood pressure", PersonID: all.People[0].PersonID})
	if !more || len(one.People[0].Groups[0].Hits) != min(20, one.People[0].Groups[0].Total) {
		t.Errorf("defaults: household groups beyond 5 %v, one person's first group %d of %d", more, len(one.People[0].Groups[0].Hits), one.People[0].Groups[0].Total)
	}
	// Split into parallel ranges of records (as on a large vault), the
	// household's search finds exactly the same.
	restore := records.SplitSearchFrom(1)
	for _, q := range []string{"blood pressure", "cholestrol", "flu shot"} {
		restore := records.SplitSearchFrom(1 << 62)
		whole := mustJSON(t, search(t, s, records.SearchQuery{Text: q}))
		restore()
		if split := mustJSON(t, search(t, s, records.SearchQuery{Text: q})); split != whole || len(whole) < 200 {
			t.Errorf("%q: split search differs (%d bytes, whole %d)", q, len(split), len(whole))
		}
	}
	restore()
	if _, err := s.SearchRecords(context.Background(), records.SearchQuery{Text: "x", PersonID: 9999}); !errors.Is(err, records.ErrNoPerson) {
		t.Errorf("unknown person: %v", err)
	}
	// Observations split by category: labs and vitals never share a group.
	r := search(t, s, records.SearchQuery{Text: "body", Limit: 500})
	for _, p := range r.People {
		for _, g := range p.Groups {
			if g.ResourceType == "Observation" && g.Category == "" {
				for _, h := range g.Hits {
					if h.Item.Category != "" {
						t.Errorf("observation of %q in the uncategorised group", h.Item.Category)
					}
				}
			}
		}
	}
}

func TestSearchInsuranceOnlyWhenAsked(t *testing.T) {
	s, _ := searchFamily(t)
	// Bills name the payer; nothing medical does.
	without := search(t, s, records.SearchQuery{Text: "medicare"})
	if without.InsuranceHidden == 0 {
		t.Fatal("no insurance record matched medicare")
	}
	for _, h := range hits(t, without, 20) {
		if records.IsInsuranceType(h.Item.ResourceType) {
			t.Errorf("insurance record %s shown without asking", h.Item.ResourceType)
		}
	}
	with := search(t, s, records.SearchQuery{Text: "medicare", Insurance: true, Limit: 500})
	n := 0
	for _, h := range hits(t, with, 500) {
		if records.IsInsuranceType(h.Item.ResourceType) {
			n++
		}
	}
	if n != without.InsuranceHidden || with.InsuranceHidden != 0 {
		t.Errorf("asked: %d insurance hits (hidden %d), not asked: %d hidden", n, with.InsuranceHidden, without.InsuranceHidden)
	}
}

// A Patient moved to another member takes their search rows along.
func TestSearchFollowsPatientReassignment(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	rep, err := s.Import(ctx, fixtureFiles(t, "family")[:1], records.ImportOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Unmatched) != 1 {
		t.Fatalf("unmatched %d", len(rep.Unmatched))
	}
	a, _ := s.AddPerson(ctx, "First", "")
	b, _ := s.AddPerson(ctx, "Second", "")
	count := func(id int64) int {
		return search(t, s, records.SearchQuery{Text: "blood pressure", PersonID: id}).Total
	}
	if err := s.AssignPatient(ctx, rep.Unmatched[0].Key, a.ID); err != nil {
		t.Fatal(err)
	}
	n := count(a.ID)
	if n == 0 || count(b.ID) != 0 {
		t.Fatalf("after linking to First: First %d, Second %d", n, count(b.ID))
	}
	if err := s.AssignPatient(ctx, rep.Unmatched[0].Key, b.ID); err != nil {
		t.Fatal(err)
	}
	if count(a.ID) != 0 || count(b.ID) != n {
		t.Fatalf("after moving to Second: First %d, Second %d (want 0, %d)", count(a.ID), count(b.ID), n)
	}
	// Reindex rebuilds the rows with the person they belong to now.
	if _, err := s.Reindex(ctx); err != nil {
		t.Fatal(err)
	}
	if count(a.ID) != 0 || count(b.ID) != n {
		t.Fatalf("after reindex: First %d, Second %d (want 0, %d)", count(a.ID), count(b.ID), n)
	}
	// The older per-person search agrees.
	items, err := s.Search(ctx, b.ID, "blood pressure", 500)
	if err != nil || len(items) == 0 {
		t.Fatalf("Search: %d %v", len(items), err)
	}
	if items, _ := s.Search(ctx, a.ID, "blood pressure", 500); len(items) != 0 {
		t.Fatalf("Search still finds %d for First", len(items))
	}
}

// Whatever is typed, search answers without an error: quotes, FTS5
// operators and column filters are words or nothing.
func TestSearchHostileInputNeverErrors(t *testing.T) {
	s, people := searchFamily(t)
	for _, q := range []string{
		`"`, `""`, `"blood`, `blood"`, `'`, `*`, `blood*`, `NEAR(blood pressure)`, `NEAR(a b, 2)`, `a OR b`, `a AND`, `NOT`,
		`-blood`, `+`, `^blood`, `text:blood`, `person : p1`, `person:"p1"`, `{text person}: blood`, `(`, `)(`, `blood)`,
		"\x00", "🩸 blood", strings.Repeat("cholestrol ", 50), "2093-3 OR 1", "'; DROP TABLE search; --", `\`, "ε", "",
	} {
		for _, pid := range []int64{0, people[0].ID} {
			r, err := s.SearchRecords(context.Background(), records.SearchQuery{Text: q, PersonID: pid, Insurance: true})
			if err != nil {
				t.Errorf("%q: %v", q, err)
				continue
			}
			hits(t, r, 20)
		}
		if _, err := s.Search(context.Background(), people[0].ID, q, 10); err != nil {
			t.Errorf("Search %q: %v", q, err)
		}
	}
	// The person column is never searched by words.
	if r := search(t, s, records.SearchQuery{Text: "p1"}); r.Total != 0 {
		t.Errorf("p1 found %d records", r.Total)
	}
}
