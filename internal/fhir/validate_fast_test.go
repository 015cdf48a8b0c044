package fhir

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"testing"

	"github.com/fastenhealth/fasten-desktop/internal/fhir/fastcheck"
)

// fastSeeds are hand-made cases at the edges of the rules the fast path
// mirrors; each says what jsonformat does with it.
var fastSeeds = []string{
	`{"resourceType":"Patient","id":"p1","gender":"female","birthDate":"1990-02-28"}`,                                       // valid
	`{"resourceType":"Patient","birthDate":"1990-02-30"}`,                                                                   // no such day
	`{"resourceType":"Patient","birthDate":1990}`,                                                                           // wrong JSON type
	`{"resourceType":"Patient","gender":"FEMALE"}`,                                                                          // enum codes are case-blind
	`{"resourceType":"Patient","gender":""}`,                                                                                // "" is INVALID_UNINITIALIZED's (missing) original code
	`{"resourceType":"Patient","gender":"woman"}`,                                                                           // not in the required binding
	`{"resourceType":"Patient","Gender":"female"}`,                                                                          // upper-case key: left to jsonformat
	`{"resourceType":"Patient","id":"bad id!"}`,                                                                             // Id regex
	`{"resourceType":"Patient","name":[{"given":["A","B"],"_given":[null,{"extension":[{"url":"u","valueString":"x"}]}]}]}`, // extension array beside values
	`{"resourceType":"Patient","name":[{"given":["A","B"],"_given":[null]}]}`,                                               // length mismatch
	`{"resourceType":"Patient","name":{"family":"x"}}`,                                                                      // object for an array
	`{"resourceType":"Patient","deceasedBoolean":true,"deceasedDateTime":"2020"}`,                                           // two choice values
	`{"resourceType":"Patient","deceasedFoo":true}`,                                                                         // unknown choice suffix
	`{"resourceType":"Patient","multipleBirthInteger":2147483648}`,                                                          // int32 overflow
	`{"resourceType":"Patient","photo":[{"data":"YWJj ZGVm"}]}`,                                                             // base64 with a stride
	`{"resourceType":"Patient","photo":[{"data":"YWJj  ZGVm ZGVm"}]}`,                                                       // uneven separators
	`{"resourceType":"Patient","text":{"status":"generated","div":""}}`,                                                     // Xhtml value is required
	`{"resourceType":"Patient","text":{"status":"generated","_div":{}}}`,                                                    // Xhtml has no extensions
	`{"resourceType":"Patient","managingOrganization":{"reference":"Practitioner/1"}}`,                                      // wrong reference type
	`{"resourceType":"Patient","managingOrganization":{"reference":"Organization/1/_history/a b"}}`,                         // history must be an Id
	`{"resourceType":"Patient","generalPractitioner":[{"reference":"ReferralRequest/1"}]}`,                                  // an STU3-only type: NormalizeReference fails
	`{"resourceType":"Patient","contained":[{"resourceType":"Condition","subject":{"reference":"ProcedureRequest/1"}}]}`,    // … inside contained too
	`{"resourceType":"Patient","contained":[{"resourceType":"Patient","id":"bad id!"}]}`,                                    // contained: parsed, not validated
	`{"resourceType":"Patient","contained":[{"resourceType":"Patient","birthDate":"x"}]}`,                                   // contained: parse errors count
	`{"resourceType":"Observation","status":"final"}`,                                                                       // missing required code
	`{"resourceType":"Observation","status":"final","code":{},"valueQuantity":{"value":1.50}}`,                              // valid
	`{"resourceType":"Observation","status":"final","code":{},"valueQuantity":{"value":"1.5"}}`,                             // decimal as a string
	`{"resourceType":"Observation","status":"final","code":{},"effectiveInstant":"2020-01-01T10:00:00+14:00"}`,
	`{"resourceType":"Observation","status":"final","code":{},"valueTime":"24:00:00"}`,
	`{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://[::1","code":"x"}]}}`,
	`{"resourceType":"Observation","status":"final","code":{"text":"a\u0001b"}}`, // control character in a string
	`{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Observation","status":"final"}}]}`,
	`{"resourceType":"Bogus"}`,
	`{"id":"x","resourceType":"Patient"}`,
	`{"resourceType":"Patient","id":"a","id":"b"}`, // duplicate keys: jsoniter keeps the last
	`[]`,
	`{"resourceType":"Patient"} x`,
}

func FuzzValidatorAgrees(f *testing.F) {
	for _, s := range fastSeeds {
		f.Add([]byte(s))
	}
	// One resource of each type from the first fixture bundle.
	if files := fixtureFiles(f); len(files) > 0 {
		b, err := os.ReadFile(files[0])
		if err != nil {
			f.Fatal(err)
		}
		var bu struct {
			Entry []struct {
				Resource json.RawMessage `json:"resource"`
			} `json:"entry"`
		}
		if err := json.Unmarshal(b, &bu); err != nil {
			f.Fatal(err)
		}
		seen := map[string]bool{}
		for _, e := range bu.Entry {
			var h struct{ ResourceType string }
			_ = json.Unmarshal(e.Resource, &h)
			if !seen[h.ResourceType] {
				seen[h.ResourceType] = true
				f.Add([]byte(e.Resource))
			}
		}
	}
	fast, err := NewValidator()
	if err != nil {
		f.Fatal(err)
	}
	full, err := NewFullValidator()
	if err != nil {
		f.Fatal(err)
	}
	checker, err := fastcheck.New()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		res := Resource{Raw: raw}
		want := full.Validate(res)
		got := fast.Validate(res)
		// Only shapes are printed, never the input.
		if (got == nil) != (want == nil) {
			t.Fatalf("validator with the fast path says valid=%v, jsonformat alone valid=%v (%d bytes)", got == nil, want == nil, len(raw))
		}
		// A refusal is jsonformat's own message either way (the fast path
		// never writes one); it is not compared here because jsonformat
		// itself names a different one of several problems from run to run
		// (its map iteration order).
		if v := checker.Check(raw); v.Result == fastcheck.Accept && want != nil {
			t.Fatalf("fast check accepts what jsonformat refuses at %q", want.Path)
		} else if v.Result == fastcheck.Reject && want == nil && !duplicateKeys(raw) {
			// With duplicate keys jsoniter keeps the last value, while the
			// fast path stops at the first bad one: such a reject is only a
			// detour through jsonformat, not a wrong answer.
			t.Fatalf("fast check rejects (%s) what jsonformat accepts", v.Reason)
		}
	})
}

// duplicateKeys reports whether some object in raw repeats a key (or raw is
// not JSON encoding/json reads).
func duplicateKeys(raw []byte) bool {
	d := json.NewDecoder(bytes.NewReader(raw))
	type frame struct {
		keys   map[string]bool
		object bool
		want   bool // next string token is a key
	}
	var stack []*frame
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return false
		}
		if err != nil {
			return true
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.object && top.want {
			if k, ok := tok.(string); ok {
				if top.keys[k] {
					return true
				}
				top.keys[k] = true
				top.want = false
				continue
			}
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &frame{keys: map[string]bool{}, object: true, want: true})
			continue
		case json.Delim('['):
			stack = append(stack, &frame{})
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
		// A value finished: the enclosing object expects a key next.
		if len(stack) > 0 && stack[len(stack)-1].object {
			stack[len(stack)-1].want = true
		}
	}
}
