package records

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/fastenhealth/fasten-desktop/internal/fhir"
)

// Household is everyone at a glance: per person what a parent checks first
// (problems, allergies) and what arrived since they last opened that
// person's record.
type Household struct {
	Members []Member `json:"members"` // in the sidebar's order (by name)
	// Attention lists every connection needing attention, whoever's it is
	// (filled by the session, as Dashboard.Connections is).
	Attention []MemberConnection `json:"attention"`
}

// Member is one person's card in the household view.
type Member struct {
	Person         Person `json:"person"` // Records counts their records; BirthDate falls back to their Patient records'
	Age            *int   `json:"age"`
	PatientRecords int    `json:"patientRecords"`
	// Problems are the newest active conditions (Date = onset), at most
	// HouseholdProblems; ProblemCount is how many there are in all.
	Problems     []Item    `json:"problems"`
	ProblemCount int       `json:"problemCount"`
	Allergies    []Allergy `json:"allergies"` // every current one: a card must not hide an allergy
	LatestVisit  string    `json:"latestVisit"`
	// LastViewed is when this person's dashboard was last opened (Fasten's
	// timestamp format), "" if never. New* describe records that first
	// arrived after it; they stay zero while LastViewed is "" (everything
	// would be "new" after a first import, which tells nobody anything).
	LastViewed  string            `json:"lastViewed"`
	NewCount    int               `json:"newCount"`
	NewKinds    []NewKind         `json:"newKinds"` // most first
	NewItems    []Item            `json:"newItems"` // the newest few, at most HouseholdNewItems
	Connections []ConnectionState `json:"connections"`
}

// NewKind is how many new records of one kind arrived. Category separates
// lab results from vital signs among Observations.
type NewKind struct {
	ResourceType string `json:"resourceType"`
	Category     string `json:"category"`
	Count        int    `json:"count"`
}

// MemberConnection is a connection needing attention and whose it is.
type MemberConnection struct {
	PersonID   int64           `json:"personId"`
	PersonName string          `json:"personName"`
	Connection ConnectionState `json:"connection"`
}

// How much of each list a household card shows.
const (
	HouseholdProblems = 5
	HouseholdNewItems = 3
)

// ViewedKey is the settings key holding when a person's record was last
// opened (a Fasten timestamp). The vault keeps it, not webview storage: it
// is about health data, and the CLI and every window see the same. Only
// MarkViewed writes it in the app; the bench sets an old one to measure
// "everything is new".
func ViewedKey(personID int64) string { return viewedPrefix + strconv.FormatInt(personID, 10) }

const viewedPrefix = "person_viewed:"

// MarkViewed records that a person's record was opened now: the household
// view's "new since you last looked" counts from here.
func (s *Store) MarkViewed(ctx context.Context, personID int64) error {
	if _, err := s.Person(ctx, personID); err != nil {
		return err
	}
	return s.SetSetting(ctx, ViewedKey(personID), s.stamp())
}

// Household gathers every member's card in a few statements for the whole
// household, not a few per person: on a 150,000-record vault each
// statement costs more than the handful of index entries it reads ("new
// since": see newSince).
func (s *Store) Household(ctx context.Context) (Household, error) {
	h := Household{Members: []Member{}, Attention: []MemberConnection{}}
	people, err := s.People(ctx)
	if err != nil || len(people) == 0 {
		return h, err
	}
	viewed, err := s.viewedAll(ctx)
	if err != nil {
		return h, err
	}
	nw, err := s.newestArrival(ctx)
	if err != nil {
		return h, err
	}
	facts, err := s.memberFacts(ctx)
	if err != nil {
		return h, err
	}
	everyone := make([]int64, len(people))
	for i, p := range people {
		everyone[i] = p.ID
	}
	problems, problemCounts, err := s.currentOf(ctx, everyone, "resource_type = 'Condition' AND status IN ('active', 'recurrence', 'relapse')", HouseholdProblems)
	if err != nil {
		return h, err
	}
	allergyRows, _, err := s.currentOf(ctx, everyone, currentAllergy, 200)
	if err != nil {
		return h, err
	}
	var withRaw []dashRow
	for _, rows := range allergyRows {
		withRaw = append(withRaw, rows...)
	}
	raw, err := s.raws(ctx, ids(withRaw))
	if err != nil {
		return h, err
	}
	now := s.now()
	for _, p := range people {
		m := Member{Person: p, Problems: items(problems[p.ID]), ProblemCount: problemCounts[p.ID],
			Allergies: allergyList(allergyRows[p.ID], raw), NewKinds: []NewKind{}, NewItems: []Item{}, Connections: []ConnectionState{}}
		f := facts[p.ID]
		if m.Person.BirthDate == "" {
			// As on the dashboard: a member made by name alone has their
			// birth date in their Patient records.
			m.Person.BirthDate = f.birth
		}
		m.Age = ageOn(m.Person.BirthDate, now)
		m.PatientRecords, m.LatestVisit = f.patients, f.latestVisit
		m.LastViewed = viewed[p.ID]
		h.Members = append(h.Members, m)
	}
	return h, s.newSince(ctx, h.Members, nw)
}

// memberFact is what a card shows of a person beside their lists.
type memberFact struct {
	patients    int    // Patient records (one per file or portal)
	birth       string // the earliest full birth date among them
	latestVisit string
}

// memberFacts reads every person's memberFact in one statement (each part
// an indexed seek per person).
func (s *Store) memberFacts(ctx context.Context) (map[int64]memberFact, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT p.id,
 (SELECT count(*) FROM summaries WHERE person_id = p.id AND resource_type = 'Patient'),
 (SELECT coalesce(min(date), '') FROM summaries WHERE person_id = p.id AND resource_type = 'Patient' AND length(date) >= 10),
 coalesce((SELECT date FROM summaries WHERE person_id = p.id AND resource_type = 'Encounter' ORDER BY date DESC LIMIT 1), '')
FROM people p`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]memberFact{}
	for rows.Next() {
		var id int64
		var f memberFact
		if err := rows.Scan(&id, &f.patients, &f.birth, &f.latestVisit); err != nil {
			return nil, err
		}
		out[id] = f
	}
	return out, rows.Err()
}

// viewedAll reads every person's last view in one query (the keys sort
// between the prefix and the prefix with its ':' bumped to ';').
func (s *Store) viewedAll(ctx context.Context) (map[int64]string, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT key, value FROM settings WHERE key >= ? AND key < ?", viewedPrefix, viewedPrefix[:len(viewedPrefix)-1]+";")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		if id, err := strconv.ParseInt(k[len(viewedPrefix):], 10, 64); err == nil {
			out[id] = v
		}
	}
	return out, rows.Err()
}

// newest is the newest resource row: its id and when it first arrived.
type newest struct {
	maxID   int64
	arrived string
	// boundaries caches firstIDAfter by timestamp: people viewed at the
	// same moment share one search.
	boundaries map[string]int64
}

// firstArrival is a resource's first arrival: its own received_at is its
// latest version's; version 1's is kept in resource_versions once it changed.
const firstArrival = `CASE WHEN r.version = 1 THEN r.received_at ELSE coalesce(
  (SELECT v.received_at FROM resource_versions v WHERE v.resource = r.id ORDER BY v.version LIMIT 1), r.received_at) END`

func (s *Store) newestArrival(ctx context.Context) (newest, error) {
	n := newest{boundaries: map[string]int64{}}
	err := s.db.QueryRowContext(ctx, "SELECT r.id, "+firstArrival+" FROM resources r ORDER BY r.id DESC LIMIT 1").Scan(&n.maxID, &n.arrived)
	if errors.Is(err, sql.ErrNoRows) {
		return n, nil
	}
	return n, err
}

// newSince fills the New* of members whose record was opened before
// something arrived: their records at or above their boundary id that are
// the first of their fact (a portal sending what a file already held, or a
// second provider the same results, brings nothing new to read). Nothing
// is read for members with nothing new (the usual case). Per person, the
// smaller of two reads is taken: walking ids down from the newest reads
// every row that arrived since (anyone's), a few after a sync; the person's
// own index holds each row's id, so counting by type there reads no table
// row at all, however many arrived (a whole table walk took over a second
// on the 150,000-record vault).
func (s *Store) newSince(ctx context.Context, members []Member, nw newest) error {
	for i := range members {
		m := &members[i]
		if m.LastViewed == "" || m.Person.Records == 0 || nw.arrived <= m.LastViewed {
			continue
		}
		first, ok := nw.boundaries[m.LastViewed]
		if !ok {
			var err error
			if first, err = s.firstIDAfter(ctx, m.LastViewed, nw.maxID); err != nil {
				return err
			}
			nw.boundaries[m.LastViewed] = first
		}
		if first > nw.maxID {
			continue
		}
		var err error
		if nw.maxID-first+1 <= int64(m.Person.Records) {
			// "+person_id" keeps SQLite off the person indexes.
			m.NewKinds, err = s.kinds(ctx, `SELECT resource_type, category, count(*) FROM summaries s
WHERE resource >= ? AND +person_id = ? AND `+firstOfFact+` GROUP BY resource_type, category`, first, m.Person.ID)
		} else {
			m.NewKinds, err = s.kindsByIndex(ctx, m.Person.ID, first)
		}
		if err != nil {
			return err
		}
		for _, k := range m.NewKinds {
			m.NewCount += k.Count
		}
		sort.SliceStable(m.NewKinds, func(i, j int) bool {
			a, b := m.NewKinds[i], m.NewKinds[j]
			if a.Count != b.Count {
				return a.Count > b.Count
			}
			return a.ResourceType+"/"+a.Category < b.ResourceType+"/"+b.Category
		})
		if m.NewCount > 0 {
			if err := s.newestItems(ctx, m, first, nw.maxID); err != nil {
				return err
			}
		}
	}
	return nil
}

// NewResultsSplit is how many new results at most are told apart by
// category ("lab results", "vital signs"): the category is not in the
// index, so each is a table row to read. More are counted as "results".
const NewResultsSplit = 500

// kindsByIndex counts a person's records at or above first by type from
// their index alone, then splits results by category when there are few.
func (s *Store) kindsByIndex(ctx context.Context, personID, first int64) ([]NewKind, error) {
	// The status index holds each row's type, fact and id: no table row is
	// read to count, nor to tell a first arrival of a fact from a copy.
	kinds, err := s.kinds(ctx, `SELECT resource_type, '', count(*) FROM summaries s INDEXED BY summaries_person_type_status
WHERE person_id = ? AND resource >= ? AND `+firstOfFact+` GROUP BY resource_type`, personID, first)
	if err != nil {
		return nil, err
	}
	for i, k := range kinds {
		if k.ResourceType != "Observation" || k.Count > NewResultsSplit {
			continue
		}
		split, err := s.kinds(ctx, `SELECT resource_type, category, count(*) FROM summaries s INDEXED BY summaries_person_type_date
WHERE person_id = ? AND resource_type = 'Observation' AND resource >= ? AND `+firstOfFact+` GROUP BY category`, personID, first)
		if err != nil {
			return nil, err
		}
		return append(append(kinds[:i:i], split...), kinds[i+1:]...), nil
	}
	return kinds, nil
}

func (s *Store) kinds(ctx context.Context, q string, args ...any) ([]NewKind, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []NewKind{}
	for rows.Next() {
		var k NewKind
		if err := rows.Scan(&k.ResourceType, &k.Category, &k.Count); err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// newestItems reads a member's newest few records at or above first: ids
// first, then those rows. Walking ids down from the newest reads every row
// that arrived since (anyone's); the person's own index (covering: ids are
// in it) reads all of theirs. The smaller is taken: after a sync the first
// reads a few rows, after a huge import the second no more than they have.
func (s *Store) newestItems(ctx context.Context, m *Member, first, maxID int64) error {
	// "+person_id" keeps SQLite off the person indexes; INDEXED BY keeps it on.
	q := "SELECT resource FROM summaries s WHERE resource >= ? AND +person_id = ?"
	if maxID-first+1 > int64(m.Person.Records) {
		// Covering for type, fact and id.
		q = "SELECT resource FROM summaries s INDEXED BY summaries_person_type_status WHERE resource >= ? AND person_id = ?"
	}
	idRows, err := s.db.QueryContext(ctx, q+" AND resource_type != 'Patient' AND "+firstOfFact+" ORDER BY resource DESC LIMIT ?", first, m.Person.ID, HouseholdNewItems)
	if err != nil {
		return err
	}
	var ids []any
	for idRows.Next() {
		var id int64
		if err := idRows.Scan(&id); err != nil {
			idRows.Close()
			return err
		}
		ids = append(ids, id)
	}
	idRows.Close()
	if err := idRows.Err(); err != nil || len(ids) == 0 {
		return err
	}
	items, err := scanItems(s.db.QueryContext(ctx, "SELECT "+itemColumns+itemFrom+
		"WHERE s.resource IN (?"+strings.Repeat(",?", len(ids)-1)+") ORDER BY s.resource DESC", ids...))
	if err != nil {
		return err
	}
	for i := range items {
		items[i].Display = fhir.CleanDisplay(items[i].Display)
	}
	m.NewItems = items
	return nil
}

// firstIDAfter is the smallest resource id that first arrived after at
// (a Fasten timestamp): every resource with that id or a larger one is new
// since then, every smaller one is not; maxID+1 when none is.
//
// It relies on SQLite's rowid choice for resources.id (INTEGER PRIMARY KEY,
// no AUTOINCREMENT): a new row gets one more than the largest id present,
// so among the rows that exist, ids rise with arrival time. (A deleted
// top id can be reused, but only by a row newer than every row left.)
// With arrival monotonic in id, a binary search of ~log2(rows)
// primary-key lookups finds the boundary; no index on received_at is needed.
func (s *Store) firstIDAfter(ctx context.Context, at string, maxID int64) (int64, error) {
	// Invariant: existing rows with id <= lo arrived at or before at; those
	// with id >= hi after it.
	lo, hi := int64(0), maxID+1
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		var id int64
		var arrived string
		err := s.db.QueryRowContext(ctx, "SELECT r.id, "+firstArrival+" FROM resources r WHERE r.id >= ? AND r.id < ? ORDER BY r.id LIMIT 1", mid, hi).Scan(&id, &arrived)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			hi = mid // no row in [mid, hi): the boundary is at or below mid
		case err != nil:
			return 0, fmt.Errorf("finding new records: %w", err)
		case arrived > at:
			hi = mid // rows in [mid, id) do not exist and id is new
		default:
			lo = id
		}
	}
	return hi, nil
}
