// Package fhir is the ingest parsing layer: it streams FHIR R4 resources out of
// user-supplied files (Bundles, single resources, NDJSON), validates them and
// derives the small, rebuildable summary columns the UI searches by.
//
// The files come from patients' portals and are untrusted and possibly huge,
// so the Reader never loads a whole file, bounds every buffer, and reports
// problems in words a patient can act on without ever echoing the health data
// the file contains.
package fhir

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Limits bounds what a file may contain. A zero field means "use the default",
// so callers can override one limit with a literal without restating the rest.
type Limits struct {
	MaxResourceBytes int64 // largest single resource (and largest Bundle entry)
	MaxDepth         int   // deepest object/array nesting inside one resource
	MaxEntries       int   // most Bundle entries / NDJSON lines in one file
	MaxLineBytes     int   // longest NDJSON line
}

// DefaultLimits are generous enough for any real export while keeping a hostile
// file from exhausting memory on a desktop machine.
func DefaultLimits() Limits {
	return Limits{MaxResourceBytes: 64 << 20, MaxDepth: 64, MaxEntries: 2_000_000, MaxLineBytes: 64 << 20}
}

// maxDepthCap keeps our own limit below encoding/json's hard-wired 10000 so
// that a hostile file always gets our message rather than the library's.
const maxDepthCap = 5000

func (l Limits) normalized() Limits {
	d := DefaultLimits()
	if l.MaxResourceBytes <= 0 {
		l.MaxResourceBytes = d.MaxResourceBytes
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = d.MaxDepth
	}
	if l.MaxDepth > maxDepthCap {
		l.MaxDepth = maxDepthCap
	}
	if l.MaxEntries <= 0 {
		l.MaxEntries = d.MaxEntries
	}
	if l.MaxLineBytes <= 0 {
		l.MaxLineBytes = d.MaxLineBytes
	}
	return l
}

// Format is the shape of a file, which the importer shows and which decides how
// BundleType and Index are to be read.
type Format int

const (
	FormatUnknown  Format = iota // before the first Next, or when the file was rejected early
	FormatBundle                 // one JSON object with resourceType "Bundle"
	FormatResource               // one JSON object that is any other resource
	FormatNDJSON                 // several JSON objects, one per line (bulk-data export)
)

func (f Format) String() string {
	switch f {
	case FormatBundle:
		return "Bundle"
	case FormatResource:
		return "Resource"
	case FormatNDJSON:
		return "NDJSON"
	}
	return "Unknown"
}

// Resource is one resource exactly as received, so that the vault stores what
// the provider sent and any later re-derivation starts from the original bytes.
type Resource struct {
	Type, ID    string
	Raw         []byte // exact bytes of the resource object as in the file; owned by the caller
	VersionID   string // meta.versionId if any
	LastUpdated string // meta.lastUpdated if any
	FullURL     string // Bundle entry fullUrl if any
	Index       int    // 0-based Bundle entry index, or 0-based NDJSON line number; 0 for a single resource
}

// FileError means the whole file must be rejected. Reason is written for a
// patient, never contains file content, and Offset (when > 0) helps support
// staff find the spot.
type FileError struct {
	Reason string
	Offset int64
	cause  error // I/O error, if any; never a JSON error (those quote content)
}

func (e *FileError) Error() string {
	if e.Offset > 0 {
		return fmt.Sprintf("%s (at byte %d)", e.Reason, e.Offset)
	}
	return e.Reason
}

func (e *FileError) Unwrap() error { return e.cause }

func fileErr(off int64, format string, args ...any) *FileError {
	return &FileError{Reason: fmt.Sprintf(format, args...), Offset: off}
}

func sizeText(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MB", n>>20)
	}
	if n >= 1<<10 && n%(1<<10) == 0 {
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// chunkBuf accumulates one value in fixed-size chunks so that rejecting an
// oversized value never costs more than the limit itself (a growing slice
// would allocate several times the limit on the way there).
type chunkBuf struct {
	chunks [][]byte
	n      int64
}

const (
	firstChunk = 64 << 10
	nextChunk  = 1 << 20
)

func (c *chunkBuf) write(p []byte) {
	c.n += int64(len(p))
	for len(p) > 0 {
		if len(c.chunks) == 0 {
			c.chunks = append(c.chunks, make([]byte, 0, firstChunk))
		}
		last := c.chunks[len(c.chunks)-1]
		if len(last) == cap(last) {
			c.chunks = append(c.chunks, make([]byte, 0, nextChunk))
			last = c.chunks[len(c.chunks)-1]
		}
		n := min(cap(last)-len(last), len(p))
		c.chunks[len(c.chunks)-1] = append(last, p[:n]...)
		p = p[n:]
	}
}

// bytes returns the accumulated value; fresh reports whether the slice is a
// new allocation the caller may keep (otherwise it aliases the reused chunk).
func (c *chunkBuf) bytes() (b []byte, fresh bool) {
	switch len(c.chunks) {
	case 0:
		return nil, false
	case 1:
		return c.chunks[0], false
	}
	out := make([]byte, 0, c.n)
	for _, ch := range c.chunks {
		out = append(out, ch...)
	}
	return out, true
}

func (c *chunkBuf) reset() {
	if len(c.chunks) > 0 {
		c.chunks[0] = c.chunks[0][:0]
		clear(c.chunks[1:])
		c.chunks = c.chunks[:1]
	}
	c.n = 0
}

func (c *chunkBuf) release() { c.chunks, c.n = nil, 0 }

// countingReader feeds BytesRead; it sits under the bufio layer so the count
// includes read-ahead, which is what a progress bar over the file size wants.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

type readState int

const (
	stInit readState = iota
	stRoot
	stEntries
	stAfterRoot
	stNDJSON
	stDone
)

// Reader streams resources out of one file. It is not safe for concurrent use.
//
// Memory stays bounded by roughly one resource (or one Bundle entry),
// whatever the file size or number of entries: the Reader keeps nothing per
// entry (resolving Bundle-local references across the file is the caller's
// job, see FullURLs), and the top-level
// object is walked by a small hand-written tokenizer and only one member or
// entry at a time is buffered, then checked with json.Valid. Nesting depth and
// size are enforced while bytes stream in, before encoding/json sees them.
//
// A Bundle with no entries is not an error: it simply yields no resources
// (an empty search result is a legitimate export). A Bundle followed by more
// JSON objects is rejected rather than read as NDJSON, because bulk-data
// NDJSON never nests Bundles and such a file is far more likely corrupt.
type Reader struct {
	lim Limits
	cr  countingReader
	br  *bufio.Reader
	off int64 // bytes consumed from br, i.e. file offset of the next byte (after any BOM)
	st  readState
	err error

	format     Format
	rootType   string // resourceType of the top-level object once seen
	typeValue  string // top-level "type" string, which is the bundle type for a Bundle
	needComma  bool
	entryFirst bool
	entryIdx   int
	yieldedEnt bool // entries yielded before resourceType was seen
	rootStart  int64

	capOn, capLost bool
	capture        chunkBuf // the whole top-level object while it may be a single resource
	val            chunkBuf // one top-level member value or one Bundle entry or one line
	key            []byte

	line      int // next NDJSON line number
	lastDepth int // deepest nesting seen by the last scanValue

	types map[string]string // interned resource type names
}

// NewReader does no I/O; errors surface from the first Next.
func NewReader(r io.Reader, lim Limits) *Reader {
	rd := &Reader{lim: lim.normalized(), types: make(map[string]string)}
	rd.cr.r = r
	rd.br = bufio.NewReaderSize(&rd.cr, 64<<10)
	return rd
}

// Format is valid after the first Next.
func (r *Reader) Format() Format { return r.format }

// BundleType is Bundle.type ("transaction", "collection", "searchset", ...),
// or "" when the file is not a Bundle.
func (r *Reader) BundleType() string {
	if r.format != FormatBundle {
		return ""
	}
	return r.typeValue
}

// BytesRead counts bytes pulled from the underlying reader, for progress bars.
func (r *Reader) BytesRead() int64 { return r.cr.n }

// Next returns the next resource, io.EOF at the end, or a *FileError after
// which the whole file must be rejected (every later call repeats the error).
func (r *Reader) Next() (Resource, error) {
	if r.err != nil {
		return Resource{}, r.err
	}
	res, err := r.next()
	if err != nil {
		r.err = err
		r.st = stDone
		r.capture.release()
		r.val.release()
		r.key = nil
		if err != io.EOF {
			var fe *FileError
			if !errors.As(err, &fe) {
				err = &FileError{Reason: "The file could not be read", Offset: r.off, cause: err}
				r.err = err
			}
		}
		return Resource{}, err
	}
	return res, nil
}

// ioErr turns an error from the bufio layer into a FileError; io.EOF inside
// the top-level object means the file was cut short.
func (r *Reader) ioErr(err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return fileErr(r.off, "The file ends early — it looks truncated")
	}
	return &FileError{Reason: "The file could not be read", Offset: r.off, cause: err}
}

// take consumes n buffered bytes, mirroring them into the capture when the
// top-level object might turn out to be a single resource.
func (r *Reader) take(p []byte) error {
	r.off += int64(len(p))
	if r.capOn {
		if r.capture.n+int64(len(p)) > r.lim.MaxResourceBytes {
			r.capOn, r.capLost = false, true
			r.capture.release()
			if r.rootType != "" && r.rootType != "Bundle" {
				return r.tooLarge(r.off)
			}
		} else {
			r.capture.write(p)
		}
	}
	_, err := r.br.Discard(len(p))
	return err
}

func (r *Reader) tooLarge(off int64) error {
	return fileErr(off, "A single resource is larger than %s", sizeText(r.lim.MaxResourceBytes))
}

func (r *Reader) tooDeep(off int64) error {
	return fileErr(off, "A resource is nested more than %d levels deep", r.lim.MaxDepth)
}

func (r *Reader) invalidJSON(off int64) error {
	return fileErr(off, "The file is not valid JSON")
}

// peekByte returns the next byte without consuming it.
func (r *Reader) peekByte() (byte, error) {
	b, err := r.br.Peek(1)
	if err != nil {
		return 0, err
	}
	return b[0], nil
}

// skipWS consumes whitespace inside the top-level object.
func (r *Reader) skipWS() (byte, error) {
	for {
		if r.br.Buffered() == 0 {
			if _, err := r.br.Peek(1); err != nil {
				return 0, r.ioErr(err)
			}
		}
		buf, _ := r.br.Peek(r.br.Buffered())
		i := skipWS(buf, 0)
		if i > 0 {
			if err := r.take(buf[:i]); err != nil {
				return 0, err
			}
		}
		if i < len(buf) {
			return buf[i], nil
		}
	}
}

// expect consumes one structural byte.
func (r *Reader) expect(c byte) error {
	got, err := r.skipWS()
	if err != nil {
		return err
	}
	if got != c {
		return r.invalidJSON(r.off)
	}
	b, _ := r.br.Peek(1)
	return r.take(b)
}

// scanValue consumes one JSON value, enforcing the nesting and size limits as
// the bytes arrive. The bytes go to sink (if any) for later json.Valid; the
// tokenizer only tracks strings and brackets, it does not validate.
func (r *Reader) scanValue(sink *chunkBuf, sizeLimit int64, depthLimit int) error {
	if sink != nil {
		sink.reset()
	}
	start := r.off
	depth := 0
	r.lastDepth = 0
	inStr, esc := false, false
	kind := byte(0) // '"', '{' (container) or 's' (scalar), set from the first byte
	for {
		if r.br.Buffered() == 0 {
			if _, err := r.br.Peek(1); err != nil {
				return r.ioErr(err)
			}
		}
		buf, _ := r.br.Peek(r.br.Buffered())
		end := -1
	scan:
		for i := 0; i < len(buf); i++ {
			c := buf[i]
			if kind == 0 {
				switch c {
				case '"':
					kind, inStr = '"', true
					continue
				case '{', '[':
					kind = '{'
				default:
					kind = 's'
				}
			}
			if inStr {
				if esc {
					esc = false
					continue
				}
				if c != '"' && c != '\\' {
					// Jump over plain string content with the vectorised searches.
					rest := buf[i:]
					q := bytes.IndexByte(rest, '"')
					if q >= 0 {
						rest = rest[:q]
					}
					if bs := bytes.IndexByte(rest, '\\'); bs >= 0 {
						i += bs
					} else if q >= 0 {
						i += q
					} else {
						i = len(buf) - 1
						continue
					}
					c = buf[i]
				}
				if c == '\\' {
					esc = true
				} else if c == '"' {
					inStr = false
					if kind == '"' {
						end = i + 1
						break scan
					}
				}
				continue
			}
			switch kind {
			case 's':
				if c == ',' || c == '}' || c == ']' || isWS(c) {
					end = i
					break scan
				}
			case '{':
				switch c {
				case '"':
					inStr = true
				case '{', '[':
					depth++
					if depth > r.lastDepth {
						r.lastDepth = depth
					}
					if depth > depthLimit {
						return r.tooDeep(r.off + int64(i))
					}
				case '}', ']':
					depth--
					if depth == 0 {
						end = i + 1
						break scan
					}
				}
			}
		}
		n := len(buf)
		if end >= 0 {
			n = end
		}
		if r.off-start+int64(n) > sizeLimit {
			return r.tooLarge(start)
		}
		if sink != nil {
			sink.write(buf[:n])
		}
		if err := r.take(buf[:n]); err != nil {
			return err
		}
		if end >= 0 {
			if end == 0 && kind == 's' {
				return r.invalidJSON(start) // e.g. `"a":}` — a member with no value
			}
			return nil
		}
	}
}

func (r *Reader) next() (Resource, error) {
	for {
		switch r.st {
		case stInit:
			if err := r.start(); err != nil {
				return Resource{}, err
			}
		case stRoot:
			if err := r.rootMember(); err != nil {
				return Resource{}, err
			}
		case stEntries:
			res, ok, err := r.entry()
			if err != nil {
				return Resource{}, err
			}
			if ok {
				return res, nil
			}
		case stAfterRoot:
			res, ok, err := r.afterRoot()
			if err != nil {
				return Resource{}, err
			}
			if ok {
				return res, nil
			}
		case stNDJSON:
			res, ok, err := r.ndjsonLine()
			if err != nil {
				return Resource{}, err
			}
			if ok {
				return res, nil
			}
		default:
			return Resource{}, io.EOF
		}
	}
}

// start checks the opening bytes, which is where most non-FHIR files (PDFs,
// CSVs, XML exports) are caught with a clear message.
func (r *Reader) start() error {
	if b, err := r.br.Peek(3); err == nil && bytes.Equal(b, []byte{0xEF, 0xBB, 0xBF}) {
		r.br.Discard(3) // UTF-8 byte-order mark, written by some Windows tools
	}
	sawAny := false
	for {
		c, err := r.peekByte()
		if err == io.EOF {
			if sawAny {
				return fileErr(0, "The file is empty (it contains only blank space)")
			}
			return fileErr(0, "The file is empty")
		}
		if err != nil {
			return r.ioErr(err)
		}
		if !isWS(c) {
			switch {
			case c == '{':
			case c == '[':
				return fileErr(r.off, "This file holds a JSON list, not a FHIR resource (missing resourceType)")
			case c == '"' || c == '-' || (c >= '0' && c <= '9'):
				return fileErr(r.off, "This file holds a single JSON value, not a FHIR resource (missing resourceType)")
			case c == '<':
				return fileErr(0, "This file is not FHIR JSON (it looks like XML or HTML)")
			default:
				return fileErr(0, "This file is not FHIR JSON (it does not start with '{')")
			}
			break
		}
		sawAny = true
		r.br.Discard(1)
		r.off++
	}
	r.rootStart = r.off
	r.capOn = true
	b, _ := r.br.Peek(1)
	if err := r.take(b); err != nil {
		return err
	}
	r.st = stRoot
	return nil
}

// isBundle reports whether the top-level object has declared itself a Bundle.
func (r *Reader) isBundle() bool { return r.rootType == "Bundle" }

// rootMember reads one member of the top-level object (or its closing brace).
func (r *Reader) rootMember() error {
	c, err := r.skipWS()
	if err != nil {
		return err
	}
	if c == '}' {
		b, _ := r.br.Peek(1)
		if err := r.take(b); err != nil {
			return err
		}
		r.st = stAfterRoot
		return nil
	}
	if r.needComma {
		if c != ',' {
			return r.invalidJSON(r.off)
		}
		b, _ := r.br.Peek(1)
		if err := r.take(b); err != nil {
			return err
		}
		if c, err = r.skipWS(); err != nil {
			return err
		}
	}
	if c != '"' {
		return r.invalidJSON(r.off)
	}
	keyOff := r.off
	if err := r.scanValue(&r.val, r.lim.MaxResourceBytes, 0); err != nil {
		return err
	}
	kb, _ := r.val.bytes()
	if !json.Valid(kb) {
		return r.invalidJSON(keyOff)
	}
	key := jstr(kb)
	if err := r.expect(':'); err != nil {
		return err
	}
	if _, err := r.skipWS(); err != nil {
		return err
	}
	r.needComma = true
	valOff := r.off

	if key == "entry" && (r.rootType == "" || r.isBundle()) {
		c, _ := r.peekByte()
		if c == '[' {
			b, _ := r.br.Peek(1)
			if err := r.take(b); err != nil {
				return err
			}
			r.st, r.entryFirst = stEntries, true
			return nil
		}
		if r.isBundle() {
			return fileErr(valOff, "The Bundle's entry is not a list")
		}
	}

	// A resource's own members only need checking as a whole once the object
	// is complete; buffering them separately would double the memory held for
	// a huge single resource.
	var sink *chunkBuf
	if !(r.capOn && r.rootType != "" && !r.isBundle()) {
		sink = &r.val
	}
	if err := r.scanValue(sink, r.lim.MaxResourceBytes, r.lim.MaxDepth-1); err != nil {
		return err
	}
	if sink == nil {
		return nil
	}
	vb, _ := sink.bytes()
	if !json.Valid(vb) {
		return r.invalidJSON(valOff)
	}
	switch key {
	case "resourceType":
		if r.rootType != "" {
			return nil
		}
		t := jstr(vb)
		if t == "" {
			return fileErr(valOff, "The JSON object is not a FHIR resource (its resourceType is not a name)")
		}
		r.rootType = t
		if t == "Bundle" {
			r.format = FormatBundle
			r.capOn = false
			r.capture.release()
		} else {
			if r.yieldedEnt {
				return fileErr(valOff, "The file contains Bundle entries but is not a Bundle")
			}
			if r.capLost {
				return r.tooLarge(r.rootStart)
			}
		}
	case "type":
		if isString(vb) {
			r.typeValue = jstr(vb)
		}
	}
	return nil
}

// entry reads one Bundle entry; ok=false means the entry list ended or the
// entry had no resource (transaction responses, deletes), which are skipped.
func (r *Reader) entry() (Resource, bool, error) {
	c, err := r.skipWS()
	if err != nil {
		return Resource{}, false, err
	}
	if c == ']' {
		b, _ := r.br.Peek(1)
		if err := r.take(b); err != nil {
			return Resource{}, false, err
		}
		r.st = stRoot
		return Resource{}, false, nil
	}
	if !r.entryFirst {
		if c != ',' {
			return Resource{}, false, r.invalidJSON(r.off)
		}
		b, _ := r.br.Peek(1)
		if err := r.take(b); err != nil {
			return Resource{}, false, err
		}
		if _, err := r.skipWS(); err != nil {
			return Resource{}, false, err
		}
	}
	r.entryFirst = false
	idx := r.entryIdx
	r.entryIdx++
	if r.entryIdx > r.lim.MaxEntries {
		return Resource{}, false, fileErr(r.off, "The Bundle has more than %d entries", r.lim.MaxEntries)
	}
	off := r.off
	// Allow for the entry's own wrapper (fullUrl, request, search) around the resource.
	if err := r.scanValue(&r.val, r.lim.MaxResourceBytes+(1<<20), r.lim.MaxDepth+1); err != nil {
		return Resource{}, false, err
	}
	eb, fresh := r.val.bytes()
	if !json.Valid(eb) {
		return Resource{}, false, r.invalidJSON(off)
	}
	fullURL, _, rb, ok := entryParts(eb)
	if !ok {
		return Resource{}, false, fileErr(off, "Bundle entry %d is not a JSON object", idx)
	}
	rOff := off + int64(cap(eb)-cap(rb))
	if rb == nil || string(rb) == "null" {
		return Resource{}, false, nil
	}
	if rb[0] != '{' {
		return Resource{}, false, fileErr(rOff, "Bundle entry %d's resource is not a JSON object", idx)
	}
	if int64(len(rb)) > r.lim.MaxResourceBytes {
		return Resource{}, false, r.tooLarge(rOff)
	}
	// The resource sits one level inside the entry, so only an entry that
	// came close to the limit needs the exact per-resource check.
	if r.lastDepth > r.lim.MaxDepth && nestingDepth(rb, r.lim.MaxDepth) > r.lim.MaxDepth {
		return Resource{}, false, r.tooDeep(rOff)
	}
	if !fresh {
		rb = bytes.Clone(rb)
	}
	res := r.describe(rb)
	if res.Type == "" {
		return Resource{}, false, fileErr(rOff, "Bundle entry %d is not a FHIR resource (missing resourceType)", idx)
	}
	res.FullURL, res.Index = fullURL, idx
	if r.rootType == "" {
		r.yieldedEnt = true
		r.format = FormatBundle
	}
	return res, true, nil
}

// afterRoot decides, once the top-level object has closed, between a single
// resource, the first line of NDJSON, the end of a Bundle, or trailing junk.
func (r *Reader) afterRoot() (Resource, bool, error) {
	if r.rootType == "" {
		return Resource{}, false, fileErr(r.rootStart, "The JSON object is not a FHIR resource (missing resourceType)")
	}
	var first Resource
	var raw []byte
	if !r.isBundle() {
		if r.capLost {
			return Resource{}, false, r.tooLarge(r.rootStart)
		}
		b, fresh := r.capture.bytes()
		if !json.Valid(b) {
			return Resource{}, false, r.invalidJSON(r.rootStart)
		}
		if !fresh {
			b = bytes.Clone(b)
		}
		r.capOn = false
		r.capture.release()
		raw = b
		first = r.describe(b)
		if first.Type == "" {
			return Resource{}, false, fileErr(r.rootStart, "The JSON object is not a FHIR resource (missing resourceType)")
		}
	}
	// Look past the object: EOF, more objects (NDJSON), or junk.
	newlines := 0
	for {
		c, err := r.peekByte()
		if err == io.EOF {
			r.st = stDone
			if r.isBundle() {
				return Resource{}, false, io.EOF
			}
			r.format = FormatResource
			return first, true, nil
		}
		if err != nil {
			return Resource{}, false, r.ioErr(err)
		}
		if !isWS(c) {
			// A later line that is not an object is reported as a bad NDJSON
			// line when the file otherwise looks like NDJSON.
			looksNDJSON := !r.isBundle() && newlines > 0 && bytes.IndexByte(raw, '\n') < 0
			if c != '{' && !looksNDJSON {
				return Resource{}, false, fileErr(r.off, "The file has extra data after the end of the JSON")
			}
			if r.isBundle() {
				return Resource{}, false, fileErr(r.off, "The file has extra data after the end of the Bundle")
			}
			if newlines == 0 || bytes.IndexByte(raw, '\n') >= 0 {
				return Resource{}, false, fileErr(r.off, "The file holds several JSON objects, but not one per line as NDJSON requires")
			}
			if len(raw) > r.lim.MaxLineBytes {
				return Resource{}, false, fileErr(r.rootStart, "Line 1 is longer than %s", sizeText(int64(r.lim.MaxLineBytes)))
			}
			r.format = FormatNDJSON
			r.line = newlines
			r.st = stNDJSON
			r.entryIdx = 1
			return first, true, nil
		}
		if c == '\n' {
			newlines++
		}
		r.br.Discard(1)
		r.off++
	}
}

// ndjsonLine reads one line; ok=false for blank lines.
func (r *Reader) ndjsonLine() (Resource, bool, error) {
	lineNo := r.line
	start := r.off
	r.val.reset()
	sawNL := false
	for {
		chunk, err := r.br.ReadSlice('\n')
		r.off += int64(len(chunk))
		if r.val.n+int64(len(chunk)) > int64(r.lim.MaxLineBytes)+2 { // +2: the line ending itself
			return Resource{}, false, fileErr(start, "Line %d is longer than %s", lineNo+1, sizeText(int64(r.lim.MaxLineBytes)))
		}
		r.val.write(chunk)
		if err == bufio.ErrBufferFull {
			continue
		}
		if err == io.EOF {
			if r.val.n == 0 {
				r.st = stDone
				return Resource{}, false, io.EOF
			}
			break
		}
		if err != nil {
			return Resource{}, false, r.ioErr(err)
		}
		sawNL = true
		break
	}
	if !sawNL {
		r.st = stDone // last line without a trailing newline
	}
	r.line++
	lb, fresh := r.val.bytes()
	lb = bytes.TrimSpace(lb)
	if len(lb) == 0 {
		return Resource{}, false, nil
	}
	if len(lb) > r.lim.MaxLineBytes {
		return Resource{}, false, fileErr(start, "Line %d is longer than %s", lineNo+1, sizeText(int64(r.lim.MaxLineBytes)))
	}
	r.entryIdx++
	if r.entryIdx > r.lim.MaxEntries {
		return Resource{}, false, fileErr(start, "The file has more than %d lines", r.lim.MaxEntries)
	}
	if lb[0] != '{' {
		return Resource{}, false, fileErr(start, "Line %d is not a JSON object", lineNo+1)
	}
	if nestingDepth(lb, r.lim.MaxDepth) > r.lim.MaxDepth {
		return Resource{}, false, r.tooDeep(start)
	}
	if !json.Valid(lb) {
		return Resource{}, false, fileErr(start, "Line %d is not valid JSON", lineNo+1)
	}
	if !fresh {
		lb = bytes.Clone(lb)
	}
	res := r.describe(lb)
	if res.Type == "" {
		return Resource{}, false, fileErr(start, "Line %d is not a FHIR resource (missing resourceType)", lineNo+1)
	}
	res.Index = lineNo
	return res, true, nil
}

// describe pulls the identifying fields out of a resource's top level.
func (r *Reader) describe(raw []byte) Resource {
	id := Identify(raw)
	if t, ok := r.types[id.Type]; ok {
		id.Type = t // share the type strings, which repeat on every resource
	} else if len(r.types) < 1024 {
		r.types[id.Type] = id.Type
	}
	return Resource{Raw: raw, Type: id.Type, ID: id.ID, VersionID: id.VersionID, LastUpdated: id.LastUpdated}
}
