package fhir

import (
	"strings"
	"testing"
)

func TestValidateInvalid(t *testing.T) {
	v, err := NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, raw, path, reason string
		secret                  string // value text that must not leak into the message
	}{
		{"bad date", `{"resourceType":"Patient","id":"p","birthDate":"not-a-date"}`, "Patient.birthDate", "expected date", "not-a-date"},
		{"unknown field", `{"resourceType":"Patient","id":"p","favouriteColour":"mauve"}`, "Patient", "unknown field", "mauve"},
		{"observation missing status and code", `{"resourceType":"Observation","id":"o","subject":{"reference":"Patient/p"}}`, "Observation", `missing required field "status" (and 1 more problem)`, ""},
		{"bad code", `{"resourceType":"Observation","id":"o","status":"sort-of","code":{"text":"x"}}`, "Observation.status", "code type mismatch", "sort-of"},
		{"wrong reference type", `{"resourceType":"Observation","id":"o","status":"final","code":{"text":"x"},"subject":{"reference":"Medication/m"}}`, "Observation.subject", "invalid reference to a Medication resource, want Patient, Group, Device, Location", ""},
		{"not an object field", `{"resourceType":"Patient","id":"p","name":"Jane Secretperson"}`, "Patient.name", "expected array", "Secretperson"},
		{"unknown type", `{"resourceType":"Wizard","id":"w"}`, "Wizard", "unknown resource type", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := (&Reader{types: map[string]string{}}).describe([]byte(tc.raw))
			res.Index = 4
			inv := v.Validate(res)
			if inv == nil {
				t.Fatal("validated")
			}
			if inv.Index != 4 || inv.Type != res.Type {
				t.Errorf("index/type %d %q", inv.Index, inv.Type)
			}
			if inv.Path != tc.path || inv.Reason != tc.reason {
				t.Errorf("got path %q reason %q; want %q %q", inv.Path, inv.Reason, tc.path, tc.reason)
			}
			if tc.secret != "" && strings.Contains(inv.Error(), tc.secret) {
				t.Errorf("message leaks the value: %q", inv.Error())
			}
		})
	}
	ok := Resource{Type: "Patient", Raw: []byte(`{"resourceType":"Patient","id":"p","birthDate":"1970-01-01"}`)}
	if inv := v.Validate(ok); inv != nil {
		t.Errorf("valid patient: %v", inv)
	}
}

func TestSanitizeReason(t *testing.T) {
	for in, want := range map[string]string{
		`error at "Patient.name[0].given[0]": expected string`:                                         "expected string",
		`error at "Patient": missing required field "status"`:                                          `missing required field "status"`,
		`error at "Patient": bad value "Jane Doe" here`:                                                "bad value (value) here",
		`readObjectStart: expect { or n, but found ", error found in #10 byte of ...|{"x":"Jane"}|...`: "readObjectStart: expect { or n, but found",
		`error at "Patient": invalid "Jane"`:                                                           "invalid (value)",
	} {
		_, got := splitJSONFormatError(in)
		if strings.Contains(got, "Jane") || (want != "" && !strings.HasPrefix(got, strings.TrimSuffix(want, " here"))) {
			t.Errorf("%q -> %q, want %q", in, got, want)
		}
	}
}
