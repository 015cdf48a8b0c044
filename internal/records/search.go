package records

import (
	"bytes"
	"context"
	"database/sql"
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/fastenhealth/fasten-desktop/internal/textdist"
	"github.com/fastenhealth/fasten-desktop/internal/vault"
)

// searchInsert writes one resource's search row, right after its summary
// row (derive): the resource id, its text, and the person token that lets
// a person's search stay within their records (migration 13; personToken).
const searchInsert = `INSERT INTO search(rowid, text, person) VALUES (?1, ?2, ?3)`

// personToken is search.person for a member ("" for records about no one),
// as migration 13 and the summaries trigger write it.
func personToken(person sql.NullInt64) string {
	if !person.Valid {
		return ""
	}
	return "p" + strconv.FormatInt(person.Int64, 10)
}

// SearchQuery is what a person asked for.
type SearchQuery struct {
	Text string `json:"text"`
	// PersonID narrows the search to one member; 0 searches the household.
	PersonID int64 `json:"personId"`
	// Insurance includes bills and coverage, which otherwise are only counted.
	Insurance bool `json:"insurance"`
	// Limit is the most hits returned per group (person and kind); 0 means
	// 20 for one person, 5 for the household.
	Limit int `json:"limit"`
}

// Segment is a piece of a hit's text, Match when it is what was searched
// for. Plain text: the window shows it as text, never as markup.
type Segment struct {
	Text  string `json:"text"`
	Match bool   `json:"match"`
}

// SearchHit is one record found.
type SearchHit struct {
	Item Item `json:"item"`
	// Segments is the record's name (or, when the match is elsewhere in
	// its text, the words around it) split at the matches.
	Segments []Segment `json:"segments"`
	// ByCode: it was found by its code (LOINC, SNOMED, RxNorm, CVX…).
	ByCode bool `json:"byCode,omitempty"`
	// InDocument: the words matched are in one of its documents (a note,
	// a report's text); Segments are the words around them there.
	InDocument bool `json:"inDocument,omitempty"`
}

// SearchGroup is one person's records of one kind, newest first. Category
// splits observations (laboratory, vital-signs…) as everywhere else.
type SearchGroup struct {
	ResourceType string      `json:"resourceType"`
	Category     string      `json:"category"`
	Total        int         `json:"total"`
	Hits         []SearchHit `json:"hits"`
}

// SearchPerson is everything found for one member.
type SearchPerson struct {
	PersonID int64         `json:"personId"`
	Name     string        `json:"name"`
	Total    int           `json:"total"`
	Groups   []SearchGroup `json:"groups"`
}

// SearchTerm says how a word typed was understood: Means are what was
// searched for besides it (a correction, a synonym, a kind of record).
type SearchTerm struct {
	Typed string   `json:"typed"`
	Means []string `json:"means"`
}

// SearchResults are the hits grouped by person, then by kind.
type SearchResults struct {
	Query  string         `json:"query"`
	Total  int            `json:"total"`
	People []SearchPerson `json:"people"`
	// InsuranceHidden is how many insurance records matched but were left
	// out because the query did not ask for them.
	InsuranceHidden int          `json:"insuranceHidden"`
	Understood      []SearchTerm `json:"understood"`
}

// maxSearchWords bounds the work one query can ask for.
const maxSearchWords = 12

// SearchRecords finds records by what a person typed: words (prefixes
// count), misspellings close to a word the records use, everyday synonyms
// and abbreviations (synonyms.json), and codes. Nothing typed is ever
// passed to SQLite as query syntax: words are reduced to letters and
// digits and quoted.
func (s *Store) SearchRecords(ctx context.Context, q SearchQuery) (SearchResults, error) {
	res := SearchResults{Query: q.Text, People: []SearchPerson{}, Understood: []SearchTerm{}}
	if q.Limit <= 0 || q.Limit > 500 {
		// The household's results are an overview of who has what: a few
		// of each kind per person; one person's, a fuller list.
		q.Limit = 20
		if q.PersonID == 0 {
			q.Limit = 5
		}
	}
	// Names only: People also counts everyone's records, which search
	// does not need.
	people, err := s.searchPeople(ctx)
	if err != nil {
		return res, err
	}
	if q.PersonID != 0 {
		found := false
		for _, p := range people {
			if p.ID == q.PersonID {
				people, found = []Person{p}, true
				break
			}
		}
		if !found {
			return res, ErrNoPerson
		}
	}
	if len(people) == 0 {
		return res, nil
	}
	plan, err := s.planSearch(ctx, q.Text)
	if err != nil {
		return res, err
	}
	if plan.understood != nil {
		res.Understood = plan.understood
	}
	var found []searchRow
	if plan.code != "" {
		if found, err = s.searchCode(ctx, people, plan.code); err != nil {
			return res, err
		}
	}
	if len(found) == 0 && !plan.empty() {
		if found, err = s.searchPlan(ctx, q.PersonID, people, plan); err != nil {
			return res, err
		}
	}
	return s.groupSearch(ctx, q, people, plan, found, res)
}

func (s *Store) searchPeople(ctx context.Context) ([]Person, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT id, name, birth_date FROM people ORDER BY name COLLATE NOCASE, id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Person
	for rows.Next() {
		var p Person
		if err := rows.Scan(&p.ID, &p.Name, &p.BirthDate); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// searchRow is one match before grouping: enough to place and order it.
type searchRow struct {
	id, person     int64
	typ, cat, date string
	fact           int64
	byCode         bool
}

func scanSearchRows(rows *sql.Rows, err error) ([]searchRow, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []searchRow
	for rows.Next() {
		var r searchRow
		if err := rows.Scan(&r.id, &r.person, &r.typ, &r.cat, &r.date, &r.fact); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// codedTypes are the record types whose summaries carry a code worth
// searching by. Listing them lets a code lookup walk the
// (person_id, resource_type, code, date) index instead of the table.
var codedTypes = []string{
	"AllergyIntolerance", "CarePlan", "CareTeam", "Claim", "Condition", "Coverage", "Device", "DiagnosticReport",
	"DocumentReference", "Encounter", "ExplanationOfBenefit", "Goal", "ImagingStudy", "Immunization",
	"Medication", "MedicationAdministration", "MedicationDispense", "MedicationRequest", "MedicationStatement",
	"Observation", "Procedure", "ServiceRequest", "Specimen",
}

func (s *Store) searchCode(ctx context.Context, people []Person, code string) ([]searchRow, error) {
	args := []any{code}
	ph := func(n int) string { return strings.TrimSuffix(strings.Repeat("?,", n), ",") }
	for _, p := range people {
		args = append(args, p.ID)
	}
	for _, t := range codedTypes {
		args = append(args, t)
	}
	found, err := scanSearchRows(s.db.QueryContext(ctx, "SELECT resource, person_id, resource_type, category, date, fact FROM summaries INDEXED BY summaries_person_type_code "+
		"WHERE code = ? AND person_id IN ("+ph(len(people))+") AND resource_type IN ("+ph(len(codedTypes))+")", args...))
	for i := range found {
		found[i].byCode = true
	}
	return found, err
}

// searchPlan runs the words (and kinds) of a plan. A person's search asks
// FTS5 for rows holding their token and the words together, so nobody
// else's matches are read at all.
func (s *Store) searchPlan(ctx context.Context, personID int64, people []Person, plan searchPlan) ([]searchRow, error) {
	var kindWhere string
	var args []any
	if len(plan.kinds) > 0 {
		var parts []string
		for _, k := range plan.kinds {
			t, cat, _ := strings.Cut(k, ":")
			if cat == "" {
				parts = append(parts, "s.resource_type = ?")
				args = append(args, t)
			} else {
				parts = append(parts, "(s.resource_type = ? AND s.category = ?)")
				args = append(args, t, cat)
			}
		}
		kindWhere = " AND (" + strings.Join(parts, " OR ") + ")"
	}
	if plan.match == "" {
		// Only a kind ("shots", "labs"): that kind's records, through the
		// (person_id, resource_type, …) indexes.
		var ids []string
		for _, p := range people {
			ids = append(ids, fmt.Sprint(p.ID))
		}
		return scanSearchRows(s.db.QueryContext(ctx, "SELECT s.resource, s.person_id, s.resource_type, s.category, s.date, s.fact FROM summaries s WHERE s.person_id IN ("+
			strings.Join(ids, ",")+")"+kindWhere, args...))
	}
	// Words match the record's own text (search) and its documents'
	// (search_docs): two queries, the second's matches added once.
	person := ""
	if personID != 0 {
		person = fmt.Sprintf(`person : "p%d" AND `, personID)
	}
	// INDEXED BY: left free, SQLite looks each match up by rowid in the
	// table, whose rows are wide and scattered (see migration 13).
	// Grouping and counting stay in Go: SQLite 3.33's window functions
	// (row_number per group) measured 3–5 times slower than handing over
	// every match (5,100 matches: 65 ms against 12 ms).
	var found []searchRow
	seen := map[int64]bool{}
	for _, t := range []struct{ table, column string }{{"search", "text"}, {"search_docs", "docs"}} {
		q := "SELECT s.resource, s.person_id, s.resource_type, s.category, s.date, s.fact FROM " + t.table +
			" CROSS JOIN summaries s INDEXED BY summaries_search ON s.resource = " + t.table + ".rowid " +
			"WHERE " + t.table + " MATCH ? AND s.person_id IS NOT NULL" + kindWhere
		qargs := append([]any{person + t.column + " : (" + plan.match + ")"}, args...)
		var rows []searchRow
		var err error
		// Only the records' words are split: documents match a few
		// records, where the split's extra queries would cost more.
		if personID != 0 || t.table == "search_docs" {
			rows, err = scanSearchRows(s.db.QueryContext(ctx, q, qargs...))
		} else {
			rows, err = s.searchSplit(ctx, t.table, q, qargs)
		}
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			if !seen[r.id] {
				seen[r.id] = true
				found = append(found, r)
			}
		}
	}
	return found, nil
}

// searchSplitMin is the vault size (records) from which a household search
// is split; below it one query is quicker than starting several.
var searchSplitMin int64 = 20000

// searchParts, when set (tests), is how many ranges a split search uses
// whatever the processor count.
var searchParts int

// searchSplit runs a household search's query in parallel over ranges of
// records, one per processor (at most the pool's readers but one, leaving
// a connection for the window's other calls): each match costs an index
// lookup and a row handed from SQLite to Go, work that one query does on
// one core (a 6,600-match search: 20–35 ms on one core, 15–21 on two).
// Each range reads its own snapshot; a record committed meanwhile may be
// in one range's results and not another's, as it may or may not be in a
// single query's.
func (s *Store) searchSplit(ctx context.Context, table, q string, args []any) ([]searchRow, error) {
	var top int64
	if err := s.db.QueryRowContext(ctx, "SELECT coalesce(max(rowid), 0) FROM search").Scan(&top); err != nil {
		return nil, err
	}
	parts := min(runtime.NumCPU(), vault.MaxConns-1)
	if searchParts > 0 {
		parts = searchParts
	}
	if top < searchSplitMin || parts < 2 {
		return scanSearchRows(s.db.QueryContext(ctx, q, args...))
	}
	type part struct {
		rows []searchRow
		err  error
	}
	out := make([]part, parts)
	var wg sync.WaitGroup
	for i := range parts {
		lo, hi := top*int64(i)/int64(parts), top*int64(i+1)/int64(parts)
		if i == parts-1 {
			hi = math.MaxInt64
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i].rows, out[i].err = scanSearchRows(s.db.QueryContext(ctx, q+" AND "+table+".rowid > ? AND "+table+".rowid <= ?", append(append([]any{}, args...), lo, hi)...))
		}()
	}
	wg.Wait()
	var rows []searchRow
	for _, p := range out {
		if p.err != nil {
			return nil, p.err
		}
		rows = append(rows, p.rows...)
	}
	return rows, nil
}

// kindRank orders a person's groups: what is current and clinical first,
// visits and paperwork after, insurance last.
var kindRank = map[string]int{
	"Condition": 1, "AllergyIntolerance": 2, "MedicationRequest": 3, "MedicationStatement": 4, "Immunization": 5,
	"Observation:laboratory": 6, "Observation:vital-signs": 7, "Observation": 8, "DiagnosticReport": 9, "Procedure": 10,
	"CarePlan": 11, "Goal": 12, "Device": 13, "ImagingStudy": 14, "DocumentReference": 15, "Encounter": 16,
	"Claim": 90, "ExplanationOfBenefit": 91, "Coverage": 92,
}

func groupRank(typ, cat string) int {
	if r, ok := kindRank[typ+":"+cat]; ok {
		return r
	}
	if r, ok := kindRank[typ]; ok {
		return r
	}
	return 50
}

// groupSearch places the matches by person and kind, keeps the newest
// Limit of each group, and reads only those rows in full.
func (s *Store) groupSearch(ctx context.Context, q SearchQuery, people []Person, plan searchPlan, found []searchRow, res SearchResults) (SearchResults, error) {
	type key struct {
		person   int64
		typ, cat string
	}
	groups := map[key][]searchRow{}
	// Each fact once per person (see factKey), as the record that arrived
	// first, as the timeline shows it.
	sort.Slice(found, func(i, j int) bool { return found[i].id < found[j].id })
	type personFact struct{ person, fact int64 }
	seen := map[personFact]bool{}
	for _, r := range found {
		if pf := (personFact{r.person, r.fact}); seen[pf] {
			continue
		} else {
			seen[pf] = true
		}
		if IsInsuranceType(r.typ) && !q.Insurance {
			res.InsuranceHidden++
			continue
		}
		cat := ""
		if r.typ == "Observation" {
			cat = r.cat
		}
		k := key{r.person, r.typ, cat}
		groups[k] = append(groups[k], r)
	}
	var keep []int64
	totals := map[key]int{}
	for k, rows := range groups {
		totals[k] = len(rows)
		sort.Slice(rows, func(i, j int) bool {
			if rows[i].date != rows[j].date {
				return rows[i].date > rows[j].date
			}
			return rows[i].id > rows[j].id
		})
		if len(rows) > q.Limit {
			rows = rows[:q.Limit]
			groups[k] = rows
		}
		for _, r := range rows {
			keep = append(keep, r.id)
		}
	}
	items, err := s.searchItems(ctx, keep)
	if err != nil {
		return res, err
	}
	// The search text is read only for hits whose name does not show the
	// match (a panel found by one of its tests): most hits need none.
	var needText []int64
	for _, id := range keep {
		if it, ok := items[id]; ok {
			if _, shown := markText(it.Display, plan.marks); !shown {
				needText = append(needText, id)
			}
		}
	}
	texts, err := s.searchTexts(ctx, needText)
	if err != nil {
		return res, err
	}
	// Hits whose own text does not show the match either were found in a
	// document: the words around the match there.
	byCode := map[int64]bool{}
	for _, r := range found {
		if r.byCode {
			byCode[r.id] = true
		}
	}
	var inDocs []int64
	for _, id := range needText {
		if _, shown := markText(texts[id], plan.marks); !shown && !byCode[id] {
			inDocs = append(inDocs, id)
		}
	}
	snippets, err := s.docSnippets(ctx, plan, inDocs)
	if err != nil {
		return res, err
	}
	for id, t := range snippets {
		texts[id] = t
	}
	for _, p := range people {
		sp := SearchPerson{PersonID: p.ID, Name: p.Name, Groups: []SearchGroup{}}
		for k, rows := range groups {
			if k.person != p.ID {
				continue
			}
			g := SearchGroup{ResourceType: k.typ, Category: k.cat, Total: totals[k], Hits: make([]SearchHit, 0, len(rows))}
			for _, r := range rows {
				it, ok := items[r.id]
				if !ok {
					continue
				}
				_, inDoc := snippets[r.id]
				g.Hits = append(g.Hits, SearchHit{Item: it, Segments: highlight(it.Display, texts[r.id], plan.marks), ByCode: r.byCode, InDocument: inDoc})
			}
			sp.Total += g.Total
			sp.Groups = append(sp.Groups, g)
		}
		if len(sp.Groups) == 0 {
			continue
		}
		sort.Slice(sp.Groups, func(i, j int) bool {
			a, b := sp.Groups[i], sp.Groups[j]
			if ra, rb := groupRank(a.ResourceType, a.Category), groupRank(b.ResourceType, b.Category); ra != rb {
				return ra < rb
			}
			if a.ResourceType != b.ResourceType {
				return a.ResourceType < b.ResourceType
			}
			return a.Category < b.Category
		})
		res.Total += sp.Total
		res.People = append(res.People, sp)
	}
	return res, nil
}

// idList renders ids (integers read from the vault) for an IN list.
func idList(ids []int64) string {
	list := make([]string, len(ids))
	for i, id := range ids {
		list[i] = fmt.Sprint(id)
	}
	return "(" + strings.Join(list, ",") + ")"
}

// searchItems reads the summaries of the hits shown.
func (s *Store) searchItems(ctx context.Context, ids []int64) (map[int64]Item, error) {
	items := map[int64]Item{}
	for len(ids) > 0 {
		n := min(len(ids), 500)
		got, err := scanItems(s.db.QueryContext(ctx, "SELECT "+itemColumns+itemFrom+"WHERE s.resource IN "+idList(ids[:n])))
		if err != nil {
			return nil, err
		}
		for _, it := range got {
			items[it.ID] = it
		}
		ids = ids[n:]
	}
	return items, nil
}

// searchTexts reads the search text of the given hits.
func (s *Store) searchTexts(ctx context.Context, ids []int64) (map[int64]string, error) {
	texts := map[int64]string{}
	for len(ids) > 0 {
		n := min(len(ids), 500)
		rows, err := s.db.QueryContext(ctx, "SELECT rowid, text FROM search WHERE rowid IN "+idList(ids[:n]))
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int64
			var t string
			if err := rows.Scan(&id, &t); err != nil {
				rows.Close()
				return nil, err
			}
			texts[id] = t
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		ids = ids[n:]
	}
	return texts, nil
}

// maxDocTexts bounds the documents read to show where a search matched:
// hits beyond it show their record's name.
const maxDocTexts = 20

// docSnippets reads, for hits found in their documents, the documents'
// words (at most 256 KiB each, maxDocTexts of them); highlight cuts the
// few around the first match. Go finds the match in microseconds, where
// FTS5's snippet() re-tokenised the document for each hit (3–50 ms).
func (s *Store) docSnippets(ctx context.Context, plan searchPlan, ids []int64) (map[int64]string, error) {
	out := map[int64]string{}
	if len(ids) == 0 || plan.match == "" {
		return out, nil
	}
	if len(ids) > maxDocTexts {
		ids = ids[:maxDocTexts]
	}
	rows, err := s.db.QueryContext(ctx, "SELECT rowid, docs FROM search_docs WHERE rowid IN "+idList(ids))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var t string
		if err := rows.Scan(&id, &t); err != nil {
			return nil, err
		}
		if _, shown := markText(t, plan.marks); shown {
			out[id] = t
		}
	}
	return out, rows.Err()
}

// ---- understanding what was typed ----

// searchPlan is a query understood: an FTS5 expression over the text
// column (match), record kinds every hit must be of, a code to look up,
// and the words to highlight.
type searchPlan struct {
	match      string
	kinds      []string
	code       string
	marks      []mark
	understood []SearchTerm
}

func (p searchPlan) empty() bool { return p.match == "" && len(p.kinds) == 0 }

// mark is a word to highlight: equal, or (prefix) starting with it.
type mark struct {
	word   string
	prefix bool
}

// alternative is a phrase that satisfies one part of a query: its words
// in order, the last one a prefix when prefix.
type alternative struct {
	words  []string
	prefix bool
}

func (a alternative) fts() string {
	q := `"` + strings.ReplaceAll(strings.Join(a.words, " "), `"`, `""`) + `"`
	if a.prefix {
		q += "*"
	}
	return q
}

// searchWords splits what was typed into lowercase words of letters and
// digits: the only characters that reach an FTS5 expression.
func searchWords(q string) []string {
	words := strings.FieldsFunc(strings.ToLower(q), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	if len(words) > maxSearchWords {
		words = words[:maxSearchWords]
	}
	return words
}

// codeLike is a whole query that could be a code: one field of letters,
// digits, dots and dashes holding a digit ("2093-3", "44054006", "140", "E11.9").
func codeLike(q string) string {
	q = strings.TrimSpace(q)
	if q == "" || len(q) > 32 || strings.ContainsAny(q, " \t") {
		return ""
	}
	digit := false
	for _, r := range q {
		switch {
		case r >= '0' && r <= '9':
			digit = true
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r == '.', r == '-':
		default:
			return ""
		}
	}
	if !digit {
		return ""
	}
	return q
}

func (s *Store) planSearch(ctx context.Context, text string) (searchPlan, error) {
	plan := searchPlan{code: codeLike(text)}
	words := searchWords(text)
	if len(words) == 0 {
		return plan, nil
	}
	voc, err := s.searchVocabulary(ctx)
	if err != nil {
		return plan, err
	}
	syn := loadSynonyms()
	inDocs := s.docWords(ctx)
	var parts []string
	kindSets := [][]string{}
	for i := 0; i < len(words); {
		// The longest synonym phrase starting here, up to three words.
		var entry *synonym
		n := 0
		for l := min(3, len(words)-i); l >= 1; l-- {
			if e, ok := syn.byTerm[strings.Join(words[i:i+l], " ")]; ok {
				entry, n = e, l
				break
			}
		}
		if entry != nil {
			typed := words[i : i+n]
			alts := []alternative{}
			if len(entry.Means) > 0 || len(entry.Kinds) == 0 {
				alts = append(alts, voc.forPhrase(typed, inDocs)...)
			}
			for _, m := range entry.Means {
				if ws := searchWords(m); len(ws) > 0 {
					alts = append(alts, alternative{words: ws})
				}
			}
			t := SearchTerm{Typed: strings.Join(typed, " "), Means: append([]string{}, entry.Means...)}
			for _, k := range entry.Kinds {
				t.Means = append(t.Means, kindWords(k))
			}
			plan.understood = append(plan.understood, t)
			if len(alts) > 0 {
				parts = append(parts, orGroup(alts))
				plan.addMarks(alts)
			}
			if len(entry.Kinds) > 0 {
				kindSets = append(kindSets, entry.Kinds)
			}
			i += n
			continue
		}
		alts, fixed := voc.forWord(words[i], inDocs)
		if len(fixed) > 0 {
			plan.understood = append(plan.understood, SearchTerm{Typed: words[i], Means: fixed})
		}
		parts = append(parts, orGroup(alts))
		plan.addMarks(alts)
		i++
	}
	plan.match = strings.Join(parts, " AND ")
	plan.kinds = intersectKinds(kindSets)
	if len(kindSets) > 0 && len(plan.kinds) == 0 {
		// "shots" and "labs" together: no record is both.
		plan.kinds = []string{"-"}
	}
	return plan, nil
}

func (p *searchPlan) addMarks(alts []alternative) {
	for _, a := range alts {
		for i, w := range a.words {
			p.marks = append(p.marks, mark{word: w, prefix: a.prefix && i == len(a.words)-1})
		}
	}
}

func orGroup(alts []alternative) string {
	parts := make([]string, len(alts))
	for i, a := range alts {
		parts[i] = a.fts()
	}
	return "(" + strings.Join(parts, " OR ") + ")"
}

func intersectKinds(sets [][]string) []string {
	if len(sets) == 0 {
		return nil
	}
	out := append([]string{}, sets[0]...)
	for _, s := range sets[1:] {
		var keep []string
		for _, k := range out {
			for _, x := range s {
				if k == x {
					keep = append(keep, k)
				}
			}
		}
		out = keep
	}
	return out
}

// kindWords names a kind of record in plain words for SearchTerm.Means.
func kindWords(k string) string {
	switch k {
	case "Immunization":
		return "vaccines"
	case "MedicationRequest", "MedicationStatement":
		return "medicines"
	case "AllergyIntolerance":
		return "allergies"
	case "Observation:laboratory":
		return "lab results"
	case "DiagnosticReport":
		return "reports"
	case "Observation:vital-signs":
		return "vital signs"
	case "Encounter":
		return "visits"
	case "Procedure":
		return "procedures"
	}
	return "records"
}

// ---- synonyms ----

//go:embed synonyms.json
var synonymsJSON []byte

type synonym struct {
	Terms  []string `json:"terms"`
	Means  []string `json:"means"`
	Kinds  []string `json:"kinds"`
	Source string   `json:"source"`
}

type synonymTable struct {
	Sources map[string]string `json:"sources"`
	Entries []synonym         `json:"entries"`
	byTerm  map[string]*synonym
}

var (
	synonymsOnce sync.Once
	synonyms     *synonymTable
	synonymsErr  error
)

// parseSynonyms reads the curated list; every entry must name a listed
// source (a test holds the embedded file to that).
func parseSynonyms(b []byte) (*synonymTable, error) {
	var t synonymTable
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, err
	}
	t.byTerm = map[string]*synonym{}
	for i := range t.Entries {
		e := &t.Entries[i]
		if _, ok := t.Sources[e.Source]; !ok {
			return nil, fmt.Errorf("synonym %q names no listed source", strings.Join(e.Terms, ", "))
		}
		for _, term := range e.Terms {
			t.byTerm[strings.Join(searchWords(term), " ")] = e
		}
	}
	return &t, nil
}

func loadSynonyms() *synonymTable {
	synonymsOnce.Do(func() { synonyms, synonymsErr = parseSynonyms(synonymsJSON) })
	if synonymsErr != nil {
		// The file is compiled in and tested; should it ever not parse,
		// search still works without synonyms.
		return &synonymTable{byTerm: map[string]*synonym{}}
	}
	return synonyms
}

// ---- vocabulary and typos ----

// vocabulary is every word the search index holds (its text column),
// sorted, with how many records hold it.
type vocabulary struct {
	terms []string // the records' own words, sorted: what typos are corrected to
	docs  []int    // how many records use each
}

// searchVocab caches a vault's vocabulary while the index is unchanged.
// The FTS5 structure record (search_data id 10) changes with every write
// to the index, by this process or another, so it tells when to read the
// vocabulary again; reading it costs one row.
type searchVocab struct {
	mu     sync.Mutex
	cookie []byte
	voc    *vocabulary
}

// searchVocabulary is the index's vocabulary, cached in the Store: the
// words are health data, so they go when the vault is locked and its
// Store dropped, never into anything that outlives it.
func (s *Store) searchVocabulary(ctx context.Context) (*vocabulary, error) {
	cache := &s.vocab
	var cookie []byte
	if err := s.db.QueryRowContext(ctx, "SELECT block FROM search_data WHERE id = 10").Scan(&cookie); err != nil && err != sql.ErrNoRows {
		return nil, err
	}
	cache.mu.Lock()
	defer cache.mu.Unlock()
	if cache.voc != nil && bytes.Equal(cache.cookie, cookie) {
		return cache.voc, nil
	}
	rows, err := s.db.QueryContext(ctx, "SELECT term, doc FROM search_terms WHERE col = 'text'")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	v := &vocabulary{}
	for rows.Next() {
		var t string
		var n int
		if err := rows.Scan(&t, &n); err != nil {
			return nil, err
		}
		v.terms = append(v.terms, t)
		v.docs = append(v.docs, n)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// fts5vocab returns terms in the index's order (bytewise), which is
	// what the prefix search below needs; sort to be sure.
	if !sort.StringsAreSorted(v.terms) {
		idx := make([]int, len(v.terms))
		for i := range idx {
			idx[i] = i
		}
		sort.Slice(idx, func(a, b int) bool { return v.terms[idx[a]] < v.terms[idx[b]] })
		t, d := make([]string, len(idx)), make([]int, len(idx))
		for i, j := range idx {
			t[i], d[i] = v.terms[j], v.docs[j]
		}
		v.terms, v.docs = t, d
	}
	cache.cookie, cache.voc = cookie, v
	return v, nil
}

// hasPrefix says whether any of the records' words starts with w.
func (v *vocabulary) hasPrefix(w string) bool {
	i := sort.SearchStrings(v.terms, w)
	return i < len(v.terms) && strings.HasPrefix(v.terms[i], w)
}

// docWords says whether any document uses a word starting with w (one
// range probe of search_docs_terms, asked only of a word the records'
// own vocabulary lacks). Document words are searched as typed, never
// offered as corrections: free prose holds typos of its own.
type docWords func(w string) bool

func (s *Store) docWords(ctx context.Context) docWords {
	return func(w string) bool {
		var one int
		err := s.db.QueryRowContext(ctx, "SELECT 1 FROM search_docs_terms WHERE term >= ? AND term < ? LIMIT 1", w, w+"\U0010FFFF").Scan(&one)
		return err == nil
	}
}

// maxCorrections is how many close words one misspelled word expands to.
const maxCorrections = 4

// forWord is what one typed word searches for: itself as a prefix when
// the index has a word starting with it, else the index's words closest
// to it (fixed lists them, to say so).
func (v *vocabulary) forWord(w string, inDocs docWords) (alts []alternative, fixed []string) {
	if v.hasPrefix(w) || len(v.terms) == 0 {
		return []alternative{{words: []string{w}, prefix: true}}, nil
	}
	for _, t := range v.closest(w) {
		alts = append(alts, alternative{words: []string{t}})
		fixed = append(fixed, t)
	}
	if len(alts) > 0 && inDocs != nil && inDocs(w) {
		// A word a document uses is searched as typed too: "thyroidectomy"
		// in a note, or a misspelling the note shares.
		alts = append(alts, alternative{words: []string{w}, prefix: true})
	}
	if len(alts) == 0 {
		// Nothing close: search for it anyway, and find nothing.
		alts = []alternative{{words: []string{w}, prefix: true}}
	}
	return alts, fixed
}

// forPhrase is a synonym's own words, each corrected like forWord when
// the index lacks them, as one phrase when every word is known.
func (v *vocabulary) forPhrase(words []string, inDocs docWords) []alternative {
	for _, w := range words {
		if !v.hasPrefix(w) && (inDocs == nil || !inDocs(w)) && len(v.terms) > 0 {
			return nil // e.g. "flu shot": records say "influenza"
		}
	}
	return []alternative{{words: words, prefix: true}}
}

// typoBudget is the edit distance allowed for a word: none for short
// words (too many neighbours), one for most, two for long ones.
func typoBudget(w string) int {
	switch n := utf8.RuneCountInString(w); {
	case n < 4:
		return 0
	case n < 8:
		return 1
	default:
		return 2
	}
}

// closest lists the index's words within the typo budget of w, nearest
// first and, among equals, the most used.
func (v *vocabulary) closest(w string) []string {
	k := typoBudget(w)
	if k == 0 || isDigits(w) {
		return nil
	}
	a := []rune(w)
	type cand struct {
		term string
		d, n int
	}
	var cs []cand
	for i, t := range v.terms {
		n := utf8.RuneCountInString(t)
		if n < len(a)-k || n > len(a)+k || isDigits(t) {
			continue
		}
		if d := textdist.OSA(a, []rune(t), k); d <= k {
			cs = append(cs, cand{t, d, v.docs[i]})
		}
	}
	sort.Slice(cs, func(i, j int) bool {
		if cs[i].d != cs[j].d {
			return cs[i].d < cs[j].d
		}
		if cs[i].n != cs[j].n {
			return cs[i].n > cs[j].n
		}
		return cs[i].term < cs[j].term
	})
	var out []string
	for _, c := range cs {
		if len(out) == maxCorrections || c.d > cs[0].d {
			break
		}
		out = append(out, c.term)
	}
	return out
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// ---- highlighting ----

// snippetAround is how much text is kept either side of the first match
// when the match is not in the record's name.
const snippetAround = 60

// highlight splits the record's name at the words searched for; when its
// name holds none, the words around the first match in its search text.
func highlight(display, text string, marks []mark) []Segment {
	if segs, ok := markText(display, marks); ok || text == "" {
		return segs
	}
	segs, ok := markText(text, marks)
	if !ok {
		return []Segment{{Text: display}}
	}
	// Keep a window around the first match, cut at spaces.
	start := 0
	for _, s := range segs {
		if s.Match {
			break
		}
		start += len(s.Text)
	}
	from := max(0, start-snippetAround)
	if i := strings.IndexByte(text[from:start], ' '); from > 0 && i >= 0 {
		from += i + 1
	}
	to := min(len(text), start+2*snippetAround)
	if i := strings.LastIndexByte(text[start:to], ' '); to < len(text) && i > 0 {
		to = start + i
	}
	for from > 0 && !utf8.RuneStart(text[from]) {
		from++
	}
	for to < len(text) && !utf8.RuneStart(text[to]) {
		to--
	}
	out, _ := markText(text[from:to], marks)
	if from > 0 {
		out = append([]Segment{{Text: "… "}}, out...)
	}
	if to < len(text) {
		out = append(out, Segment{Text: " …"})
	}
	return mergeSegments(out)
}

// markText splits s into segments at the words that match a mark. ok
// says whether any did.
func markText(s string, marks []mark) (segs []Segment, ok bool) {
	var plain strings.Builder
	flush := func() {
		if plain.Len() > 0 {
			segs = append(segs, Segment{Text: plain.String()})
			plain.Reset()
		}
	}
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			plain.WriteString(s[i : i+n])
			i += n
			continue
		}
		j := i
		for j < len(s) {
			r, n := utf8.DecodeRuneInString(s[j:])
			if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
				break
			}
			j += n
		}
		word := s[i:j]
		if matches(strings.ToLower(word), marks) {
			flush()
			segs = append(segs, Segment{Text: word, Match: true})
			ok = true
		} else {
			plain.WriteString(word)
		}
		i = j
	}
	flush()
	return mergeSegments(segs), ok
}

func matches(word string, marks []mark) bool {
	for _, m := range marks {
		if word == m.word || (m.prefix && strings.HasPrefix(word, m.word)) {
			return true
		}
	}
	return false
}

// mergeSegments joins neighbours of the same kind ("blood" " " "pressure"
// matched stays two marks with the space between them plain).
func mergeSegments(segs []Segment) []Segment {
	out := make([]Segment, 0, len(segs))
	for _, s := range segs {
		if s.Text == "" {
			continue
		}
		if n := len(out); n > 0 && out[n-1].Match == s.Match && !s.Match {
			out[n-1].Text += s.Text
			continue
		}
		out = append(out, s)
	}
	return out
}
