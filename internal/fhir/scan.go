package fhir

import (
	"bytes"
	"encoding/json"
	"iter"
)

// The helpers in this file work on JSON that has already been checked with
// json.Valid (or on arbitrary bytes, where they must merely not panic or loop):
// they exist so that the hot paths (entry splitting, summaries) can pick a few
// fields out of a resource without building a map or reflecting into structs.

func isWS(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipWS(b []byte, i int) int {
	for i < len(b) && isWS(b[i]) {
		i++
	}
	return i
}

// skipString returns the index just past the closing quote of the string
// starting at b[i] (which must be '"'), or -1 if it is unterminated.
func skipString(b []byte, i int) int {
	j := i + 1
	for {
		k := bytes.IndexByte(b[j:], '"')
		if k < 0 {
			return -1
		}
		j += k
		// Count the backslashes in front of the quote: an odd number escapes it.
		n := 0
		for p := j - 1; p > i && b[p] == '\\'; p-- {
			n++
		}
		if n%2 == 0 {
			return j + 1
		}
		j++
	}
}

// skipValue returns the index just past the JSON value starting at b[i], or -1.
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				e := skipString(b, j)
				if e < 0 {
					return -1
				}
				j = e - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return -1
	default:
		j := i
		for j < len(b) {
			c := b[j]
			if c == ',' || c == '}' || c == ']' || isWS(c) {
				break
			}
			j++
		}
		if j == i {
			return -1
		}
		return j
	}
}

// nestingDepth reports the deepest object/array nesting in b, stopping early
// once limit is exceeded so that hostile input costs no more than it must.
func nestingDepth(b []byte, limit int) int {
	depth, max := 0, 0
	for j := 0; j < len(b); j++ {
		switch b[j] {
		case '"':
			e := skipString(b, j)
			if e < 0 {
				return max
			}
			j = e - 1
		case '{', '[':
			depth++
			if depth > max {
				max = depth
				if max > limit {
					return max
				}
			}
		case '}', ']':
			depth--
		}
	}
	return max
}

// objIter walks the members of one JSON object without allocating.
type objIter struct {
	b []byte
	i int
}

func newObjIter(b []byte) (objIter, bool) {
	i := skipWS(b, 0)
	if i >= len(b) || b[i] != '{' {
		return objIter{}, false
	}
	return objIter{b: b, i: i + 1}, true
}

// next returns the raw key (between the quotes, still escaped) and the raw value.
func (it *objIter) next() (key, val []byte, ok bool) {
	b := it.b
	i := skipWS(b, it.i)
	if i < len(b) && b[i] == ',' {
		i = skipWS(b, i+1)
	}
	if i >= len(b) || b[i] != '"' {
		it.i = len(b)
		return nil, nil, false
	}
	e := skipString(b, i)
	if e < 0 {
		it.i = len(b)
		return nil, nil, false
	}
	key = b[i+1 : e-1]
	i = skipWS(b, e)
	if i >= len(b) || b[i] != ':' {
		it.i = len(b)
		return nil, nil, false
	}
	i = skipWS(b, i+1)
	ve := skipValue(b, i)
	if ve < 0 {
		it.i = len(b)
		return nil, nil, false
	}
	it.i = ve
	return key, b[i:ve], true
}

// arrIter walks the elements of one JSON array without allocating.
type arrIter struct {
	b []byte
	i int
}

func newArrIter(b []byte) (arrIter, bool) {
	i := skipWS(b, 0)
	if i >= len(b) || b[i] != '[' {
		return arrIter{}, false
	}
	return arrIter{b: b, i: i + 1}, true
}

func (it *arrIter) next() ([]byte, bool) {
	b := it.b
	i := skipWS(b, it.i)
	if i < len(b) && b[i] == ',' {
		i = skipWS(b, i+1)
	}
	if i >= len(b) || b[i] == ']' {
		it.i = len(b)
		return nil, false
	}
	e := skipValue(b, i)
	if e < 0 {
		it.i = len(b)
		return nil, false
	}
	it.i = e
	return b[i:e], true
}

// field returns the raw value of key in object b, or nil.
func field(b []byte, key string) []byte {
	it, ok := newObjIter(b)
	if !ok {
		return nil
	}
	for {
		k, v, ok := it.next()
		if !ok {
			return nil
		}
		if string(k) == key {
			return v
		}
	}
}

// index returns element i of array b, or nil.
func index(b []byte, i int) []byte {
	it, ok := newArrIter(b)
	if !ok {
		return nil
	}
	for n := 0; ; n++ {
		v, ok := it.next()
		if !ok {
			return nil
		}
		if n == i {
			return v
		}
	}
}

// first returns b[0] when b is an array, else b itself, because FHIR elements
// that are 0..1 in one resource type are 0..* in another and the summary code
// wants to treat both alike.
func first(b []byte) []byte {
	i := skipWS(b, 0)
	if i < len(b) && b[i] == '[' {
		return index(b, 0)
	}
	return b
}

// jstr decodes a JSON string value; anything else yields "".
func jstr(v []byte) string {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return ""
	}
	in := v[1 : len(v)-1]
	if bytes.IndexByte(in, '\\') < 0 {
		return string(in)
	}
	var s string
	if json.Unmarshal(v, &s) != nil {
		return ""
	}
	return s
}

// isString reports whether the raw value is a JSON string.
func isString(v []byte) bool { return len(v) >= 2 && v[0] == '"' }

// Members yields each member of the JSON object raw in order: its key as
// sent (between the quotes, escapes not undone) and its value's raw bytes.
// It allocates nothing, for callers that look at a few members of every
// resource (olderfhir.Detect); it yields nothing when raw is not an object.
func Members(raw []byte) iter.Seq2[[]byte, []byte] {
	return func(yield func(key, val []byte) bool) {
		it, ok := newObjIter(raw)
		if !ok {
			return
		}
		for {
			k, v, ok := it.next()
			if !ok || !yield(k, v) {
				return
			}
		}
	}
}

// Elements yields each element of the JSON array raw (nothing when raw is
// not an array), as Members does for objects.
func Elements(raw []byte) iter.Seq[[]byte] {
	return func(yield func([]byte) bool) {
		it, ok := newArrIter(raw)
		if !ok {
			return
		}
		for {
			v, ok := it.next()
			if !ok || !yield(v) {
				return
			}
		}
	}
}
