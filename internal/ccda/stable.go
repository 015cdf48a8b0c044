package ccda

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sort"
	"strings"
)

// stableIDs gives the records the converter had to invent ids for (an
// entry without an id of its own, the patient, the authors) ids drawn from
// the records themselves, so the next document from the same provider —
// a newer CCD — names the same problem, the same patient, the same
// clinician with the same id: importing it adds what is new and leaves the
// rest unchanged, instead of storing every record a second time under
// another document's ids.
//
//   - A record with identifiers (a patient's MRN, a clinician's NPI, an
//     entry's id) is known by its type and identifiers.
//   - One without is known by its type and content, where references to
//     other invented ids count only by their type (their ids are being
//     chosen at the same time).
//   - Documents reuse identifiers (the HL7 example CCD gives its smoking
//     status and a procedure's observation the same id): records of a type
//     that share identifiers but differ are known by their identifiers and
//     code (what they are, which a newer document keeps), else by their
//     content. Each keeps its own id, and references to it reach it.
//
// Ids the document gave (entry ids that are UUIDs) are kept. References
// are rewritten to the new ids. Two different records that still come out
// with one id are told apart afterwards by normalise (id-2…), which cannot
// tell which of them a reference meant.
func stableIDs(resources []json.RawMessage, invented map[string]bool) []json.RawMessage {
	if len(invented) == 0 {
		return resources
	}
	type rec struct {
		v        map[string]any
		typ, old string
	}
	recs := make([]*rec, len(resources))
	renamed := map[string]string{} // old id → new id (ids are UUIDs: unique across types)
	named := map[string][]*rec{}   // new id → the records given it
	for i, raw := range resources {
		var v map[string]any
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		if d.Decode(&v) != nil {
			continue
		}
		typ, _ := v["resourceType"].(string)
		id, _ := v["id"].(string)
		recs[i] = &rec{v: v, typ: typ, old: id}
		if !invented[id] || typ == "" {
			continue
		}
		n := typ + "-" + identity(typ, v, invented, byIdentifiers)
		renamed[id] = n
		named[n] = append(named[n], recs[i])
	}
	// Different records under one id (shared identifiers) are known by their
	// code too, or, where that is shared as well, by their content.
	for _, group := range named {
		content := func(r *rec) string { return identity(r.typ, r.v, invented, byContent) }
		if len(group) < 2 || same(group, content) {
			continue // one record, or the same one twice (normalise keeps one)
		}
		codes := map[string]int{}
		for _, r := range group {
			codes[identity(r.typ, r.v, invented, byCode)]++
		}
		for _, r := range group {
			n := identity(r.typ, r.v, invented, byCode)
			if codes[n] > 1 {
				n = content(r)
			}
			renamed[r.old] = r.typ + "-" + n
		}
	}
	out := make([]json.RawMessage, len(resources))
	for i, r := range recs {
		if r == nil {
			out[i] = resources[i]
			continue
		}
		if n, ok := renamed[r.old]; ok {
			r.v["id"] = n
		}
		relink(r.v, renamed)
		b, err := json.Marshal(r.v)
		if err != nil {
			out[i] = resources[i]
			continue
		}
		out[i] = b
	}
	return out
}

// detail is how much of a record its identity reads.
type detail int

const (
	byIdentifiers detail = iota // its identifiers, else its content
	byCode                      // its identifiers and code, else its content
	byContent                   // its content
)

// same says whether key gives every record of a group the same value.
func same[T any](group []T, key func(T) string) bool {
	for _, r := range group[1:] {
		if key(r) != key(group[0]) {
			return false
		}
	}
	return true
}

// identity is a record's id from what it is: its identifiers when it has
// any (with its code, byCode), else its content. 24 hex digits keep the id
// well within FHIR's 64 characters with the type before it.
func identity(typ string, v map[string]any, invented map[string]bool, by detail) string {
	h := sha256.New()
	h.Write([]byte(typ))
	h.Write([]byte{0})
	if ids, ok := v["identifier"].([]any); ok && len(ids) > 0 && by != byContent {
		keys := make([]string, 0, len(ids))
		for _, x := range ids {
			m, _ := x.(map[string]any)
			sys, _ := m["system"].(string)
			val, _ := m["value"].(string)
			if val != "" {
				keys = append(keys, sys+"|"+val)
			}
		}
		if len(keys) > 0 {
			sort.Strings(keys)
			h.Write([]byte("identifiers\x00" + strings.Join(keys, "\x00")))
			if by == byCode {
				code, _ := json.Marshal(v["code"]) // sorted keys: the same code, the same bytes
				h.Write([]byte("\x00code\x00"))
				h.Write(code)
			}
			return hex.EncodeToString(h.Sum(nil))[:24]
		}
	}
	c := clone(v)
	delete(c, "id")
	blind(c, invented)
	b, _ := json.Marshal(c) // map keys are sorted: the same content, the same bytes
	h.Write([]byte("content\x00"))
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))[:24]
}

// blind replaces references to invented ids by their type alone.
func blind(v any, invented map[string]bool) {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			if s, ok := val.(string); ok && k == "reference" {
				if typ, id, ok := splitRef(s); ok && invented[id] {
					x[k] = typ
				}
				continue
			}
			blind(val, invented)
		}
	case []any:
		for _, val := range x {
			blind(val, invented)
		}
	}
}

// relink points references at the renamed ids.
func relink(v any, renamed map[string]string) {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			if s, ok := val.(string); ok && k == "reference" {
				if typ, id, ok := splitRef(s); ok {
					if n, ok := renamed[id]; ok {
						if typ == "urn:uuid" {
							x[k] = "urn:uuid:" + n
						} else {
							x[k] = typ + "/" + n
						}
					}
				}
				continue
			}
			relink(val, renamed)
		}
	case []any:
		for _, val := range x {
			relink(val, renamed)
		}
	}
}

// splitRef reads "Type/id" or "urn:uuid:id".
func splitRef(s string) (typ, id string, ok bool) {
	if rest, found := strings.CutPrefix(s, "urn:uuid:"); found {
		return "urn:uuid", rest, true
	}
	typ, id, ok = strings.Cut(s, "/")
	return typ, id, ok && !strings.Contains(id, "/")
}

// clone copies a decoded JSON value deeply.
func clone(v map[string]any) map[string]any {
	b, _ := json.Marshal(v)
	var c map[string]any
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	d.Decode(&c)
	return c
}
