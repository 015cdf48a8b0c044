package sandbox

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// sharedTypes are resources a real EHR keeps outside any patient's
// compartment: they are readable only when the patient's own data points at
// them, which is what makes "fetch the referenced Practitioner" a distinct
// step a client has to get right.
var sharedTypes = map[string]bool{
	"Organization": true, "Practitioner": true, "PractitionerRole": true,
	"Location": true, "Medication": true, "Substance": true,
}

// parsedRes is one fixture resource after urn:uuid references were rewritten.
// obj is shared between servers through the parse cache and must never be
// mutated; rendering copies the top level.
type parsedRes struct {
	typ, id string
	obj     map[string]any
	refs    []string // "Type/id" keys this resource points at
}

type parsedBundle struct {
	patientID string
	res       []parsedRes
}

// parseCache avoids re-decoding 55 MB of JSON for every test server; the
// parse result is immutable so sharing it is safe.
var parseCache sync.Map // path + mtime -> *parsedBundle

func loadBundle(path string) (*parsedBundle, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	key := fmt.Sprintf("%s|%d|%d", path, fi.Size(), fi.ModTime().UnixNano())
	if v, ok := parseCache.Load(key); ok {
		return v.(*parsedBundle), nil
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var b struct {
		ResourceType string `json:"resourceType"`
		Entry        []struct {
			FullURL  string          `json:"fullUrl"`
			Resource json.RawMessage `json:"resource"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(raw, &b); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if b.ResourceType != "Bundle" {
		return nil, fmt.Errorf("%s: not a Bundle", path)
	}
	pb := &parsedBundle{}
	// A transaction bundle's urn:uuid references carry no type, so the
	// fullUrl -> Type/id map must be built before anything is rewritten.
	targets := map[string]string{}
	objs := make([]map[string]any, 0, len(b.Entry))
	for _, e := range b.Entry {
		dec := json.NewDecoder(bytes.NewReader(e.Resource))
		dec.UseNumber() // keep decimals byte-exact (FHIR cares about 1.50 vs 1.5 precision)
		var obj map[string]any
		if err := dec.Decode(&obj); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		typ, _ := obj["resourceType"].(string)
		id, _ := obj["id"].(string)
		if id == "" && typ != "" {
			// Some older exports leave ids out (Synthea's DSTU2 and STU3
			// procedures, care plans…); a server always has one.
			id = fmt.Sprintf("sandbox-%d", len(objs))
			obj["id"] = id
		}
		if typ == "" {
			return nil, fmt.Errorf("%s: entry without resourceType", path)
		}
		targets[e.FullURL] = typ + "/" + id
		targets["urn:uuid:"+id] = typ + "/" + id
		if typ == "Patient" {
			if pb.patientID != "" {
				return nil, fmt.Errorf("%s: more than one Patient", path)
			}
			pb.patientID = id
		}
		objs = append(objs, obj)
	}
	if pb.patientID == "" {
		return nil, fmt.Errorf("%s: no Patient", path)
	}
	for _, obj := range objs {
		var refs []string
		rewriteRefs(obj, targets, &refs)
		pb.res = append(pb.res, parsedRes{typ: obj["resourceType"].(string), id: obj["id"].(string), obj: obj, refs: refs})
	}
	parseCache.Store(key, pb)
	return pb, nil
}

// rewriteRefs turns bundle-local references into the relative Type/id form a
// real server emits; clients that only handle urn:uuid would otherwise pass.
func rewriteRefs(v any, targets map[string]string, refs *[]string) {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			if s, ok := x.(string); ok && k == "reference" {
				if to, ok := targets[s]; ok {
					t[k] = to
					*refs = append(*refs, to)
				}
				continue
			}
			rewriteRefs(x, targets, refs)
		}
	case []any:
		for _, x := range t {
			rewriteRefs(x, targets, refs)
		}
	}
}

// expandFixtures accepts files and directories so the CLI can point at a
// folder while tests pick individual patients.
func expandFixtures(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !fi.IsDir() {
			out = append(out, p)
			continue
		}
		m, err := filepath.Glob(filepath.Join(p, "*.json"))
		if err != nil {
			return nil, err
		}
		sort.Strings(m)
		out = append(out, m...)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("sandbox: no fixture bundles given")
	}
	return out, nil
}

// res is a served resource: immutable content plus the mutable version
// state that Touch bumps.
type res struct {
	typ, id    string
	patient    string // owning patient; "" for shared resources
	searchable bool   // false for Binary, which no patient search returns
	obj        map[string]any
	version    int
	updated    time.Time
	body       []byte // rendered JSON; nil when stale
}

func (r *res) key() string { return r.typ + "/" + r.id }

type patientData struct {
	id         string
	name       string
	birthDate  string
	order      []*res          // compartment in fixture order, Patient first
	referenced map[string]bool // shared resource keys this patient's data points at
	counts     map[string]int
}

type store struct {
	mu       sync.RWMutex
	byKey    map[string]*res
	patients map[string]*patientData
	pids     []string // load order, for a stable login page and Patients()
	types    map[string]bool
}

func newStore(files []string, now time.Time, withDocument bool) (*store, error) {
	st := &store{byKey: map[string]*res{}, patients: map[string]*patientData{}, types: map[string]bool{}}
	for _, f := range files {
		pb, err := loadBundle(f)
		if err != nil {
			return nil, err
		}
		if _, dup := st.patients[pb.patientID]; dup {
			return nil, fmt.Errorf("sandbox: patient %s loaded twice", pb.patientID)
		}
		pd := &patientData{id: pb.patientID, referenced: map[string]bool{}, counts: map[string]int{}}
		st.patients[pd.id] = pd
		st.pids = append(st.pids, pd.id)
		add := func(typ, id string, obj map[string]any, searchable bool) *res {
			r := &res{typ: typ, id: id, obj: obj, version: 1, updated: now, searchable: searchable}
			if sharedTypes[typ] {
				if _, seen := st.byKey[r.key()]; !seen {
					st.byKey[r.key()] = r
				}
				st.types[typ] = true
				return r
			}
			if _, seen := st.byKey[r.key()]; seen {
				return nil // a compartment resource cannot belong to two patients
			}
			r.patient = pd.id
			st.byKey[r.key()] = r
			if searchable {
				pd.order = append(pd.order, r)
				pd.counts[typ]++
				st.types[typ] = true
			}
			return r
		}
		for _, p := range pb.res {
			if p.typ == "Patient" {
				pd.name, pd.birthDate = patientName(p.obj), str(p.obj["birthDate"])
			}
			add(p.typ, p.id, p.obj, true)
			for _, ref := range p.refs {
				if t, _, _ := strings.Cut(ref, "/"); sharedTypes[t] {
					pd.referenced[ref] = true
				}
			}
		}
		// Patient first, so $everything leads with it as servers usually do.
		sort.SliceStable(pd.order, func(i, j int) bool { return pd.order[i].typ == "Patient" && pd.order[j].typ != "Patient" })
		if withDocument {
			doc, bin := syntheticDocument(pd, now)
			add("Binary", str(bin["id"]), bin, false)
			add("DocumentReference", str(doc["id"]), doc, true)
			st.types["Binary"] = true
		}
	}
	return st, nil
}

func str(v any) string { s, _ := v.(string); return s }

func patientName(p map[string]any) string {
	names, _ := p["name"].([]any)
	if len(names) == 0 {
		return ""
	}
	n, _ := names[0].(map[string]any)
	var parts []string
	if g, ok := n["given"].([]any); ok && len(g) > 0 {
		parts = append(parts, str(g[0]))
	}
	parts = append(parts, str(n["family"]))
	return strings.TrimSpace(strings.Join(parts, " "))
}

// render is where meta is stamped: versionId/lastUpdated live in the server
// state, not in the fixture, so Touch can change them without re-parsing.
func (st *store) render(r *res) []byte {
	st.mu.RLock()
	b := r.body
	st.mu.RUnlock()
	if b != nil {
		return b
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if r.body != nil {
		return r.body
	}
	obj := make(map[string]any, len(r.obj)+1)
	for k, v := range r.obj {
		obj[k] = v
	}
	meta := map[string]any{}
	if m, ok := r.obj["meta"].(map[string]any); ok {
		for k, v := range m {
			meta[k] = v
		}
	}
	meta["versionId"] = fmt.Sprint(r.version)
	meta["lastUpdated"] = instant(r.updated)
	obj["meta"] = meta
	body, err := json.Marshal(obj)
	if err != nil {
		panic(err) // decoded from JSON, so always encodable
	}
	r.body = body
	return body
}

func instant(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func (st *store) touch(typ, id string, now time.Time) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	r, ok := st.byKey[typ+"/"+id]
	if !ok {
		return false
	}
	r.version++
	r.updated = now
	r.body = nil
	return true
}

func (st *store) get(key string) (*res, bool) {
	st.mu.RLock()
	defer st.mu.RUnlock()
	r, ok := st.byKey[key]
	return r, ok
}

// syntheticDocument gives every patient one clinical note with a PDF, because
// Synthea bundles carry no documents and attachment download is a separate
// code path (Binary, non-JSON content) that otherwise goes untested.
func syntheticDocument(pd *patientData, now time.Time) (doc, bin map[string]any) {
	pdf := minimalPDF("Visit summary for " + pd.name)
	binID := "bin-" + pd.id
	bin = map[string]any{
		"resourceType": "Binary", "id": binID, "contentType": "application/pdf",
		"data": base64.StdEncoding.EncodeToString(pdf),
	}
	doc = map[string]any{
		"resourceType": "DocumentReference", "id": "doc-" + pd.id, "status": "current",
		"type": map[string]any{"coding": []any{map[string]any{
			"system": "http://loinc.org", "code": "34133-9", "display": "Summary of episode note"}}},
		"category": []any{map[string]any{"coding": []any{map[string]any{
			"system": "http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category", "code": "clinical-note"}}}},
		"subject": map[string]any{"reference": "Patient/" + pd.id},
		"date":    instant(now),
		"content": []any{map[string]any{"attachment": map[string]any{
			// Relative, as Epic emits it: clients must resolve against the FHIR base.
			"contentType": "application/pdf", "url": "Binary/" + binID,
			"size": json.Number(fmt.Sprint(len(pdf))), "title": "Visit summary"}}},
	}
	return doc, bin
}

// minimalPDF builds a valid one-page PDF (correct xref offsets) so viewers and
// MIME sniffers accept it.
func minimalPDF(text string) []byte {
	text = strings.NewReplacer(`\`, `\\`, "(", `\(`, ")", `\)`).Replace(text)
	stream := fmt.Sprintf("BT /F1 18 Tf 72 720 Td (%s) Tj ET", text)
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(stream), stream),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offs := make([]int, len(objs))
	for i, o := range objs {
		offs[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}
