package records_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fastenhealth/fasten-desktop/internal/records"
	"github.com/fastenhealth/fasten-desktop/internal/vault"
)

func tinyBundle(patientID, family string) []byte {
	return []byte(`{"resourceType":"Bundle","type":"collection","entry":[
{"fullUrl":"urn:uuid:` + patientID + `","resource":{"resourceType":"Patient","id":"` + patientID + `","name":[{"family":"` + family + `","given":["Ada"]}],"birthDate":"1990-01-02"}},
{"resource":{"resourceType":"Observation","id":"o-` + patientID + `","status":"final","code":{"text":"Heart rate"},"subject":{"reference":"Patient/` + patientID + `"},"effectiveDateTime":"2024-01-02","valueQuantity":{"value":61,"unit":"/min"}}}]}`)
}

func importInto(t *testing.T, s *records.Store, source, person int64, body []byte) {
	t.Helper()
	res, _ := s.ImportReader(context.Background(), "bundle", bytes.NewReader(body), int64(len(body)), 0, 1,
		records.ImportOptions{SourceID: source, PersonID: person}, nil)
	if res.Status != "imported" {
		t.Fatalf("import: %s %s", res.Status, res.Error)
	}
}

func count(t *testing.T, v *vault.Vault, q string, args ...any) int {
	t.Helper()
	var n int
	if err := v.DB().QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A connection's records (resources, summaries, search rows, attachments)
// go with DeleteSourceRecords; the imported files' stay, and so do the
// source row and its patient link (they describe the connection).
func TestConnectionSourceLifecycle(t *testing.T) {
	ctx := context.Background()
	s, v := openStore(t)
	person, err := s.AddPerson(ctx, "Ada Quillonby", "1990-01-02")
	if err != nil {
		t.Fatal(err)
	}
	tx, err := v.DB().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	src, err := s.CreateConnectionSource(ctx, tx, "Clinic", "remote-p", person.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	var created string
	v.DB().QueryRow("SELECT created_at FROM sources WHERE id = ?", src).Scan(&created)
	if _, err := vault.ParseTimestamp(created); err != nil {
		t.Fatalf("sources.created_at %q: %v", created, err)
	}
	importInto(t, s, src, person.ID, tinyBundle("remote-p", "Quillonby"))
	importInto(t, s, records.FileSource, person.ID, tinyBundle("file-p", "Quillonby"))
	var obs int64
	v.DB().QueryRow("SELECT id FROM resources WHERE source_id = ? AND resource_type = 'Observation'", src).Scan(&obs)

	stored, err := s.StoreAttachment(ctx, obs, "text/plain", "note", []byte("attachment bytes"))
	if err != nil || !stored {
		t.Fatalf("StoreAttachment = %v %v", stored, err)
	}
	stored, err = s.StoreAttachment(ctx, obs, "text/plain", "note", []byte("attachment bytes"))
	if err != nil || stored {
		t.Fatalf("same bytes again: stored=%v %v", stored, err)
	}
	if n := count(t, v, "SELECT count(*) FROM attachments"); n != 1 {
		t.Fatalf("attachments %d, want 1", n)
	}
	hits, err := s.Search(ctx, person.ID, "Heart", 10)
	if err != nil || len(hits) != 2 {
		t.Fatalf("search before: %d %v", len(hits), err)
	}

	if _, err := s.DeleteSourceRecords(ctx, nil, records.FileSource); !errors.Is(err, records.ErrFileSource) {
		t.Fatalf("deleting the file source = %v", err)
	}
	n, err := s.DeleteSourceRecords(ctx, nil, src)
	if err != nil || n != 2 {
		t.Fatalf("DeleteSourceRecords = %d %v, want 2", n, err)
	}
	for q, want := range map[string]int{
		"SELECT count(*) FROM resources WHERE source_id = ?":     0,
		"SELECT count(*) FROM summaries WHERE source_id = ?":     0,
		"SELECT count(*) FROM patient_links WHERE source_id = ?": 1,
		"SELECT count(*) FROM sources WHERE id = ?":              1,
	} {
		if got := count(t, v, q, src); got != want {
			t.Errorf("%s = %d, want %d", q, got, want)
		}
	}
	if got := count(t, v, "SELECT count(*) FROM attachments"); got != 0 {
		t.Errorf("attachments left: %d", got)
	}
	if got := count(t, v, "SELECT count(*) FROM resources WHERE source_id = ?", records.FileSource); got != 2 {
		t.Errorf("file source resources %d, want 2", got)
	}
	hits, err = s.Search(ctx, person.ID, "Heart", 10)
	if err != nil || len(hits) != 1 {
		t.Fatalf("search after: %d %v", len(hits), err)
	}
	if got := count(t, v, "SELECT count(*) FROM search"); got != count(t, v, "SELECT count(*) FROM summaries") {
		t.Errorf("search rows (%d) outlive their summaries", got)
	}
}

func exportSetup(t *testing.T) (*records.Store, string) {
	t.Helper()
	s, _ := openStore(t)
	importInto(t, s, records.FileSource, 0, tinyBundle("p1", "Exportwell"))
	return s, t.TempDir()
}

func assertBundle(t *testing.T, path string) {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	if !fi.Mode().IsRegular() || fi.Mode().Perm() != 0o600 {
		t.Fatalf("export is %v, want a regular 0600 file", fi.Mode())
	}
	data, _ := os.ReadFile(path)
	var b struct{ Entry []json.RawMessage }
	if err := json.Unmarshal(data, &b); err != nil || len(b.Entry) != 2 {
		t.Fatalf("export content: %d entries %v", len(b.Entry), err)
	}
}

func assertNoTemp(t *testing.T, dir string) {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".partial") && e.Type()&os.ModeSymlink == 0 {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}

// The old export opened <target>.partial with O_TRUNC, following a symlink
// planted there; the victim file was truncated and overwritten.
func TestExportDoesNotFollowPlantedTempSymlink(t *testing.T) {
	s, dir := exportSetup(t)
	victim := filepath.Join(dir, "victim.txt")
	os.WriteFile(victim, []byte("do not touch"), 0o600)
	target := filepath.Join(dir, "export.json")
	if err := os.Symlink(victim, target+".partial"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ExportFile(context.Background(), target); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(victim); string(b) != "do not touch" {
		t.Fatalf("victim changed: %q", b)
	}
	assertBundle(t, target)
	assertNoTemp(t, dir)
}

// A symlink at the target is replaced by the export, its target untouched.
func TestExportReplacesSymlinkAtTarget(t *testing.T) {
	s, dir := exportSetup(t)
	victim := filepath.Join(dir, "victim.txt")
	os.WriteFile(victim, []byte("do not touch"), 0o600)
	target := filepath.Join(dir, "export.json")
	if err := os.Symlink(victim, target); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ExportFile(context.Background(), target); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(victim); string(b) != "do not touch" {
		t.Fatalf("victim changed: %q", b)
	}
	assertBundle(t, target)
	assertNoTemp(t, dir)
}

// A failed export leaves the earlier export as it was and no temporary file.
func TestFailedExportKeepsEarlierFile(t *testing.T) {
	s, dir := exportSetup(t)
	target := filepath.Join(dir, "export.json")
	os.WriteFile(target, []byte("earlier export"), 0o600)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.ExportFile(ctx, target); err == nil {
		t.Fatal("export with a cancelled context succeeded")
	}
	if b, _ := os.ReadFile(target); string(b) != "earlier export" {
		t.Fatalf("earlier export changed: %q", b)
	}
	assertNoTemp(t, dir)
	if _, err := s.ExportFile(context.Background(), dir); err == nil {
		t.Fatal("exporting onto a folder succeeded")
	}
}

// A member made for one action is removed again only while nothing is
// theirs: records (or a linked Patient) arriving first keep them.
func TestRemovePersonIfEmpty(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	empty, err := s.AddPerson(ctx, "Nobody Yet", "")
	if err != nil {
		t.Fatal(err)
	}
	kept, err := s.AddPerson(ctx, "Ada Quillonby", "1990-01-02")
	if err != nil {
		t.Fatal(err)
	}
	importInto(t, s, records.FileSource, kept.ID, tinyBundle("file-p", "Quillonby"))
	if removed, err := s.RemovePersonIfEmpty(ctx, kept.ID); err != nil || removed {
		t.Fatalf("a member with records was removed (%v, %v)", removed, err)
	}
	if p, err := s.Person(ctx, kept.ID); err != nil || p.Records == 0 {
		t.Fatalf("member with records: %+v %v", p, err)
	}
	if removed, err := s.RemovePersonIfEmpty(ctx, empty.ID); err != nil || !removed {
		t.Fatalf("an empty member was kept (%v, %v)", removed, err)
	}
	if _, err := s.Person(ctx, empty.ID); !errors.Is(err, records.ErrNoPerson) {
		t.Fatalf("removed member still found: %v", err)
	}
}

// A member made by name alone shows the birth date of the Patient records
// linked to them on their dashboard.
func TestDashboardBirthDateFromPatient(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	p, err := s.AddPerson(ctx, "Ada Quillonby", "")
	if err != nil {
		t.Fatal(err)
	}
	importInto(t, s, records.FileSource, p.ID, tinyBundle("file-p", "Quillonby"))
	d, err := s.Dashboard(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d.Person.BirthDate != "1990-01-02" || d.Age == nil || *d.Age < 30 {
		t.Fatalf("birth date %q age %v", d.Person.BirthDate, d.Age)
	}
}
