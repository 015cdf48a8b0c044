package healthcard

import (
	"fmt"
	"strconv"
	"strings"
)

// textJWS turns shc:/ text into compact JWSs. Each whitespace-separated
// token is one QR code's text: shc:/<digits> is a whole card; the deprecated
// chunked form shc:/<i>/<n>/<digits> is part i of n of one card, accepted
// when all n parts are there (in any order — people scan them in any order).
func textJWS(s string) ([]string, error) {
	type set struct {
		n     int
		parts []string
		have  int
	}
	var out []string
	var open *set
	s = strings.TrimPrefix(s, "\ufeff") // a byte-order mark from a text editor
	for _, tok := range strings.Fields(s) {
		if len(tok) < 5 || !strings.EqualFold(tok[:5], "shc:/") {
			return nil, malformed("a line is not a health card code")
		}
		rest := tok[5:]
		slash := strings.Count(rest, "/")
		switch slash {
		case 0:
			if open != nil {
				return nil, malformed("a multi-part code is missing some of its parts")
			}
			j, err := numericToJWS(rest)
			if err != nil {
				return nil, err
			}
			out = append(out, j)
		case 2:
			f := strings.SplitN(rest, "/", 3)
			i, err1 := strconv.Atoi(f[0])
			n, err2 := strconv.Atoi(f[1])
			if err1 != nil || err2 != nil || n < 1 || n > 99 || i < 1 || i > n {
				return nil, malformed("a multi-part code's part number is not valid")
			}
			if open != nil && (open.n != n || open.parts[i-1] != "") {
				// A new set started before the previous one was whole.
				return nil, malformed("a multi-part code is missing some of its parts")
			}
			if open == nil {
				open = &set{n: n, parts: make([]string, n)}
			}
			if f[2] == "" {
				return nil, malformed("a part of a multi-part code is empty")
			}
			open.parts[i-1] = f[2]
			open.have++
			if open.have == open.n {
				j, err := numericToJWS(strings.Join(open.parts, ""))
				if err != nil {
					return nil, err
				}
				out = append(out, j)
				open = nil
			}
		default:
			return nil, malformed("a health card code is not in a form Fasten reads")
		}
		if len(out) > MaxCards {
			return nil, ErrTooLarge
		}
	}
	if open != nil {
		return nil, malformed(fmt.Sprintf("a multi-part code has %d of its %d parts; scan or paste every part", open.have, open.n))
	}
	return out, nil
}

// numericToJWS undoes the QR numeric encoding: each pair of digits is one
// character of the JWS, ord(c)-45 (so 00..77 covers '-' through 'z').
func numericToJWS(d string) (string, error) {
	if len(d)%2 != 0 {
		return "", malformed("the code's digits are cut short")
	}
	if len(d)/2 > MaxJWS {
		return "", ErrTooLarge
	}
	b := make([]byte, len(d)/2)
	for i := 0; i < len(d); i += 2 {
		hi, lo := d[i]-'0', d[i+1]-'0'
		if hi > 9 || lo > 9 {
			return "", malformed("the code holds a character that is not a digit")
		}
		v := int(hi)*10 + int(lo)
		if v > 'z'-45 {
			return "", malformed("the code holds a digit pair out of range")
		}
		b[i/2] = byte(v + 45)
	}
	return string(b), nil
}

// jwsToNumeric is numericToJWS's inverse (used by tests and the fixtures
// tool through healthcardtest).
func jwsToNumeric(jws string) string {
	var sb strings.Builder
	sb.Grow(2 * len(jws))
	for i := 0; i < len(jws); i++ {
		v := int(jws[i]) - 45
		sb.WriteByte(byte('0' + v/10))
		sb.WriteByte(byte('0' + v%10))
	}
	return sb.String()
}

// QRText is the text of the single QR code a card is issued as: "shc:/"
// followed by the numeric encoding of the JWS.
func QRText(jws string) string { return "shc:/" + jwsToNumeric(jws) }

// QRChunks splits a card into n parts in the deprecated chunked form
// shc:/i/n/… (older issuers printed large cards as several codes).
func QRChunks(jws string, n int) []string {
	num := jwsToNumeric(jws)
	// Parts split on a character boundary (two digits), as the spec's
	// balanced split of the JWS does.
	chars := len(num) / 2
	per := (chars + n - 1) / n
	var out []string
	for i := 0; i < n; i++ {
		a, b := i*per*2, min((i+1)*per*2, len(num))
		out = append(out, fmt.Sprintf("shc:/%d/%d/%s", i+1, n, num[a:b]))
	}
	return out
}
