package ccda

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
)

// docSeed is what the converter's invented ids derive from: the
// document's bytes, so reading the same document again invents the same
// ids (a re-import changes nothing).
func docSeed(doc []byte) [32]byte { return sha256.Sum256(doc) }

// nextUUID is the converter's crypto.randomUUID: a UUID (version 4 layout)
// from the document's seed and a counter, not from chance.
func (c *Converter) nextUUID() string {
	c.seq++
	var b [40]byte
	copy(b[:32], c.seed[:])
	binary.BigEndian.PutUint64(b[32:], c.seq)
	h := sha256.Sum256(b[:])
	h[6] = h[6]&0x0f | 0x40
	h[8] = h[8]&0x3f | 0x80
	id := fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
	if c.invented != nil {
		c.invented[id] = true
	}
	return id
}

// sha1Of is FHIR's Attachment.hash: SHA-1 of the data (the format's
// choice; it identifies, it does not protect).
func sha1Of(b []byte) []byte {
	h := sha1.Sum(b)
	return h[:]
}
