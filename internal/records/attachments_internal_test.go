package records

import (
	"encoding/base64"
	"strings"
	"testing"
)

// decodeInline accepts every form the FHIR validator lets through (and the
// JSON escapes and unpadded forms some writers produce), and refuses
// what does not decode or is too large, by length before allocating.
func TestDecodeInline(t *testing.T) {
	want := "a small note\n"
	enc := base64.StdEncoding.EncodeToString([]byte(want))
	for name, in := range map[string]string{
		"plain":           enc,
		"spaced":          enc[:4] + " " + enc[4:8] + " " + enc[8:],
		"line breaks":     enc[:8] + `\r\n` + enc[8:],
		"escaped slash":   strings.ReplaceAll(base64.StdEncoding.EncodeToString([]byte("??>??>")), "/", `\/`),
		"without padding": strings.TrimRight(enc, "="),
	} {
		got, reason := decodeInline([]byte(in))
		exp := want
		if name == "escaped slash" {
			exp = "??>??>"
		}
		if reason != "" || string(got) != exp {
			t.Errorf("%s: %q %q", name, got, reason)
		}
	}
	for name, in := range map[string]string{
		"not base64": "bm90IHZhbGlk!!base64",
		"bad escape": `abc\x`,
	} {
		if got, reason := decodeInline([]byte(in)); got != nil || !strings.Contains(reason, "not valid base64") {
			t.Errorf("%s: %q %q", name, got, reason)
		}
	}
	old := MaxInlineAttachment
	MaxInlineAttachment = 8
	defer func() { MaxInlineAttachment = old }()
	if got, reason := decodeInline([]byte(enc)); got != nil || !strings.Contains(reason, "larger than 8 bytes") {
		t.Errorf("over the cap: %q %q", got, reason)
	}
	// Refused by length alone: no decoding of a huge value is attempted.
	if _, reason := decodeInline([]byte(strings.Repeat("A", 2048))); !strings.Contains(reason, "larger than") {
		t.Errorf("long input: %q", reason)
	}
}
