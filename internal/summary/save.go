package summary

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/fastenhealth/fasten-desktop/internal/records"
)

// Kind is which file of a summary to write.
type Kind string

// Kinds of summary file.
const (
	KindIPS      Kind = "ips"      // the IPS FHIR document Bundle (JSON)
	KindPDF      Kind = "pdf"      // the printable summary
	KindVaccines Kind = "vaccines" // the vaccine record PDF
)

// ErrUnknownKind is returned for a Kind that is none of the above.
var ErrUnknownKind = errors.New("unknown kind of summary: ips, pdf or vaccines")

// ParseKind checks a kind given by a caller.
func ParseKind(s string) (Kind, error) {
	switch k := Kind(s); k {
	case KindIPS, KindPDF, KindVaccines:
		return k, nil
	}
	return "", ErrUnknownKind
}

// Write writes one kind of file of the summary to w.
func (s *Summary) Write(kind Kind, w io.Writer) error {
	switch kind {
	case KindIPS:
		if _, err := w.Write(s.Bundle); err != nil {
			return err
		}
		_, err := w.Write([]byte("\n"))
		return err
	case KindPDF:
		return WritePDF(s, w)
	case KindVaccines:
		return WriteVaccinePDF(s, w)
	}
	return ErrUnknownKind
}

// Save writes one kind of file of the summary to path atomically (a
// temporary file in the same folder, renamed into place): a failure
// leaves nothing half-written and what was at path untouched.
func (s *Summary) Save(kind Kind, path string) error {
	if _, err := ParseKind(string(kind)); err != nil {
		return err
	}
	return records.WriteFileAtomic(path, "summary", func(w io.Writer) error { return s.Write(kind, w) })
}

// SaveFor builds a person's summary and saves one kind of file of it.
func SaveFor(ctx context.Context, st *records.Store, personID int64, kind Kind, path string, now time.Time) (*Summary, error) {
	if _, err := ParseKind(string(kind)); err != nil {
		return nil, err
	}
	s, err := Build(ctx, st, personID, now)
	if err != nil {
		return nil, err
	}
	return s, s.Save(kind, path)
}
