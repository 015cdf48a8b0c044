package records

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"

	"github.com/fastenhealth/fasten-desktop/internal/fhir"
	"github.com/fastenhealth/fasten-desktop/internal/vault"
)

// Inline attachments: an Attachment's base64 "data" inside a resource is
// decoded into the attachments table (origin 'inline') when the resource
// is stored, so documents are listed and opened without re-reading the
// resource. The resource's raw JSON keeps the base64 unchanged (it is the
// source of truth); the rows are derived and Reindex rebuilds them.

// MaxInlineAttachment is the largest attachment kept, decoded (the same
// bound sync puts on a downloaded one). A variable so tests can lower it.
var MaxInlineAttachment = 50 << 20

// attachmentMaxDepth bounds the walk through a resource; the import has
// already refused resources nested deeper than its own limit.
const attachmentMaxDepth = 64

// attachmentWriter extracts inline attachments inside one transaction.
type attachmentWriter struct {
	ctx            context.Context
	tx             *sql.Tx
	ins, del, dupe *sql.Stmt
}

func newAttachmentWriter(ctx context.Context, tx *sql.Tx) (*attachmentWriter, error) {
	a := &attachmentWriter{ctx: ctx, tx: tx}
	for _, p := range []struct {
		dst **sql.Stmt
		q   string
	}{
		{&a.ins, "INSERT INTO attachments(resource, content_type, title, size, head, sha256, data, origin, path) VALUES (?, ?, ?, ?, ?, ?, ?, 'inline', ?)"},
		{&a.del, "DELETE FROM attachments WHERE resource = ? AND origin = 'inline'"},
		{&a.dupe, "SELECT count(*) FROM attachments WHERE resource = ? AND sha256 = ?"},
	} {
		st, err := tx.PrepareContext(ctx, p.q)
		if err != nil {
			a.close()
			return nil, err
		}
		*p.dst = st
	}
	return a, nil
}

func (a *attachmentWriter) close() {
	for _, st := range []*sql.Stmt{a.ins, a.del, a.dupe} {
		if st != nil {
			st.Close()
		}
	}
}

// attachmentProblem is one inline attachment that was not kept.
type attachmentProblem struct {
	path, reason string
}

// extract stores every inline attachment of one resource and returns how
// many it stored and which it could not keep (the resource is stored
// either way). Only one attachment's decoded bytes are held at a time.
func (a *attachmentWriter) extract(resource int64, typ string, raw []byte) (stored int, problems []attachmentProblem, err error) {
	if !bytes.Contains(raw, []byte(`"data"`)) {
		return 0, nil, nil // the common case: nothing to walk
	}
	fhir.InlineAttachments(raw, attachmentMaxDepth, func(att fhir.InlineAttachment) bool {
		path := typ
		if att.Path != "" {
			path += "." + att.Path
		}
		data, reason := decodeInline(att.Data)
		if reason != "" {
			problems = append(problems, attachmentProblem{path, reason})
			return true
		}
		if len(data) == 0 {
			return true // nothing to show
		}
		sum := sha256.Sum256(data)
		var n int
		if err = a.dupe.QueryRowContext(a.ctx, resource, sum[:]).Scan(&n); err != nil {
			return false
		}
		if n > 0 {
			return true // the same bytes twice in one record are one document
		}
		if _, err = a.ins.ExecContext(a.ctx, resource, att.ContentType, att.Title, len(data), docHead(data), sum[:], data, att.Path); err != nil {
			return false
		}
		stored++
		return true
	})
	return stored, problems, err
}

// forget deletes a resource's inline attachments (a new version replaces them).
func (a *attachmentWriter) forget(resource int64) error {
	_, err := a.del.ExecContext(a.ctx, resource)
	return err
}

// decodeInline decodes an Attachment.data JSON string's content (still
// escaped). reason is set, in words for the import report, when the
// attachment is too large or not base64.
func decodeInline(esc []byte) (data []byte, reason string) {
	limit := MaxInlineAttachment
	tooLarge := fmt.Sprintf("an attachment larger than %d MB was not kept (the record itself was)", limit>>20)
	if limit < 1<<20 {
		tooLarge = fmt.Sprintf("an attachment larger than %d bytes was not kept (the record itself was)", limit)
	}
	// Refuse by length before allocating: base64 is 4 characters per 3
	// bytes, plus line breaks some writers add every 76 characters.
	if int64(len(esc)) > int64(limit)/3*4*21/20+1024 {
		return nil, tooLarge
	}
	src := esc
	if bytes.IndexByte(esc, '\\') >= 0 {
		// JSON escapes ("\/", "\n") inside the base64: unescape first.
		var s string
		q := make([]byte, 0, len(esc)+2)
		q = append(append(append(q, '"'), esc...), '"')
		if json.Unmarshal(q, &s) != nil {
			return nil, "an attachment's data is not valid base64 and was not kept (the record itself was)"
		}
		src = []byte(s)
	}
	// base64 decoding skips \r and \n; other whitespace is removed here.
	if bytes.ContainsAny(src, " \t") {
		src = bytes.Map(func(r rune) rune {
			if r == ' ' || r == '\t' {
				return -1
			}
			return r
		}, src)
	}
	buf := make([]byte, base64.StdEncoding.DecodedLen(len(src)))
	n, err := base64.StdEncoding.Decode(buf, src)
	if err != nil {
		// Some writers leave the padding off.
		raw := bytes.TrimRight(src, "\r\n")
		buf = make([]byte, base64.RawStdEncoding.DecodedLen(len(raw)))
		if n, err = base64.RawStdEncoding.Decode(buf, raw); err != nil {
			return nil, "an attachment's data is not valid base64 and was not kept (the record itself was)"
		}
	}
	if n > limit {
		return nil, tooLarge
	}
	return buf[:n], ""
}

// reindexAttachments rebuilds every inline attachment row from the raw
// resources inside tx. Fetched rows (sync's downloads) are raw data and
// stay. Ids are read in keyset pages and each resource's raw JSON on its
// own, so one resource (up to the import's 64 MB) is in memory at a time;
// only resources that mention "data" are read at all.
func reindexAttachments(ctx context.Context, tx *sql.Tx) (int, error) {
	if _, err := tx.ExecContext(ctx, "DELETE FROM attachments WHERE origin = 'inline'"); err != nil {
		return 0, err
	}
	a, err := newAttachmentWriter(ctx, tx)
	if err != nil {
		return 0, err
	}
	defer a.close()
	read, err := tx.PrepareContext(ctx, "SELECT resource_type, raw FROM resources WHERE id = ?")
	if err != nil {
		return 0, err
	}
	defer read.Close()
	var last int64
	total := 0
	for {
		rows, err := tx.QueryContext(ctx, `SELECT id FROM resources
WHERE id > ? AND instr(unpack_raw(raw), CAST('"data"' AS BLOB)) > 0 ORDER BY id LIMIT 256`, last)
		if err != nil {
			return 0, err
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return 0, err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return 0, err
		}
		if len(ids) == 0 {
			return total, nil
		}
		for _, id := range ids {
			var typ string
			var raw []byte
			if err := read.QueryRowContext(ctx, id).Scan(&typ, &raw); err != nil {
				return 0, err
			}
			if raw, err = vault.UnpackRaw(nil, raw); err != nil {
				return 0, err
			}
			n, _, err := a.extract(id, typ, raw)
			if err != nil {
				return 0, err
			}
			total += n
			last = id
		}
	}
}
