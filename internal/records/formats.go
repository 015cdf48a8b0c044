package records

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"

	"github.com/fastenhealth/fasten-desktop/internal/ccda"
)

// Files other than FHIR JSON are read into FHIR before the pipeline sees
// them, so every format goes through the same validation, storage and
// report. Today: C-CDA documents (what a patient portal's "Download my
// record" gives), converted by internal/ccda with the original kept.

// sniffSize is how much of a file tells its format.
const sniffSize = 4096

// asFHIR returns what the FHIR pipeline should read of a file: the file
// itself when it is JSON, the FHIR made of it when it is a C-CDA document.
// A file refused says what to tell the person.
func asFHIR(ctx context.Context, name string, r io.Reader) (io.Reader, *fileError) {
	br := bufio.NewReaderSize(r, sniffSize)
	head, _ := br.Peek(sniffSize)
	if !looksLikeXML(head) {
		return br, nil
	}
	if !ccda.Sniff(head) {
		return nil, &fileError{RejectUnreadable, "This XML file is not a C-CDA clinical document or FHIR: Fasten reads FHIR JSON files and C-CDA documents (a patient portal's \"Download my record\")."}
	}
	doc, err := io.ReadAll(io.LimitReader(br, ccda.MaxDocument+1))
	if err != nil {
		return nil, &fileError{RejectUnreadable, "Cannot read the file: " + plainOSError(err)}
	}
	bundle, err := ccda.Bundle(ctx, doc, name)
	switch {
	case err == nil:
		return bytes.NewReader(bundle), nil
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return nil, &fileError{RejectCancelled, "The import was cancelled; nothing from this file was stored."}
	case errors.Is(err, ccda.ErrNotCCDA), errors.Is(err, ccda.ErrUnsafeXML), errors.Is(err, ccda.ErrMalformed),
		errors.Is(err, ccda.ErrTooLarge), errors.Is(err, ccda.ErrConvert):
		// These messages never quote the document.
		return nil, &fileError{RejectUnreadable, capitalise(err.Error()) + "."}
	}
	return nil, &fileError{RejectInternal, "Fasten could not load its C-CDA converter."}
}

// fileError is a file refused before its records were read.
type fileError struct {
	reason RejectReason
	msg    string
}

// looksLikeXML: the first thing after a byte-order mark and white space
// is "<".
func looksLikeXML(head []byte) bool {
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	head = bytes.TrimLeft(head, " \t\r\n")
	return len(head) > 0 && head[0] == '<'
}

func capitalise(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}
