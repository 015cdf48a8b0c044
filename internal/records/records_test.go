package records_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/fastenhealth/fasten-desktop/internal/records"
	"github.com/fastenhealth/fasten-desktop/internal/vault"
)

func init() { vault.DefaultKDF = vault.KDFParams{Time: 1, Memory: 8 * 1024, Threads: 1} }

const fixtures = "../../../shared/fixtures/synthea"

func fixtureFiles(t testing.TB, sub string) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(fixtures, sub, "*.json"))
	if len(files) == 0 {
		t.Fatalf("no fixtures under %s", filepath.Join(fixtures, sub))
	}
	sort.Strings(files)
	return files
}

func openStore(t testing.TB) (*records.Store, *vault.Vault) {
	t.Helper()
	v, _, err := vault.Create(filepath.Join(t.TempDir(), "household.fasten"), "test passphrase 1")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	return records.New(v.DB()), v
}

// bundleCounts counts entries by type, keeping the last occurrence of each
// type/id like an upsert does.
func bundleCounts(t testing.TB, files []string) map[string]int {
	t.Helper()
	seen := map[string]string{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var b struct {
			Entry []struct {
				Resource struct{ ResourceType, ID string } `json:"resource"`
			} `json:"entry"`
		}
		if err := json.Unmarshal(data, &b); err != nil {
			t.Fatal(err)
		}
		for _, e := range b.Entry {
			seen[e.Resource.ResourceType+"/"+e.Resource.ID] = e.Resource.ResourceType
		}
	}
	out := map[string]int{}
	for _, typ := range seen {
		out[typ]++
	}
	return out
}

func equalCounts(t *testing.T, got, want map[string]int) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("types: got %v want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: got %d want %d", k, got[k], v)
		}
	}
}

func snapshot(t *testing.T, s *records.Store) [32]byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := s.Export(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	st, err := s.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	j, _ := json.Marshal(st)
	buf.Write(j)
	people, _ := s.People(context.Background())
	j, _ = json.Marshal(people)
	buf.Write(j)
	return sha256.Sum256(buf.Bytes())
}

func TestImportEveryFixtureExportRoundTrip(t *testing.T) {
	if testing.Short() {
		t.Skip("imports all 40 fixture people")
	}
	ctx := context.Background()
	files := append(fixtureFiles(t, "family"), fixtureFiles(t, "more")...)
	s, _ := openStore(t)
	rep, err := s.Import(ctx, files, records.ImportOptions{AutoCreatePeople: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Files {
		if f.Status != "imported" || f.Skipped != 0 {
			t.Fatalf("%s: %s %q skipped=%d %v", f.File, f.Status, f.Error, f.Skipped, f.Issues)
		}
	}
	want := bundleCounts(t, files)
	st, err := s.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	equalCounts(t, st.Resources, want)
	if st.People != 40 || len(rep.NewPeople) != 40 {
		t.Fatalf("people: %d (new %d), want 40", st.People, len(rep.NewPeople))
	}
	if len(rep.Unmatched) != 0 {
		t.Fatalf("unmatched: %v", rep.Unmatched)
	}

	// Re-import: nothing changes, not even an import record.
	before := snapshot(t, s)
	rep, err = s.Import(ctx, files[:3], records.ImportOptions{AutoCreatePeople: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Files {
		if f.Status != "unchanged" || f.Added+f.Updated != 0 {
			t.Fatalf("re-import %s: %+v", f.File, f)
		}
	}
	if snapshot(t, s) != before {
		t.Fatal("re-importing the same files changed the vault")
	}

	// Every resource has a summary linked to a person.
	ver, err := s.Verify(ctx)
	if err != nil || !ver.OK {
		t.Fatalf("verify: %+v %v", ver, err)
	}

	// Export, then import into a fresh vault: the same resources, byte for byte.
	out := filepath.Join(t.TempDir(), "export.json")
	n, err := s.ExportFile(ctx, out)
	if err != nil || n != st.Total {
		t.Fatalf("export %d of %d: %v", n, st.Total, err)
	}
	s2, _ := openStore(t)
	rep, err = s2.Import(ctx, []string{out}, records.ImportOptions{AutoCreatePeople: true}, nil)
	if err != nil || rep.Files[0].Status != "imported" || rep.Files[0].Added != st.Total {
		t.Fatalf("re-import of export: %+v %v", rep.Files, err)
	}
	var a, b bytes.Buffer
	s.Export(ctx, &a)
	s2.Export(ctx, &b)
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("export of the re-imported vault differs from the original export")
	}
	st2, _ := s2.Stats(ctx)
	if st2.People != 40 {
		t.Fatalf("people after round trip: %d", st2.People)
	}
}

func TestFamilyOverviewListSearchDetail(t *testing.T) {
	ctx := context.Background()
	s, v := openStore(t)
	files := fixtureFiles(t, "family")
	if _, err := s.Import(ctx, files, records.ImportOptions{AutoCreatePeople: true}, nil); err != nil {
		t.Fatal(err)
	}
	people, err := s.People(ctx)
	if err != nil || len(people) != 5 {
		t.Fatalf("people %v %v", people, err)
	}
	// No name, nor any other plaintext, in the vault, its WAL or anything beside them.
	dir := filepath.Dir(v.Path())
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		data, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		for _, p := range people {
			for _, word := range append(strings.Fields(p.Name), "resourceType", "SQLite format") {
				// Shorter words turn up by chance in megabytes of ciphertext.
				if len(word) >= 5 && bytes.Contains(data, []byte(word)) {
					t.Errorf("%s contains %q in plaintext", e.Name(), word)
				}
			}
		}
	}
	var neva records.Person
	for _, p := range people {
		if strings.HasPrefix(p.Name, "Neva") {
			neva = p
		}
		if p.Records == 0 {
			t.Errorf("%s has no records linked", p.Name)
		}
	}
	if neva.ID == 0 || neva.BirthDate == "" {
		t.Fatalf("Neva not found or no birth date: %+v", people)
	}
	ov, err := s.Overview(ctx, neva.ID)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, c := range ov.Counts {
		total += c.Count
	}
	// Bills and coverage are counted apart, for the Insurance link.
	insurance := 0
	nevaFile, _ := filepath.Glob(filepath.Join(fixtures, "family", "Neva_*.json"))
	for _, r := range readFixture(t, nevaFile[0]) {
		if records.IsInsuranceType(r.ResourceType) {
			insurance++
		}
	}
	if total != neva.Records-insurance {
		t.Fatalf("overview counts %d != person records %d less %d insurance records", total, neva.Records, insurance)
	}
	if len(ov.Labs) == 0 || len(ov.Vitals) == 0 || len(ov.Immunizations) == 0 {
		t.Fatalf("overview sections empty: labs %d vitals %d imm %d", len(ov.Labs), len(ov.Vitals), len(ov.Immunizations))
	}
	for _, l := range ov.Labs {
		if l.Display == "" || l.Date == "" {
			t.Fatalf("lab without display/date: %+v", l)
		}
	}
	// Vitals are the latest per code: no code twice.
	codes := map[string]bool{}
	for _, v := range ov.Vitals {
		if codes[v.Code] {
			t.Fatalf("vital %s listed twice", v.Code)
		}
		codes[v.Code] = true
	}
	pg, err := s.List(ctx, neva.ID, "Observation", "", 0, 20)
	if err != nil || len(pg.Items) != 20 || pg.Total <= 20 {
		t.Fatalf("list: %d items, total %d, %v", len(pg.Items), pg.Total, err)
	}
	for i := 1; i < len(pg.Items); i++ {
		if pg.Items[i].Date > pg.Items[i-1].Date {
			t.Fatal("list not newest first")
		}
	}
	lab := ov.Labs[0]
	word := strings.Fields(lab.Display)[0]
	hits, err := s.Search(ctx, neva.ID, strings.ToLower(word[:len(word)-1]), 50)
	if err != nil || len(hits) == 0 {
		t.Fatalf("search %q: %d hits %v", word, len(hits), err)
	}
	filtered, err := s.List(ctx, neva.ID, "Observation", word, 0, 50)
	if err != nil || filtered.Total == 0 || filtered.Total >= pg.Total {
		t.Fatalf("filtered list %d of %d: %v", filtered.Total, pg.Total, err)
	}
	for _, q := range []string{`"`, `AND OR NOT`, `*`, `)(`, `NEAR(`} {
		if _, err := s.Search(ctx, neva.ID, q, 10); err != nil {
			t.Fatalf("search %q: %v", q, err)
		}
	}
	d, err := s.Detail(ctx, lab.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Fields) == 0 || !strings.Contains(d.Raw, `"resourceType": "Observation"`) {
		t.Fatalf("detail: %+v", d)
	}
	var hasValue bool
	for _, f := range d.Fields {
		if strings.HasPrefix(f.Label, "Value") && f.Value != "" {
			hasValue = true
		}
	}
	if !hasValue {
		t.Fatalf("detail has no value field: %+v", d.Fields)
	}
	// Who and where: an encounter names its provider organisation, resolved
	// through the reference to the Organization resource.
	enc, err := s.List(ctx, neva.ID, "Encounter", "", 0, 1)
	if err != nil || len(enc.Items) != 1 {
		t.Fatalf("encounters: %v", err)
	}
	d, err = s.Detail(ctx, enc.Items[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	var provider string
	for _, f := range d.Fields {
		if f.Label == "Service provider" {
			provider = f.Value
		}
	}
	if provider == "" || provider == "Organization" {
		t.Fatalf("encounter provider not resolved: %+v", d.Fields)
	}
}

func TestPersonMatchingAndAssignment(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	files := fixtureFiles(t, "family")
	// Without auto-create, patients are reported for the person to place.
	rep, err := s.Import(ctx, files[:2], records.ImportOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Unmatched) != 2 || len(rep.NewPeople) != 0 {
		t.Fatalf("unmatched %d new %d", len(rep.Unmatched), len(rep.NewPeople))
	}
	p, err := s.AddPerson(ctx, "Mum", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AssignPatient(ctx, rep.Unmatched[0].Key, p.ID); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Person(ctx, p.ID)
	if got.Records != rep.Unmatched[0].Records || got.Records == 0 {
		t.Fatalf("assigned person has %d records, patient had %d", got.Records, rep.Unmatched[0].Records)
	}
	un, _ := s.Unmatched(ctx)
	if len(un) != 1 {
		t.Fatalf("still unmatched: %d", len(un))
	}
	// A person whose name and birth date agree is matched automatically.
	name := un[0].Name
	if _, err := s.AddPerson(ctx, strings.Join(strings.FieldsFunc(name, func(r rune) bool { return r >= '0' && r <= '9' || r == ' ' }), " "), un[0].BirthDate[:10]); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Import(ctx, files[2:3], records.ImportOptions{}, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.RenamePerson(ctx, p.ID, "  Mum   Smith "); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Person(ctx, p.ID)
	if got.Name != "Mum Smith" {
		t.Fatalf("rename: %q", got.Name)
	}
	if err := s.RemovePerson(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	st, _ := s.Stats(ctx)
	if _, err := s.Person(ctx, p.ID); err != records.ErrNoPerson {
		t.Fatalf("removed person still there: %v", err)
	}
	want := bundleCounts(t, files[:3])
	total := 0
	for _, n := range want {
		total += n
	}
	if st.Total != total-rep.Unmatched[0].Records {
		t.Fatalf("after removing a person: %d resources, want %d", st.Total, total-rep.Unmatched[0].Records)
	}
}

func TestChangedResourceKeepsEarlierVersion(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	dir := t.TempDir()
	v1 := `{"resourceType":"Patient","id":"p1","name":[{"family":"Okafor","given":["Ada"]}],"birthDate":"1990-02-03"}`
	v2 := `{"resourceType":"Patient","id":"p1","name":[{"family":"Okafor","given":["Ada"]}],"birthDate":"1990-02-04"}`
	f1, f2 := filepath.Join(dir, "a.json"), filepath.Join(dir, "b.json")
	os.WriteFile(f1, []byte(v1), 0o600)
	os.WriteFile(f2, []byte(v2), 0o600)
	if rep, err := s.Import(ctx, []string{f1}, records.ImportOptions{AutoCreatePeople: true}, nil); err != nil || rep.Files[0].Added != 1 {
		t.Fatalf("%+v %v", rep, err)
	}
	rep, err := s.Import(ctx, []string{f2}, records.ImportOptions{AutoCreatePeople: true}, nil)
	if err != nil || rep.Files[0].Updated != 1 {
		t.Fatalf("%+v %v", rep, err)
	}
	st, _ := s.Stats(ctx)
	if st.Total != 1 || st.Versions != 1 {
		t.Fatalf("stats %+v", st)
	}
	var buf bytes.Buffer
	s.Export(ctx, &buf)
	if !strings.Contains(buf.String(), v2) {
		t.Fatal("export lacks the latest version byte-for-byte")
	}
}

func TestBadFilesAreRejectedAndLeaveVaultUnchanged(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	family := fixtureFiles(t, "family")
	if _, err := s.Import(ctx, family[:1], records.ImportOptions{AutoCreatePeople: true}, nil); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, s)
	good, _ := os.ReadFile(family[1])
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	deep := strings.Repeat(`{"a":`, 10000) + "1" + strings.Repeat("}", 10000)
	cases := map[string]string{
		write("empty.json", nil):                                                                                "empty",
		write("text.json", []byte("hello, this is not json")):                                                   "not",
		write("truncated.json", good[:len(good)/2]):                                                             "",
		write("garbage-after.json", append(append([]byte{}, good...), []byte("}}garbage")...)):                  "",
		write("deep.json", []byte(`{"resourceType":"Patient","id":"x","extension":`+deep+`}`)):                  "deep",
		write("noresourcetype.json", []byte(`{"id":"x"}`)):                                                      "",
		write("array.json", []byte(`[1,2,3]`)):                                                                  "",
		filepath.Join(dir, "does-not-exist.json"):                                                               "exist",
		write("all-invalid.ndjson", []byte(`{"resourceType":"Patient","id":"x","birthDate":"yesterday"}`+"\n")): "valid",
	}
	for path, want := range cases {
		rep, err := s.Import(ctx, []string{path}, records.ImportOptions{AutoCreatePeople: true}, nil)
		if err != nil {
			t.Fatal(err)
		}
		f := rep.Files[0]
		if f.Status != records.FileRejected || f.Error == "" || !strings.Contains(strings.ToLower(f.Error), want) {
			t.Errorf("%s: status %s error %q (want mention of %q)", filepath.Base(path), f.Status, f.Error, want)
		}
		// Callers act on the typed reason, never on Error's words: sync
		// counts a page of only invalid resources as skipped, not failed.
		wantReason := records.RejectUnreadable
		if filepath.Base(path) == "all-invalid.ndjson" {
			wantReason = records.RejectNothingValid
		}
		if f.Reason != wantReason {
			t.Errorf("%s: reason %q, want %q", filepath.Base(path), f.Reason, wantReason)
		}
		if snapshot(t, s) != before {
			t.Fatalf("%s changed the vault", filepath.Base(path))
		}
	}
	// One invalid resource among valid ones: skipped, reported precisely, the rest kept.
	mixed := `{"resourceType":"Bundle","type":"collection","entry":[
{"resource":{"resourceType":"Patient","id":"ok1","name":[{"family":"Ngata","given":["Mere"]}],"birthDate":"1980-01-01"}},
{"resource":{"resourceType":"Patient","id":"bad","birthDate":"not-a-date"}},
{"resource":{"resourceType":"Observation","id":"o1","status":"final","code":{"text":"Weight"},"subject":{"reference":"Patient/ok1"},"valueQuantity":{"value":70,"unit":"kg"}}}]}`
	rep, err := s.Import(ctx, []string{write("mixed.json", []byte(mixed))}, records.ImportOptions{AutoCreatePeople: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	f := rep.Files[0]
	if f.Status != "imported" || f.Added != 2 || f.Skipped != 1 || len(f.Issues) != 1 {
		t.Fatalf("mixed: %+v", f)
	}
	is := f.Issues[0]
	if is.Entry != 1 || is.Type != "Patient" || !strings.Contains(is.Path, "birthDate") || strings.Contains(is.Reason, "not-a-date") {
		t.Fatalf("issue: %+v", is)
	}
}

func TestReindexRebuildsDerivedRows(t *testing.T) {
	ctx := context.Background()
	s, v := openStore(t)
	if _, err := s.Import(ctx, fixtureFiles(t, "family")[:2], records.ImportOptions{AutoCreatePeople: true}, nil); err != nil {
		t.Fatal(err)
	}
	people, _ := s.People(ctx)
	ov1, _ := s.Overview(ctx, people[0].ID)
	if _, err := v.DB().Exec("DELETE FROM summaries; DELETE FROM search"); err != nil {
		t.Fatal(err)
	}
	if rep, _ := s.Verify(ctx); rep.OK || rep.MissingSummaries == 0 {
		t.Fatalf("verify should notice missing summaries: %+v", rep)
	}
	if _, err := s.Reindex(ctx); err != nil {
		t.Fatal(err)
	}
	ov2, _ := s.Overview(ctx, people[0].ID)
	a, _ := json.Marshal(ov1)
	b, _ := json.Marshal(ov2)
	if !bytes.Equal(a, b) {
		t.Fatal("overview differs after reindex")
	}
	if rep, _ := s.Verify(ctx); !rep.OK {
		t.Fatalf("verify after reindex: %+v", rep)
	}
}

func TestNarrativeIsSanitized(t *testing.T) {
	in := `<div xmlns="http://www.w3.org/1999/xhtml"><p onclick="x()">Hi<script>alert(1)</script><a href="javascript:alert(1)">l</a><img src="http://evil/x.png"/><table><tr><td colspan="2">c</td></tr></table></p></div>`
	out := records.SanitizeNarrative(in)
	for _, bad := range []string{"script", "onclick", "javascript", "<img", "href", "evil"} {
		if strings.Contains(out, bad) {
			t.Errorf("sanitized narrative still has %q: %s", bad, out)
		}
	}
	if !strings.Contains(out, `<td colspan="2">c</td>`) || !strings.Contains(out, "Hi") {
		t.Errorf("sanitizer removed harmless formatting: %s", out)
	}
}

// The import report and the person's page agree: every record added is
// either one of the person's or counted as a reference record (clinicians,
// organisations, places), so a family never sees two unexplained numbers.
func TestImportReportCountsAgreeWithPersonRecords(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	file := fixtureFiles(t, "family")[3]
	rep, err := s.Import(ctx, []string{file}, records.ImportOptions{AutoCreatePeople: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	res := rep.Files[0]
	if res.Status != records.FileImported || res.Reference == 0 {
		t.Fatalf("want an import with reference records: %+v", res)
	}
	people, err := s.People(ctx)
	if err != nil || len(people) != 1 {
		t.Fatalf("people %v %v", people, err)
	}
	if got := res.Added - res.Reference; got != people[0].Records {
		t.Fatalf("report says %d added, %d of them reference records; the person has %d records", res.Added, res.Reference, people[0].Records)
	}
	// Importing it again adds nothing, so nothing is counted as reference either.
	rep, err = s.Import(ctx, []string{file}, records.ImportOptions{AutoCreatePeople: true}, nil)
	if err != nil || rep.Files[0].Reference != 0 || rep.Files[0].Added != 0 {
		t.Fatalf("re-import: %+v %v", rep.Files[0], err)
	}
}
