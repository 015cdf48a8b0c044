package fhir

import (
	"encoding/json"
	"strconv"
)

// InlineAttachment is one Attachment (or Binary) carrying its bytes as
// base64 in "data", found inside a resource's raw JSON. Data is the raw
// JSON string's content between the quotes, still JSON-escaped and still
// base64: it points into the resource's bytes, so finding attachments
// copies nothing.
type InlineAttachment struct {
	Path        string // where it sits, e.g. "content[0].attachment" ("" for a Binary itself)
	ContentType string
	Title       string
	Data        []byte
}

// InlineAttachments calls fn for every object in raw that has a string
// "data" and a string "contentType": FHIR's rule att-1 says an Attachment
// with data has a contentType, and a Binary resource has the same two
// fields, so this finds DocumentReference.content[].attachment,
// DiagnosticReport.presentedForm[], Media.content, Binary, and an
// Attachment anywhere else (extensions, contained resources) without a list
// of element names. Walking stops below maxDepth levels of nesting (the
// import has already refused deeper resources) or when fn returns false.
func InlineAttachments(raw []byte, maxDepth int, fn func(InlineAttachment) bool) {
	i := skipWS(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return
	}
	end := skipValue(raw, i)
	if end < 0 {
		return
	}
	walkAttachments(raw[i:end], "", 0, maxDepth, fn)
}

func walkAttachments(v []byte, path string, depth, maxDepth int, fn func(InlineAttachment) bool) bool {
	if depth > maxDepth || len(v) == 0 {
		return true
	}
	switch v[0] {
	case '{':
		it, ok := newObjIter(v)
		if !ok {
			return true
		}
		var data, ct, title []byte
		var hasData, hasCT bool
		type child struct {
			key string
			val []byte
		}
		var kids []child
		for k, val, ok := it.next(); ok; k, val, ok = it.next() {
			switch string(k) {
			case "data":
				if len(val) >= 2 && val[0] == '"' {
					data, hasData = val[1:len(val)-1], true
				}
			case "contentType":
				if len(val) >= 2 && val[0] == '"' {
					ct, hasCT = val, true
				}
			case "title":
				if len(val) >= 2 && val[0] == '"' {
					title = val
				}
			}
			if len(val) > 0 && (val[0] == '{' || val[0] == '[') {
				kids = append(kids, child{string(k), val})
			}
		}
		if hasData && hasCT {
			if !fn(InlineAttachment{Path: path, ContentType: unquote(ct), Title: unquote(title), Data: data}) {
				return false
			}
		}
		for _, c := range kids {
			p := c.key
			if path != "" {
				p = path + "." + c.key
			}
			if !walkAttachments(c.val, p, depth+1, maxDepth, fn) {
				return false
			}
		}
	case '[':
		it, ok := newArrIter(v)
		if !ok {
			return true
		}
		n := 0
		for e, ok := it.next(); ok; e, ok = it.next() {
			if len(e) > 0 && (e[0] == '{' || e[0] == '[') {
				if !walkAttachments(e, path+"["+strconv.Itoa(n)+"]", depth+1, maxDepth, fn) {
					return false
				}
			}
			n++
		}
	}
	return true
}

// unquote decodes a raw JSON string token; "" when it is not one.
func unquote(tok []byte) string {
	if len(tok) < 2 {
		return ""
	}
	var s string
	if json.Unmarshal(tok, &s) != nil {
		return ""
	}
	return s
}
