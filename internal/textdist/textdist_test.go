package textdist

import "testing"

func TestOSA(t *testing.T) {
	for _, tc := range []struct {
		a, b      string
		max, want int
	}{
		{"kaiser", "kaiser", 2, 0}, {"kaizer", "kaiser", 2, 1}, {"stanfrod", "stanford", 2, 1},
		{"clevland", "cleveland", 2, 1}, {"abc", "xyz", 1, 2}, {"kaiser", "k", 2, 3},
		{"cholestrol", "cholesterol", 9, 1}, {"diabetis", "diabetes", 9, 1}, {"hemoglobn", "hemoglobin", 9, 1},
		{"glucsoe", "glucose", 9, 1}, {"asthma", "asthma", 0, 0}, {"abc", "xyz", 9, 3}, {"flu", "influenza", 9, 6},
		{"flu", "influenza", 0, 1}, {"glucsoe", "glucose", 0, 1},
	} {
		if got := OSA([]byte(tc.a), []byte(tc.b), tc.max); got != tc.want {
			t.Errorf("OSA(%q,%q,%d) = %d, want %d", tc.a, tc.b, tc.max, got, tc.want)
		}
	}
	// Runes: an accented letter is one edit, not two bytes' worth.
	if got := OSA([]rune("café"), []rune("cafe"), 2); got != 1 {
		t.Errorf("café/cafe: %d, want 1", got)
	}
	// A word longer than the stack rows still measures.
	long := []byte("pneumonoultramicroscopicsilicovolcanoconiosispneumonoultramicroscopic")
	other := append([]byte{}, long...)
	other[3], other[4] = other[4], other[3]
	if got := OSA(long, other, 2); got != 1 {
		t.Errorf("long words: %d, want 1", got)
	}
}

func TestPrefixOSA(t *testing.T) {
	for _, tc := range []struct {
		q, t string
		want int
	}{{"kaize", "kaiser", 1}, {"stanf", "stanford", 0}, {"stnaf", "stanford", 1}, {"xyzq", "stanford", 2}} {
		if got := PrefixOSA([]byte(tc.q), []byte(tc.t), 1); got != tc.want {
			t.Errorf("PrefixOSA(%q,%q) = %d, want %d", tc.q, tc.t, got, tc.want)
		}
	}
}
