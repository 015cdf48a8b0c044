package catalog

import (
	"unicode"
	"unicode/utf8"
)

// The same normaliser runs over catalog names at index time and over the
// user's query, so any spelling the two can disagree on (case, accents,
// apostrophes, "St." versus "Saint") must be collapsed here and only here.

// foldTable maps accented Latin letters to their plain ASCII spelling.
// Hand-rolled rather than pulling in golang.org/x/text: the directories are
// US-English names with a handful of Spanish/French accents, so Latin-1 and
// Latin Extended-A cover everything that occurs.
var foldTable = func() map[rune]string {
	m := map[rune]string{}
	add := func(to string, from string) {
		for _, r := range from {
			m[r] = to
		}
	}
	add("a", "àáâãäåāăąǎ")
	add("c", "çćĉċč")
	add("d", "ďđ")
	add("e", "èéêëēĕėęě")
	add("g", "ĝğġģ")
	add("h", "ĥħ")
	add("i", "ìíîïĩīĭįı")
	add("j", "ĵ")
	add("k", "ķ")
	add("l", "ĺļľŀł")
	add("n", "ñńņňŉ")
	add("o", "òóôõöøōŏő")
	add("r", "ŕŗř")
	add("s", "śŝşšſ")
	add("t", "ţťŧ")
	add("u", "ùúûüũūŭůűų")
	add("w", "ŵ")
	add("y", "ýÿŷ")
	add("z", "źżž")
	m['æ'] = "ae"
	m['œ'] = "oe"
	m['ß'] = "ss"
	m['þ'] = "th"
	m['ð'] = "d"
	return m
}()

// isJoiner reports runes that glue a word together rather than split it:
// "Mary's" must index as "marys" so that typing "st marys" finds it.
func isJoiner(r rune) bool {
	switch r {
	case '\'', '’', '‘', '`', '´', 'ʼ':
		return true
	}
	return false
}

// abbreviations canonicalises common short forms in both names and queries,
// so "St. Mary's Hosp" and "saint marys hospital" meet on the same terms.
var abbreviations = map[string]string{
	"st":     "saint",
	"ste":    "sainte",
	"mt":     "mount",
	"mtn":    "mountain",
	"ctr":    "center",
	"cntr":   "center",
	"centre": "center",
	"hosp":   "hospital",
	"univ":   "university",
	"med":    "medical",
	"hlth":   "health",
	"assoc":  "associates",
	"assocs": "associates",
	"svcs":   "services",
	"peds":   "pediatrics",
}

// stopWords are dropped from a query only when they are complete words in
// the middle of a longer query: "foot and ankle" should not demand an "and",
// but "the" typed on its own may be the start of "The Christ Hospital".
var stopWords = map[string]bool{"and": true, "of": true, "the": true, "at": true, "for": true, "in": true, "a": true}

// maxTokenLen bounds the work any single word can cause; no real provider
// word is longer, and it caps fuzzy matching cost for pasted garbage.
const maxTokenLen = 32

// tokenize splits s into folded lower-case words. It returns raw words (before
// abbreviation expansion) because the last, still-being-typed query word must
// be prefix-matched in its raw form: "med" might be heading for "medstar".
func tokenize(s string, out []string) []string {
	var buf [64]byte
	eachWord(s, buf[:0], func(w []byte) { out = append(out, string(w)) })
	return out
}

// eachWord calls fn with each folded word of s. The slice is reused between
// calls; building the index this way avoids one allocation per word.
func eachWord(s string, b []byte, fn func([]byte)) {
	flush := func() {
		if len(b) > 0 {
			w := b
			if len(w) > maxTokenLen {
				w = w[:maxTokenLen]
				for !utf8.Valid(w) {
					w = w[:len(w)-1]
				}
			}
			fn(w)
			b = b[:0]
		}
	}
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf:
			if 'A' <= r && r <= 'Z' {
				b = append(b, byte(r+'a'-'A'))
			} else if ('a' <= r && r <= 'z') || ('0' <= r && r <= '9') {
				b = append(b, byte(r))
			} else if !isJoiner(r) {
				flush()
			}
		case isJoiner(r):
			// keep the word together
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			r = unicode.ToLower(r)
			if f, ok := foldTable[r]; ok {
				b = append(b, f...)
			} else {
				b = utf8.AppendRune(b, r)
			}
		case unicode.Is(unicode.Mn, r):
			// a combining accent (decomposed input): drop it, keep the letter
		default:
			flush()
		}
	}
	flush()
}

// canonical returns the abbreviation-expanded form of a word.
func canonical(w string) string {
	if c, ok := abbreviations[w]; ok {
		return c
	}
	return w
}
