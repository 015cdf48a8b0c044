package applehealth

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/fastenhealth/fasten-desktop/internal/applehealth/applehealthtest"
)

const prologDoc = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE HealthData [\n<!ELEMENT HealthData ANY>\n]>\n<HealthData locale=\"en_US\">\n"

// referenceEvents lists a document's element events after the root's start tag
// as encoding/xml reads them (RawToken plus tag matching), or fails.
func referenceEvents(doc []byte) ([]string, error) {
	d := xml.NewDecoder(bytes.NewReader(doc))
	d.Strict = true
	var out []string
	var stack []xml.Name
	started, ended := false, false
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			if !ended {
				return nil, io.ErrUnexpectedEOF
			}
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if ended {
				return nil, fmt.Errorf("second root")
			}
			stack = append(stack, t.Name)
			if !started {
				started = true
				continue
			}
			out = append(out, startString(t.Name, t.Attr))
		case xml.EndElement:
			if len(stack) == 0 || stack[len(stack)-1] != t.Name {
				return nil, fmt.Errorf("mismatch")
			}
			stack = stack[:len(stack)-1]
			if len(stack) == 0 {
				ended = true
			}
			out = append(out, "E "+t.Name.Space+":"+t.Name.Local)
		case xml.Directive:
			if started {
				return nil, fmt.Errorf("directive in body")
			}
		}
	}
}

func startString(n xml.Name, attrs []xml.Attr) string {
	var b strings.Builder
	b.WriteString("S " + n.Space + ":" + n.Local)
	for _, a := range attrs {
		fmt.Fprintf(&b, " %s:%s=%q", a.Name.Space, a.Name.Local, a.Value)
	}
	return b.String()
}

// fast lists the same events as the scanner reads them.
// read by encoding/xml, as convertSamples does).
func fast(doc []byte) ([]string, error) {
	sc, err := openBody(bytes.NewReader(doc))
	if err != nil {
		return nil, err
	}
	var out []string
	for {
		ev, err := sc.next()
		if err != nil {
			return nil, err
		}
		switch ev.kind {
		case evEOF:
			if sc.depth() != 0 {
				return nil, io.ErrUnexpectedEOF
			}
			return out, nil
		case evStart:
			out = append(out, startString(ev.name, ev.attrs))
			if ev.selfClose {
				out = append(out, "E "+ev.name.Space+":"+ev.name.Local)
			}
		case evEnd:
			out = append(out, "E "+ev.name.Space+":"+ev.name.Local)
		}
	}
}

// The fast scanner reads the same elements and attribute values as
// encoding/xml on valid documents, and refuses what encoding/xml refuses.
func TestScannerAgreesWithEncodingXML(t *testing.T) {
	var gen bytes.Buffer
	if _, err := applehealthtest.WriteExportXML(&gen, applehealthtest.Options{Days: 3, Clinical: true}); err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("a>b&amp;c ", 40_000) // crosses the 256 KB buffer, '>' inside quotes
	valid := []string{
		gen.String(),
		prologDoc + `<a x="1>2" y='q"uote' z="&lt;&gt;&amp;&apos;&quot;&#38;&#x26;&#233;"/></HealthData>`,
		prologDoc + "<a\n  x = \"1\"\n\ty\t=\t'2'\n/><b></b  ></HealthData>\n\n",
		prologDoc + `<!-- c - d --><?pi some data?><a><![CDATA[x<y&z]]>text &amp; more</a></HealthData><!-- after -->`,
		prologDoc + `<é ü="ö€𝄞"/><h:a h:x="1" xmlns:h="urn:x"></h:a><a:/><:b/></HealthData>`,
		prologDoc + `<Record value="` + long + `" other='` + long + `'/></HealthData>`,
		prologDoc + "<a>" + strings.Repeat("text ", 100_000) + "</a></HealthData>",
		prologDoc + `<a b="" c=''/>` + "</HealthData>",
	}
	for i, doc := range valid {
		want, err := referenceEvents([]byte(doc))
		if err != nil {
			t.Fatalf("valid %d: encoding/xml: %v", i, err)
		}
		got, err := fast([]byte(doc))
		if err != nil {
			t.Fatalf("valid %d: scanner: %v", i, err)
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("valid %d: events differ\n got %.300q\nwant %.300q", i, strings.Join(got, "|"), strings.Join(want, "|"))
		}
	}
	broken := []string{
		`<a></b></HealthData>`,
		`<a>`,
		`<a x="1"/>`,
		`<a x="&foo;"/></HealthData>`,
		`<a>&foo;</a></HealthData>`,
		`<a x="a<b"/></HealthData>`,
		`<a x=1/></HealthData>`,
		`<a x/></HealthData>`,
		`<a x="1/></HealthData>`,
		`<!-- a -- b --></HealthData>`,
		`<!-- open </HealthData>`,
		`<a><![CDATA[ open </a></HealthData>`,
		"<a x=\"\x01\"/></HealthData>",
		"<a x=\"\xff\"/></HealthData>",
		"<a>\xff</a></HealthData>",
		`<a x="&#0;"/></HealthData>`,
		`<a x="&#;"/></HealthData>`,
		`<1a/></HealthData>`,
		`</HealthData><x/>`,
		`<a/ ></HealthData>`,
		`< a/></HealthData>`,
		`<a></ a></HealthData>`,
	}
	for i, body := range broken {
		doc := []byte(prologDoc + body)
		if _, err := referenceEvents(doc); err == nil {
			t.Fatalf("broken %d: encoding/xml accepts it; not a useful case", i)
		}
		if got, err := fast(doc); err == nil {
			t.Errorf("broken %d %q: the scanner accepts it: %q", i, body, got)
		}
	}
	// Where the scanner is stricter than RawToken (never in Apple's
	// exports): no space between attributes, a repeated attribute, "]]>"
	// in text, a DOCTYPE or XML declaration mid-document, a reference to a
	// character XML excludes.
	for i, body := range []string{
		`<a x="1"y="2"/></HealthData>`,
		`<a x="1" x="2"/></HealthData>`,
		`<a>]]></a></HealthData>`,
		`<!DOCTYPE x></HealthData>`,
		`<?xml version="1.0"?></HealthData>`,
		`<a x="&#xD800;"/></HealthData>`, // a surrogate, not an XML character
		`<a x="1" "2"/></HealthData>`,
		`</HealthData>text`,
	} {
		if _, err := fast([]byte(prologDoc + body)); err == nil {
			t.Errorf("stricter %d %q: the scanner accepts it", i, body)
		}
	}
}

// Real exports give each clinical record its own URL; the part names the
// provider's FHIR address.
func TestFHIRBase(t *testing.T) {
	for in, want := range map[string]string{
		"https://apiservices.example-health.test/ifs/api/FHIR/DSTU2/DiagnosticReport/T18EOBCL62BP": "https://apiservices.example-health.test/ifs/api/FHIR/DSTU2",
		"https://fhir.example.test/api/FHIR/R4/Observation/abc-1?x=1":                              "https://fhir.example.test/api/FHIR/R4",
		"https://fhir.example.test/api/FHIR/R4":                                                    "https://fhir.example.test/api/FHIR/R4",
		"https://fhir.example.test/api/FHIR/R4/":                                                   "https://fhir.example.test/api/FHIR/R4/",
		"not a url":                                                                                "not a url",
		"":                                                                                         "",
	} {
		if got := fhirBase(in); got != want {
			t.Errorf("fhirBase(%q) = %q, want %q", in, got, want)
		}
	}
}
