package vault

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strconv"
)

// PackProgress is how far PackPending has got, for a progress bar: Done of
// Total rows packed, then the file rewritten (Phase "vacuum"), then "done"
// with the file's size before and after.
type PackProgress struct {
	Phase       string `json:"phase"` // "pack", "vacuum" or "done"
	Done        int    `json:"done"`
	Total       int    `json:"total"`
	BytesBefore int64  `json:"bytesBefore"` // the vault file (and its journal) before packing
	BytesAfter  int64  `json:"bytesAfter"`  // after, once Phase is "done"
	// VacuumSkipped: the file was not rewritten this time because another
	// Fasten has the vault open or records kept changing (ErrVaultInUse,
	// ErrVaultBusy); the rewrite stays pending and the next PackPending,
	// at the next open, tries again. Records read the same meanwhile.
	VacuumSkipped bool `json:"vacuumSkipped"`
	// Rewrite says how the file is rewritten, from Phase "vacuum" on:
	// "vacuum" (VACUUM, in memory) or "copy" (Compact).
	Rewrite string `json:"rewrite,omitempty"`
}

// maxVacuumBytes is the largest vault PackPending rewrites with VACUUM.
// VACUUM builds the new file in SQLite's temporary database, which this
// SQLCipher build keeps in memory (SQLITE_TEMP_STORE=2, so nothing of a
// vault is ever written unencrypted to a temporary file): it costs about as
// much memory as the records take once packed. Larger vaults are rewritten
// by Compact instead (an encrypted copy beside the vault, moved over it),
// whose memory does not grow with the vault; small ones keep VACUUM, which
// needs no free disk space for a copy and works while another process has
// the vault open.
var maxVacuumBytes int64 = 256 << 20

// packBatch rows are packed per transaction: a crash loses at most one
// batch's work, and a batch holds the writer for tens of milliseconds, so
// an import or sync running alongside waits little.
var packBatch = 1000

// The tables PackPending packs, in order, with the setting holding the
// last id packed (migration 17 writes them).
var packTables = []struct{ table, key string }{
	{"resources", "pack_resources_after"},
	{"resource_versions", "pack_versions_after"},
}

// PackNeeded reports whether rows written before schema 17 may still be
// stored unpacked (PackPending has not finished).
func (v *Vault) PackNeeded(ctx context.Context) (bool, error) {
	var n int
	err := v.db.QueryRowContext(ctx, "SELECT count(*) FROM settings WHERE key IN ('pack_resources_after', 'pack_versions_after', 'pack_vacuum')").Scan(&n)
	return n > 0, err
}

// PackPending packs the rows stored before schema 17, packBatch rows a
// transaction, each recording how far it got, so an interrupted run (a
// crash, a cancelled ctx) resumes where it stopped; then rewrites the file
// (VACUUM) so the space freed is given back. progress, if not nil, is called
// after each batch and phase. Reading needs none of this: unpacked rows read
// as they are, so the vault is usable throughout.
func (v *Vault) PackPending(ctx context.Context, progress func(PackProgress)) (PackProgress, error) {
	p := PackProgress{Phase: "pack", BytesBefore: v.fileBytes()}
	report := func() {
		if progress != nil {
			progress(p)
		}
	}
	after := make([]int64, len(packTables))
	todo := false
	for i, t := range packTables {
		var s string
		err := v.db.QueryRowContext(ctx, "SELECT value FROM settings WHERE key = ?", t.key).Scan(&s)
		if errors.Is(err, sql.ErrNoRows) {
			after[i] = -1 // packed already
			continue
		}
		if err != nil {
			return p, err
		}
		if after[i], err = strconv.ParseInt(s, 10, 64); err != nil {
			return p, fmt.Errorf("%w: %s is %q", ErrRawDamaged, t.key, s)
		}
		var n int
		if err := v.db.QueryRowContext(ctx, "SELECT count(*) FROM "+t.table+" WHERE id > ?", after[i]).Scan(&n); err != nil {
			return p, err
		}
		p.Total += n
		todo = true
	}
	var vacuum int
	if err := v.db.QueryRowContext(ctx, "SELECT count(*) FROM settings WHERE key = 'pack_vacuum'").Scan(&vacuum); err != nil {
		return p, err
	}
	if !todo && vacuum == 0 {
		p.Phase, p.BytesAfter = "done", p.BytesBefore
		return p, nil
	}
	report()
	for i, t := range packTables {
		if after[i] < 0 {
			continue
		}
		for {
			if err := ctx.Err(); err != nil {
				return p, err
			}
			n, last, err := v.packBatch(ctx, t.table, t.key, after[i])
			if err != nil {
				return p, fmt.Errorf("packing %s: %w", t.table, err)
			}
			if n == 0 {
				break
			}
			after[i] = last
			p.Done += n
			report()
		}
		if _, err := v.db.ExecContext(ctx, "DELETE FROM settings WHERE key = ?", t.key); err != nil {
			return p, err
		}
	}
	if vacuum > 0 {
		// VACUUM (or, for a large vault, Compact) rewrites the file
		// without the pages packing freed; after VACUUM the checkpoint
		// empties the journal, which held the rewrite. The key goes only
		// once that is done: an interrupted rewrite (the vault locked, in
		// use by another process, a crash) is done again at the next run.
		// A vault without records has nothing to give back.
		var rows int
		if err := v.db.QueryRowContext(ctx, "SELECT count(*) FROM (SELECT 1 FROM resources LIMIT 1)").Scan(&rows); err != nil {
			return p, err
		}
		var pages, free, pageSize int64
		if err := v.db.QueryRowContext(ctx, "SELECT page_count, freelist_count, page_size FROM pragma_page_count, pragma_freelist_count, pragma_page_size").Scan(&pages, &free, &pageSize); err != nil {
			return p, err
		}
		if rows > 0 {
			live := (pages - free) * pageSize
			p.Phase, p.Rewrite = "vacuum", "vacuum"
			if live > maxVacuumBytes {
				p.Rewrite = "copy"
			}
			report()
			if p.Rewrite == "copy" {
				err := v.Compact(ctx)
				if errors.Is(err, ErrVaultInUse) || errors.Is(err, ErrVaultBusy) {
					// pack_vacuum stays: the next open tries again.
					p.VacuumSkipped = true
					p.Phase, p.BytesAfter = "done", v.fileBytes()
					report()
					return p, nil
				}
				if err != nil {
					return p, fmt.Errorf("rewriting the vault file: %w", err)
				}
			} else {
				if _, err := v.db.ExecContext(ctx, "VACUUM"); err != nil {
					return p, fmt.Errorf("rewriting the vault file: %w", err)
				}
				if _, err := v.db.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
					return p, fmt.Errorf("checkpointing the vault's journal: %w", err)
				}
			}
		}
		if _, err := v.db.ExecContext(ctx, "DELETE FROM settings WHERE key = 'pack_vacuum'"); err != nil {
			return p, err
		}
	}
	p.Phase, p.BytesAfter = "done", v.fileBytes()
	report()
	return p, nil
}

// packBatch packs the next rows of table after id `after` in one
// transaction with the checkpoint. It returns how many rows it looked at
// and the last id. Rows already packed (written by an import since
// migration 17) are left alone.
func (v *Vault) packBatch(ctx context.Context, table, key string, after int64) (n int, last int64, err error) {
	tx, err := v.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, 0, err
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, "SELECT id, raw, received FROM "+table+" WHERE id > ? ORDER BY id LIMIT ?", after, packBatch)
	if err != nil {
		return 0, 0, err
	}
	type row struct {
		id            int64
		raw, received []byte
	}
	var todo []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.raw, &r.received); err != nil {
			rows.Close()
			return 0, 0, err
		}
		n++
		last = r.id
		if IsPacked(r.raw) && (r.received == nil || IsPacked(r.received)) {
			continue
		}
		if !IsPacked(r.raw) {
			r.raw = PackRaw(nil, r.raw)
		}
		if r.received != nil && !IsPacked(r.received) {
			r.received = PackRaw(nil, r.received)
		}
		todo = append(todo, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, 0, err
	}
	if n == 0 {
		return 0, after, nil
	}
	up, err := tx.PrepareContext(ctx, "UPDATE "+table+" SET raw = ?, received = ? WHERE id = ?")
	if err != nil {
		return 0, 0, err
	}
	defer up.Close()
	for _, r := range todo {
		if _, err := up.ExecContext(ctx, r.raw, r.received, r.id); err != nil {
			return 0, 0, err
		}
	}
	if _, err := tx.ExecContext(ctx, "UPDATE settings SET value = ? WHERE key = ?", strconv.FormatInt(last, 10), key); err != nil {
		return 0, 0, err
	}
	return n, last, tx.Commit()
}

// fileBytes is the vault file's size with its journal (0 if unknown).
func (v *Vault) fileBytes() int64 {
	var total int64
	for _, p := range []string{v.path, v.path + "-wal"} {
		if fi, err := os.Stat(p); err == nil {
			total += fi.Size()
		}
	}
	return total
}

// UnpackAll stores every resource's bytes as schema 16 did (as received)
// and marks the vault for PackPending, as migration 17 finds an earlier
// Fasten's vault. For measuring the migration (fasten-bench) and tests
// only: the app never calls it. 5,000 rows per statement, as an earlier
// Fasten wrote them file by file.
func (v *Vault) UnpackAll(ctx context.Context) error {
	for _, t := range packTables {
		var maxID int64
		if err := v.db.QueryRowContext(ctx, "SELECT coalesce(max(id), 0) FROM "+t.table).Scan(&maxID); err != nil {
			return err
		}
		for lo := int64(0); lo <= maxID; lo += 5000 {
			if _, err := v.db.ExecContext(ctx, "UPDATE "+t.table+" SET raw = unpack_raw(raw), received = unpack_raw(received) WHERE id > ? AND id <= ?", lo, lo+5000); err != nil {
				return fmt.Errorf("unpacking %s: %w", t.table, err)
			}
		}
	}
	_, err := v.db.ExecContext(ctx, "INSERT OR REPLACE INTO settings(key, value) VALUES ('pack_resources_after', '0'), ('pack_versions_after', '0'), ('pack_vacuum', '1')")
	return err
}
