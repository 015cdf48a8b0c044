package records

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"github.com/fastenhealth/fasten-desktop/internal/fhir"
	"github.com/fastenhealth/fasten-desktop/internal/vault"
)

// Export writes every current resource, byte-for-byte as received (one
// received in an older FHIR release: its R4 conversion), as one FHIR R4
// collection Bundle. Importing it into an empty vault gives back the same
// resources. It returns how many resources it wrote.
func (s *Store) Export(ctx context.Context, w io.Writer) (int, error) {
	// Records the family entered and then deleted are not theirs to carry.
	rows, err := s.db.QueryContext(ctx, "SELECT full_url, raw FROM resources WHERE id NOT IN (SELECT resource FROM record_marks WHERE deleted) ORDER BY id")
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	bw := bufio.NewWriterSize(w, 1<<20)
	bw.WriteString(`{"resourceType":"Bundle","type":"collection","entry":[`)
	n := 0
	var stored, raw []byte
	for rows.Next() {
		var fullURL string
		if err := rows.Scan(&fullURL, &stored); err != nil {
			return n, err
		}
		// One buffer for every record: the export holds one at a time.
		if raw, err = vault.UnpackRaw(raw[:0], stored); err != nil {
			return n, err
		}
		if n > 0 {
			bw.WriteByte(',')
		}
		bw.WriteString("\n{")
		if fullURL != "" {
			u, _ := json.Marshal(fullURL)
			bw.WriteString(`"fullUrl":`)
			bw.Write(u)
			bw.WriteByte(',')
		}
		bw.WriteString(`"resource":`)
		bw.Write(raw)
		bw.WriteByte('}')
		n++
	}
	if err := rows.Err(); err != nil {
		return n, err
	}
	bw.WriteString("\n]}\n")
	return n, bw.Flush()
}

// Reindex rebuilds every derived row (summaries, the search index and the
// attachments decoded from inline data) from the raw resources, in one
// transaction. Attachments sync downloaded are raw and stay. Patient links are kept: they
// are the person's own decisions, not derived data.
func (s *Store) Reindex(ctx context.Context) (int, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	for _, q := range []string{"DELETE FROM summaries", "DELETE FROM search", "DELETE FROM search_docs"} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return 0, err
		}
	}
	// urn: references resolve through the fullUrls every resource arrived with.
	fullURLs := map[string]string{}
	rows, err := tx.QueryContext(ctx, "SELECT full_url, resource_type, resource_id FROM resources WHERE full_url != '' AND source_id IN (SELECT id FROM sources WHERE kind = 'file')")
	if err != nil {
		return 0, err
	}
	for rows.Next() {
		var u, t, id string
		if err := rows.Scan(&u, &t, &id); err != nil {
			rows.Close()
			return 0, err
		}
		fullURLs[u] = t + "/" + id
	}
	rows.Close()
	resolve := func(ref string) string {
		if r, ok := fullURLs[ref]; ok {
			return r
		}
		return localRef(ref)
	}

	w, err := newWriter(ctx, tx, s.stamp(), FileSource)
	if err != nil {
		return 0, err
	}
	defer w.close()
	links := map[int64]*linker{}
	type item struct {
		id, src  int64
		typ, fid string // fid: the FHIR id
		sum      fhir.Summary
	}
	var items []item
	// Records the family hid or deleted get no derived rows (record_marks).
	rows, err = tx.QueryContext(ctx, "SELECT id, source_id, resource_type, resource_id, raw FROM resources WHERE id NOT IN (SELECT resource FROM record_marks WHERE hidden OR deleted) ORDER BY id")
	if err != nil {
		return 0, err
	}
	for rows.Next() {
		var it item
		var stored []byte
		if err := rows.Scan(&it.id, &it.src, &it.typ, &it.fid, &stored); err != nil {
			rows.Close()
			return 0, err
		}
		raw, err := vault.UnpackRaw(nil, stored)
		if err != nil {
			rows.Close()
			return 0, err
		}
		it.sum = fhir.Summarize(fhir.Resource{Type: it.typ, ID: it.fid, Raw: raw}, localRef)
		it.sum.PatientRef = resolvePatient(resolve, it.sum.PatientRef)
		items = append(items, it)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for i := range items {
		it := &items[i]
		l := links[it.src]
		if l == nil {
			l = &linker{ctx: ctx, tx: tx, store: s, source: it.src, cache: map[string]sql.NullInt64{}}
			links[it.src] = l
		}
		if err := w.derive(it.id, it.typ, it.fid, &it.sum, l); err != nil {
			return 0, err
		}
	}
	// Inline attachments are derived from the raw JSON too, and the words
	// of every document from the attachments.
	if _, err := reindexAttachments(ctx, tx); err != nil {
		return 0, err
	}
	if err := reindexDocText(ctx, tx); err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO settings(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
		derivedVersionKey, strconv.Itoa(DerivedVersion)); err != nil {
		return 0, err
	}
	return len(items), tx.Commit()
}

// VerifyReport is what `fasten verify` prints.
type VerifyReport struct {
	Integrity        []string `json:"integrity"`
	Resources        int      `json:"resources"`
	Versions         int      `json:"versions"`
	HashMismatches   int      `json:"hashMismatches"`
	Unparseable      int      `json:"unparseable"`
	MissingSummaries int      `json:"missingSummaries"`
	OK               bool     `json:"ok"`
}

// Verify checks the database structure and that every stored resource still
// has the bytes it was received with.
func (s *Store) Verify(ctx context.Context) (VerifyReport, error) {
	var rep VerifyReport
	rows, err := s.db.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		return rep, err
	}
	for rows.Next() {
		var line string
		rows.Scan(&line)
		rep.Integrity = append(rep.Integrity, line)
	}
	rows.Close()
	// sha256 is of the bytes as received: raw, or received when raw is an
	// older release's conversion.
	rows, err = s.db.QueryContext(ctx, "SELECT sha256, raw, coalesce(received, raw) FROM resources")
	if err != nil {
		return rep, err
	}
	for rows.Next() {
		var h, storedRaw, storedReceived []byte
		if err := rows.Scan(&h, &storedRaw, &storedReceived); err != nil {
			rows.Close()
			return rep, err
		}
		rep.Resources++
		raw, err1 := vault.UnpackRaw(nil, storedRaw)
		received, err2 := vault.UnpackRaw(nil, storedReceived)
		if err1 != nil || err2 != nil {
			// Bytes that cannot be unpacked match no hash and parse as nothing.
			rep.HashMismatches++
			rep.Unparseable++
			continue
		}
		sum := sha256.Sum256(received)
		if !bytes.Equal(sum[:], h) {
			rep.HashMismatches++
		}
		if !json.Valid(raw) {
			rep.Unparseable++
		}
	}
	rows.Close()
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM resources r LEFT JOIN summaries s ON s.resource = r.id WHERE s.resource IS NULL AND r.id NOT IN (SELECT resource FROM record_marks WHERE hidden OR deleted)").Scan(&rep.MissingSummaries); err != nil {
		return rep, err
	}
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM resource_versions").Scan(&rep.Versions); err != nil {
		return rep, err
	}
	rep.OK = len(rep.Integrity) == 1 && rep.Integrity[0] == "ok" && rep.HashMismatches == 0 && rep.Unparseable == 0 && rep.MissingSummaries == 0
	return rep, nil
}

// String renders the report for a terminal.
func (r VerifyReport) String() string {
	status := "OK"
	if !r.OK {
		status = "PROBLEMS FOUND"
	}
	return fmt.Sprintf("%s\nintegrity: %s\nresources: %d (earlier versions: %d)\nhash mismatches: %d\nunreadable: %d\nmissing summaries: %d (run `fasten reindex`)",
		status, strings.Join(r.Integrity, "; "), r.Resources, r.Versions, r.HashMismatches, r.Unparseable, r.MissingSummaries)
}

// ExportFile writes the export Bundle to path atomically (atomicWrite): a
// half-written export never replaces a good one.
func (s *Store) ExportFile(ctx context.Context, path string) (int, error) {
	n := 0
	err := atomicWrite(path, "export", func(w io.Writer) error {
		var err error
		n, err = s.Export(ctx, w)
		return err
	})
	if err != nil && !errors.Is(err, errDirNotSynced) {
		return 0, err
	}
	return n, err
}

// errDirNotSynced: the file was written and renamed into place, but its
// folder could not be flushed, so the new name may not survive a crash.
var errDirNotSynced = errors.New("its folder could not be flushed to disk")

// atomicWrite writes a file the person asked for (an export, a document)
// to path, so that a failure leaves what was there untouched. what names
// it in errors ("export", "document").
//
// The bytes go to a temporary file created exclusively (O_EXCL, mode 0600,
// random name) in the target's folder, so nothing already there — a file
// or a symlink planted at a predictable name — is opened or followed; it
// is fsynced, then renamed over path. A rename replaces a symlink at path
// itself, never the file it points to. The folder is fsynced so the new
// name survives a crash.
func atomicWrite(path, what string, write func(io.Writer) error) error {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	if fi, err := os.Lstat(path); err == nil && fi.IsDir() {
		return fmt.Errorf("cannot write the %s to %s: it is a folder", what, base)
	}
	f, err := os.CreateTemp(dir, "."+base+".*.partial")
	if err != nil {
		return fmt.Errorf("cannot create the %s file: %w", what, err)
	}
	tmp := f.Name()
	err = write(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("cannot write the %s file: %w", what, err)
	}
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("the %s was written but %w: %w", what, errDirNotSynced, err)
	}
	return nil
}

// syncDir makes a rename in dir durable. Windows cannot fsync a folder (and
// NTFS journals renames), so there it is skipped.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// WriteFileAtomic writes a file the person asked for (a summary, a PDF) as
// the export does: to a temporary file in the same folder, fsynced, then
// renamed over path, so a failure leaves no partial file and what was at
// path untouched. what names the file in errors.
func WriteFileAtomic(path, what string, write func(io.Writer) error) error {
	return atomicWrite(path, what, write)
}
