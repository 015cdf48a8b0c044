package healthcardtest

// Bundles modelled on the SMART Health Cards specification's examples
// (spec.smarthealth.cards, example-00 and the lab-result profile): minimal
// resources, resource:N fullUrls and references, no ids, display-only
// performers — exactly the shape issuers put in a QR code. The person is
// the spec's made-up "John B. Anyperson".

// ImmunizationBundle: a Patient and two COVID-19 vaccine doses (CVX 207).
func ImmunizationBundle() []byte {
	return []byte(`{"resourceType":"Bundle","type":"collection","entry":[` +
		`{"fullUrl":"resource:0","resource":{"resourceType":"Patient","name":[{"family":"Anyperson","given":["John","B."]}],"birthDate":"1951-01-20"}},` +
		`{"fullUrl":"resource:1","resource":{"resourceType":"Immunization","status":"completed","vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"207"}]},"patient":{"reference":"resource:0"},"occurrenceDateTime":"2021-01-01","performer":[{"actor":{"display":"ABC General Hospital"}}],"lotNumber":"0000001"}},` +
		`{"fullUrl":"resource:2","resource":{"resourceType":"Immunization","status":"completed","vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"207"}]},"patient":{"reference":"resource:0"},"occurrenceDateTime":"2021-01-29","performer":[{"actor":{"display":"ABC General Hospital"}}],"lotNumber":"0000007"}}` +
		`]}`)
}

// LabBundle: a Patient and one SARS-CoV-2 PCR result (LOINC 94558-4,
// SNOMED "Not detected").
func LabBundle() []byte {
	return []byte(`{"resourceType":"Bundle","type":"collection","entry":[` +
		`{"fullUrl":"resource:0","resource":{"resourceType":"Patient","name":[{"family":"Anyperson","given":["Jane","C."]}],"birthDate":"1961-01-20"}},` +
		`{"fullUrl":"resource:1","resource":{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"94558-4"}]},"subject":{"reference":"resource:0"},"effectiveDateTime":"2021-02-17","performer":[{"display":"ABC Laboratory"}],"valueCodeableConcept":{"coding":[{"system":"http://snomed.info/sct","code":"260415000"}]}}}` +
		`]}`)
}

// PatientNames are the names in the bundles, for tests asserting that
// error text never quotes a card.
var PatientNames = []string{"Anyperson", "John", "Jane"}
