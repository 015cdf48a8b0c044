package records

import (
	"context"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/fastenhealth/fasten-desktop/internal/vault"
)

func TestHighlightSegments(t *testing.T) {
	marks := []mark{{word: "blood", prefix: false}, {word: "press", prefix: true}}
	got := highlight("Blood Pressure <b>", "", marks)
	want := []Segment{{"Blood", true}, {" ", false}, {"Pressure", true}, {" <b>", false}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("display: %+v", got)
	}
	// "bloody" is not "blood" (no prefix), and nothing is lost or added.
	got = highlight("Bloody nose", "", marks)
	if len(got) != 1 || got[0].Match || got[0].Text != "Bloody nose" {
		t.Fatalf("no match: %+v", got)
	}
	// The match only in the search text: a window around it, cut at spaces.
	text := strings.Repeat("alpha ", 30) + "Blood pressure " + strings.Repeat("omega ", 40)
	got = highlight("Panel", text, marks)
	var b strings.Builder
	n := 0
	for _, s := range got {
		b.WriteString(s.Text)
		if s.Match {
			n++
		}
	}
	s := b.String()
	if n != 2 || !strings.HasPrefix(s, "… alpha") || !strings.HasSuffix(s, "omega …") || len(s) > 4*snippetAround {
		t.Fatalf("snippet %q (%d marks)", s, n)
	}
	// Multi-byte text is never cut inside a character.
	text = strings.Repeat("é", 200) + " blood " + strings.Repeat("ü", 200)
	for _, seg := range highlight("x", text, marks) {
		if !utf8Valid(seg.Text) {
			t.Fatalf("cut inside a character: %q", seg.Text)
		}
	}
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }

func TestVocabularyCorrections(t *testing.T) {
	v := &vocabulary{terms: []string{"asthma", "cholesterol", "diabetes", "diabetic", "glucose", "hemoglobin", "hemoglobins"}, docs: []int{5, 50, 9, 3, 40, 30, 1}}
	alts, fixed := v.forWord("chol", nil)
	if len(fixed) != 0 || len(alts) != 1 || !alts[0].prefix {
		t.Errorf("prefix: %+v %v", alts, fixed)
	}
	// Only the nearest words: "hemoglobins" is two edits away, "hemoglobin" one.
	if _, fixed := v.forWord("hemoglobn", nil); !reflect.DeepEqual(fixed, []string{"hemoglobin"}) {
		t.Errorf("hemoglobn: %v", fixed)
	}
	// Equally near: the most used first.
	if _, fixed := v.forWord("diabetis", nil); !reflect.DeepEqual(fixed, []string{"diabetes", "diabetic"}) {
		t.Errorf("diabetis: %v", fixed)
	}
	// Short words are not corrected: "ast" has too many neighbours.
	if _, fixed := v.forWord("xst", nil); len(fixed) != 0 {
		t.Errorf("xst: %v", fixed)
	}
	// Four letters allow one edit, not two.
	if _, fixed := v.forWord("glxxose", nil); len(fixed) != 0 {
		t.Errorf("glxxose: %v", fixed)
	}
	// A word a document uses is searched as typed besides its corrections
	// (a note may hold the misspelling, or a word records never use).
	inNote := func(w string) bool { return w == "hemoglobn" }
	alts, fixed = v.forWord("hemoglobn", inNote)
	if !reflect.DeepEqual(fixed, []string{"hemoglobin"}) || len(alts) != 2 || alts[1].fts() != `"hemoglobn"*` {
		t.Errorf("hemoglobn in a note: %v %v", alts, fixed)
	}
}

func TestSynonymsNameTheirSources(t *testing.T) {
	tab, err := parseSynonyms(synonymsJSON)
	if err != nil {
		t.Fatal(err)
	}
	for _, term := range []string{"flu shot", "sugar", "a1c", "bp", "shots"} {
		if tab.byTerm[term] == nil {
			t.Errorf("%q missing", term)
		}
	}
	for _, e := range tab.Entries {
		if len(e.Means) == 0 && len(e.Kinds) == 0 {
			t.Errorf("%v means nothing", e.Terms)
		}
		for _, k := range e.Kinds {
			typ, _, _ := strings.Cut(k, ":")
			if kindRank[typ] == 0 && kindRank[k] == 0 {
				t.Errorf("%v: unknown kind %q", e.Terms, k)
			}
		}
	}
	if _, err := parseSynonyms([]byte(`{"sources":{},"entries":[{"terms":["x"],"means":["y"],"source":"nowhere"}]}`)); err == nil {
		t.Error("an entry without a listed source was accepted")
	}
}

func TestPlanQuotesEveryWord(t *testing.T) {
	for _, q := range []string{`a"b`, `NEAR(x y)`, `x*`, `col:x`} {
		for _, w := range searchWords(q) {
			if strings.ContainsAny(w, `"*:()`) {
				t.Errorf("%q gave word %q", q, w)
			}
		}
	}
	if got := (alternative{words: []string{"blood", "pressure"}, prefix: true}).fts(); got != `"blood pressure"*` {
		t.Errorf("fts %s", got)
	}
	if codeLike("2093-3") == "" || codeLike("E11.9") == "" || codeLike("flu") != "" || codeLike("a b1") != "" || codeLike(`1"`) != "" {
		t.Error("codeLike")
	}
}

// The cached vocabulary follows the index: a word written after the first
// search is known to the next one, by this Store or another on the vault.
func TestVocabularyFollowsTheIndex(t *testing.T) {
	vault.DefaultKDF = vault.KDFParams{Time: 1, Memory: 8 * 1024, Threads: 1}
	v, _, err := vault.Create(filepath.Join(t.TempDir(), "v.fasten"), "test passphrase 1")
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	s, other := New(v.DB()), New(v.DB())
	ctx := context.Background()
	add := func(id int, word string) {
		t.Helper()
		if _, err := v.DB().Exec(`INSERT INTO resources(id, source_id, resource_type, resource_id, received_at, sha256, raw) VALUES (?, 1, 'Condition', ?, '', x'00', '{}')`, id, word); err != nil {
			t.Fatal(err)
		}
		if _, err := v.DB().Exec(`INSERT INTO summaries(resource, source_id, resource_type) VALUES (?, 1, 'Condition')`, id); err != nil {
			t.Fatal(err)
		}
		if _, err := v.DB().Exec(searchInsert, id, word, ""); err != nil {
			t.Fatal(err)
		}
	}
	add(1, "zebrafinch")
	voc, err := s.searchVocabulary(ctx)
	if err != nil || !voc.hasPrefix("zebrafinch") || voc.hasPrefix("quokka") {
		t.Fatalf("first: %v %v", voc, err)
	}
	if again, _ := s.searchVocabulary(ctx); again != voc {
		t.Error("read again although the index did not change")
	}
	add(2, "quokka")
	for _, st := range []*Store{s, other} {
		if voc, err := st.searchVocabulary(ctx); err != nil || !voc.hasPrefix("quokka") {
			t.Errorf("after a write: %v", err)
		}
	}
}
