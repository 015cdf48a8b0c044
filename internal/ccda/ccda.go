// Package ccda reads C-CDA documents — what every US patient portal's
// "Download my record" button gives — into FHIR R4 resources.
//
// The conversion is Medplum's (@medplum/ccda 5.1.10, Apache-2.0; it parses
// with fast-xml-parser, MIT), bundled with esbuild into converter.js (see
// js/README.md) and run inside goja, a JavaScript engine written in Go: no
// network, no file system, no cgo, the same code for the window and
// `fasten import`. A maintained converter maps far more of C-CDA's
// templates than one written here would; what it misses is mended around
// it in JavaScript (js/entry.js: lab panels as DiagnosticReports, family
// history as FamilyMemberHistory) and what it gets wrong after it, in Go
// (normalise.go, stable.go).
package ccda

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/dop251/goja"
)

//go:embed converter.js
var converterJS string

// Errors a caller tells apart (errors.Is); their text says what to do and
// never quotes the document.
var (
	// ErrNotCCDA: the XML is not a C-CDA ClinicalDocument.
	ErrNotCCDA = errors.New("this XML file is not a C-CDA clinical document")
	// ErrUnsafeXML: the document declares a DTD or entities (the shape of
	// an XML bomb or an external-entity attack); it is not read.
	ErrUnsafeXML = errors.New("this XML file declares a document type or entities, which Fasten does not read")
	// ErrMalformed: not well-formed XML.
	ErrMalformed = errors.New("this XML file is damaged (not well-formed XML)")
	// ErrTooLarge: larger than MaxDocument.
	ErrTooLarge = errors.New("this C-CDA document is larger than Fasten reads")
	// ErrConvert: the converter could not make FHIR of the document.
	ErrConvert = errors.New("this C-CDA document could not be converted")
)

// MaxDocument bounds a document's size: the converter holds it, its tree
// and the FHIR made of it in memory at once (a 2.7 MB CCD takes about
// 40 MB). Portals' documents are kilobytes to a few megabytes.
const MaxDocument = 32 << 20

// Timeout bounds one conversion (a large CCD takes about a second).
var Timeout = 2 * time.Minute

const hl7v3 = "urn:hl7-org:v3"

// Sniff says whether data (the start of a file is enough) looks like a
// C-CDA document: XML whose first element is an HL7 v3 ClinicalDocument.
func Sniff(head []byte) bool {
	d := xml.NewDecoder(bytes.NewReader(head))
	d.Strict = false
	for i := 0; i < 64; i++ {
		tok, err := d.Token()
		if err != nil {
			return false
		}
		if se, ok := tok.(xml.StartElement); ok {
			return se.Name.Local == "ClinicalDocument" && (se.Name.Space == hl7v3 || se.Name.Space == "")
		}
	}
	return false
}

// check reads the whole document once with Go's XML decoder before the
// converter sees it: well-formed, no DTD or entity declarations (Go never
// expands them, but the JavaScript parser would), a ClinicalDocument root.
func check(doc []byte) error {
	if len(doc) > MaxDocument {
		return ErrTooLarge
	}
	d := xml.NewDecoder(bytes.NewReader(doc))
	d.Strict = true
	root := false
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return ErrMalformed
		}
		switch t := tok.(type) {
		case xml.Directive:
			return ErrUnsafeXML
		case xml.StartElement:
			if !root {
				if t.Name.Local != "ClinicalDocument" || (t.Name.Space != hl7v3 && t.Name.Space != "") {
					return ErrNotCCDA
				}
				root = true
			}
		}
	}
	if !root {
		return ErrNotCCDA
	}
	return nil
}

// Converter runs the converter. A goja runtime serves one goroutine at a
// time, so conversions take turns; loading the script (about 80 ms) is
// paid once per Converter.
type Converter struct {
	mu sync.Mutex
	vm *goja.Runtime
	fn goja.Callable
	// seq feeds the converter's randomUUID: ids it invents (an entry
	// without one of its own) are the same each time a document is read.
	seq  uint64
	seed [32]byte
	// invented are the ids randomUUID gave during the current conversion:
	// stable (see stableIDs) gives them ids of the records' own.
	invented map[string]bool
}

var (
	shared     *Converter
	sharedErr  error
	sharedOnce sync.Once
)

// Shared is the process's converter, loaded on first use.
func Shared() (*Converter, error) {
	sharedOnce.Do(func() { shared, sharedErr = New() })
	return shared, sharedErr
}

// New loads the converter into a fresh runtime.
func New() (*Converter, error) {
	c := &Converter{vm: goja.New()}
	if err := c.installGlobals(); err != nil {
		return nil, err
	}
	if _, err := c.vm.RunScript("converter.js", converterJS); err != nil {
		return nil, fmt.Errorf("loading the C-CDA converter: %w", err)
	}
	fn, ok := goja.AssertFunction(c.vm.Get("fastenConvertCcda"))
	if !ok {
		return nil, errors.New("loading the C-CDA converter: its entry point is missing")
	}
	c.fn = fn
	return c, nil
}

// installGlobals gives the script what it reads of a browser: a WebSocket
// class with its state constants (read as it loads, never used),
// crypto.randomUUID, and a console that prints nothing (its messages could
// quote the document).
func (c *Converter) installGlobals() error {
	_, err := c.vm.RunString(`
var WebSocket = function () { throw new Error('no network'); };
WebSocket.CONNECTING = 0; WebSocket.OPEN = 1; WebSocket.CLOSING = 2; WebSocket.CLOSED = 3;
var console = { log: function () {}, warn: function () {}, error: function () {}, info: function () {}, debug: function () {} };
`)
	if err != nil {
		return err
	}
	crypto := c.vm.NewObject()
	if err := crypto.Set("randomUUID", func() string { return c.nextUUID() }); err != nil {
		return err
	}
	return c.vm.Set("crypto", crypto)
}

// Convert makes a FHIR R4 Bundle (JSON) of a C-CDA document, as the
// converter gives it (normalise mends it). The document is checked first
// (check); ctx and Timeout stop a conversion that runs too long.
func (c *Converter) Convert(ctx context.Context, doc []byte) ([]byte, error) {
	out, _, err := c.convert(ctx, doc)
	return out, err
}

// convert is Convert, also returning the ids the converter invented.
func (c *Converter) convert(ctx context.Context, doc []byte) ([]byte, map[string]bool, error) {
	if err := check(doc); err != nil {
		return nil, nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq, c.seed, c.invented = 0, docSeed(doc), map[string]bool{}
	// Either stopper may fire while the script runs; neither may fire after
	// the interrupt is cleared (it would stop the next document), so the
	// ones that started are waited for.
	var fired sync.WaitGroup
	fired.Add(2)
	stop := context.AfterFunc(ctx, func() { defer fired.Done(); c.vm.Interrupt(ctx.Err()) })
	timer := time.AfterFunc(Timeout, func() { defer fired.Done(); c.vm.Interrupt("timeout") })
	defer func() {
		if stop() {
			fired.Done()
		}
		if timer.Stop() {
			fired.Done()
		}
		fired.Wait()
		c.vm.ClearInterrupt()
	}()
	out, err := c.fn(goja.Undefined(), c.vm.ToValue(string(doc)))
	if err != nil {
		var intr *goja.InterruptedError
		if errors.As(err, &intr) {
			if ctx.Err() != nil {
				return nil, nil, ctx.Err()
			}
			return nil, nil, fmt.Errorf("%w: it took longer than %s", ErrConvert, Timeout)
		}
		// The script's message may quote the document: only its kind is kept.
		return nil, nil, fmt.Errorf("%w (%s)", ErrConvert, jsErrorKind(err))
	}
	s, ok := out.Export().(string)
	if !ok {
		return nil, nil, fmt.Errorf("%w (no result)", ErrConvert)
	}
	return []byte(s), c.invented, nil
}

// jsErrorKind names a script error without its message: "TypeError",
// "Error"… (never the text, which may hold a value from the document).
func jsErrorKind(err error) string {
	var ex *goja.Exception
	if errors.As(err, &ex) {
		if obj, ok := ex.Value().(*goja.Object); ok {
			if name := obj.Get("name"); name != nil && !goja.IsUndefined(name) {
				if n := name.String(); n != "" && len(n) < 40 && !strings.ContainsAny(n, " \n") {
					return n
				}
			}
		}
	}
	return "script error"
}
