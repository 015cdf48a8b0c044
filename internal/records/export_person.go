package records

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	"github.com/fastenhealth/fasten-desktop/internal/fhir"
	"github.com/fastenhealth/fasten-desktop/internal/vault"
)

// ErrExportFolderInUse is returned by ExportNDJSON for a folder that
// already holds .ndjson files: mixing an earlier export's files with this
// one's would re-import as one household that never was.
var ErrExportFolderInUse = errors.New("that folder already holds an NDJSON export: choose an empty folder")

// exported is one resource an export writes, raw as stored.
type exported struct {
	fullURL, typ string
	raw          []byte // valid until the next call
}

// eachExported calls fn with every current resource (personID 0) or one
// person's, byte-for-byte as stored. A person's export is their own records
// (every Patient record that is them included) followed by the records
// about no one that they reference, transitively (the clinicians,
// organisations, places and medication products their records name), so
// that re-importing it resolves what the vault resolved. Records of other
// people are never included, even when referenced.
func (s *Store) eachExported(ctx context.Context, personID int64, fn func(exported) error) (int, error) {
	if personID == 0 {
		return s.exportQuery(ctx, "SELECT full_url, resource_type, raw FROM resources WHERE id NOT IN (SELECT resource FROM record_marks WHERE deleted) ORDER BY id", nil, nil, fn)
	}
	if _, err := s.Person(ctx, personID); err != nil {
		return 0, err
	}
	type key struct {
		source int64
		id     string
	}
	seen := map[key]bool{}
	var pending []key
	// References are collected while writing, and resolved in the source
	// the referring record came from (a reference means something only
	// there).
	collect := func(source int64, raw []byte) {
		fhir.References(raw, func(ref string) {
			r := fhir.ParseReference(ref)
			switch r.Kind {
			case fhir.RefRelative, fhir.RefAbsolute, fhir.RefUUID:
			default:
				return // contained (travels inside), conditional (a search, not a name), invalid
			}
			k := key{source, r.ID}
			if r.ID != "" && !seen[k] {
				seen[k] = true
				pending = append(pending, k)
			}
		})
	}
	mark := func(source int64, id string) { seen[key{source, id}] = true }
	n, err := s.exportQuery(ctx, `SELECT r.full_url, r.resource_type, r.raw, r.source_id, r.resource_id FROM summaries s JOIN resources r ON r.id = s.resource
WHERE s.person_id = ? ORDER BY r.id`, []any{personID}, func(source int64, id string, raw []byte) {
		mark(source, id)
		collect(source, raw)
	}, fn)
	if err != nil {
		return n, err
	}
	// Rounds: a clinician's record may name their organisation. Each id is
	// looked up once (seen), so this ends.
	for len(pending) > 0 {
		batch := pending
		pending = nil
		sort.Slice(batch, func(i, j int) bool {
			if batch[i].source != batch[j].source {
				return batch[i].source < batch[j].source
			}
			return batch[i].id < batch[j].id
		})
		for _, k := range batch {
			m, err := s.exportQuery(ctx, `SELECT r.full_url, r.resource_type, r.raw, r.source_id, r.resource_id FROM resources r JOIN summaries s ON s.resource = r.id
WHERE r.source_id = ? AND r.resource_id = ? AND s.person_id IS NULL AND s.patient_id = '' ORDER BY r.id`, []any{k.source, k.id}, func(source int64, _ string, raw []byte) {
				collect(source, raw)
			}, fn)
			n += m
			if err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

// exportQuery runs q and hands each row to fn. A query with five columns
// also reports each row's source and FHIR id to also (a person's export
// follows references).
func (s *Store) exportQuery(ctx context.Context, q string, args []any, also func(source int64, id string, raw []byte), fn func(exported) error) (int, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := 0
	var stored, raw []byte
	for rows.Next() {
		var e exported
		var source int64
		var id string
		dest := []any{&e.fullURL, &e.typ, &stored}
		if also != nil {
			dest = append(dest, &source, &id)
		}
		if err := rows.Scan(dest...); err != nil {
			return n, err
		}
		// One buffer for every record: the export holds one at a time.
		if raw, err = vault.UnpackRaw(raw[:0], stored); err != nil {
			return n, err
		}
		e.raw = raw
		if also != nil {
			also(source, id, raw)
		}
		if err := fn(e); err != nil {
			return n, err
		}
		n++
	}
	return n, rows.Err()
}

// bundleWriter writes an export Bundle's entries as they come.
type bundleWriter struct {
	bw *bufio.Writer
	n  int
}

func newBundleWriter(w io.Writer) *bundleWriter {
	b := &bundleWriter{bw: bufio.NewWriterSize(w, 1<<20)}
	b.bw.WriteString(`{"resourceType":"Bundle","type":"collection","entry":[`)
	return b
}

func (b *bundleWriter) add(e exported) error {
	if b.n > 0 {
		b.bw.WriteByte(',')
	}
	b.bw.WriteString("\n{")
	if e.fullURL != "" {
		u, _ := json.Marshal(e.fullURL)
		b.bw.WriteString(`"fullUrl":`)
		b.bw.Write(u)
		b.bw.WriteByte(',')
	}
	b.bw.WriteString(`"resource":`)
	_, err := b.bw.Write(e.raw)
	b.bw.WriteByte('}')
	b.n++
	return err
}

func (b *bundleWriter) close() error {
	b.bw.WriteString("\n]}\n")
	return b.bw.Flush()
}

// ExportPerson writes one person's records (see eachExported) as one FHIR
// R4 collection Bundle, byte-for-byte as stored, with the fullUrls they
// came with. ErrNoPerson if there is no such person.
func (s *Store) ExportPerson(ctx context.Context, personID int64, w io.Writer) (int, error) {
	if personID == 0 {
		return 0, ErrNoPerson
	}
	b := newBundleWriter(w)
	n, err := s.eachExported(ctx, personID, b.add)
	if err != nil {
		return n, err
	}
	return n, b.close()
}

// ExportPersonFile is ExportPerson to path, written atomically.
func (s *Store) ExportPersonFile(ctx context.Context, personID int64, path string) (int, error) {
	if _, err := s.Person(ctx, personID); err != nil {
		return 0, err
	}
	n := 0
	err := atomicWrite(path, "export", func(w io.Writer) error {
		var err error
		n, err = s.ExportPerson(ctx, personID, w)
		return err
	})
	if err != nil && !errors.Is(err, errDirNotSynced) {
		return 0, err
	}
	return n, err
}

// ExportNDJSON writes every resource (personID 0) or one person's (see
// eachExported) as FHIR bulk-data NDJSON: one file per resource type,
// "<Type>.ndjson", one resource per line byte-for-byte as stored, in dir
// (made if missing). Every file is written to a temporary name and renamed
// into place only once all of them are complete, so a failure leaves no
// partial file. It returns how many resources each file holds.
//
// A record stored compact is written byte-for-byte; one received
// pretty-printed is written compacted (json.Compact: whitespace between
// tokens only), since NDJSON cannot hold line breaks. For byte-identical
// round trips of every record use the Bundle export.
//
// NDJSON has no fullUrl: a record naming another as urn:uuid:<id> is
// resolved on import by that id, as the vault keeps resources by id.
func (s *Store) ExportNDJSON(ctx context.Context, personID int64, dir string) (map[string]int, error) {
	if personID != 0 {
		if _, err := s.Person(ctx, personID); err != nil {
			return nil, err
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("cannot make the export folder: %w", err)
	}
	if old, _ := filepath.Glob(filepath.Join(dir, "*.ndjson")); len(old) > 0 {
		return nil, ErrExportFolderInUse
	}
	type out struct {
		f  *os.File
		bw *bufio.Writer
	}
	files := map[string]*out{}
	counts := map[string]int{}
	cleanup := func() {
		for _, o := range files {
			o.f.Close()
			os.Remove(o.f.Name())
		}
	}
	var line bytes.Buffer
	_, err := s.eachExported(ctx, personID, func(e exported) error {
		o := files[e.typ]
		if o == nil {
			if !validTypeName(e.typ) {
				return fmt.Errorf("a stored resource has an unusable type name")
			}
			f, err := os.CreateTemp(dir, "."+e.typ+".ndjson.*.partial")
			if err != nil {
				return fmt.Errorf("cannot create the export file: %w", err)
			}
			o = &out{f: f, bw: bufio.NewWriterSize(f, 256<<10)}
			files[e.typ] = o
		}
		raw := e.raw
		if bytes.ContainsAny(raw, "\r\n") {
			// NDJSON is one resource per line: a resource received
			// pretty-printed loses only its line breaks and indentation
			// (whitespace between tokens; a string cannot hold a raw line
			// break), nothing of its content.
			line.Reset()
			if err := json.Compact(&line, raw); err != nil {
				return fmt.Errorf("a stored resource is not valid JSON: %w", err)
			}
			raw = line.Bytes()
		}
		o.bw.Write(raw)
		counts[e.typ]++
		return o.bw.WriteByte('\n')
	})
	if err != nil {
		cleanup()
		return nil, err
	}
	for _, o := range files {
		if err = o.bw.Flush(); err == nil {
			err = o.f.Sync()
		}
		if err != nil {
			cleanup()
			return nil, fmt.Errorf("cannot write the export file: %w", err)
		}
	}
	for typ, o := range files {
		o.f.Close()
		if err := os.Rename(o.f.Name(), filepath.Join(dir, typ+".ndjson")); err != nil {
			cleanup()
			return nil, fmt.Errorf("cannot write the export file: %w", err)
		}
	}
	if err := syncDir(dir); err != nil {
		return counts, fmt.Errorf("the export was written but %w: %w", errDirNotSynced, err)
	}
	return counts, nil
}

// validTypeName: a FHIR resource type is letters only, so it is safe as a
// file name.
func validTypeName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
			return false
		}
	}
	return true
}
