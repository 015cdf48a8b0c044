// Package textdist measures how far apart two words are, for search that
// forgives typing: the catalog's provider search and the records' search
// both ask "is this what they meant?" of the words they hold.
package textdist

// OSA is the optimal-string-alignment (restricted Damerau-Levenshtein)
// distance between a and b — insertions, deletions, substitutions and
// swaps of neighbours cost one — giving up with max+1 as soon as it must
// exceed max: a search only needs "close enough", and the early exit keeps
// a bad candidate to a few rows of work.
func OSA[E comparable](a, b []E, max int) int {
	if d := len(a) - len(b); d > max || -d > max {
		return max + 1
	}
	return osa(a, b, max, false)
}

// PrefixOSA is the smallest OSA distance between q and any prefix of t,
// bounded like OSA. It lets the word still being typed tolerate a typo:
// "kaize" is one edit from "kaise", a prefix of "kaiser".
func PrefixOSA[E comparable](q, t []E, max int) int {
	if len(t) > len(q)+max {
		t = t[:len(q)+max]
	}
	if len(t)+max < len(q) {
		return max + 1
	}
	return osa(q, t, max, true)
}

// shortWord is the longest word whose rows live on the stack.
const shortWord = 63

// osa runs the dynamic programme with rows over a and columns over b,
// three rows kept (the swap looks two back). prefix: the answer is the
// best of the last row (b may stop anywhere), else its last cell.
func osa[E comparable](a, b []E, max int, prefix bool) int {
	var buf [3][shortWord + 1]int
	var prev2, prev, cur []int
	if len(b) <= shortWord {
		prev2, prev, cur = buf[0][:len(b)+1], buf[1][:len(b)+1], buf[2][:len(b)+1]
	} else {
		rows := make([]int, 3*(len(b)+1))
		prev2, prev, cur = rows[:len(b)+1], rows[len(b)+1:2*(len(b)+1)], rows[2*(len(b)+1):]
	}
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			rowMin = min(rowMin, v)
		}
		if rowMin > max {
			return max + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	d := prev[len(b)]
	if prefix {
		for _, v := range prev {
			d = min(d, v)
		}
	}
	return min(d, max+1)
}
