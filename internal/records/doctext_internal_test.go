package records

import (
	"strings"
	"testing"
)

func TestDocTextReadsWordsNeverMarkup(t *testing.T) {
	for _, c := range []struct {
		name, ct, in, want string
	}{
		{"plain", "text/plain; charset=utf-8", "Knee  pain\r\nafter\tfall.", "Knee pain after fall."},
		{"html", "text/html", `<html><head><style>p{color:red}</style><script>alert("pwned")</script></head><body><p>Right&nbsp;knee</p><p>arthroscopy &amp; rest</p></body></html>`, "Right knee arthroscopy & rest"},
		{"xhtml", "application/xhtml+xml", `<div xmlns="http://www.w3.org/1999/xhtml"><b>Thyroid</b>ectomy <i>planned</i></div>`, "Thyroid ectomy planned"},
		{"C-CDA", "application/xml", `<?xml version="1.0"?><ClinicalDocument><title>Discharge summary</title><component><section><text>Asthma, well controlled</text></section></component></ClinicalDocument>`, "Discharge summary Asthma, well controlled"},
		{"controls and bad bytes", "text/plain", "a\x00b\x1b[31mred\u202e\xff c", "a b [31mred c"},
		{"pdf", "application/pdf", "%PDF-1.4 words", ""},
		{"self-closing script", "text/html", `<p>kept</p><script/>hidden()</script><p>after</p>`, "kept after"},
		{"svg", "image/svg+xml", `<svg><text>drawn</text></svg>`, ""},
		{"Latin-1", "text/plain; charset=iso-8859-1", "na\xefve caf\xe9", "naïve café"},
		{"UTF-16", "text/plain", "\xff\xfeh\x00i\x00 \x00t\x00o\x00", "hi to"},
		{"rtf", "text/rtf", `{\rtf1 hello}`, ""},
		{"image", "image/png", "\x89PNG", ""},
	} {
		if got := docText(c.ct, []byte(c.in), 1<<20); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
	// The limit holds, never cutting a character in two.
	long := strings.Repeat("é word ", 10000)
	got := docText("text/plain", []byte(long), 1001)
	if len(got) > 1001 || !strings.HasPrefix(long, got) || strings.ToValidUTF8(got, "?") != got {
		t.Fatalf("limited text: %d bytes, valid %v", len(got), strings.ToValidUTF8(got, "?") == got)
	}
	// Broken markup keeps the words read before the break.
	if got := docText("text/html", []byte("<p>kept words</p><a href='x"), 1<<20); got != "kept words" {
		t.Errorf("broken markup: %q", got)
	}
}
