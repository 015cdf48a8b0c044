// Package summary makes what a family hands a new doctor from one person's
// records: an International Patient Summary (IPS) FHIR document Bundle, a
// printable PDF of the same, and a vaccine record PDF. It reads the vault
// through internal/records (which chooses the records: see
// records.SummaryInput) and is never imported by it.
package summary

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/fastenhealth/fasten-desktop/internal/fhir"
	"github.com/fastenhealth/fasten-desktop/internal/records"
	"github.com/fastenhealth/fasten-desktop/internal/version"
)

// LOINC codes of the IPS document and its sections.
const (
	loinc            = "http://loinc.org"
	DocumentCode     = "60591-5"
	ProblemsCode     = "11450-4"
	MedicationsCode  = "10160-0"
	AllergiesCode    = "48765-2"
	ImmunizationCode = "11369-6"
	ResultsCode      = "30954-2"
	VitalsCode       = "8716-3"
	ProceduresCode   = "47519-4"
)

// Section is one section of the summary as people read it (the PDF, the
// narrative) and as the Composition lists it.
type Section struct {
	Key      string     `json:"key"` // problems, medications, allergies, immunizations, results, vitals, procedures
	Title    string     `json:"title"`
	Code     string     `json:"code"`     // LOINC
	Required bool       `json:"required"` // IPS requires the section even when empty
	Columns  []string   `json:"columns"`
	Rows     [][]string `json:"rows"`
	entries  []string   // urn:uuid fullUrls of the section's entries
}

// Dose is one line of the vaccine record.
type Dose struct {
	Vaccine  string `json:"vaccine"`
	Date     string `json:"date"`
	Dose     string `json:"dose"`
	Lot      string `json:"lot"`
	Provider string `json:"provider"`
}

// Summary is one person's patient summary.
type Summary struct {
	Person    records.Person `json:"person"`
	Generated time.Time      `json:"generated"`
	Sections  []Section      `json:"sections"`
	Vaccines  []Dose         `json:"vaccines"` // oldest first
	// Bundle is the IPS document Bundle (FHIR R4 JSON).
	Bundle []byte `json:"-"`
	// Entries is how many resources the Bundle holds.
	Entries int `json:"entries"`
}

// ErrInvalid is what a summary that fails its own checks wraps (see
// InvalidError): it is never written.
var ErrInvalid = errors.New("the summary did not pass its checks")

// InvalidError says which entry of the Bundle failed and where, without
// its content.
type InvalidError struct {
	Entry  int    // index in Bundle.entry; -1: the Bundle's structure
	Type   string // resource type
	Path   string
	Reason string
}

func (e *InvalidError) Error() string {
	if e.Entry < 0 {
		return fmt.Sprintf("the summary is not a valid IPS document: %s", e.Reason)
	}
	return fmt.Sprintf("the summary's entry %d (%s) is not valid FHIR R4 at %s: %s", e.Entry, e.Type, e.Path, e.Reason)
}

func (e *InvalidError) Is(target error) bool { return target == ErrInvalid }

// ids are derived from the record's source, type and FHIR id, so the same
// record has the same urn:uuid in every summary (two summaries diff
// cleanly) without revealing its ids.
var idSpace = uuid.MustParse("9c5f4b8e-3d1e-4f2a-9b7c-6a1d2e3f4a5b")

func recordUUID(source int64, typ, id string) string {
	return uuid.NewSHA1(idSpace, []byte(strconv.FormatInt(source, 10)+"/"+typ+"/"+id)).String()
}

var (
	validatorOnce sync.Once
	validator     *fhir.Validator
	validatorErr  error
	// The validator is not promised to be safe for concurrent use.
	validatorMu sync.Mutex
)

func validate(typ string, raw []byte) *fhir.Invalid {
	validatorOnce.Do(func() { validator, validatorErr = fhir.NewValidator() })
	if validatorErr != nil {
		return &fhir.Invalid{Type: typ, Reason: "the validator could not start"}
	}
	validatorMu.Lock()
	defer validatorMu.Unlock()
	return validator.Validate(fhir.Resource{Type: typ, Raw: raw})
}

// builder holds the Bundle being made.
type builder struct {
	ctx     context.Context
	st      *records.Store
	patient string // the subject's urn
	// byKey resolves a reference made in a source to an included entry's
	// urn: "source|Type/id" for relative and absolute forms, "source|id" for
	// urn:uuid: forms.
	byKey   map[string]string
	entries []map[string]any
	urls    []string
	have    map[string]bool
}

func refKeys(source int64, typ, id, fullURL string) []string {
	s := strconv.FormatInt(source, 10) + "|"
	keys := []string{s + typ + "/" + id, s + id}
	if fullURL != "" {
		keys = append(keys, s+"="+fullURL)
	}
	return keys
}

func (b *builder) register(r records.SummaryRecord, urn string) {
	for _, k := range refKeys(r.SourceID, r.ResourceType, r.FHIRID, r.FullURL) {
		b.byKey[k] = urn
	}
}

func (b *builder) resolve(source int64, ref string) (string, bool) {
	s := strconv.FormatInt(source, 10) + "|"
	if u, ok := b.byKey[s+"="+ref]; ok {
		return u, true
	}
	r := fhir.ParseReference(ref)
	switch r.Kind {
	case fhir.RefRelative, fhir.RefAbsolute:
		u, ok := b.byKey[s+r.Type+"/"+r.ID]
		return u, ok
	case fhir.RefUUID, fhir.RefOID:
		u, ok := b.byKey[s+r.ID]
		return u, ok
	}
	return "", false
}

// decode reads raw keeping numbers as written (a decimal's precision is
// part of its meaning).
func decode(raw []byte) (map[string]any, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		return nil, err
	}
	return m, nil
}

// copyOf is a record as the Bundle holds it: a copy of the raw resource
// (the vault's record is untouched) with the summary's id, without its
// narrative (the sections carry a generated one; a source's HTML is not
// passed on) and meta (the source's profiles and versions are not this
// document's), and with every reference pointing inside the Bundle: the
// person's Patient records all become the one subject, included records
// their entry, and anything else (visits, clinicians) keeps only its
// display text, since the document must be self-contained.
func (b *builder) copyOf(r records.SummaryRecord, urn string) (map[string]any, error) {
	m, err := decode(r.Raw)
	if err != nil {
		return nil, fmt.Errorf("a stored %s record could not be read: %w", r.ResourceType, err)
	}
	delete(m, "text")
	delete(m, "meta")
	m["id"] = strings.TrimPrefix(urn, "urn:uuid:")
	b.rewrite(r.SourceID, m)
	return m, nil
}

const notIncluded = "Not included in this summary"

func (b *builder) rewrite(source int64, v any) {
	switch x := v.(type) {
	case map[string]any:
		if ref, ok := x["reference"].(string); ok && !strings.HasPrefix(ref, "#") {
			if u, ok := b.resolve(source, ref); ok {
				x["reference"] = u
			} else {
				delete(x, "reference")
				if t := fhir.ParseReference(ref).Type; t != "" && x["type"] == nil {
					x["type"] = t
				}
				if d, _ := x["display"].(string); d == "" {
					x["display"] = notIncluded
				}
			}
		}
		for k, c := range x {
			if k != "reference" {
				b.rewrite(source, c)
			}
		}
	case []any:
		for _, c := range x {
			b.rewrite(source, c)
		}
	}
}

func (b *builder) add(m map[string]any, urn string) {
	b.entries = append(b.entries, m)
	b.urls = append(b.urls, urn)
	b.have[urn] = true
}

// Build makes one person's summary. records.ErrNoPerson if there is no such
// person; ErrInvalid (an *InvalidError) if what was made fails the checks
// (FHIR R4 validation of every entry, and Check), so that nothing invalid is
// ever handed on.
func Build(ctx context.Context, st *records.Store, personID int64, now time.Time) (*Summary, error) {
	in, err := st.SummaryInput(ctx, personID)
	if err != nil {
		return nil, err
	}
	now = now.UTC().Truncate(time.Second)
	sum := &Summary{Person: in.Person, Generated: now}
	b := &builder{ctx: ctx, st: st, byKey: map[string]string{}, have: map[string]bool{}}

	// One subject for every Patient record that is this person, whatever
	// source or id: their urn is derived from the person, not a record.
	b.patient = "urn:uuid:" + uuid.NewSHA1(idSpace, []byte("person/"+strconv.FormatInt(personID, 10))).String()
	for _, p := range in.Patients {
		b.register(p, b.patient)
	}
	sections := []struct {
		key, title, code string
		required         bool
		recs             []records.SummaryRecord
		columns          []string
		row              func(records.SummaryRecord, map[string]any) []string
	}{
		{"problems", "Problems", ProblemsCode, true, in.Problems, []string{"Problem", "Since", "Status"}, problemRow},
		{"medications", "Medications", MedicationsCode, true, in.Medications, []string{"Medication", "Since", "Status"}, medicationRow},
		{"allergies", "Allergies and intolerances", AllergiesCode, true, in.Allergies, []string{"Allergy", "Reactions", "Criticality", "Status"}, allergyRow},
		{"immunizations", "Immunizations", ImmunizationCode, false, in.Immunizations, []string{"Vaccine", "Date"}, dateRow},
		{"results", "Results", ResultsCode, false, in.Results, []string{"Test", "Result", "Date"}, valueRow},
		{"vitals", "Vital signs", VitalsCode, false, in.Vitals, []string{"Measurement", "Value", "Date"}, valueRow},
		{"procedures", "Procedures", ProceduresCode, false, in.Procedures, []string{"Procedure", "Date"}, dateRow},
	}
	// Every included record is registered before any is copied, so that
	// references between them (a result's panel, a condition as a
	// medication's reason) resolve wherever they are.
	urns := make([][]string, len(sections))
	for i, s := range sections {
		for _, r := range s.recs {
			u := "urn:uuid:" + recordUUID(r.SourceID, r.ResourceType, r.FHIRID)
			urns[i] = append(urns[i], u)
			b.register(r, u)
		}
	}
	// Medication products the prescriptions name come along (the
	// medication is the point of the entry).
	var products []records.SummaryRecord
	for _, r := range in.Medications {
		m, err := decode(r.Raw)
		if err != nil {
			continue
		}
		mr, _ := m["medicationReference"].(map[string]any)
		ref, _ := mr["reference"].(string)
		if ref == "" {
			continue
		}
		if _, ok := b.resolve(r.SourceID, ref); ok {
			continue
		}
		pr := fhir.ParseReference(ref)
		if pr.ID == "" || (pr.Type != "" && pr.Type != "Medication") {
			continue
		}
		med, ok, err := st.Referenced(ctx, r.SourceID, "Medication", pr.ID)
		if err != nil {
			return nil, err
		}
		if ok {
			b.register(med, "urn:uuid:"+recordUUID(med.SourceID, med.ResourceType, med.FHIRID))
			products = append(products, med)
		}
	}

	// The Composition comes first; it is filled in last.
	comp := map[string]any{}
	compURN := "urn:uuid:" + uuid.NewSHA1(idSpace, []byte(fmt.Sprintf("composition/%d/%s", personID, now.Format(time.RFC3339)))).String()
	b.add(comp, compURN)
	b.add(b.patientResource(in), b.patient)
	deviceURN := "urn:uuid:" + uuid.NewSHA1(idSpace, []byte("device/fasten")).String()
	b.add(map[string]any{
		"resourceType": "Device",
		"id":           strings.TrimPrefix(deviceURN, "urn:uuid:"),
		"deviceName":   []any{map[string]any{"name": "Fasten Health (desktop)", "type": "user-friendly-name"}},
		"version":      []any{map[string]any{"value": versionText()}},
	}, deviceURN)

	var compSections []any
	for i, s := range sections {
		sec := Section{Key: s.key, Title: s.title, Code: s.code, Required: s.required, Columns: s.columns, Rows: [][]string{}}
		for j, r := range s.recs {
			u := urns[i][j]
			m, err := b.copyOf(r, u)
			if err != nil {
				return nil, err
			}
			if !b.have[u] {
				b.add(m, u)
			}
			sec.entries = append(sec.entries, u)
			orig, _ := decode(r.Raw)
			sec.Rows = append(sec.Rows, s.row(r, orig))
		}
		if len(sec.Rows) == 0 && !s.required {
			continue // optional sections are left out when empty
		}
		sum.Sections = append(sum.Sections, sec)
		compSections = append(compSections, compositionSection(sec))
	}
	for _, p := range products {
		u := "urn:uuid:" + recordUUID(p.SourceID, p.ResourceType, p.FHIRID)
		if b.have[u] {
			continue
		}
		m, err := b.copyOf(p, u)
		if err != nil {
			return nil, err
		}
		b.add(m, u)
	}

	for k, v := range map[string]any{
		"resourceType":    "Composition",
		"id":              strings.TrimPrefix(compURN, "urn:uuid:"),
		"status":          "final",
		"type":            codeable(loinc, DocumentCode, "Patient summary Document"),
		"subject":         map[string]any{"reference": b.patient, "display": in.Person.Name},
		"date":            now.Format(time.RFC3339),
		"author":          []any{map[string]any{"reference": deviceURN, "display": "Fasten Health"}},
		"title":           "International Patient Summary",
		"confidentiality": "N",
		"section":         compSections,
	} {
		comp[k] = v
	}

	if sum.Vaccines, err = vaccineRecord(ctx, st, in.Immunizations); err != nil {
		return nil, err
	}

	bundle := map[string]any{
		"resourceType": "Bundle",
		"id":           uuid.NewString(),
		"identifier":   map[string]any{"system": "urn:ietf:rfc:3986", "value": "urn:uuid:" + uuid.NewString()},
		"type":         "document",
		"timestamp":    now.Format(time.RFC3339),
	}
	entries := make([]any, len(b.entries))
	for i, m := range b.entries {
		raw, err := marshal(m)
		if err != nil {
			return nil, err
		}
		typ, _ := m["resourceType"].(string)
		// Every entry is checked as FHIR R4 on its own: the rewriting above
		// must not have broken what the vault validated on import.
		if bad := validate(typ, raw); bad != nil {
			return nil, &InvalidError{Entry: i, Type: typ, Path: bad.Path, Reason: bad.Reason}
		}
		entries[i] = map[string]any{"fullUrl": b.urls[i], "resource": json.RawMessage(raw)}
	}
	bundle["entry"] = entries
	if sum.Bundle, err = marshal(bundle); err != nil {
		return nil, err
	}
	if err := Check(sum.Bundle); err != nil {
		return nil, err
	}
	sum.Entries = len(entries)
	return sum, nil
}

func versionText() string {
	if version.Version != "" {
		return version.Version
	}
	return "development"
}

func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

func codeable(system, code, display string) map[string]any {
	return map[string]any{"coding": []any{map[string]any{"system": system, "code": code, "display": display}}}
}

// compositionSection is a section as the Composition holds it: its LOINC
// code, a narrative generated from the rows (every text escaped, so
// nothing from a record can become markup), and its entries; an empty
// required section says so with emptyReason "unavailable" (nothing is
// recorded in Fasten, which is not the same as "nil known": the family's
// records may be incomplete).
func compositionSection(s Section) map[string]any {
	m := map[string]any{
		"title": s.Title,
		"code":  codeable(loinc, s.Code, s.Title),
		"text":  map[string]any{"status": "generated", "div": narrative(s)},
	}
	if len(s.entries) == 0 {
		m["emptyReason"] = map[string]any{
			"coding": []any{map[string]any{"system": "http://terminology.hl7.org/CodeSystem/list-empty-reason", "code": "unavailable", "display": "Unavailable"}},
			"text":   "No " + strings.ToLower(s.Title) + " are recorded in Fasten for this person.",
		}
		return m
	}
	entries := make([]any, len(s.entries))
	for i, u := range s.entries {
		entries[i] = map[string]any{"reference": u}
	}
	m["entry"] = entries
	return m
}

func narrative(s Section) string {
	var b strings.Builder
	b.WriteString(`<div xmlns="http://www.w3.org/1999/xhtml">`)
	if len(s.Rows) == 0 {
		b.WriteString("<p>No " + html.EscapeString(strings.ToLower(s.Title)) + " are recorded in Fasten for this person.</p></div>")
		return b.String()
	}
	b.WriteString("<table><thead><tr>")
	for _, c := range s.Columns {
		b.WriteString("<th>" + html.EscapeString(c) + "</th>")
	}
	b.WriteString("</tr></thead><tbody>")
	for _, r := range s.Rows {
		b.WriteString("<tr>")
		for _, c := range r {
			b.WriteString("<td>" + html.EscapeString(c) + "</td>")
		}
		b.WriteString("</tr>")
	}
	b.WriteString("</tbody></table></div>")
	return b.String()
}

// patientResource is the one Patient the document is about: the newest
// received of the person's Patient records, with the identifiers of all of
// them (a doctor can match any), and nothing linking to other records.
func (b *builder) patientResource(in records.SummaryInput) map[string]any {
	id := strings.TrimPrefix(b.patient, "urn:uuid:")
	if len(in.Patients) == 0 {
		// A person with no Patient record (records entered by hand): the
		// household's name and birth date.
		m := map[string]any{"resourceType": "Patient", "id": id, "name": []any{map[string]any{"text": in.Person.Name}}}
		if len(in.Person.BirthDate) >= 10 {
			m["birthDate"] = in.Person.BirthDate[:10]
		}
		return m
	}
	m, err := b.copyOf(in.Patients[0], b.patient)
	if err != nil {
		m = map[string]any{"resourceType": "Patient", "id": id, "name": []any{map[string]any{"text": in.Person.Name}}}
	}
	delete(m, "link")
	ids, _ := m["identifier"].([]any)
	seen := map[string]bool{}
	for _, x := range ids {
		seen[identKey(x)] = true
	}
	for _, p := range in.Patients[1:] {
		o, err := decode(p.Raw)
		if err != nil {
			continue
		}
		more, _ := o["identifier"].([]any)
		for _, x := range more {
			if k := identKey(x); k != "" && !seen[k] {
				seen[k] = true
				b.rewrite(p.SourceID, x)
				ids = append(ids, x)
			}
		}
	}
	if len(ids) > 0 {
		m["identifier"] = ids
	}
	return m
}

func identKey(x any) string {
	m, _ := x.(map[string]any)
	s, _ := m["system"].(string)
	v, _ := m["value"].(string)
	if v == "" {
		return ""
	}
	return s + "|" + v
}

// Row makers: what a person reads of each record (summary rows, plus the
// few raw fields they do not keep).

func day(d string) string {
	if len(d) > 10 {
		return d[:10]
	}
	return d
}

func problemRow(r records.SummaryRecord, _ map[string]any) []string {
	return []string{r.Display, day(r.Date), r.Status}
}

func medicationRow(r records.SummaryRecord, _ map[string]any) []string {
	return []string{r.Display, day(r.Date), r.Status}
}

func dateRow(r records.SummaryRecord, _ map[string]any) []string {
	return []string{r.Display, day(r.Date)}
}

func allergyRow(r records.SummaryRecord, m map[string]any) []string {
	var reactions []string
	seen := map[string]bool{}
	rs, _ := m["reaction"].([]any)
	for _, x := range rs {
		re, _ := x.(map[string]any)
		ms, _ := re["manifestation"].([]any)
		for _, c := range ms {
			if t := conceptText(c); t != "" && !seen[t] {
				seen[t] = true
				reactions = append(reactions, t)
			}
		}
	}
	crit, _ := m["criticality"].(string)
	return []string{r.Display, strings.Join(reactions, ", "), crit, r.Status}
}

func valueRow(r records.SummaryRecord, m map[string]any) []string {
	return []string{r.Display, observationValue(r, m), day(r.Date)}
}

func conceptText(c any) string {
	m, _ := c.(map[string]any)
	if t, _ := m["text"].(string); t != "" {
		return fhir.CleanDisplay(t)
	}
	cs, _ := m["coding"].([]any)
	for _, x := range cs {
		cd, _ := x.(map[string]any)
		if d, _ := cd["display"].(string); d != "" {
			return fhir.CleanDisplay(d)
		}
	}
	return ""
}

// number prints a value for people: at most two decimals (sources write
// 3.028126053975507 %); the entry in the Bundle keeps the value as sent.
func number(f float64) string {
	return strconv.FormatFloat(math.Round(f*100)/100, 'f', -1, 64)
}

// observationValue: the value with its unit, or a panel's component values
// ("120 / 80 mm[Hg]" for a blood pressure).
func observationValue(r records.SummaryRecord, m map[string]any) string {
	if r.ValueNum != nil {
		return strings.TrimSpace(number(*r.ValueNum) + " " + r.Unit)
	}
	if r.ValueText != "" {
		return r.ValueText
	}
	comps, _ := m["component"].([]any)
	var vals []string
	unit := ""
	for _, c := range comps {
		cm, _ := c.(map[string]any)
		q, _ := cm["valueQuantity"].(map[string]any)
		v, ok := q["value"].(json.Number)
		if !ok {
			continue
		}
		vals = append(vals, v.String())
		if u, _ := q["unit"].(string); u != "" {
			unit = u
		}
	}
	return strings.TrimSpace(strings.Join(vals, " / ") + " " + unit)
}

// referenced reads the record of type typ a Reference names, in the source
// the naming record came from.
func referenced(ctx context.Context, st *records.Store, source int64, refObj map[string]any, typ string) (records.SummaryRecord, bool, error) {
	ref, _ := refObj["reference"].(string)
	pr := fhir.ParseReference(ref)
	if pr.ID == "" || (pr.Type != "" && pr.Type != typ) {
		return records.SummaryRecord{}, false, nil
	}
	return st.Referenced(ctx, source, typ, pr.ID)
}

// vaccineRecord lists every dose, oldest first, with its dose number, lot
// and who gave it: the performer, else the place, else the organisation
// that ran the visit it was given at (Synthea and many portals record only
// the visit).
func vaccineRecord(ctx context.Context, st *records.Store, imms []records.SummaryRecord) ([]Dose, error) {
	out := make([]Dose, 0, len(imms))
	for _, r := range imms {
		m, err := decode(r.Raw)
		if err != nil {
			continue
		}
		d := Dose{Vaccine: r.Display, Date: day(r.Date)}
		d.Lot, _ = m["lotNumber"].(string)
		pas, _ := m["protocolApplied"].([]any)
		for _, x := range pas {
			pa, _ := x.(map[string]any)
			if n, ok := pa["doseNumberPositiveInt"].(json.Number); ok {
				d.Dose = n.String()
			} else if s, ok := pa["doseNumberString"].(string); ok {
				d.Dose = s
			}
		}
		ps, _ := m["performer"].([]any)
		for _, x := range ps {
			p, _ := x.(map[string]any)
			a, _ := p["actor"].(map[string]any)
			if s, _ := a["display"].(string); s != "" && d.Provider == "" {
				d.Provider = s
			}
		}
		if d.Provider == "" {
			loc, _ := m["location"].(map[string]any)
			d.Provider, _ = loc["display"].(string)
		}
		if d.Provider == "" {
			enc, _ := m["encounter"].(map[string]any)
			e, ok, err := referenced(ctx, st, r.SourceID, enc, "Encounter")
			if err != nil {
				return nil, err
			}
			if ok {
				if em, err := decode(e.Raw); err == nil {
					sp, _ := em["serviceProvider"].(map[string]any)
					if d.Provider, _ = sp["display"].(string); d.Provider == "" {
						o, ok, err := referenced(ctx, st, r.SourceID, sp, "Organization")
						if err != nil {
							return nil, err
						}
						if ok {
							if om, err := decode(o.Raw); err == nil {
								d.Provider, _ = om["name"].(string)
							}
						}
					}
				}
			}
		}
		out = append(out, d)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Date < out[j].Date })
	return out, nil
}
