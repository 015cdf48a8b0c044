package catalog

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestTokenize(t *testing.T) {
	for in, want := range map[string][]string{
		"St. Mary's Hospital":     {"st", "marys", "hospital"},
		"El Centro de Corazón":    {"el", "centro", "de", "corazon"},
		"Brigham-Faulkner OB/GYN": {"brigham", "faulkner", "ob", "gyn"},
		"CORAZO\u0301N":           {"corazon"},
		"  ":                      nil,
		"!!! ???":                 nil,
		"Endeavor Health – North": {"endeavor", "health", "north"},
	} {
		if got := tokenize(in, nil); !reflect.DeepEqual(got, want) {
			t.Errorf("tokenize(%q) = %q, want %q", in, got, want)
		}
	}
}

// Each query must surface the provider a person typing it means within the
// first five results. Names are real entries of the embedded directory.
func TestSearchFindsIntendedProvider(t *testing.T) {
	c := mustLoad(t)
	for _, tc := range []struct {
		why, query, want, vendor string
	}{
		{"exact word", "kaiser", "Kaiser Permanente - Colorado", "epic"},
		{"typo", "kaizer", "Kaiser Permanente - Colorado", "epic"},
		{"typo, multi-word", "kaizer permanente northern", "Kaiser Permanente - Northern California", "epic"},
		{"upper case", "KAISER PERMANENTE GEORGIA", "Kaiser Permanente - Georgia", "epic"},
		{"transposition", "stanfrod", "Stanford", "epic"},
		{"prefix being typed", "stanf", "Stanford", "epic"},
		{"prefix, two letters", "stanford chi", "Stanford Children's Health", "epic"},
		{"typo inside the word being typed", "kaize", "Kaiser Permanente - Colorado", "epic"},
		{"word order and portal brand", "chart stanford my", "Stanford", "epic"},
		{"word order", "medical center boston", "Boston Medical Center", "epic"},
		{"word order", "clinic cleveland", "Cleveland Clinic", "epic"},
		{"two typos", "clevland clinc", "Cleveland Clinic", "epic"},
		{"exact", "mayo clinic", "Mayo Clinic", "epic"},
		{"single word", "mayo", "Mayo Clinic", "epic"},
		{"punctuation as written", "St. Mary's Medical Center", "St. Mary's Medical Center", "oracle"},
		{"punctuation dropped", "st marys medical center", "St. Mary's Medical Center", "oracle"},
		{"abbreviation expanded", "saint marys med ctr", "St. Mary's Medical Center", "oracle"},
		{"mt → mount", "mt sinai florida", "Mount Sinai Florida", "epic"},
		{"univ/hosp", "univ hosp cleveland", "University Hospitals Cleveland", "epic"},
		{"possessive, hosp", "boston childrens hosp", "Boston Children's Hospital", "epic"},
		{"diacritics", "corazon", "El Centro de Corazón", "epic"},
		{"diacritics in query", "CORAZÓN centro", "El Centro de Corazón", "epic"},
		{"stop word", "foot and ankle clinic oakleaf", "Foot and Ankle Clinic – OakLeaf Medical Network", "epic"},
		{"athena practice", "southeastern medical center", "Southeastern Medical Center", "athena"},
		{"healow practice", "rochester skin cancer", "Rochester Skin Cancer and Surgery Center", "ecw"},
		{"vendor brand", "cerner oscar matthews", "Oscar Matthews, MD", "oracle"},
	} {
		got := c.Search(tc.query, 5)
		found := slices.ContainsFunc(got, func(m Match) bool { return m.Name == tc.want && m.Vendor == tc.vendor })
		if !found {
			var names []string
			for _, m := range got {
				names = append(names, m.Vendor+":"+m.Name)
			}
			t.Errorf("%s: Search(%q) top 5 = %q, want %s:%q", tc.why, tc.query, names, tc.vendor, tc.want)
		}
	}
}

// Someone typing "kaiser" wants the Kaiser Permanente regions, not the
// individual doctors named Kaiser among thirty thousand entries.
func TestRankingExpectations(t *testing.T) {
	c := mustLoad(t)
	for _, m := range c.Search("kaiser", 8) {
		if !strings.HasPrefix(m.Name, "Kaiser Permanente") {
			t.Errorf("kaiser: %q ranked among the 8 regions", m.Name)
		}
	}
	// An exact word beats a one-letter-off neighbour...
	if got := c.Search("stamford", 1); len(got) == 0 || got[0].Name != "Stamford Health" {
		t.Errorf("stamford: top = %v, want Stamford Health", got)
	}
	if got := c.Search("stanford", 1); len(got) == 0 || got[0].Name != "Stanford" {
		t.Errorf("stanford: top = %v, want Stanford", got)
	}
	// ...and matching more of the query beats matching less.
	got := c.Search("boston medical center", 1)
	if len(got) == 0 || !strings.EqualFold(got[0].Name, "Boston Medical Center") {
		t.Errorf("boston medical center: top = %v", got)
	}
	for _, q := range []string{"kaiser", "s", "medical center", "clevland clinc"} {
		res := c.Search(q, 50)
		for i := 1; i < len(res); i++ {
			if res[i].Score > res[i-1].Score {
				t.Errorf("%q: results not sorted by score at %d", q, i)
			}
		}
	}
}

func TestSearchEdgeCases(t *testing.T) {
	c := mustLoad(t)
	for _, q := range []string{"", " ", "\t\n  ", "!!!", "@#$%^&*()", "'''", "…—–", "\x00\x01"} {
		if got := c.Search(q, 10); len(got) != 0 {
			t.Errorf("Search(%q) = %d results, want none", q, len(got))
		}
	}
	long := []string{
		strings.Repeat("a", 10000),
		strings.Repeat("kaiser ", 1500),
		strings.Repeat("!@#$", 2500),
		strings.Repeat("zq", 5000),
		strings.Repeat("é", 5000),
	}
	for _, q := range long {
		start := time.Now()
		got := c.Search(q, 10)
		if d := time.Since(start); d > 50*time.Millisecond {
			t.Errorf("%d-byte query took %v", len(q), d)
		}
		if len(got) > 10 {
			t.Errorf("%d-byte query returned %d results", len(q), len(got))
		}
	}
	if got := c.Search(strings.Repeat("!@#$", 2500), 10); len(got) != 0 {
		t.Errorf("symbols-only query returned %d results", len(got))
	}
	if got := c.Search("xqzvwjk", 10); len(got) != 0 {
		t.Errorf("nonsense word returned %v", got)
	}
}

func TestSearchLimit(t *testing.T) {
	c := mustLoad(t)
	for _, limit := range []int{1, 3, 17, 100, 1000} {
		if got := c.Search("clinic", limit); len(got) != limit {
			t.Errorf("Search(clinic, %d) returned %d", limit, len(got))
		}
	}
	if got := c.Search("clinic", 100000); len(got) < 1000 || len(got) > c.Len() {
		t.Errorf("Search(clinic, 100000) returned %d", len(got))
	}
	if got := c.Search("clinic", 0); len(got) != DefaultLimit {
		t.Errorf("limit 0 returned %d, want DefaultLimit", len(got))
	}
	if got := c.Search("clinic", -4); len(got) != DefaultLimit {
		t.Errorf("negative limit returned %d, want DefaultLimit", len(got))
	}
	if got := c.Search("mayo clinic", 1000000); len(got) > c.Len() {
		t.Errorf("returned more results than providers")
	}
	// Same query, same answer: ties break deterministically.
	if a, b := c.Search("medical", 30), c.Search("medical", 30); !reflect.DeepEqual(a, b) {
		t.Error("Search is not deterministic")
	}
}
