package catalog

import (
	"slices"
	"sync"
	"unicode/utf8"
)

// Match is a search hit; Score is only meaningful relative to other hits of
// the same query.
type Match struct {
	Provider
	Score float64 `json:"score"`
}

// DefaultLimit applies when Search is given a non-positive limit.
const DefaultLimit = 20

const (
	// maxQueryBytes and maxQueryTokens bound the work of one keystroke no
	// matter what is pasted into the box; real provider names are shorter.
	maxQueryBytes  = 256
	maxQueryTokens = 8

	// Per-word match qualities. Exact beats prefix beats fuzzy, and the
	// gaps exceed firstWordBonus and the vendor weights, so those only
	// reorder hits of equal match quality.
	qExact       = 1.0
	qPrefixLast  = 0.8 // the word being typed
	qPrefixInner = 0.6 // an earlier word the user abbreviated
	qFuzzy1      = 0.5
	qFuzzy2      = 0.4
	qFuzzyPrefix = 0.35

	// firstWordBonus: people type a name from its start, so "kaiser" should
	// rank "Kaiser Permanente" above "Stephen Kaiser, MD".
	firstWordBonus = 0.15
	// matchedWordWeight makes "more query words matched" dominate.
	matchedWordWeight = 10
	qualityWeight     = 2
)

type scratch struct {
	gen        uint32
	docStamp   []uint32
	docScore   []float32
	docMatched []uint8
	tokStamp   []uint32
	tokBest    []float32
	termStamp  []uint32
	termQ      []float32
	touched    []int32
	tokTouched []int32
	cands      []int32
	words      []string
}

var scratchPools sync.Map // *Catalog -> *sync.Pool

func (c *Catalog) getScratch() *scratch {
	pv, ok := scratchPools.Load(c)
	if !ok {
		pv, _ = scratchPools.LoadOrStore(c, &sync.Pool{})
	}
	pool := pv.(*sync.Pool)
	if s, ok := pool.Get().(*scratch); ok {
		return s
	}
	n, t := len(c.providers), len(c.idx.terms)
	return &scratch{
		docStamp: make([]uint32, n), docScore: make([]float32, n), docMatched: make([]uint8, n),
		tokStamp: make([]uint32, n), tokBest: make([]float32, n),
		termStamp: make([]uint32, t), termQ: make([]float32, t),
	}
}

func (c *Catalog) putScratch(s *scratch) {
	if pv, ok := scratchPools.Load(c); ok {
		pv.(*sync.Pool).Put(s)
	}
}

// next returns a fresh generation stamp, so per-query arrays never need
// clearing; on wrap-around they are cleared once.
func (s *scratch) next() uint32 {
	s.gen++
	if s.gen == 0 {
		clear(s.docStamp)
		clear(s.tokStamp)
		clear(s.termStamp)
		s.gen = 1
	}
	return s.gen
}

// Search returns up to limit providers matching query, best first. It is
// meant to run on every keystroke: the last word is matched as a prefix,
// every word tolerates typos, and word order does not matter.
func (c *Catalog) Search(query string, limit int) []Match {
	if limit <= 0 {
		limit = DefaultLimit
	}
	if len(query) > maxQueryBytes {
		query = query[:maxQueryBytes]
		for !utf8.ValidString(query) {
			query = query[:len(query)-1]
		}
	}
	s := c.getScratch()
	defer c.putScratch(s)

	words := tokenize(query, s.words[:0])
	s.words = words
	if len(words) == 0 {
		return nil
	}
	if len(words) > maxQueryTokens {
		words = words[:maxQueryTokens]
	}
	// Drop complete stop words ("foot and ankle"), but never the word being
	// typed and never all of them.
	kept := words[:0:0]
	for i, w := range words {
		if i < len(words)-1 && stopWords[w] {
			continue
		}
		kept = append(kept, w)
	}
	words = kept

	ix := &c.idx
	queryGen := s.next()
	s.touched = s.touched[:0]
	for i, w := range words {
		last := i == len(words)-1
		cands := c.candidates(s, w, last)
		if len(cands) == 0 {
			continue
		}
		tokGen := s.next()
		s.tokTouched = s.tokTouched[:0]
		for _, t := range cands {
			q := s.termQ[t]
			for _, d := range ix.postings(t) {
				qd := q
				if ix.firstTerm[d] == t {
					qd += firstWordBonus
				}
				if s.tokStamp[d] != tokGen {
					s.tokStamp[d] = tokGen
					s.tokBest[d] = qd
					s.tokTouched = append(s.tokTouched, d)
				} else if qd > s.tokBest[d] {
					s.tokBest[d] = qd
				}
			}
		}
		for _, d := range s.tokTouched {
			if s.docStamp[d] != queryGen {
				s.docStamp[d] = queryGen
				s.docScore[d] = 0
				s.docMatched[d] = 0
				s.touched = append(s.touched, d)
			}
			s.docMatched[d]++
			s.docScore[d] += s.tokBest[d]
		}
	}
	if len(s.touched) == 0 {
		return nil
	}

	type hit struct {
		doc   int32
		score float32
	}
	better := func(a, b hit) bool { // a ranks above b
		if a.score != b.score {
			return a.score > b.score
		}
		pa, pb := &c.providers[a.doc], &c.providers[b.doc]
		if la, lb := ix.nameLen[a.doc], ix.nameLen[b.doc]; la != lb {
			return la < lb
		}
		if pa.Name != pb.Name {
			return pa.Name < pb.Name
		}
		return pa.ID < pb.ID
	}
	// Bounded min-heap of the best `limit` hits: a one-letter query can
	// touch most of the catalog, and sorting all of it would be wasted.
	limit = min(limit, len(s.touched))
	heap := make([]hit, 0, limit)
	down := func(i int) {
		for {
			l := 2*i + 1
			if l >= len(heap) {
				return
			}
			w := l
			if r := l + 1; r < len(heap) && better(heap[l], heap[r]) {
				w = r
			}
			if !better(heap[i], heap[w]) {
				return
			}
			heap[i], heap[w] = heap[w], heap[i]
			i = w
		}
	}
	up := func(i int) {
		for i > 0 {
			p := (i - 1) / 2
			if !better(heap[p], heap[i]) {
				return
			}
			heap[i], heap[p] = heap[p], heap[i]
			i = p
		}
	}
	for _, d := range s.touched {
		h := hit{d, matchedWordWeight*float32(s.docMatched[d]) + qualityWeight*s.docScore[d] + ix.vendorW[d]}
		if len(heap) < limit {
			heap = append(heap, h)
			up(len(heap) - 1)
		} else if better(h, heap[0]) {
			heap[0] = h
			down(0)
		}
	}
	slices.SortFunc(heap, func(a, b hit) int {
		if better(a, b) {
			return -1
		}
		if better(b, a) {
			return 1
		}
		return 0
	})
	out := make([]Match, len(heap))
	for i, h := range heap {
		out[i] = Match{Provider: c.providers[h.doc], Score: float64(h.score)}
	}
	return out
}

// candidates returns the terms word w may stand for, each with its quality
// left in s.termQ.
func (c *Catalog) candidates(s *scratch, w string, last bool) []int32 {
	ix := &c.idx
	gen := s.next()
	s.cands = s.cands[:0]
	offer := func(t int32, q float32) {
		if s.termStamp[t] != gen {
			s.termStamp[t] = gen
			s.termQ[t] = q
			s.cands = append(s.cands, t)
		} else if q > s.termQ[t] {
			s.termQ[t] = q
		}
	}
	cw := canonical(w)
	if t, ok := ix.lookupTerm(cw); ok {
		offer(t, qExact)
	}
	if cw != w {
		// "st" typed as a word also exactly means the raw spelling if some
		// name kept it (abbreviations are expanded in names too, so rarely).
		if t, ok := ix.lookupTerm(w); ok {
			offer(t, qExact)
		}
	}
	if last || len(w) >= 3 {
		q := float32(qPrefixInner)
		if last {
			q = qPrefixLast
		}
		lo, hi := ix.prefixRange(w)
		for t := lo; t < hi; t++ {
			offer(int32(t), q)
		}
	}
	if len(w) >= minFuzzyLen {
		maxD := 1
		if len(w) >= 6 {
			maxD = 2
		}
		forEachDeletion(w, maxD, func(h uint64) {
			ix.dels.lookup(h, func(t int32) {
				if s.termStamp[t] == gen && s.termQ[t] >= qFuzzy2 {
					return // already found, at least as well as fuzzy gets
				}
				switch osaDistance(w, ix.terms[t], maxD) {
				case 1:
					offer(t, qFuzzy1)
				case 2:
					offer(t, qFuzzy2)
				}
			})
		})
		if last {
			// The word being typed may hold a typo before it is complete;
			// only words sharing its first letter are considered, which
			// keeps this scan to a few hundred short comparisons.
			lo, hi := ix.prefixRange(w[:1])
			for t := lo; t < hi; t++ {
				if s.termStamp[t] == gen {
					continue
				}
				if prefixDistance(w, ix.terms[t], 1) <= 1 {
					offer(int32(t), qFuzzyPrefix)
				}
			}
		}
	}
	return s.cands
}
