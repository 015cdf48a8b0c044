package fhir

import (
	"net/url"
	"strings"
)

// RefKind says what form a reference was written in, which decides where
// (and whether) the resource it names can be found.
type RefKind int

const (
	RefInvalid     RefKind = iota // empty, malformed, or a form that names no resource
	RefRelative                   // "Patient/123" or "Patient/123/_history/2": on the server the resource came from
	RefAbsolute                   // "https://host/base/Patient/123[/_history/2]": on the server at Base
	RefUUID                       // "urn:uuid:…": a Bundle-local name, resolved through an entry's fullUrl
	RefOID                        // "urn:oid:…": a Bundle-local name, resolved through an entry's fullUrl
	RefContained                  // "#id": a resource contained in the referring one
	RefConditional                // "Patient?identifier=…": a search, not a name
)

func (k RefKind) String() string {
	switch k {
	case RefRelative:
		return "relative"
	case RefAbsolute:
		return "absolute"
	case RefUUID:
		return "urn:uuid"
	case RefOID:
		return "urn:oid"
	case RefContained:
		return "contained"
	case RefConditional:
		return "conditional"
	}
	return "invalid"
}

// Reference is a Reference.reference (or a Bundle entry's fullUrl) taken
// apart. This is the only place in the program that reads reference
// strings; everything else asks a Reference what it names.
type Reference struct {
	Kind    RefKind
	Type    string // resource type for relative, absolute and conditional forms
	ID      string // logical id; the local name for urn: and contained forms
	Version string // from a "/_history/<v>" suffix
	Base    string // service base of an absolute reference ("https://host/fhir"), without a trailing slash
	Raw     string // as written
}

// ParseReference takes a reference apart. It never fails: what it cannot
// read has Kind RefInvalid.
func ParseReference(s string) Reference {
	r := Reference{Raw: s}
	switch {
	case s == "":
		return r
	case s[0] == '#':
		if len(s) > 1 {
			r.Kind, r.ID = RefContained, s[1:]
		}
		return r
	case hasPrefixFold(s, "urn:uuid:"):
		if id := s[len("urn:uuid:"):]; id != "" && !strings.ContainsAny(id, " /?#") {
			r.Kind, r.ID = RefUUID, id
		}
		return r
	case hasPrefixFold(s, "urn:oid:"):
		if id := s[len("urn:oid:"):]; id != "" && !strings.ContainsAny(id, " /?#") {
			r.Kind, r.ID = RefOID, id
		}
		return r
	case strings.ContainsAny(s, " \t\r\n"):
		return r
	}
	if i, q := strings.Index(s, "://"), strings.IndexByte(s, '?'); i > 0 && (q < 0 || i < q) {
		return parseAbsolute(r)
	}
	if typ, query, ok := strings.Cut(s, "?"); ok {
		if validType(typ) && query != "" {
			r.Kind, r.Type = RefConditional, typ
		}
		return r
	}
	if strings.ContainsAny(s, "#:") {
		return r
	}
	typ, id, version, rest, ok := typeIDVersion(s)
	if !ok || rest != "" {
		return r // "a/Patient/1" is neither relative nor absolute
	}
	r.Kind, r.Type, r.ID, r.Version = RefRelative, typ, id, version
	return r
}

func parseAbsolute(r Reference) Reference {
	u, err := url.Parse(r.Raw)
	if err != nil || u.Host == "" || u.User != nil || u.Fragment != "" || (u.Scheme != "http" && u.Scheme != "https") {
		return r
	}
	path := strings.TrimSuffix(u.EscapedPath(), "/")
	if u.RawQuery != "" || u.ForceQuery {
		// https://host/fhir/Patient?identifier=… is a search on that server.
		if typ := path[strings.LastIndexByte(path, '/')+1:]; validType(typ) && u.RawQuery != "" {
			r.Kind, r.Type, r.Base = RefConditional, typ, u.Scheme+"://"+u.Host+path[:strings.LastIndexByte(path, '/')]
		}
		return r
	}
	typ, id, version, base, ok := typeIDVersion(path)
	if !ok {
		return r
	}
	r.Kind, r.Type, r.ID, r.Version = RefAbsolute, typ, id, version
	r.Base = u.Scheme + "://" + u.Host + base
	return r
}

// typeIDVersion reads "Type/id" or "Type/id/_history/v" from the end of p;
// rest is what precedes it (without the separating slash). It does not
// allocate: Summarize calls it for every reference of every resource.
func typeIDVersion(p string) (typ, id, version, rest string, ok bool) {
	last := func(s string) (head, seg string) {
		i := strings.LastIndexByte(s, '/')
		if i < 0 {
			return "", s
		}
		return s[:i], s[i+1:]
	}
	head, seg := last(p)
	if h2, s2 := last(head); s2 == "_history" && strings.Contains(head, "/") {
		if !validID(seg) {
			return "", "", "", "", false
		}
		version = seg
		head, seg = last(h2)
		if h2 == "" {
			return "", "", "", "", false
		}
	}
	id = seg
	rest, typ = last(head)
	if !strings.Contains(head, "/") {
		rest, typ = "", head
	}
	if !validType(typ) || !validID(id) {
		return "", "", "", "", false
	}
	return typ, id, version, rest, true
}

// Key is "Type/id" for references that name a resource by type and id
// (relative and absolute forms), else "".
func (r Reference) Key() string {
	if r.Kind != RefRelative && r.Kind != RefAbsolute {
		return ""
	}
	if r.Kind == RefRelative && r.Version == "" {
		return r.Raw // already "Type/id": no allocation on the hot path
	}
	return r.Type + "/" + r.ID
}

// BundleLocal reports whether the reference names a resource only through
// some Bundle entry's fullUrl (urn:uuid and urn:oid forms).
func (r Reference) BundleLocal() bool { return r.Kind == RefUUID || r.Kind == RefOID }

// OnServer reports whether the reference names a resource on the FHIR
// server whose service base is base: relative references always do;
// absolute ones when scheme, host and base path all agree. A reference to a
// foreign server must never be fetched with this server's token.
func (r Reference) OnServer(base *url.URL) bool {
	switch r.Kind {
	case RefRelative:
		return true
	case RefAbsolute:
		u, err := url.Parse(r.Base)
		if err != nil {
			return false
		}
		return strings.EqualFold(u.Scheme, base.Scheme) && strings.EqualFold(u.Host, base.Host) &&
			strings.TrimSuffix(u.EscapedPath(), "/") == strings.TrimSuffix(base.EscapedPath(), "/")
	}
	return false
}

// FullURLs maps a Bundle's fullUrls to the "Type/id" they name, in memory:
// right for a page or a test. A file of any size is resolved by the
// importer, which keeps this state in the vault rather than in memory.
type FullURLs map[string]string

// Add remembers one entry's fullUrl, unless it already says "Type/id".
func (m FullURLs) Add(fullURL, typ, id string) {
	if k := FullURLKey(fullURL, typ, id); k != "" {
		m[fullURL] = k
	}
}

// Resolve maps a reference to "Type/id" through the Bundle's fullUrls, else
// by its own form; "" when it names nothing known.
func (m FullURLs) Resolve(ref string) string {
	if k, ok := m[ref]; ok {
		return k
	}
	return ParseRef(ref)
}

// ParseRef resolves a relative or absolute reference to "Type/id" without
// any Bundle context; it is what Summarize uses when given no resolver.
func ParseRef(ref string) string { return ParseReference(ref).Key() }

// ResolveLocal is the resolver for code that sees one resource at a time:
// relative and absolute references become "Type/id"; Bundle-local (urn:)
// and every other form come back as written, for a caller that holds the
// Bundle's fullUrls to resolve later.
func ResolveLocal(ref string) string {
	if k := ParseReference(ref).Key(); k != "" {
		return k
	}
	return ref
}

// FullURLKey says what a Bundle entry's fullUrl must be remembered as for
// Bundle-local references to find the entry: "" when the fullUrl already
// says "Type/id" of this very resource (an absolute REST URL), so nothing
// needs keeping, else "Type/id".
func FullURLKey(fullURL, typ, id string) string {
	if fullURL == "" || typ == "" || id == "" {
		return ""
	}
	r := ParseReference(fullURL)
	if r.Kind == RefAbsolute && r.Type == typ && r.ID == id {
		return ""
	}
	return typ + "/" + id
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

func validType(s string) bool {
	if s == "" || len(s) > 64 || s[0] < 'A' || s[0] > 'Z' {
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

// References calls fn with every Reference.reference string in the resource
// (contained resources included), in document order. It walks the JSON
// structure rather than searching the bytes, so a "reference" inside a
// string value or narrative is not mistaken for one.
func References(raw []byte, fn func(ref string)) {
	w := walker{onRef: fn}
	if i := skipWS(raw, 0); i < len(raw) && raw[i] == '{' {
		w.value(raw, i, nil, 0)
	}
}
