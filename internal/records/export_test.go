package records

// SpillFullURLsAfter lets tests force the fullUrl index into the vault.
func SpillFullURLsAfter(n int) (restore func()) {
	old := fullURLsInMemory
	fullURLsInMemory = n
	return func() { fullURLsInMemory = old }
}
