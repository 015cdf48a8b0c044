package catalog

import (
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/fastenhealth/fasten-desktop/internal/textdist"
)

// index is an inverted index over normalised name words. It is built at Load
// rather than shipped, so the data file stays plain provider records that a
// quarterly refresh can replace.
type index struct {
	terms     []string // sorted, so a prefix is a contiguous range
	termOff   []int32  // postings of terms[t] are post[termOff[t]:termOff[t+1]]
	post      []int32  // provider indices, ascending within a term
	firstTerm []int32  // term of each provider's first name word (-1 if none)
	nameLen   []uint16 // rune length of each name, the final ranking tie-break
	vendorW   []float32
	// dels is the SymSpell-style deletion neighbourhood: for every term of
	// length >= minFuzzyLen, the hashes of the term and of every variant
	// with one or two bytes deleted from its first delPrefix bytes, held
	// in a flat hash table. Two words within edit distance d
	// share a variant with <= d deletions on each side, so typo candidates
	// are found with a few dozen binary searches instead of scanning the
	// vocabulary; candidates are then verified with Damerau-Levenshtein,
	// which also makes hash collisions harmless.
	dels deletionIndex
}

const (
	termBits    = 24
	termMask    = 1<<termBits - 1
	delPrefix   = 10 // SymSpell's prefix trick: bounds variants per term at 56
	minFuzzyLen = 4
)

// vendorAliases lets "my chart stanford" or "cerner" narrow results even
// though the names never contain the portal brand.
var vendorAliases = map[string][]string{
	VendorEpic:   {"epic", "mychart", "my", "chart"},
	VendorOracle: {"oracle", "cerner"},
	VendorECW:    {"ecw", "eclinicalworks", "healow"},
	VendorAthena: {"athena", "athenahealth"},
}

// vendorWeight nudges large hospital systems (Epic, Oracle) above thousands
// of similarly named small athena practices without overriding match quality:
// it is smaller than the gap between an exact and a prefix word match.
var vendorWeight = map[string]float32{
	VendorEpic:   0.3,
	VendorOracle: 0.25,
	VendorECW:    0.1,
	VendorAthena: 0,
}

func buildIndex(ps []Provider) index {
	var ix index
	termID := make(map[string]int32, 32768)
	intern := func(w []byte) int32 {
		if c, ok := abbreviations[string(w)]; ok {
			w = []byte(c)
		}
		id, ok := termID[string(w)]
		if !ok {
			id = int32(len(termID))
			termID[string(w)] = id
		}
		return id
	}
	type pair struct{ term, doc int32 }
	pairs := make([]pair, 0, len(ps)*7)
	ix.firstTerm = make([]int32, len(ps))
	ix.nameLen = make([]uint16, len(ps))
	ix.vendorW = make([]float32, len(ps))
	var buf [64]byte
	for d, p := range ps {
		ix.nameLen[d] = uint16(min(utf8.RuneCountInString(p.Name), 65535))
		ix.vendorW[d] = vendorWeight[p.Vendor]
		ix.firstTerm[d] = -1
		eachWord(p.Name, buf[:0], func(w []byte) {
			id := intern(w)
			if ix.firstTerm[d] < 0 {
				ix.firstTerm[d] = id
			}
			pairs = append(pairs, pair{id, int32(d)})
		})
		for _, w := range vendorAliases[p.Vendor] {
			pairs = append(pairs, pair{intern([]byte(w)), int32(d)})
		}
	}
	// Renumber terms in sorted order so prefix lookups are ranges.
	ix.terms = make([]string, 0, len(termID))
	for w := range termID {
		ix.terms = append(ix.terms, w)
	}
	slices.Sort(ix.terms)

	// The typo index depends only on the terms; build it on the other core
	// while the postings are laid out.
	delsDone := make(chan deletionIndex, 1)
	go func() { delsDone <- buildDeletions(ix.terms) }()

	remap := make([]int32, len(termID))
	for i, w := range ix.terms {
		remap[termID[w]] = int32(i)
	}
	for d := range ix.firstTerm {
		if ix.firstTerm[d] >= 0 {
			ix.firstTerm[d] = remap[ix.firstTerm[d]]
		}
	}
	// Counting sort of (term, doc) pairs into CSR postings; docs arrive in
	// ascending order, so each list comes out sorted and a word repeated in
	// one name shows up as adjacent duplicates, dropped below.
	counts := make([]int32, len(ix.terms)+1)
	for i := range pairs {
		pairs[i].term = remap[pairs[i].term]
		counts[pairs[i].term+1]++
	}
	for t := 1; t < len(counts); t++ {
		counts[t] += counts[t-1]
	}
	fill := slices.Clone(counts[:len(ix.terms)])
	post := make([]int32, len(pairs))
	for _, pr := range pairs {
		post[fill[pr.term]] = pr.doc
		fill[pr.term]++
	}
	out := post[:0]
	ix.termOff = make([]int32, len(ix.terms)+1)
	for t := range ix.terms {
		prev := int32(-1)
		for _, d := range post[counts[t]:counts[t+1]] {
			if d != prev {
				out = append(out, d)
				prev = d
			}
		}
		ix.termOff[t+1] = int32(len(out))
	}
	ix.post = slices.Clip(out)
	ix.dels = <-delsDone
	return ix
}

// deletionIndex is a hash table from variant hash to the terms that produce
// it, laid out as buckets in one flat array (entries are hash<<termBits|term)
// so it is built in two linear passes with no per-key allocation.
type deletionIndex struct {
	bucketOff []uint32
	ent       []uint64
	mask      uint64
}

func buildDeletions(terms []string) deletionIndex {
	n := 0
	for _, t := range terms {
		if len(t) >= minFuzzyLen {
			p := min(len(t), delPrefix)
			n += 1 + p + p*(p-1)/2
		}
	}
	tmp := make([]uint64, 0, n)
	for id, t := range terms {
		if len(t) < minFuzzyLen {
			continue
		}
		forEachDeletion(t, 2, func(h uint64) {
			tmp = append(tmp, h<<termBits|uint64(id))
		})
	}
	nb := 1
	for nb < len(tmp)/2 {
		nb <<= 1
	}
	di := deletionIndex{bucketOff: make([]uint32, nb+1), ent: make([]uint64, len(tmp)), mask: uint64(nb - 1)}
	for _, e := range tmp {
		di.bucketOff[(e>>termBits)&di.mask+1]++
	}
	for b := 1; b <= nb; b++ {
		di.bucketOff[b] += di.bucketOff[b-1]
	}
	fill := slices.Clone(di.bucketOff[:nb])
	for _, e := range tmp {
		b := (e >> termBits) & di.mask
		di.ent[fill[b]] = e
		fill[b]++
	}
	return di
}

// lookup calls fn for each term with a variant hashing to h. The same term
// may be reported more than once (several of its variants can collide with
// the query's); callers verify and dedupe.
func (di *deletionIndex) lookup(h uint64, fn func(term int32)) {
	b := h & di.mask
	for _, e := range di.ent[di.bucketOff[b]:di.bucketOff[b+1]] {
		if e>>termBits == h {
			fn(int32(e & termMask))
		}
	}
}

// forEachDeletion calls fn with the 40-bit hash of w's first delPrefix bytes
// and of every variant with up to maxDel of those bytes removed.
func forEachDeletion(w string, maxDel int, fn func(uint64)) {
	if len(w) > delPrefix {
		w = w[:delPrefix]
	}
	n := len(w)
	fn(hashSkip(w, -1, -1))
	if maxDel >= 1 && n > 1 {
		for i := 0; i < n; i++ {
			fn(hashSkip(w, i, -1))
		}
	}
	if maxDel >= 2 && n > 2 {
		for i := 0; i < n; i++ {
			for j := i + 1; j < n; j++ {
				fn(hashSkip(w, i, j))
			}
		}
	}
}

// hashSkip is FNV-1a over w without the bytes at positions a and b, folded
// to 40 bits so that a term id fits beside it in one uint64.
func hashSkip(w string, a, b int) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(w); i++ {
		if i == a || i == b {
			continue
		}
		h ^= uint64(w[i])
		h *= 1099511628211
	}
	return (h ^ h>>40) & (1<<40 - 1)
}

// lookupTerm finds an exact term.
func (ix *index) lookupTerm(w string) (int32, bool) {
	i, ok := slices.BinarySearch(ix.terms, w)
	return int32(i), ok
}

// prefixRange returns the terms starting with p as [lo, hi).
func (ix *index) prefixRange(p string) (int, int) {
	lo, _ := slices.BinarySearch(ix.terms, p)
	hi := lo
	for hi < len(ix.terms) && strings.HasPrefix(ix.terms[hi], p) {
		hi++
	}
	return lo, hi
}

// postings returns the providers containing term t.
func (ix *index) postings(t int32) []int32 {
	return ix.post[ix.termOff[t]:ix.termOff[t+1]]
}

// osaDistance and prefixDistance measure provider-name words (textdist);
// the index keeps its words as strings.
func osaDistance(a, b string, max int) int { return textdist.OSA([]byte(a), []byte(b), max) }

func prefixDistance(q, t string, max int) int { return textdist.PrefixOSA([]byte(q), []byte(t), max) }
