package records

import (
	"context"
	"database/sql"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/fastenhealth/fasten-desktop/internal/fhir"
)

// Lab and vital trends: one person's results of one test over time, from
// every provider. A test is its LOINC code; a result a source sent without
// LOINC joins the LOINC test whose name reads the same (normalised: case,
// punctuation and spacing ignored), else a test of its own by that name.
// Each point is one fact (factKey): the same measurement from a file and
// two portals is one point listing its three sources.

const loincSystem = "http://loinc.org"

// LabsQuery picks the series Labs returns.
type LabsQuery struct {
	// Code is a LOINC code ("2093-3") or a series key from LabList
	// ("loinc:2093-3", "text:glucose"); "" returns every series.
	Code string `json:"code"`
}

// Labs is a person's trends.
type Labs struct {
	// BirthDate lets the view draw growth against age; "" when unknown.
	BirthDate string      `json:"birthDate"`
	Series    []LabSeries `json:"series"`
}

// LabSeries is one test's results in one unit, oldest first. A test whose
// results came in units that do not convert exactly is several series, one
// per unit (same Key and Code, another Unit): never one axis.
type LabSeries struct {
	Key     string `json:"key"`
	Code    string `json:"code"`   // the LOINC code; "" for a series grouped by name
	System  string `json:"system"` // http://loinc.org, or ""
	Display string `json:"display"`
	Kind    string `json:"kind"` // "vital" or "lab"
	Unit    string `json:"unit"` // every point's Unit
	// Converted: some points were converted into Unit (each says so).
	Converted bool `json:"converted"`
	// Pair: points are blood pressure, Value systolic and Value2 diastolic.
	Pair bool `json:"pair"`
	// Growth: height, weight or head circumference, drawn against age for
	// a child.
	Growth bool       `json:"growth"`
	Points []LabPoint `json:"points"`
}

// LabPoint is one measurement: one fact, with every record stating it.
type LabPoint struct {
	Date string `json:"date"`
	// Age in years (fractional) on Date, when the birth date is known.
	Age    *float64 `json:"age,omitempty"`
	Value  *float64 `json:"value"`
	Value2 *float64 `json:"value2,omitempty"` // diastolic, for blood pressure
	Text   string   `json:"text,omitempty"`   // the value as written, when not a number
	Unit   string   `json:"unit"`
	// The point's own reference range and the source's interpretation
	// (H, L, N, A…), else H/L from the range; Abnormal: outside it.
	Low      *float64 `json:"low"`
	High     *float64 `json:"high"`
	Range    string   `json:"range,omitempty"`
	Flag     string   `json:"flag"`
	Abnormal bool     `json:"abnormal"`
	// From is the value as recorded, when it was converted into Unit.
	From    *LabOriginal `json:"from,omitempty"`
	Sources []LabSource  `json:"sources"`

	fact   int64
	fact2  int64 // a blood pressure sent as two results: the others' facts
	fact3  int64
	folded bool // some of its records were folded in SQL: no range, flag or source label
}

// complete: the point holds everything its records say.
func (p LabPoint) complete() bool { return !p.folded }

// LabOriginal is a converted point's value as the source recorded it.
type LabOriginal struct {
	Value float64  `json:"value"`
	Low   *float64 `json:"low,omitempty"`
	High  *float64 `json:"high,omitempty"`
	Unit  string   `json:"unit"`
}

// LabSource is one record of a point and where it came from.
type LabSource struct {
	Record int64  `json:"record"`
	Source string `json:"source"`
}

// LabSeriesInfo is one series in the Trends picker.
type LabSeriesInfo struct {
	Key     string   `json:"key"`
	Code    string   `json:"code"`
	System  string   `json:"system"`
	Display string   `json:"display"`
	Kind    string   `json:"kind"`
	Unit    string   `json:"unit"`
	Count   int      `json:"count"` // measurements (facts), not records
	Pair    bool     `json:"pair"`
	Growth  bool     `json:"growth"`
	Latest  LabPoint `json:"latest"`
}

// Codes of vital signs (LOINC's vital-signs profile) for sources that do
// not say the category.
var vitalCodes = map[string]bool{
	"85354-9": true, "55284-4": true, "8480-6": true, "8462-4": true, // blood pressure
	"29463-7": true, "3141-9": true, "8302-2": true, "8306-3": true, "39156-5": true, // weight, height, BMI
	"8867-4": true, "8310-5": true, "8331-1": true, "2708-6": true, "59408-5": true, "9279-1": true, // pulse, temperature, SpO₂, breathing
	"9843-4": true, "8287-5": true, // head circumference
}

// bloodPressure codes are one Observation with systolic and diastolic parts.
var bloodPressure = map[string]bool{"85354-9": true, "55284-4": true}

// growthCodes are drawn against age for children.
var growthCodes = map[string]bool{"8302-2": true, "8306-3": true, "29463-7": true, "3141-9": true, "9843-4": true, "8287-5": true, "39156-5": true}

// LabList lists a person's series for the Trends picker: vitals first, then
// results, each by name, with how many measurements and the latest. It
// folds exactly as Labs does (groupLabs), but what it folds of results
// coded in LOINC is one row per fact, grouped by SQLite inside the
// summaries_lab index (test, unit, fact, date, kind, value: a few bytes an
// entry, no table row read, and no row per copy crossing into Go, which
// costs more than SQLite's work). Rows are read only where the picker
// shows more: each test's latest name, and its latest point. Results
// without LOINC are read whole, as Labs reads them (their names group
// them).
func (s *Store) LabList(ctx context.Context, personID int64) ([]LabSeriesInfo, error) {
	rows, err := s.labFacts(ctx, personID)
	if err != nil {
		return nil, err
	}
	if err := s.nameLabRows(ctx, personID, rows); err != nil {
		return nil, err
	}
	named, err := s.unlabelled(ctx, personID)
	if err != nil {
		return nil, err
	}
	// A LOINC coding without a code (a source wrote the system and a name
	// only) groups by its own name, as Labs groups it: read whole.
	uncoded, err := s.labRowsFrom(ctx, " FROM summaries s INDEXED BY summaries_lab CROSS JOIN sources src ON src.id = s.source_id ",
		"s.person_id = ? AND s.resource_type = 'Observation' AND s.code_system = '"+loincSystem+"' AND s.code = '' AND "+labValued, personID)
	if err != nil {
		return nil, err
	}
	rows = append(append(rows, named...), uncoded...)
	sortRows(rows)
	series := groupLabs(rows, "")
	latest, err := s.latestPoints(ctx, personID, series)
	if err != nil {
		return nil, err
	}
	out := make([]LabSeriesInfo, 0, len(series))
	for i, sr := range series {
		out = append(out, LabSeriesInfo{Key: sr.Key, Code: sr.Code, System: sr.System, Display: sr.Display, Kind: sr.Kind,
			Unit: sr.Unit, Count: len(sr.Points), Pair: sr.Pair, Growth: sr.Growth, Latest: latest[i]})
	}
	return out, nil
}

// labFacts reads a person's results coded in LOINC from summaries_lab, one
// row per fact standing for all its copies: the first copy's date and
// record, its value (every copy's: the fact holds it), how many copies,
// and vital-signs when any copy says so. No name, range, flag or source
// label: rows hold those. Unordered (sortRows orders rows; SQLite's sorter
// cost more than the read).
func (s *Store) labFacts(ctx context.Context, personID int64) ([]dashRow, error) {
	// min(date) is the only min/max aggregate, so SQLite takes the bare
	// columns (resource, values) from the first copy; the index walks each
	// fact's copies by date, then record (its columns say so), so the
	// first of equal dates is the lowest record, as sortRows would put it.
	// Codings without a code are not here (LabList reads them whole).
	rows, err := s.db.QueryContext(ctx, `SELECT min(date), resource, code, unit, fact, value_num, value_text, count(*), total(category = 'vital-signs') > 0
FROM summaries INDEXED BY summaries_lab
WHERE person_id = ? AND resource_type = 'Observation' AND code_system = '`+loincSystem+`' AND `+labValued+` AND code != ''
GROUP BY code, unit, fact`, personID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []dashRow
	for rows.Next() {
		d := dashRow{Item: Item{ResourceType: "Observation", CodeSystem: loincSystem}}
		var v sql.NullFloat64
		var vital bool
		if err := rows.Scan(&d.Date, &d.ID, &d.Code, &d.Unit, &d.fact, &v, &d.ValueText, &d.copies, &vital); err != nil {
			return nil, err
		}
		d.ValueNum = floatPtr(v)
		if vital {
			d.Category = "vital-signs"
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// nameLabRows gives rows read from the index the name groupLabs needs: the
// latest name of their test in their unit (of results with a value, as
// groupLabs reads names), one row read per test and unit.
// groupLabs takes a test's name from its latest row, and its names by unit
// from each unit's latest, so every row of a test and unit bearing that
// unit's latest name folds exactly as the rows themselves would.
func (s *Store) nameLabRows(ctx context.Context, personID int64, rows []dashRow) error {
	names := map[[2]string]string{}
	for _, r := range rows {
		names[[2]string{r.Code, r.Unit}] = ""
	}
	stmt, err := s.db.PrepareContext(ctx, `SELECT display FROM summaries INDEXED BY summaries_person_type_code
WHERE person_id = ? AND resource_type = 'Observation' AND code = ? AND code_system = '`+loincSystem+`' AND unit = ? AND `+labValued+`
ORDER BY date DESC, resource DESC LIMIT 1`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for k := range names {
		var d string
		if err := stmt.QueryRowContext(ctx, personID, k[0], k[1]).Scan(&d); err != nil && err != sql.ErrNoRows {
			return err
		}
		names[k] = d
	}
	for i := range rows {
		rows[i].Display = names[[2]string{rows[i].Code, rows[i].Unit}]
	}
	return nil
}

// latestPoints is each series' latest point as Labs gives it. A point
// folded from index rows lacks its range, flag and sources: the rows of
// every such point's fact are read in one query and folded alone (a fact
// is one point), then put in the series' unit.
func (s *Store) latestPoints(ctx context.Context, personID int64, series []LabSeries) ([]LabPoint, error) {
	out := make([]LabPoint, len(series))
	var facts []string
	for i, sr := range series {
		out[i] = sr.Points[len(sr.Points)-1]
		if !out[i].complete() {
			for _, f := range []int64{out[i].fact, out[i].fact2, out[i].fact3} {
				if f != 0 {
					facts = append(facts, strconv.FormatInt(f, 10))
				}
			}
		}
	}
	if len(facts) == 0 {
		return out, nil
	}
	rows, err := s.labRowsFrom(ctx, " FROM summaries s INDEXED BY summaries_person_fact CROSS JOIN sources src ON src.id = s.source_id ",
		"s.person_id = ? AND s.fact IN ("+strings.Join(facts, ",")+") AND s.resource_type = 'Observation'", personID)
	if err != nil {
		return nil, err
	}
	sortRows(rows)
	byFact := map[int64][]dashRow{}
	for _, r := range rows {
		byFact[r.fact] = append(byFact[r.fact], r)
	}
	for i, sr := range series {
		p := out[i]
		if p.complete() {
			continue
		}
		var full *LabPoint
		var own []dashRow
		for _, f := range []int64{p.fact, p.fact2, p.fact3} {
			if f != 0 {
				own = append(own, byFact[f]...)
			}
		}
		sortRows(own)
		for _, g := range groupLabs(own, "") {
			if g.Key == sr.Key || full == nil {
				full = &g.Points[0]
			}
		}
		if full == nil {
			// Its records changed between the reads (a sync replaced or
			// removed them): the folded point, without range or sources,
			// rather than no picker. The next look reads them again.
			continue
		}
		out[i] = inUnit(*full, p, sr)
	}
	return out, nil
}

// inUnit puts full (a point read from its rows) in sr's unit as folded (p
// is the same point from the fold: converted or not).
func inUnit(full, p LabPoint, sr LabSeries) LabPoint {
	if p.From != nil {
		if c, ok := convertPoint(full, unitKey(sr.Unit), sr.Unit, sr.Code); ok {
			return c
		}
	}
	full.Unit = sr.Unit
	return full
}

// seriesBefore orders series of one kind by name, then key; a test's series
// (one key, split by unit) keep their order, the main one first.
func seriesBefore(d1, k1, d2, k2 string) bool {
	a, b := strings.ToLower(d1), strings.ToLower(d2)
	if a != b {
		return a < b
	}
	return k1 < k2
}

// Labs returns a person's series: one test's (q.Code) or all.
func (s *Store) Labs(ctx context.Context, personID int64, q LabsQuery) (Labs, error) {
	out := Labs{Series: []LabSeries{}}
	birth, err := s.birthDate(ctx, personID)
	if err != nil {
		return out, err
	}
	out.BirthDate = birth
	key := strings.TrimSpace(q.Code)
	if key != "" && !strings.HasPrefix(key, "loinc:") && !strings.HasPrefix(key, "text:") {
		key = "loinc:" + key
	}
	var rows []dashRow
	switch {
	case key == "":
		rows, err = s.labRows(ctx, "s.person_id = ? AND s.resource_type = 'Observation' ORDER BY s.date, s.resource", personID)
	case strings.HasPrefix(key, "loinc:"):
		// The test's rows come from the code index; results without LOINC
		// that may join it by name are read apart.
		// Blood pressure's three codes are read together: its parts sent
		// apart pair into the panel's series (pairPressures).
		// (One code is "s.code = ?": the index then gives the rows in date
		// order; an IN list makes SQLite sort them, 2–3 times slower.)
		code := key[len("loinc:"):]
		if code == bpPanel || code == bpSystolic || code == bpDiastolic {
			rows, err = s.labRows(ctx, "s.person_id = ? AND s.resource_type = 'Observation' AND s.code IN (?, ?, ?) ORDER BY s.date, s.resource", personID, bpPanel, bpSystolic, bpDiastolic)
		} else {
			rows, err = s.labRows(ctx, "s.person_id = ? AND s.resource_type = 'Observation' AND s.code = ? ORDER BY s.date, s.resource", personID, code)
		}
		if err != nil {
			return out, err
		}
		var named []dashRow
		if named, err = s.unlabelledNamed(ctx, personID); err == nil && len(named) > 0 {
			// A local code can equal the LOINC code asked for: such a row is
			// in both reads, and is one source.
			have := make(map[int64]bool, len(rows))
			for _, r := range rows {
				have[r.ID] = true
			}
			for _, r := range named {
				if !have[r.ID] {
					rows = append(rows, r)
				}
			}
			sortRows(rows)
		}
	default:
		rows, err = s.unlabelled(ctx, personID)
	}
	if err != nil {
		return out, err
	}
	for _, sr := range groupLabs(rows, birth) {
		if key == "" || sr.Key == key {
			out.Series = append(out.Series, sr)
		}
	}
	return out, nil
}

// unlabelled reads a person's results sent without a LOINC code.
func (s *Store) unlabelled(ctx context.Context, personID int64) ([]dashRow, error) {
	return s.labRowsFrom(ctx, " FROM summaries s INDEXED BY summaries_lab_named CROSS JOIN sources src ON src.id = s.source_id ",
		"s.person_id = ? AND s.resource_type = 'Observation' AND s.code_system != '"+loincSystem+"' ORDER BY s.date, s.resource", personID)
}

// unlabelledNamed reads the results without LOINC that may join a LOINC
// test by name, walking the code index: a code shaped like LOINC's
// (digits, dash, check digit) is passed over in the index without reading
// its row, so a person with tens of thousands of LOINC results pays for
// their index entries, not their rows. A local code shaped like LOINC's is
// read only by its own code (the caller's first query) — the one case where
// a result LabList joins to a test by name is not drawn with it.
func (s *Store) unlabelledNamed(ctx context.Context, personID int64) ([]dashRow, error) {
	return s.labRowsFrom(ctx, " FROM summaries s INDEXED BY summaries_person_type_code CROSS JOIN sources src ON src.id = s.source_id ",
		"s.person_id = ? AND s.resource_type = 'Observation' AND NOT (s.code GLOB '[0-9]*-[0-9]') AND s.code_system != '"+loincSystem+"'", personID)
}

func sortRows(rows []dashRow) {
	sort.SliceStable(rows, func(i, j int) bool {
		if rows[i].Date != rows[j].Date {
			return rows[i].Date < rows[j].Date
		}
		return rows[i].ID < rows[j].ID
	})
}

// labRows reads every row where asks, copies included: a point lists all
// its sources.
func (s *Store) labRows(ctx context.Context, where string, args ...any) ([]dashRow, error) {
	return s.labRowsFrom(ctx, dashFrom, where, args...)
}

func (s *Store) labRowsFrom(ctx context.Context, from, where string, args ...any) ([]dashRow, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT "+dashColumns+from+"WHERE "+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []dashRow
	for rows.Next() {
		var d dashRow
		var v, lo, hi sql.NullFloat64
		if err := rows.Scan(&d.ID, &d.ResourceType, &d.Date, &d.DateEnd, &d.Category, &d.CodeSystem, &d.Code, &d.Display,
			&v, &d.ValueText, &d.Unit, &d.Status, &d.Source, &d.fhirID, &d.sourceID, &d.fact, &lo, &hi, &d.rangeTxt, &d.flag); err != nil {
			return nil, err
		}
		d.ValueNum, d.low, d.high = floatPtr(v), floatPtr(lo), floatPtr(hi)
		out = append(out, d)
	}
	return out, rows.Err()
}

// birthDate is the person's, else their Patient records' (as the
// dashboard finds it).
func (s *Store) birthDate(ctx context.Context, personID int64) (string, error) {
	p, err := s.Person(ctx, personID)
	if err != nil {
		return "", err
	}
	if p.BirthDate != "" {
		return p.BirthDate, nil
	}
	var b string
	err = s.db.QueryRowContext(ctx, `SELECT coalesce(min(date), '') FROM summaries
WHERE person_id = ? AND resource_type = 'Patient' AND length(date) >= 10`, personID).Scan(&b)
	return b, err
}

// normName is a test's name for grouping: lower case, letters and digits,
// one space between words ("Glucose [Mass/volume]" → "glucose mass volume").
func normName(s string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.ToLower(fhir.CleanDisplay(s)) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
		} else {
			space = true
		}
	}
	return b.String()
}

// splitPair reads "120/80" into systolic and diastolic.
func splitPair(t string) (*float64, *float64, bool) {
	a, b, ok := strings.Cut(t, "/")
	if !ok {
		return nil, nil, false
	}
	x, err1 := strconv.ParseFloat(strings.TrimSpace(a), 64)
	y, err2 := strconv.ParseFloat(strings.TrimSpace(b), 64)
	if err1 != nil || err2 != nil {
		return nil, nil, false
	}
	return &x, &y, true
}

// pointFlag is the source's interpretation, else H or L from the range.
func pointFlag(flag string, v, low, high *float64) string {
	if flag != "" || v == nil {
		return flag
	}
	switch {
	case low != nil && *v < *low:
		return "L"
	case high != nil && *v > *high:
		return "H"
	}
	return ""
}

// ageAt is the age in years on date of someone born on birth; nil when
// either is not a full date.
func ageAt(birth, date string) *float64 {
	if len(birth) < 10 || len(date) < 10 {
		return nil
	}
	b, err1 := time.Parse("2006-01-02", birth[:10])
	d, err2 := time.Parse("2006-01-02", date[:10])
	if err1 != nil || err2 != nil || d.Before(b) {
		return nil
	}
	a := d.Sub(b).Hours() / 24 / 365.2425
	return &a
}

// valued: the row states a value, as a number, two ("120/80") or words.
// labValued is the same test in SQL.
func valued(r dashRow) bool { return r.ValueNum != nil || r.ValueText != "" }

const labValued = `(value_num IS NOT NULL OR value_text != '')`

// groupLabs folds rows (oldest first) into series: by test, by fact, by
// unit. birth adds ages to growth points.
func groupLabs(rows []dashRow, birth string) []LabSeries {
	// Names of LOINC tests, so results without LOINC can join them: each
	// code's latest name in each unit, weighted by its records (LabList
	// folds the same way). A name used by two codes joins the one with more.
	type named struct {
		display string
		rows    int
	}
	latestName := map[[2]string]*named{}
	for _, r := range rows {
		// Only results with a value: a panel's name (no value of its own)
		// neither names a test nor draws results to it.
		if r.CodeSystem == loincSystem && r.Code != "" && valued(r) {
			k := [2]string{r.Code, r.Unit}
			if latestName[k] == nil {
				latestName[k] = &named{}
			}
			latestName[k].display = r.Display
			latestName[k].rows += max(1, r.copies)
		}
	}
	weights := map[string]map[string]int{}
	for k, n := range latestName {
		name := normName(n.display)
		if weights[name] == nil {
			weights[name] = map[string]int{}
		}
		weights[name][k[0]] += n.rows
	}
	byName := map[string]string{}
	for n, codes := range weights {
		best := ""
		for c, k := range codes {
			if best == "" || k > codes[best] || (k == codes[best] && c < best) {
				best = c
			}
		}
		byName[n] = "loinc:" + best
	}

	groups := map[string]*labGroup{}
	var order []string
	for _, r := range rows {
		var key, code, system string
		if r.CodeSystem == loincSystem && r.Code != "" {
			key, code, system = "loinc:"+r.Code, r.Code, loincSystem
		} else {
			n := normName(r.Display)
			if n == "" {
				continue
			}
			if k, ok := byName[n]; ok {
				key, code, system = k, k[len("loinc:"):], loincSystem
			} else {
				key = "text:" + n
			}
		}
		pair := bloodPressure[code]
		value, value2 := r.ValueNum, (*float64)(nil)
		if value == nil {
			if x, y, ok := splitPair(r.ValueText); ok {
				value, value2 = x, y
			}
		}
		if value == nil && r.ValueText == "" {
			continue
		}
		g := groups[key]
		if g == nil {
			g = &labGroup{s: LabSeries{Key: key, Code: code, System: system, Kind: "lab", Pair: pair, Growth: growthCodes[code]}, at: map[int64]int{}}
			groups[key] = g
			order = append(order, key)
		}
		if r.Category == "vital-signs" || vitalCodes[code] {
			g.s.Kind = "vital"
		}
		// The name most recently used by the test (rows are oldest first),
		// its LOINC-coded results' over names that joined it.
		// (Cleaned once, at the end: most rows bear the same name.)
		if r.CodeSystem == loincSystem || g.name == "" || g.s.Code == "" {
			g.name = r.Display
		}
		src := LabSource{Record: r.ID, Source: r.Source}
		if i, ok := g.at[r.fact]; ok {
			p := &g.points[i]
			p.Sources = append(p.Sources, src)
			p.folded = p.folded || r.copies > 0
			// A source that states the range fills one another left out.
			if p.Low == nil && p.High == nil && p.Range == "" {
				p.Low, p.High, p.Range = r.low, r.high, r.rangeTxt
			}
			if p.Flag == "" {
				p.Flag = pointFlag(r.flag, p.Value, p.Low, p.High)
				p.Abnormal = abnormal[p.Flag]
			}
			continue
		}
		p := LabPoint{Date: r.Date, Value: value, Value2: value2, Unit: r.Unit, Low: r.low, High: r.high, Range: r.rangeTxt,
			Sources: []LabSource{src}, fact: r.fact, folded: r.copies > 0}
		if value == nil {
			p.Text = r.ValueText
		}
		p.Flag = pointFlag(r.flag, value, r.low, r.high)
		p.Abnormal = abnormal[p.Flag]
		if g.s.Growth {
			p.Age = ageAt(birth, r.Date)
		}
		g.at[r.fact] = len(g.points)
		g.points = append(g.points, p)
	}

	order = pairPressures(groups, order)
	var out []LabSeries
	for _, key := range order {
		g := groups[key]
		g.s.Display = fhir.CleanDisplay(g.name)
		out = append(out, splitUnits(g.s, g.points)...)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Kind != out[j].Kind {
			return out[i].Kind == "vital"
		}
		// A test split by unit keeps its main series (most results) first.
		return seriesBefore(out[i].Display, out[i].Key, out[j].Display, out[j].Key)
	})
	return out
}

// labGroup is one test's points while groupLabs folds them.
type labGroup struct {
	s      LabSeries
	name   string // the latest name, as written
	points []LabPoint
	at     map[int64]int // fact → index in points
}

// LOINC's blood pressure: the panel (one result, two parts) and its parts
// sent as results of their own.
const (
	bpPanel     = "85354-9"
	bpSystolic  = "8480-6"
	bpDiastolic = "8462-4"
)

// pairPressures joins systolic and diastolic pressures sent as two results
// (C-CDA vital signs and some portals send them so) into blood pressures
// when they were taken in the same minute and in the same unit: one point
// of the panel's series, listing both results' records; a panel point of
// that minute is the same measurement and gains their records instead. A
// part without its other half stays in its own series. It returns order
// without the series it emptied, with the panel's if it made it.
func pairPressures(groups map[string]*labGroup, order []string) []string {
	sys, dia := groups["loinc:"+bpSystolic], groups["loinc:"+bpDiastolic]
	if sys == nil || dia == nil {
		return order
	}
	type at struct{ minute, unit string }
	diaAt := map[at]int{}
	for i, p := range dia.points {
		if m, ok := factMinute(p.Date); ok && p.Value != nil && len(p.Date) > 10 {
			if _, dup := diaAt[at{m, unitKey(p.Unit)}]; !dup {
				diaAt[at{m, unitKey(p.Unit)}] = i
			}
		}
	}
	panel := groups["loinc:"+bpPanel]
	panelAt := map[string][]int{} // a minute may hold more than one panel reading
	if panel != nil {
		for i, p := range panel.points {
			if m, ok := factMinute(p.Date); ok {
				panelAt[m] = append(panelAt[m], i)
			}
		}
	}
	usedSys, usedDia := map[int]bool{}, map[int]bool{}
	added := false
	for i, s := range sys.points {
		m, ok := factMinute(s.Date)
		if !ok || s.Value == nil || len(s.Date) <= 10 {
			continue // a day alone does not say two results were one reading
		}
		j, ok := diaAt[at{m, unitKey(s.Unit)}]
		if !ok || usedDia[j] {
			continue
		}
		d := dia.points[j]
		usedSys[i], usedDia[j] = true, true
		same := -1
		for _, k := range panelAt[m] {
			if pp := panel.points[k]; pp.Value != nil && *pp.Value == *s.Value && pp.Value2 != nil && *pp.Value2 == *d.Value {
				same = k
				break
			}
		}
		if same >= 0 {
			pp := &panel.points[same]
			pp.Sources = append(append(pp.Sources, s.Sources...), d.Sources...)
			pp.folded = pp.folded || s.folded || d.folded
			pp.fact2, pp.fact3 = s.fact, d.fact
			continue
		}
		flag := s.Flag
		if flag == "" || !abnormal[flag] && abnormal[d.Flag] {
			flag = d.Flag
		}
		p := LabPoint{Date: s.Date, Age: s.Age, Value: s.Value, Value2: d.Value, Unit: s.Unit, Flag: flag,
			Abnormal: s.Abnormal || d.Abnormal, Sources: append(append([]LabSource{}, s.Sources...), d.Sources...),
			fact: s.fact, fact2: d.fact, folded: s.folded || d.folded}
		if panel == nil {
			panel = &labGroup{s: LabSeries{Key: "loinc:" + bpPanel, Code: bpPanel, System: loincSystem, Kind: "vital", Pair: true}, name: "Blood pressure"}
			groups[panel.s.Key] = panel
			order = append(order, panel.s.Key)
		}
		panel.points = append(panel.points, p)
		added = true
	}
	if added {
		sort.SliceStable(panel.points, func(i, j int) bool { return panel.points[i].Date < panel.points[j].Date })
	}
	keep := func(g *labGroup, used map[int]bool) {
		var left []LabPoint
		for i, p := range g.points {
			if !used[i] {
				left = append(left, p)
			}
		}
		g.points = left
	}
	keep(sys, usedSys)
	keep(dia, usedDia)
	var out []string
	for _, k := range order {
		if len(groups[k].points) > 0 {
			out = append(out, k)
		}
	}
	return out
}

// splitUnits gives a test's points one unit per series: the unit most of
// its numbers are in (the latest's on a tie), points in other units
// converted into it where that is exact, the rest a series per unit. A
// series with no number at all (results only ever written as words) is
// dropped: there is nothing to draw.
func splitUnits(base LabSeries, points []LabPoint) []LabSeries {
	count := map[string]int{}
	latest := map[string]int{}
	for i, p := range points {
		if p.Value != nil {
			u := unitKey(p.Unit)
			count[u]++
			latest[u] = i
		}
	}
	if len(count) == 0 {
		return nil
	}
	target := ""
	for u, n := range count {
		if target == "" || n > count[target] || (n == count[target] && latest[u] > latest[target]) {
			target = u
		}
	}
	byUnit := map[string]*LabSeries{}
	var order []string
	seriesFor := func(u, label string) *LabSeries {
		if s, ok := byUnit[u]; ok {
			return s
		}
		s := base
		s.Unit, s.Points = label, []LabPoint{}
		byUnit[u] = &s
		order = append(order, u)
		return &s
	}
	targetLabel := ""
	for _, p := range points {
		if p.Value != nil && unitKey(p.Unit) == target {
			targetLabel = p.Unit
		}
	}
	main := seriesFor(target, targetLabel)
	for _, p := range points {
		u := unitKey(p.Unit)
		switch {
		case u == target:
			p.Unit = main.Unit
			main.Points = append(main.Points, p)
		case p.Value == nil:
			// A word ("negative", "see note") has no unit to convert: it
			// stays with the test, in the table.
			p.Unit = main.Unit
			main.Points = append(main.Points, p)
		default:
			if c, ok := convertPoint(p, target, main.Unit, base.Code); ok {
				main.Points = append(main.Points, c)
				main.Converted = true
				continue
			}
			s := seriesFor(u, p.Unit)
			s.Points = append(s.Points, p)
		}
	}
	out := make([]LabSeries, 0, len(order))
	for _, u := range order {
		out = append(out, *byUnit[u])
	}
	return out
}

// convertPoint converts p's value and range into unit (label: how the
// series writes it), keeping what was recorded in From.
func convertPoint(p LabPoint, unit, label, loinc string) (LabPoint, bool) {
	conv := func(v *float64) (*float64, bool) {
		if v == nil {
			return nil, true
		}
		c, ok := ConvertUnit(*v, p.Unit, unit, loinc)
		return &c, ok
	}
	v, ok := conv(p.Value)
	if !ok {
		return p, false
	}
	v2, ok2 := conv(p.Value2)
	lo, ok3 := conv(p.Low)
	hi, ok4 := conv(p.High)
	if !ok2 || !ok3 || !ok4 {
		return p, false
	}
	p.From = &LabOriginal{Value: *p.Value, Low: p.Low, High: p.High, Unit: p.Unit}
	p.Value, p.Value2, p.Low, p.High, p.Unit = v, v2, lo, hi, label
	return p, true
}
