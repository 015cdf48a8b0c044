package app

import (
	"encoding/base64"
	"errors"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"unicode"

	"github.com/wailsapp/wails/v2/pkg/options/assetserver"
	"github.com/wailsapp/wails/v2/pkg/runtime"

	"github.com/fastenhealth/fasten-desktop/internal/records"
)

// Documents lists a person's documents, newest first.
func (a *App) Documents(personID int64) ([]records.Document, error) {
	st, err := a.store()
	if err != nil {
		return nil, err
	}
	return st.Documents(a.context(), personID)
}

// errNotInline: HTML and C-CDA reach the page only sanitised
// (DocumentHTML); formats the app cannot show are only saved.
var errNotInline = &UIError{Kind: KindInvalidInput, Message: "This document is not shown as it was sent: open it in Fasten's reader or save it."}

// DocumentContent returns a PDF's, image's or plain text's original bytes,
// base64. The page may also fetch them from DocumentPath(id), which avoids
// the base64 round trip for large PDFs. HTML and C-CDA are never handed out
// raw: the page gets them from DocumentHTML, sanitised.
func (a *App) DocumentContent(id int64) (string, error) {
	st, err := a.store()
	if err != nil {
		return "", err
	}
	d, data, err := st.DocumentContent(a.context(), id)
	if err != nil {
		return "", err
	}
	if !servedRaw(d.Format) {
		return "", errNotInline
	}
	return base64.StdEncoding.EncodeToString(data), nil
}

// DocumentHTML returns an HTML or C-CDA document as sanitised HTML.
func (a *App) DocumentHTML(id int64) (string, error) {
	st, err := a.store()
	if err != nil {
		return "", err
	}
	out, err := st.DocumentHTML(a.context(), id)
	if errors.Is(err, records.ErrNotRenderable) {
		return "", invalidInput("This document cannot be shown in Fasten; save it to open it with another program.")
	}
	return out, err
}

// SaveDocument asks where to save a document and writes its original bytes.
// It returns "" when the person cancels.
func (a *App) SaveDocument(id int64) (string, error) {
	if a.ctx == nil {
		return "", errors.New("the save dialog needs the desktop window")
	}
	st, err := a.store()
	if err != nil {
		return "", err
	}
	d, _, err := st.DocumentContent(a.context(), id)
	if err != nil {
		return "", err
	}
	target, err := runtime.SaveFileDialog(a.ctx, runtime.SaveDialogOptions{
		Title:           "Save the document",
		DefaultFilename: documentFileName(d),
	})
	if err != nil || target == "" {
		return "", err
	}
	if _, err := st.SaveDocument(a.context(), id, target); err != nil {
		return "", err
	}
	return "Saved " + target, nil
}

// documentFileName suggests a file name: the title without anything a file
// system or a shell would read specially, with an extension for its type.
func documentFileName(d records.Document) string {
	name := safeFileName(d.Title)
	if name == "" {
		name = "document"
	}
	if path.Ext(name) == "" {
		name += extensions[baseType(d.ContentType)]
	}
	return name
}

// safeFileName is s without anything a file system or a shell would read
// specially, at most 120 bytes; "" if nothing is left.
func safeFileName(s string) string {
	name := strings.Map(func(r rune) rune {
		switch {
		case r == '/' || r == '\\' || r == ':' || r == '*' || r == '?' || r == '"' || r == '<' || r == '>' || r == '|':
			return '-'
		case unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r):
			return -1
		}
		return r
	}, s)
	name = strings.Trim(strings.TrimSpace(name), ".")
	if len(name) > 120 {
		name = strings.ToValidUTF8(name[:120], "")
	}
	return name
}

// extensions for the types Fasten shows (the system's MIME table would
// give text/plain ".asc" on some systems).
var extensions = map[string]string{
	"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg", "image/jpg": ".jpg", "image/gif": ".gif",
	"image/webp": ".webp", "text/plain": ".txt", "text/html": ".html", "application/xhtml+xml": ".html",
	"application/xml": ".xml", "text/xml": ".xml", "application/hl7-cda+xml": ".xml", "application/cda+xml": ".xml",
}

func baseType(ct string) string {
	if mt, _, err := mime.ParseMediaType(ct); err == nil {
		return mt
	}
	return ""
}

// DocumentPathPrefix is where the asset server serves documents' bytes.
const DocumentPathPrefix = "/doc/"

// servedRaw: the formats whose original bytes may reach the page (the
// webview renders them without running anything the document carries).
func servedRaw(f records.DocFormat) bool {
	return f == records.FormatPDF || f == records.FormatImage || f == records.FormatText
}

// rawContentType is the one Content-Type a served document gets: fixed per
// format, never the provider's own (which could say text/html or SVG).
func rawContentType(d records.Document) string {
	switch d.Format {
	case records.FormatPDF:
		return "application/pdf"
	case records.FormatImage:
		switch baseType(d.ContentType) {
		case "image/png", "image/gif", "image/webp":
			return baseType(d.ContentType)
		case "image/jpeg", "image/jpg":
			return "image/jpeg"
		}
		return "application/octet-stream" // recognised by its signature only
	}
	return "text/plain; charset=utf-8"
}

// DocumentMiddleware serves GET /doc/<id> from the asset server: a PDF,
// image or plain-text document's original bytes, for the page's PDF
// renderer and <img> (both same-origin, so the page's CSP stays
// `default-src 'self'`). Only while the vault is unlocked; HTML and C-CDA
// never (DocumentHTML gives them sanitised). Every answer forbids
// sniffing, caching and — should the webview ever navigate to one —
// running anything (a sandboxing CSP). Everything else goes to next.
//
// It is a function, not an App method: every exported App method is
// callable from the page.
func DocumentMiddleware(a *App) assetserver.Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !strings.HasPrefix(r.URL.Path, DocumentPathPrefix) {
				next.ServeHTTP(w, r)
				return
			}
			h := w.Header()
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("Cache-Control", "no-store")
			h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
			h.Set("Cross-Origin-Resource-Policy", "same-origin")
			h.Set("Referrer-Policy", "no-referrer")
			if r.Method != http.MethodGet && r.Method != http.MethodHead {
				http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
				return
			}
			id, err := strconv.ParseInt(strings.TrimPrefix(r.URL.Path, DocumentPathPrefix), 10, 64)
			if err != nil || id <= 0 {
				http.NotFound(w, r)
				return
			}
			st, err := a.store()
			if err != nil {
				http.Error(w, "locked", http.StatusForbidden)
				return
			}
			d, data, err := st.DocumentContent(r.Context(), id)
			if errors.Is(err, records.ErrNoDocument) {
				http.NotFound(w, r)
				return
			}
			if err != nil {
				http.Error(w, "the document cannot be read", http.StatusInternalServerError)
				return
			}
			if !servedRaw(d.Format) {
				http.Error(w, "not served", http.StatusUnsupportedMediaType)
				return
			}
			a.hh().Touch()
			h.Set("Content-Type", rawContentType(d))
			h.Set("Content-Disposition", "inline")
			h.Set("Content-Length", strconv.Itoa(len(data)))
			w.WriteHeader(http.StatusOK)
			if r.Method == http.MethodGet {
				w.Write(data)
			}
		})
	}
}
