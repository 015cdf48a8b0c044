package sandbox

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

const (
	fhirJSON = "application/fhir+json; charset=utf-8"
	pageTTL  = 30 * time.Minute
	maxCount = 1000
)

func writeOutcome(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, fhirJSON, map[string]any{
		"resourceType": "OperationOutcome",
		"issue":        []any{map[string]any{"severity": "error", "code": code, "diagnostics": msg}},
	})
}

func (s *Server) handleMetadata(w http.ResponseWriter, r *http.Request) {
	oauthURIs := []any{
		map[string]any{"url": "authorize", "valueUri": s.URL + "/oauth2/authorize"},
		map[string]any{"url": "token", "valueUri": s.tokenURL()},
	}
	if s.opts.DynamicRegistration {
		oauthURIs = append(oauthURIs, map[string]any{"url": "register", "valueUri": s.URL + "/oauth2/register"})
	}
	var types []string
	for t := range s.data.types {
		types = append(types, t)
	}
	sort.Strings(types)
	var resources []any
	for _, t := range types {
		rc := map[string]any{"type": t, "interaction": []any{map[string]any{"code": "read"}}}
		if t != "Binary" {
			rc["interaction"] = []any{map[string]any{"code": "read"}, map[string]any{"code": "search-type"}}
			params := []any{map[string]any{"name": "_lastUpdated", "type": "date"}}
			if !sharedTypes[t] && t != "Patient" {
				params = append(params, map[string]any{"name": "patient", "type": "reference"})
			}
			if t == "Patient" {
				params = append(params, map[string]any{"name": "_id", "type": "token"})
			}
			if t == "Observation" {
				params = append(params, map[string]any{"name": "category", "type": "token"})
			}
			rc["searchParam"] = params
		}
		if t == "Patient" && !s.opts.NoEverything {
			rc["operation"] = []any{map[string]any{"name": "everything", "definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything"}}
		}
		resources = append(resources, rc)
	}
	kind := "CapabilityStatement"
	if strings.HasPrefix(s.opts.FHIRVersion, "1.0.") {
		kind = "Conformance" // DSTU2's name for it
	}
	writeJSON(w, http.StatusOK, fhirJSON, map[string]any{
		"resourceType": kind, "status": "active", "kind": "instance",
		"date": instant(s.now()), "fhirVersion": s.opts.FHIRVersion, "format": []string{"json"},
		"software":       map[string]any{"name": "Fasten sandbox EHR"},
		"implementation": map[string]any{"description": "Fasten sandbox", "url": s.FHIRBase},
		"rest": []any{map[string]any{
			"mode": "server",
			"security": map[string]any{
				"service": []any{map[string]any{"coding": []any{map[string]any{
					"system": "http://terminology.hl7.org/CodeSystem/restful-security-service", "code": "SMART-on-FHIR"}}}},
				"extension": []any{map[string]any{
					"url":       "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
					"extension": oauthURIs,
				}},
			},
			"resource": resources,
		}},
	})
}

// access decides whether token t may see resource r; the distinction between
// 403 (exists, not yours) and 404 mirrors what Epic returns.
func (s *Server) access(t *accessToken, r *res, op byte) bool {
	if !allows(t.scopes, r.typ, op) && !(r.typ == "Binary" && allows(t.scopes, "DocumentReference", op)) {
		return false
	}
	if r.patient != "" {
		return r.patient == t.grant.patient
	}
	return s.data.patients[t.grant.patient].referenced[r.key()]
}

func (s *Server) handleRead(w http.ResponseWriter, r *http.Request) {
	t := s.bearer(w, r)
	if t == nil {
		return
	}
	typ, id := r.PathValue("type"), r.PathValue("id")
	rs, ok := s.data.get(typ + "/" + id)
	if !ok {
		writeOutcome(w, http.StatusNotFound, "not-found", typ+"/"+id+" is not known")
		return
	}
	if !s.access(t, rs, 'r') {
		writeOutcome(w, http.StatusForbidden, "forbidden", "the access token does not grant "+typ+"/"+id)
		return
	}
	body := s.data.render(rs)
	s.data.mu.RLock()
	etag, mod := fmt.Sprintf(`W/"%d"`, rs.version), rs.updated
	s.data.mu.RUnlock()
	w.Header().Set("ETag", etag)
	w.Header().Set("Last-Modified", mod.UTC().Format(http.TimeFormat))
	if typ == "Binary" && !wantsFHIR(r) {
		// Raw bytes unless FHIR JSON is asked for, as Epic and HAPI do.
		data, _ := base64.StdEncoding.DecodeString(str(rs.obj["data"]))
		w.Header().Set("Content-Type", str(rs.obj["contentType"]))
		w.Write(data)
		return
	}
	w.Header().Set("Content-Type", fhirJSON)
	w.Write(body)
}

func wantsFHIR(r *http.Request) bool {
	a := r.Header.Get("Accept")
	return strings.Contains(a, "fhir+json") || strings.Contains(a, "application/json")
}

// match is one searchset entry; mode is "match" or "include".
type match struct {
	r    *res
	mode string
}

func (s *Server) handleSearch(w http.ResponseWriter, r *http.Request) {
	t := s.bearer(w, r)
	if t == nil {
		return
	}
	typ := r.PathValue("type")
	if typ == "" || typ[0] < 'A' || typ[0] > 'Z' || typ == "Binary" {
		writeOutcome(w, http.StatusNotFound, "not-supported", "search is not supported on "+typ)
		return
	}
	if !allows(t.scopes, typ, 's') {
		writeOutcome(w, http.StatusForbidden, "forbidden", "the access token does not grant search on "+typ)
		return
	}
	q := r.URL.Query()
	filter, err := parseFilters(q)
	if err != nil {
		writeOutcome(w, http.StatusBadRequest, "invalid", err.Error())
		return
	}
	me := t.grant.patient
	pd := s.data.patients[me]
	var out []match
	switch {
	case typ == "Patient":
		if id := q.Get("_id"); id != "" && id != me {
			break
		}
		out = s.collect(pd.order[:1], typ, filter)
	case sharedTypes[typ]:
		var refd []*res
		for k := range pd.referenced {
			if rs, ok := s.data.get(k); ok {
				refd = append(refd, rs)
			}
		}
		sort.Slice(refd, func(i, j int) bool { return refd[i].id < refd[j].id })
		out = s.collect(refd, typ, filter)
	default:
		pid := patientParam(q)
		if pid == "" {
			// Epic answers a compartment search without patient with an error.
			writeOutcome(w, http.StatusBadRequest, "required", "a patient (or subject) parameter is required")
			return
		}
		if pid != me {
			writeOutcome(w, http.StatusForbidden, "forbidden", "the access token is not for Patient/"+pid)
			return
		}
		out = s.collect(pd.order, typ, filter)
	}
	s.respondPaged(w, r, me, out, pageCount(q, s.opts.PageSize))
}

func patientParam(q url.Values) string {
	for _, k := range []string{"patient", "subject", "subject:Patient", "patient:Patient"} {
		if v := q.Get(k); v != "" {
			return strings.TrimPrefix(v, "Patient/")
		}
	}
	return ""
}

func pageCount(q url.Values, def int) int {
	n, err := strconv.Atoi(q.Get("_count"))
	if err != nil || n <= 0 {
		return def
	}
	return min(n, maxCount)
}

// filter holds the search parameters this server honours; unknown ones are
// ignored, as FHIR's lenient handling allows.
type filter struct {
	updated  []dateBound
	category []string
	types    []string // $everything _type
}

type dateBound struct {
	prefix string
	lo, hi time.Time // the instant range the value denotes at its precision
}

func parseFilters(q url.Values) (filter, error) {
	var f filter
	for _, v := range q["_lastUpdated"] {
		b, err := parseDateParam(v)
		if err != nil {
			return f, fmt.Errorf("_lastUpdated: %w", err)
		}
		f.updated = append(f.updated, b)
	}
	if v := q.Get("_since"); v != "" {
		lo, _, err := parseDate(v)
		if err != nil {
			return f, fmt.Errorf("_since: %w", err)
		}
		f.updated = append(f.updated, dateBound{prefix: "ge", lo: lo, hi: lo})
	}
	for _, v := range q["category"] {
		f.category = append(f.category, strings.Split(v, ",")...)
	}
	for _, v := range q["_type"] {
		f.types = append(f.types, strings.Split(v, ",")...)
	}
	return f, nil
}

func parseDateParam(v string) (dateBound, error) {
	b := dateBound{prefix: "eq"}
	if len(v) > 2 && v[0] >= 'a' && v[0] <= 'z' {
		b.prefix, v = v[:2], v[2:]
	}
	if !slices.Contains([]string{"eq", "ne", "gt", "ge", "lt", "le", "sa", "eb"}, b.prefix) {
		return b, fmt.Errorf("unknown prefix %q", b.prefix)
	}
	var err error
	b.lo, b.hi, err = parseDate(v)
	return b, err
}

// parseDate returns [lo, hi) for a FHIR date/dateTime/instant, honouring its
// precision: gt2024-01-01 means after that whole day.
func parseDate(v string) (lo, hi time.Time, err error) {
	layouts := []struct {
		l    string
		next func(time.Time) time.Time
	}{
		{time.RFC3339Nano, func(t time.Time) time.Time { return t.Add(time.Nanosecond) }},
		{"2006-01-02T15:04Z07:00", func(t time.Time) time.Time { return t.Add(time.Minute) }},
		{"2006-01-02T15:04:05", func(t time.Time) time.Time { return t.Add(time.Second) }},
		{"2006-01-02", func(t time.Time) time.Time { return t.AddDate(0, 0, 1) }},
		{"2006-01", func(t time.Time) time.Time { return t.AddDate(0, 1, 0) }},
		{"2006", func(t time.Time) time.Time { return t.AddDate(1, 0, 0) }},
	}
	for _, l := range layouts {
		if t, e := time.Parse(l.l, v); e == nil {
			if l.l == time.RFC3339Nano && !strings.Contains(v, ".") {
				return t, t.Add(time.Second), nil
			}
			return t, l.next(t), nil
		}
	}
	return lo, hi, fmt.Errorf("cannot parse date %q", v)
}

func (b dateBound) ok(t time.Time) bool {
	switch b.prefix {
	case "gt", "sa":
		return !t.Before(b.hi)
	case "ge":
		return !t.Before(b.lo)
	case "lt", "eb":
		return t.Before(b.lo)
	case "le":
		return t.Before(b.hi)
	case "ne":
		return t.Before(b.lo) || !t.Before(b.hi)
	}
	return !t.Before(b.lo) && t.Before(b.hi)
}

func (s *Server) collect(from []*res, typ string, f filter) []match {
	s.data.mu.RLock()
	defer s.data.mu.RUnlock()
	var out []match
	for _, r := range from {
		if typ != "" && r.typ != typ || !f.matches(r) {
			continue
		}
		out = append(out, match{r, "match"})
	}
	return out
}

func (f filter) matches(r *res) bool {
	for _, b := range f.updated {
		if !b.ok(r.updated) {
			return false
		}
	}
	if len(f.types) > 0 && !slices.Contains(f.types, r.typ) {
		return false
	}
	if len(f.category) > 0 && !hasCategory(r.obj, f.category) {
		return false
	}
	return true
}

// hasCategory accepts "code" or "system|code" tokens.
func hasCategory(obj map[string]any, want []string) bool {
	cats, _ := obj["category"].([]any)
	for _, c := range cats {
		cc, _ := c.(map[string]any)
		codings, _ := cc["coding"].([]any)
		for _, x := range codings {
			cd, _ := x.(map[string]any)
			for _, w := range want {
				sys, code, hasSys := strings.Cut(w, "|")
				if !hasSys {
					code, sys = w, ""
				}
				if str(cd["code"]) == code && (!hasSys || sys == "" || str(cd["system"]) == sys) {
					return true
				}
			}
		}
	}
	return false
}

func (s *Server) handleEverything(w http.ResponseWriter, r *http.Request) {
	if s.opts.NoEverything {
		writeOutcome(w, http.StatusNotFound, "not-supported", "Patient/$everything is not supported")
		return
	}
	t := s.bearer(w, r)
	if t == nil {
		return
	}
	id := r.PathValue("id")
	pd := s.data.patients[id]
	if pd == nil {
		writeOutcome(w, http.StatusNotFound, "not-found", "Patient/"+id+" is not known")
		return
	}
	if id != t.grant.patient {
		writeOutcome(w, http.StatusForbidden, "forbidden", "the access token is not for Patient/"+id)
		return
	}
	q := r.URL.Query()
	f, err := parseFilters(q)
	if err != nil {
		writeOutcome(w, http.StatusBadRequest, "invalid", err.Error())
		return
	}
	var out []match
	for _, m := range s.collect(pd.order, "", f) {
		if allows(t.scopes, m.r.typ, 'r') {
			out = append(out, m)
		}
	}
	// Referenced shared resources come along as includes, as HAPI does.
	keys := make([]string, 0, len(pd.referenced))
	for k := range pd.referenced {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if rs, ok := s.data.get(k); ok && allows(t.scopes, rs.typ, 'r') {
			for _, m := range s.collect([]*res{rs}, "", f) {
				out = append(out, match{m.r, "include"})
			}
		}
	}
	s.respondPaged(w, r, id, out, pageCount(q, s.opts.PageSize))
}

// page is a frozen search result. Freezing at search time gives a stable
// total and no duplicates across pages even if Touch runs mid-paging.
type page struct {
	patient string
	items   []match
	total   int
	created time.Time
}

type pageStore struct {
	mu    sync.Mutex
	pages map[string]*page
}

func (s *Server) respondPaged(w http.ResponseWriter, r *http.Request, patient string, items []match, count int) {
	ps := &s.pages
	id := randToken()
	now := time.Now()
	ps.mu.Lock()
	for k, p := range ps.pages {
		if now.Sub(p.created) > pageTTL {
			delete(ps.pages, k)
		}
	}
	p := &page{patient: patient, items: items, total: len(items), created: now}
	ps.pages[id] = p
	ps.mu.Unlock()
	s.writePage(w, r, id, p, 0, count)
}

// handlePage serves the opaque next links (HAPI's _getpages style).
func (s *Server) handlePage(w http.ResponseWriter, r *http.Request) {
	t := s.bearer(w, r)
	if t == nil {
		return
	}
	q := r.URL.Query()
	id := q.Get("_getpages")
	if id == "" {
		writeOutcome(w, http.StatusBadRequest, "not-supported", "system-level search is not supported")
		return
	}
	ps := &s.pages
	ps.mu.Lock()
	p := ps.pages[id]
	ps.mu.Unlock()
	if p == nil {
		writeOutcome(w, http.StatusGone, "not-found", "search results expired; repeat the search")
		return
	}
	if p.patient != t.grant.patient {
		writeOutcome(w, http.StatusForbidden, "forbidden", "these results belong to another patient")
		return
	}
	off, err := strconv.Atoi(q.Get("_getpagesoffset"))
	if err != nil || off < 0 {
		writeOutcome(w, http.StatusBadRequest, "invalid", "bad _getpagesoffset")
		return
	}
	s.writePage(w, r, id, p, off, pageCount(q, s.opts.PageSize))
}

type bundleLink struct {
	Relation string `json:"relation"`
	URL      string `json:"url"`
}

type bundleEntry struct {
	FullURL  string          `json:"fullUrl"`
	Resource json.RawMessage `json:"resource"`
	Search   struct {
		Mode string `json:"mode"`
	} `json:"search"`
}

func (s *Server) writePage(w http.ResponseWriter, r *http.Request, id string, p *page, off, count int) {
	end := min(off+count, len(p.items))
	off = min(off, end)
	b := struct {
		ResourceType string        `json:"resourceType"`
		ID           string        `json:"id"`
		Meta         any           `json:"meta"`
		Type         string        `json:"type"`
		Total        int           `json:"total"`
		Link         []bundleLink  `json:"link"`
		Entry        []bundleEntry `json:"entry,omitempty"`
	}{ResourceType: "Bundle", ID: id, Meta: map[string]string{"lastUpdated": instant(s.now())}, Type: "searchset", Total: p.total}
	b.Link = append(b.Link, bundleLink{"self", s.URL + r.URL.RequestURI()})
	if end < len(p.items) {
		b.Link = append(b.Link, bundleLink{"next", fmt.Sprintf("%s?_getpages=%s&_getpagesoffset=%d&_count=%d&_bundletype=searchset", s.FHIRBase, id, end, count)})
	}
	for _, m := range p.items[off:end] {
		e := bundleEntry{FullURL: s.FHIRBase + "/" + m.r.key(), Resource: s.data.render(m.r)}
		e.Search.Mode = m.mode
		b.Entry = append(b.Entry, e)
	}
	writeJSON(w, http.StatusOK, fhirJSON, b)
}
