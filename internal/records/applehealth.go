package records

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/fastenhealth/fasten-desktop/internal/applehealth"
	"github.com/fastenhealth/fasten-desktop/internal/ccda"
	"github.com/fastenhealth/fasten-desktop/internal/olderfhir"
)

// An Apple Health export (the export.zip the iPhone Health app writes, or
// its export.xml alone) is one file of several parts, imported in one
// transaction: the phone's own readings under "Apple Health", each
// provider's health records under the provider's name (converted from DSTU2
// when that is what the provider sent), and export_cda.xml through the
// C-CDA reader. internal/applehealth reads the export; this file maps its
// parts onto the import's.

// maxExportInMemory bounds an export that arrives as a stream (the page's
// file input) rather than a file on disk, which must be held whole to be
// read as a zip. A file dropped onto the window or chosen in the dialog is
// read from disk, whatever its size.
const maxExportInMemory = 512 << 20

func appleParts(ctx context.Context, r io.Reader, ra io.ReaderAt, size int64) ([]part, *fileError) {
	if ra == nil {
		data, err := io.ReadAll(io.LimitReader(r, maxExportInMemory+1))
		if err != nil {
			return nil, &fileError{RejectUnreadable, "Cannot read the file: " + plainOSError(err)}
		}
		if len(data) > maxExportInMemory {
			return nil, &fileError{RejectUnreadable, "This Apple Health export is too large to import this way: drop export.zip onto the Fasten window, or pick it with \"Choose files…\"."}
		}
		ra, size = bytes.NewReader(data), int64(len(data))
	}
	exp, err := applehealth.Open(ra, size)
	if err != nil {
		return nil, appleError(err)
	}
	var parts []part
	for _, p := range exp.Parts() {
		p := p
		pt := part{label: p.Label, size: p.Size, read: p.Read, issues: appleIssues(p)}
		switch p.Kind {
		case applehealth.Samples:
			pt.release = olderfhir.R4
			pt.open = func(ctx context.Context) (io.ReadCloser, *fileError) {
				rc, err := p.Open(ctx)
				if err != nil {
					return nil, appleError(err)
				}
				return appleStream{rc}, nil
			}
		case applehealth.ClinicalRecords:
			if pt.label == "" {
				pt.label = "Health records in Apple Health"
			}
			// Apple lists the release each provider sent; a release it
			// does not name is told by shape, like any file's.
			pt.release = olderfhir.ReleaseOf(p.FHIRVersion)
			pt.open = func(ctx context.Context) (io.ReadCloser, *fileError) {
				rc, err := p.Open(ctx)
				if err != nil {
					return nil, appleError(err)
				}
				return appleStream{rc}, nil
			}
		case applehealth.CDA:
			cda, ok := cdaPart(p)
			if !ok {
				continue
			}
			pt = cda
		default:
			continue
		}
		parts = append(parts, pt)
	}
	if len(parts) == 0 {
		return nil, &fileError{RejectNothingValid, "This Apple Health export holds no health data Fasten reads."}
	}
	return parts, nil
}

// cdaPart reads export_cda.xml through the C-CDA reader. Apple writes the
// same readings there as in export.xml, so a document the reader cannot
// take (too large — real ones often are — or not one document) is left out
// with a reason, rather than refusing the whole export.
func cdaPart(p applehealth.Part) (part, bool) {
	// Under a label of its own: it is another telling of the readings.
	pt := part{label: p.Label + " (export_cda.xml)", release: olderfhir.R4, size: p.Size}
	if p.Size > ccda.MaxDocument {
		pt.open = func(context.Context) (io.ReadCloser, *fileError) { return emptyBundle(), nil }
		pt.issues = func() ([]FileIssue, int) {
			return []FileIssue{{Entry: -1, Type: "export_cda.xml", Reason: fmt.Sprintf("not read: larger than the %d MB a C-CDA document may be; it repeats the readings of export.xml, imported above", ccda.MaxDocument>>20)}}, 0
		}
		return pt, true
	}
	var reason string
	pt.issues = func() ([]FileIssue, int) {
		if reason == "" {
			return nil, 0
		}
		return []FileIssue{{Entry: -1, Type: "export_cda.xml", Reason: reason}}, 0
	}
	pt.open = func(ctx context.Context) (io.ReadCloser, *fileError) {
		rc, err := p.Open(ctx)
		if err != nil {
			return nil, appleError(err)
		}
		defer rc.Close()
		bundle, fe := ccdaBundle(ctx, "export_cda.xml", rc)
		if fe != nil {
			if fe.reason == RejectCancelled {
				return nil, fe
			}
			reason = "not read: " + fe.msg
			return emptyBundle(), nil
		}
		return io.NopCloser(bytes.NewReader(bundle)), nil
	}
	return pt, true
}

func emptyBundle() io.ReadCloser {
	return io.NopCloser(bytes.NewReader([]byte(`{"resourceType":"Bundle","type":"collection","entry":[]}`)))
}

// appleIssues turns what the export's reader counted and left out into the
// report's issues: one line per kind, with how many.
func appleIssues(p applehealth.Part) func() ([]FileIssue, int) {
	return func() ([]FileIssue, int) {
		if p.Problems == nil {
			return nil, 0
		}
		var out []FileIssue
		n := 0
		for _, pr := range p.Problems() {
			reason := pr.Reason
			if pr.Count > 1 {
				reason = fmt.Sprintf("%s (%d)", reason, pr.Count)
			}
			out = append(out, FileIssue{Entry: -1, Type: pr.Item, Reason: reason})
			n += pr.Count
		}
		return out, n
	}
}

// appleStream turns the export's errors, met while the part streams, into
// the plain words of the import's report.
type appleStream struct{ rc io.ReadCloser }

func (a appleStream) Read(p []byte) (int, error) {
	n, err := a.rc.Read(p)
	if err != nil && err != io.EOF {
		return n, &partError{appleError(err)}
	}
	return n, err
}

// partError is a part's own reader failing while it streams: the import
// reports what it says, not that "the file could not be read".
type partError struct{ fe *fileError }

func (e *partError) Error() string { return e.fe.msg }

func (a appleStream) Close() error { return a.rc.Close() }

// appleError says what is wrong with an export; applehealth's messages
// never quote it.
func appleError(err error) *fileError {
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return &fileError{RejectCancelled, "The import was cancelled; nothing from this file was stored."}
	case errors.Is(err, applehealth.ErrNotExport), errors.Is(err, applehealth.ErrUnsafe),
		errors.Is(err, applehealth.ErrMalformed), errors.Is(err, applehealth.ErrTooLarge):
		return &fileError{RejectUnreadable, capitalise(err.Error()) + "."}
	}
	return &fileError{RejectUnreadable, "Cannot read the file: " + plainOSError(err)}
}

// partRead is how much of the file part i has read, for progress.
func partRead(parts []part, i int, st *stream) int64 {
	if i < len(parts) && parts[i].read != nil {
		return parts[i].read()
	}
	return st.reader.BytesRead()
}
