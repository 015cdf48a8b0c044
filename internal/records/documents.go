package records

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/xml"
	"errors"
	"fmt"
	"html"
	"io"
	"mime"
	"regexp"
	"strconv"
	"strings"
)

// DocFormat says how the UI can show a document.
type DocFormat string

// Document formats. Only the first five are rendered in the app; "other"
// is offered for saving.
const (
	FormatPDF   DocFormat = "pdf"   // shown with the app's PDF renderer (no document scripts run)
	FormatImage DocFormat = "image" // PNG, JPEG, GIF, WebP (never SVG: it can carry script)
	FormatText  DocFormat = "text"  // text/plain, shown as text
	FormatHTML  DocFormat = "html"  // shown through DocumentHTML (sanitised)
	FormatCCDA  DocFormat = "ccda"  // C-CDA XML, shown through DocumentHTML (its section narratives)
	FormatOther DocFormat = "other"
)

// Document is one attachment of a person's record: a PDF the hospital
// sent, a scanned image, a note, a C-CDA summary.
type Document struct {
	ID           int64     `json:"id"`
	Resource     int64     `json:"resource"` // the record it belongs to (for Detail)
	ResourceType string    `json:"resourceType"`
	Title        string    `json:"title"`
	Kind         string    `json:"kind"` // what it is, e.g. "Discharge summary", "Lab report"
	ContentType  string    `json:"contentType"`
	Format       DocFormat `json:"format"`
	Renderable   bool      `json:"renderable"`
	Size         int64     `json:"size"`
	Date         string    `json:"date"` // the owning record's date, as the FHIR data has it
	Source       string    `json:"source"`
	Inline       bool      `json:"inline"` // decoded from the record itself, not downloaded
}

// ErrNoDocument is returned for a document id that is not in the vault. It
// is also an ErrNoResource, so callers that handle "gone" handle both.
var ErrNoDocument error = noDocument{}

type noDocument struct{}

func (noDocument) Error() string        { return "that document is not in the vault" }
func (noDocument) Is(target error) bool { return target == ErrNoResource }

// ErrNotRenderable is returned by DocumentHTML for a document that is not
// HTML or C-CDA, or whose XML cannot be read.
var ErrNotRenderable = errors.New("this document cannot be shown in Fasten; save it to open it with another program")

// sniffLen is how much of a document's start is read to tell its format
// when the content type does not (XML roots, unlabelled PDFs and images).
const sniffLen = 4096

// documentColumns never read data: size and head are kept beside it.
const documentColumns = `a.id, a.resource, r.resource_type, a.title, a.content_type, a.size, s.date, s.display, s.category, src.label, a.origin, a.head`

// docHead is what an attachment row keeps of its first bytes.
func docHead(data []byte) []byte {
	if len(data) > sniffLen {
		return data[:sniffLen]
	}
	return data
}

const documentFrom = ` FROM attachments a JOIN resources r ON r.id = a.resource JOIN sources src ON src.id = r.source_id
LEFT JOIN summaries s ON s.resource = a.resource `

// Documents lists every document of a person, newest first.
func (s *Store) Documents(ctx context.Context, personID int64) ([]Document, error) {
	if _, err := s.Person(ctx, personID); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, "SELECT "+documentColumns+documentFrom+"WHERE s.person_id = ? ORDER BY s.date DESC, a.id", personID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Document{}
	for rows.Next() {
		d, err := scanDocument(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

func scanDocument(row interface{ Scan(...any) error }) (Document, error) {
	var d Document
	var date, display, category sql.NullString
	var origin string
	var head []byte
	if err := row.Scan(&d.ID, &d.Resource, &d.ResourceType, &d.Title, &d.ContentType, &d.Size, &date, &display, &category, &d.Source, &origin, &head); err != nil {
		return d, err
	}
	d.Date = date.String
	d.Inline = origin == "inline"
	d.Format = classify(d.ContentType, head)
	d.Renderable = d.Format != FormatOther
	d.Kind = documentKind(d.ResourceType, cleanDisplay(display.String), category.String)
	if strings.TrimSpace(d.Title) == "" {
		d.Title = d.Kind
	}
	return d, nil
}

// DocumentContent returns a document and its original bytes.
func (s *Store) DocumentContent(ctx context.Context, id int64) (Document, []byte, error) {
	d, err := s.document(ctx, id)
	if err != nil {
		return d, nil, err
	}
	var data []byte
	if err := s.db.QueryRowContext(ctx, "SELECT data FROM attachments WHERE id = ?", id).Scan(&data); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return d, nil, ErrNoDocument
		}
		return d, nil, err
	}
	return d, data, nil
}

func (s *Store) document(ctx context.Context, id int64) (Document, error) {
	d, err := scanDocument(s.db.QueryRowContext(ctx, "SELECT "+documentColumns+documentFrom+"WHERE a.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return d, ErrNoDocument
	}
	return d, err
}

// SaveDocument writes a document's original bytes to path the way exports
// are written (atomicWrite): a failure leaves what was there untouched.
func (s *Store) SaveDocument(ctx context.Context, id int64, path string) (Document, error) {
	d, data, err := s.DocumentContent(ctx, id)
	if err != nil {
		return d, err
	}
	err = atomicWrite(path, "document", func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
	return d, err
}

// DocumentHTML returns an HTML or C-CDA document as sanitised HTML: what
// the page may put into its DOM. Nothing in it runs, loads or navigates.
func (s *Store) DocumentHTML(ctx context.Context, id int64) (string, error) {
	d, data, err := s.DocumentContent(ctx, id)
	if err != nil {
		return "", err
	}
	switch d.Format {
	case FormatHTML:
		return documentPolicy.Sanitize(strings.ToValidUTF8(string(data), "\uFFFD")), nil
	case FormatCCDA:
		out, err := renderCCDA(data)
		if err != nil {
			return "", err
		}
		return documentPolicy.Sanitize(out), nil
	}
	return "", ErrNotRenderable
}

// documentPolicy is the narrative policy: provider documents get no more
// than narratives do (no links, images, styles, forms or frames).
var documentPolicy = narrativePolicy

// classify tells a document's format from its content type and, where that
// is vague, from its first bytes. The content type decides what is shown:
// bytes are never rendered as something they do not say they are, except
// that unlabelled PDFs and images are recognised by their signatures.
func classify(contentType string, head []byte) DocFormat {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt = strings.ToLower(strings.TrimSpace(contentType))
	}
	switch mt {
	case "application/pdf":
		return FormatPDF
	case "image/png", "image/jpeg", "image/jpg", "image/gif", "image/webp":
		return FormatImage
	case "text/plain":
		return FormatText
	case "text/html", "application/xhtml+xml":
		return FormatHTML
	case "application/xml", "text/xml", "application/hl7-cda+xml", "application/cda+xml":
		if isClinicalDocument(head) {
			return FormatCCDA
		}
		return FormatOther
	case "", "application/octet-stream":
		switch {
		case bytes.HasPrefix(head, []byte("%PDF-")):
			return FormatPDF
		case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")), bytes.HasPrefix(head, []byte("\xff\xd8\xff")):
			return FormatImage
		case isClinicalDocument(head):
			return FormatCCDA
		}
	}
	return FormatOther
}

// isClinicalDocument reports whether an XML document's root element is a
// CDA ClinicalDocument (in the HL7 v3 namespace).
func isClinicalDocument(head []byte) bool {
	d := xml.NewDecoder(bytes.NewReader(head))
	d.Strict = false // a cut-off prefix is fine: only the root matters
	// Comments, the XML declaration and stylesheet instructions may come
	// first (the HL7 examples carry a long comment block).
	for i := 0; i < 256; i++ {
		tok, err := d.RawToken()
		if err != nil {
			return false
		}
		if se, ok := tok.(xml.StartElement); ok {
			return se.Name.Local == "ClinicalDocument"
		}
	}
	return false
}

// semanticTag is SNOMED's "(record artifact)" style suffix.
var semanticTag = regexp.MustCompile(`\s*\([a-z][a-z /-]*\)\s*$`)

func cleanDisplay(s string) string { return strings.TrimSpace(semanticTag.ReplaceAllString(s, "")) }

// documentKind says what a document is, in words: a DocumentReference's
// type ("Discharge summary"), "Lab report" for a laboratory report.
func documentKind(resourceType, display, category string) string {
	switch resourceType {
	case "DiagnosticReport":
		if strings.EqualFold(category, "LAB") || strings.EqualFold(category, "laboratory") {
			return "Lab report"
		}
		if display != "" {
			return display
		}
		return "Report"
	case "Media":
		if display != "" {
			return display
		}
		return "Image"
	case "Binary":
		return "File"
	}
	if display != "" {
		return display
	}
	if category != "" {
		return category
	}
	return "Document"
}

// C-CDA rendering bounds: a hostile document cannot make the renderer
// nest without end or build an unbounded page.
const (
	ccdaMaxDepth  = 256
	ccdaMaxOutput = 8 << 20
)

// ccdaTags maps CDA narrative block elements to the HTML the policy allows.
var ccdaTags = map[string]string{
	"paragraph": "p", "content": "span", "br": "br", "sub": "sub", "sup": "sup", "caption": "caption",
	"table": "table", "thead": "thead", "tbody": "tbody", "tfoot": "tfoot", "tr": "tr", "th": "th", "td": "td",
	"item": "li", "footnote": "small", "footnoteRef": "", "linkHtml": "span", "renderMultiMedia": "",
	"col": "", "colgroup": "",
}

// renderCCDA turns a C-CDA document into simple HTML: the document's title,
// then each section's title and its human-readable <text>. Coded entries
// are not shown (the narrative is the attested content). encoding/xml
// expands no external entities and follows no references.
func renderCCDA(data []byte) (string, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	var b strings.Builder
	var stack []string // local names of open elements
	sectionDepth := 0  // how many <section>s are open
	inText := 0        // depth inside a section's <text>, 0 outside
	var title *strings.Builder
	titleLevel := 0
	var closers []string // HTML end tags for the narrative elements open in <text>
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", ErrNotRenderable
		}
		if b.Len() > ccdaMaxOutput {
			b.WriteString("<p>(The rest of this document is too long to show here; save it to read it all.)</p>")
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) >= ccdaMaxDepth {
				return "", ErrNotRenderable
			}
			name := t.Name.Local
			parent := ""
			if len(stack) > 0 {
				parent = stack[len(stack)-1]
			}
			stack = append(stack, name)
			switch {
			case inText > 0:
				inText++
				if name == "caption" && parent == "list" && len(closers) > 0 {
					// An HTML list holds only items (a caption there breaks it
					// for screen readers): the caption becomes a paragraph
					// before the items, and the list starts again after it.
					list := strings.TrimSuffix(strings.TrimPrefix(closers[len(closers)-1], "</"), ">")
					if out := b.String(); strings.HasSuffix(out, "<"+list+">") {
						b.Reset()
						b.WriteString(strings.TrimSuffix(out, "<"+list+">"))
					} else {
						b.WriteString("</" + list + ">")
					}
					b.WriteString("<p>")
					closers = append(closers, "</p><"+list+">")
					continue
				}
				tag, known := ccdaTags[name]
				if name == "list" {
					tag = "ul"
					for _, a := range t.Attr {
						if a.Name.Local == "listType" && a.Value == "ordered" {
							tag = "ol"
						}
					}
				} else if !known {
					tag = "span"
				}
				if tag == "" {
					closers = append(closers, "")
					continue
				}
				b.WriteString("<" + tag)
				if tag == "td" || tag == "th" {
					for _, a := range t.Attr {
						if a.Name.Local == "colspan" || a.Name.Local == "rowspan" {
							if n, err := strconv.Atoi(a.Value); err == nil && n > 0 && n < 1000 {
								fmt.Fprintf(&b, ` %s="%d"`, a.Name.Local, n)
							}
						}
					}
				}
				if tag == "br" {
					b.WriteString(">")
					closers = append(closers, "")
					continue
				}
				b.WriteString(">")
				closers = append(closers, "</"+tag+">")
			case name == "section":
				sectionDepth++
				b.WriteString("<div>")
			case name == "title" && (parent == "ClinicalDocument" || parent == "section"):
				title = &strings.Builder{}
				titleLevel = 1
				if parent == "section" {
					titleLevel = 1 + min(sectionDepth, 4)
				}
			case name == "text" && parent == "section":
				inText = 1
				closers = closers[:0]
				b.WriteString("<div>")
			}
		case xml.EndElement:
			if len(stack) == 0 {
				continue
			}
			name := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			switch {
			case inText > 1:
				inText--
				if n := len(closers); n > 0 {
					b.WriteString(closers[n-1])
					closers = closers[:n-1]
				}
			case inText == 1 && name == "text":
				inText = 0
				b.WriteString("</div>")
			case name == "section" && sectionDepth > 0:
				sectionDepth--
				b.WriteString("</div>")
			case name == "title" && title != nil:
				if s := strings.TrimSpace(title.String()); s != "" {
					fmt.Fprintf(&b, "<h%d>%s</h%d>", titleLevel, html.EscapeString(s), titleLevel)
				}
				title = nil
			}
		case xml.CharData:
			switch {
			case title != nil:
				title.Write(t)
			case inText > 0:
				b.WriteString(html.EscapeString(string(t)))
			}
		}
	}
	return b.String(), nil
}
