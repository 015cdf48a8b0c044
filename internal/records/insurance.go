package records

import (
	"context"
	"encoding/json"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/fastenhealth/fasten-desktop/internal/fhir"
)

// InsuranceTypes are the record types the Insurance section shows; the
// medical lists (overview and dashboard counts, the timeline) leave them out.
var InsuranceTypes = []string{"Claim", "ExplanationOfBenefit", "Coverage"}

// IsInsuranceType says whether records of type t belong to the Insurance
// section rather than the medical lists.
func IsInsuranceType(t string) bool {
	for _, x := range InsuranceTypes {
		if x == t {
			return true
		}
	}
	return false
}

// InsuranceCoverage is one insurance plan a person is (or was) covered by.
// The member id is never sent whole: MemberIDLast4 is enough to tell cards
// apart, and the full id is revealed on request from the record itself.
type InsuranceCoverage struct {
	ID            int64  `json:"id"`
	Payer         string `json:"payer"`
	Plan          string `json:"plan"`
	HasMemberID   bool   `json:"hasMemberId"`
	MemberIDLast4 string `json:"memberIdLast4"`
	Status        string `json:"status"`
	Start         string `json:"start"`
	End           string `json:"end"`
	Source        string `json:"source"`
}

// InsuranceClaim is one bill: a Claim and the ExplanationOfBenefit that
// settled it shown as one, or either alone when the other is missing.
// Money is in whole cents (rounded half away from zero once, after exact
// decimal sums), nil when the records do not say.
type InsuranceClaim struct {
	// ID is the row this item is ordered and paged by (the Claim when
	// there is one); ClaimID and EOBID are the records behind it (0 absent).
	ID       int64    `json:"id"`
	ClaimID  int64    `json:"claimId"`
	EOBID    int64    `json:"eobId"`
	Date     string   `json:"date"`
	Kind     string   `json:"kind"` // institutional, professional, pharmacy, oral, vision
	Status   string   `json:"status"`
	Provider string   `json:"provider"`
	Payer    string   `json:"payer"`
	For      []string `json:"for"`
	Billed   *int64   `json:"billed"`
	Paid     *int64   `json:"paid"`
	Owed     *int64   `json:"owed"`
	Currency string   `json:"currency"`
	Source   string   `json:"source"`
	// sortDate is the summary date the keyset cursor compares.
	sortDate string
}

// InsuranceYear sums one calendar year of bills in one currency (over the
// whole year, not only the page). Amounts a bill does not state count 0.
type InsuranceYear struct {
	Year     string `json:"year"`
	Currency string `json:"currency"`
	Claims   int    `json:"claims"`
	Billed   int64  `json:"billed"`
	Paid     int64  `json:"paid"`
	Owed     int64  `json:"owed"`
}

// InsurancePage is one page of a person's Insurance section. Coverages come
// with the first page only; Years holds the totals of every year that has
// a bill on this page, except the year the previous page ended in (sent
// with it); Next is nil on the last page.
type InsurancePage struct {
	Coverages []InsuranceCoverage `json:"coverages"`
	Claims    []InsuranceClaim    `json:"claims"`
	Years     []InsuranceYear     `json:"years"`
	Next      *Cursor             `json:"next"`
}

// Insurance lists a person's coverages and bills, newest first, a page at a
// time (limit 1–500, default 50). Ordering and paging read the summaries;
// only the rows of the page (and the Claim/EOB they pair with) are read raw.
func (s *Store) Insurance(ctx context.Context, personID int64, after Cursor, limit int) (InsurancePage, error) {
	pg := InsurancePage{Coverages: []InsuranceCoverage{}, Claims: []InsuranceClaim{}, Years: []InsuranceYear{}}
	if _, err := s.Person(ctx, personID); err != nil {
		return pg, err
	}
	if limit <= 0 {
		limit = 50
	}
	if limit > 500 {
		limit = 500
	}
	if after.ID == 0 {
		cov, err := s.coverages(ctx, personID)
		if err != nil {
			return pg, err
		}
		pg.Coverages = cov
	}
	claims, err := s.bills(ctx, personID, after, "", limit+1)
	if err != nil {
		return pg, err
	}
	if len(claims) > limit {
		claims = claims[:limit]
		last := claims[limit-1]
		pg.Next = &Cursor{Date: last.sortDate, ID: last.ID}
	}
	pg.Claims = claims
	// A year the previous page ended in came with that page: each year's
	// totals are computed once however far the person scrolls.
	seen := map[string]bool{}
	if after.ID != 0 {
		seen[year(after.Date)] = true
	}
	for _, c := range claims {
		y := year(c.sortDate)
		if seen[y] || y == "" {
			continue
		}
		seen[y] = true
		// The same pairing over every bill of the year, so a year's total
		// is what its rows add up to however the pages fall.
		all, err := s.bills(ctx, personID, Cursor{}, y, 0)
		if err != nil {
			return pg, err
		}
		pg.Years = append(pg.Years, yearTotals(y, all)...)
	}
	return pg, nil
}

// InsuranceCount is how many items a person's Insurance section lists,
// counted from the summaries alone (for a link on the overview): coverages
// plus bills, where a Claim and its explanation of benefit are one bill.
func (s *Store) InsuranceCount(ctx context.Context, personID int64) (int, error) {
	// By fact: insurance records have no fact rule, so a fact is one FHIR
	// id, and the same bill from a file and the portal counts once.
	var claims, eobs, cov int
	err := s.db.QueryRowContext(ctx, `SELECT
 count(DISTINCT CASE WHEN s.resource_type = 'Claim' THEN s.fact END),
 count(DISTINCT CASE WHEN s.resource_type = 'ExplanationOfBenefit' THEN s.fact END),
 count(DISTINCT CASE WHEN s.resource_type = 'Coverage' THEN s.fact END)
 FROM summaries s
 WHERE s.person_id = ? AND s.resource_type IN ('Claim', 'ExplanationOfBenefit', 'Coverage')`, personID).Scan(&claims, &eobs, &cov)
	return insuranceItems(claims, eobs, cov), err
}

// insuranceItems is how many items the Insurance section lists. Without
// reading every EOB we cannot tell which pair; most do (each settles one
// claim), so the larger of the two is the number of bills.
func insuranceItems(claims, eobs, coverage int) int { return coverage + max(claims, eobs) }

func year(date string) string {
	if len(date) < 4 {
		return ""
	}
	return date[:4]
}

func yearTotals(y string, claims []InsuranceClaim) []InsuranceYear {
	by := map[string]*InsuranceYear{}
	var order []string
	for _, c := range claims {
		t, ok := by[c.Currency]
		if !ok {
			t = &InsuranceYear{Year: y, Currency: c.Currency}
			by[c.Currency] = t
			order = append(order, c.Currency)
		}
		t.Claims++
		for _, p := range []struct {
			v   *int64
			sum *int64
		}{{c.Billed, &t.Billed}, {c.Paid, &t.Paid}, {c.Owed, &t.Owed}} {
			if p.v != nil {
				*p.sum += *p.v
			}
		}
	}
	sort.Strings(order)
	out := make([]InsuranceYear, 0, len(order))
	for _, cur := range order {
		out = append(out, *by[cur])
	}
	return out
}

// billRow is a Claim or EOB summary row with what pairing needs.
type billRow struct {
	id, source       int64
	typ, resourceID  string
	date, end        string
	status, srcLabel string
}

const billColumns = "s.resource, s.source_id, s.resource_type, r.resource_id, s.date, s.date_end, s.status, src.label"

func scanBill(row interface{ Scan(...any) error }) (billRow, error) {
	var b billRow
	err := row.Scan(&b.id, &b.source, &b.typ, &b.resourceID, &b.date, &b.end, &b.status, &b.srcLabel)
	return b, err
}

// bills walks Claim and EOB rows newest first after the cursor (within one
// year when y is set) and returns up to want bills (all when want is 0).
//
// Pairing is decided per row from that row and what it references, so
// every page agrees: an EOB is hidden when the Claim it settles is the
// person's and the EOB is dated within that Claim's window (see inWindow);
// a Claim shows the last (by row) of the EOBs dated in its window that name
// it. EOBs dated far from their claim (rare) show on their own rather than
// being lost. Each batch of rows is read and paired in a few queries.
func (s *Store) bills(ctx context.Context, personID int64, after Cursor, y string, want int) ([]InsuranceClaim, error) {
	out := []InsuranceClaim{}
	w := &billWalk{s: s, personID: personID, parsed: map[int64]*billJSON{}, names: map[string]string{}}
	// Bills a person has from several sources (a file and the portal) show
	// once, as their copy from the first source, as on the timeline.
	var sources int
	if err := s.db.QueryRowContext(ctx, "SELECT count(DISTINCT source_id) FROM patient_links WHERE person_id = ?", personID).Scan(&sources); err != nil {
		return nil, err
	}
	batch := 200
	if want > 0 && want*2 < batch {
		batch = want*2 + 2
	}
	for {
		where := "s.person_id = ? AND s.resource_type IN ('Claim', 'ExplanationOfBenefit')"
		args := []any{personID}
		if y != "" {
			where += " AND s.date >= ? AND s.date < ?"
			args = append(args, y, y+"~")
		}
		if after.ID != 0 {
			where += " AND (s.date, s.resource) < (?, ?)"
			args = append(args, after.Date, after.ID)
		}
		if sources > 1 {
			where += ` AND NOT EXISTS (SELECT 1 FROM resources r2 WHERE r2.source_id < s.source_id
 AND r2.source_id IN (SELECT source_id FROM patient_links WHERE person_id = ?)
 AND r2.resource_id = r.resource_id AND r2.resource_type = s.resource_type)`
			args = append(args, personID)
		}
		rows, err := s.db.QueryContext(ctx, "SELECT "+billColumns+" FROM summaries s JOIN resources r ON r.id = s.resource JOIN sources src ON src.id = s.source_id WHERE "+
			where+" ORDER BY s.date DESC, s.resource DESC LIMIT ?", append(args, batch)...)
		if err != nil {
			return nil, err
		}
		var page, claims, eobs []billRow
		for rows.Next() {
			b, err := scanBill(rows)
			if err != nil {
				rows.Close()
				return nil, err
			}
			page = append(page, b)
			if b.typ == "Claim" {
				claims = append(claims, b)
			} else {
				eobs = append(eobs, b)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		ids := make([]int64, len(page))
		for i, b := range page {
			ids[i] = b.id
		}
		if err := w.load(ctx, ids); err != nil {
			return nil, err
		}
		claimOf, err := w.claimsOf(ctx, eobs)
		if err != nil {
			return nil, err
		}
		eobOf, err := w.eobsOf(ctx, claims)
		if err != nil {
			return nil, err
		}
		for _, b := range page {
			if b.typ == "ExplanationOfBenefit" {
				if c, ok := claimOf[b.id]; ok && inWindow(c.date, c.end, b.date) {
					continue // shown with its claim
				}
			}
			c, err := w.bill(ctx, b, eobOf[b.id])
			if err != nil {
				return nil, err
			}
			out = append(out, c)
			if want > 0 && len(out) >= want {
				return out, nil
			}
		}
		if len(page) < batch {
			return out, nil
		}
		last := page[len(page)-1]
		after = Cursor{Date: last.date, ID: last.id}
	}
}

// billWalk is one call's pass over a person's bills: the records it has
// parsed and the names it has looked up are kept for the rest of the call.
type billWalk struct {
	s        *Store
	personID int64
	parsed   map[int64]*billJSON
	names    map[string]string
}

// load parses the records ids not yet parsed, a chunk per query.
func (w *billWalk) load(ctx context.Context, ids []int64) error {
	var need []int64
	for _, id := range ids {
		if _, ok := w.parsed[id]; !ok {
			need = append(need, id)
		}
	}
	for len(need) > 0 {
		n := min(len(need), 500)
		raw, err := w.s.raws(ctx, need[:n])
		if err != nil {
			return err
		}
		for _, id := range need[:n] {
			b := &billJSON{}
			// A record that is not the shape we read shows with what could be read.
			_ = json.Unmarshal(raw[id], b)
			w.parsed[id] = b
		}
		need = need[n:]
	}
	return nil
}

// claimsOf finds the Claim each EOB row names, among the same source's
// records of this person.
func (w *billWalk) claimsOf(ctx context.Context, eobs []billRow) (map[int64]billRow, error) {
	out := map[int64]billRow{}
	type key struct {
		source int64
		id     string
	}
	want := map[key][]int64{}
	bySource := map[int64][]any{}
	for _, e := range eobs {
		typ, id := refParts(w.parsed[e.id].Claim.Reference)
		if id == "" || (typ != "" && typ != "Claim") {
			continue
		}
		k := key{e.source, id}
		if _, ok := want[k]; !ok {
			bySource[e.source] = append(bySource[e.source], id)
		}
		want[k] = append(want[k], e.id)
	}
	for source, ids := range bySource {
		for len(ids) > 0 {
			n := min(len(ids), 500)
			rows, err := w.s.db.QueryContext(ctx, `SELECT r.id, r.resource_id, s.date, s.date_end FROM resources r JOIN summaries s ON s.resource = r.id
 WHERE r.source_id = ? AND r.resource_type = 'Claim' AND s.person_id = ? AND r.resource_id IN (?`+strings.Repeat(",?", n-1)+")",
				append([]any{source, w.personID}, ids[:n]...)...)
			if err != nil {
				return nil, err
			}
			for rows.Next() {
				c := billRow{source: source, typ: "Claim"}
				if err := rows.Scan(&c.id, &c.resourceID, &c.date, &c.end); err != nil {
					rows.Close()
					return nil, err
				}
				for _, e := range want[key{source, c.resourceID}] {
					out[e] = c
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return nil, err
			}
			ids = ids[n:]
		}
	}
	return out, nil
}

// eobsOf finds the EOB settling each Claim row: the person's EOBs dated in
// the batch's windows, read once, matched by the claim they name.
func (w *billWalk) eobsOf(ctx context.Context, claims []billRow) (map[int64]int64, error) {
	out := map[int64]int64{}
	var lo, hi time.Time
	for _, c := range claims {
		d, ok := day(c.date)
		if !ok {
			continue
		}
		e := d
		if x, ok := day(c.end); ok && x.After(e) {
			e = x
		}
		if lo.IsZero() || d.Before(lo) {
			lo = d
		}
		if e.After(hi) {
			hi = e
		}
	}
	if lo.IsZero() {
		return out, nil
	}
	rows, err := w.s.db.QueryContext(ctx, `SELECT s.resource, s.source_id, s.date FROM summaries s
 WHERE s.person_id = ? AND s.resource_type = 'ExplanationOfBenefit' AND s.date >= ? AND s.date < ?`,
		w.personID, lo.Format("2006-01-02"), hi.AddDate(0, 0, 2).Format("2006-01-02"))
	if err != nil {
		return nil, err
	}
	var cands []billRow
	for rows.Next() {
		var e billRow
		if err := rows.Scan(&e.id, &e.source, &e.date); err != nil {
			rows.Close()
			return nil, err
		}
		cands = append(cands, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	ids := make([]int64, len(cands))
	for i, e := range cands {
		ids[i] = e.id
	}
	if err := w.load(ctx, ids); err != nil {
		return nil, err
	}
	type key struct {
		source int64
		id     string
	}
	naming := map[key][]billRow{}
	for _, e := range cands {
		typ, id := refParts(w.parsed[e.id].Claim.Reference)
		if id != "" && (typ == "" || typ == "Claim") {
			naming[key{e.source, id}] = append(naming[key{e.source, id}], e)
		}
	}
	for _, c := range claims {
		for _, e := range naming[key{c.source, c.resourceID}] {
			if inWindow(c.date, c.end, e.date) && e.id > out[c.id] {
				out[c.id] = e.id
			}
		}
	}
	return out, nil
}

// inWindow says whether an EOB dated eobDate is close enough to a claim
// (dated start–end) to be its settlement shown with it: from the claim's
// first day to the day after its last. Portals copy the claim's billable
// period into the EOB; Synthea dates the EOB at the claim's creation,
// minutes after the service.
func inWindow(start, end, eobDate string) bool {
	lo, ok := day(start)
	if !ok {
		return false
	}
	hi := lo
	if e, ok := day(end); ok && e.After(hi) {
		hi = e
	}
	d, ok := day(eobDate)
	return ok && !d.Before(lo) && !d.After(hi.AddDate(0, 0, 1))
}

func day(date string) (time.Time, bool) {
	if len(date) < 10 {
		return time.Time{}, false
	}
	t, err := time.Parse("2006-01-02", date[:10])
	return t, err == nil
}

// billJSON is what a Claim or ExplanationOfBenefit says about money.
type billJSON struct {
	Status         string                      `json:"status"`
	Type           concept                     `json:"type"`
	BillablePeriod struct{ Start, End string } `json:"billablePeriod"`
	Created        string                      `json:"created"`
	Provider       reference                   `json:"provider"`
	Insurer        reference                   `json:"insurer"`
	Prescription   reference                   `json:"prescription"`
	Claim          reference                   `json:"claim"`
	Insurance      []struct {
		Focal    bool      `json:"focal"`
		Coverage reference `json:"coverage"`
	} `json:"insurance"`
	Item []struct {
		ProductOrService concept        `json:"productOrService"`
		Net              *money         `json:"net"`
		Adjudication     []adjudication `json:"adjudication"`
	} `json:"item"`
	Adjudication []adjudication  `json:"adjudication"`
	Total        json.RawMessage `json:"total"` // Claim: Money; EOB: [{category, amount}]
	Payment      struct {
		Amount *money `json:"amount"`
	} `json:"payment"`
}

type money struct {
	Value    json.Number `json:"value"`
	Currency string      `json:"currency"`
}

type adjudication struct {
	Category struct {
		Coding []struct {
			Code string `json:"code"`
		} `json:"coding"`
	} `json:"category"`
	Amount *money `json:"amount"`
}

// codes are an adjudication or total category as one word: the code, or
// the last path segment of a URL code (Blue Button's
// ".../variables/line_coinsrnc_amt").
func (a adjudication) codes() []string {
	var out []string
	for _, c := range a.Category.Coding {
		code := c.Code
		if i := strings.LastIndex(code, "/"); i >= 0 {
			code = code[i+1:]
		}
		out = append(out, strings.ToLower(code))
	}
	return out
}

// The categories of each amount. FHIR's adjudication code system has
// submitted, benefit, copay, deductible; CARIN Blue Button adds
// paidtoprovider, paidbypatient, coinsurance, memberliability; CMS Blue
// Button (and Synthea, which copies it) uses line_*_amt variables.
var (
	billedCodes = []string{"submitted", "line_sbmtd_chrg_amt"}
	paidCodes   = []string{"benefit", "payment", "paidtoprovider", "paidtopatient", "line_prvdr_pmt_amt", "line_bene_pmt_amt"}
	// A stated total of what the member owes wins over its parts.
	owedTotalCodes = []string{"memberliability", "patientpay", "paidbypatient"}
	owedPartCodes  = []string{"copay", "deductible", "coinsurance", "line_coinsrnc_amt", "line_bene_ptb_ddctbl_amt", "line_ptnt_pay_amt"}
)

func has(list []string, codes []string) bool {
	for _, c := range codes {
		for _, l := range list {
			if c == l {
				return true
			}
		}
	}
	return false
}

// sum adds the amounts whose category is one of want, exactly; found is
// false when none is stated.
func sum(adj []adjudication, want []string, cur *string) (*big.Rat, bool) {
	total := new(big.Rat)
	found := false
	for _, a := range adj {
		if a.Amount == nil || a.Amount.Value == "" || !has(want, a.codes()) {
			continue
		}
		v, ok := new(big.Rat).SetString(string(a.Amount.Value))
		if !ok {
			continue
		}
		total.Add(total, v)
		found = true
		if *cur == "" {
			*cur = a.Amount.Currency
		}
	}
	return total, found
}

// cents rounds an exact amount to whole cents, half away from zero, so
// 98.28800000000001 is 9829 and 0.005 is 1.
func cents(r *big.Rat) *int64 {
	x := new(big.Rat).Mul(r, big.NewRat(100, 1))
	neg := x.Sign() < 0
	if neg {
		x.Neg(x)
	}
	q, m := new(big.Int).QuoRem(x.Num(), x.Denom(), new(big.Int))
	if new(big.Int).Mul(m, big.NewInt(2)).Cmp(x.Denom()) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	if neg {
		q.Neg(q)
	}
	if !q.IsInt64() {
		return nil
	}
	n := q.Int64()
	return &n
}

// eobMoney is what an EOB says was billed, paid and owed: its totals by
// category, else the sum of its lines' adjudications.
func eobMoney(b billJSON, cur *string) (billed, paid, owed *int64) {
	var totals []adjudication
	_ = json.Unmarshal(b.Total, &totals)
	var lines []adjudication
	for _, it := range b.Item {
		lines = append(lines, it.Adjudication...)
	}
	lines = append(lines, b.Adjudication...)
	pick := func(codes ...[]string) *int64 {
		for _, c := range codes {
			if r, ok := sum(totals, c, cur); ok {
				return cents(r)
			}
		}
		for _, c := range codes {
			if r, ok := sum(lines, c, cur); ok {
				return cents(r)
			}
		}
		return nil
	}
	billed = pick(billedCodes)
	if b.Payment.Amount != nil && b.Payment.Amount.Value != "" {
		if r, ok := new(big.Rat).SetString(string(b.Payment.Amount.Value)); ok {
			paid = cents(r)
			if *cur == "" {
				*cur = b.Payment.Amount.Currency
			}
		}
	}
	if paid == nil {
		paid = pick(paidCodes)
	}
	owed = pick(owedTotalCodes, owedPartCodes)
	return billed, paid, owed
}

// claimTotal is a Claim's total (a single Money), else its lines' net sum.
func claimTotal(b billJSON, cur *string) *int64 {
	var m money
	if json.Unmarshal(b.Total, &m) == nil && m.Value != "" {
		if r, ok := new(big.Rat).SetString(string(m.Value)); ok {
			if *cur == "" {
				*cur = m.Currency
			}
			return cents(r)
		}
	}
	total, found := new(big.Rat), false
	for _, it := range b.Item {
		if it.Net == nil || it.Net.Value == "" {
			continue
		}
		if r, ok := new(big.Rat).SetString(string(it.Net.Value)); ok {
			total.Add(total, r)
			found = true
			if *cur == "" {
				*cur = it.Net.Currency
			}
		}
	}
	if !found {
		return nil
	}
	return cents(total)
}

// bill is the item one Claim row (with its EOB, 0 for none) or one EOB
// row on its own stands for.
func (w *billWalk) bill(ctx context.Context, row billRow, eobID int64) (InsuranceClaim, error) {
	c := InsuranceClaim{ID: row.id, Date: row.date, Status: row.status, Source: row.srcLabel, sortDate: row.date, For: []string{}}
	var claim, eob *billJSON
	if row.typ == "Claim" {
		c.ClaimID, claim = row.id, w.parsed[row.id]
		if eobID != 0 {
			c.EOBID, eob = eobID, w.parsed[eobID]
		}
	} else {
		c.EOBID, eob = row.id, w.parsed[row.id]
	}
	main := claim
	if main == nil {
		main = eob
	}
	c.Kind = codeOf(main.Type)
	if c.Date == "" {
		c.Date = main.Created
	}
	// What for: a prescription names the medicine; then each billed line.
	seen := map[string]bool{}
	add := func(s string) {
		s = fhir.CleanDisplay(s)
		if s != "" && !seen[strings.ToLower(s)] {
			seen[strings.ToLower(s)] = true
			c.For = append(c.For, s)
		}
	}
	if main.Prescription.Reference != "" {
		name, err := w.name(ctx, row.source, reference{Reference: main.Prescription.Reference})
		if err != nil {
			return c, err
		}
		add(name)
	}
	for _, it := range main.Item {
		add(it.ProductOrService.String())
	}
	if len(c.For) == 0 && eob != nil && claim != nil {
		for _, it := range eob.Item {
			add(it.ProductOrService.String())
		}
	}
	// Who billed: the claim's provider (the practice), else the EOB's.
	for _, b := range []*billJSON{claim, eob} {
		if b == nil || c.Provider != "" {
			continue
		}
		name, err := w.name(ctx, row.source, b.Provider)
		if err != nil {
			return c, err
		}
		c.Provider = name
	}
	// Who paid: the EOB's insurer, else the claim's (focal) coverage.
	if eob != nil {
		c.Payer = eob.Insurer.Display
	}
	for _, b := range []*billJSON{claim, eob} {
		if b == nil || c.Payer != "" {
			continue
		}
		for _, in := range b.Insurance {
			if c.Payer == "" || in.Focal {
				c.Payer = in.Coverage.Display
			}
		}
	}

	cur := ""
	if claim != nil {
		c.Billed = claimTotal(*claim, &cur)
	}
	if eob != nil {
		billed, paid, owed := eobMoney(*eob, &cur)
		if c.Billed == nil {
			c.Billed = billed
		}
		c.Paid, c.Owed = paid, owed
	}
	c.Currency = cur
	return c, nil
}

// name is what a reference calls its target: its display, else the
// referenced record's own (an Organization's or Practitioner's name, a
// prescription's medicine), looked up once per call.
func (w *billWalk) name(ctx context.Context, source int64, ref reference) (string, error) {
	if ref.Display != "" || ref.Reference == "" {
		return ref.Display, nil
	}
	k := strconv.FormatInt(source, 10) + " " + ref.Reference
	if n, ok := w.names[k]; ok {
		return n, nil
	}
	n, err := w.s.refDisplay(ctx, source, ref.Reference)
	if err == nil {
		w.names[k] = n
	}
	return n, err
}

func codeOf(c concept) string {
	for _, cd := range c.Coding {
		if cd.Code != "" {
			return cd.Code
		}
	}
	return c.Text
}

// coverageJSON is what the Insurance section reads of a Coverage.
type coverageJSON struct {
	Status       string `json:"status"`
	SubscriberID string `json:"subscriberId"`
	Identifier   []struct {
		Type  concept `json:"type"`
		Value string  `json:"value"`
	} `json:"identifier"`
	Type   concept                     `json:"type"`
	Payor  []reference                 `json:"payor"`
	Period struct{ Start, End string } `json:"period"`
	Class  []struct {
		Type  concept `json:"type"`
		Value string  `json:"value"`
		Name  string  `json:"name"`
	} `json:"class"`
}

// memberID is a Coverage's member id: subscriberId, else the identifier
// typed MB (member number), else the first identifier. (The UI's reveal
// reads it the same way from the record's raw JSON, on request.)
func (c coverageJSON) memberID() string {
	if c.SubscriberID != "" {
		return c.SubscriberID
	}
	for _, id := range c.Identifier {
		for _, cd := range id.Type.Coding {
			if cd.Code == "MB" && id.Value != "" {
				return id.Value
			}
		}
	}
	if len(c.Identifier) > 0 {
		return c.Identifier[0].Value
	}
	return ""
}

// last4 is the end of an id shown beside a mask: the last four characters,
// fewer for a short id (never the whole of one four or shorter).
func last4(id string) string {
	r := []rune(strings.TrimSpace(id))
	n := 4
	if len(r) <= 4 {
		n = len(r) / 2
	}
	return string(r[len(r)-n:])
}

func (s *Store) coverages(ctx context.Context, personID int64) ([]InsuranceCoverage, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT s.resource, s.source_id, s.status, s.date, s.date_end, src.label FROM summaries s JOIN sources src ON src.id = s.source_id WHERE s.person_id = ? AND s.resource_type = 'Coverage' ORDER BY s.date DESC, s.resource DESC LIMIT 50", personID)
	if err != nil {
		return nil, err
	}
	type row struct {
		InsuranceCoverage
		source int64
	}
	var list []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.ID, &r.source, &r.Status, &r.Start, &r.End, &r.Source); err != nil {
			rows.Close()
			return nil, err
		}
		list = append(list, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	raw, err := s.raws(ctx, func() []int64 {
		ids := make([]int64, len(list))
		for i, r := range list {
			ids[i] = r.ID
		}
		return ids
	}())
	if err != nil {
		return nil, err
	}
	out := make([]InsuranceCoverage, 0, len(list))
	w := &billWalk{s: s, personID: personID, names: map[string]string{}}
	for _, r := range list {
		var c coverageJSON
		_ = json.Unmarshal(raw[r.ID], &c)
		cov := r.InsuranceCoverage
		if len(c.Payor) > 0 {
			if cov.Payer, err = w.name(ctx, r.source, c.Payor[0]); err != nil {
				return nil, err
			}
		}
		for _, cl := range c.Class {
			if codeOf(cl.Type) == "plan" {
				cov.Plan = cl.Name
				if cov.Plan == "" {
					cov.Plan = cl.Value
				}
			}
		}
		if cov.Plan == "" {
			cov.Plan = c.Type.String()
		}
		if id := c.memberID(); id != "" {
			cov.HasMemberID, cov.MemberIDLast4 = true, last4(id)
		}
		out = append(out, cov)
	}
	return out, nil
}
