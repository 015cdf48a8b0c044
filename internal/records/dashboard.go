package records

import (
	"context"
	"database/sql"
	"encoding/json"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/fastenhealth/fasten-desktop/internal/fhir"
	"github.com/fastenhealth/fasten-desktop/internal/vault"
)

// Dashboard is one person's health record at a glance: what a parent needs
// first (problems, medicines, allergies, vaccines, visits, vitals, results
// to look at), read from the derived summaries plus, for the few fields
// summaries do not keep (reactions, reasons, ranges), the raw JSON of the
// handful of rows shown.
type Dashboard struct {
	Person Person `json:"person"`
	// Age in whole years today; nil without a birth date.
	Age *int `json:"age"`
	// PatientRecords is how many Patient records (one per file or portal)
	// are this one person. Counts shows Patient as 1 whatever this is.
	PatientRecords  int               `json:"patientRecords"`
	Counts          []TypeCount       `json:"counts"`          // medical types only
	Insurance       int               `json:"insurance"`       // items of the Insurance section
	Problems        []Item            `json:"problems"`        // active conditions, Date = onset
	Medications     []Item            `json:"medications"`     // current (active)
	PastMedications int               `json:"pastMedications"` // every other status
	Allergies       []Allergy         `json:"allergies"`
	Immunizations   []Vaccine         `json:"immunizations"` // one per vaccine, most recent dose first
	Visits          []Visit           `json:"visits"`        // newest first, at most DashboardVisits
	Vitals          []Item            `json:"vitals"`        // latest per code
	Flagged         []FlaggedResult   `json:"flagged"`       // latest result per code, when out of range
	CarePlans       []Item            `json:"carePlans"`
	Goals           []Item            `json:"goals"`
	Connections     []ConnectionState `json:"connections"` // filled by the session (records cannot see connections)
}

// DashboardVisits is how many recent visits a dashboard lists.
const DashboardVisits = 10

// Allergy is an allergy or intolerance with what happens and how bad it is.
type Allergy struct {
	ID          int64    `json:"id"`
	Display     string   `json:"display"`
	Date        string   `json:"date"`
	Status      string   `json:"status"`
	Category    string   `json:"category"`    // food, medication, environment, biologic
	Criticality string   `json:"criticality"` // low, high, unable-to-assess
	Severity    string   `json:"severity"`    // the worst reaction's: mild, moderate, severe
	Reactions   []string `json:"reactions"`   // manifestations, cleaned
	Source      string   `json:"source"`
}

// Vaccine is every recorded dose of one vaccine.
type Vaccine struct {
	Code    string `json:"code"`
	Display string `json:"display"`
	Doses   []Dose `json:"doses"` // oldest first, as a vaccine record lists them
}

// Dose is one immunization.
type Dose struct {
	ID     int64  `json:"id"`
	Date   string `json:"date"`
	Status string `json:"status"`
	Source string `json:"source"`
}

// Visit is one encounter: what kind, why, where.
type Visit struct {
	ID      int64  `json:"id"`
	Date    string `json:"date"`
	DateEnd string `json:"dateEnd"`
	Type    string `json:"type"`  // e.g. "Encounter for check up"
	Class   string `json:"class"` // encounter class code: AMB, EMER, IMP…
	Reason  string `json:"reason"`
	Where   string `json:"where"` // location, else the organisation that provided it
	Status  string `json:"status"`
	Source  string `json:"source"`
}

// FlaggedResult is a result outside its normal range.
type FlaggedResult struct {
	Result Item     `json:"result"`
	Flag   string   `json:"flag"`  // the source's interpretation code (H, L, HH, LL, A…), or H/L from the range
	Low    *float64 `json:"low"`   // the reference range, when given
	High   *float64 `json:"high"`  //
	Range  string   `json:"range"` // the range's own text, when given
}

// ConnectionState is how one of the person's portal connections stands.
type ConnectionState struct {
	ID             int64  `json:"id"`
	Provider       string `json:"provider"`
	Status         string `json:"status"`
	StatusText     string `json:"statusText"`
	NeedsAttention bool   `json:"needsAttention"`
	LastSynced     string `json:"lastSynced"` // end of the last sync that brought records, Fasten's timestamp format; "" if none
}

// dashRow is an Item with what views fold and flag by: the fact it states
// (see factKey: copies and the same fact from several sources share one)
// and a result's reference range and flag.
type dashRow struct {
	Item
	fhirID   string
	sourceID int64
	fact     int64
	low      *float64
	high     *float64
	rangeTxt string
	flag     string
	// copies: a row standing for this many records of one fact, folded in
	// SQL (labFacts); 0 for a row read as it is.
	copies int
}

// The FHIR id comes from summaries (migration 9): a join to resources read
// one scattered page per row.
const dashColumns = itemColumns + `, s.fhir_id, s.source_id, s.fact, s.ref_low, s.ref_high, s.ref_text, s.flag`

const dashFrom = itemFrom

// dashRows reads one person's rows in the order where asks, keeping the
// first of each fact.
func (s *Store) dashRows(ctx context.Context, where string, args ...any) ([]dashRow, error) {
	return s.readDashRows(ctx, true, where, args...)
}

func (s *Store) readDashRows(ctx context.Context, fold bool, where string, args ...any) ([]dashRow, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT "+dashColumns+dashFrom+"WHERE "+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []dashRow
	seen := map[int64]bool{}
	for rows.Next() {
		var d dashRow
		var v, lo, hi sql.NullFloat64
		if err := rows.Scan(&d.ID, &d.ResourceType, &d.Date, &d.DateEnd, &d.Category, &d.CodeSystem, &d.Code, &d.Display,
			&v, &d.ValueText, &d.Unit, &d.Status, &d.Source, &d.fhirID, &d.sourceID, &d.fact, &lo, &hi, &d.rangeTxt, &d.flag); err != nil {
			return nil, err
		}
		d.ValueNum, d.low, d.high = floatPtr(v), floatPtr(lo), floatPtr(hi)
		d.Display = fhir.CleanDisplay(d.Display)
		// The same fact from a file and from a portal is one record.
		if fold && seen[d.fact] {
			continue
		}
		seen[d.fact] = true
		out = append(out, d)
	}
	return out, rows.Err()
}

func floatPtr(v sql.NullFloat64) *float64 {
	if !v.Valid {
		return nil
	}
	f := v.Float64
	return &f
}

func items(rows []dashRow) []Item {
	out := make([]Item, len(rows))
	for i, r := range rows {
		out[i] = r.Item
	}
	return out
}

// Dashboard gathers one person's dashboard.
func (s *Store) Dashboard(ctx context.Context, personID int64) (Dashboard, error) {
	d := Dashboard{Connections: []ConnectionState{}}
	p, err := s.Person(ctx, personID)
	if err != nil {
		return d, err
	}
	if p.BirthDate == "" {
		// A member made by name alone (assigning an imported Patient to a
		// new person, or typing a name) still has their birth date in the
		// Patient records linked to them; the header shows that one.
		if err := s.db.QueryRowContext(ctx, `SELECT coalesce(min(date), '') FROM summaries
WHERE person_id = ? AND resource_type = 'Patient' AND length(date) >= 10`, personID).Scan(&p.BirthDate); err != nil {
			return d, err
		}
	}
	d.Person = p
	d.Age = ageOn(p.BirthDate, s.now())

	if d.Counts, d.PatientRecords, d.Insurance, err = s.personCounts(ctx, personID); err != nil {
		return d, err
	}
	var rows []dashRow
	if rows, _, err = s.current(ctx, personID, "resource_type = 'Condition' AND status IN ('active', 'recurrence', 'relapse')", 200); err != nil {
		return d, err
	}
	d.Problems = items(rows)
	if rows, _, err = s.current(ctx, personID, "resource_type IN ('MedicationRequest', 'MedicationStatement') AND status = 'active'", 200); err != nil {
		return d, err
	}
	d.Medications = items(rows)
	if err = s.db.QueryRowContext(ctx, "SELECT count(DISTINCT fact) FROM summaries WHERE person_id = ? AND resource_type IN ('MedicationRequest', 'MedicationStatement') AND status != 'active'", personID).Scan(&d.PastMedications); err != nil {
		return d, err
	}
	if d.Allergies, err = s.allergies(ctx, personID); err != nil {
		return d, err
	}
	if d.Immunizations, err = s.vaccines(ctx, personID); err != nil {
		return d, err
	}
	if d.Visits, err = s.visits(ctx, personID, DashboardVisits, d.PatientRecords); err != nil {
		return d, err
	}
	// One pass over the latest result per code serves both vitals and
	// flagged results.
	latest, err := s.dashRows(ctx, "s.resource IN (SELECT resource FROM (SELECT resource, max(date) FROM summaries WHERE person_id = ? AND resource_type = 'Observation' GROUP BY code)) ORDER BY s.date DESC, s.resource DESC", personID)
	if err != nil {
		return d, err
	}
	d.Vitals = []Item{}
	for _, r := range latest {
		// A panel without a value of its own (C-CDA's "Vital signs"
		// organizer) groups readings; it is not one.
		if r.Category == "vital-signs" && valued(r) {
			d.Vitals = append(d.Vitals, r.Item)
		}
	}
	sort.SliceStable(d.Vitals, func(i, j int) bool {
		return strings.ToLower(d.Vitals[i].Display) < strings.ToLower(d.Vitals[j].Display)
	})
	d.Flagged = flagged(latest)
	if rows, _, err = s.current(ctx, personID, "resource_type = 'CarePlan' AND status = 'active'", 100); err != nil {
		return d, err
	}
	d.CarePlans = items(rows)
	if rows, _, err = s.current(ctx, personID, "resource_type = 'Goal' AND status IN ('active', 'accepted')", 100); err != nil {
		return d, err
	}
	d.Goals = items(rows)
	return d, nil
}

// current lists a person's records matching filter (on type and status:
// what summaries_person_type_status holds), newest first, one row per fact
// however many sources hold it, and how many facts match in all (see
// currentOf).
func (s *Store) current(ctx context.Context, personID int64, filter string, limit int) ([]dashRow, int, error) {
	rows, totals, err := s.currentOf(ctx, []int64{personID}, filter, limit)
	return rows[personID], totals[personID], err
}

// currentOf is current for several people in one statement (the household
// asks it for everyone: per-statement costs, not rows, dominated there).
// One walk of the index folds the facts (GROUP BY fact, the newest-received
// record kept), counts them and picks each person's newest limit (limit <
// 0: all); only those rows are then read. A person whose record came from a
// file and a portal twelve times over costs the rows shown, not twelve
// times all of them: reading rows is what costs (each scattered page
// decrypted).
func (s *Store) currentOf(ctx context.Context, people []int64, filter string, limit int) (map[int64][]dashRow, map[int64]int, error) {
	byPerson, totals := map[int64][]dashRow{}, map[int64]int{}
	if len(people) == 0 {
		return byPerson, totals, nil
	}
	if limit < 0 {
		limit = math.MaxInt32
	}
	args := make([]any, 0, len(people)+1)
	for _, p := range people {
		args = append(args, p)
	}
	// INDEXED BY: grouping by fact, SQLite would rather walk
	// summaries_person_fact in fact order and read every row of the
	// person's to test its type and status. The bare date is the kept
	// row's (SQLite takes bare columns from the max() row).
	rows, err := s.db.QueryContext(ctx, `SELECT person_id, r, n FROM (SELECT person_id, r,
  count(*) OVER (PARTITION BY person_id) AS n, row_number() OVER (PARTITION BY person_id ORDER BY d DESC, r DESC) AS k
FROM (SELECT person_id, max(resource) AS r, date AS d FROM summaries INDEXED BY summaries_person_type_status
  WHERE person_id IN (?`+strings.Repeat(",?", len(people)-1)+`) AND `+filter+` GROUP BY person_id, fact))
WHERE k <= ?`, append(args, limit)...)
	if err != nil {
		return nil, nil, err
	}
	var ids []any
	owner := map[int64]int64{}
	for rows.Next() {
		var person, id int64
		var n int
		if err := rows.Scan(&person, &id, &n); err != nil {
			rows.Close()
			return nil, nil, err
		}
		ids = append(ids, id)
		owner[id], totals[person] = person, n
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(ids) == 0 {
		return byPerson, totals, err
	}
	// Already one per fact and person; folding again across people would
	// drop one of two people's flu shots of the same day.
	list, err := s.readDashRows(ctx, false, "s.resource IN (?"+strings.Repeat(",?", len(ids)-1)+") ORDER BY s.date DESC, s.resource DESC", ids...)
	if err != nil {
		return nil, nil, err
	}
	for _, r := range list {
		byPerson[owner[r.ID]] = append(byPerson[owner[r.ID]], r)
	}
	return byPerson, totals, nil
}

// personCounts counts medical records by type, each fact once (see
// factKey), and the items of the Insurance section as InsuranceCount does
// (insurance records have no fact rule: a fact is a copy, as InsuranceCount
// counts them), in one pass over the person's index entries. A person's
// Patient records from several sources are one person: Patient counts 1,
// and how many records there are (copies too) is returned apart.
func (s *Store) personCounts(ctx context.Context, personID int64) (counts []TypeCount, patients, insurance int, err error) {
	rows, err := s.db.QueryContext(ctx, "SELECT resource_type, count(DISTINCT fact), count(*) FROM summaries WHERE person_id = ? GROUP BY resource_type", personID)
	if err != nil {
		return nil, 0, 0, err
	}
	defer rows.Close()
	out := []TypeCount{}
	bills := map[string]int{}
	for rows.Next() {
		var tc TypeCount
		var all int
		if err := rows.Scan(&tc.ResourceType, &tc.Count, &all); err != nil {
			return nil, 0, 0, err
		}
		if IsInsuranceType(tc.ResourceType) {
			bills[tc.ResourceType] = tc.Count
			continue // the Insurance section's
		}
		if tc.ResourceType == "Patient" {
			patients, tc.Count = all, 1
		}
		out = append(out, tc)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, 0, err
	}
	// A stable order (by name): counts that reorder per person make the
	// same button move around.
	sort.Slice(out, func(i, j int) bool { return out[i].ResourceType < out[j].ResourceType })
	return out, patients, insuranceItems(bills["Claim"], bills["ExplanationOfBenefit"], bills["Coverage"]), nil
}

// ageOn is the age in whole years on day now of someone born on birth
// (YYYY-MM-DD, or a longer FHIR dateTime); nil when birth is not a full date
// or is in the future.
func ageOn(birth string, now time.Time) *int {
	if len(birth) < 10 {
		return nil
	}
	b, err := time.Parse("2006-01-02", birth[:10])
	if err != nil {
		return nil
	}
	y := now.Year() - b.Year()
	if now.Month() < b.Month() || (now.Month() == b.Month() && now.Day() < b.Day()) {
		y--
	}
	if y < 0 {
		return nil
	}
	return &y
}

// raws loads the raw JSON of the given resources.
func (s *Store) raws(ctx context.Context, ids []int64) (map[int64][]byte, error) {
	out := make(map[int64][]byte, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	q := "SELECT id, raw FROM resources WHERE id IN (?" + strings.Repeat(",?", len(ids)-1) + ")"
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var stored []byte
		if err := rows.Scan(&id, &stored); err != nil {
			return nil, err
		}
		raw, err := vault.UnpackRaw(nil, stored)
		if err != nil {
			return nil, err
		}
		out[id] = raw
	}
	return out, rows.Err()
}

func ids(rows []dashRow) []int64 {
	out := make([]int64, len(rows))
	for i, r := range rows {
		out[i] = r.ID
	}
	return out
}

// concept is the part of a CodeableConcept a person reads.
type concept struct {
	Coding []struct {
		Code    string `json:"code"`
		Display string `json:"display"`
	} `json:"coding"`
	Text string `json:"text"`
}

func (c concept) String() string {
	if c.Text != "" {
		return fhir.CleanDisplay(c.Text)
	}
	for _, cd := range c.Coding {
		if cd.Display != "" {
			return fhir.CleanDisplay(cd.Display)
		}
	}
	if len(c.Coding) > 0 {
		return c.Coding[0].Code
	}
	return ""
}

// currentAllergy is what allergies are listed: every one not inactive or
// resolved (a card must not hide an allergy).
const currentAllergy = "resource_type = 'AllergyIntolerance' AND status NOT IN ('inactive', 'resolved')"

func (s *Store) allergies(ctx context.Context, personID int64) ([]Allergy, error) {
	rows, _, err := s.current(ctx, personID, currentAllergy, 200)
	if err != nil {
		return nil, err
	}
	raw, err := s.raws(ctx, ids(rows))
	if err != nil {
		return nil, err
	}
	return allergyList(rows, raw), nil
}

// allergyList reads each allergy's criticality, reactions and worst
// severity from its raw JSON.
func allergyList(rows []dashRow, raw map[int64][]byte) []Allergy {
	out := make([]Allergy, 0, len(rows))
	rank := map[string]int{"mild": 1, "moderate": 2, "severe": 3}
	for _, r := range rows {
		a := Allergy{ID: r.ID, Display: r.Display, Date: r.Date, Status: r.Status, Category: r.Category, Source: r.Source, Reactions: []string{}}
		var res struct {
			Criticality string `json:"criticality"`
			Reaction    []struct {
				Manifestation []concept `json:"manifestation"`
				Severity      string    `json:"severity"`
			} `json:"reaction"`
		}
		// A resource that does not parse here still shows, without details.
		if json.Unmarshal(raw[r.ID], &res) == nil {
			a.Criticality = res.Criticality
			seen := map[string]bool{}
			for _, re := range res.Reaction {
				if rank[re.Severity] > rank[a.Severity] {
					a.Severity = re.Severity
				}
				for _, m := range re.Manifestation {
					if t := m.String(); t != "" && !seen[t] {
						seen[t] = true
						a.Reactions = append(a.Reactions, t)
					}
				}
			}
		}
		out = append(out, a)
	}
	return out
}

func (s *Store) vaccines(ctx context.Context, personID int64) ([]Vaccine, error) {
	rows, _, err := s.current(ctx, personID, "resource_type = 'Immunization' AND status NOT IN ('not-done', 'entered-in-error')", -1)
	if err != nil {
		return nil, err
	}
	out := []Vaccine{}
	at := map[string]int{}
	for _, r := range rows {
		key := r.CodeSystem + "|" + r.Code
		if r.Code == "" {
			key = "|" + strings.ToLower(r.Display)
		}
		i, ok := at[key]
		if !ok {
			i = len(out)
			at[key] = i
			out = append(out, Vaccine{Code: r.Code, Display: r.Display})
		}
		out[i].Doses = append(out[i].Doses, Dose{ID: r.ID, Date: r.Date, Status: r.Status, Source: r.Source})
	}
	// Rows came newest first, so vaccines are ordered by their latest dose;
	// each vaccine's doses read oldest first.
	for i := range out {
		d := out[i].Doses
		for l, h := 0, len(d)-1; l < h; l, h = l+1, h-1 {
			d[l], d[h] = d[h], d[l]
		}
	}
	return out, nil
}

// reference is a FHIR Reference's parts a view uses.
type reference struct {
	Reference string `json:"reference"`
	Display   string `json:"display"`
}

// visits lists the n latest visits. Each may come once per Patient record
// the person has (a file and a portal), so up to n×copies rows are read for
// n distinct ones.
func (s *Store) visits(ctx context.Context, personID int64, n, copies int) ([]Visit, error) {
	rows, err := s.dashRows(ctx, "s.person_id = ? AND s.resource_type = 'Encounter' ORDER BY s.date DESC, s.resource DESC LIMIT ?", personID, n*max(copies, 1))
	if err != nil {
		return nil, err
	}
	if len(rows) > n {
		rows = rows[:n]
	}
	raw, err := s.raws(ctx, ids(rows))
	if err != nil {
		return nil, err
	}
	out := make([]Visit, 0, len(rows))
	for _, r := range rows {
		v := Visit{ID: r.ID, Date: r.Date, DateEnd: r.DateEnd, Type: r.Display, Class: r.Category, Status: r.Status, Source: r.Source}
		var enc struct {
			ReasonCode      []concept `json:"reasonCode"`
			ReasonReference []reference
			Location        []struct {
				Location reference `json:"location"`
			} `json:"location"`
			ServiceProvider reference `json:"serviceProvider"`
		}
		if json.Unmarshal(raw[r.ID], &enc) == nil {
			if len(enc.ReasonCode) > 0 {
				v.Reason = enc.ReasonCode[0].String()
			} else if len(enc.ReasonReference) > 0 {
				v.Reason = fhir.CleanDisplay(enc.ReasonReference[0].Display)
			}
			var where reference
			if len(enc.Location) > 0 {
				where = enc.Location[0].Location
			} else {
				where = enc.ServiceProvider
			}
			v.Where = where.Display
			if v.Where == "" && where.Reference != "" {
				// Synthea and many portals give only a reference: the place's
				// own record (from the same source) has its name.
				v.Where, err = s.refDisplay(ctx, r.sourceID, where.Reference)
				if err != nil {
					return nil, err
				}
			}
		}
		out = append(out, v)
	}
	return out, nil
}

// refTarget finds the row a reference points at among the same source's
// resources: 0 when it is not there.
func (s *Store) refTarget(ctx context.Context, source int64, ref, wantType string) (int64, error) {
	typ, id := refParts(ref)
	if id == "" || (typ != "" && wantType != "" && typ != wantType) {
		return 0, nil
	}
	q := "SELECT id FROM resources WHERE source_id = ? AND resource_id = ?"
	args := []any{source, id}
	if typ == "" {
		typ = wantType
	}
	if typ != "" {
		q += " AND resource_type = ?"
		args = append(args, typ)
	}
	var rid int64
	err := s.db.QueryRowContext(ctx, q+" LIMIT 1", args...).Scan(&rid)
	if err == sql.ErrNoRows {
		return 0, nil
	}
	return rid, err
}

// refParts splits "Type/id", ".../Type/id" or "urn:uuid:id" (a Bundle-local
// reference, whose id Synthea and most exporters reuse as the resource id).
func refParts(ref string) (typ, id string) {
	switch r := fhir.ParseReference(ref); r.Kind {
	case fhir.RefUUID:
		return "", r.ID
	case fhir.RefRelative, fhir.RefAbsolute:
		return r.Type, r.ID
	}
	return "", ""
}

// refDisplay is the summary display of the resource a reference points at
// among the same source's records, "" when it is not there.
func (s *Store) refDisplay(ctx context.Context, source int64, ref string) (string, error) {
	typ, id := refParts(ref)
	if id == "" {
		return "", nil
	}
	q := "SELECT s.display FROM resources r JOIN summaries s ON s.resource = r.id WHERE r.source_id = ? AND r.resource_id = ?"
	args := []any{source, id}
	if typ != "" {
		q += " AND r.resource_type = ?"
		args = append(args, typ)
	}
	var name string
	err := s.db.QueryRowContext(ctx, q+" LIMIT 1", args...).Scan(&name)
	if err == sql.ErrNoRows {
		return "", nil
	}
	return name, err
}

// abnormal are the v3 ObservationInterpretation codes that mean "outside
// the normal range" (N, and codes about susceptibility or trend, do not).
var abnormal = map[string]bool{"H": true, "L": true, "HH": true, "LL": true, "A": true, "AA": true,
	"HU": true, "LU": true, ">": true, "<": true, "POS": true, "DET": true}

// flagged picks, from the latest result per code, those out of range: by
// the source's own interpretation, else by its reference range.
func flagged(rows []dashRow) []FlaggedResult {
	out := []FlaggedResult{}
	for _, r := range rows {
		f := FlaggedResult{Result: r.Item, Low: r.low, High: r.high, Range: r.rangeTxt}
		if abnormal[r.flag] {
			f.Flag = r.flag
		}
		if f.Flag == "" && r.ValueNum != nil {
			switch {
			case f.Low != nil && *r.ValueNum < *f.Low:
				f.Flag = "L"
			case f.High != nil && *r.ValueNum > *f.High:
				f.Flag = "H"
			}
		}
		if f.Flag != "" {
			out = append(out, f)
		}
	}
	return out
}
