package records_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/fastenhealth/fasten-desktop/internal/records"
)

// Across the packing boundary: a vault holding rows stored as received
// (written before schema 17) beside packed ones exports, details and
// verifies byte-for-byte the same, and packing the old rows in place
// changes none of it.
func TestPackedAndUnpackedRowsReadTheSame(t *testing.T) {
	ctx := context.Background()
	s, v := openStore(t)
	files := fixtureFiles(t, "family")[:2]
	olderFiles, _ := filepath.Glob("../../../shared/fixtures/synthea-stu3/*.json")
	if len(olderFiles) == 0 {
		t.Fatal("no STU3 fixtures")
	}
	if _, err := s.Import(ctx, append(files, olderFiles[0]), records.ImportOptions{AutoCreatePeople: true}, nil); err != nil {
		t.Fatal(err)
	}
	var before bytes.Buffer
	if _, err := s.Export(ctx, &before); err != nil {
		t.Fatal(err)
	}
	var n, older int
	v.DB().QueryRow("SELECT count(*), count(received) FROM resources WHERE unicode(raw) < 9").Scan(&n, &older)
	if n == 0 || older == 0 {
		t.Fatalf("import stored %d packed rows, %d with an older original", n, older)
	}
	var ids []int64
	rows, _ := v.DB().Query("SELECT id FROM resources ORDER BY id")
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		ids = append(ids, id)
	}
	rows.Close()
	details := map[int64]records.Detail{}
	for _, id := range ids {
		d, err := s.Detail(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		details[id] = d
	}

	// Every other row back as schema 16 stored it, as received.
	res, err := v.DB().Exec("UPDATE resources SET raw = unpack_raw(raw), received = unpack_raw(received) WHERE id % 2 = 0")
	if err != nil {
		t.Fatal(err)
	}
	if k, _ := res.RowsAffected(); k == 0 {
		t.Fatal("no row unpacked")
	}
	var unpackedOlder int
	v.DB().QueryRow("SELECT count(*) FROM resources WHERE received IS NOT NULL AND unicode(received) >= 9").Scan(&unpackedOlder)
	if unpackedOlder == 0 {
		t.Fatal("no older original stored as received")
	}
	same := func(stage string) {
		t.Helper()
		var got bytes.Buffer
		if _, err := s.Export(ctx, &got); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), before.Bytes()) {
			t.Fatalf("%s: export differs", stage)
		}
		for _, id := range ids {
			d, err := s.Detail(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if d.Raw != details[id].Raw || d.Original != details[id].Original {
				t.Fatalf("%s: detail of %d differs", stage, id)
			}
		}
		if rep, err := s.Verify(ctx); err != nil || !rep.OK {
			t.Fatalf("%s: verify %+v %v", stage, rep, err)
		}
	}
	same("mixed rows")

	// Packing them in place (what an existing vault does after migration 17).
	if _, err := v.DB().Exec("INSERT INTO settings(key, value) VALUES ('pack_resources_after', '0'), ('pack_versions_after', '0'), ('pack_vacuum', '1')"); err != nil {
		t.Fatal(err)
	}
	p, err := v.PackPending(ctx, nil)
	if err != nil || p.Total != len(ids) {
		t.Fatalf("pack: %+v %v", p, err)
	}
	v.DB().QueryRow("SELECT count(*) FROM resources WHERE unicode(raw) >= 9 OR unicode(received) >= 9").Scan(&n)
	if n != 0 {
		t.Fatalf("%d rows left unpacked", n)
	}
	same("packed in place")
}

// An unchanged re-import writes nothing: every resource is recognised by
// the hash of its bytes as received, not by unpacking what is stored. The
// file differs (a trailing newline), so the whole-file shortcut does not
// apply and each resource is compared.
func TestUnchangedReimportWritesNothing(t *testing.T) {
	ctx := context.Background()
	s, v := openStore(t)
	file := fixtureFiles(t, "family")[0]
	if _, err := s.Import(ctx, []string{file}, records.ImportOptions{AutoCreatePeople: true}, nil); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	again := filepath.Join(t.TempDir(), "again.json")
	if err := os.WriteFile(again, append(b, '\n'), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := v.DB().Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		t.Fatal(err)
	}
	var changes int
	v.DB().QueryRow("SELECT total_changes()").Scan(&changes)
	rep, err := s.Import(ctx, []string{again}, records.ImportOptions{AutoCreatePeople: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	f := rep.Files[0]
	if f.Added+f.Updated != 0 || f.Unchanged == 0 {
		t.Fatalf("re-import: %+v", f)
	}
	fi, err := os.Stat(v.Path() + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() != 0 {
		t.Fatalf("an unchanged re-import wrote %d bytes to the journal", fi.Size())
	}
}
