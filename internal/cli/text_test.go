package cli

import "testing"

func TestClean(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Neva Kub", "Neva Kub"},
		{"Zoë Ångström 山田", "Zoë Ångström 山田"},
		{"\x1b[31mRed\x1b[0m Name", "Red Name"},
		{"\x1b]0;owned title\x07Name", "Name"},
		{"\x1b]8;;http://evil.example\x1b\\click\x1b]8;;\x1b\\", "click"},
		{"real\rfake", "real fake"},
		{"line1\nline2\tx", "line1 line2 x"},
		{"bell\x07 nul\x00 del\x7f c1\u009b31m", "bell nul del c131m"},
		{"abc\u202egnp.exe", "abcgnp.exe"},
		{"bad \xff utf8", "bad \ufffd utf8"},
		{"trailing esc \x1b", "trailing esc "},
		{"\x1b[", ""},
		{"\x1bc reset", " reset"},
	} {
		if got := clean(c.in); got != c.want {
			t.Errorf("clean(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if got := cleanLines("OK\n\x1b[2Jwiped\r\nend"); got != "OK\nwiped \nend" {
		t.Errorf("cleanLines: %q", got)
	}
}
