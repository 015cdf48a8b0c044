package records

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"unicode"
)

const itemColumns = `s.resource, s.resource_type, s.date, s.date_end, s.category, s.code_system, s.code, s.display,
 s.value_num, s.value_text, s.unit, s.status, src.label`

// itemFrom reads summaries first, always: sources is a lookup of a few rows
// per household, and left free SQLite chose to loop over every source and
// look each summary up again (a vault with 420 sources made the household
// view twice as slow). CROSS JOIN keeps the order as written.
const itemFrom = ` FROM summaries s CROSS JOIN sources src ON src.id = s.source_id `

func scanItems(rows *sql.Rows, err error) ([]Item, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Item{}
	for rows.Next() {
		var it Item
		var v sql.NullFloat64
		if err := rows.Scan(&it.ID, &it.ResourceType, &it.Date, &it.DateEnd, &it.Category, &it.CodeSystem, &it.Code, &it.Display,
			&v, &it.ValueText, &it.Unit, &it.Status, &it.Source); err != nil {
			return nil, err
		}
		if v.Valid {
			f := v.Float64
			it.ValueNum = &f
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// Overview gathers a person's front page in a handful of indexed queries.
func (s *Store) Overview(ctx context.Context, personID int64) (Overview, error) {
	var ov Overview
	p, err := s.Person(ctx, personID)
	if err != nil {
		return ov, err
	}
	ov.Person = p
	rows, err := s.db.QueryContext(ctx, "SELECT resource_type, count(DISTINCT fact) AS n FROM summaries WHERE person_id = ? GROUP BY resource_type ORDER BY n DESC, resource_type", personID)
	if err != nil {
		return ov, err
	}
	ov.Counts = []TypeCount{}
	for rows.Next() {
		var tc TypeCount
		if err := rows.Scan(&tc.ResourceType, &tc.Count); err != nil {
			rows.Close()
			return ov, err
		}
		// Bills and coverage are not medical records: they are one link
		// to the Insurance section (ov.Insurance), not count buttons.
		if !IsInsuranceType(tc.ResourceType) {
			ov.Counts = append(ov.Counts, tc)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return ov, err
	}
	if ov.Insurance, err = s.InsuranceCount(ctx, personID); err != nil {
		return ov, err
	}

	q := func(where string, args ...any) ([]Item, error) {
		return scanItems(s.db.QueryContext(ctx, "SELECT "+itemColumns+itemFrom+"WHERE s.person_id = ? AND "+where, append([]any{personID}, args...)...))
	}
	// Latest row per code: SQLite takes bare columns from the row holding max().
	latest := func(filter, order string, args ...any) ([]Item, error) {
		return scanItems(s.db.QueryContext(ctx, "SELECT "+itemColumns+itemFrom+
			"WHERE s.resource IN (SELECT resource FROM (SELECT resource, max(date) FROM summaries WHERE person_id = ? AND "+filter+" GROUP BY code)) ORDER BY "+order+" LIMIT 40",
			append([]any{personID}, args...)...))
	}
	if ov.Conditions, err = q("s.resource_type = 'Condition' AND s.status IN ('active', 'recurrence', 'relapse') ORDER BY s.date DESC LIMIT 50"); err != nil {
		return ov, err
	}
	if ov.Medications, err = q("s.resource_type IN ('MedicationRequest', 'MedicationStatement') AND s.status IN ('active', 'on-hold', 'intended') ORDER BY s.date DESC LIMIT 50"); err != nil {
		return ov, err
	}
	if ov.Allergies, err = q("s.resource_type = 'AllergyIntolerance' AND s.status NOT IN ('inactive', 'resolved') ORDER BY s.date DESC LIMIT 50"); err != nil {
		return ov, err
	}
	if ov.Immunizations, err = latest("resource_type = 'Immunization'", "s.date DESC"); err != nil {
		return ov, err
	}
	if ov.Vitals, err = latest("resource_type = 'Observation' AND category = 'vital-signs'", "s.display COLLATE NOCASE"); err != nil {
		return ov, err
	}
	if ov.Labs, err = latest("resource_type = 'Observation' AND category = 'laboratory'", "s.display COLLATE NOCASE"); err != nil {
		return ov, err
	}
	return ov, nil
}

// List pages through one person's resources of one type, newest first,
// optionally narrowed by a search query; each fact once (see factKey), as
// the record that arrived first.
func (s *Store) List(ctx context.Context, personID int64, resourceType, query string, offset, limit int) (Page, error) {
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	if offset < 0 {
		offset = 0
	}
	where := "WHERE s.person_id = ? AND s.resource_type = ? AND " + firstOfFact
	args := []any{personID, resourceType}
	if m := matchExpr(query); m != "" {
		// The record's words or its documents'.
		where += " AND s.resource IN (SELECT rowid FROM search WHERE search MATCH ? UNION ALL SELECT rowid FROM search_docs WHERE search_docs MATCH ?)"
		args = append(args, "text : "+m, "docs : "+m)
	} else if strings.TrimSpace(query) != "" {
		return Page{Items: []Item{}}, nil
	}
	var pg Page
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM summaries s "+where, args...).Scan(&pg.Total); err != nil {
		return pg, err
	}
	items, err := scanItems(s.db.QueryContext(ctx, "SELECT "+itemColumns+itemFrom+where+" ORDER BY s.date DESC, s.resource DESC LIMIT ? OFFSET ?", append(args, limit, offset)...))
	pg.Items = items
	return pg, err
}

// Search finds a person's resources whose text matches every word typed
// (prefixes count, so "hemo" finds "Hemoglobin"), best matches first.
func (s *Store) Search(ctx context.Context, personID int64, query string, limit int) ([]Item, error) {
	m := matchExpr(query)
	if m == "" {
		return []Item{}, nil
	}
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	// The person's token (migration 13) keeps everyone else's matches out
	// of the join.
	m = fmt.Sprintf(`person : "p%d" AND text : `, personID) + m
	return scanItems(s.db.QueryContext(ctx, "SELECT "+itemColumns+" FROM search JOIN summaries s ON s.resource = search.rowid JOIN sources src ON src.id = s.source_id "+
		"WHERE search MATCH ? AND s.person_id = ? ORDER BY search.rank LIMIT ?", m, personID, limit))
}

// matchExpr turns what a person typed into a safe FTS5 query: each word
// quoted (so no operator syntax leaks through) and prefix-matched.
func matchExpr(q string) string {
	words := strings.FieldsFunc(q, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	if len(words) > 12 {
		words = words[:12]
	}
	parts := make([]string, 0, len(words))
	for _, w := range words {
		parts = append(parts, `"`+w+`"*`)
	}
	if len(parts) == 0 {
		return ""
	}
	// Callers name the column (text, or docs in search_docs): never the
	// person column, whose tokens are not words.
	return "(" + strings.Join(parts, " ") + ")"
}

// Stats counts current resources by type, and the rest of the vault.
func (s *Store) Stats(ctx context.Context) (Stats, error) {
	st := Stats{Resources: map[string]int{}}
	rows, err := s.db.QueryContext(ctx, "SELECT resource_type, count(*) FROM resources GROUP BY resource_type")
	if err != nil {
		return st, err
	}
	for rows.Next() {
		var t string
		var n int
		if err := rows.Scan(&t, &n); err != nil {
			rows.Close()
			return st, err
		}
		st.Resources[t] = n
		st.Total += n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return st, err
	}
	for q, dst := range map[string]*int{
		"SELECT count(*) FROM people":            &st.People,
		"SELECT count(*) FROM resource_versions": &st.Versions,
		"SELECT count(*) FROM imports":           &st.Imports,
	} {
		if err := s.db.QueryRowContext(ctx, q).Scan(dst); err != nil {
			return st, err
		}
	}
	return st, nil
}
