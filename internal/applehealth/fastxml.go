package applehealth

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode"
	"unicode/utf8"
)

// scanner reads export.xml about ten times faster than encoding/xml, which
// reads byte by byte through an interface and spent ≈70% of the time on a
// 1 GB export (≈20 MB/s here). openBody reads the prolog (and refuses entity
// declarations); then the scanner sees elements, attributes, text, comments,
// CDATA and processing instructions, and is as strict as encoding/xml's
// RawToken plus tag matching, stricter in places: a differential test holds
// it to the same events on valid documents and to a refusal on broken ones.
// A DOCTYPE inside the document or an entity other than XML's five and
// numeric references is refused (no entity is ever expanded). One leniency:
// vertical tabs in values, which Apple writes, are dropped.
type scanner struct {
	br      *bufio.Reader
	scratch []byte
	vals    []byte
	attrs   []xml.Attr
	stack   []xml.Name // open elements, the root first
	done    bool       // the root element has ended
	names   map[string]xml.Name
}

var errSyntax = errors.New("xml syntax")

// errNeedMore: a '>' inside a quoted attribute value ended the slice read.
var errNeedMore = errors.New("need more")

type eventKind int

const (
	evStart eventKind = iota + 1
	evEnd
	evEOF
)

type event struct {
	kind      eventKind
	name      xml.Name
	attrs     []xml.Attr // valid until the next call
	selfClose bool
}

// depth is how many elements are open (1: inside the root).
func (s *scanner) depth() int { return len(s.stack) }

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func allSpace(b []byte) bool {
	for _, c := range b {
		if !isSpace(c) {
			return false
		}
	}
	return true
}

// next returns the next element event. Text is checked, never returned.
func (s *scanner) next() (event, error) {
	for {
		text, err := s.br.ReadSlice('<')
		if err == bufio.ErrBufferFull || (err == nil && !allSpace(text[:len(text)-1])) {
			// Text that is not white space: gather it whole (the guard
			// bounds its length) and check it.
			s.scratch = append(s.scratch[:0], text...)
			for err == bufio.ErrBufferFull {
				text, err = s.br.ReadSlice('<')
				s.scratch = append(s.scratch, text...)
			}
			body := s.scratch
			if err == nil {
				body = body[:len(body)-1]
			}
			if s.done && !allSpace(body) {
				return event{}, errSyntax
			}
			if !validText(body) {
				return event{}, errSyntax
			}
		}
		if err == io.EOF {
			if !allSpace(text) {
				return event{}, errSyntax
			}
			return event{kind: evEOF}, nil
		}
		if err != nil {
			return event{}, err
		}
		peek, err := s.br.Peek(1)
		if err != nil {
			return event{}, unexpected(err)
		}
		switch peek[0] {
		case '!':
			p, _ := s.br.Peek(8)
			switch {
			case bytes.HasPrefix(p, []byte("!--")):
				s.br.Discard(3)
				if err := s.skipComment(); err != nil {
					return event{}, err
				}
			case bytes.Equal(p, []byte("![CDATA[")):
				if s.done {
					return event{}, errSyntax
				}
				s.br.Discard(8)
				if err := s.skipPast("]]>", true); err != nil {
					return event{}, err
				}
			default:
				// A DOCTYPE or declaration inside the document.
				return event{}, errSyntax
			}
			continue
		case '?':
			p, _ := s.br.Peek(5)
			if len(p) == 5 && string(p[1:4]) == "xml" && (isSpace(p[4]) || p[4] == '?') {
				return event{}, errSyntax // an XML declaration mid-document
			}
			s.br.Discard(1)
			if err := s.skipPast("?>", false); err != nil {
				return event{}, err
			}
			continue
		}
		tag, err := s.readTag()
		if err != nil {
			return event{}, err
		}
		if tag[0] == '/' {
			name, ok := s.endTag(tag)
			if !ok || len(s.stack) == 0 || s.stack[len(s.stack)-1] != name {
				return event{}, errSyntax
			}
			s.stack = s.stack[:len(s.stack)-1]
			s.done = len(s.stack) == 0
			return event{kind: evEnd, name: name}, nil
		}
		if s.done {
			return event{}, errSyntax // a second root element
		}
		ev, err := s.startTag(tag)
		if err == errNeedMore {
			// The '>' that ended the slice was inside a quoted value: read
			// on, following the quotes, to the '>' that ends the tag.
			if tag, err = s.readQuotedTag(tag); err != nil {
				return event{}, err
			}
			ev, err = s.startTag(tag)
		}
		if err == nil && !ev.selfClose {
			s.stack = append(s.stack, ev.name)
		}
		return ev, err
	}
}

// readTag reads up to and including the next '>' (after a '<').
func (s *scanner) readTag() ([]byte, error) {
	tag, err := s.br.ReadSlice('>')
	if err == bufio.ErrBufferFull {
		buf := append([]byte(nil), tag...)
		for err == bufio.ErrBufferFull {
			tag, err = s.br.ReadSlice('>')
			buf = append(buf, tag...)
			if len(buf) > MaxTag {
				return nil, errTagTooLong
			}
		}
		tag = buf
	}
	if err != nil {
		return nil, unexpected(err)
	}
	return tag, nil
}

// readQuotedTag continues a start tag whose first slice ended inside a
// quoted value, in one pass.
func (s *scanner) readQuotedTag(first []byte) ([]byte, error) {
	s.scratch = append(s.scratch[:0], first...)
	var quote byte
	scan := func(b []byte) bool { // reports a '>' outside quotes at b's end
		for i, c := range b {
			switch {
			case quote != 0:
				if c == quote {
					quote = 0
				}
			case c == '"' || c == '\'':
				quote = c
			case c == '>' && i == len(b)-1:
				return true
			}
		}
		return false
	}
	scan(first[:len(first)-1])
	if quote == 0 {
		return s.scratch, nil
	}
	for {
		more, err := s.br.ReadSlice('>')
		if err != nil && err != bufio.ErrBufferFull {
			return nil, unexpected(err)
		}
		s.scratch = append(s.scratch, more...)
		if len(s.scratch) > MaxTag {
			return nil, errTagTooLong
		}
		if scan(more) && err == nil {
			return s.scratch, nil
		}
	}
}

func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// skipComment skips a comment's body: "--" may occur only before its '>'.
func (s *scanner) skipComment() error {
	var prev1, prev2 byte
	for {
		c, err := s.br.ReadByte()
		if err != nil {
			return unexpected(err)
		}
		if prev2 == '-' && prev1 == '-' {
			if c != '>' {
				return errSyntax
			}
			return nil
		}
		prev2, prev1 = prev1, c
	}
}

// skipPast skips to the end marker; check verifies the characters.
func (s *scanner) skipPast(end string, check bool) error {
	var tail []byte
	for {
		chunk, err := s.br.ReadSlice(end[len(end)-1])
		if err != nil && err != bufio.ErrBufferFull {
			return unexpected(err)
		}
		if check && !validChars(chunk) {
			return errSyntax
		}
		tail = append(tail, chunk...)
		if len(tail) > len(end) {
			tail = tail[len(tail)-len(end):]
		}
		if err == nil && bytes.HasSuffix(tail, []byte(end)) {
			return nil
		}
	}
}

// endTag parses "/name S? >".
func (s *scanner) endTag(tag []byte) (xml.Name, bool) {
	i := 1
	n := nameLen(tag[i:])
	if n == 0 {
		return xml.Name{}, false
	}
	name := s.name(tag[i : i+n])
	i += n
	for i < len(tag) && isSpace(tag[i]) {
		i++
	}
	return name, i == len(tag)-1 && tag[i] == '>'
}

// startTag parses "name (S attr S? = S? quoted)* S? /? >".
func (s *scanner) startTag(tag []byte) (event, error) {
	n := nameLen(tag)
	if n == 0 {
		return event{}, errSyntax
	}
	ev := event{kind: evStart, name: s.name(tag[:n])}
	s.attrs = s.attrs[:0]
	s.vals = s.vals[:0]
	i := n
	for {
		sp := i
		for i < len(tag) && isSpace(tag[i]) {
			i++
		}
		if i >= len(tag) {
			return event{}, errSyntax
		}
		switch tag[i] {
		case '>':
			if i != len(tag)-1 {
				return event{}, errSyntax
			}
			ev.attrs = s.attrs
			return ev, nil
		case '/':
			if i != len(tag)-2 || tag[i+1] != '>' {
				return event{}, errSyntax
			}
			ev.attrs, ev.selfClose = s.attrs, true
			return ev, nil
		}
		if sp == i {
			return event{}, errSyntax // attributes are separated by white space
		}
		an := nameLen(tag[i:])
		if an == 0 {
			return event{}, errSyntax
		}
		aname := s.name(tag[i : i+an])
		i += an
		for i < len(tag) && isSpace(tag[i]) {
			i++
		}
		if i >= len(tag) || tag[i] != '=' {
			return event{}, errSyntax
		}
		i++
		for i < len(tag) && isSpace(tag[i]) {
			i++
		}
		if i >= len(tag) || (tag[i] != '"' && tag[i] != '\'') {
			return event{}, errSyntax
		}
		q := tag[i]
		j := bytes.IndexByte(tag[i+1:], q)
		if j < 0 {
			return event{}, errNeedMore
		}
		raw := tag[i+1 : i+1+j]
		i += j + 2
		if bytes.IndexByte(raw, '<') >= 0 {
			return event{}, errSyntax
		}
		var val string
		if bytes.IndexByte(raw, '&') >= 0 || bytes.IndexByte(raw, '\v') >= 0 {
			start := len(s.vals)
			var ok bool
			if s.vals, ok = appendUnescaped(s.vals, raw); !ok {
				return event{}, errSyntax
			}
			val = string(s.vals[start:])
		} else {
			if !validChars(raw) {
				return event{}, errSyntax
			}
			val = string(raw)
		}
		for _, a := range s.attrs {
			if a.Name == aname {
				return event{}, errSyntax // an attribute twice
			}
		}
		s.attrs = append(s.attrs, xml.Attr{Name: aname, Value: val})
	}
}

// name interns element and attribute names: export.xml repeats a few
// dozen millions of times.
func (s *scanner) name(b []byte) xml.Name {
	if n, ok := s.names[string(b)]; ok {
		return n
	}
	n := splitName(b)
	if len(s.names) < 4096 {
		s.names[string(b)] = n
	}
	return n
}

// splitName splits "prefix:local" as encoding/xml's RawToken does.
func splitName(b []byte) xml.Name {
	s := string(b)
	if i := bytes.IndexByte(b, ':'); i >= 1 && i < len(b)-1 {
		return xml.Name{Space: s[:i], Local: s[i+1:]}
	}
	return xml.Name{Local: s}
}

// nameLen is the length of the XML name at the start of b (0: none).
func nameLen(b []byte) int {
	i := 0
	for i < len(b) {
		c := b[i]
		if c < utf8.RuneSelf {
			if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == ':' || i > 0 && (c >= '0' && c <= '9' || c == '-' || c == '.') {
				i++
				continue
			}
			break
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError || !(unicode.IsLetter(r) || i > 0 && (unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r))) {
			return 0 // encoding/xml's name tables, approximated strictly
		}
		i += size
	}
	return i
}

// validChars: UTF-8 made of XML characters, and vertical tabs: not XML,
// but Apple's exports carry them in values (the tools reading these exports
// drop them; so does appendUnescaped).
func validChars(b []byte) bool {
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\v' {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 || !xmlChar(r) {
			return false
		}
		i += size
	}
	return true
}

func xmlChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D || r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

// validText: character data with only defined references and no "]]>".
func validText(b []byte) bool {
	if bytes.Contains(b, []byte("]]>")) {
		return false
	}
	if bytes.IndexByte(b, '&') < 0 {
		return validChars(b)
	}
	_, ok := appendUnescaped(nil, b)
	return ok
}

// appendUnescaped appends b with XML's five entities and character
// references replaced (any other reference is an error) and vertical tabs
// dropped.
func appendUnescaped(dst, b []byte) ([]byte, bool) {
	for len(b) > 0 {
		amp := bytes.IndexByte(b, '&')
		if amp < 0 {
			if !validChars(b) {
				return dst, false
			}
			return appendNoVT(dst, b), true
		}
		if !validChars(b[:amp]) {
			return dst, false
		}
		dst = appendNoVT(dst, b[:amp])
		b = b[amp+1:]
		semi := bytes.IndexByte(b, ';')
		if semi < 1 {
			return dst, false
		}
		ref := string(b[:semi])
		b = b[semi+1:]
		switch ref {
		case "lt":
			dst = append(dst, '<')
		case "gt":
			dst = append(dst, '>')
		case "amp":
			dst = append(dst, '&')
		case "apos":
			dst = append(dst, '\'')
		case "quot":
			dst = append(dst, '"')
		default:
			if len(ref) < 2 || ref[0] != '#' {
				return dst, false
			}
			var n uint64
			var err error
			if ref[1] == 'x' {
				n, err = strconv.ParseUint(ref[2:], 16, 32)
			} else {
				n, err = strconv.ParseUint(ref[1:], 10, 32)
			}
			if err != nil || !xmlChar(rune(n)) {
				return dst, false
			}
			dst = utf8.AppendRune(dst, rune(n))
		}
	}
	return dst, true
}

func appendNoVT(dst, b []byte) []byte {
	for {
		i := bytes.IndexByte(b, '\v')
		if i < 0 {
			return append(dst, b...)
		}
		dst = append(dst, b[:i]...)
		b = b[i+1:]
	}
}

// MaxDTD is the longest DOCTYPE read (Apple's is about 10 KB).
var MaxDTD = 1 << 20

// openBody reads export.xml's prolog — XML declaration, comments, the
// DOCTYPE — and the root's start tag, and returns a scanner positioned after
// it. The DOCTYPE's internal subset is skipped, not parsed: nothing in it is
// used, and iOS 16 writes it broken (an <!ATTLIST> without its '>'), which
// XML parsers refuse though the rest is sound; it ends at the first ']'
// followed by '>', as the tools reading these exports do. An <!ENTITY>
// declaration in it is refused as unsafe; nothing is ever fetched.
func openBody(r io.Reader) (*scanner, error) {
	s := &scanner{br: bufio.NewReaderSize(r, 256<<10), names: map[string]xml.Name{}}
	if p, _ := s.br.Peek(3); bytes.Equal(p, []byte("\xef\xbb\xbf")) {
		s.br.Discard(3)
	}
	first := true
	for {
		for {
			c, err := s.br.ReadByte()
			if err != nil {
				return nil, unexpected(err)
			}
			if !isSpace(c) {
				if c != '<' {
					return nil, ErrNotExport
				}
				break
			}
			first = false
		}
		p, _ := s.br.Peek(9)
		switch {
		case bytes.HasPrefix(p, []byte("?xml")) && len(p) > 4 && (isSpace(p[4]) || p[4] == '?'):
			if !first {
				return nil, errSyntax
			}
			decl, err := s.readDecl()
			if err != nil {
				return nil, err
			}
			if !utf8Decl(decl) {
				return nil, errNotUTF8
			}
		case bytes.HasPrefix(p, []byte("!--")):
			s.br.Discard(3)
			if err := s.skipComment(); err != nil {
				return nil, err
			}
		case bytes.HasPrefix(p, []byte("?")):
			if err := s.skipPast("?>", false); err != nil {
				return nil, err
			}
		case len(p) == 9 && bytes.HasPrefix(p, []byte("!DOCTYPE")) && isSpace(p[8]):
			if err := s.skipDoctype(); err != nil {
				return nil, err
			}
		case bytes.HasPrefix(p, []byte("!")):
			return nil, errSyntax
		default:
			tag, err := s.readTag()
			if err != nil {
				return nil, err
			}
			if tag[0] == '/' {
				return nil, errSyntax
			}
			ev, err := s.startTag(tag)
			if err == errNeedMore {
				if tag, err = s.readQuotedTag(tag); err == nil {
					ev, err = s.startTag(tag)
				}
			}
			if err != nil {
				return nil, err
			}
			if ev.name.Local != "HealthData" || ev.name.Space != "" {
				return nil, ErrNotExport
			}
			if ev.selfClose {
				s.done = true
			} else {
				s.stack = []xml.Name{ev.name}
			}
			return s, nil
		}
		first = false
	}
}

var errNotUTF8 = fmt.Errorf("%w (export.xml is not in UTF-8)", ErrMalformed)

// readDecl reads an XML declaration after its '<' up to its "?>".
func (s *scanner) readDecl() ([]byte, error) {
	var decl []byte
	for len(decl) < 1024 {
		c, err := s.br.ReadByte()
		if err != nil {
			return nil, unexpected(err)
		}
		decl = append(decl, c)
		if bytes.HasSuffix(decl, []byte("?>")) {
			return decl, nil
		}
	}
	return nil, errSyntax
}

// utf8Decl: the declaration names no encoding, or UTF-8 (nothing is
// transcoded).
func utf8Decl(decl []byte) bool {
	i := bytes.Index(decl, []byte("encoding"))
	if i < 0 {
		return true
	}
	rest := bytes.TrimLeft(decl[i+len("encoding"):], " \t\r\n")
	if len(rest) == 0 || rest[0] != '=' {
		return false
	}
	rest = bytes.TrimLeft(rest[1:], " \t\r\n")
	if len(rest) == 0 || rest[0] != '"' && rest[0] != '\'' {
		return false
	}
	end := bytes.IndexByte(rest[1:], rest[0])
	if end < 0 {
		return false
	}
	enc := string(bytes.ToLower(rest[1 : 1+end]))
	return enc == "utf-8" || enc == "utf8"
}

// skipDoctype skips "!DOCTYPE name … [subset]>" (after its '<').
func (s *scanner) skipDoctype() error {
	var dtd []byte
	inSubset, inComment := false, false
	closing := false // a ']' seen, waiting for '>' after white space
	for {
		c, err := s.br.ReadByte()
		if err != nil {
			return unexpected(err)
		}
		dtd = append(dtd, c)
		if len(dtd) > MaxDTD {
			return fmt.Errorf("%w (export.xml's document type is longer than %d MB)", ErrTooLarge, MaxDTD>>20)
		}
		switch {
		case inComment:
			if bytes.HasSuffix(dtd, []byte("-->")) {
				inComment = false
			}
		case !inSubset:
			if c == '[' {
				inSubset = true
			} else if c == '>' {
				return checkDTD(dtd)
			}
		case closing:
			if c == '>' {
				return checkDTD(dtd)
			}
			if !isSpace(c) {
				closing = c == ']'
			}
		case bytes.HasSuffix(dtd, []byte("<!--")):
			inComment = true
		case c == ']':
			closing = true
		}
	}
}

func checkDTD(dtd []byte) error {
	if bytes.Contains(dtd, []byte("<!ENTITY")) {
		return fmt.Errorf("%w (export.xml declares entities)", ErrUnsafe)
	}
	return nil
}
