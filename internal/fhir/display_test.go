package fhir

import (
	"strings"
	"testing"
)

func TestCleanDisplay(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Acute viral pharyngitis (disorder)", "Acute viral pharyngitis"},
		{"Body mass index 30+ - obesity (finding)", "Body mass index 30+ - obesity"},
		{"Medication reconciliation (procedure)", "Medication reconciliation"},
		{"Full-time employment (finding)  ", "Full-time employment"},
		{"Stress (finding)", "Stress"},
		{"Received higher education (finding)", "Received higher education"},
		{"Housing unsatisfactory (situation)", "Housing unsatisfactory"},
		{"Peanut (substance)", "Peanut"},
		{"Allergic disposition (disposition)", "Allergic disposition"},
		{"Hepatitis B vaccine (adult)", "Hepatitis B vaccine (adult)"}, // its own words, not a tag
		{"Influenza, seasonal, injectable, preservative free", "Influenza, seasonal, injectable, preservative free"},
		{"(disorder)", "(disorder)"}, // nothing but the tag: keep something to show
		{"Glucose [Mass/volume] in Blood", "Glucose [Mass/volume] in Blood"},
		{"", ""},
		{"Asthma (Disorder)", "Asthma"},
	} {
		if got := CleanDisplay(c.in); got != c.want {
			t.Errorf("CleanDisplay(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// Summaries store the cleaned display, so every list and search result
// shows it; names of people are not code displays and are left alone.
func TestSummarizeCleansCodeDisplay(t *testing.T) {
	cond := Summarize(Resource{Type: "Condition", Raw: []byte(`{"resourceType":"Condition","code":{"coding":[{"system":"http://snomed.info/sct","code":"195662009","display":"Acute viral pharyngitis (disorder)"}]}}`)}, nil)
	if cond.Display != "Acute viral pharyngitis" {
		t.Errorf("condition display %q", cond.Display)
	}
	pr := Summarize(Resource{Type: "Practitioner", Raw: []byte(`{"resourceType":"Practitioner","name":[{"family":"Person (finding)"}]}`)}, nil)
	if pr.Display != "Person (finding)" {
		t.Errorf("practitioner name %q", pr.Display)
	}
}

// A coded result's value is a code display too: lists and the CLI read
// value_text, so it is stored cleaned; search keeps the words as written.
func TestSummarizeCleansCodedValue(t *testing.T) {
	obs := Summarize(Resource{Type: "Observation", Raw: []byte(`{"resourceType":"Observation","code":{"text":"Appearance of Urine"},"valueCodeableConcept":{"coding":[{"system":"http://snomed.info/sct","code":"7766007","display":"Cloudy urine (finding)"}],"text":"Cloudy urine (finding)"}}`)}, nil)
	if obs.ValueText != "Cloudy urine" {
		t.Errorf("value text %q, want the display without its tag", obs.ValueText)
	}
	if !strings.Contains(obs.Text, "Cloudy urine (finding)") {
		t.Errorf("search text %q lost the words as written", obs.Text)
	}
}
