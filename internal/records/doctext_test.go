package records_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"github.com/fastenhealth/fasten-desktop/internal/records"
)

// docBundle is one person with a visit note (HTML, a script in it), a
// report whose text is plain, and a glucose result.
func docBundle(t *testing.T, glucose float64) string {
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	return writeBundle(t, "docs.json",
		`{"resourceType":"Patient","id":"p1","name":[{"given":["Doc"],"family":"Words"}],"birthDate":"1980-01-01"}`,
		`{"resourceType":"DocumentReference","id":"note1","status":"current","type":{"text":"Visit note"},"subject":{"reference":"Patient/p1"},"date":"2022-03-01T10:00:00Z",
"content":[{"attachment":{"contentType":"text/html","title":"Orthopaedics note","data":"`+b64(`<p>Right knee <b>arthroscopy</b> planned for April.</p><script>thyroidectomy()</script>`)+`"}}]}`,
		// A document with nothing of its own to search but its words.
		`{"resourceType":"DocumentReference","id":"note2","status":"current","subject":{"reference":"Patient/p1"},"content":[{"attachment":{"contentType":"text/plain","data":"`+b64("Zephyr breeze exposure")+`"}}]}`,
		`{"resourceType":"DiagnosticReport","id":"rep1","status":"final","code":{"text":"Eye exam"},"subject":{"reference":"Patient/p1"},"effectiveDateTime":"2022-04-01T10:00:00Z",
"presentedForm":[{"contentType":"text/plain","data":"`+b64("Patient reports photophobia in bright light.")+`"}]}`,
		fmt.Sprintf(`{"resourceType":"Observation","id":"g1","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"2345-7","display":"Glucose"}]},"subject":{"reference":"Patient/p1"},"effectiveDateTime":"2022-05-01T08:00:00Z","valueQuantity":{"value":%v,"unit":"mg/dL"}}`, glucose),
	)
}

// docHits searches text for one person and returns the hits' types and
// whether each was found in its document, with the words shown.
func docHits(t *testing.T, s *records.Store, person int64, text string) []string {
	t.Helper()
	var out []string
	for _, h := range hits(t, search(t, s, records.SearchQuery{Text: text, PersonID: person}), 20) {
		out = append(out, fmt.Sprintf("%s doc=%v [%s]", h.Item.ResourceType, h.InDocument, matched(h)))
	}
	return out
}

// Documents' words are searched with their record: a note's HTML (its
// text, not its script), a report's plain text, a document sync fetched
// later; they survive a reindex, a new version of the record, and a vault
// whose search rows predate documents (derived version 12).
func TestSearchFindsDocumentWords(t *testing.T) {
	ctx := context.Background()
	s, v := openStore(t)
	rep, err := s.Import(ctx, []string{docBundle(t, 101)}, records.ImportOptions{AutoCreatePeople: true}, nil)
	if err != nil || len(rep.NewPeople) != 1 {
		t.Fatalf("%v %+v", err, rep)
	}
	person := rep.NewPeople[0].ID
	var obs int64
	if err := v.DB().QueryRow("SELECT id FROM resources WHERE resource_id = 'g1'").Scan(&obs); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.StoreAttachment(ctx, obs, "text/plain; charset=utf-8", "Lab comment", []byte("Specimen haemolysed; xylophone protocol")); err != nil || !ok {
		t.Fatal(ok, err)
	}
	want := map[string]string{
		"arthroscopy": "DocumentReference doc=true [arthroscopy]",
		"photophob":   "DiagnosticReport doc=true [photophobia]",
		"xylophone":   "Observation doc=true [xylophone]",
		"glucose":     "Observation doc=false [glucose]",
		"zephyr":      "DocumentReference doc=true [zephyr]",
	}
	check := func(when string) {
		t.Helper()
		for q, w := range want {
			if got := strings.Join(docHits(t, s, person, q), "; "); got != w {
				t.Errorf("%s: %q found %q, want %q", when, q, got, w)
			}
		}
		if got := docHits(t, s, person, "thyroidectomy"); len(got) != 0 {
			t.Errorf("%s: a word inside a script was searched: %v", when, got)
		}
		// The household's search and the record list's filter see them too.
		if r := search(t, s, records.SearchQuery{Text: "arthroscopy"}); r.Total != 1 {
			t.Errorf("%s: household search found %d", when, r.Total)
		}
		if pg, err := s.List(ctx, person, "DiagnosticReport", "photophobia", 0, 10); err != nil || pg.Total != 1 {
			t.Errorf("%s: list filter: %v %d", when, err, pg.Total)
		}
	}
	check("after import")

	if _, err := s.Reindex(ctx); err != nil {
		t.Fatal(err)
	}
	check("after reindex")

	// A new version of the result (another value) keeps the document sync
	// fetched for it.
	if _, err := s.Import(ctx, []string{docBundle(t, 102)}, records.ImportOptions{}, nil); err != nil {
		t.Fatal(err)
	}
	check("after a new version")

	// A vault written before documents were searched has no document
	// words, and the next open fills them without a reindex.
	if _, err := v.DB().Exec("DELETE FROM search_docs"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetSetting(ctx, "derived_version", "12"); err != nil {
		t.Fatal(err)
	}
	if got := docHits(t, s, person, "arthroscopy"); len(got) != 0 {
		t.Fatalf("emptied docs still found: %v", got)
	}
	if did, err := s.RefreshDerived(ctx); err != nil || !did {
		t.Fatalf("refresh: %v %v", did, err)
	}
	if ver, _ := s.Setting(ctx, "derived_version"); ver != fmt.Sprint(records.DerivedVersion) {
		t.Fatalf("derived version %q", ver)
	}
	check("after refreshing a version-12 vault")
}
