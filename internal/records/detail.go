package records

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/microcosm-cc/bluemonday"

	"github.com/fastenhealth/fasten-desktop/internal/codenames"
	"github.com/fastenhealth/fasten-desktop/internal/fhir"
	"github.com/fastenhealth/fasten-desktop/internal/vault"
)

// ErrNoResource is returned for an id that is not in the vault.
var ErrNoResource = errors.New("that record is not in the vault")

// narrativePolicy admits the formatting FHIR narratives use (XHTML tables,
// lists, emphasis) and nothing that runs, loads or navigates: provider HTML
// is untrusted input to a webview that can call every bound Go method.
var narrativePolicy = func() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowElements("div", "span", "p", "br", "hr", "b", "i", "em", "strong", "u", "sub", "sup", "small",
		"ul", "ol", "li", "dl", "dt", "dd", "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption",
		"h1", "h2", "h3", "h4", "h5", "h6", "pre", "code", "blockquote")
	p.AllowAttrs("colspan", "rowspan").OnElements("td", "th")
	return p
}()

// SanitizeNarrative makes provider-supplied XHTML safe to show.
func SanitizeNarrative(html string) string { return narrativePolicy.Sanitize(html) }

// ErrNoVersion is asked-for version of a record the vault does not hold
// (also an ErrNoResource, so callers handling "gone" handle both).
var ErrNoVersion = fmt.Errorf("%w (no such version)", ErrNoResource)

// Detail returns the readable view of one resource: its fields, the names of
// the records it points at, where and when it came from and its earlier
// versions, and for a panel its results, for a visit what happened during it.
func (s *Store) Detail(ctx context.Context, id int64) (Detail, error) {
	var d Detail
	var raw, original []byte
	var source int64
	var typ, rid string
	err := s.db.QueryRowContext(ctx, `SELECT r.raw, r.resource_type, r.resource_id, r.received_at, r.source_id, src.label, src.kind, r.version,
 CASE WHEN src.kind = 'file' THEN coalesce(i.file_name, '') ELSE '' END, r.received_release, r.received
FROM resources r JOIN sources src ON src.id = r.source_id LEFT JOIN imports i ON i.id = r.import_id WHERE r.id = ?`, id).
		Scan(&raw, &typ, &rid, &d.Received, &source, &d.Source, &d.SourceKind, &d.Versions, &d.File, &d.ReceivedAs, &original)
	if errors.Is(err, sql.ErrNoRows) {
		return d, ErrNoResource
	}
	if err != nil {
		return d, err
	}
	if raw, err = vault.UnpackRaw(nil, raw); err != nil {
		return d, err
	}
	if original, err = vault.UnpackRaw(nil, original); err != nil {
		return d, err
	}
	items, err := scanItems(s.db.QueryContext(ctx, "SELECT "+itemColumns+itemFrom+"WHERE s.resource = ?", id))
	if err != nil {
		return d, err
	}
	if len(items) == 1 {
		d.Item = items[0]
	}
	if d.Raw, d.Fields, d.Narrative, d.References, err = s.readable(ctx, source, raw); err != nil {
		return d, err
	}
	if d.ReceivedAs != "" {
		d.Original = prettyJSON(original)
	}
	if d.SourceKind == "file" && source != FileSource {
		d.Origin = d.Source
	}
	if d.History, err = s.history(ctx, id); err != nil {
		return d, err
	}
	if d.AlsoFrom, err = s.alsoFrom(ctx, id); err != nil {
		return d, err
	}
	d.Results, d.Visit = []PanelResult{}, []VisitSection{}
	switch typ {
	case "DiagnosticReport":
		if d.Results, err = s.panelResults(ctx, source, raw); err != nil {
			return d, err
		}
	case "Encounter":
		if d.Visit, err = s.visitSections(ctx, id, source, rid); err != nil {
			return d, err
		}
	}
	return d, nil
}

// DetailVersion returns one version of a record (an earlier one, or the
// current), readable the way Detail shows the current one.
func (s *Store) DetailVersion(ctx context.Context, id int64, version int) (VersionDetail, error) {
	var vd VersionDetail
	hist, err := s.history(ctx, id)
	if err != nil {
		return vd, err
	}
	if len(hist) == 0 {
		return vd, ErrNoResource
	}
	var source int64
	if err := s.db.QueryRowContext(ctx, "SELECT source_id FROM resources WHERE id = ?", id).Scan(&source); err != nil {
		return vd, err
	}
	var raw []byte
	for _, h := range hist {
		if h.Version != version {
			continue
		}
		vd.Version = h
		q := "SELECT raw FROM resource_versions WHERE resource = ? AND version = ?"
		if h.Current {
			q = "SELECT raw FROM resources WHERE id = ? AND version = ?"
		}
		if err := s.db.QueryRowContext(ctx, q, id, version).Scan(&raw); err != nil {
			return vd, err
		}
		if raw, err = vault.UnpackRaw(nil, raw); err != nil {
			return vd, err
		}
	}
	if raw == nil {
		return vd, ErrNoVersion
	}
	vd.Raw, vd.Fields, vd.Narrative, vd.References, err = s.readable(ctx, source, raw)
	return vd, err
}

// history lists a record's versions, the current one first; empty when
// the record is not in the vault.
func (s *Store) history(ctx context.Context, id int64) ([]RecordVersion, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT r.version, r.received_at, '', 1, CASE WHEN src.kind = 'file' THEN coalesce(i.file_name, '') ELSE '' END, r.last_updated
FROM resources r JOIN sources src ON src.id = r.source_id LEFT JOIN imports i ON i.id = r.import_id WHERE r.id = ?
UNION ALL
SELECT v.version, v.received_at, v.superseded_at, 0, CASE WHEN src.kind = 'file' THEN coalesce(i.file_name, '') ELSE '' END, v.last_updated
FROM resource_versions v JOIN resources r ON r.id = v.resource JOIN sources src ON src.id = r.source_id LEFT JOIN imports i ON i.id = v.import_id WHERE v.resource = ?
ORDER BY 1 DESC`, id, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []RecordVersion{}
	for rows.Next() {
		var v RecordVersion
		if err := rows.Scan(&v.Version, &v.Received, &v.Superseded, &v.Current, &v.File, &v.LastUpdated); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// readable renders one version's raw bytes: pretty JSON, Go's labelled
// fields, the sanitized narrative and the names of what it references.
func (s *Store) readable(ctx context.Context, source int64, raw []byte) (pretty string, fields []Field, narrative string, refs map[string]string, err error) {
	pretty = prettyJSON(raw)
	var obj map[string]any
	if err := json.Unmarshal(raw, &obj); err != nil {
		return pretty, nil, "", nil, fmt.Errorf("this record's stored form cannot be read: %w", err)
	}
	if text, ok := obj["text"].(map[string]any); ok {
		if div, ok := text["div"].(string); ok {
			narrative = SanitizeNarrative(div)
		}
	}
	refs = s.refNames(ctx, source, raw)
	return pretty, renderer{names: refs}.fields(obj), narrative, refs, nil
}

// prettyJSON indents JSON for reading; what is not JSON comes back as it is.
func prettyJSON(raw []byte) string {
	var buf bytes.Buffer
	if json.Indent(&buf, raw, "", "  ") == nil {
		return buf.String()
	}
	return string(raw)
}

// refNames maps each reference this resource makes, exactly as written, to
// the display name of the resource it points at among the same source's
// records: "who and where". References it cannot resolve are left out.
func (s *Store) refNames(ctx context.Context, source int64, raw []byte) map[string]string {
	out := map[string]string{}
	tried := map[string]bool{}
	fhir.References(raw, func(ref string) {
		if tried[ref] || len(tried) >= 64 {
			return
		}
		tried[ref] = true
		var name string
		var err error
		switch r := fhir.ParseReference(ref); {
		case r.Kind == fhir.RefUUID:
			// Exporters name a urn:uuid entry by its id (the fullUrl the
			// entry arrived with confirms it), which the (source, id) index finds.
			err = s.db.QueryRowContext(ctx, `SELECT t.display FROM resources r JOIN summaries t ON t.resource = r.id
WHERE r.source_id = ? AND r.resource_id = ? AND r.full_url = ?`, source, r.ID, ref).Scan(&name)
		case r.Key() != "":
			err = s.db.QueryRowContext(ctx, `SELECT t.display FROM resources r JOIN summaries t ON t.resource = r.id
WHERE r.source_id = ? AND r.resource_id = ? AND r.resource_type = ?`, source, r.ID, r.Type).Scan(&name)
		default:
			return
		}
		if err == nil && name != "" {
			out[ref] = name
		}
	})
	return out
}

// skipped are keys with no meaning to a person reading the record.
var skipped = map[string]bool{"resourceType": true, "id": true, "meta": true, "text": true, "extension": true,
	"modifierExtension": true, "contained": true, "implicitRules": true, "language": true, "fullUrl": true}

type renderer struct{ names map[string]string }

func (r renderer) fields(obj map[string]any) []Field {
	keys := make([]string, 0, len(obj))
	for k := range obj {
		if !skipped[k] {
			keys = append(keys, k)
		}
	}
	sort.SliceStable(keys, func(i, j int) bool {
		return fieldRank(keys[i]) < fieldRank(keys[j]) || (fieldRank(keys[i]) == fieldRank(keys[j]) && keys[i] < keys[j])
	})
	out := []Field{}
	for _, k := range keys {
		if v := r.value(obj[k], 0); v != "" {
			out = append(out, Field{Label: label(k), Value: v})
		}
	}
	return out
}

// fieldRank puts what people look for first.
func fieldRank(k string) int {
	order := []string{"code", "vaccineCode", "medicationCodeableConcept", "name", "type", "status", "clinicalStatus",
		"category", "class", "value", "component", "effective", "onset", "occurrence", "authored", "period", "performed", "birthDate", "gender"}
	for i, o := range order {
		if strings.HasPrefix(k, o) {
			return i
		}
	}
	return len(order)
}

// label turns "effectiveDateTime" into "Effective date time".
func label(k string) string {
	var b strings.Builder
	for i, r := range k {
		if i > 0 && unicode.IsUpper(r) {
			b.WriteByte(' ')
			r = unicode.ToLower(r)
		}
		if i == 0 {
			r = unicode.ToUpper(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (r renderer) value(v any, depth int) string {
	if depth > 6 {
		return ""
	}
	switch x := v.(type) {
	case string:
		return x
	case bool:
		if x {
			return "yes"
		}
		return "no"
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case []any:
		parts := []string{}
		for _, e := range x {
			if s := r.value(e, depth+1); s != "" {
				parts = append(parts, s)
			}
		}
		return strings.Join(parts, "; ")
	case map[string]any:
		return r.object(x, depth)
	}
	return ""
}

// object renders the common FHIR datatypes the way a clinician writes them.
func (r renderer) object(x map[string]any, depth int) string {
	str := func(k string) string { s, _ := x[k].(string); return s }
	switch {
	case x["reference"] != nil || (x["display"] != nil && len(x) <= 2):
		if d := str("display"); d != "" {
			return d
		}
		if n := r.names[str("reference")]; n != "" {
			return n
		}
		return fhir.ParseReference(str("reference")).Type // at least say what kind of record it points at
	case x["coding"] != nil || (x["text"] != nil && len(x) == 1):
		if t := str("text"); t != "" {
			return t
		}
		codings, _ := x["coding"].([]any)
		for _, c := range codings {
			if m, ok := c.(map[string]any); ok {
				if s := r.object(m, depth+1); s != "" {
					return s
				}
			}
		}
		return ""
	case x["system"] != nil && x["code"] != nil && x["value"] == nil:
		if d := str("display"); d != "" {
			return d
		}
		// A health card's coding is a code alone: its published name, as
		// the summary gives it, else the code.
		if n := codenames.Name(str("system"), str("code")); n != "" {
			return n
		}
		return str("code")
	case x["value"] != nil && (x["unit"] != nil || x["code"] != nil || x["system"] != nil):
		u := str("unit")
		if u == "" {
			u = str("code")
		}
		return strings.TrimSpace(r.value(x["value"], depth+1) + " " + u)
	case x["start"] != nil || x["end"] != nil:
		s, e := str("start"), str("end")
		if e == "" || e == s {
			return s
		}
		return s + " – " + e
	case x["given"] != nil || x["family"] != nil:
		if t := str("text"); t != "" {
			return t
		}
		return strings.TrimSpace(r.value(x["given"], depth+1) + " " + str("family"))
	case x["line"] != nil || x["city"] != nil:
		parts := []string{r.value(x["line"], depth+1), str("city"), str("state"), str("postalCode"), str("country")}
		return strings.Join(nonEmpty(parts), ", ")
	case x["contentType"] != nil && (x["url"] != nil || x["data"] != nil):
		if t := str("title"); t != "" {
			return t + " (" + str("contentType") + ")"
		}
		return "Attachment (" + str("contentType") + ")"
	}
	keys := make([]string, 0, len(x))
	for k := range x {
		if !skipped[k] {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		return fieldRank(keys[i]) < fieldRank(keys[j]) || (fieldRank(keys[i]) == fieldRank(keys[j]) && keys[i] < keys[j])
	})
	parts := []string{}
	for _, k := range keys {
		if s := r.value(x[k], depth+1); s != "" {
			parts = append(parts, label(k)+": "+s)
		}
	}
	return strings.Join(parts, ", ")
}

func nonEmpty(in []string) []string {
	out := in[:0]
	for _, s := range in {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// alsoFrom lists the person's other records of id's fact (one probe of
// summaries_person_fact).
func (s *Store) alsoFrom(ctx context.Context, id int64) ([]FactSource, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT o.resource, src.label, o.date FROM summaries s
JOIN summaries o ON o.person_id = s.person_id AND o.fact = s.fact AND o.resource != s.resource
JOIN sources src ON src.id = o.source_id WHERE s.resource = ? ORDER BY o.resource`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []FactSource{}
	for rows.Next() {
		var f FactSource
		if err := rows.Scan(&f.ID, &f.Source, &f.Date); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}
