package records

import (
	"context"
	"database/sql"
	"time"
)

// fileGroup is the transaction the files of one Import share. Committing
// is what an import pays most for: every page a commit dirtied is
// encrypted and written to the journal, and the same index and search
// pages are dirtied again by the next file (a 150k-resource import wrote
// about three pages to the journal for each page the vault kept). Files
// are written under a savepoint each, so a refused file takes back only
// itself, and the group commits once it holds groupResources records or
// has been open groupTime — bounding what a crash, a failed commit or a
// waiting sync can cost to about a second of work.
type fileGroup struct {
	on        txBeginner // where its transactions begin
	tx        *sql.Tx
	started   time.Time
	files     []groupedFile
	resources int
}

// txBeginner is where transactions begin: the vault's pool, or a
// connection held for a run of writes (vault.Writer).
type txBeginner interface {
	BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error)
}

// groupedFile is a file stored in the group, not yet committed: its place
// in the import's report and how many people had been created before it.
type groupedFile struct{ index, peopleBefore int }

// Chosen by measurement (fasten-bench, 150k resources): see the commit
// that set them. groupFileBytes bounds the files that join a group: a
// savepoint's statement journal (the pages it changed, as they were) is
// kept in memory (SQLITE_TEMP_STORE=2, so nothing of a vault reaches an
// unencrypted temporary file), so a 105 MB bundle under a savepoint
// peaked at 362 MB and a 1 GB Apple Health export at 698 MB. Synthea's
// files, the many-small-files case grouping is for, are ~1.5 MB.
var (
	groupResources       = 5000
	groupTime            = time.Second
	groupFileBytes int64 = 4 << 20
)

// groupable says whether a file is small enough to share a transaction:
// its size, or what its parts read (a zip's contents), when known.
func groupable(size int64, parts []part) bool {
	total := int64(0)
	for _, p := range parts {
		if p.size < 0 {
			return false
		}
		total += p.size
	}
	if len(parts) == 0 || size > total {
		total = size
	}
	return total >= 0 && total <= groupFileBytes
}

// begin opens the group's transaction if needed and a savepoint for the
// next file. The transaction does not take the import's context:
// cancelling an import stops it between batches (writePart), and must not
// roll back files already reported stored.
func (g *fileGroup) begin() (*sql.Tx, error) {
	if g.tx == nil {
		tx, err := g.on.BeginTx(context.Background(), nil)
		if err != nil {
			return nil, err
		}
		g.tx, g.started = tx, time.Now()
	}
	_, err := g.tx.Exec("SAVEPOINT import_file")
	return g.tx, err
}

// releaseSavepoint keeps the file's writes in the group.
func (g *fileGroup) releaseSavepoint() error {
	_, err := g.tx.Exec("RELEASE import_file")
	return err
}

// undo takes back the file being written. If SQLite has already rolled
// back the whole transaction (a full disk, an I/O error), both fail, and
// so does the group's commit, which reports every file of the group.
func (g *fileGroup) undo() {
	if g.tx == nil {
		return
	}
	g.tx.Exec("ROLLBACK TO import_file")
	g.tx.Exec("RELEASE import_file")
}

// full says the group should commit now.
func (g *fileGroup) full() bool {
	return g.tx != nil && (g.resources >= groupResources || time.Since(g.started) >= groupTime)
}

// commit commits the group, returning the files it held and the error;
// the group is empty afterwards either way.
func (g *fileGroup) commit() ([]groupedFile, error) {
	files, tx := g.files, g.tx
	g.tx, g.files, g.resources = nil, nil, 0
	if tx == nil {
		return files, nil
	}
	if len(files) == 0 { // every file was refused or unchanged: nothing to keep
		return nil, tx.Rollback()
	}
	err := tx.Commit()
	if err != nil {
		tx.Rollback()
	}
	return files, err
}

// rollback drops what was not committed (Import returning early).
func (g *fileGroup) rollback() {
	if g.tx != nil {
		g.tx.Rollback()
		g.tx, g.files, g.resources = nil, nil, 0
	}
}
