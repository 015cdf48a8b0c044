package records

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
)

// The records package is the only writer of the tables that hold records
// and what is derived from them (resources, resource_versions, summaries,
// search, attachments, people, sources, imports, patient_links, settings);
// see docs/vault-format.md. Other packages call the operations below. Those
// that must commit together with the caller's own rows (a connection and its
// source) take the caller's transaction.

// CreateConnectionSource adds the source a provider connection's records
// belong to and links the connection's Patient (patientID at that source)
// to personID, inside tx so that the connection row referring to the
// source commits or rolls back with it.
func (s *Store) CreateConnectionSource(ctx context.Context, tx *sql.Tx, label, patientID string, personID int64) (int64, error) {
	res, err := tx.ExecContext(ctx, "INSERT INTO sources(kind, label, created_at) VALUES ('connection', ?, ?)", label, s.stamp())
	if err != nil {
		return 0, fmt.Errorf("adding the connection's source: %w", err)
	}
	src, err := res.LastInsertId()
	if err != nil {
		return 0, fmt.Errorf("adding the connection's source: %w", err)
	}
	if err := linkPatient(ctx, tx, src, patientID, personID); err != nil {
		return 0, fmt.Errorf("linking the connection's patient: %w", err)
	}
	return src, nil
}

// ErrFileSource is returned when asked to delete the records of the source
// every file import shares: that would delete all imported files at once.
var ErrFileSource = errors.New("the imported files' records are removed per person, not all at once")

// DeleteSourceRecords deletes every resource of one source (a connection's),
// with what hangs off them: earlier versions, summaries, attachments and
// sync bookkeeping by cascade, and the search rows explicitly (an FTS table
// has no foreign keys). It runs inside tx when one is given. The source row
// and its patient links stay: they describe the connection, not records.
func (s *Store) DeleteSourceRecords(ctx context.Context, tx *sql.Tx, source int64) (int64, error) {
	if source == FileSource {
		return 0, ErrFileSource
	}
	own := tx == nil
	if own {
		var err error
		if tx, err = s.db.BeginTx(ctx, nil); err != nil {
			return 0, err
		}
		defer tx.Rollback()
	}
	for _, table := range []string{"search", "search_docs"} {
		if _, err := tx.ExecContext(ctx, "DELETE FROM "+table+" WHERE rowid IN (SELECT id FROM resources WHERE source_id = ?)", source); err != nil {
			return 0, fmt.Errorf("deleting a source's search rows: %w", err)
		}
	}
	res, err := tx.ExecContext(ctx, "DELETE FROM resources WHERE source_id = ?", source)
	if err != nil {
		return 0, fmt.Errorf("deleting a source's records: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, err
	}
	if own {
		if err := tx.Commit(); err != nil {
			return 0, err
		}
	}
	return n, nil
}

// StoreAttachment keeps the bytes of one attachment of resource (a
// DocumentReference's or DiagnosticReport's content fetched from its URL)
// as a 'fetched' row: raw data, which reindex keeps. The same bytes for the
// same resource are stored once (inline or fetched): stored is false when
// they were already there.
func (s *Store) StoreAttachment(ctx context.Context, resource int64, contentType, title string, data []byte) (stored bool, err error) {
	sum := sha256.Sum256(data)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	var exists int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM attachments WHERE resource = ? AND sha256 = ?", resource, sum[:]).Scan(&exists); err != nil {
		return false, fmt.Errorf("looking up an attachment: %w", err)
	}
	if exists > 0 {
		return false, nil
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO attachments(resource, content_type, title, size, head, sha256, data, origin) VALUES (?, ?, ?, ?, ?, ?, ?, 'fetched')",
		resource, contentType, title, len(data), docHead(data), sum[:], data); err != nil {
		return false, fmt.Errorf("storing an attachment: %w", err)
	}
	if err := writeDocText(ctx, tx, resource); err != nil {
		return false, fmt.Errorf("indexing an attachment's words: %w", err)
	}
	return true, tx.Commit()
}
