// Package tinybundle writes FHIR Bundles of many minimal entries, the shape
// whose per-entry bookkeeping (not its bytes) dominates an importer's memory:
// the bench's 1,000,000-entry phase and the importer's memory test share it.
package tinybundle

import (
	"bufio"
	"io"
	"strconv"
)

// Write writes a collection Bundle of n Basic resources with ids b0…b(n-1).
// Every tenth entry (i%10 == 1) carries a urn:uuid fullUrl and every tenth
// (i%10 == 2) a urn:uuid subject reference to p<i>, which no entry names,
// so the file-wide reference bookkeeping is exercised too.
func Write(w io.Writer, n int) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	bw.WriteString(`{"resourceType":"Bundle","type":"collection","entry":[`)
	for i := 0; i < n; i++ {
		if i > 0 {
			bw.WriteByte(',')
		}
		id := strconv.Itoa(i)
		switch i % 10 {
		case 1:
			bw.WriteString(`{"fullUrl":"urn:uuid:b` + id + `","resource":{"resourceType":"Basic","id":"b` + id + `","code":{"text":"x"}}}`)
		case 2:
			bw.WriteString(`{"resource":{"resourceType":"Basic","id":"b` + id + `","code":{"text":"x"},"subject":{"reference":"urn:uuid:p` + id + `"}}}`)
		default:
			bw.WriteString(`{"resource":{"resourceType":"Basic","id":"b` + id + `","code":{"text":"x"}}}`)
		}
	}
	bw.WriteString("]}")
	return bw.Flush()
}
