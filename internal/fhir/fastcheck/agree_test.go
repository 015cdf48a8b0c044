package fastcheck

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/fhir/go/fhirversion"
	"github.com/google/fhir/go/jsonformat"
)

const fixtureDir = "../../../../shared/fixtures/synthea"

// fixtureResources returns every entry resource of the shared Synthea R4
// bundles (sorted by file), at most max (0: all).
func fixtureResources(t testing.TB, max int) [][]byte {
	t.Helper()
	if _, err := os.Stat(fixtureDir); errors.Is(err, os.ErrNotExist) {
		t.Fatal("shared Synthea fixtures not present (../shared beside the checkout)")
	}
	files, err := filepath.Glob(filepath.Join(fixtureDir, "*", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixture files (%v)", err)
	}
	sort.Strings(files)
	var out [][]byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var bu struct {
			Entry []struct {
				Resource json.RawMessage `json:"resource"`
			} `json:"entry"`
		}
		if err := json.Unmarshal(b, &bu); err != nil {
			t.Fatalf("%s: %v", filepath.Base(f), err)
		}
		for _, e := range bu.Entry {
			out = append(out, e.Resource)
			if max > 0 && len(out) >= max {
				return out
			}
		}
	}
	return out
}

type referee struct {
	u *jsonformat.Unmarshaller
	c *Checker
}

func newReferee(t testing.TB) *referee {
	t.Helper()
	u, err := jsonformat.NewUnmarshaller("UTC", fhirversion.R4)
	if err != nil {
		t.Fatal(err)
	}
	c, err := New()
	if err != nil {
		t.Fatal(err)
	}
	return &referee{u: u, c: c}
}

// tally counts outcomes; disagree lists the cases where the fast check was
// certain and wrong.
type tally struct {
	n, accept, reject, unsureOK, unsureBad int
	reasons                                map[string]int
}

// judge runs both and returns a non-empty problem when they disagree.
func (r *referee) judge(raw []byte, tl *tally) string {
	v := r.c.Check(raw)
	_, err := r.u.Unmarshal(raw)
	ok := err == nil
	tl.n++
	if tl.reasons == nil {
		tl.reasons = map[string]int{}
	}
	switch v.Result {
	case Accept:
		tl.accept++
		if !ok {
			return "fast check accepted what jsonformat rejects"
		}
	case Reject:
		tl.reject++
		if ok {
			return "fast check rejected (" + v.Reason + ") what jsonformat accepts"
		}
	case Unsure:
		tl.reasons[v.Reason]++
		if ok {
			tl.unsureOK++
		} else {
			tl.unsureBad++
		}
	}
	return ""
}

func TestFixturesAgree(t *testing.T) {
	r := newReferee(t)
	rs := fixtureResources(t, 0)
	var tl tally
	for i, raw := range rs {
		if p := r.judge(raw, &tl); p != "" {
			t.Errorf("fixture resource %d: %s", i, p)
		}
	}
	t.Logf("%d fixture resources: %d accepted, %d rejected, %d unsure (%d of them valid) %v", tl.n, tl.accept, tl.reject, tl.unsureOK+tl.unsureBad, tl.unsureOK, tl.reasons)
	// The fixtures are valid R4: the fast path must decide nearly all of
	// them itself, or it is not doing its job.
	if tl.accept < tl.n*99/100 {
		t.Errorf("fast path accepted only %d of %d valid fixture resources", tl.accept, tl.n)
	}
}

// TestEdgeCasesAgree covers what the mutator does not generate: sizes,
// escapes, nesting depth and number spellings.
func TestEdgeCasesAgree(t *testing.T) {
	r := newReferee(t)
	big := strings.Repeat("a", maxStringSize)
	deep := `{"resourceType":"Patient","extension":[` + strings.Repeat(`{"url":"u","extension":[`, 120) + strings.Repeat(`]}`, 120) + `]}`
	cases := []string{
		`{"resourceType":"Patient","name":[{"text":"` + big + `"}]}`,                    // exactly 1 MB: allowed
		`{"resourceType":"Patient","name":[{"text":"` + big + `b"}]}`,                   // one byte over
		`{"resourceType":"Patient","text":{"status":"generated","div":"` + big + `b"}}`, // Xhtml has no size limit
		`{"resourceType":"Patient","name":[{"text":"\ud83d\ude00"}]}`,                   // surrogate pair: left to jsonformat
		`{"resourceType":"Patient","name":[{"text":"\u00e9\n\"\\\/"}]}`,                 // plain escapes
		`{"resourceType":"Patient","name":[{"text":"a\u0000"}]}`,                        // NUL by escape
		`{"resourceType":"Patient","name":[{"text":"a` + "\x01" + `"}]}`,                // raw control character: not JSON
		`{"resourceType":"Patient","name":[{"text":"` + "\xff" + `"}]}`,                 // invalid UTF-8
		`{"resourceType":"Patient","id":"` + strings.Repeat("a", 64) + `"}`,             // longest Id
		deep,
		`{"resourceType":"Observation","status":"final","code":{},"valueQuantity":{"value":-0.0}}`,
		`{"resourceType":"Observation","status":"final","code":{},"valueQuantity":{"value":1E400}}`,
		`{"resourceType":"Observation","status":"final","code":{},"valueQuantity":{"value":01.5}}`,
		`{"resourceType":"Observation","status":"final","code":{},"valueQuantity":{"value":1e-400}}`,
		`{"resourceType":"Observation","status":"final","code":{},"valueQuantity":{"value":-1.5E308}}`,
		`{"resourceType":"Observation","status":"final","code":{},"valueQuantity":{"value":` + strings.Repeat("9", 400) + `}}`,
		`{"resourceType":"Observation","status":"final","code":{},"valueQuantity":{"value":-` + strings.Repeat("9", 400) + `}}`,
		`{"resourceType":"Observation","status":"final","code":{},"fooBar":1E400}`, // invalid JSON beats unknown field
		`{"resourceType":"Observation","status":"final","code":{},"valueInteger":-2147483648}`,
		`{"resourceType":"Observation","status":"final","code":{},"valueInteger":1.0}`,
		`{"resourceType":"Observation","status":"final","code":{},"valueInteger":-0}`,
		`{"resourceType":"Claim","status":"active","use":"claim","type":{},"patient":{},"created":"2020","provider":{},"priority":{},"insurance":[{"sequence":+1,"focal":true,"coverage":{}}]}`,
		`{"resourceType":"Claim","status":"active","use":"claim","type":{},"patient":{},"created":"2020","provider":{},"priority":{},"insurance":[{"sequence":2147483648,"focal":true,"coverage":{}}]}`,
		`{"resourceType":"Claim","status":"active","use":"claim","type":{},"patient":{},"created":"2020","provider":{},"priority":{},"insurance":[{"sequence":1,"focal":true,"coverage":{}}]}`,
		`{"resourceType":"Patient","active":null,"gender":null,"birthDate":null}`,
		`{"resourceType":"Patient","multipleBirthInteger":null}`,
		"\ufeff" + `{"resourceType":"Patient"}`,
		` {"resourceType":"Patient"} `,
	}
	var tl tally
	for i, c := range cases {
		if p := r.judge([]byte(c), &tl); p != "" {
			t.Errorf("edge case %d: %s", i, p)
		}
	}
	t.Logf("%d edge cases: %d accepted, %d rejected, %d unsure", tl.n, tl.accept, tl.reject, tl.unsureOK+tl.unsureBad)
}
