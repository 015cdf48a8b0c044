package records

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"errors"
	"io"

	"github.com/fastenhealth/fasten-desktop/internal/applehealth"
	"github.com/fastenhealth/fasten-desktop/internal/ccda"
	"github.com/fastenhealth/fasten-desktop/internal/fhir"
	"github.com/fastenhealth/fasten-desktop/internal/healthcard"
	"github.com/fastenhealth/fasten-desktop/internal/olderfhir"
)

// Files other than FHIR R4 JSON are read into FHIR R4 before the pipeline
// sees them, so every format goes through the same validation, storage and
// report, and each file stays all-or-nothing:
//   - FHIR DSTU2 and STU3 (older portals and exports), told by their shape
//     (internal/olderfhir): each resource is converted to R4 and also kept
//     as received;
//   - C-CDA documents (what a patient portal's "Download my record" gives),
//     converted by internal/ccda with the original kept;
//   - SMART Health Cards (a .smart-health-card file, shc:/ text, or a photo
//     or screenshot of the QR code), read by internal/healthcard: each card
//     is a part under its issuer's name, saying "not verified" unless its
//     signature was checked, with the card kept as issued.

// sniffSize is how much of a file tells its format.
const sniffSize = 4096

// detectSize is how much of a JSON file is looked at to tell its FHIR
// release: enough for a Synthea-sized Patient and the first records after
// it, which are where an older release shows.
const detectSize = 256 << 10

// part is a run of a file's resources that share where they came from.
// Most files are one part; an Apple Health export is one per provider plus
// the phone's own readings, each under a source of its own.
type part struct {
	label   string            // the source's label; "" for the file import's own source
	release olderfhir.Release // known from the file (Apple lists it), or Unknown: told by shape
	size    int64             // bytes the part reads (progress), -1 when unknown
	r       io.Reader         // the part's FHIR JSON, once open
	open    func(ctx context.Context) (io.ReadCloser, *fileError)
	closer  io.Closer
	// read is how much of size the part has read (when the FHIR it gives
	// is not the bytes it reads: an export.xml read into Observations).
	read func() int64
	// issues are what the part's own reader skipped, with how many records
	// that is; known once the part was read to the end.
	issues func() ([]FileIssue, int)
}

// problems are what the part's own reader skipped.
func (p part) problems() ([]FileIssue, int) {
	if p.issues == nil {
		return nil, 0
	}
	return p.issues()
}

// closeParts releases whatever the parts opened.
func closeParts(parts []part) {
	for _, p := range parts {
		if p.closer != nil {
			p.closer.Close()
		}
	}
}

// partsOf says how a file is read: as FHIR, with the parts it holds. ra is
// the file for random access when it is on disk (nil for bytes streamed in).
// A file refused says what to tell the person.
func partsOf(ctx context.Context, name string, r io.Reader, ra io.ReaderAt, size int64, opts ImportOptions) ([]part, *fileError) {
	br := bufio.NewReaderSize(r, sniffSize)
	head, _ := br.Peek(sniffSize)
	if healthcard.Sniff(head) != healthcard.None {
		return cardParts(ctx, br, opts)
	}
	if applehealth.Sniff(head) {
		return appleParts(ctx, br, ra, size)
	}
	if bytes.HasPrefix(head, []byte("PK\x03\x04")) {
		return nil, &fileError{RejectUnreadable, "This zip file is not an Apple Health export: Fasten reads the export.zip the iPhone Health app writes; unpack other zip files and import the files inside."}
	}
	if !looksLikeXML(head) {
		return []part{{r: br, size: size}}, nil
	}
	if !ccda.Sniff(head) {
		return nil, &fileError{RejectUnreadable, "This XML file is not a C-CDA clinical document or FHIR: Fasten reads FHIR JSON files and C-CDA documents (a patient portal's \"Download my record\")."}
	}
	bundle, fe := ccdaBundle(ctx, name, br)
	if fe != nil {
		return nil, fe
	}
	return []part{{r: bytes.NewReader(bundle), size: int64(len(bundle))}}, nil
}

// cardParts reads the health cards of a file, each a part of its own under
// its issuer. A card altered since it was signed refuses the whole file.
func cardParts(ctx context.Context, r io.Reader, opts ImportOptions) ([]part, *fileError) {
	data, err := io.ReadAll(io.LimitReader(r, healthcard.MaxInput+1))
	if err != nil {
		return nil, &fileError{RejectUnreadable, "Cannot read the file: " + plainOSError(err)}
	}
	keys := opts.CardKeys
	if keys == nil {
		keys = healthcard.Bundled()
	}
	cards, err := healthcard.Read(ctx, data, keys)
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return nil, &fileError{RejectCancelled, "The import was cancelled; nothing from this file was stored."}
	case errors.Is(err, healthcard.ErrTampered):
		return nil, &fileError{RejectTampered, capitalise(err.Error()) + ": it was not imported. Ask the issuer for a new copy."}
	case err != nil:
		// healthcard's errors never quote the card.
		return nil, &fileError{RejectUnreadable, capitalise(err.Error()) + "."}
	}
	parts := make([]part, 0, len(cards))
	for _, c := range cards {
		bundle, err := c.Records()
		if err != nil {
			return nil, &fileError{RejectUnreadable, capitalise(err.Error()) + "."}
		}
		parts = append(parts, part{label: c.Source(), release: olderfhir.R4, r: bytes.NewReader(bundle), size: int64(len(bundle))})
	}
	return parts, nil
}

// ccdaBundle converts a C-CDA document to a FHIR Bundle.
func ccdaBundle(ctx context.Context, name string, r io.Reader) ([]byte, *fileError) {
	doc, err := io.ReadAll(io.LimitReader(r, ccda.MaxDocument+1))
	if err != nil {
		return nil, &fileError{RejectUnreadable, "Cannot read the file: " + plainOSError(err)}
	}
	bundle, err := ccda.Bundle(ctx, doc, name)
	switch {
	case err == nil:
		return bundle, nil
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return nil, &fileError{RejectCancelled, "The import was cancelled; nothing from this file was stored."}
	case errors.Is(err, ccda.ErrNotCCDA), errors.Is(err, ccda.ErrUnsafeXML), errors.Is(err, ccda.ErrMalformed),
		errors.Is(err, ccda.ErrTooLarge), errors.Is(err, ccda.ErrConvert):
		// These messages never quote the document.
		return nil, &fileError{RejectUnreadable, capitalise(err.Error()) + "."}
	}
	return nil, &fileError{RejectInternal, "Fasten could not load its C-CDA converter."}
}

// start opens a part (when it is opened lazily), tells its FHIR release
// when neither the file nor the caller said, and streams it through the
// pipeline.
func (p *pipeline) start(pt *part, opts ImportOptions) (*stream, *fileError) {
	r := pt.r
	if r == nil {
		rc, fe := pt.open(p.ctx)
		if fe != nil {
			return nil, fe
		}
		pt.closer, r = rc, rc
	}
	release := pt.release
	if release == olderfhir.Unknown {
		release = opts.Release
	}
	if release == olderfhir.Unknown {
		br := bufio.NewReaderSize(r, detectSize)
		head, _ := br.Peek(detectSize)
		release = olderfhir.DetectFile(head)
		r = br
	}
	return p.stream(r, release, opts), nil
}

// convert turns a resource received in an older FHIR release into R4, and
// keeps the bytes as received. A resource's own shape wins over the file's
// release (a file mixing releases is converted resource by resource); one
// that shows none takes the file's. It returns why a resource could not be
// converted: reported with the file's other skipped entries, never dropped
// silently.
//
// The R4 it gives is validated by the worker like any resource (ToR4 would
// validate it twice).
func (c *converter) convert(it *pending, file olderfhir.Release) *fhir.Invalid {
	rel := olderfhir.Detect(it.res.Type, it.res.Raw)
	if rel == olderfhir.Unknown {
		rel = file
	}
	if rel != olderfhir.DSTU2 && rel != olderfhir.STU3 {
		return nil
	}
	if c.c == nil && c.err == nil {
		c.c, c.err = olderfhir.NewConverter()
	}
	if c.err != nil {
		return &fhir.Invalid{Index: it.res.Index, Type: it.res.Type, Reason: "the converter from older FHIR releases is unavailable"}
	}
	r4, typ, err := c.c.Convert(rel, it.res.Type, it.res.Raw, olderfhir.Options{})
	if err != nil {
		inv := &fhir.Invalid{Index: it.res.Index, Type: it.res.Type, Reason: "could not be converted from FHIR " + releaseColumn(rel)}
		var u *olderfhir.Unconvertible
		if errors.As(err, &u) {
			inv.Path = u.Path
			inv.Reason += " (" + u.Reason + ")"
		}
		return inv
	}
	it.release, it.received = rel, it.res.Raw
	it.res.Raw, it.res.Type = r4, typ
	// A DSTU2 MedicationOrder's "MedicationOrder/x" fullUrl names the
	// MedicationRequest it became, as references to it now do.
	it.res.FullURL = olderfhir.R4Reference(rel, it.res.FullURL)
	return nil
}

// converter is one pipeline worker's converter from older releases, made
// the first time the worker meets one (most files are R4).
type converter struct {
	c   *olderfhir.Converter
	err error
}

// releaseColumn is how resources.received_release names a release: ""
// for a resource kept as received (R4).
func releaseColumn(r olderfhir.Release) string {
	switch r {
	case olderfhir.DSTU2:
		return "DSTU2"
	case olderfhir.STU3:
		return "STU3"
	}
	return ""
}

// fileSource is the source a part's resources belong to: the import's own
// (the shared file source, or a connection's) for a part without a label,
// else the file source of that label (an Apple Health export's provider, a
// health card's issuer), made the first time one is imported. Made inside
// the import's transaction, it goes if the file is refused.
func fileSource(ctx context.Context, tx *sql.Tx, label string, dflt int64, now string) (int64, error) {
	if label == "" {
		return dflt, nil
	}
	var id int64
	err := tx.QueryRowContext(ctx, "SELECT id FROM sources WHERE kind = 'file' AND label = ? ORDER BY id LIMIT 1", label).Scan(&id)
	if err == nil {
		return id, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, err
	}
	res, err := tx.ExecContext(ctx, "INSERT INTO sources(kind, label, created_at) VALUES ('file', ?, ?)", label, now)
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
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
