package fhir

import (
	"reflect"
	"strings"
	"testing"
)

// A health card's records carry codes without words (the card's own
// shapes, as the SMART Health Cards spec writes them). Their summaries name
// them from the published lists; a display or text the source wrote still
// wins, and a code no list holds stays unnamed as before.
func TestSummarizeNamesBareCodes(t *testing.T) {
	const covid207 = "SARS-COV-2 (COVID-19) vaccine, mRNA, spike protein, LNP, preservative free, 100 mcg/0.5mL dose or 50 mcg/0.25mL dose"
	const antigen = "SARS-CoV-2 (COVID-19) Ag [Presence] in Respiratory specimen by Rapid immunoassay"
	tests := []struct {
		name, raw string
		want      Summary
	}{
		{"vaccine with only CVX 207",
			`{"resourceType":"Immunization","status":"completed","vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"207"}]},"patient":{"reference":"resource:0"},"occurrenceDateTime":"2021-01-01","performer":[{"actor":{"display":"ABC General Hospital"}}],"lotNumber":"0000001"}`,
			Summary{Date: "2021-01-01", CodeSystem: "http://hl7.org/fhir/sid/cvx", Code: "207", Display: covid207,
				Status: "completed", Text: "ABC General Hospital " + covid207, Refs: []string{"resource:0"}}},
		{"antigen test, not detected",
			`{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"94558-4"}]},"subject":{"reference":"resource:0"},"effectiveDateTime":"2021-02-17","performer":[{"display":"ABC General Hospital"}],"valueCodeableConcept":{"coding":[{"system":"http://snomed.info/sct","code":"260415000"}]}}`,
			Summary{Date: "2021-02-17", CodeSystem: "http://loinc.org", Code: "94558-4", Display: antigen,
				ValueText: "Not detected", Status: "final", Text: "ABC General Hospital Not detected " + antigen, Refs: []string{"resource:0"}}},
		{"the source's display wins",
			`{"resourceType":"Immunization","vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"208","display":"Pfizer-BioNTech COVID-19 Vaccine"}]},"occurrenceDateTime":"2021-03-01"}`,
			Summary{Date: "2021-03-01", CodeSystem: "http://hl7.org/fhir/sid/cvx", Code: "208", Display: "Pfizer-BioNTech COVID-19 Vaccine", Text: "Pfizer-BioNTech COVID-19 Vaccine"}},
		{"the source's text wins",
			`{"resourceType":"Observation","code":{"coding":[{"system":"http://loinc.org","code":"94500-6"}],"text":"COVID PCR"},"valueCodeableConcept":{"coding":[{"system":"http://snomed.info/sct","code":"260373001"}],"text":"POSITIVE"}}`,
			Summary{CodeSystem: "http://loinc.org", Code: "94500-6", Display: "COVID PCR", ValueText: "POSITIVE", Text: "COVID PCR POSITIVE"}},
		{"a code no list holds",
			`{"resourceType":"Immunization","vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"90000"}]},"occurrenceDateTime":"2021-03-01"}`,
			Summary{Date: "2021-03-01", CodeSystem: "http://hl7.org/fhir/sid/cvx", Code: "90000"}},
		{"a known code under another system",
			`{"resourceType":"Immunization","vaccineCode":{"coding":[{"system":"http://example.org/vaccines","code":"207"}]},"occurrenceDateTime":"2021-03-01"}`,
			Summary{Date: "2021-03-01", CodeSystem: "http://example.org/vaccines", Code: "207"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Summarize(Resource{Raw: []byte(tc.raw)}, nil)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("\n got %+v\nwant %+v", got, tc.want)
			}
		})
	}
	// Search finds the vaccine by the words a family types.
	s := Summarize(Resource{Raw: []byte(tests[0].raw)}, nil)
	if !strings.Contains(strings.ToLower(s.Text), "covid-19") {
		t.Errorf("search text %q", s.Text)
	}
}
