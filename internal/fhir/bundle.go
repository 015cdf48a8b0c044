package fhir

import (
	"bytes"
	"encoding/json"
	"errors"
)

// Identity is what names one version of a resource: its type and id, and
// the server's meta.versionId and meta.lastUpdated when present.
type Identity struct {
	Type, ID    string
	VersionID   string
	LastUpdated string
}

// Key is "Type/id", or "" when either is missing.
func (id Identity) Key() string {
	if id.Type == "" || id.ID == "" {
		return ""
	}
	return id.Type + "/" + id.ID
}

// Identify reads a resource's identity from its top level without decoding
// the rest. raw need not be valid JSON; what cannot be read is "".
func Identify(raw []byte) Identity {
	var id Identity
	it, ok := newObjIter(raw)
	if !ok {
		return id
	}
	for k, v, ok := it.next(); ok; k, v, ok = it.next() {
		switch string(k) {
		case "resourceType":
			if id.Type == "" {
				id.Type = jstr(v)
			}
		case "id":
			id.ID = jstr(v)
		case "meta":
			id.VersionID = jstr(field(v, "versionId"))
			id.LastUpdated = jstr(field(v, "lastUpdated"))
		}
	}
	return id
}

// ErrNotJSON and ErrNotBundle say why a body is not a Bundle page; a server
// that answers with an HTML error page or a body cut short gets the first.
var (
	ErrNotJSON   = errors.New("not JSON")
	ErrNotBundle = errors.New("not a FHIR Bundle")
)

// Page is one Bundle read whole, as a FHIR server answers a search: small
// enough to hold in memory (files are streamed by Reader instead).
type Page struct {
	Type        string // Bundle.type ("searchset", "collection", ...)
	LastUpdated string // Bundle.meta.lastUpdated
	Next        string // link with relation "next", as written
	Entries     []Entry
}

// Entry is one Bundle entry.
type Entry struct {
	FullURL    string
	SearchMode string // entry.search.mode: "match", "include" or "outcome"
	Resource   []byte // the resource object as received (aliases the page body); nil when absent
	Identity
}

// Record reports whether the entry carries a record worth keeping: servers
// also put OperationOutcome entries (warnings about the search) in pages.
func (e Entry) Record() bool {
	return e.Type != "" && e.Type != "OperationOutcome" && e.SearchMode != "outcome"
}

// entryParts takes one Bundle entry apart: the streaming Reader and
// ParsePage read entries the same way. resource is the raw value (possibly
// not an object); ok is false when the entry itself is not an object.
func entryParts(e []byte) (fullURL, searchMode string, resource []byte, ok bool) {
	it, ok := newObjIter(e)
	if !ok {
		return "", "", nil, false
	}
	for {
		k, v, more := it.next()
		if !more {
			return fullURL, searchMode, resource, true
		}
		switch string(k) {
		case "fullUrl":
			fullURL = jstr(v)
		case "resource":
			resource = v
		case "search":
			searchMode = jstr(field(v, "mode"))
		}
	}
}

// ParsePage reads a whole Bundle. It fails with ErrNotJSON or ErrNotBundle.
func ParsePage(body []byte) (Page, error) {
	var p Page
	if !json.Valid(body) {
		return p, ErrNotJSON
	}
	it, ok := newObjIter(body)
	if !ok {
		return p, ErrNotBundle
	}
	isBundle := false
	for {
		k, v, ok := it.next()
		if !ok {
			break
		}
		switch string(k) {
		case "resourceType":
			isBundle = jstr(v) == "Bundle"
		case "type":
			p.Type = jstr(v)
		case "meta":
			p.LastUpdated = jstr(field(v, "lastUpdated"))
		case "link":
			links, _ := newArrIter(v)
			for l, ok := links.next(); ok; l, ok = links.next() {
				if jstr(field(l, "relation")) == "next" {
					p.Next = jstr(field(l, "url"))
				}
			}
		case "entry":
			entries, _ := newArrIter(v)
			for e, ok := entries.next(); ok; e, ok = entries.next() {
				var en Entry
				var r []byte
				en.FullURL, en.SearchMode, r, _ = entryParts(e)
				if len(r) > 0 && r[0] == '{' {
					en.Resource = r
					en.Identity = Identify(r)
				}
				p.Entries = append(p.Entries, en)
			}
		}
	}
	if !isBundle {
		return p, ErrNotBundle
	}
	return p, nil
}

// CollectionBundle writes entries as a collection Bundle: the form a file
// import stores in one transaction. Entries without a resource are left out.
func CollectionBundle(entries []Entry) []byte {
	var b bytes.Buffer
	b.WriteString(`{"resourceType":"Bundle","type":"collection","entry":[`)
	n := 0
	for _, e := range entries {
		if e.Resource == nil {
			continue
		}
		if n > 0 {
			b.WriteByte(',')
		}
		n++
		b.WriteByte('{')
		if e.FullURL != "" {
			u, _ := json.Marshal(e.FullURL)
			b.WriteString(`"fullUrl":`)
			b.Write(u)
			b.WriteByte(',')
		}
		b.WriteString(`"resource":`)
		b.Write(e.Resource)
		b.WriteByte('}')
	}
	b.WriteString("]}")
	return b.Bytes()
}
