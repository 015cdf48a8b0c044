package records

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/fastenhealth/fasten-desktop/internal/fhir"
)

// Documents a family keeps themselves: the photo of a paper vaccine card
// from abroad, a scanned discharge letter, a lab report PDF. Each is kept
// as a DocumentReference with the file inline (base64) under the entered
// source, through keepResource like every entered record, so the import's
// attachment extraction puts it in the person's Documents and the record
// shows on the timeline. The file is kept byte for byte as received; the
// only change ever made is removing a photo's location when asked.

// MaxAttachFile is the largest file kept (25 MB): a phone photo or a long
// scanned PDF fits, and the vault never holds more than this of one file
// in memory beyond its base64 copy. A variable so tests can lower it.
var MaxAttachFile int64 = 25 << 20

// DocKind is what a kept document is.
type DocKind string

const (
	DocLabReport       DocKind = "lab-report"
	DocVaccineCard     DocKind = "vaccine-card"
	DocDischargePapers DocKind = "discharge-papers"
	DocInsuranceCard   DocKind = "insurance-card"
	DocOther           DocKind = "other"
)

// DocKinds lists them in the order forms offer them.
var DocKinds = []DocKind{DocLabReport, DocVaccineCard, DocDischargePapers, DocInsuranceCard, DocOther}

// docType is the DocumentReference.type a kind becomes: a LOINC document
// code where one fits what families keep, else words only (there is no
// LOINC document code for an insurance card photo, and "other" is nothing
// in particular; an invented code would be worse than none).
func docType(k DocKind) (code, display string, ok bool) {
	switch k {
	case DocLabReport:
		return "11502-2", "Laboratory report", true
	case DocVaccineCard:
		return "11369-6", "History of Immunization Narrative", true
	case DocDischargePapers:
		return "18842-5", "Discharge summary", true
	case DocInsuranceCard:
		return "", "Insurance card", true
	case DocOther:
		return "", "Document", true
	}
	return "", "", false
}

// docLabel is the words a kind shows as (the type's text).
var docLabel = map[DocKind]string{DocLabReport: "Lab report", DocVaccineCard: "Vaccine card", DocDischargePapers: "Discharge papers",
	DocInsuranceCard: "Insurance card", DocOther: "Document"}

// Attachment is one file to keep for a member.
type Attachment struct {
	FileName string
	// Content is read once, never past MaxAttachFile+1 bytes.
	Content io.Reader
	// Title defaults to the file name.
	Title string
	// Date the document is from: YYYY, YYYY-MM or YYYY-MM-DD. Required.
	Date string
	Kind DocKind
	// VisitID optionally links it to one of the member's visits (an
	// Encounter record id, as every view names records).
	VisitID int64
	// StripLocation removes a photo's GPS position before it is kept.
	StripLocation bool
}

// Typed reasons a file is refused; the error is also an *EntryError with
// the problem at field "file", for forms.
var (
	ErrNotDocumentFile = errors.New("not a photo, scan or PDF")
	ErrFileTooLarge    = errors.New("the file is too large")
	ErrEmptyFile       = errors.New("the file is empty")
	// ErrLocationKept: removing the location was asked for, and the
	// photo's structure could not be followed to do it.
	ErrLocationKept = errors.New("the photo's location could not be removed")
)

// fileRefused is an *EntryError that is also one of the typed reasons.
type fileRefused struct {
	entry  *EntryError
	reason error
}

func (e *fileRefused) Error() string   { return e.entry.Error() }
func (e *fileRefused) Unwrap() []error { return []error{e.entry, e.reason} }

func refuseFile(reason error, words string) error {
	return &fileRefused{entry: &EntryError{Problems: []FieldProblem{{"file", words}}}, reason: reason}
}

// sniffDocument names a file's content type from its first bytes (never
// its name): the formats the Documents view can show. HEIC (iPhone
// photos) is refused with its own words: the app's web view cannot show
// it, and its location could not be removed.
func sniffDocument(b []byte) (contentType string, err error) {
	switch {
	case bytes.HasPrefix(b, []byte("%PDF-")):
		return "application/pdf", nil
	case bytes.HasPrefix(b, []byte("\xff\xd8\xff")):
		return "image/jpeg", nil
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png", nil
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		return "image/webp", nil
	case len(b) >= 12 && string(b[4:8]) == "ftyp" && heicBrand(string(b[8:12])):
		return "", refuseFile(ErrNotDocumentFile, "HEIC photos cannot be shown in Fasten yet: save it as JPEG (on an iPhone, Settings → Camera → Formats → Most Compatible) and add it again")
	}
	return "", refuseFile(ErrNotDocumentFile, "this is not a photo, scan or PDF: add a PDF, JPEG, PNG or WebP file")
}

func heicBrand(b string) bool {
	switch b {
	case "heic", "heix", "hevc", "hevx", "heim", "heis", "mif1", "msf1", "avif":
		return true
	}
	return false
}

// AttachDocument keeps a file for a member as a DocumentReference entered
// by the family. What cannot be kept is an *EntryError naming each field
// (file, title, date, kind, visit); a refused file is also
// ErrNotDocumentFile, ErrFileTooLarge or ErrEmptyFile. Nothing is stored
// unless everything is right.
func (s *Store) AttachDocument(ctx context.Context, personID int64, a Attachment) (EnteredRecord, error) {
	who, err := s.member(ctx, personID)
	if err != nil {
		return EnteredRecord{}, err
	}
	born := who.born
	// The file's problem (if any) is reported with every field's, so the
	// dialog shows them all at once; the error is also its typed reason.
	var fileErr error
	var probs []FieldProblem
	bad := func(field, reason string) { probs = append(probs, FieldProblem{field, reason}) }
	var data []byte
	var ctype string
	if a.Content == nil {
		fileErr = refuseFile(ErrEmptyFile, "choose a file")
	} else {
		// Never more than the limit and one byte: enough to know it is over.
		var err error
		if data, err = io.ReadAll(io.LimitReader(a.Content, MaxAttachFile+1)); err != nil {
			return EnteredRecord{}, fmt.Errorf("reading the file: %w", err)
		}
		switch {
		case int64(len(data)) > MaxAttachFile:
			data = nil
			fileErr = refuseFile(ErrFileTooLarge, fmt.Sprintf("the file is larger than %d MB: scan it at a lower resolution or split it", MaxAttachFile>>20))
		case len(data) == 0:
			fileErr = refuseFile(ErrEmptyFile, "the file is empty")
		default:
			ctype, fileErr = sniffDocument(data)
		}
	}
	if fileErr != nil {
		var fr *fileRefused
		errors.As(fileErr, &fr)
		probs = append(probs, fr.entry.Problems...)
	}
	name := baseName(a.FileName)
	title := strings.TrimSpace(a.Title)
	if title == "" {
		title = name
	}
	switch {
	case title == "":
		bad("title", "give the document a title")
	case len(title) > 500 || !utf8.ValidString(title):
		bad("title", "keep the title under 500 characters")
	}
	today := s.now().UTC()
	if strings.TrimSpace(a.Date) == "" {
		a.Date = today.Format("2006-01-02") // kept today, when the family gives no date
	}
	date, reason := entryDate(a.Date, born, today)
	if reason != "" {
		bad("date", reason)
	}
	code, _, ok := docType(a.Kind)
	if !ok {
		bad("kind", "choose lab report, vaccine card, discharge papers, insurance card or other")
	}
	var visitRef string
	if a.VisitID != 0 {
		var fid string
		err := s.db.QueryRowContext(ctx, `SELECT r.resource_id FROM resources r JOIN summaries s ON s.resource = r.id
WHERE r.id = ? AND r.resource_type = 'Encounter' AND s.person_id = ?`, a.VisitID, personID).Scan(&fid)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			bad("visit", "that visit is not one of this person's")
		case err != nil:
			return EnteredRecord{}, err
		default:
			visitRef = "Encounter/" + fid
		}
	}
	if fileErr != nil {
		fr := fileErr.(*fileRefused)
		fr.entry.Problems = probs
		return EnteredRecord{}, fr
	}
	if len(probs) > 0 {
		return EnteredRecord{}, &EntryError{Problems: probs}
	}

	if a.StripLocation {
		strip := map[string]func([]byte) ([]byte, bool){"image/jpeg": stripJPEGLocation, "image/png": stripPNGLocation, "image/webp": stripWebPLocation}[ctype]
		if strip != nil {
			out, ok := strip(data)
			if !ok {
				return EnteredRecord{}, refuseFile(ErrLocationKept, "Fasten could not read this photo's details to remove its location, so it was not kept")
			}
			data = out
		}
	}

	var b [8]byte
	rand.Read(b[:])
	id := "entered-" + hex.EncodeToString(b[:])
	sum := sha1.Sum(data) // FHIR Attachment.hash is SHA-1, base64
	typ := map[string]any{"text": docLabel[a.Kind]}
	if code != "" {
		// No coding display: views name a document by its display first,
		// and LOINC's ("History of Immunization Narrative") is not how a
		// family says it; the type's text is.
		typ["coding"] = []any{map[string]any{"system": "http://loinc.org", "code": code}}
	}
	r := map[string]any{
		"resourceType": "DocumentReference", "id": id, "status": "current", "type": typ,
		// US Core's one document category: every kind here is a clinical
		// document the family keeps (the insurance card included, as a note).
		"category": []any{map[string]any{"coding": []any{map[string]any{
			"system": "http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category", "code": "clinical-note", "display": "Clinical Note"}}}},
		"subject":     map[string]any{"reference": fmt.Sprintf("Patient/person-%d", personID)},
		"description": title,
		"content": []any{map[string]any{"attachment": map[string]any{
			"contentType": ctype, "title": title, "creation": date, "size": len(data),
			"hash": base64.StdEncoding.EncodeToString(sum[:]), "data": base64.StdEncoding.EncodeToString(data),
		}}},
	}
	// DocumentReference.date is an instant; a document known only to the
	// month or year keeps its precision in context.period (what the
	// timeline reads when there is no date) rather than a made-up day.
	if len(date) == 10 {
		r["date"] = instant(date)
	}
	ctxm := map[string]any{"period": map[string]any{"start": date}}
	if visitRef != "" {
		ctxm["encounter"] = []any{map[string]any{"reference": visitRef}}
	}
	r["context"] = ctxm
	data = nil // the base64 copy in r is what is kept from here
	raw, err := json.Marshal(r)
	if err != nil {
		return EnteredRecord{}, err
	}
	v, err := fhir.NewValidator()
	if err != nil {
		return EnteredRecord{}, err
	}
	res := fhir.Resource{Type: "DocumentReference", ID: id, Raw: raw}
	if inv := v.Validate(res); inv != nil {
		return EnteredRecord{}, fmt.Errorf("the document did not make valid FHIR (%s %s)", inv.Type, inv.Path)
	}
	return s.keepResource(ctx, who, res, 0)
}

// baseName is a file name without its folders (either separator: names
// come from any system's dialog or drop).
func baseName(p string) string {
	p = strings.TrimSpace(p)
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		p = p[i+1:]
	}
	return p
}
