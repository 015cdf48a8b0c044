package fastcheck

import (
	"math/rand"
	"testing"
)

// The hand-written date parsers are shortcuts: whatever they accept, the
// exact path (jsonformat's regular expressions and time layouts) must
// accept too. Strings are built near the valid shapes so both sides are
// exercised; a parser that accepted nothing would fail the coverage check.
func TestFastDatesAreSubsetOfExact(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	digit := func() byte { return "0123456789"[r.Intn(10)] }
	pick := func(s string) byte { return s[r.Intn(len(s))] }
	gen := func() string {
		tmpl := []string{"dddd", "dddd-dd", "dddd-dd-dd", "dddd-dd-ddTdd:dd:ddZ", "dddd-dd-ddTdd:dd:dd.dddZ",
			"dddd-dd-ddTdd:dd:dd+dd:dd", "dddd-dd-ddTdd:dd:dd.d-dd:dd", "dddd-dd-ddTdd:dd", "dd:dd:dd", "dddd-dd-ddTdd:dd:dd.ddddddddddZ"}[r.Intn(10)]
		b := []byte(tmpl)
		for i := range b {
			switch {
			case b[i] == 'd':
				// Bias towards plausible fields so valid dates are common.
				b[i] = digit()
				if r.Intn(3) > 0 && (i == 0) {
					b[i] = pick("12")
				}
				if r.Intn(3) > 0 && (i == 5 || i == 8 || i == 11) {
					b[i] = pick("012")
				}
			case r.Intn(40) == 0:
				b[i] = pick("-T:.Z+ x0")
			}
		}
		return string(b)
	}
	hits := map[string]int{}
	for i := 0; i < 300000; i++ {
		s := gen()
		v := []byte(s)
		if fastDate(v) {
			hits["date"]++
			if !exactDate(s) {
				t.Fatalf("fastDate accepts %q, jsonformat does not", s)
			}
		}
		if fastDateTime(v) {
			hits["dateTime"]++
			if !exactDateTime(s) {
				t.Fatalf("fastDateTime accepts %q, jsonformat does not", s)
			}
		}
		if fastInstant(v) {
			hits["instant"]++
			if !exactInstant(s) {
				t.Fatalf("fastInstant accepts %q, jsonformat does not", s)
			}
		}
	}
	for _, k := range []string{"date", "dateTime", "instant"} {
		if hits[k] < 1000 {
			t.Errorf("only %d generated strings took the fast %s path", hits[k], k)
		}
	}
	// Fixed corners: leap years, month ends, offsets at the regex's bounds.
	for s, want := range map[string]bool{
		"2020-02-29": true, "2019-02-29": false, "2000-02-29": true, "1900-02-29": false, "2020-04-31": false,
		"2020-01-01T10:00:00+14:00": true, "2020-01-01T10:00:00+14:01": false, "2020-01-01T10:00:00-13:59": true,
		"2020-01-01T23:59:60Z": false, "2020-01-01T10:00:00.1234567890123Z": true,
	} {
		got := fastDateTime([]byte(s)) || exactDateTime(s)
		if got != want || exactDateTime(s) != want {
			t.Errorf("dateTime %q: fast-or-exact %v, exact %v, want %v", s, got, exactDateTime(s), want)
		}
	}
}
