package cli

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// clean makes text that came from a file or a provider (names, provider
// names, error descriptions, file names) safe to print on a terminal: a
// patient name carrying an escape sequence could otherwise recolour,
// retitle or rewrite what the person sees, and a carriage return could
// overwrite a line with something else. Whole ESC sequences (CSI, OSC and
// two-byte ones) are dropped, whitespace controls become a space, every
// other control character (C0, DEL, C1) and the bidirectional overrides are
// dropped, and invalid UTF-8 becomes U+FFFD. The result is one line.
func clean(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == 0x1b:
			i += escapeLen(s[i:])
			continue
		case r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError)
		case r == '\t' || r == '\n' || r == '\r' || r == '\v' || r == '\f':
			b.WriteByte(' ')
		case unicode.IsControl(r) || isBidiControl(r):
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// cleanLines is clean for text that is meant to span lines (a report): each
// line is cleaned on its own, the line breaks stay.
func cleanLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = clean(l)
	}
	return strings.Join(lines, "\n")
}

// escapeLen is the length of the escape sequence at the start of s (which
// begins with ESC): CSI "ESC [ params final", OSC/DCS/PM/APC/SOS "ESC ] …
// (BEL | ESC \)", or ESC and one more byte.
func escapeLen(s string) int {
	if len(s) < 2 {
		return len(s)
	}
	switch s[1] {
	case '[':
		for j := 2; j < len(s); j++ {
			if c := s[j]; c >= 0x40 && c <= 0x7e {
				return j + 1
			} else if c < 0x20 || c > 0x7e {
				return j // malformed: stop before the odd byte, which is cleaned on its own
			}
		}
		return len(s)
	case ']', 'P', '^', '_', 'X':
		for j := 2; j < len(s); j++ {
			if s[j] == 0x07 {
				return j + 1
			}
			if s[j] == 0x1b && j+1 < len(s) && s[j+1] == '\\' {
				return j + 2
			}
		}
		return len(s)
	}
	_, size := utf8.DecodeRuneInString(s[1:])
	return 1 + size
}

// isBidiControl: the embedding, override and isolate characters that make
// text display in another order than it is stored ("Trojan Source").
func isBidiControl(r rune) bool {
	return r == 0x061c || r == 0x200e || r == 0x200f || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}
