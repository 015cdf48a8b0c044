package records

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/fastenhealth/fasten-desktop/internal/fhir"
	"github.com/fastenhealth/fasten-desktop/internal/vault"
)

// What a family decides about one record (record_marks, migration 18):
// hide it from every view, keep a note of their own on it, or — for what
// they entered themselves — delete it. None of these touches the record's
// bytes or versions. A hidden or deleted record has no summary or search
// row, which is what every view reads, so no view needs to know; the
// derived rows come back from the raw record when it is shown again.

// Mark is a record's marks as detail shows them.
type Mark struct {
	Hidden  bool   `json:"hidden"`
	Deleted bool   `json:"deleted"`
	Note    string `json:"note"`
}

// maxNote bounds a note of one's own.
const maxNote = 10_000

// ErrNoteTooLong: notes are for a few lines.
var ErrNoteTooLong = errors.New("keep the note under 10,000 characters")

// RecordMark reads a record's marks (zero when it has none).
func (s *Store) RecordMark(ctx context.Context, id int64) (Mark, error) {
	var m Mark
	err := s.db.QueryRowContext(ctx, "SELECT hidden, deleted, note FROM record_marks WHERE resource = ?", id).Scan(&m.Hidden, &m.Deleted, &m.Note)
	if errors.Is(err, sql.ErrNoRows) {
		return Mark{}, nil
	}
	return m, err
}

// SetHidden hides a record from every view, or shows it again.
func (s *Store) SetHidden(ctx context.Context, id int64, hidden bool) error {
	return s.mark(ctx, id, func(m *Mark) error { m.Hidden = hidden; return nil })
}

// SetNote keeps the family's own note on a record ("" removes it).
func (s *Store) SetNote(ctx context.Context, id int64, note string) error {
	note = strings.TrimSpace(note)
	if len(note) > maxNote {
		return ErrNoteTooLong
	}
	return s.mark(ctx, id, func(m *Mark) error { m.Note = note; return nil })
}

// DeleteEntered takes a record the family entered out of every view and
// export. Its bytes and versions stay, so RestoreEntered brings it back.
func (s *Store) DeleteEntered(ctx context.Context, id int64) error {
	if _, err := s.enteredRow(ctx, id); err != nil {
		return err
	}
	return s.mark(ctx, id, func(m *Mark) error { m.Deleted = true; return nil })
}

// RestoreEntered brings back a deleted entered record.
func (s *Store) RestoreEntered(ctx context.Context, id int64) error {
	var kind string
	err := s.db.QueryRowContext(ctx, "SELECT src.kind FROM resources r JOIN sources src ON src.id = r.source_id WHERE r.id = ?", id).Scan(&kind)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNoResource
	}
	if err != nil {
		return err
	}
	if kind != "entered" {
		return ErrNotEntered
	}
	return s.mark(ctx, id, func(m *Mark) error { m.Deleted = false; return nil })
}

// mark changes a record's marks in one transaction, taking its derived
// rows away or making them again when whether it shows changes.
func (s *Store) mark(ctx context.Context, id int64, change func(*Mark) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var m Mark
	var exists int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM resources WHERE id = ?", id).Scan(&exists); err != nil {
		return err
	}
	if exists == 0 {
		return ErrNoResource
	}
	err = tx.QueryRowContext(ctx, "SELECT hidden, deleted, note FROM record_marks WHERE resource = ?", id).Scan(&m.Hidden, &m.Deleted, &m.Note)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	before := m
	if err := change(&m); err != nil {
		return err
	}
	if m == (Mark{}) {
		_, err = tx.ExecContext(ctx, "DELETE FROM record_marks WHERE resource = ?", id)
	} else {
		_, err = tx.ExecContext(ctx, `INSERT INTO record_marks(resource, hidden, deleted, note, updated_at) VALUES (?, ?, ?, ?, ?)
ON CONFLICT(resource) DO UPDATE SET hidden = excluded.hidden, deleted = excluded.deleted, note = excluded.note, updated_at = excluded.updated_at`,
			id, m.Hidden, m.Deleted, m.Note, s.stamp())
	}
	if err != nil {
		return err
	}
	shown, wasShown := !m.Hidden && !m.Deleted, !before.Hidden && !before.Deleted
	switch {
	case wasShown && !shown:
		if err := dropDerived(ctx, tx, id); err != nil {
			return err
		}
	case !wasShown && shown:
		if err := s.rederive(ctx, tx, id); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// dropDerived removes what the views read of one record.
func dropDerived(ctx context.Context, tx *sql.Tx, id int64) error {
	for _, q := range []string{"DELETE FROM summaries WHERE resource = ?", "DELETE FROM search WHERE rowid = ?", "DELETE FROM search_docs WHERE rowid = ?"} {
		if _, err := tx.ExecContext(ctx, q, id); err != nil {
			return err
		}
	}
	return nil
}

// rederive makes one record's derived rows again from its raw bytes, as
// reindex does: a urn: patient reference resolves through the fullUrls its
// source's records arrived with.
func (s *Store) rederive(ctx context.Context, tx *sql.Tx, id int64) error {
	var src int64
	var typ, fid string
	var stored []byte
	if err := tx.QueryRowContext(ctx, "SELECT source_id, resource_type, resource_id, raw FROM resources WHERE id = ?", id).Scan(&src, &typ, &fid, &stored); err != nil {
		return err
	}
	raw, err := vault.UnpackRaw(nil, stored)
	if err != nil {
		return err
	}
	sum := fhir.Summarize(fhir.Resource{Type: typ, ID: fid, Raw: raw}, localRef)
	if sum.PatientRef, err = patientIn(ctx, tx, src, sum.PatientRef); err != nil {
		return err
	}
	w, err := newWriter(ctx, tx, s.stamp(), src)
	if err != nil {
		return err
	}
	defer w.close()
	links := linker{ctx: ctx, tx: tx, store: s, source: src, cache: map[string]sql.NullInt64{}}
	if err := dropDerived(ctx, tx, id); err != nil {
		return err
	}
	if err := w.derive(id, typ, fid, &sum, &links); err != nil {
		return err
	}
	return writeDocText(ctx, tx, id)
}

// unshown reports whether a record is hidden or deleted, for the writers
// that derive rows (an import's new version of a hidden record stays
// hidden).
func unshown(ctx context.Context, tx *sql.Tx, id int64) (bool, error) {
	var n int
	err := tx.QueryRowContext(ctx, "SELECT count(*) FROM record_marks WHERE resource = ? AND (hidden OR deleted)", id).Scan(&n)
	return n > 0, err
}

// SetAside is a record the family hid or (one they entered) deleted, as the
// list that brings them back shows it.
type SetAside struct {
	ID           int64  `json:"id"`
	ResourceType string `json:"resourceType"`
	Display      string `json:"display"`
	Date         string `json:"date"`
	Hidden       bool   `json:"hidden"`
	Deleted      bool   `json:"deleted"`
	Note         string `json:"note"`
}

// maxSetAside bounds the list (newest decisions first).
const maxSetAside = 500

// SetAsideRecords lists a member's hidden and deleted records. They have no
// summary rows, so each is read from its raw bytes and placed through its
// source's patient link, as reindex would.
func (s *Store) SetAsideRecords(ctx context.Context, personID int64) ([]SetAside, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT m.resource, m.hidden, m.deleted, m.note, r.source_id, r.resource_type, r.resource_id, r.raw
FROM record_marks m JOIN resources r ON r.id = m.resource WHERE m.hidden OR m.deleted ORDER BY m.updated_at DESC, m.resource DESC LIMIT ?`, maxSetAside)
	if err != nil {
		return nil, err
	}
	type row struct {
		it  SetAside
		src int64
		ref string
	}
	var found []row
	for rows.Next() {
		var r row
		var fid string
		var stored []byte
		if err := rows.Scan(&r.it.ID, &r.it.Hidden, &r.it.Deleted, &r.it.Note, &r.src, &r.it.ResourceType, &fid, &stored); err != nil {
			rows.Close()
			return nil, err
		}
		raw, err := vault.UnpackRaw(nil, stored)
		if err != nil {
			rows.Close()
			return nil, err
		}
		sum := fhir.Summarize(fhir.Resource{Type: r.it.ResourceType, ID: fid, Raw: raw}, localRef)
		r.it.Display, r.it.Date, r.ref = sum.Display, sum.Date, sum.PatientRef
		found = append(found, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := []SetAside{}
	for _, r := range found {
		ref, err := patientIn(ctx, s.db, r.src, r.ref)
		if err != nil {
			return nil, err
		}
		var pid sql.NullInt64
		err = s.db.QueryRowContext(ctx, "SELECT person_id FROM patient_links WHERE source_id = ? AND patient_id = ?", r.src, patientID(ref)).Scan(&pid)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
		if pid.Valid && pid.Int64 == personID {
			out = append(out, r.it)
		}
	}
	return out, nil
}

// rowQuerier is a transaction or the database.
type rowQuerier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// patientIn resolves a stored record's patient reference as reindex does,
// for one record: a urn: names a record of the same source by the fullUrl
// it arrived with.
func patientIn(ctx context.Context, q rowQuerier, src int64, ref string) (string, error) {
	var lookupErr error
	out := resolvePatient(func(r string) string {
		if l := localRef(r); l != "" {
			return l
		}
		var t, rid string
		err := q.QueryRowContext(ctx, "SELECT resource_type, resource_id FROM resources WHERE source_id = ? AND full_url = ? LIMIT 1", src, r).Scan(&t, &rid)
		if err != nil {
			if !errors.Is(err, sql.ErrNoRows) {
				lookupErr = err
			}
			return ""
		}
		return t + "/" + rid
	}, ref)
	return out, lookupErr
}
