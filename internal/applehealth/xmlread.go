package applehealth

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"sync/atomic"
)

// guard sits between export.xml and the XML decoder: it counts the bytes
// read (progress) and refuses a run of more than MaxTag bytes without a '>'
// (encoding/xml would hold a whole attribute or text run in memory).
type guard struct {
	r   io.Reader
	n   *atomic.Int64
	run int
	err error
}

var errTagTooLong = fmt.Errorf("%w (a line of export.xml is longer than %d MB)", ErrTooLarge, MaxTag>>20)

func (g *guard) Read(p []byte) (int, error) {
	if g.err != nil {
		return 0, g.err
	}
	n, err := g.r.Read(p)
	if n > 0 {
		if g.n != nil {
			g.n.Add(int64(n))
		}
		if i := bytes.LastIndexByte(p[:n], '>'); i >= 0 {
			g.run = n - 1 - i
		} else {
			g.run += n
		}
		if g.run > MaxTag {
			g.err = errTagTooLong
			return 0, g.err
		}
	}
	if err != nil && err != io.EOF {
		g.err = err
	}
	return n, err
}

// decodeErr maps a scanner error to this package's errors: the guard's own,
// a zip read failure, or not well-formed XML. Nothing of the document is
// quoted.
func decodeErr(g *guard, err error) error {
	for _, e := range []error{ErrNotExport, ErrUnsafe, ErrMalformed, ErrTooLarge} {
		if errors.Is(err, e) {
			return err
		}
	}
	if g.err != nil {
		if errors.Is(g.err, ErrTooLarge) || errors.Is(g.err, ErrMalformed) {
			return g.err
		}
		return fmt.Errorf("%w (export.xml cannot be read)", ErrMalformed)
	}
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return fmt.Errorf("%w (export.xml ends too early)", ErrMalformed)
	}
	return fmt.Errorf("%w (export.xml is not well-formed XML)", ErrMalformed)
}

// me is the owner's characteristics from <Me>.
type me struct {
	dob, sex string
}

// readMe reads the start of export.xml: the header checks, then <Me> (Apple
// writes it second, after <ExportDate>).
func readMe(src *source) (me, error) {
	rc, err := src.open()
	if err != nil {
		return me{}, fmt.Errorf("%w (export.xml cannot be opened)", ErrMalformed)
	}
	defer rc.Close()
	g := &guard{r: zipErrors{rc}}
	sc, err := openBody(g)
	if err != nil {
		return me{}, decodeErr(g, err)
	}
	for elements := 0; elements < 64; {
		ev, err := sc.next()
		if err != nil {
			return me{}, decodeErr(g, err)
		}
		if ev.kind == evEOF {
			return me{}, nil
		}
		if ev.kind != evStart || sc.depth() != 2 && !(ev.selfClose && sc.depth() == 1) {
			continue
		}
		elements++
		if ev.name.Local == "Me" {
			var m me
			for _, a := range ev.attrs {
				switch a.Name.Local {
				case "HKCharacteristicTypeIdentifierDateOfBirth":
					m.dob = a.Value
				case "HKCharacteristicTypeIdentifierBiologicalSex":
					m.sex = a.Value
				}
			}
			return m, nil
		}
	}
	return me{}, nil
}

// clinicalRecord is one <ClinicalRecord> of export.xml.
type clinicalRecord struct {
	path string // resourceFilePath
}

// provider groups clinical records by who sent them.
type provider struct {
	name, url, version string
	records            []clinicalRecord
}

// listClinical finds every <ClinicalRecord> of export.xml, in order, with a
// byte scan that skips comments, CDATA, processing instructions and
// declarations: Apple writes them after millions of <Record>s, and the
// parts they make must be known before any is read. The scan reads only
// markup ('<' cannot occur in attribute values); the samples pass parses
// the whole document with encoding/xml and refuses it if malformed.
func listClinical(src *source) ([]*provider, error) {
	rc, err := src.open()
	if err != nil {
		return nil, fmt.Errorf("%w (export.xml cannot be opened)", ErrMalformed)
	}
	defer rc.Close()
	g := &guard{r: zipErrors{rc}}
	br := bufio.NewReaderSize(g, 256<<10)
	var groups []*provider
	index := map[[3]string]*provider{}
	listed := 0
	skipTo := func(end string) error {
		// Find end, which may straddle buffer boundaries.
		last := end[len(end)-1]
		var tail []byte
		for {
			chunk, err := br.ReadSlice(last)
			if err != nil && err != bufio.ErrBufferFull {
				return err
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
	for {
		_, err := br.ReadSlice('<')
		if err == bufio.ErrBufferFull {
			continue
		}
		if err == io.EOF {
			return groups, nil
		}
		if err != nil {
			return nil, decodeErr(g, err)
		}
		peek, _ := br.Peek(16)
		switch {
		case bytes.HasPrefix(peek, []byte("!--")):
			err = skipTo("-->")
		case bytes.HasPrefix(peek, []byte("![CDATA[")):
			err = skipTo("]]>")
		case bytes.HasPrefix(peek, []byte("?")):
			err = skipTo("?>")
		case len(peek) == 16 && bytes.HasPrefix(peek, []byte("ClinicalRecord")) && isTagEnd(peek[14]):
			var rec xml.StartElement
			if rec, err = readTag(br); err == nil {
				listed++
				if listed > MaxEntries {
					return nil, fmt.Errorf("%w (more health records listed than Fasten reads)", ErrTooLarge)
				}
				var name, url, version, file string
				for _, a := range rec.Attr {
					switch a.Name.Local {
					case "sourceName":
						name = a.Value
					case "sourceURL":
						url = a.Value
					case "fhirVersion":
						version = a.Value
					case "resourceFilePath":
						file = a.Value
					}
				}
				url = fhirBase(url)
				key := [3]string{name, url, version}
				p := index[key]
				if p == nil {
					p = &provider{name: name, url: url, version: version}
					index[key] = p
					groups = append(groups, p)
				}
				p.records = append(p.records, clinicalRecord{path: file})
			}
		}
		if err != nil {
			return nil, decodeErr(g, err)
		}
	}
}

// fhirBase is a provider's FHIR address from a record's sourceURL, which
// real exports give per resource ("…/api/FHIR/DSTU2/DiagnosticReport/T18E…"):
// a trailing ResourceType/id is dropped, so one provider is one part.
func fhirBase(u string) string {
	p, err := url.Parse(u)
	if err != nil || p.Scheme == "" || p.Host == "" {
		return u
	}
	p.RawQuery, p.Fragment = "", ""
	segs := strings.Split(strings.TrimSuffix(p.Path, "/"), "/")
	if n := len(segs); n >= 2 && resourceTypeName(segs[n-2]) && segs[n-1] != "" {
		p.Path = strings.Join(segs[:n-2], "/")
		p.RawPath = ""
	}
	return p.String()
}

// resourceTypeName: a FHIR resource type Apple's Health Records carry (a
// list, not a pattern: "FHIR/R4" has the same shape as "Observation/1").
func resourceTypeName(s string) bool {
	switch s {
	case "AllergyIntolerance", "Condition", "Immunization", "Medication", "MedicationStatement", "MedicationOrder",
		"MedicationRequest", "MedicationDispense", "Observation", "Procedure", "DiagnosticReport", "Patient",
		"Coverage", "DocumentReference", "Encounter", "Practitioner", "Organization", "Location", "CarePlan",
		"Goal", "ExplanationOfBenefit", "Claim", "Device", "ServiceRequest", "Specimen", "FamilyMemberHistory":
		return true
	}
	return false
}

func isTagEnd(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '/' || c == '>'
}

// readTag reads the rest of a start tag (after its '<') up to the '>' outside
// quotes, and decodes its attributes with encoding/xml.
func readTag(br *bufio.Reader) (xml.StartElement, error) {
	buf := []byte{'<'}
	var quote byte
	for {
		c, err := br.ReadByte()
		if err != nil {
			return xml.StartElement{}, err
		}
		buf = append(buf, c)
		if len(buf) > MaxTag {
			return xml.StartElement{}, errTagTooLong
		}
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '>':
			// The samples' scanner parses it (the same rules, vertical tabs
			// included).
			ev, err := (&scanner{names: map[string]xml.Name{}}).startTag(buf[1:])
			if err != nil {
				return xml.StartElement{}, err
			}
			return xml.StartElement{Name: ev.name, Attr: ev.attrs}, nil
		}
	}
}
