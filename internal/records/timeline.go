package records

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/fastenhealth/fasten-desktop/internal/fhir"
)

// ErrBadTimelineQuery is a timeline query that cannot be run as asked (a
// date that is not YYYY[-MM[-DD]], a cursor that was not one we gave out).
var ErrBadTimelineQuery = errors.New("that timeline query is not valid")

// Cursor is where a timeline page ends: the last item's date and row id.
// The next page starts strictly after it in (date, id) descending order, so
// pages never skip or repeat items, even many sharing one date, and cost the
// same however deep they are (no OFFSET). The zero Cursor is the start.
type Cursor struct {
	Date string `json:"date"`
	ID   int64  `json:"id"`
}

// String is the cursor as one opaque token (for the CLI and URLs).
func (c Cursor) String() string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(c.ID, 10) + ":" + c.Date))
}

// ParseCursor reads a token made by Cursor.String.
func ParseCursor(s string) (Cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return Cursor{}, fmt.Errorf("%w: the cursor is damaged", ErrBadTimelineQuery)
	}
	id, date, ok := strings.Cut(string(b), ":")
	n, err := strconv.ParseInt(id, 10, 64)
	if !ok || err != nil || n <= 0 {
		return Cursor{}, fmt.Errorf("%w: the cursor is damaged", ErrBadTimelineQuery)
	}
	return Cursor{Date: date, ID: n}, nil
}

// TimelineQuery narrows and pages a timeline.
type TimelineQuery struct {
	// Types to show; empty means every clinical type (TimelineHidden are
	// left out unless asked for by name).
	Types []string `json:"types"`
	// Source is a sources.id to show only; 0 for all.
	Source int64 `json:"source"`
	// Since and Until bound the date, both inclusive, as YYYY, YYYY-MM or
	// YYYY-MM-DD ("until 2020" includes all of 2020). Setting either leaves
	// out records without a date.
	Since string `json:"since"`
	Until string `json:"until"`
	// After is the previous page's Next; zero for the first page.
	After Cursor `json:"after"`
	// Limit is the page size: 1–500, default 50.
	Limit int `json:"limit"`
}

// TimelineItem is one record on the timeline.
type TimelineItem struct {
	ID           int64    `json:"id"`
	ResourceType string   `json:"resourceType"`
	Date         string   `json:"date"`
	DateEnd      string   `json:"dateEnd"`
	Category     string   `json:"category"`
	Display      string   `json:"display"`
	ValueNum     *float64 `json:"valueNum"`
	ValueText    string   `json:"valueText"`
	Unit         string   `json:"unit"`
	Status       string   `json:"status"`
	Source       string   `json:"source"`
	SourceID     int64    `json:"sourceId"`
	// Sources names every source holding this fact (see factKey), this
	// record's first: the same result from a portal and a file shows once.
	Sources []string `json:"sources"`
	fact    int64
	// Encounter is the row id of the visit this record belongs to (an
	// Encounter's is its own), 0 when it names none the vault holds, so
	// the timeline can group by visit.
	Encounter int64 `json:"encounter"`
	// Documents are the record's attachments (a report's PDF, a note), so
	// the timeline can open them in the document viewer; empty when none.
	Documents []DocumentLink `json:"documents"`
}

// DocumentLink names one document of a timeline record.
type DocumentLink struct {
	ID     int64     `json:"id"`
	Title  string    `json:"title"`
	Format DocFormat `json:"format"`
}

// TimelinePage is one page of a timeline; Next is nil on the last.
type TimelinePage struct {
	Items []TimelineItem `json:"items"`
	Next  *Cursor        `json:"next"`
}

// TimelineHidden are types a timeline leaves out unless asked for: who and
// where (not events), bookkeeping, and insurance, which has its own section.
var TimelineHidden = []string{"Patient", "Practitioner", "PractitionerRole", "Organization", "Location",
	"Medication", "Provenance", "Claim", "ExplanationOfBenefit", "Coverage"}

var partialDate = regexp.MustCompile(`^\d{4}(-\d{2}(-\d{2})?)?$`)

var typeName = regexp.MustCompile(`^[A-Z][A-Za-z]{1,63}$`)

// Timeline lists a person's records newest first, a page at a time.
//
// Dates are compared as written (FHIR dates are ISO 8601, so text order is
// time order except across time-zone offsets within the same hours).
func (s *Store) Timeline(ctx context.Context, personID int64, q TimelineQuery) (TimelinePage, error) {
	pg := TimelinePage{Items: []TimelineItem{}}
	if _, err := s.Person(ctx, personID); err != nil {
		return pg, err
	}
	// A fact a person has from several sources (the same file imported and
	// synced from the portal, one result from two providers) shows once, as
	// the record that arrived first; one source's timeline shows its own.
	query, args, err := timelineSQL(personID, &q, q.Source == 0)
	if err != nil {
		return pg, err
	}
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return pg, err
	}
	defer rows.Close()
	for rows.Next() {
		var it TimelineItem
		var v sql.NullFloat64
		if err := rows.Scan(&it.ID, &it.ResourceType, &it.Date, &it.DateEnd, &it.Category, &it.Display, &v, &it.ValueText, &it.Unit, &it.Status, &it.Source, &it.SourceID, &it.fact); err != nil {
			return pg, err
		}
		if v.Valid {
			f := v.Float64
			it.ValueNum = &f
		}
		it.Display = fhir.CleanDisplay(it.Display)
		pg.Items = append(pg.Items, it)
	}
	if err := rows.Err(); err != nil {
		return pg, err
	}
	rows.Close()
	if len(pg.Items) > q.Limit {
		pg.Items = pg.Items[:q.Limit]
		last := pg.Items[q.Limit-1]
		pg.Next = &Cursor{Date: last.Date, ID: last.ID}
	}
	if err := s.linkVisits(ctx, pg.Items); err != nil {
		return pg, err
	}
	if err := s.linkSources(ctx, personID, pg.Items); err != nil {
		return pg, err
	}
	return pg, s.linkDocuments(ctx, pg.Items)
}

// linkSources fills each item's Sources with one query for the page
// (summaries_person_fact): the item's own source first, then the others
// holding its fact in the order they arrived.
func (s *Store) linkSources(ctx context.Context, personID int64, items []TimelineItem) error {
	if len(items) == 0 {
		return nil
	}
	args := []any{personID}
	at := map[int64][]int{}
	for i := range items {
		items[i].Sources = []string{items[i].Source}
		if _, ok := at[items[i].fact]; !ok {
			args = append(args, items[i].fact)
		}
		at[items[i].fact] = append(at[items[i].fact], i)
	}
	rows, err := s.db.QueryContext(ctx, "SELECT s.fact, src.label FROM summaries s JOIN sources src ON src.id = s.source_id WHERE s.person_id = ? AND s.fact IN (?"+
		strings.Repeat(",?", len(args)-2)+") ORDER BY s.resource", args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var fact int64
		var label string
		if err := rows.Scan(&fact, &label); err != nil {
			return err
		}
		for _, i := range at[fact] {
			if !slices.Contains(items[i].Sources, label) {
				items[i].Sources = append(items[i].Sources, label)
			}
		}
	}
	return rows.Err()
}

// linkDocuments fills each item's Documents with one indexed query for the
// page (attachments_resource), reading titles and first bytes, never data.
func (s *Store) linkDocuments(ctx context.Context, items []TimelineItem) error {
	if len(items) == 0 {
		return nil
	}
	at := make(map[int64]int, len(items))
	args := make([]any, len(items))
	for i := range items {
		items[i].Documents = []DocumentLink{}
		at[items[i].ID] = i
		args[i] = items[i].ID
	}
	rows, err := s.db.QueryContext(ctx, "SELECT "+documentColumns+documentFrom+"WHERE a.resource IN (?"+strings.Repeat(",?", len(args)-1)+") ORDER BY a.id", args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		d, err := scanDocument(rows)
		if err != nil {
			return err
		}
		if i, ok := at[d.Resource]; ok {
			items[i].Documents = append(items[i].Documents, DocumentLink{ID: d.ID, Title: d.Title, Format: d.Format})
		}
	}
	return rows.Err()
}

// timelineSQL builds the page query for q (normalising its Limit).
// With oneFact, a record stating a fact an earlier record of the person's
// states is left out.
func timelineSQL(personID int64, q *TimelineQuery, oneFact bool) (string, []any, error) {
	if q.Limit <= 0 {
		q.Limit = 50
	}
	if q.Limit > 500 {
		q.Limit = 500
	}
	where := []string{"s.person_id = ?"}
	args := []any{personID}
	if len(q.Types) > 0 {
		for _, t := range q.Types {
			if !typeName.MatchString(t) {
				return "", nil, fmt.Errorf("%w: %q is not a record type", ErrBadTimelineQuery, t)
			}
			args = append(args, t)
		}
		where = append(where, "s.resource_type IN (?"+strings.Repeat(",?", len(q.Types)-1)+")")
	} else {
		where = append(where, "s.resource_type NOT IN (?"+strings.Repeat(",?", len(TimelineHidden)-1)+")")
		for _, t := range TimelineHidden {
			args = append(args, t)
		}
	}
	if q.Source != 0 {
		where = append(where, "s.source_id = ?")
		args = append(args, q.Source)
	}
	if q.Since != "" {
		if !partialDate.MatchString(q.Since) {
			return "", nil, fmt.Errorf("%w: since must be YYYY, YYYY-MM or YYYY-MM-DD", ErrBadTimelineQuery)
		}
		where = append(where, "s.date >= ?")
		args = append(args, q.Since)
	}
	if q.Until != "" {
		if !partialDate.MatchString(q.Until) {
			return "", nil, fmt.Errorf("%w: until must be YYYY, YYYY-MM or YYYY-MM-DD", ErrBadTimelineQuery)
		}
		// "~" sorts after every character of an ISO date, so every date
		// beginning with Until (that day's times too) is included.
		where = append(where, "s.date != '' AND s.date < ?")
		args = append(args, q.Until+"~")
	}
	if q.After.ID != 0 {
		where = append(where, "(s.date, s.resource) < (?, ?)")
		args = append(args, q.After.Date, q.After.ID)
	}
	from := itemFrom
	if oneFact {
		where = append(where, firstOfFact)
	}
	// One more than a page tells whether there is a next one.
	args = append(args, q.Limit+1)
	return "SELECT s.resource, s.resource_type, s.date, s.date_end, s.category, s.display, s.value_num, s.value_text, s.unit, s.status, src.label, s.source_id, s.fact" +
		from + "WHERE " + strings.Join(where, " AND ") + " ORDER BY s.date DESC, s.resource DESC LIMIT ?", args, nil
}

// linkVisits sets each item's Encounter from its raw JSON: encounter (most
// clinical types) or context (DocumentReference's context.encounter, R4's
// MedicationStatement/Claim context), found among the same source's records.
func (s *Store) linkVisits(ctx context.Context, items []TimelineItem) error {
	var need []int64
	for i := range items {
		if items[i].ResourceType == "Encounter" {
			items[i].Encounter = items[i].ID
		} else {
			need = append(need, items[i].ID)
		}
	}
	raw, err := s.raws(ctx, need)
	if err != nil {
		return err
	}
	type key struct {
		source int64
		ref    string
	}
	found := map[key]int64{}
	for i := range items {
		b, ok := raw[items[i].ID]
		if !ok {
			continue
		}
		ref := encounterRef(b)
		if ref == "" {
			continue
		}
		k := key{items[i].SourceID, ref}
		id, ok := found[k]
		if !ok {
			if id, err = s.refTarget(ctx, k.source, ref, "Encounter"); err != nil {
				return err
			}
			if id == 0 {
				if id, err = s.enteredVisit(ctx, items[i].ID, ref); err != nil {
					return err
				}
			}
			found[k] = id
		}
		items[i].Encounter = id
	}
	return nil
}

// enteredVisit resolves a visit named by a record the family entered (a
// document they attached to a visit from a portal or a file): such a
// reference points into another source, so it is looked up among the same
// person's Encounters in any source. Records from providers and files only
// ever name visits in their own source (refTarget).
func (s *Store) enteredVisit(ctx context.Context, resource int64, ref string) (int64, error) {
	typ, id := refParts(ref)
	if id == "" || (typ != "" && typ != "Encounter") {
		return 0, nil
	}
	var rid int64
	err := s.db.QueryRowContext(ctx, `SELECT e.id FROM resources me JOIN sources src ON src.id = me.source_id AND src.kind = 'entered'
JOIN summaries ms ON ms.resource = me.id
JOIN summaries es ON es.person_id = ms.person_id AND es.resource_type = 'Encounter'
JOIN resources e ON e.id = es.resource AND e.resource_id = ?
WHERE me.id = ? ORDER BY e.id LIMIT 1`, id, resource).Scan(&rid)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return rid, err
}

func encounterRef(raw []byte) string {
	var r struct {
		Encounter reference       `json:"encounter"`
		Context   json.RawMessage `json:"context"`
	}
	if json.Unmarshal(raw, &r) != nil {
		return ""
	}
	if r.Encounter.Reference != "" {
		return r.Encounter.Reference
	}
	if len(r.Context) == 0 {
		return ""
	}
	var asRef reference
	if json.Unmarshal(r.Context, &asRef) == nil && asRef.Reference != "" {
		return asRef.Reference
	}
	var doc struct {
		Encounter []reference `json:"encounter"`
	}
	if json.Unmarshal(r.Context, &doc) == nil && len(doc.Encounter) > 0 {
		return doc.Encounter[0].Reference
	}
	return ""
}
