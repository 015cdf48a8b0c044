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
