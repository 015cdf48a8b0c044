package fastcheck

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// mutator derives invalid (and some still valid) resources from valid ones:
// the mistakes real exports make and the corners of jsonformat's rules.
type mutator struct {
	r    *rand.Rand
	pool []any // decoded fixture resources, for contained resources
}

type node struct {
	parent any // map[string]any or []any
	key    string
	index  int
	val    any
}

// nodes lists every value under v (not v itself) with where it sits.
func nodes(v any, out []node) []node {
	switch t := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys) // deterministic for a seed
		for _, k := range keys {
			out = append(out, node{parent: t, key: k, val: t[k]})
			out = nodes(t[k], out)
		}
	case []any:
		for i, e := range t {
			out = append(out, node{parent: t, index: i, val: e})
			out = nodes(e, out)
		}
	}
	return out
}

func (n node) set(v any) {
	switch p := n.parent.(type) {
	case map[string]any:
		p[n.key] = v
	case []any:
		p[n.index] = v
	}
}

// pick returns a copy: shared templates must not be mutated in place later.
func (m *mutator) pick(xs ...any) any { return clone(xs[m.r.Intn(len(xs))]) }

var (
	badDates = []any{"2020-13-01", "2020-02-30", "2019-02-29", "2020-00-10", "2020-1-1", "20200101", "2020-01-01T10:00",
		"2020-01-01T25:00:00Z", "2020-01-01T10:00:00+15:00", "2020-01-01T10:00:00.Z", "2020-01-01T10:00:00", "0000-01-01",
		"-2020", "2020", "2020-06", "2020-02-29", "2020-01-01T10:00:00.123456789Z", "2020-01-01T23:59:60Z",
		"2020-01-01T10:00:00+14:00", "2020-01-01T10:00:00-13:59", "2020-01-01T10:00:00+14:01", "2020-04-31",
		"2020-01-00", " 2020-01-01", "2020-01-01 ", "2020-01-01T10:00:00z", "10:00:00", "10:00", "24:00:00", "23:59:59.5",
		"2020-01-01T10:00:00.Z", "9999-12-31T23:59:59Z", "1000-01-01", "0999-01-01", "2020-01-01T", json.Number("2020"), ""}
	badCodes = []any{"MALE", "Male", "entered_in_error", "ENTERED-IN-ERROR", "not-a-code", "", " a", "a  b", "a b",
		"in progress", "final ", "\u0001", "ſinal", "<", "<=", "LESS_THAN", "less-than", "finaL", json.Number("1"), true}
	badNumbers = []any{json.Number("1.0"), "1.0", json.Number("1e5"), json.Number("-0"), json.Number("0"),
		json.Number("-1"), json.Number("2147483647"), json.Number("2147483648"), json.Number("4294967295"),
		json.Number("4294967296"), json.Number("-2147483648"), json.Number("-2147483649"), json.Number("1.5"),
		"1", json.Number("1E2"), json.Number("1e400"), json.Number("-1E309"), json.Number("1e-400"), json.Number("0.0000001"), json.Number("123456789012345678901234567890"), true}
	badIDs = []any{"bad id!", strings.Repeat("a", 64), strings.Repeat("a", 65), "", "a.b-c", "a_b", "é",
		"http://[::1", "%zz", "a b", "ok\u0001", "urn:uuid:0000", "urn:oid:1.2.3", "urn:oid:1..2", ":nope",
		"http://example.org:port/", "line\nbreak", "tab\there"}
	badB64 = []any{"abc", "YWJj", "YWJj ZGVm", "YW Jj ZG Vm", "YWJj  ZGVm ZGVm", "====", "YWJjZA==", "YWJjZA=", "!!!!", ""}
	refs   = []any{"Patient/x", "Practitioner/x", "Organization/1", "Patient/x/_history/1", "Patient/x/_history/bad id",
		"Patient/x/_history/", "#frag", "#", "urn:uuid:1234", "Foo/x", "a/b/c", "Patient/", "/x", "Patient/x\u0001",
		"Encounter/e1", "Location/l", "http://example.org/fhir/Patient/1", "",
		"ProcedureRequest/p", "ReferralRequest/r/_history/1", "MedicationOrder/m", "Sequence/s", "MolecularSequence/s"}
	extObjs = []any{
		map[string]any{},
		map[string]any{"extension": []any{map[string]any{"url": "http://e.org", "valueString": "x"}}},
		map[string]any{"extension": []any{map[string]any{"valueString": "x"}}},
		map[string]any{"id": "a1"},
		map[string]any{"value": "x"},
		map[string]any{"fooBar": 1},
	}
)

// scalarLike returns a replacement value of a random kind.
func (m *mutator) anyValue() any {
	switch m.r.Intn(10) {
	case 0:
		return m.pick(badDates...)
	case 1:
		return m.pick(badCodes...)
	case 2:
		return m.pick(badNumbers...)
	case 3:
		return m.pick(badIDs...)
	case 4:
		return m.pick(badB64...)
	case 5:
		return m.pick(refs...)
	case 6:
		return nil
	case 7:
		return []any{}
	case 8:
		return map[string]any{}
	}
	return m.pick(true, false, "text", json.Number("3"))
}

// mutate applies one random change to the resource res (in place).
func (m *mutator) mutate(res map[string]any) string {
	ns := nodes(res, nil)
	if len(ns) == 0 {
		return "none"
	}
	n := ns[m.r.Intn(len(ns))]
	switch op := m.r.Intn(22); op {
	case 0: // wrong JSON type or value anywhere
		n.set(m.anyValue())
		return "replace"
	case 1: // delete a key (missing required fields)
		if p, ok := n.parent.(map[string]any); ok {
			delete(p, n.key)
		}
		return "delete"
	case 2: // unknown field
		if p, ok := n.val.(map[string]any); ok {
			p[m.pick("fooBar", "Foo", "_fooBar", "valueFoo", "resourceType", "_", "").(string)] = m.anyValue()
		} else {
			res["unknownField"] = "x"
		}
		return "unknown"
	case 3: // upper-case first letter of a key
		if p, ok := n.parent.(map[string]any); ok && n.key != "" && n.key != "resourceType" {
			delete(p, n.key)
			p[strings.ToUpper(n.key[:1])+n.key[1:]] = n.val
		}
		return "upper"
	case 4: // dates everywhere a string is
		if _, ok := n.val.(string); ok {
			n.set(m.pick(badDates...))
		}
		return "date"
	case 5:
		if _, ok := n.val.(string); ok {
			n.set(m.pick(badCodes...))
		}
		return "code"
	case 6:
		if _, ok := n.val.(json.Number); ok {
			n.set(m.pick(badNumbers...))
		} else if _, ok := n.val.(string); ok {
			n.set(m.pick(badNumbers...))
		}
		return "number"
	case 7:
		if _, ok := n.val.(string); ok {
			n.set(m.pick(badIDs...))
		}
		return "id/uri"
	case 8: // choice: rename the suffix, or add a second value
		if p, ok := n.parent.(map[string]any); ok {
			for _, pre := range []string{"value", "effective", "onset", "occurrence", "performed", "medication", "abatement", "serviced", "location", "deceased", "multipleBirth"} {
				if strings.HasPrefix(n.key, pre) && len(n.key) > len(pre) {
					if m.r.Intn(2) == 0 {
						delete(p, n.key)
						p[pre+m.pick("Foo", "String", "Quantity", "DateTime", "Boolean", "string", "Reference", "CodeableConcept", "Period").(string)] = n.val
					} else {
						p[pre+m.pick("String", "Boolean", "Integer", "DateTime", "Period").(string)] = m.pick("x", true, json.Number("1"), "2020-01-01", map[string]any{"start": "2020"})
					}
					return "choice"
				}
			}
			p["valueString"] = "x"
		}
		return "choice"
	case 9: // primitive extension
		if p, ok := n.parent.(map[string]any); ok && !strings.HasPrefix(n.key, "_") {
			switch n.val.(type) {
			case []any:
				arr := n.val.([]any)
				size := len(arr) + m.r.Intn(2)*m.pick(0, 1, -1).(int)
				if size < 0 {
					size = 0
				}
				ext := make([]any, size)
				for i := range ext {
					ext[i] = m.pick(nil, extObjs[1], extObjs[0], "x")
				}
				p["_"+n.key] = ext
			default:
				p["_"+n.key] = m.pick(extObjs...)
				if m.r.Intn(4) == 0 {
					delete(p, n.key)
				}
			}
		}
		return "primext"
	case 10: // arrays vs scalars
		switch v := n.val.(type) {
		case []any:
			if len(v) > 0 {
				n.set(v[0])
			} else {
				n.set(nil)
			}
		default:
			n.set([]any{v})
		}
		return "array"
	case 11: // contained resources, sometimes nested, sometimes broken
		c := m.contained(2)
		if arr, ok := res["contained"].([]any); ok {
			res["contained"] = append(arr, c)
		} else {
			res["contained"] = []any{c}
		}
		return "contained"
	case 12: // references
		if p, ok := n.parent.(map[string]any); ok && n.key == "reference" {
			p["reference"] = m.pick(refs...)
		} else if p, ok := n.val.(map[string]any); ok {
			p["reference"] = m.pick(refs...)
		} else {
			res["subject"] = map[string]any{"reference": m.pick(refs...)}
		}
		return "reference"
	case 13: // base64
		if _, ok := n.val.(string); ok {
			n.set(m.pick(badB64...))
		}
		return "base64"
	case 14: // nulls
		n.set(nil)
		return "null"
	case 15: // control characters and escapes in strings
		if s, ok := n.val.(string); ok {
			n.set(s + m.pick("\u0001", "\t", "\u007f", "\u00e9", "\"", "\\", "\u2028", "\x0b").(string))
		}
		return "string"
	case 16: // empty containers
		n.set(m.pick([]any{}, map[string]any{}, ""))
		return "empty"
	case 17: // a second resourceType / an invalid one
		res["resourceType"] = m.pick("Patient", "Observation", "Bogus", "", json.Number("1"), nil, "patient")
		return "resourceType"
	case 18: // duplicate array entries with extension arrays of other lengths
		if arr, ok := n.val.([]any); ok && len(arr) > 0 {
			n.set(append(arr, arr[0]))
		}
		return "grow"
	case 19: // narrative
		res["text"] = map[string]any{"status": m.pick("generated", "bogus", "").(string), "div": m.pick("<div>x</div>", "", nil)}
		return "narrative"
	case 20: // bundle entries with resources
		if m.r.Intn(3) == 0 {
			for k := range res {
				delete(res, k)
			}
			res["resourceType"] = "Bundle"
			res["type"] = m.pick("collection", "bogus", "searchset").(string)
			res["entry"] = []any{map[string]any{"fullUrl": "urn:uuid:1", "resource": m.contained(1)}}
		}
		return "bundle"
	}
	// Deep contained resource with a mutation inside.
	c := m.contained(3)
	res["contained"] = []any{c}
	return "deep"
}

// contained returns a copy of a pool resource, possibly mutated, possibly
// holding contained resources of its own.
func (m *mutator) contained(depth int) map[string]any {
	src := m.pool[m.r.Intn(len(m.pool))]
	c := clone(src).(map[string]any)
	if depth > 0 && m.r.Intn(2) == 0 {
		c["contained"] = []any{m.contained(depth - 1)}
	}
	if m.r.Intn(2) == 0 {
		m.mutate(c)
	}
	return c
}

func clone(v any) any {
	switch t := v.(type) {
	case map[string]any:
		o := make(map[string]any, len(t))
		for k, e := range t {
			o[k] = clone(e)
		}
		return o
	case []any:
		o := make([]any, len(t))
		for i, e := range t {
			o[i] = clone(e)
		}
		return o
	}
	return v
}

func decode(raw []byte) (map[string]any, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var m map[string]any
	err := d.Decode(&m)
	return m, err
}

// encode writes JSON, half the time with resourceType first and unescaped
// HTML (as exports look), half with sorted keys and \u003c escapes.
func (m *mutator) encode(v map[string]any) []byte {
	if m.r.Intn(2) == 0 {
		b, _ := json.Marshal(v)
		return b
	}
	var buf bytes.Buffer
	writeFirst(&buf, v)
	return buf.Bytes()
}

func writeFirst(buf *bytes.Buffer, v any) {
	switch t := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool {
			if (keys[i] == "resourceType") != (keys[j] == "resourceType") {
				return keys[i] == "resourceType"
			}
			return keys[i] < keys[j]
		})
		buf.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				buf.WriteString(", ")
			}
			writeFirst(buf, k)
			buf.WriteString(": ")
			writeFirst(buf, t[k])
		}
		buf.WriteByte('}')
	case []any:
		buf.WriteByte('[')
		for i, e := range t {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeFirst(buf, e)
		}
		buf.WriteByte(']')
	default:
		e := json.NewEncoder(buf)
		e.SetEscapeHTML(false)
		_ = e.Encode(t)
		buf.Truncate(buf.Len() - 1) // Encode's newline
	}
}

func TestMutatedAgree(t *testing.T) {
	r := newReferee(t)
	base := fixtureResources(t, 0)
	// One resource of each type per file position keeps variety without
	// running jsonformat 14k times here (TestFixturesAgree does that).
	seed, cases := int64(12), 12000
	// FASTCHECK_SEED and FASTCHECK_CASES explore further than CI does.
	if v, err := strconv.ParseInt(os.Getenv("FASTCHECK_SEED"), 10, 64); err == nil {
		seed = v
	}
	if v, err := strconv.Atoi(os.Getenv("FASTCHECK_CASES")); err == nil {
		cases = v
	}
	m := &mutator{r: rand.New(rand.NewSource(seed))}
	var pool [][]byte
	seenType := map[string]int{}
	for _, raw := range base {
		res, err := decode(raw)
		if err != nil {
			t.Fatal(err)
		}
		rt, _ := res["resourceType"].(string)
		if seenType[rt] < 20 {
			seenType[rt]++
			pool = append(pool, raw)
			m.pool = append(m.pool, res)
		}
	}
	var tl tally
	ops := map[string]int{}
	failures := 0
	for i := 0; i < cases; i++ {
		res, _ := decode(pool[m.r.Intn(len(pool))])
		var what []string
		for j := 0; j <= m.r.Intn(3); j++ {
			what = append(what, m.mutate(res))
		}
		ops[strings.Join(what, "+")]++
		raw := m.encode(res)
		if p := r.judge(raw, &tl); p != "" {
			failures++
			if failures <= 20 {
				// Fixture data is synthetic, but print only the shape: the
				// mutation and the size, never the JSON.
				t.Errorf("mutated case %d (%s, %d bytes): %s", i, strings.Join(what, "+"), len(raw), p)
				if dir := os.Getenv("FASTCHECK_DUMP"); dir != "" {
					_ = os.WriteFile(filepath.Join(dir, fmt.Sprintf("case%d.json", i)), raw, 0o600)
				}
			}
		}
	}
	t.Logf("%d mutated resources: %d accepted, %d rejected, %d unsure (%d of them valid, %d invalid); unsure reasons %v",
		tl.n, tl.accept, tl.reject, tl.unsureOK+tl.unsureBad, tl.unsureOK, tl.unsureBad, tl.reasons)
	if failures > 0 {
		t.Fatalf("%d disagreements", failures)
	}
	// A mutator that leaves everything valid, or everything unsure, tests
	// nothing: require a real mix.
	if tl.reject < cases/4 || tl.accept < cases/10 {
		t.Fatalf("mutations too weak: %d rejected, %d accepted of %d", tl.reject, tl.accept, cases)
	}
	_ = fmt.Sprint
}
