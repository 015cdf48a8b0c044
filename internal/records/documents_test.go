package records_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/fastenhealth/fasten-desktop/internal/records"
	"github.com/fastenhealth/fasten-desktop/internal/vault"
)

// inlineData reads every Attachment.data of the test bundle, decoded, by
// title: what the vault must hand back byte for byte.
func inlineData(t *testing.T, file string) map[string][]byte {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if d, ok := x["data"].(string); ok {
				if _, ok := x["contentType"].(string); ok {
					b, err := base64.StdEncoding.DecodeString(d)
					if err == nil {
						title, _ := x["title"].(string)
						out[title] = b
					}
				}
			}
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	var doc any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	walk(doc)
	return out
}

func importDocs(t *testing.T, s *records.Store, file string) records.FileResult {
	t.Helper()
	rep, err := s.Import(context.Background(), []string{file}, records.ImportOptions{AutoCreatePeople: true}, nil)
	if err != nil || len(rep.Files) != 1 {
		t.Fatalf("import: %v %+v", err, rep)
	}
	return rep.Files[0]
}

func personNamed(t *testing.T, s *records.Store, name string) records.Person {
	t.Helper()
	people, err := s.People(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range people {
		if p.Name == name {
			return p
		}
	}
	t.Fatalf("no %s among %+v", name, people)
	return records.Person{}
}

// attachmentRows is every attachment row except its id, in a stable order.
func attachmentRows(t *testing.T, v *vault.Vault) []string {
	t.Helper()
	rows, err := v.DB().Query("SELECT resource, origin, path, content_type, title, hex(sha256), hex(data) FROM attachments ORDER BY resource, path, sha256")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var res int64
		var o, p, ct, title, sum, data string
		if err := rows.Scan(&res, &o, &p, &ct, &title, &sum, &data); err != nil {
			t.Fatal(err)
		}
		out = append(out, strings.Join([]string{o, p, ct, title, sum, data}, "|"))
	}
	return out
}

// Inline attachments become documents: listed per person with their kind,
// format, size and date, their bytes identical to what the file carried,
// the resource's raw JSON untouched, and reindex rebuilding exactly the
// same rows.
func TestInlineAttachmentsBecomeDocuments(t *testing.T) {
	ctx := context.Background()
	s, v := openStore(t)
	file := "testdata/documents.json"
	res := importDocs(t, s, file)
	if res.Status != records.FileImported || res.Skipped != 0 || res.Attachments != 7 || res.AttachmentsSkipped != 0 {
		t.Fatalf("import: %+v", res)
	}
	wren := personNamed(t, s, "Wren Quill")
	docs, err := s.Documents(ctx, wren.ID)
	if err != nil {
		t.Fatal(err)
	}
	// The Binary has no patient: it is extracted but belongs to nobody's list.
	if len(docs) != 6 {
		t.Fatalf("documents: %d %+v", len(docs), docs)
	}
	want := inlineData(t, file)
	byTitle := map[string]records.Document{}
	for _, d := range docs {
		byTitle[d.Title] = d
		_, data, err := s.DocumentContent(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		w, ok := want[d.Title]
		if d.ResourceType == "Media" {
			w, ok = want["Blood count scan"] // the same PNG, untitled
		}
		if !ok || !bytes.Equal(data, w) || d.Size != int64(len(w)) {
			t.Errorf("%q: bytes differ from the file's (%d vs %d)", d.Title, len(data), len(w))
		}
		if !d.Inline {
			t.Errorf("%q not marked inline", d.Title)
		}
	}
	check := func(title string, f records.DocFormat, kind, date string) {
		t.Helper()
		d, ok := byTitle[title]
		if !ok {
			t.Fatalf("no document %q in %+v", title, docs)
		}
		if d.Format != f || d.Kind != kind || d.Date != date || d.Renderable != (f != records.FormatOther) || d.Source != "Imported files" {
			t.Errorf("%q: %+v", title, d)
		}
	}
	check("Discharge summary.pdf", records.FormatPDF, "Discharge summary", "2023-05-02T10:00:00Z")
	check("Discharge summary (C-CDA)", records.FormatCCDA, "Discharge summary", "2023-05-02T10:00:00Z")
	check("Instructions", records.FormatText, "Visit note", "2023-06-10T09:00:00Z")
	check("Visit note <b onmouseover=alert(1)>", records.FormatHTML, "Visit note", "2023-06-10T09:00:00Z")
	check("Blood count scan", records.FormatImage, "Lab report", "2023-04-01")
	check("Image", records.FormatImage, "Image", "") // summaries give Media no date yet
	if docs[0].Date < docs[len(docs)-1].Date {
		t.Errorf("not newest first: %+v", docs)
	}

	// The raw JSON stays byte-for-byte: verify rehashes every resource.
	if rep, err := s.Verify(ctx); err != nil || !rep.OK {
		t.Fatalf("verify: %v %+v", err, rep)
	}
	if n := count(t, v, "SELECT count(*) FROM resources WHERE instr(unpack_raw(raw), CAST('\"data\"' AS BLOB)) > 0"); n != 5 {
		t.Fatalf("raw resources lost their inline data: %d", n)
	}

	before := attachmentRows(t, v)
	if len(before) != 7 {
		t.Fatalf("rows: %d", len(before))
	}
	// A downloaded (raw) attachment survives reindex; inline rows are rebuilt.
	var docRes int64
	v.DB().QueryRow("SELECT id FROM resources WHERE resource_id = 'dr-notes'").Scan(&docRes)
	if ok, err := s.StoreAttachment(ctx, docRes, "text/plain", "fetched", []byte("downloaded by sync")); err != nil || !ok {
		t.Fatal(ok, err)
	}
	before = attachmentRows(t, v)
	if _, err := v.DB().Exec("DELETE FROM attachments WHERE origin = 'inline' AND path LIKE 'content[1]%'"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Reindex(ctx); err != nil {
		t.Fatal(err)
	}
	after := attachmentRows(t, v)
	if strings.Join(before, "\n") != strings.Join(after, "\n") {
		t.Fatalf("reindex did not rebuild the same attachment rows:\n%d before, %d after", len(before), len(after))
	}
	if n := count(t, v, "SELECT count(*) FROM attachments WHERE origin = 'fetched'"); n != 1 {
		t.Fatalf("fetched rows after reindex: %d", n)
	}

	// Re-importing the same file changes nothing, attachments included.
	if r := importDocs(t, s, file); r.Status != records.FileUnchanged || len(attachmentRows(t, v)) != 8 {
		t.Fatalf("re-import: %+v", r)
	}

	// A new version of a record replaces its inline attachments.
	raw, _ := os.ReadFile(file)
	changed := bytes.Replace(raw, []byte(`"date": "2023-06-10T09:00:00Z"`), []byte(`"date": "2023-06-11T09:00:00Z"`), 1)
	changed = bytes.Replace(changed, []byte(`"title": "Instructions",`), []byte(`"title": "Instructions v2",`), 1)
	if bytes.Equal(raw, changed) {
		t.Fatal("fixture edit did nothing")
	}
	p2 := filepath.Join(t.TempDir(), "v2.json")
	os.WriteFile(p2, changed, 0o600)
	if r := importDocs(t, s, p2); r.Updated != 1 || r.Attachments != 2 {
		t.Fatalf("update: %+v", r)
	}
	if n := count(t, v, "SELECT count(*) FROM attachments WHERE resource = ? AND origin = 'inline'", docRes); n != 2 {
		t.Fatalf("inline rows after update: %d", n)
	}
	if n := count(t, v, "SELECT count(*) FROM attachments WHERE title = 'Instructions'"); n != 0 {
		t.Fatal("the old version's attachment is still listed")
	}

	// Unknown ids are "not found" (and so ErrNoResource for the UI mapping).
	if _, _, err := s.DocumentContent(ctx, 99999); !errors.Is(err, records.ErrNoDocument) || !errors.Is(err, records.ErrNoResource) {
		t.Fatalf("unknown document: %v", err)
	}
	if _, err := s.Documents(ctx, 99999); !errors.Is(err, records.ErrNoPerson) {
		t.Fatalf("unknown person: %v", err)
	}
	// Removing the person removes their documents (cascade).
	if err := s.RemovePerson(ctx, wren.ID); err != nil {
		t.Fatal(err)
	}
	if n := count(t, v, "SELECT count(*) FROM attachments a JOIN resources r ON r.id = a.resource WHERE r.resource_type != 'Binary'"); n != 0 {
		t.Fatalf("attachments left after removing the person: %d", n)
	}
}

// HTML and C-CDA documents come back as sanitised HTML: the payloads in the
// fixture (script, event handlers, javascript: and data: URLs, SVG, CSS,
// meta refresh, iframes, forms) are gone, the readable text stays.
func TestDocumentHTMLIsSanitised(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	importDocs(t, s, "testdata/documents.json")
	docs, err := s.Documents(ctx, personNamed(t, s, "Wren Quill").ID)
	if err != nil {
		t.Fatal(err)
	}
	var htmlID, ccdaID, pdfID int64
	for _, d := range docs {
		switch d.Format {
		case records.FormatHTML:
			htmlID = d.ID
		case records.FormatCCDA:
			ccdaID = d.ID
		case records.FormatPDF:
			pdfID = d.ID
		}
	}
	dangerous := []string{"<script", "alert", "javascript", "onload", "onerror", "onclick", "onfocus", "onmouseover", "<svg", "<iframe", "<img", "<style", "<meta", "<form", "<input", "href", "src=", "data:", "style="}
	out, err := s.DocumentHTML(ctx, htmlID)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range dangerous {
		if strings.Contains(strings.ToLower(out), bad) {
			t.Errorf("sanitised HTML still has %q: %s", bad, out)
		}
	}
	assertInertTags(t, out)
	if !strings.Contains(out, "Seen for a sore throat.") || !strings.Contains(out, "<h1>Visit note</h1>") || !strings.Contains(out, "Plan: fluids") {
		t.Errorf("the note's text is gone: %s", out)
	}

	out, err = s.DocumentHTML(ctx, ccdaID)
	if err != nil {
		t.Fatal(err)
	}
	// (The example's own "ALERTS" section title is text, not a payload.)
	assertInertTags(t, out)
	// The Discharge Summary example's own section titles and narrative.
	for _, want := range []string{"<h1>", "HOSPITAL COURSE", "<table>", "<td>", "HOSPITAL DISCHARGE INSTRUCTIONS", "ALLERGIES, ADVERSE REACTIONS, ALERTS"} {
		if !strings.Contains(out, want) {
			t.Errorf("C-CDA rendering lacks %q", want)
		}
	}
	if _, err := s.DocumentHTML(ctx, pdfID); !errors.Is(err, records.ErrNotRenderable) {
		t.Fatalf("a PDF as HTML: %v", err)
	}
}

// A C-CDA whose narrative carries markup and entities is rendered as text:
// nothing from the XML becomes an element or attribute the policy did not
// build, and external entities are never fetched.
func TestCCDAPayloadsAreInert(t *testing.T) {
	ctx := context.Background()
	s, v := openStore(t)
	ccda := `<?xml version="1.0"?>
<!DOCTYPE ClinicalDocument [<!ENTITY ext SYSTEM "http://127.0.0.1:1/x">]>
<ClinicalDocument xmlns="urn:hl7-org:v3"><title>Summary &lt;script&gt;alert(1)&lt;/script&gt;</title>
<component><structuredBody><component><section><title>Notes</title>
<text><paragraph onclick="alert(2)">&lt;img src=x onerror=alert(3)&gt; plain words</paragraph>
<linkHtml href="javascript:alert(4)">a link</linkHtml><renderMultiMedia referencedObject="x"/>
<table><tr><td colspan="2" onmouseover="alert(5)">cell</td></tr></table>
<list listType="ordered"><item>first</item></list>
<list><caption>Smoking status</caption><item>Never smoked</item></list></text></section></component></structuredBody></component></ClinicalDocument>`
	body := `{"resourceType":"Bundle","type":"collection","entry":[
{"resource":{"resourceType":"Patient","id":"c","name":[{"family":"Quill","given":["Fern"]}],"birthDate":"2001-01-01"}},
{"resource":{"resourceType":"DocumentReference","id":"d","status":"current","subject":{"reference":"Patient/c"},
"content":[{"attachment":{"contentType":"text/xml","data":"` + base64.StdEncoding.EncodeToString([]byte(ccda)) + `"}}]}}]}`
	p := filepath.Join(t.TempDir(), "c.json")
	os.WriteFile(p, []byte(body), 0o600)
	importDocs(t, s, p)
	docs, err := s.Documents(ctx, personNamed(t, s, "Fern Quill").ID)
	if err != nil || len(docs) != 1 || docs[0].Format != records.FormatCCDA {
		t.Fatalf("%v %+v", err, docs)
	}
	out, err := s.DocumentHTML(ctx, docs[0].ID)
	if err != nil {
		// encoding/xml refuses the undeclared-in-strict-mode entity use? It
		// must at least not have fetched anything; a refusal is acceptable.
		t.Fatal(err)
	}
	// The payloads may stay as escaped text; no tag may carry them.
	assertInertTags(t, out)
	if !strings.Contains(out, "&lt;img src=x onerror=alert(3)&gt;") {
		t.Errorf("markup in the narrative's text should show as text: %s", out)
	}
	// A list's caption is a paragraph before it: an HTML list holds only items.
	for _, want := range []string{"plain words", "a link", `<td colspan="2">cell</td>`, "<ol><li>first</li></ol>", "<h2>Notes</h2>", "<p>Smoking status</p><ul><li>Never smoked</li></ul>"} {
		if !strings.Contains(out, want) {
			t.Errorf("C-CDA rendering lacks %q: %s", want, out)
		}
	}
	_ = v
}

// An attachment larger than the cap is reported and skipped; the record and
// its other attachments are stored. One that is not base64 at all is
// refused earlier, with its whole record, by the FHIR validator (a
// base64Binary that does not decode is invalid FHIR), and reported as a
// skipped record.
func TestBadInlineAttachmentsAreReportedAndSkipped(t *testing.T) {
	ctx := context.Background()
	s, v := openStore(t)
	defer records.LimitInlineAttachments(1024)()
	res := importDocs(t, s, "testdata/documents-bad.json")
	if res.Status != records.FileImported || res.Added != 2 || res.Skipped != 1 {
		t.Fatalf("import: %+v", res)
	}
	if res.Attachments != 1 || res.AttachmentsSkipped != 1 || len(res.Issues) != 2 {
		t.Fatalf("attachments: %+v", res)
	}
	var big, broken records.FileIssue
	for _, is := range res.Issues {
		if is.Kept {
			big = is
		} else {
			broken = is
		}
	}
	if big.Type != "DocumentReference" || big.Path != "DocumentReference.content[0].attachment" || !strings.Contains(big.Reason, "larger than 1024 bytes") {
		t.Errorf("oversized: %+v", big)
	}
	if broken.Type != "DocumentReference" || !strings.Contains(broken.Path, "data") {
		t.Errorf("invalid base64: %+v", broken)
	}
	if n := count(t, v, "SELECT count(*) FROM resources WHERE resource_id = 'dr-bad'"); n != 1 {
		t.Fatal("the record with an oversized attachment was not stored")
	}
	docs, err := s.Documents(ctx, personNamed(t, s, "Ash Quill").ID)
	if err != nil || len(docs) != 1 || docs[0].Title != "fine" {
		t.Fatalf("documents: %v %+v", err, docs)
	}
	_, data, _ := s.DocumentContent(ctx, docs[0].ID)
	if string(data) != "fine note" {
		t.Fatalf("content %q", data)
	}
	// Reindex skips the oversized one again, consistently.
	if _, err := s.Reindex(ctx); err != nil {
		t.Fatal(err)
	}
	if n := count(t, v, "SELECT count(*) FROM attachments"); n != 1 {
		t.Fatalf("attachments after reindex: %d", n)
	}
}

// SaveDocument writes the original bytes like an export: through a fresh
// temporary file, renamed over the target.
func TestSaveDocumentWritesOriginalBytes(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	importDocs(t, s, "testdata/documents.json")
	docs, _ := s.Documents(ctx, personNamed(t, s, "Wren Quill").ID)
	dir := t.TempDir()
	out := filepath.Join(dir, "doc.pdf")
	os.WriteFile(out, []byte("older"), 0o600)
	for _, d := range docs {
		if d.Format != records.FormatPDF {
			continue
		}
		if _, err := s.SaveDocument(ctx, d.ID, out); err != nil {
			t.Fatal(err)
		}
		_, want, _ := s.DocumentContent(ctx, d.ID)
		got, _ := os.ReadFile(out)
		if !bytes.Equal(got, want) || !bytes.HasPrefix(got, []byte("%PDF-")) {
			t.Fatal("saved bytes differ")
		}
	}
	assertNoTemp(t, dir)
	if _, err := s.SaveDocument(ctx, 99999, filepath.Join(dir, "x")); !errors.Is(err, records.ErrNoDocument) {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "x")); !os.IsNotExist(err) {
		t.Fatal("a file was written for an unknown document")
	}
}

// assertInertTags fails on any tag in out that names a script, an embedded
// object, an event handler, a URL or a style: the sanitised HTML may hold
// payloads as text only.
func assertInertTags(t *testing.T, out string) {
	t.Helper()
	bad := regexp.MustCompile(`(?i)(<\s*/?\s*(script|img|svg|iframe|object|embed|style|meta|link|form|input|a|base)\b)|[\s/"']on[a-z]+\s*=|javascript:|data:|\b(href|src|style|action|formaction|srcdoc)\s*=`)
	for _, tag := range regexp.MustCompile(`<[^>]*>`).FindAllString(out, -1) {
		if bad.MatchString(tag) {
			t.Errorf("a tag survived sanitising: %s", tag)
		}
	}
}

// Documents are on the timeline too: each record that carries attachments
// names them, so the timeline can open the viewer; records without carry an
// empty list.
func TestTimelineItemsNameTheirDocuments(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	importDocs(t, s, "testdata/documents.json")
	wren := personNamed(t, s, "Wren Quill")
	docs, err := s.Documents(ctx, wren.ID)
	if err != nil {
		t.Fatal(err)
	}
	pg, err := s.Timeline(ctx, wren.ID, records.TimelineQuery{Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	onTimeline := map[int64]records.DocumentLink{}
	for _, it := range pg.Items {
		if it.Documents == nil {
			t.Fatalf("%s %d: nil documents (the page expects a list)", it.ResourceType, it.ID)
		}
		for _, d := range it.Documents {
			onTimeline[d.ID] = d
		}
	}
	for _, d := range docs {
		if d.ResourceType == "Media" {
			continue // the timeline lists events; an undated Media is not one
		}
		got, ok := onTimeline[d.ID]
		if !ok || got.Title != d.Title || got.Format != d.Format {
			t.Errorf("document %q (%s) not on the timeline as itself: %+v", d.Title, d.ResourceType, got)
		}
	}
	if len(onTimeline) == 0 {
		t.Fatal("no documents on the timeline")
	}
}
