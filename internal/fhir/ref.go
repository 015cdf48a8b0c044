package fhir

import "strings"

// ResolveRef maps a reference as written in a resource to "Type/id".
//
// Bundle-local references (urn:uuid:..., or an absolute URL that is some
// entry's fullUrl) resolve only against entries already read, so callers that
// need forward references should resolve after the file has been consumed;
// the map is kept for the Reader's lifetime for that reason. Contained
// ("#id"), conditional ("Patient?identifier=...") and logical references
// cannot name a stored resource and yield "".
func (r *Reader) ResolveRef(ref string) string {
	if t, ok := r.refs[ref]; ok {
		id := t.id
		if id == "" {
			id = ref[strings.LastIndexByte(ref, ':')+1:]
		}
		return t.typ + "/" + id
	}
	return ParseRef(ref)
}

// ParseRef resolves a relative ("Patient/123") or absolute
// ("https://x/fhir/Patient/123/_history/2") reference without any Bundle
// context; it is what Summarize uses when given no resolver.
func ParseRef(ref string) string {
	if ref == "" || ref[0] == '#' || strings.HasPrefix(ref, "urn:") || strings.ContainsAny(ref, "?# ") {
		return ""
	}
	if i := strings.Index(ref, "/_history/"); i >= 0 {
		ref = ref[:i]
	}
	ref = strings.TrimSuffix(ref, "/")
	i := strings.LastIndexByte(ref, '/')
	if i <= 0 {
		return ""
	}
	id := ref[i+1:]
	rest := ref[:i]
	typ := rest[strings.LastIndexByte(rest, '/')+1:]
	if !validType(typ) || !validID(id) {
		return ""
	}
	if len(typ)+1+len(id) == len(ref) {
		return ref // already relative: no allocation
	}
	return typ + "/" + id
}

func validType(s string) bool {
	if s == "" || s[0] < 'A' || s[0] > 'Z' {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// validID follows the FHIR id datatype: [A-Za-z0-9\-\.]{1,64}.
func validID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}
