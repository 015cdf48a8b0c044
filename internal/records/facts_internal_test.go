package records

import (
	"testing"

	"github.com/fastenhealth/fasten-desktop/internal/fhir"
)

func num(f float64) *float64 { return &f }

// The rule of one fact (factKey), with the near misses the issue names: the
// same test at another time or with another value, the same vaccine on
// another day, are other facts.
func TestFactKeyRule(t *testing.T) {
	chol := fhir.Summary{CodeSystem: "http://loinc.org", Code: "2093-3", Date: "2021-03-12T10:14:49+01:00", ValueNum: num(182), Unit: "mg/dL"}
	with := func(f func(*fhir.Summary)) *fhir.Summary { c := chol; f(&c); return &c }
	same := []struct {
		name string
		a, b *fhir.Summary
	}{
		{"the same result from another source", &chol, with(func(s *fhir.Summary) {})},
		{"seconds apart, same minute", &chol, with(func(s *fhir.Summary) { s.Date = "2021-03-12T10:14:02+01:00" })},
		{"the same instant in another zone", &chol, with(func(s *fhir.Summary) { s.Date = "2021-03-12T09:14:49Z" })},
		{"fractional seconds", &chol, with(func(s *fhir.Summary) { s.Date = "2021-03-12T09:14:49.123Z" })},
		{"another display", &chol, with(func(s *fhir.Summary) { s.Display = "Cholesterol [Mass/volume] in Serum or Plasma" })},
	}
	for _, c := range same {
		if factKey("Observation", "a", c.a) != factKey("Observation", "b", c.b) {
			t.Errorf("%s: two facts, want one (%q vs %q)", c.name, factParts("Observation", "a", c.a), factParts("Observation", "b", c.b))
		}
	}
	other := []struct {
		name string
		b    *fhir.Summary
	}{
		{"the same test an hour later", with(func(s *fhir.Summary) { s.Date = "2021-03-12T11:14:49+01:00" })},
		{"the same test a minute later", with(func(s *fhir.Summary) { s.Date = "2021-03-12T10:15:00+01:00" })},
		{"the same time, another value", with(func(s *fhir.Summary) { s.ValueNum = num(183) })},
		{"the same value in another unit", with(func(s *fhir.Summary) { s.Unit = "mmol/L" })},
		{"another test", with(func(s *fhir.Summary) { s.Code = "2085-9" })},
		{"another code system", with(func(s *fhir.Summary) { s.CodeSystem = "http://snomed.info/sct" })},
		{"a text value", with(func(s *fhir.Summary) { s.ValueNum = nil; s.ValueText = "182" })},
	}
	for _, c := range other {
		if factKey("Observation", "a", &chol) == factKey("Observation", "b", c.b) {
			t.Errorf("%s: one fact, want two", c.name)
		}
	}

	flu := fhir.Summary{CodeSystem: "http://hl7.org/fhir/sid/cvx", Code: "140", Date: "2020-10-03T09:00:00-04:00"}
	laterSameDay := flu
	laterSameDay.Date = "2020-10-03T15:30:00-04:00"
	nextDay := flu
	nextDay.Date = "2020-10-04T09:00:00-04:00"
	if factKey("Immunization", "a", &flu) != factKey("Immunization", "b", &laterSameDay) {
		t.Error("the same vaccine on the same day: two facts")
	}
	if factKey("Immunization", "a", &flu) == factKey("Immunization", "b", &nextDay) {
		t.Error("the same vaccine a day later: one fact")
	}
	asthma := fhir.Summary{CodeSystem: "http://snomed.info/sct", Code: "195967001", Date: "2012-05-01"}
	asthmaLater := asthma
	asthmaLater.Date = "2013-05-01"
	if factKey("Condition", "a", &asthma) == factKey("Condition", "b", &asthmaLater) {
		t.Error("the same problem with another onset: one fact")
	}
	if factKey("Condition", "a", &asthma) == factKey("Immunization", "a", &asthma) {
		t.Error("two types share a fact")
	}

	// Without a code or a date, or for a type with no rule, only copies of
	// one record (same type and FHIR id) are one fact.
	uncoded := fhir.Summary{Date: "2021-03-12T10:14:49Z", ValueNum: num(1)}
	if factKey("Observation", "a", &uncoded) == factKey("Observation", "b", &uncoded) {
		t.Error("two uncoded results with other ids: one fact")
	}
	if factKey("Observation", "a", &uncoded) != factKey("Observation", "a", &uncoded) {
		t.Error("copies of an uncoded result: two facts")
	}
	note := fhir.Summary{Code: "34117-2", Date: "2021-03-12T10:14:49Z"}
	if factKey("DocumentReference", "a", &note) == factKey("DocumentReference", "b", &note) {
		t.Error("two documents of one kind at one time: one fact (documents have no rule)")
	}
	cbc := fhir.Summary{CodeSystem: "http://loinc.org", Code: "58410-2", Date: "2017-11-10T00:14:00Z"}
	if factKey("DiagnosticReport", "a", &cbc) == factKey("DiagnosticReport", "b", &cbc) {
		t.Error("two blood count panels of one minute: one fact (their results differ)")
	}
	bad := chol
	bad.Date = "last Tuesday"
	if factKey("Observation", "a", &bad) == factKey("Observation", "b", &bad) {
		t.Error("unreadable dates: one fact")
	}
}
