package records

import (
	"bytes"
	"context"
	"database/sql"
	"io"
	"mime"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/charset"
)

// Document text in search: the words of a record's documents — a visit
// note, a discharge summary, a report's text — are searched with the
// record (search_docs, migration 15), so "what did the doctor write about
// my knee" finds the note. Text and markup (HTML, XHTML, XML such as a
// C-CDA document) are read; PDFs and images are not (no text layer read
// here). Like every search row it is derived: Reindex rebuilds it from the
// attachments table.

// maxDocText bounds the words kept of one record's documents: a long
// document is searched by its first 256 KiB of text, and memory stays
// bounded however large the attachment (up to MaxInlineAttachment).
const maxDocText = 256 << 10

// docTextKind says how a document's words are read: "plain", "markup", or
// "" (not read: PDFs, images, RTF, anything unknown).
func docTextKind(contentType string) string {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt = strings.ToLower(strings.TrimSpace(contentType))
	}
	switch {
	case strings.HasPrefix(mt, "image/"):
		return "" // image/svg+xml is drawing, not words
	case mt == "text/html", mt == "application/xhtml+xml", mt == "text/xml", mt == "application/xml",
		strings.HasSuffix(mt, "+xml"):
		return "markup"
	case mt == "text/rtf":
		return "" // control words would read as words
	case strings.HasPrefix(mt, "text/"):
		return "plain"
	}
	return ""
}

// docText is a document's words, one space between them, at most limit
// bytes; "" when its kind is not read. Control characters and invalid
// UTF-8 never pass (the words reach the window and the terminal as
// search snippets). Markup gives its text, never its tags, scripts or
// styles.
func docText(contentType string, data []byte, limit int) string {
	var w wordWriter
	w.limit = limit
	kind := docTextKind(contentType)
	if kind == "" {
		return ""
	}
	data = toUTF8(contentType, data)
	switch kind {
	case "plain":
		w.write(data)
	case "markup":
		z := html.NewTokenizer(bytes.NewReader(data))
		skip := 0 // inside script or style
		for !w.full() {
			switch z.Next() {
			case html.ErrorToken:
				// The end, or markup too broken to read on: the words
				// read so far are kept.
				return w.String()
			case html.StartTagToken, html.SelfClosingTagToken:
				// <script/> opens a script all the same in HTML.
				if name, _ := z.TagName(); isHidden(name) {
					skip++
				}
			case html.EndTagToken:
				if name, _ := z.TagName(); isHidden(name) && skip > 0 {
					skip--
				}
			case html.TextToken:
				if skip == 0 {
					w.write(z.Text())
					w.space = true // a tag between words separates them
				}
			}
		}
	}
	return w.String()
}

// toUTF8 reads text in another encoding as UTF-8: the one the content type
// or a byte-order mark names, or the markup declares; else text that is
// not UTF-8 and holds no UTF-8 sequence at all is taken for Windows-1252
// (Latin-1's superset, what old systems write). UTF-8 with a stray bad
// byte stays UTF-8 (the bad byte is dropped later).
func toUTF8(contentType string, data []byte) []byte {
	_, params, _ := mime.ParseMediaType(contentType)
	declared := params["charset"] != "" && !strings.EqualFold(params["charset"], "utf-8")
	bom := bytes.HasPrefix(data, []byte{0xff, 0xfe}) || bytes.HasPrefix(data, []byte{0xfe, 0xff})
	if !declared && !bom && (utf8.Valid(data) || docTextKind(contentType) == "plain" && hasUTF8Sequence(data)) {
		return data
	}
	r, err := charset.NewReader(bytes.NewReader(data), contentType)
	if err != nil {
		return data
	}
	utf, err := io.ReadAll(io.LimitReader(r, int64(4*len(data)+4)))
	if err != nil {
		return data
	}
	return utf
}

// hasUTF8Sequence: some multi-byte UTF-8 character is in b.
func hasUTF8Sequence(b []byte) bool {
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if n > 1 && r != utf8.RuneError {
			return true
		}
		b = b[n:]
	}
	return false
}

func isHidden(tag []byte) bool {
	return string(tag) == "script" || string(tag) == "style"
}

// wordWriter collects words: whitespace and control characters become one
// space, invalid UTF-8 is dropped, and writing stops at limit.
type wordWriter struct {
	b     strings.Builder
	limit int
	space bool
}

func (w *wordWriter) full() bool { return w.b.Len() >= w.limit }

func (w *wordWriter) write(p []byte) {
	for len(p) > 0 && !w.full() {
		r, n := utf8.DecodeRune(p)
		p = p[n:]
		switch {
		case r == utf8.RuneError && n <= 1:
			continue
		case unicode.IsSpace(r) || unicode.IsControl(r) || r == '\u2028' || r == '\u2029':
			w.space = true
			continue
		case !unicode.IsPrint(r) && !unicode.IsMark(r):
			continue // format characters (bidi overrides, zero widths)
		}
		if w.space && w.b.Len() > 0 {
			w.b.WriteByte(' ')
		}
		w.space = false
		if w.b.Len()+utf8.RuneLen(r) > w.limit {
			w.limit = w.b.Len() // stop here, never mid-character
			return
		}
		w.b.WriteRune(r)
	}
}

func (w *wordWriter) String() string { return w.b.String() }

// docTextSQL picks the attachments whose words docText reads (a superset:
// docTextKind decides).
const docTextSQL = `(content_type LIKE 'text/%' OR content_type LIKE '%xml%')`

// writeDocText sets one record's search_docs row to the words of its
// documents (inline and fetched), reading one attachment's bytes at a
// time; a record without document words has no row.
func writeDocText(ctx context.Context, tx *sql.Tx, resource int64) error {
	rows, err := tx.QueryContext(ctx, "SELECT id, content_type FROM attachments WHERE resource = ? AND "+docTextSQL+" ORDER BY id", resource)
	if err != nil {
		return err
	}
	type att struct {
		id int64
		ct string
	}
	var atts []att
	for rows.Next() {
		var a att
		if err := rows.Scan(&a.id, &a.ct); err != nil {
			rows.Close()
			return err
		}
		if docTextKind(a.ct) != "" {
			atts = append(atts, a)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	var parts []string
	room := maxDocText
	for _, a := range atts {
		if room <= 0 {
			break
		}
		var data []byte
		if err := tx.QueryRowContext(ctx, "SELECT data FROM attachments WHERE id = ?", a.id).Scan(&data); err != nil {
			return err
		}
		if t := docText(a.ct, data, room); t != "" {
			parts = append(parts, t)
			room -= len(t) + 1
		}
	}
	docs := strings.Join(parts, " ")
	if _, err := tx.ExecContext(ctx, "DELETE FROM search_docs WHERE rowid = ?", resource); err != nil {
		return err
	}
	if docs == "" {
		return nil
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO search_docs(rowid, docs, person)
SELECT ?1, ?2, coalesce('p' || person_id, '') FROM summaries WHERE resource = ?1`, resource, docs)
	return err
}

// reindexDocText writes docs for every record with a document whose words
// are read, walking records in keyset pages.
func reindexDocText(ctx context.Context, tx *sql.Tx) error {
	var last int64
	for {
		rows, err := tx.QueryContext(ctx, "SELECT DISTINCT resource FROM attachments WHERE resource > ? AND "+docTextSQL+" ORDER BY resource LIMIT 256", last)
		if err != nil {
			return err
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		for _, id := range ids {
			if err := writeDocText(ctx, tx, id); err != nil {
				return err
			}
			last = id
		}
	}
}

// refreshDocText writes every record's docs and stamps DerivedVersion, in
// one transaction (RefreshDerived from version 12).
func (s *Store) refreshDocText(ctx context.Context) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := reindexDocText(ctx, tx); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO settings(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
		derivedVersionKey, strconv.Itoa(DerivedVersion)); err != nil {
		return err
	}
	return tx.Commit()
}
