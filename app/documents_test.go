package app

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/fastenhealth/fasten-desktop/internal/household"
	"github.com/fastenhealth/fasten-desktop/internal/records"
)

const documentsFixture = "../internal/records/testdata/documents.json"

func documentsApp(t *testing.T) (*App, []records.Document) {
	t.Helper()
	a := New(household.New(filepath.Join(t.TempDir(), "household.fasten")), Options{})
	if _, err := a.CreateVault("app test passphrase", "app test passphrase"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Lock)
	p, err := a.AddPerson("Wren Quill")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := a.ImportFiles([]string{documentsFixture}, p.ID)
	if err != nil || rep.Files[0].Status != records.FileImported {
		t.Fatalf("import: %v %+v", err, rep)
	}
	docs, err := a.Documents(p.ID)
	if err != nil || len(docs) != 6 {
		t.Fatalf("documents: %v %+v", err, docs)
	}
	return a, docs
}

func docOf(t *testing.T, docs []records.Document, f records.DocFormat) records.Document {
	t.Helper()
	for _, d := range docs {
		if d.Format == f {
			return d
		}
	}
	t.Fatalf("no %s document", f)
	return records.Document{}
}

// The bindings hand PDFs, images and text out as their original bytes,
// HTML and C-CDA only sanitised, and say "not found" for unknown ids.
func TestDocumentBindings(t *testing.T) {
	a, docs := documentsApp(t)
	raw, _ := os.ReadFile(documentsFixture)
	for _, f := range []records.DocFormat{records.FormatPDF, records.FormatImage, records.FormatText} {
		d := docOf(t, docs, f)
		b64, err := a.DocumentContent(d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(raw, []byte(`"`+b64+`"`)) {
			t.Errorf("%s: the bytes differ from the file's", f)
		}
	}
	for _, f := range []records.DocFormat{records.FormatHTML, records.FormatCCDA} {
		d := docOf(t, docs, f)
		if _, err := a.DocumentContent(d.ID); ToUIError(err).Kind != KindInvalidInput {
			t.Errorf("%s handed out raw: %v", f, err)
		}
		out, err := a.DocumentHTML(d.ID)
		if err != nil || out == "" || strings.Contains(out, "<script") || strings.Contains(out, "javascript") || strings.Contains(out, "onload") {
			t.Errorf("%s as HTML: %v %s", f, err, out)
		}
	}
	if _, err := a.DocumentHTML(docOf(t, docs, records.FormatPDF).ID); ToUIError(err).Kind != KindInvalidInput {
		t.Errorf("a PDF as HTML: %v", err)
	}
	if _, err := a.DocumentContent(99999); ToUIError(err).Kind != KindNotFound {
		t.Errorf("unknown document: %v", err)
	}
	if _, err := a.Documents(99999); ToUIError(err).Kind != KindNotFound {
		t.Errorf("unknown person: %v", err)
	}
	if _, err := a.SaveDocument(docs[0].ID); err == nil {
		t.Error("the save dialog ran without a window")
	}
	a.Lock()
	if _, err := a.DocumentContent(docs[0].ID); ToUIError(err).Kind != KindLocked {
		t.Errorf("locked: %v", err)
	}
}

// /doc/<id> serves PDFs, images and text with a fixed Content-Type and
// headers that forbid sniffing, caching and running anything; HTML and
// C-CDA are refused, other paths pass through, and nothing is served once
// the vault is locked.
func TestDocumentMiddleware(t *testing.T) {
	a, docs := documentsApp(t)
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(299) })
	h := DocumentMiddleware(a)(next)
	get := func(method, p string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(method, p, nil))
		return w
	}
	path := func(d records.Document) string { return DocumentPathPrefix + strconv.FormatInt(d.ID, 10) }

	pdf := docOf(t, docs, records.FormatPDF)
	w := get("GET", path(pdf))
	b64, _ := a.DocumentContent(pdf.ID)
	want, _ := base64.StdEncoding.DecodeString(b64)
	if w.Code != 200 || !bytes.Equal(w.Body.Bytes(), want) || w.Header().Get("Content-Type") != "application/pdf" {
		t.Fatalf("pdf: %d %q", w.Code, w.Header())
	}
	for k, v := range map[string]string{
		"X-Content-Type-Options":  "nosniff",
		"Cache-Control":           "no-store",
		"Content-Security-Policy": "default-src 'none'; sandbox",
	} {
		if w.Header().Get(k) != v {
			t.Errorf("%s: %q", k, w.Header().Get(k))
		}
	}
	if w := get("GET", path(docOf(t, docs, records.FormatImage))); w.Code != 200 || w.Header().Get("Content-Type") != "image/png" {
		t.Errorf("image: %d %q", w.Code, w.Header())
	}
	if w := get("GET", path(docOf(t, docs, records.FormatText))); w.Code != 200 || w.Header().Get("Content-Type") != "text/plain; charset=utf-8" {
		t.Errorf("text: %d %q", w.Code, w.Header())
	}
	if w := get("HEAD", path(pdf)); w.Code != 200 || w.Body.Len() != 0 {
		t.Errorf("head: %d %d", w.Code, w.Body.Len())
	}
	for _, f := range []records.DocFormat{records.FormatHTML, records.FormatCCDA} {
		if w := get("GET", path(docOf(t, docs, f))); w.Code != http.StatusUnsupportedMediaType || strings.Contains(w.Body.String(), "<") {
			t.Errorf("%s served raw: %d", f, w.Code)
		}
	}
	for _, p := range []string{"/doc/99999", "/doc/abc", "/doc/-1", "/doc/"} {
		if w := get("GET", p); w.Code != 404 {
			t.Errorf("%s: %d", p, w.Code)
		}
	}
	if w := get("POST", path(pdf)); w.Code != http.StatusMethodNotAllowed {
		t.Errorf("post: %d", w.Code)
	}
	if w := get("GET", "/index.html"); w.Code != 299 {
		t.Errorf("other paths must reach the assets: %d", w.Code)
	}
	a.Lock()
	if w := get("GET", path(pdf)); w.Code != http.StatusForbidden || w.Body.Len() > 20 {
		t.Errorf("locked: %d %q", w.Code, w.Body.String())
	}
}

func TestDocumentFileName(t *testing.T) {
	for _, c := range []struct {
		d    records.Document
		want string
	}{
		{records.Document{Title: "Discharge summary.pdf", ContentType: "application/pdf"}, "Discharge summary.pdf"},
		{records.Document{Title: "../../etc/passwd", ContentType: "text/plain"}, "-..-etc-passwd"},
		{records.Document{Title: "Scan \u202egnp.exe", ContentType: "image/png"}, "Scan gnp.exe"},
		{records.Document{Title: "", ContentType: "application/pdf"}, "document.pdf"},
		{records.Document{Title: "Summary", ContentType: "application/xml", Format: records.FormatCCDA}, "Summary.xml"},
	} {
		if got := documentFileName(c.d); got != c.want {
			t.Errorf("%q: %q want %q", c.d.Title, got, c.want)
		}
	}
}
