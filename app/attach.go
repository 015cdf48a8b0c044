package app

import (
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"

	"github.com/fastenhealth/fasten-desktop/internal/records"
	"github.com/wailsapp/wails/v2/pkg/runtime"
)

// Photos, scans and PDFs a family keeps for a member. Like typed records,
// what cannot be kept (the file, or a field) is not an error: it comes
// back as Problems for the dialog to show at each field.

// AttachMeta is what the add-a-document dialog says of a file.
type AttachMeta struct {
	Title string `json:"title"`
	// Date: YYYY, YYYY-MM or YYYY-MM-DD; empty means today.
	Date string `json:"date"`
	// Kind: lab-report, vaccine-card, discharge-papers, insurance-card, other.
	Kind    string `json:"kind"`
	VisitID int64  `json:"visitId"`
	// StripLocation removes a photo's GPS position before it is kept.
	StripLocation bool `json:"stripLocation"`
}

// AttachResult is one file kept, or why not.
type AttachResult struct {
	FileName string                 `json:"fileName"`
	ID       int64                  `json:"id"`
	Problems []records.FieldProblem `json:"problems"`
}

// DocumentKinds lists what a document can be, in the order the dialog offers them.
func (a *App) DocumentKinds() []records.DocKind { return records.DocKinds }

func attachResult(name string, r records.EnteredRecord, err error) (AttachResult, error) {
	res, err := entryResult(r, err)
	return AttachResult{FileName: name, ID: res.ID, Problems: res.Problems}, err
}

func (meta AttachMeta) attachment(name string) records.Attachment {
	return records.Attachment{FileName: name, Title: meta.Title, Date: meta.Date, Kind: records.DocKind(meta.Kind),
		VisitID: meta.VisitID, StripLocation: meta.StripLocation}
}

// AttachFile keeps one file whose bytes the page sends (a file dropped on
// the window or picked with the page's file input), base64. A string far
// over the limit is refused by its length, before any decoding.
func (a *App) AttachFile(personID int64, name, data string, meta AttachMeta) (AttachResult, error) {
	st, err := a.store()
	if err != nil {
		return AttachResult{}, err
	}
	name = filepath.Base(strings.ReplaceAll(name, `\`, "/"))
	at := meta.attachment(name)
	if int64(len(data)) > records.MaxAttachFile/3*4+8 {
		// Over the limit whatever it decodes to: let the store say so
		// in its words, from a reader that runs past the limit.
		at.Content = overLimit{}
	} else {
		at.Content = base64.NewDecoder(base64.StdEncoding, strings.NewReader(data))
	}
	r, err := st.AttachDocument(a.context(), personID, at)
	var corrupt base64.CorruptInputError
	if errors.As(err, &corrupt) {
		return AttachResult{}, invalidInput("The file did not arrive whole. Add it again.")
	}
	return attachResult(name, r, err)
}

// overLimit reads as an endless file, for one known to be over the limit.
type overLimit struct{}

func (overLimit) Read(b []byte) (int, error) { clear(b); return len(b), nil }

// AttachFiles opens the system's file dialog and keeps each file chosen
// with what the dialog said (each titled by its own name when no title
// was given). Cancelling keeps nothing and returns no results.
func (a *App) AttachFiles(personID int64, meta AttachMeta) ([]AttachResult, error) {
	if a.ctx == nil {
		return nil, errors.New("the file dialog needs the desktop window")
	}
	if _, err := a.store(); err != nil {
		return nil, err
	}
	paths, err := runtime.OpenMultipleFilesDialog(a.ctx, runtime.OpenDialogOptions{
		Title: "Choose photos, scans or PDFs to keep",
		Filters: []runtime.FileFilter{
			{DisplayName: "Photos, scans and PDFs", Pattern: "*.pdf;*.PDF;*.jpg;*.jpeg;*.JPG;*.JPEG;*.png;*.PNG;*.webp;*.WEBP"},
			{DisplayName: "All files", Pattern: "*"},
		},
	})
	if err != nil {
		return nil, err
	}
	return a.attachPaths(personID, paths, meta)
}

// AttachPaths keeps files dropped onto the window (which arrive as paths)
// while the add-a-document dialog is open, with what the dialog says.
func (a *App) AttachPaths(personID int64, paths []string, meta AttachMeta) ([]AttachResult, error) {
	return a.attachPaths(personID, paths, meta)
}

// attachPaths keeps files by path, one at a time (each read through the
// store's limit straight from the file).
func (a *App) attachPaths(personID int64, paths []string, meta AttachMeta) ([]AttachResult, error) {
	st, err := a.store()
	if err != nil {
		return nil, err
	}
	out := []AttachResult{}
	for _, p := range paths {
		name := filepath.Base(p)
		f, err := os.Open(p)
		if err != nil {
			return out, err
		}
		if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
			f.Close()
			out = append(out, AttachResult{FileName: name, Problems: []records.FieldProblem{{Field: "file", Reason: "this is a folder, not a file"}}})
			continue
		}
		at := meta.attachment(name)
		at.Content = f
		r, err := st.AttachDocument(a.context(), personID, at)
		f.Close()
		res, err := attachResult(name, r, err)
		if err != nil {
			return out, err
		}
		out = append(out, res)
	}
	return out, nil
}
