package records

import "testing"

// Only small files share a transaction: a savepoint's statement journal is
// held in memory, so a big file (or a zip whose parts read much more than
// its own bytes) is written alone.
func TestOnlySmallFilesJoinAGroup(t *testing.T) {
	for _, c := range []struct {
		size  int64
		parts []part
		want  bool
	}{
		{1 << 20, nil, true},
		{groupFileBytes, nil, true},
		{groupFileBytes + 1, nil, false},
		{-1, nil, false},
		{1 << 20, []part{{size: 1 << 20}}, true},
		{1 << 20, []part{{size: 3 << 20}, {size: 3 << 20}}, false}, // a small zip of big parts
		{1 << 20, []part{{size: -1}}, false},
		{9 << 20, []part{{size: 1 << 20}}, false},
	} {
		if got := groupable(c.size, c.parts); got != c.want {
			t.Errorf("groupable(%d, %d parts) = %v, want %v", c.size, len(c.parts), got, c.want)
		}
	}
}
