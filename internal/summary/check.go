package summary

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/fastenhealth/fasten-desktop/internal/fhir"
)

// sectionTypes is which resource types each IPS section's entries may be.
var sectionTypes = map[string][]string{
	ProblemsCode:     {"Condition"},
	MedicationsCode:  {"MedicationRequest", "MedicationStatement"},
	AllergiesCode:    {"AllergyIntolerance"},
	ImmunizationCode: {"Immunization"},
	ResultsCode:      {"Observation", "DiagnosticReport"},
	VitalsCode:       {"Observation"},
	ProceduresCode:   {"Procedure"},
}

// requiredSections are the sections the IPS requires even when empty.
var requiredSections = []string{ProblemsCode, MedicationsCode, AllergiesCode}

// Check tests the IPS document rules a validator of single resources
// cannot see: a document Bundle with an identifier and timestamp whose
// first entry is a Composition typed LOINC 60591-5 with a subject (a
// Patient in the Bundle), an author and a title; the required sections
// present; every section coded with its LOINC code once, with a narrative,
// and with entries of the right types or (only when it has none) an
// emptyReason; every entry named by a urn:uuid fullUrl matching its id;
// every reference of every entry resolving inside the Bundle; and every
// entry's subject or patient being the Composition's subject. The error (an
// *InvalidError) names what failed, never a record's content.
func Check(bundle []byte) error {
	fail := func(entry int, typ, format string, args ...any) error {
		return &InvalidError{Entry: entry, Type: typ, Reason: fmt.Sprintf(format, args...)}
	}
	var b struct {
		ResourceType string          `json:"resourceType"`
		Type         string          `json:"type"`
		Timestamp    string          `json:"timestamp"`
		Identifier   json.RawMessage `json:"identifier"`
		Entry        []struct {
			FullURL  string          `json:"fullUrl"`
			Resource json.RawMessage `json:"resource"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(bundle, &b); err != nil {
		return fail(-1, "", "not JSON")
	}
	if b.ResourceType != "Bundle" || b.Type != "document" {
		return fail(-1, "", "not a document Bundle")
	}
	if b.Timestamp == "" || len(b.Identifier) == 0 {
		return fail(-1, "", "a document Bundle needs an identifier and a timestamp")
	}
	if len(b.Entry) == 0 {
		return fail(-1, "", "no entries")
	}
	type head struct {
		ResourceType string `json:"resourceType"`
		ID           string `json:"id"`
		Subject      *ref   `json:"subject"`
		Patient      *ref   `json:"patient"`
	}
	types := map[string]string{} // fullUrl → resource type
	heads := make([]head, len(b.Entry))
	for i, e := range b.Entry {
		if err := json.Unmarshal(e.Resource, &heads[i]); err != nil || heads[i].ResourceType == "" {
			return fail(i, "", "entry has no resource")
		}
		t := heads[i].ResourceType
		if !strings.HasPrefix(e.FullURL, "urn:uuid:") || strings.TrimPrefix(e.FullURL, "urn:uuid:") != heads[i].ID {
			return fail(i, t, "fullUrl is not urn:uuid:<the resource's id>")
		}
		if _, dup := types[e.FullURL]; dup {
			return fail(i, t, "fullUrl used twice")
		}
		types[e.FullURL] = t
	}
	if heads[0].ResourceType != "Composition" {
		return fail(0, heads[0].ResourceType, "the first entry must be the Composition")
	}
	var comp struct {
		Status  string `json:"status"`
		Type    concept
		Subject ref    `json:"subject"`
		Author  []ref  `json:"author"`
		Title   string `json:"title"`
		Date    string `json:"date"`
		Section []struct {
			Title string `json:"title"`
			Code  concept
			Text  *struct {
				Status string `json:"status"`
				Div    string `json:"div"`
			} `json:"text"`
			Entry       []ref           `json:"entry"`
			EmptyReason json.RawMessage `json:"emptyReason"`
		} `json:"section"`
	}
	if err := json.Unmarshal(b.Entry[0].Resource, &comp); err != nil {
		return fail(0, "Composition", "unreadable")
	}
	if !comp.Type.has(loinc, DocumentCode) {
		return fail(0, "Composition", "type is not LOINC %s", DocumentCode)
	}
	if comp.Status == "" || comp.Title == "" || comp.Date == "" {
		return fail(0, "Composition", "status, title and date are required")
	}
	subject := comp.Subject.Reference
	if types[subject] != "Patient" {
		return fail(0, "Composition", "subject is not a Patient in the Bundle")
	}
	if len(comp.Author) == 0 {
		return fail(0, "Composition", "no author")
	}
	for _, a := range comp.Author {
		if types[a.Reference] == "" {
			return fail(0, "Composition", "author is not in the Bundle")
		}
	}
	seen := map[string]bool{}
	for si, s := range comp.Section {
		code := ""
		for c := range sectionTypes {
			if s.Code.has(loinc, c) {
				code = c
			}
		}
		if code == "" {
			return fail(0, "Composition", "section %d has no IPS section code", si)
		}
		if seen[code] {
			return fail(0, "Composition", "section %s appears twice", code)
		}
		seen[code] = true
		if s.Text == nil || s.Text.Status == "" || !strings.HasPrefix(s.Text.Div, "<div") {
			return fail(0, "Composition", "section %s has no narrative", code)
		}
		switch {
		case len(s.Entry) == 0 && len(s.EmptyReason) == 0:
			return fail(0, "Composition", "section %s is empty without an emptyReason", code)
		case len(s.Entry) > 0 && len(s.EmptyReason) > 0:
			return fail(0, "Composition", "section %s has entries and an emptyReason", code)
		}
		for _, e := range s.Entry {
			t := types[e.Reference]
			if t == "" {
				return fail(0, "Composition", "section %s names an entry not in the Bundle", code)
			}
			ok := false
			for _, want := range sectionTypes[code] {
				ok = ok || t == want
			}
			if !ok {
				return fail(0, "Composition", "section %s holds a %s", code, t)
			}
		}
	}
	for _, c := range requiredSections {
		if !seen[c] {
			return fail(0, "Composition", "required section %s is missing", c)
		}
	}
	patients := 0
	for i, e := range b.Entry {
		h := heads[i]
		if h.ResourceType == "Patient" {
			patients++
		}
		for _, r := range []*ref{h.Subject, h.Patient} {
			if r != nil && r.Reference != subject {
				return fail(i, h.ResourceType, "its subject is not the document's subject")
			}
		}
		var bad string
		fhir.References(e.Resource, func(r string) {
			if bad == "" && !strings.HasPrefix(r, "#") && types[r] == "" {
				bad = "a reference does not resolve inside the Bundle"
			}
		})
		if bad != "" {
			return fail(i, h.ResourceType, "%s", bad)
		}
	}
	if patients != 1 {
		return fail(-1, "", "%d Patient entries; a summary is about one person", patients)
	}
	return nil
}

type ref struct {
	Reference string `json:"reference"`
}

type concept struct {
	Coding []struct {
		System string `json:"system"`
		Code   string `json:"code"`
	} `json:"coding"`
}

func (c concept) has(system, code string) bool {
	for _, cd := range c.Coding {
		if cd.System == system && cd.Code == code {
			return true
		}
	}
	return false
}
