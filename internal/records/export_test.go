package records

// SpillFullURLsAfter lets tests force the fullUrl index into the vault.
func SpillFullURLsAfter(n int) (restore func()) {
	old := fullURLsInMemory
	fullURLsInMemory = n
	return func() { fullURLsInMemory = old }
}

// LimitInlineAttachments lowers the largest inline attachment kept.
func LimitInlineAttachments(n int) (restore func()) {
	old := MaxInlineAttachment
	MaxInlineAttachment = n
	return func() { MaxInlineAttachment = old }
}

// SplitSearchFrom lowers the vault size from which household search runs
// in parallel ranges.
func SplitSearchFrom(n int64) (restore func()) {
	old, oldParts := searchSplitMin, searchParts
	searchSplitMin, searchParts = n, 3 // three ranges even on one processor
	return func() { searchSplitMin, searchParts = old, oldParts }
}
