package fhir

import (
	"strings"
	"testing"
)

// Attachments are found wherever they sit, by shape (data + contentType),
// with their path; objects with only one of the two are not attachments.
func TestInlineAttachments(t *testing.T) {
	raw := []byte(`{"resourceType":"DocumentReference","id":"d",
"content":[{"attachment":{"contentType":"application/pdf","title":"A \"quoted\" title","data":"JVBERi0="}},{"attachment":{"contentType":"text/plain","url":"Binary/x"}}],
"extension":[{"url":"x","valueAttachment":{"contentType":"image/png","data":"iVBORw=="}}],
"contained":[{"resourceType":"Binary","id":"b","contentType":"text/plain","data":"aGk="}],
"note":{"data":"not an attachment"}}`)
	var got []string
	InlineAttachments(raw, 64, func(a InlineAttachment) bool {
		got = append(got, a.Path+"|"+a.ContentType+"|"+a.Title+"|"+string(a.Data))
		return true
	})
	want := []string{
		`content[0].attachment|application/pdf|A "quoted" title|JVBERi0=`,
		`extension[0].valueAttachment|image/png||iVBORw==`,
		`contained[0]|text/plain||aGk=`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// A Binary resource is an attachment itself, at the root.
	got = nil
	InlineAttachments([]byte(`{"resourceType":"Binary","contentType":"text/plain","data":"aGk="}`), 64, func(a InlineAttachment) bool {
		got = append(got, a.Path+"|"+string(a.Data))
		return true
	})
	if len(got) != 1 || got[0] != "|aGk=" {
		t.Fatalf("binary: %v", got)
	}
	// The walk stops at maxDepth and when fn says so.
	deep := `{"contentType":"text/plain","data":"aGk="}`
	for i := 0; i < 10; i++ {
		deep = `{"a":` + deep + `}`
	}
	n := 0
	InlineAttachments([]byte(deep), 5, func(InlineAttachment) bool { n++; return true })
	if n != 0 {
		t.Fatal("found an attachment below maxDepth")
	}
	InlineAttachments(raw, 64, func(InlineAttachment) bool { n++; return false })
	if n != 1 {
		t.Fatalf("did not stop: %d", n)
	}
	// Not JSON objects: nothing, no panic.
	for _, bad := range []string{``, `[]`, `{"data":`, `"x"`} {
		InlineAttachments([]byte(bad), 64, func(InlineAttachment) bool { t.Fatal(bad); return true })
	}
}
