package fhir

import "strings"

// semanticTags are SNOMED CT's hierarchy tags. SNOMED puts one at the end of
// every fully specified name ("Asthma (disorder)"), and many sources copy
// that name into Coding.display; to a family the tag is noise.
var semanticTags = map[string]bool{
	"disorder": true, "finding": true, "procedure": true, "situation": true,
	"observable entity": true, "substance": true, "product": true,
	"medicinal product": true, "medicinal product form": true, "clinical drug": true,
	"body structure": true, "qualifier value": true, "regime/therapy": true,
	"morphologic abnormality": true, "event": true, "organism": true,
	"physical object": true, "environment": true, "record artifact": true,
	"specimen": true, "person": true, "occupation": true, "assessment scale": true,
	"attribute": true, "navigational concept": true, "social concept": true,
	"ethnic group": true, "racial group": true, "life style": true,
	"cell": true, "cell structure": true, "physical force": true,
	"geographic location": true, "environment / location": true,
	"tumor staging": true, "staging scale": true, "dose form": true,
	"basic dose form": true, "administrative concept": true, "special concept": true,
	"context-dependent category": true, "disposition": true, "role": true,
	"religion/philosophy": true, "unit of presentation": true, "state of matter": true,
}

// CleanDisplay is a code's display text as a person should read it: space
// trimmed and without a trailing SNOMED semantic tag. Only the known tags
// are removed, so a display whose own words end in parentheses ("Hepatitis
// B (adult)") keeps them.
func CleanDisplay(s string) string {
	s = strings.TrimSpace(s)
	if !strings.HasSuffix(s, ")") {
		return s
	}
	open := strings.LastIndex(s, " (")
	if open <= 0 {
		return s
	}
	if tag := s[open+2 : len(s)-1]; semanticTags[strings.ToLower(tag)] {
		return strings.TrimSpace(s[:open])
	}
	return s
}
