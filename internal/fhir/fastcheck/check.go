package fastcheck

import (
	"encoding/base64"
	"math"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// Result is the fast check's answer about one resource.
type Result uint8

const (
	// Accept: jsonformat's validating unmarshal accepts the resource.
	Accept Result = iota
	// Reject: the resource breaks a rule jsonformat enforces.
	Reject
	// Unsure: the resource uses something the fast path does not model;
	// only jsonformat can tell.
	Unsure
)

func (r Result) String() string {
	switch r {
	case Accept:
		return "accept"
	case Reject:
		return "reject"
	}
	return "unsure"
}

// Verdict is a Result with a short, value-free reason (a constant string:
// never any part of the input).
type Verdict struct {
	Result Result
	Reason string
}

// Checker checks resources against the schema. It is safe for concurrent
// use: per-call scratch space comes from a pool.
type Checker struct {
	s    *Schema
	pool sync.Pool
}

// New returns a Checker over the process-wide schema (built on first use).
func New() (*Checker, error) {
	s, err := Load()
	if err != nil {
		return nil, err
	}
	return NewWith(s), nil
}

// NewWith returns a Checker over s.
func NewWith(s *Schema) *Checker {
	c := &Checker{s: s}
	c.pool.New = func() any { return &walker{s: s, cache: map[string]bool{}} }
	return c
}

// Schema returns the schema the checker uses.
func (c *Checker) Schema() *Schema { return c.s }

// Check walks one resource's JSON.
func (c *Checker) Check(raw []byte) Verdict {
	w := c.pool.Get().(*walker)
	w.b, w.i, w.depth, w.reason = raw, 0, 0, ""
	r := w.top()
	v := Verdict{Result: r, Reason: w.reason}
	w.b = nil
	if cap(w.scratch) > 1<<20 {
		w.scratch = nil // do not keep a large narrative's buffer alive
	}
	if cap(w.b64) > 1<<20 {
		w.b64 = nil
	}
	c.pool.Put(w)
	return v
}

const maxDepth = 100
const memoMax = 4096
const maxStringSize = 1024 * 1024 // jsonpbhelper.maxStringSize

type walker struct {
	s       *Schema
	b       []byte
	i       int
	depth   int
	reason  string
	scratch []byte
	b64     []byte
	cache   map[string]bool
	mkey    []byte
}

func (w *walker) no(r Result, why string) Result {
	w.reason = why
	return r
}

func (w *walker) ws() {
	for w.i < len(w.b) {
		switch w.b[w.i] {
		case ' ', '\t', '\n', '\r':
			w.i++
		default:
			return
		}
	}
}

func (w *walker) peek() byte {
	w.ws()
	if w.i >= len(w.b) {
		return 0
	}
	return w.b[w.i]
}

func (w *walker) top() Result {
	if w.peek() != '{' {
		return w.no(Unsure, "not a JSON object")
	}
	if r := w.resource(true); r != Accept {
		return r
	}
	w.ws()
	if w.i != len(w.b) {
		return w.no(Unsure, "data after the object")
	}
	return Accept
}

// str scans the JSON string at w.i. ok is false for anything the fast path
// does not decode exactly as jsoniter would (raw control characters,
// invalid UTF-8, surrogate escapes, bad escapes).
func (w *walker) str() (start, end int, esc, ok bool) {
	w.i++ // opening quote
	start = w.i
	for w.i < len(w.b) {
		c := w.b[w.i]
		switch {
		case c == '"':
			end = w.i
			w.i++
			return start, end, esc, true
		case c == '\\':
			esc = true
			if w.i+1 >= len(w.b) {
				return 0, 0, false, false
			}
			switch w.b[w.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				w.i += 2
			case 'u':
				if w.i+6 > len(w.b) {
					return 0, 0, false, false
				}
				r, good := hex4(w.b[w.i+2 : w.i+6])
				if !good || (r >= 0xD800 && r <= 0xDFFF) {
					return 0, 0, false, false
				}
				w.i += 6
			default:
				return 0, 0, false, false
			}
		case c < 0x20:
			return 0, 0, false, false
		case c < 0x80:
			w.i++
		default:
			r, n := utf8.DecodeRune(w.b[w.i:])
			if r == utf8.RuneError && n <= 1 {
				return 0, 0, false, false
			}
			w.i += n
		}
	}
	return 0, 0, false, false
}

func hex4(b []byte) (rune, bool) {
	var r rune
	for _, c := range b {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, false
		}
	}
	return r, true
}

// decoded returns the string's value, unescaping into scratch when needed.
// The result is valid until the next call.
func (w *walker) decoded(start, end int, esc bool) []byte {
	if !esc {
		return w.b[start:end]
	}
	out := w.scratch[:0]
	s := w.b[start:end]
	for i := 0; i < len(s); {
		c := s[i]
		if c != '\\' {
			out = append(out, c)
			i++
			continue
		}
		switch s[i+1] {
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, _ := hex4(s[i+2 : i+6])
			out = utf8.AppendRune(out, r)
			i += 6
			continue
		default:
			out = append(out, s[i+1])
		}
		i += 2
	}
	w.scratch = out
	return out
}

// number scans a strict RFC 8259 number.
func (w *walker) number() (start, end int, ok bool) {
	start = w.i
	b := w.b
	i := w.i
	if i < len(b) && b[i] == '-' {
		i++
	}
	if i >= len(b) {
		return 0, 0, false
	}
	if b[i] == '0' {
		i++
	} else if b[i] >= '1' && b[i] <= '9' {
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	} else {
		return 0, 0, false
	}
	if i < len(b) && b[i] == '.' {
		i++
		d := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == d {
			return 0, 0, false
		}
	}
	exp := false
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		exp = true
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		d := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == d {
			return 0, 0, false
		}
	}
	// jsoniter validates every number it skips that is not plain digits
	// (sign, exponent) by reading it as a float64, and reports a value beyond
	// float64's range as invalid JSON (its big-float retry starts after the
	// number). Leave those to jsonformat.
	if exp || i-start > 300 {
		if _, err := strconv.ParseFloat(string(b[start:i]), 64); err != nil {
			return 0, 0, false
		}
	}
	w.i = i
	return start, i, true
}

func (w *walker) literal(lit string) bool {
	if len(w.b)-w.i >= len(lit) && string(w.b[w.i:w.i+len(lit)]) == lit {
		w.i += len(lit)
		return true
	}
	return false
}

// scalar scans one non-container token and returns its raw bounds.
func (w *walker) scalar() (start, end int, ok bool) {
	start = w.i
	if w.i >= len(w.b) {
		return 0, 0, false
	}
	switch c := w.b[w.i]; {
	case c == '"':
		if _, _, _, good := w.str(); !good {
			return 0, 0, false
		}
	case c == 't':
		ok = w.literal("true")
		return start, w.i, ok
	case c == 'f':
		ok = w.literal("false")
		return start, w.i, ok
	case c == 'n':
		ok = w.literal("null")
		return start, w.i, ok
	default:
		s, e, good := w.number()
		return s, e, good
	}
	return start, w.i, true
}

// skip scans any value strictly; false means Unsure.
func (w *walker) skip() bool {
	switch w.peek() {
	case 0:
		return false
	case '{', '[':
		w.depth++
		if w.depth > maxDepth {
			return false
		}
		open := w.b[w.i]
		w.i++
		if (open == '{' && w.peek() == '}') || (open == '[' && w.peek() == ']') {
			w.i++
			w.depth--
			return true
		}
		for {
			if open == '{' {
				if w.peek() != '"' {
					return false
				}
				if _, _, _, ok := w.str(); !ok {
					return false
				}
				if w.peek() != ':' {
					return false
				}
				w.i++
			}
			if !w.skip() {
				return false
			}
			switch w.peek() {
			case ',':
				w.i++
			case '}':
				if open != '{' {
					return false
				}
				w.i++
				w.depth--
				return true
			case ']':
				if open != '[' {
					return false
				}
				w.i++
				w.depth--
				return true
			default:
				return false
			}
		}
	default:
		_, _, ok := w.scalar()
		return ok
	}
}

// resource checks a resource object: what jsonformat's parseContainedResource
// does with it. full is false inside "contained", whose resources jsonformat
// packs into google.protobuf.Any and so never runs fhirvalidate on.
func (w *walker) resource(full bool) Result {
	start := w.i
	w.i++ // {
	var m *message
	for {
		c := w.peek()
		if c == '}' {
			return w.no(Reject, "missing resourceType")
		}
		if c != '"' {
			return w.no(Unsure, "malformed object")
		}
		ks, ke, esc, ok := w.str()
		if !ok || esc {
			return w.no(Unsure, "escaped key")
		}
		if w.peek() != ':' {
			return w.no(Unsure, "malformed object")
		}
		w.i++
		if string(w.b[ks:ke]) == "resourceType" {
			if w.peek() != '"' {
				// Not a string: jsoniter cannot read it as one (a null
				// reads as "", no resource type either), if the JSON is
				// sound at all.
				if !w.skip() {
					return w.no(Unsure, "malformed JSON")
				}
				return w.no(Reject, "invalid resource type")
			}
			s, e, esc, ok := w.str()
			if !ok || esc {
				return w.no(Unsure, "escaped resourceType")
			}
			m = w.s.resources[string(w.b[s:e])]
			if m == nil {
				return w.no(Reject, "unknown resource type")
			}
			break
		}
		if !w.skip() {
			return w.no(Unsure, "malformed JSON")
		}
		if w.peek() == ',' {
			w.i++
			continue
		}
		return w.no(Reject, "missing resourceType")
	}
	w.i = start
	return w.object(m, full, nil, true)
}

// seen records one key of the object being walked.
type seen struct {
	k       *key
	idx     int
	opt     int
	under   bool
	n       int // elements, for repeated fields
	values  int // elements (or the one value) given as a JSON scalar
	novalue int // elements given as an object or null: no primitive value
}

func upperAtNorm(k []byte) bool {
	if len(k) > 0 && k[0] == '_' {
		k = k[1:]
	}
	return len(k) > 0 && k[0] >= 'A' && k[0] <= 'Z'
}

// object walks one JSON object against m, as jsonformat's mergeMessage and
// then fhirvalidate (when full) treat it. ref is the key holding it when m is
// the Reference datatype.
func (w *walker) object(m *message, full bool, ref *key, isResource bool) Result {
	w.depth++
	if w.depth > maxDepth {
		return w.no(Unsure, "nested too deep")
	}
	w.i++ // {
	var arr [16]seen
	ents := arr[:0]
	rtSeen := false
	refStart, refEnd := -1, -1
	if w.peek() == '}' {
		w.i++
	} else {
		for {
			if w.peek() != '"' {
				return w.no(Unsure, "malformed object")
			}
			ks, ke, esc, ok := w.str()
			if !ok || esc {
				return w.no(Unsure, "escaped key")
			}
			if w.peek() != ':' {
				return w.no(Unsure, "malformed object")
			}
			w.i++
			kb := w.b[ks:ke]
			if isResource && string(kb) == "resourceType" {
				if rtSeen {
					return w.no(Unsure, "duplicate key")
				}
				rtSeen = true
				if !w.skip() {
					return w.no(Unsure, "malformed JSON")
				}
			} else {
				k := m.fields[string(kb)]
				if k == nil {
					if upperAtNorm(kb) {
						return w.no(Unsure, "upper-case key")
					}
					return w.no(Reject, "unknown field")
				}
				if k.unsure {
					return w.no(Unsure, "unmodelled field")
				}
				if k.scalar {
					return w.no(Reject, "invalid field")
				}
				for j := range ents {
					if ents[j].idx != k.idx {
						continue
					}
					if k.choice && ents[j].opt != k.opt {
						return w.no(Reject, "multiple values for a choice")
					}
					if ents[j].under == k.under {
						return w.no(Unsure, "duplicate key")
					}
				}
				e := seen{k: k, idx: k.idx, opt: k.opt, under: k.under}
				if k.refURI {
					if k.under {
						// NormalizeReference drops these extensions when it
						// turns the uri into a fragment or typed id, so
						// fhirvalidate may never see them: not modelled.
						return w.no(Unsure, "extensions on a reference")
					} else if w.peek() == '"' {
						refStart = w.i
					}
				}
				if r := w.field(k, full, &e); r != Accept {
					return r
				}
				if k.refURI && !k.under && refStart >= 0 {
					refEnd = w.i
				}
				ents = append(ents, e)
			}
			switch w.peek() {
			case ',':
				w.i++
				continue
			case '}':
				w.i++
			default:
				return w.no(Unsure, "malformed object")
			}
			break
		}
	}
	w.depth--
	// Keys naming the same field: "x" with "_x".
	for a := range ents {
		for b := a + 1; b < len(ents); b++ {
			if ents[a].idx != ents[b].idx {
				continue
			}
			ea, eb := &ents[a], &ents[b]
			if ea.n != eb.n {
				if ea.n > 0 && eb.n > 0 {
					return w.no(Reject, "array length mismatch")
				}
				// jsonformat's verdict then depends on map order.
				return w.no(Unsure, "empty array beside its extensions")
			}
			if ea.values > 0 && eb.values > 0 {
				return w.no(Unsure, "two values for one primitive")
			}
		}
	}
	if !full {
		if m.reference && refStart >= 0 {
			// Normalising the reference happens while parsing, so its
			// failure counts inside contained resources too.
			return w.reference(ref, refStart, refEnd, false)
		}
		return Accept
	}
	// fhirvalidate on a primitive without a value (only extensions).
	for a := range ents {
		k := &ents[a]
		pk := k.k
		if pk.msg == nil || pk.msg.prim == pNone || pk.msg.emptyOK {
			continue
		}
		values, novalue, other := k.values, k.novalue, false
		for b := range ents {
			if b != a && ents[b].idx == k.idx {
				values += ents[b].values
				novalue += ents[b].novalue
				other = true
			}
		}
		if pk.repeated {
			if other && novalue > 0 {
				return w.no(Unsure, "extension-only element")
			}
			if novalue > 0 {
				return w.no(Reject, "primitive without a value")
			}
		} else if values == 0 {
			return w.no(Reject, "primitive without a value")
		}
	}
	for _, idx := range m.required {
		present := false
		for a := range ents {
			if ents[a].idx == idx && ents[a].n > 0 {
				present = true
			}
		}
		if !present {
			return w.no(Reject, "missing required field")
		}
	}
	if m.reference && refStart >= 0 {
		return w.reference(ref, refStart, refEnd, true)
	}
	return Accept
}

// reference mirrors jsonformat.NormalizeReference and then fhirvalidate's
// reference-type and string checks. The "reference" string is at [s, e).
func (w *walker) reference(ref *key, s, e int, full bool) Result {
	back := w.i
	w.i = s
	st, en, esc, _ := w.str()
	w.i = back
	v := w.decoded(st, en, esc)
	if len(v) == 0 {
		return Accept
	}
	if v[0] == '#' {
		if !full {
			return Accept
		}
		return w.checkString(v[1:])
	}
	// strings.Split(uri, "/"): two parts, or four with "_history".
	parts := 1
	for _, c := range v {
		if c == '/' {
			parts++
		}
	}
	var typ, hist []byte
	switch parts {
	case 2, 4:
		i := indexByte(v, '/')
		typ = v[:i]
		rest := v[i+1:]
		if parts == 4 {
			j := indexByte(rest, '/')
			r2 := rest[j+1:]
			k := indexByte(r2, '/')
			if string(r2[:k]) != "_history" {
				typ = nil
			} else {
				hist = r2[k+1:]
			}
		}
	}
	if typ != nil {
		if _, bad := w.s.refBad[string(typ)]; bad {
			return w.no(Reject, "invalid reference")
		}
		if _, ok := w.s.refTypes[string(typ)]; !ok {
			typ = nil
		}
	}
	if !full {
		return Accept
	}
	if typ == nil {
		return w.checkString(v)
	}
	// Typed: the uri is replaced by a ReferenceId, whose value fhirvalidate
	// does not check (only its history Id).
	if hist != nil && !w.s.idRegex.Match(hist) {
		return w.no(Reject, "invalid Id format")
	}
	if ref == nil || len(ref.refTypes) == 0 || ref.refAny {
		return Accept
	}
	for _, t := range ref.refTypes {
		if t == string(typ) {
			return Accept
		}
	}
	return w.no(Reject, "invalid reference type")
}

func indexByte(b []byte, c byte) int {
	for i := range b {
		if b[i] == c {
			return i
		}
	}
	return -1
}

// field walks the value of one key.
func (w *walker) field(k *key, full bool, e *seen) Result {
	c := w.peek()
	if !k.repeated {
		e.n = 1
		return w.single(k, full, e)
	}
	switch c {
	case '[':
	case 'n':
		return w.no(Unsure, "null")
	default:
		return w.no(Reject, "expected array")
	}
	w.i++
	if w.peek() == ']' {
		w.i++
		return Accept
	}
	for {
		if r := w.single(k, full, e); r != Accept {
			return r
		}
		e.n++
		switch w.peek() {
		case ',':
			w.i++
		case ']':
			w.i++
			return Accept
		default:
			return w.no(Unsure, "malformed array")
		}
	}
}

// single walks one value (or one array element) of key k.
func (w *walker) single(k *key, full bool, e *seen) Result {
	m := k.msg
	c := w.peek()
	if c == 0 {
		return w.no(Unsure, "truncated")
	}
	switch {
	case m.prim != pNone:
		switch c {
		case '{':
			e.novalue++
			if m.noExtension {
				return w.no(Reject, "extensions on a primitive without them")
			}
			return w.object(m, full, nil, false)
		case '[':
			return w.no(Reject, "array for a primitive")
		case 'n':
			if !w.literal("null") {
				return w.no(Unsure, "malformed JSON")
			}
			e.novalue++
			if !w.nullOK(m) {
				return w.no(Reject, "null primitive")
			}
			return Accept
		}
		if k.under {
			// A value under "_x": with an "x" beside it, jsonformat keeps
			// whichever its map iteration merges last.
			return w.no(Unsure, "value under an extension key")
		}
		e.values++
		return w.primitive(m, full, k.refURI)
	case m.contained, m.anyMsg:
		if c == '{' {
			return w.resource(full && m.contained)
		}
		if c == 'n' {
			return w.no(Unsure, "null")
		}
		return w.no(Reject, "expected a resource")
	default:
		if c == '{' {
			var ref *key
			if m.reference {
				ref = k
			}
			return w.object(m, full, ref, false)
		}
		if c == 'n' {
			return w.no(Unsure, "null")
		}
		return w.no(Reject, "expected an object")
	}
}

func (w *walker) nullOK(m *message) bool {
	switch {
	case m.prim.isJSONString(), m.prim == pBoolean, m.prim == pInteger, m.prim == pStringCode:
		return true
	case m.prim == pEnumCode:
		_, ok := m.enum.orig[""]
		return ok
	}
	return false
}

// primitive checks one scalar primitive value: jsonformat's
// parsePrimitiveType and, when full, fhirvalidate.validatePrimitives.
func (w *walker) primitive(m *message, full, deferRef bool) Result {
	c := w.b[w.i]
	k := m.prim
	if k == pUnsupported {
		return w.no(Unsure, "unmodelled primitive")
	}
	if k.isJSONString() {
		if c != '"' {
			return w.no(Reject, "expected a string")
		}
		s, e, esc, ok := w.str()
		if !ok {
			return w.no(Unsure, "string not decoded")
		}
		if !full || deferRef {
			return Accept
		}
		if m.valueRequired && e == s {
			return w.no(Reject, "missing required value")
		}
		v := w.decoded(s, e, esc)
		switch k {
		case pString:
			return w.checkString(v)
		case pID, pOid, pUuid:
			// Mostly unique values: remembering them would only churn.
			if !m.regex.Match(v) {
				return w.no(Reject, "invalid format")
			}
		case pCode:
			if !w.memo(byte(k), v, m) {
				return w.no(Reject, "invalid format")
			}
		case pURI, pURL, pCanonical:
			if !w.memo(byte(k), v, m) {
				return w.no(Reject, "invalid uri")
			}
		}
		return Accept
	}
	switch k {
	case pBoolean:
		if w.literal("true") || w.literal("false") {
			return Accept
		}
		return w.exactToken(m, full)
	case pInteger, pPositiveInt, pUnsignedInt, pDecimal:
		if c != '-' && (c < '0' || c > '9') {
			return w.exactToken(m, full)
		}
		s, e, ok := w.number()
		if !ok {
			return w.no(Unsure, "malformed number")
		}
		raw := w.b[s:e]
		if k == pDecimal {
			if !m.regex.Match(raw) {
				return w.no(Reject, "expected decimal")
			}
			return Accept
		}
		return w.integer(m, raw, full)
	case pDate, pDateTime, pInstant, pTime, pEnumCode, pStringCode, pBase64:
		if c != '"' {
			return w.exactToken(m, full)
		}
		s, e, esc, ok := w.str()
		if !ok {
			return w.no(Unsure, "string not decoded")
		}
		switch k {
		case pBase64:
			// parseBinary works on the raw JSON text, escapes included.
			if !w.base64(w.b[s:e]) {
				return w.no(Reject, "expected binary data")
			}
			return Accept
		case pStringCode:
			return Accept
		}
		v := w.decoded(s, e, esc)
		switch k {
		case pEnumCode:
			if !enumOK(m.enum, v) {
				return w.no(Reject, "code type mismatch")
			}
		case pDate:
			if !fastDate(v) && !exactDate(string(v)) {
				return w.no(Reject, "expected date")
			}
		case pDateTime:
			if !fastDateTime(v) && !exactDateTime(string(v)) {
				return w.no(Reject, "expected datetime")
			}
		case pInstant:
			if !fastInstant(v) && !exactInstant(string(v)) {
				return w.no(Reject, "expected instant")
			}
		case pTime:
			if !exactTime(string(v)) {
				return w.no(Reject, "invalid time")
			}
		}
		return Accept
	}
	return w.no(Unsure, "unmodelled primitive")
}

// exactToken runs jsonformat's own decoding on an unusual token (a string
// where a number is expected, …).
func (w *walker) exactToken(m *message, full bool) Result {
	s, e, ok := w.scalar()
	if !ok {
		return w.no(Unsure, "malformed JSON")
	}
	if !exactPrimitive(m, w.b[s:e], full) {
		return w.no(Reject, "wrong JSON type for a primitive")
	}
	return Accept
}

// integer: canonical digits are decided here; anything else by the exact
// jsoniter path.
func (w *walker) integer(m *message, raw []byte, full bool) Result {
	k := m.prim
	neg := raw[0] == '-'
	d := raw
	if neg {
		d = raw[1:]
	}
	canonical := len(d) > 0 && len(d) <= 10 && (d[0] != '0' || len(d) == 1)
	for _, c := range d {
		if c < '0' || c > '9' {
			canonical = false
		}
	}
	if !canonical {
		if !exactPrimitive(m, raw, full) {
			return w.no(Reject, "invalid integer")
		}
		return Accept
	}
	var v uint64
	for _, c := range d {
		v = v*10 + uint64(c-'0')
	}
	switch k {
	case pInteger:
		if (!neg && v > math.MaxInt32) || (neg && v > -math.MinInt32) {
			return w.no(Reject, "expected integer")
		}
	case pPositiveInt, pUnsignedInt:
		if neg || (k == pPositiveInt && v == 0) || v > math.MaxUint32 {
			return w.no(Reject, "expected non-negative integer")
		}
		if full && v > math.MaxInt32 {
			return w.no(Reject, "integer out of range")
		}
	}
	return Accept
}

// checkString is fhirvalidate's check of String values
// (jsonpbhelper.ValidateString).
func (w *walker) checkString(v []byte) Result {
	if len(v) > maxStringSize {
		return w.no(Reject, "string exceeds 1 MB")
	}
	for _, c := range v {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
			return w.no(Reject, "string contains invalid characters")
		}
	}
	return Accept
}

// memo runs the regex (Code, Id, Oid, Uuid) or url.Parse (Uri, Url,
// Canonical) check, remembering recent answers: systems and codes repeat.
func (w *walker) memo(kind byte, v []byte, m *message) bool {
	if len(v) > 256 {
		return slowCheck(primKind(kind), v, m)
	}
	w.mkey = append(append(w.mkey[:0], kind), v...)
	if ok, hit := w.cache[string(w.mkey)]; hit {
		return ok
	}
	ok := slowCheck(primKind(kind), v, m)
	if len(w.cache) >= memoMax {
		clear(w.cache)
	}
	w.cache[string(w.mkey)] = ok
	return ok
}

func slowCheck(k primKind, v []byte, m *message) bool {
	switch k {
	case pURI, pURL, pCanonical:
		_, err := url.Parse(string(v))
		return err == nil
	}
	return m.regex.Match(v)
}

// base64 mirrors jsonformat's parseBinary: spaces as a fixed stride and
// separator, then standard base64 of the rest.
func (w *walker) base64(raw []byte) bool {
	p := append(w.b64[:0], raw...)
	w.b64 = p
	n, err := filterBase64Spaces(p)
	if err != nil {
		return false
	}
	_, err = base64.StdEncoding.Decode(p, p[:n])
	return err == nil
}

// filterBase64Spaces is jsonformat's filterBase64Spaces (primitive.go).
func filterBase64Spaces(p []byte) (nn int, err error) {
	n := len(p)
	chunkStart, stride, sep := 0, 0, 0
	for i := 0; i < n; i++ {
		c := p[i]
		if c != ' ' {
			if i != nn {
				p[nn] = c
			}
			nn++
			continue
		}
		curStride := i - chunkStart
		if stride == 0 {
			stride = curStride
		}
		if curStride != stride {
			return 0, errStride
		}
		chunkStart = i
		for ; i < n && p[i] == ' '; i++ {
		}
		curSep := i - chunkStart
		if sep == 0 {
			sep = curSep
		}
		if curSep != sep {
			return 0, errStride
		}
		chunkStart = i
		i--
	}
	return nn, nil
}

type strideError struct{}

func (strideError) Error() string { return "inconsistent base64 stride" }

var errStride = strideError{}

// enumOK mirrors jsonpbhelper.UnmarshalCode for enum-valued codes.
func enumOK(e *enumSet, v []byte) bool {
	var buf [64]byte
	if len(v) <= len(buf) {
		ascii := true
		for i, c := range v {
			switch {
			case c >= 0x80:
				ascii = false
			case c >= 'a' && c <= 'z':
				buf[i] = c - 'a' + 'A'
			case c == '-':
				buf[i] = '_'
			default:
				buf[i] = c
			}
		}
		if ascii {
			if _, ok := e.names[string(buf[:len(v)])]; ok {
				return true
			}
			_, ok := e.orig[string(v)]
			return ok
		}
	}
	up := strings.ReplaceAll(strings.ToUpper(string(v)), "-", "_")
	if _, ok := e.names[up]; ok {
		return true
	}
	_, ok := e.orig[string(v)]
	return ok
}
