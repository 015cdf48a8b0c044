package main

import (
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/fastenhealth/fasten-desktop/internal/catalog"
)

// SampleQueries derives n realistic search-box inputs from catalog names, the
// same every run (fixed seed) so latency figures are comparable across
// changes. The mix mirrors what the box actually receives: mostly a name
// typed one character at a time, plus misspellings, shuffled word order and
// abbreviated multi-word queries. Hospital systems (Epic/Oracle) are
// over-sampled because that is what most people look for.
func SampleQueries(c *catalog.Catalog, n int) []string {
	if c.Len() == 0 || n <= 0 {
		return nil
	}
	rng := rand.New(rand.NewPCG(20240601, 42))
	var big []int // epic and oracle entries
	all := c.All()
	for i, p := range all {
		if p.Vendor == catalog.VendorEpic || p.Vendor == catalog.VendorOracle {
			big = append(big, i)
		}
	}
	pick := func() []string {
		i := rng.IntN(c.Len())
		if len(big) > 0 && rng.IntN(5) < 2 {
			i = big[rng.IntN(len(big))]
		}
		return strings.Fields(all[i].Name)
	}
	out := make([]string, 0, n)
	for k := 0; len(out) < n; k++ {
		words := pick()
		if len(words) == 0 {
			continue
		}
		switch k % 4 {
		case 0, 1: // typed character by character
			name := strings.Join(words, " ")
			if rng.IntN(2) == 0 {
				name = strings.ToLower(name)
			}
			r := []rune(name)
			for l := 1; l <= min(len(r), 18) && len(out) < n; l++ {
				out = append(out, string(r[:l]))
			}
		case 2: // a misspelt word, keeping the rest
			ws := slices.Clone(words[:min(len(words), 3)])
			j := rng.IntN(len(ws))
			ws[j] = typo(rng, ws[j])
			out = append(out, strings.Join(ws, " "))
		case 3: // words out of order, lower case, abbreviated
			ws := slices.Clone(words[:min(len(words), 3)])
			rng.Shuffle(len(ws), func(a, b int) { ws[a], ws[b] = ws[b], ws[a] })
			for j, w := range ws {
				switch strings.ToLower(strings.Trim(w, ".,")) {
				case "saint":
					ws[j] = "st"
				case "medical":
					ws[j] = "med"
				case "center":
					ws[j] = "ctr"
				default:
					ws[j] = strings.ToLower(w)
				}
			}
			out = append(out, strings.Join(ws, " "))
		}
	}
	return out
}

// typo applies one random keyboard slip: transposition, omission,
// substitution or doubled letter.
func typo(rng *rand.Rand, w string) string {
	r := []rune(w)
	if len(r) < 4 {
		return w
	}
	i := 1 + rng.IntN(len(r)-2)
	switch rng.IntN(4) {
	case 0:
		r[i], r[i+1] = r[i+1], r[i]
	case 1:
		r = append(r[:i], r[i+1:]...)
	case 2:
		r[i] = rune('a' + rng.IntN(26))
	default:
		r = append(r[:i+1], r[i:]...)
	}
	return string(r)
}

// LatencyReport runs every query once, after one warm-up pass, and reports
// wall-clock latency percentiles. It is exported so `make bench` can report
// the as-you-type budget (p95 well under a frame of typing) outside go test.
func LatencyReport(c *catalog.Catalog, queries []string) (p50, p95, worst time.Duration) {
	if len(queries) == 0 {
		return 0, 0, 0
	}
	for _, q := range queries {
		c.Search(q, 10)
	}
	d := make([]time.Duration, len(queries))
	for i, q := range queries {
		t := time.Now()
		c.Search(q, 10)
		d[i] = time.Since(t)
	}
	slices.Sort(d)
	at := func(p float64) time.Duration {
		i := int(p*float64(len(d))+0.5) - 1
		return d[max(0, min(i, len(d)-1))]
	}
	return at(0.50), at(0.95), d[len(d)-1]
}
