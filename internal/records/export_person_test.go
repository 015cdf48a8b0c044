package records_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/fastenhealth/fasten-desktop/internal/records"
	"github.com/fastenhealth/fasten-desktop/internal/vault"
)

// rawDigests is every stored resource's raw bytes (unpacked as export and
// detail read them), digested, by type/id.
func rawDigests(t *testing.T, v *vault.Vault) map[string][32]byte {
	t.Helper()
	return digests(t, v, false)
}

// digests is rawDigests, of the compacted JSON when compact (what NDJSON
// writes for a pretty-printed record).
func digests(t *testing.T, v *vault.Vault, compact bool) map[string][32]byte {
	t.Helper()
	rows, err := v.DB().Query("SELECT resource_type, resource_id, raw FROM resources")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string][32]byte{}
	for rows.Next() {
		var typ, id string
		var stored []byte
		if err := rows.Scan(&typ, &id, &stored); err != nil {
			t.Fatal(err)
		}
		raw, err := vault.UnpackRaw(nil, stored)
		if err != nil {
			t.Fatal(err)
		}
		if compact {
			var b bytes.Buffer
			if err := json.Compact(&b, raw); err != nil {
				t.Fatal(err)
			}
			raw = b.Bytes()
		}
		out[typ+"/"+id] = sha256.Sum256(raw)
	}
	return out
}

// personDigests is rawDigests restricted to one person's records.
func personDigests(t *testing.T, v *vault.Vault, all map[string][32]byte, personID int64) map[string][32]byte {
	t.Helper()
	rows, err := v.DB().Query("SELECT r.resource_type, r.resource_id FROM summaries s JOIN resources r ON r.id = s.resource WHERE s.person_id = ?", personID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string][32]byte{}
	for rows.Next() {
		var typ, id string
		rows.Scan(&typ, &id)
		out[typ+"/"+id] = all[typ+"/"+id]
	}
	return out
}

func personWithWord(t *testing.T, s *records.Store, word string) records.Person {
	t.Helper()
	people, err := s.People(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range people {
		if strings.Contains(p.Name, word) {
			return p
		}
	}
	t.Fatalf("no one called %s", word)
	return records.Person{}
}

// TestPersonExportReimportsLosslessly: one person's Bundle and NDJSON
// exports, imported into a fresh vault, give back each of their records
// with identical raw bytes, the same person with the same number of
// records, the records about no one that theirs name, and nobody else's.
func TestPersonExportReimportsLosslessly(t *testing.T) {
	ctx := context.Background()
	s, v := openStore(t)
	files := fixtureFiles(t, "family")
	if _, err := s.Import(ctx, files, records.ImportOptions{AutoCreatePeople: true}, nil); err != nil {
		t.Fatal(err)
	}
	p := personWithWord(t, s, "Tom")
	allRaw, allCompact := rawDigests(t, v), digests(t, v, true)
	wantRaw, wantCompact := personDigests(t, v, allRaw, p.ID), personDigests(t, v, allCompact, p.ID)
	if len(wantRaw) < 100 {
		t.Fatalf("fixture person has only %d records", len(wantRaw))
	}
	dir := t.TempDir()

	check := func(name string, paths []string, written int, want, all map[string][32]byte, compact bool) {
		t.Helper()
		s2, v2 := openStore(t)
		rep, err := s2.Import(ctx, paths, records.ImportOptions{AutoCreatePeople: true}, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range rep.Files {
			if f.Status == records.FileRejected || f.Skipped > 0 {
				t.Fatalf("%s: %s %s %s skipped %d: %s", name, filepath.Base(f.File), f.Status, f.Reason, f.Skipped, f.Error)
			}
		}
		people, _ := s2.People(ctx)
		if len(people) != 1 || people[0].Records != p.Records {
			t.Fatalf("%s: re-imported people %+v, want one with %d records", name, people, p.Records)
		}
		got := digests(t, v2, compact)
		if len(got) != written {
			t.Fatalf("%s: %d resources re-imported, %d written", name, len(got), written)
		}
		for k, d := range want {
			if got[k] != d {
				t.Fatalf("%s: %s missing or changed", name, k)
			}
		}
		// The rest are records about no one, byte-identical too; at least
		// the clinician and organisation of the visits.
		extra := 0
		for k, d := range got {
			if _, mine := want[k]; !mine {
				if all[k] != d {
					t.Fatalf("%s: %s differs from the vault's", name, k)
				}
				if !strings.HasPrefix(k, "Organization/") && !strings.HasPrefix(k, "Practitioner/") && !strings.HasPrefix(k, "Location/") && !strings.HasPrefix(k, "Medication/") {
					t.Fatalf("%s: %s is not a record about no one", name, k)
				}
				extra++
			}
		}
		if extra == 0 {
			t.Fatalf("%s: no referenced clinician or organisation came along", name)
		}
	}

	out := filepath.Join(dir, "tom.json")
	n, err := s.ExportPersonFile(ctx, p.ID, out)
	if err != nil {
		t.Fatal(err)
	}
	check("bundle", []string{out}, n, wantRaw, allRaw, false)

	nd := filepath.Join(dir, "ndjson")
	counts, err := s.ExportNDJSON(ctx, p.ID, nd)
	if err != nil {
		t.Fatal(err)
	}
	paths, _ := filepath.Glob(filepath.Join(nd, "*.ndjson"))
	sort.Strings(paths)
	total := 0
	for _, c := range counts {
		total += c
	}
	if len(paths) != len(counts) || total != n {
		t.Fatalf("ndjson: %d files for %d types, %d resources, bundle had %d", len(paths), len(counts), total, n)
	}
	// NDJSON: compact records byte-identical, pretty-printed ones as
	// their compacted JSON.
	check("ndjson", paths, total, wantCompact, allCompact, true)

	// The same folder again: refused, the earlier export untouched.
	before, _ := os.ReadFile(paths[0])
	if _, err := s.ExportNDJSON(ctx, p.ID, nd); !errors.Is(err, records.ErrExportFolderInUse) {
		t.Fatalf("second export into the same folder: %v", err)
	}
	after, _ := os.ReadFile(paths[0])
	if string(before) != string(after) {
		t.Fatal("refused export changed the folder")
	}
	if left, _ := filepath.Glob(filepath.Join(nd, ".*partial")); len(left) > 0 {
		t.Fatalf("partial files left: %d", len(left))
	}
	if _, err := s.ExportPersonFile(ctx, 9999, filepath.Join(dir, "nobody.json")); !errors.Is(err, records.ErrNoPerson) {
		t.Fatalf("unknown person: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "nobody.json")); !os.IsNotExist(err) {
		t.Fatal("a file was written for no one")
	}
}

// TestHouseholdNDJSONReimportsLosslessly: the whole household as NDJSON
// comes back record for record with identical raw bytes.
func TestHouseholdNDJSONReimportsLosslessly(t *testing.T) {
	ctx := context.Background()
	s, v := openStore(t)
	files := fixtureFiles(t, "family")
	if _, err := s.Import(ctx, files, records.ImportOptions{AutoCreatePeople: true}, nil); err != nil {
		t.Fatal(err)
	}
	// Compact records come back byte-identical; pretty-printed ones as
	// their compacted JSON (NDJSON holds no line breaks).
	want := digests(t, v, true)
	nd := filepath.Join(t.TempDir(), "all")
	if _, err := s.ExportNDJSON(ctx, 0, nd); err != nil {
		t.Fatal(err)
	}
	paths, _ := filepath.Glob(filepath.Join(nd, "*.ndjson"))
	s2, v2 := openStore(t)
	if _, err := s2.Import(ctx, paths, records.ImportOptions{AutoCreatePeople: true}, nil); err != nil {
		t.Fatal(err)
	}
	got := rawDigests(t, v2)
	if len(got) != len(want) {
		t.Fatalf("%d resources re-imported, want %d", len(got), len(want))
	}
	for k, d := range want {
		if got[k] != d {
			t.Fatalf("%s missing or changed", k)
		}
	}
	p1, _ := s.People(ctx)
	p2, _ := s2.People(ctx)
	if len(p1) != len(p2) {
		t.Fatalf("people: %d, re-imported %d", len(p1), len(p2))
	}
	for i := range p1 {
		if p1[i].Name != p2[i].Name || p1[i].Records != p2[i].Records {
			t.Fatalf("person %d: %s/%d re-imported as %s/%d", i, p1[i].Name, p1[i].Records, p2[i].Name, p2[i].Records)
		}
	}
}
