package records

import (
	"bytes"
	"context"
	"encoding/json"
	"sort"
	"strconv"
	"strings"

	"github.com/fastenhealth/fasten-desktop/internal/fhir"
)

// panelResults resolves a DiagnosticReport's result references among the
// same source's records, in the report's order. A result the vault does not
// hold is listed by the reference's own display, with ID 0.
func (s *Store) panelResults(ctx context.Context, source int64, raw []byte) ([]PanelResult, error) {
	var rep struct {
		Result []reference `json:"result"`
	}
	out := []PanelResult{}
	if json.Unmarshal(raw, &rep) != nil || len(rep.Result) == 0 {
		return out, nil
	}
	ids := make([]int64, len(rep.Result))
	for i, ref := range rep.Result {
		id, err := s.refTarget(ctx, source, ref.Reference, "Observation")
		if err != nil {
			return nil, err
		}
		ids[i] = id
	}
	items, err := s.itemsByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	raws, err := s.raws(ctx, ids)
	if err != nil {
		return nil, err
	}
	for i, ref := range rep.Result {
		it, ok := items[ids[i]]
		if !ok {
			if ref.Display != "" {
				out = append(out, PanelResult{Display: fhir.CleanDisplay(ref.Display)})
			}
			continue
		}
		out = append(out, panelResult(it, raws[it.ID]))
	}
	return out, nil
}

// observation is what a panel's table reads of one result.
type observation struct {
	Code struct {
		Coding []struct{ System, Code string } `json:"coding"`
	} `json:"code"`
	ValueQuantity *quantity `json:"valueQuantity"`
	// valueInteger as written (json.Number keeps its digits).
	ValueInteger   json.Number `json:"valueInteger"`
	ValueConcept   *concept    `json:"valueCodeableConcept"`
	ValueString    *string     `json:"valueString"`
	Interpretation []concept   `json:"interpretation"`
	ReferenceRange []struct {
		Low  *quantity `json:"low"`
		High *quantity `json:"high"`
		Text string    `json:"text"`
	} `json:"referenceRange"`
}

// quantity keeps value as the source wrote it ("7.10" stays "7.10").
type quantity struct {
	Value      json.Number `json:"value"`
	Comparator string      `json:"comparator"`
	Unit       string      `json:"unit"`
	System     string      `json:"system"`
	Code       string      `json:"code"`
}

const ucum = "http://unitsofmeasure.org"

// unit is the UCUM code when the system says it is one (the page has
// readable forms for those), else the unit text the source wrote.
func (q *quantity) unit() string {
	if q == nil {
		return ""
	}
	if q.System == ucum && q.Code != "" {
		return q.Code
	}
	if q.Unit != "" {
		return q.Unit
	}
	return q.Code
}

func panelResult(it Item, raw []byte) PanelResult {
	p := PanelResult{ID: it.ID, Display: fhir.CleanDisplay(it.Display), Value: it.ValueText, Unit: it.Unit}
	if p.Value == "" && it.ValueNum != nil {
		p.Value = strconv.FormatFloat(*it.ValueNum, 'f', -1, 64)
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var o observation
	if d.Decode(&o) != nil {
		return p
	}
	for _, c := range o.Code.Coding {
		if c.System == "http://loinc.org" {
			p.Code = c.Code
			break
		}
	}
	switch {
	case o.ValueQuantity != nil && o.ValueQuantity.Value != "":
		p.Value, p.Comparator, p.Unit = o.ValueQuantity.Value.String(), o.ValueQuantity.Comparator, o.ValueQuantity.unit()
	case o.ValueInteger != "":
		p.Value = o.ValueInteger.String()
	case o.ValueConcept != nil:
		p.Value = o.ValueConcept.String()
	case o.ValueString != nil:
		p.Value = *o.ValueString
	}
	for _, in := range o.Interpretation {
		for _, c := range in.Coding {
			if abnormal[c.Code] && p.Flag == "" {
				p.Flag = c.Code
			}
		}
	}
	if len(o.ReferenceRange) > 0 {
		rr := o.ReferenceRange[0]
		if rr.Low != nil {
			p.RangeLow, p.RangeUnit = rr.Low.Value.String(), rr.Low.unit()
		}
		if rr.High != nil {
			p.RangeHigh = rr.High.Value.String()
			if p.RangeUnit == "" {
				p.RangeUnit = rr.High.unit()
			}
		}
		p.RangeText = rr.Text
		// No interpretation given: the value against the range says it,
		// as the dashboard's flagged results do.
		if p.Flag == "" && it.ValueNum != nil {
			if lo, err := strconv.ParseFloat(p.RangeLow, 64); err == nil && *it.ValueNum < lo {
				p.Flag = "L"
			} else if hi, err := strconv.ParseFloat(p.RangeHigh, 64); err == nil && *it.ValueNum > hi {
				p.Flag = "H"
			}
		}
	}
	return p
}

// itemsByID loads the summaries of the given records (0s ignored).
func (s *Store) itemsByID(ctx context.Context, ids []int64) (map[int64]Item, error) {
	out := map[int64]Item{}
	var want []any
	for _, id := range ids {
		if id != 0 {
			want = append(want, id)
		}
	}
	for len(want) > 0 {
		n := min(len(want), 500)
		items, err := scanItems(s.db.QueryContext(ctx, "SELECT "+itemColumns+itemFrom+"WHERE s.resource IN (?"+strings.Repeat(",?", n-1)+")", want[:n]...))
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			out[it.ID] = it
		}
		want = want[n:]
	}
	return out, nil
}

// visitKinds group a visit's records under plain-language headings, in
// the order a person reads a visit: why, what was found, what was done.
var visitKinds = []struct {
	kind, title string
	types       []string
}{
	{"diagnoses", "Diagnoses", []string{"Condition"}},
	{"reports", "Test reports", []string{"DiagnosticReport"}},
	{"results", "Results and measurements", []string{"Observation"}},
	{"medications", "Medications", []string{"MedicationRequest", "MedicationStatement", "MedicationAdministration", "MedicationDispense"}},
	{"procedures", "Procedures", []string{"Procedure"}},
	{"immunizations", "Vaccines", []string{"Immunization"}},
	{"allergies", "Allergies", []string{"AllergyIntolerance"}},
	{"imaging", "Imaging", []string{"ImagingStudy"}},
	{"documents", "Documents and notes", []string{"DocumentReference", "Media", "Communication"}},
	{"care", "Care plans and goals", []string{"CarePlan", "Goal", "CareTeam", "ServiceRequest"}},
	{"devices", "Devices and supplies", []string{"Device", "DeviceRequest", "SupplyDelivery"}},
}

// VisitSectionLimit is how many records one section of a visit lists (its
// Total says how many there are).
const VisitSectionLimit = 100

// visitSections finds the records whose encounter (or context) points at
// this Encounter among the same source's records of the same patient.
//
// The vault keeps no index of references, so candidates are the patient's
// records whose bytes contain the encounter's id (SQLite's instr over the
// raw column, no rows copied out); each candidate is then confirmed the way
// the timeline groups by visit (linkVisits: encounterRef, refTarget), so a
// record that merely mentions the id elsewhere is not listed.
//
// The types a timeline leaves out (TimelineHidden: who and where, and
// insurance, which has its own section) are not looked at: their bytes are
// most of a Synthea record (ExplanationOfBenefit) and none names a visit as
// its encounter. Observations that are results of a report listed in the
// same visit are left out too: they are one click away in the report's table.
func (s *Store) visitSections(ctx context.Context, encID, source int64, encRID string) ([]VisitSection, error) {
	out := []VisitSection{}
	if encRID == "" {
		return out, nil
	}
	args := []any{source, encID, encID}
	for _, t := range TimelineHidden {
		args = append(args, t)
	}
	// The type test comes first: SQLite checks it on the summary row, and
	// only then reads the resource's raw bytes.
	rows, err := s.db.QueryContext(ctx, `SELECT s.resource, s.resource_type, r.resource_id FROM summaries s JOIN resources r ON r.id = s.resource
WHERE s.source_id = ? AND s.patient_id = (SELECT patient_id FROM summaries WHERE resource = ?) AND s.resource != ?
 AND s.resource_type NOT IN (?`+strings.Repeat(",?", len(TimelineHidden)-1)+`) AND instr(unpack_raw(r.raw), ?) > 0`,
		append(args, []byte(encRID))...)
	if err != nil {
		return nil, err
	}
	var cands []TimelineItem
	rids := map[int64]string{}
	for rows.Next() {
		var it TimelineItem
		var rid string
		if err := rows.Scan(&it.ID, &it.ResourceType, &rid); err != nil {
			rows.Close()
			return nil, err
		}
		it.SourceID = source
		rids[it.ID] = rid
		cands = append(cands, it)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var linked []int64
	for len(cands) > 0 {
		n := min(len(cands), 500)
		if err := s.linkVisits(ctx, cands[:n]); err != nil {
			return nil, err
		}
		for _, c := range cands[:n] {
			if c.Encounter == encID {
				linked = append(linked, c.ID)
			}
		}
		cands = cands[n:]
	}
	items, err := s.itemsByID(ctx, linked)
	if err != nil {
		return nil, err
	}
	// Results reached through a report of this visit.
	inReport := map[string]bool{}
	var reports []int64
	for id, it := range items {
		if it.ResourceType == "DiagnosticReport" {
			reports = append(reports, id)
		}
	}
	raws, err := s.raws(ctx, reports)
	if err != nil {
		return nil, err
	}
	for _, b := range raws {
		var rep struct {
			Result []reference `json:"result"`
		}
		if json.Unmarshal(b, &rep) == nil {
			for _, r := range rep.Result {
				if _, id := refParts(r.Reference); id != "" {
					inReport[id] = true
				}
			}
		}
	}
	byType := map[string][]Item{}
	for id, it := range items {
		if it.ResourceType == "Observation" && inReport[rids[id]] {
			continue
		}
		byType[it.ResourceType] = append(byType[it.ResourceType], it)
	}
	add := func(kind, title string, list []Item) {
		if len(list) == 0 {
			return
		}
		sort.Slice(list, func(i, j int) bool {
			if list[i].Date != list[j].Date {
				return list[i].Date < list[j].Date
			}
			return list[i].ID < list[j].ID
		})
		sec := VisitSection{Kind: kind, Title: title, Total: len(list)}
		sec.Items = list[:min(len(list), VisitSectionLimit)]
		out = append(out, sec)
	}
	for _, k := range visitKinds {
		var list []Item
		for _, t := range k.types {
			list = append(list, byType[t]...)
			delete(byType, t)
		}
		add(k.kind, k.title, list)
	}
	var other []Item
	for _, list := range byType {
		other = append(other, list...)
	}
	add("other", "Other records", other)
	return out, nil
}
