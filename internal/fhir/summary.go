package fhir

import (
	"math"
	"strconv"
	"strings"

	"github.com/fastenhealth/fasten-desktop/internal/codenames"
)

// Summary holds the derived columns the UI lists and searches by. It is a pure
// function of the raw bytes (plus a reference resolver), so the database can
// drop and rebuild these columns whenever this code improves.
type Summary struct {
	PatientRef                string   // "Patient/<id>" the resource is about (a Patient is about itself), or an unresolved urn: reference as the resolver returned it
	Date                      string   // best clinically relevant date, as written
	DateEnd                   string   // end of the relevant period, if any
	Category                  string   // e.g. "vital-signs", "laboratory", encounter class
	CodeSystem, Code, Display string   // primary code; Display is also the name for people and places
	ValueNum                  *float64 // valueQuantity (or valueInteger) value
	ValueText                 string   // non-numeric value, or "120/80"-style component values
	Unit                      string
	Status                    string
	// RefLow, RefHigh and RefText are an Observation's first reference
	// range (the source's own normal range for this result); Flag is its
	// first interpretation code as written (H, L, N, A…). Trends draw each
	// point against its own range, and the dashboard flags results from
	// these without reading the raw JSON.
	RefLow, RefHigh *float64
	RefText         string
	Flag            string
	Text            string   // words for full-text search: code displays, names, notes; never narrative HTML
	Refs            []string // every reference, resolved to "Type/id" where possible, else as written
}

// spec says where one resource type keeps each summary field. Paths step
// through arrays by taking the first element, since most of these elements
// are 0..* in some resource types and 0..1 in others.
type spec struct {
	patient  []string   // top-level Reference elements, first Patient wins
	date     [][]string // first non-empty wins
	dateEnd  [][]string
	category []string   // CodeableConcept, Coding or code
	code     []string   // top-level CodeableConcept elements, first present wins
	status   [][]string // first non-empty wins
}

var (
	pSubject  = []string{"subject", "patient"}
	stStatus  = [][]string{{"status"}}
	stClinic  = [][]string{{"clinicalStatus", "coding", "code"}, {"status"}}
	catFirst  = []string{"category", "coding", "code"}
	genericSp = &spec{
		patient: []string{"subject", "patient", "beneficiary"},
		date: [][]string{{"effectiveDateTime"}, {"effectivePeriod", "start"}, {"effectiveInstant"},
			{"occurrenceDateTime"}, {"occurrencePeriod", "start"}, {"period", "start"}, {"date"},
			{"authoredOn"}, {"created"}, {"issued"}, {"recorded"}, {"sent"}, {"started"}},
		dateEnd:  [][]string{{"effectivePeriod", "end"}, {"occurrencePeriod", "end"}, {"period", "end"}},
		category: catFirst,
		code:     []string{"code", "type"},
		status:   [][]string{{"status"}, {"clinicalStatus", "coding", "code"}},
	}
)

var specs = map[string]*spec{
	"Patient": {},
	"Observation": {patient: pSubject,
		date:    [][]string{{"effectiveDateTime"}, {"effectivePeriod", "start"}, {"effectiveInstant"}, {"issued"}},
		dateEnd: [][]string{{"effectivePeriod", "end"}}, category: catFirst, code: []string{"code"}, status: stStatus},
	"Condition": {patient: pSubject,
		date:    [][]string{{"onsetDateTime"}, {"onsetPeriod", "start"}, {"recordedDate"}},
		dateEnd: [][]string{{"abatementDateTime"}, {"abatementPeriod", "end"}}, category: catFirst, code: []string{"code"}, status: stClinic},
	"Encounter": {patient: pSubject, date: [][]string{{"period", "start"}}, dateEnd: [][]string{{"period", "end"}},
		category: []string{"class", "code"}, code: []string{"type", "serviceType"}, status: stStatus},
	"Immunization": {patient: pSubject, date: [][]string{{"occurrenceDateTime"}, {"recorded"}},
		code: []string{"vaccineCode"}, status: stStatus},
	"MedicationRequest": {patient: pSubject, date: [][]string{{"authoredOn"}}, category: catFirst,
		code: []string{"medicationCodeableConcept", "medicationReference"}, status: stStatus},
	"MedicationStatement": {patient: pSubject,
		date:    [][]string{{"effectiveDateTime"}, {"effectivePeriod", "start"}, {"dateAsserted"}},
		dateEnd: [][]string{{"effectivePeriod", "end"}}, category: catFirst,
		code: []string{"medicationCodeableConcept", "medicationReference"}, status: stStatus},
	"MedicationAdministration": {patient: pSubject,
		date:    [][]string{{"effectiveDateTime"}, {"effectivePeriod", "start"}},
		dateEnd: [][]string{{"effectivePeriod", "end"}}, category: catFirst,
		code: []string{"medicationCodeableConcept", "medicationReference"}, status: stStatus},
	"Procedure": {patient: pSubject, date: [][]string{{"performedDateTime"}, {"performedPeriod", "start"}},
		dateEnd: [][]string{{"performedPeriod", "end"}}, category: catFirst, code: []string{"code"}, status: stStatus},
	"DiagnosticReport": {patient: pSubject,
		date:    [][]string{{"effectiveDateTime"}, {"effectivePeriod", "start"}, {"issued"}},
		dateEnd: [][]string{{"effectivePeriod", "end"}}, category: catFirst, code: []string{"code"}, status: stStatus},
	"AllergyIntolerance": {patient: pSubject, date: [][]string{{"recordedDate"}, {"onsetDateTime"}, {"onsetPeriod", "start"}},
		category: []string{"category"}, code: []string{"code"}, status: stClinic},
	"CarePlan": {patient: pSubject, date: [][]string{{"period", "start"}, {"created"}}, dateEnd: [][]string{{"period", "end"}},
		status: stStatus}, // category and code handled specially
	"CareTeam": {patient: pSubject, date: [][]string{{"period", "start"}}, dateEnd: [][]string{{"period", "end"}},
		category: catFirst, code: []string{"category"}, status: stStatus},
	"Goal": {patient: pSubject, date: [][]string{{"startDate"}, {"target", "dueDate"}},
		category: catFirst, code: []string{"description"}, status: [][]string{{"lifecycleStatus"}}},
	"Claim": {patient: pSubject, date: [][]string{{"billablePeriod", "start"}, {"created"}},
		dateEnd: [][]string{{"billablePeriod", "end"}}, code: []string{"type"}, status: stStatus},
	"ExplanationOfBenefit": {patient: pSubject, date: [][]string{{"billablePeriod", "start"}, {"created"}},
		dateEnd: [][]string{{"billablePeriod", "end"}}, code: []string{"type"}, status: stStatus},
	"ImagingStudy": {patient: pSubject, date: [][]string{{"started"}},
		code: []string{"procedureCode", "reasonCode"}, status: stStatus},
	"DocumentReference": {patient: pSubject, date: [][]string{{"date"}, {"context", "period", "start"}},
		dateEnd: [][]string{{"context", "period", "end"}}, category: catFirst, code: []string{"type"}, status: stStatus},
	"Practitioner": {}, "Organization": {}, "Location": {},
	"Medication": {code: []string{"code"}, status: stStatus},
	"Device":     {patient: []string{"patient"}, code: []string{"type"}, status: stStatus},
	"Coverage": {patient: []string{"beneficiary", "subscriber"}, date: [][]string{{"period", "start"}},
		dateEnd: [][]string{{"period", "end"}}, code: []string{"type"}, status: stStatus},
	"ServiceRequest": {patient: pSubject,
		date:    [][]string{{"occurrenceDateTime"}, {"occurrencePeriod", "start"}, {"authoredOn"}},
		dateEnd: [][]string{{"occurrencePeriod", "end"}}, category: catFirst, code: []string{"code"}, status: stStatus},
	"Specimen": {patient: pSubject,
		date:    [][]string{{"collection", "collectedDateTime"}, {"collection", "collectedPeriod", "start"}, {"receivedTime"}},
		dateEnd: [][]string{{"collection", "collectedPeriod", "end"}}, code: []string{"type"}, status: stStatus},
}

// textKeys are the string elements worth indexing wherever they occur: code
// displays, CodeableConcept/Annotation text, human and place names, titles.
// Narrative is excluded by construction (its text is an object, its HTML is "div").
func isTextKey(k []byte) bool {
	switch string(k) {
	case "display", "text", "family", "given", "name", "title", "description":
		return true
	}
	return false
}

type member struct{ key, val []byte }

// walker makes the single full pass over a resource: it records the top-level
// members for the per-type lookups and collects references and text on the way.
type walker struct {
	top     []member
	texts   []string
	refs    []string
	topBuf  [48]member
	txtBuf  [32]string
	refBuf  [16]string
	resolve func(string) string
	onRef   func(string) // when set, only references are reported (References)
}

const maxWalkDepth = 256

func (w *walker) value(b []byte, i int, key []byte, depth int) int {
	if i >= len(b) {
		return len(b)
	}
	switch b[i] {
	case '{':
		if depth >= maxWalkDepth {
			e := skipValue(b, i)
			if e < 0 {
				return len(b)
			}
			return e
		}
		i++
		for {
			i = skipWS(b, i)
			if i >= len(b) {
				return i
			}
			switch b[i] {
			case '}':
				return i + 1
			case ',':
				i++
				continue
			case '"':
			default:
				return len(b) // malformed: stop rather than guess
			}
			e := skipString(b, i)
			if e < 0 {
				return len(b)
			}
			k := b[i+1 : e-1]
			i = skipWS(b, e)
			if i >= len(b) || b[i] != ':' {
				return len(b)
			}
			vs := skipWS(b, i+1)
			ve := w.value(b, vs, k, depth+1)
			if depth == 0 && ve <= len(b) && vs < ve && w.onRef == nil {
				w.top = append(w.top, member{k, b[vs:ve]})
			}
			i = ve
		}
	case '[':
		i++
		for {
			i = skipWS(b, i)
			if i >= len(b) {
				return i
			}
			switch b[i] {
			case ']':
				return i + 1
			case ',':
				i++
				continue
			}
			e := w.value(b, i, key, depth+1)
			if e <= i {
				return len(b)
			}
			i = e
		}
	case '"':
		e := skipString(b, i)
		if e < 0 {
			return len(b)
		}
		switch {
		case string(key) == "reference" && w.onRef != nil:
			if s := jstr(b[i:e]); s != "" {
				w.onRef(s)
			}
		case string(key) == "reference":
			w.addRef(jstr(b[i:e]))
		case w.onRef != nil:
		case isTextKey(key):
			w.addText(jstr(b[i:e]))
		}
		return e
	default:
		e := skipValue(b, i)
		if e < 0 {
			return len(b)
		}
		return e
	}
}

func (w *walker) addRef(ref string) {
	if ref == "" {
		return
	}
	if r := w.resolve(ref); r != "" {
		ref = r
	}
	for _, x := range w.refs {
		if x == ref {
			return
		}
	}
	w.refs = append(w.refs, ref)
}

func (w *walker) addText(s string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return
	}
	for _, x := range w.texts {
		if x == s {
			return
		}
	}
	w.texts = append(w.texts, s)
}

func (w *walker) get(key string) []byte {
	for _, m := range w.top {
		if string(m.key) == key {
			return m.val
		}
	}
	return nil
}

// dig follows path from a top-level element, taking the first element of any array.
func (w *walker) dig(path []string) []byte {
	if len(path) == 0 {
		return nil
	}
	v := w.get(path[0])
	for _, k := range path[1:] {
		if v == nil {
			return nil
		}
		v = field(first(v), k)
	}
	return v
}

func (w *walker) firstStr(paths [][]string) string {
	for _, p := range paths {
		if s := jstr(first(w.dig(p))); s != "" {
			return s
		}
	}
	return ""
}

// Summarize derives the summary columns. resolve maps a reference as written
// to "Type/id" ("" if unknown); nil means relative/absolute parsing only
// (Reader.ResolveRef is the intended resolver for Bundle files).
func Summarize(res Resource, resolve func(ref string) string) Summary {
	if resolve == nil {
		resolve = ParseRef
	}
	var w walker
	w.top, w.texts, w.refs = w.topBuf[:0], w.txtBuf[:0], w.refBuf[:0]
	w.resolve = resolve
	raw := res.Raw
	if i := skipWS(raw, 0); i < len(raw) && raw[i] == '{' {
		w.value(raw, i, nil, 0)
	}
	typ := res.Type
	if typ == "" {
		typ = jstr(w.get("resourceType"))
	}
	sp := specs[typ]
	if sp == nil {
		sp = genericSp
	}
	var s Summary

	// Patient
	switch typ {
	case "Patient":
		if id := res.ID; id != "" {
			s.PatientRef = "Patient/" + id
		} else if id := jstr(w.get("id")); id != "" {
			s.PatientRef = "Patient/" + id
		}
	default:
		for _, k := range sp.patient {
			ref := jstr(field(first(w.get(k)), "reference"))
			if ref == "" {
				continue
			}
			if r := resolve(ref); strings.HasPrefix(r, "Patient/") {
				s.PatientRef = r
				break
			} else if s.PatientRef == "" && strings.HasPrefix(r, "urn:") {
				// A Bundle-local reference the resolver cannot place yet (the
				// ingest summarises entries before the whole file is read):
				// kept as written for the caller to resolve at the end.
				s.PatientRef = r
			}
		}
	}

	// Dates
	switch typ {
	case "Patient":
		s.Date = jstr(w.get("birthDate"))
		s.DateEnd = jstr(w.get("deceasedDateTime"))
	default:
		s.Date = w.firstStr(sp.date)
		s.DateEnd = w.firstStr(sp.dateEnd)
	}
	if s.Date == "" {
		s.Date = res.LastUpdated
		if s.Date == "" {
			s.Date = jstr(field(w.get("meta"), "lastUpdated"))
		}
	}

	// Category and primary code
	if len(sp.category) > 0 {
		s.Category = codeOf(w.dig(sp.category))
	}
	for _, k := range sp.code {
		if v := w.get(k); v != nil {
			s.CodeSystem, s.Code, s.Display = concept(first(v))
			if k == "medicationReference" {
				// A medication contained in the record ("#id": converted
				// C-CDA writes them so) names it by its own code.
				if med := contained(w.get("contained"), jstr(field(v, "reference"))); med != nil {
					if sys, code, disp := concept(field(med, "code")); code != "" || disp != "" {
						s.CodeSystem, s.Code = sys, code
						if disp != "" {
							s.Display = disp
						}
					}
				}
			}
			break
		}
	}
	switch typ {
	case "Patient", "Practitioner", "RelatedPerson":
		s.Display = personName(w.get("name"))
	case "Organization", "Location", "HealthcareService":
		s.Display = jstr(w.get("name"))
	case "Device":
		if n := jstr(field(first(w.get("deviceName")), "name")); n != "" {
			s.Display = n
		}
	case "CarePlan":
		// Synthea-style CarePlans put the plan's own SNOMED code in the last
		// category and a US Core "assess-plan" marker (if any) in the first.
		cats := w.get("category")
		n := 0
		if it, ok := newArrIter(cats); ok {
			var last []byte
			for v, ok := it.next(); ok; v, ok = it.next() {
				last = v
				n++
			}
			s.CodeSystem, s.Code, s.Display = concept(last)
		}
		if n > 1 {
			s.Category = codeOf(first(cats))
		}
		if s.Display == "" {
			s.Display = jstr(w.get("title"))
		}
	case "Claim", "ExplanationOfBenefit":
		// Claim types are bare codes ("institutional"); the first billed
		// item says what the claim was for.
		if s.Display == "" {
			_, _, s.Display = concept(field(first(w.get("item")), "productOrService"))
		}
	case "ImagingStudy":
		if s.Code == "" {
			mod := field(first(w.get("series")), "modality")
			s.CodeSystem, s.Code, s.Display = jstr(field(mod, "system")), jstr(field(mod, "code")), jstr(field(mod, "display"))
		}
	}

	// Status
	s.Status = w.firstStr(sp.status)

	// Value
	summarizeValue(&w, &s)
	if typ == "Observation" {
		summarizeRange(&w, &s)
	}

	if s.Display != "" {
		w.addText(s.Display)
	}
	if len(w.texts) > 0 {
		s.Text = joinText(w.texts)
	}
	if len(w.refs) > 0 {
		s.Refs = append([]string(nil), w.refs...)
	}
	// After the search text, which keeps the words as the source wrote them.
	switch typ {
	case "Patient", "Practitioner", "RelatedPerson", "Organization", "Location", "HealthcareService", "Device":
		// names, not code displays
	default:
		s.Display = CleanDisplay(s.Display)
	}
	return s
}

func summarizeValue(w *walker, s *Summary) {
	for _, m := range w.top {
		k := string(m.key)
		if !strings.HasPrefix(k, "value") {
			continue
		}
		switch k {
		case "valueQuantity":
			if f, ok := number(field(m.val, "value")); ok {
				s.ValueNum = &f
			}
			s.Unit = jstr(field(m.val, "unit"))
			if s.Unit == "" {
				s.Unit = jstr(field(m.val, "code"))
			}
		case "valueInteger":
			if f, ok := number(m.val); ok {
				s.ValueNum = &f
			}
		case "valueCodeableConcept":
			// Search keeps the words as written; lists and the CLI read the
			// value as a person should ("Cloudy urine", not "(finding)").
			_, _, text := concept(m.val)
			w.addText(text)
			s.ValueText = CleanDisplay(text)
		case "valueBoolean", "valueDecimal":
			s.ValueText = string(m.val)
		case "valueString", "valueDateTime", "valueTime", "valueCode", "valueDate", "valueInstant", "valueUri":
			s.ValueText = jstr(m.val)
			if k == "valueString" {
				w.addText(s.ValueText)
			}
		}
		return
	}
	comps := w.get("component")
	if comps == nil {
		return
	}
	// "120/80": systolic first however the components are ordered.
	var parts [8]string
	n, unit, sameUnit := 0, "", true
	sys, dia := "", ""
	it, _ := newArrIter(comps)
	for c, ok := it.next(); ok && n < len(parts); c, ok = it.next() {
		q := field(c, "valueQuantity")
		f, ok := number(field(q, "value"))
		if !ok {
			continue
		}
		txt := shortNumber(f)
		switch codeOf(field(c, "code")) {
		case "8480-6":
			sys = txt
		case "8462-4":
			dia = txt
		}
		u := jstr(field(q, "unit"))
		if u == "" {
			u = jstr(field(q, "code"))
		}
		if n == 0 {
			unit = u
		} else if u != unit {
			sameUnit = false
		}
		parts[n] = txt
		n++
	}
	if n == 0 {
		return
	}
	if sys != "" && dia != "" && n == 2 {
		s.ValueText = sys + "/" + dia
	} else {
		s.ValueText = strings.Join(parts[:n], "/")
	}
	if sameUnit {
		s.Unit = unit
	}
}

// summarizeRange reads the first referenceRange and interpretation.
func summarizeRange(w *walker, s *Summary) {
	if rr := first(w.get("referenceRange")); rr != nil {
		if f, ok := number(field(field(rr, "low"), "value")); ok {
			s.RefLow = &f
		}
		if f, ok := number(field(field(rr, "high"), "value")); ok {
			s.RefHigh = &f
		}
		s.RefText = jstr(field(rr, "text"))
	}
	if in := w.get("interpretation"); in != nil {
		s.Flag = codeOf(in)
	}
}

// shortNumber formats a component value for display only (the exact value is
// in Raw): whole numbers as integers, others to one decimal place.
func shortNumber(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatFloat(f, 'f', 0, 64)
	}
	return strconv.FormatFloat(math.Round(f*10)/10, 'f', -1, 64)
}

func number(v []byte) (float64, bool) {
	if len(v) == 0 || !(v[0] == '-' || v[0] >= '0' && v[0] <= '9') {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(v), 64)
	return f, err == nil
}

// contained returns the contained resource a local reference ("#id")
// names, or nil.
func contained(list []byte, ref string) []byte {
	id, ok := strings.CutPrefix(ref, "#")
	if !ok || id == "" || list == nil {
		return nil
	}
	it, ok := newArrIter(list)
	if !ok {
		return nil
	}
	for {
		r, ok := it.next()
		if !ok {
			return nil
		}
		if jstr(field(r, "id")) == id {
			return r
		}
	}
}

// concept reads a CodeableConcept (or a bare Coding, or a Reference's display).
func concept(cc []byte) (system, code, display string) {
	if cc == nil {
		return "", "", ""
	}
	c := first(field(cc, "coding"))
	if c == nil && field(cc, "code") != nil {
		c = cc // a Coding
	}
	if c != nil {
		system, code, display = jstr(field(c, "system")), jstr(field(c, "code")), jstr(field(c, "display"))
	}
	if display == "" {
		display = jstr(field(cc, "text"))
	}
	if display == "" {
		display = jstr(field(cc, "display"))
	}
	if display == "" && code != "" {
		// A health card (and some portals) sends the code alone, to keep
		// the card small; named from the published list, a family reads
		// "COVID-19 vaccine" and "Not detected", not "207" and "260415000".
		display = codenames.Name(system, code)
	}
	return
}

// codeOf returns the code of a code string, Coding or CodeableConcept (first of arrays).
func codeOf(v []byte) string {
	v = first(v)
	if isString(v) {
		return jstr(v)
	}
	_, code, _ := concept(v)
	return code
}

// personName prefers the official name and formats it "Given Family", the way
// the UI lists people.
func personName(names []byte) string {
	var pick []byte
	if it, ok := newArrIter(names); ok {
		for v, ok := it.next(); ok; v, ok = it.next() {
			if pick == nil {
				pick = v
			}
			if jstr(field(v, "use")) == "official" {
				pick = v
				break
			}
		}
	} else {
		pick = names
	}
	if pick == nil {
		return ""
	}
	var b strings.Builder
	if it, ok := newArrIter(field(pick, "given")); ok {
		for v, ok := it.next(); ok; v, ok = it.next() {
			if g := jstr(v); g != "" {
				if b.Len() > 0 {
					b.WriteByte(' ')
				}
				b.WriteString(g)
			}
		}
	}
	if f := jstr(field(pick, "family")); f != "" {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(f)
	}
	if b.Len() == 0 {
		return jstr(field(pick, "text"))
	}
	return b.String()
}

func joinText(parts []string) string {
	n := len(parts) - 1
	for _, p := range parts {
		n += len(p)
	}
	var b strings.Builder
	b.Grow(n)
	for i, p := range parts {
		if i > 0 {
			b.WriteByte(' ')
		}
		if strings.ContainsAny(p, "\n\r\t") {
			p = strings.Join(strings.Fields(p), " ")
		}
		b.WriteString(p)
	}
	return b.String()
}
