package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fastenhealth/fasten-desktop/internal/summary"
)

// TestSummaryWritesIPSAndPDFs: `fasten summary` writes the three files of a
// person found by part of their name; the IPS passes the structure check
// and the PDFs are PDFs. Bad flags are usage errors (exit 2), an unknown
// person writes nothing and leaves an earlier file as it was.
func TestSummaryWritesIPSAndPDFs(t *testing.T) {
	v, _ := familyVault(t)
	dir := t.TempDir()
	ips, pdf, vac := filepath.Join(dir, "ips.json"), filepath.Join(dir, "summary.pdf"), filepath.Join(dir, "vaccines.pdf")
	for _, args := range [][]string{
		{"--ips", ips},       // no --person
		{"--person", "neva"}, // nothing to write
		{"--person", "neva", "--ips", ips, "--pdf", ips}, // one path twice
	} {
		if r := fasten(t, []string{pass}, append([]string{"summary", "--vault", v}, args...)...); r.code != 2 {
			t.Fatalf("summary %v: %+v", args, r)
		}
	}
	os.WriteFile(ips, []byte("earlier"), 0o600)
	if r := fasten(t, []string{pass}, "summary", "--vault", v, "--person", "nobody-called-this", "--ips", ips); r.code != 2 || !strings.Contains(r.stderr, "no one") {
		t.Fatalf("unknown person: %+v", r)
	}
	if b, _ := os.ReadFile(ips); string(b) != "earlier" {
		t.Fatal("a failed summary changed the earlier file")
	}
	r := fasten(t, []string{pass}, "summary", "--vault", v, "--person", "neva", "--ips", ips, "--pdf", pdf, "--vaccines", vac)
	if r.code != 0 {
		t.Fatalf("summary: %+v", r)
	}
	b, err := os.ReadFile(ips)
	if err != nil {
		t.Fatal(err)
	}
	if err := summary.Check(b); err != nil {
		t.Fatalf("IPS: %v", err)
	}
	for _, f := range []string{pdf, vac} {
		b, err := os.ReadFile(f)
		if err != nil || !bytes.HasPrefix(b, []byte("%PDF-")) || len(b) < 5000 {
			t.Fatalf("%s: %d bytes, %v", filepath.Base(f), len(b), err)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*")); len(left) > 0 {
		t.Fatalf("temporary files left: %v", left)
	}
}

// TestExportPersonBundleAndNDJSON: `fasten export --person` writes one
// person's records, which import into a fresh vault as that one person
// with the same number of records, as a Bundle and as NDJSON; an NDJSON
// folder already holding an export is refused.
func TestExportPersonBundleAndNDJSON(t *testing.T) {
	v, _ := familyVault(t)
	dir := t.TempDir()
	if r := fasten(t, []string{pass}, "export", "--vault", v, "--out", filepath.Join(dir, "a.json"), "--ndjson", dir); r.code != 2 {
		t.Fatalf("both --out and --ndjson: %+v", r)
	}
	people := fasten(t, []string{pass}, "people", "--vault", v)
	var line string
	for _, l := range strings.Split(people.stdout, "\n") {
		if strings.Contains(strings.ToLower(l), "tom") {
			line = l
		}
	}
	if line == "" {
		t.Fatalf("no Tom in %q", people.stdout)
	}
	out := filepath.Join(dir, "tom.json")
	if r := fasten(t, []string{pass}, "export", "--vault", v, "--person", "tom", "--out", out); r.code != 0 {
		t.Fatalf("export --person: %+v", r)
	}
	nd := filepath.Join(dir, "tom-ndjson")
	if r := fasten(t, []string{pass}, "export", "--vault", v, "--person", "tom", "--ndjson", nd); r.code != 0 || !strings.Contains(r.stdout, "Patient.ndjson") {
		t.Fatalf("export --ndjson: %+v", r)
	}
	if r := fasten(t, []string{pass}, "export", "--vault", v, "--person", "tom", "--ndjson", nd); r.code != 1 || !strings.Contains(r.stderr, "folder") {
		t.Fatalf("export into a used folder: %+v", r)
	}
	files, _ := filepath.Glob(filepath.Join(nd, "*.ndjson"))
	for _, in := range [][]string{{out}, files} {
		v2, _ := newVault(t, t.TempDir())
		if r := fasten(t, []string{pass}, append([]string{"import", "--vault", v2}, in...)...); r.code != 0 {
			t.Fatalf("import: %+v", r)
		}
		got := fasten(t, []string{pass}, "people", "--vault", v2).stdout
		lines := strings.Split(strings.TrimSpace(got), "\n")
		// The people listing (id, name, birth date, records): the same
		// person with the same record count.
		want := strings.SplitN(strings.TrimSpace(line), "\t", 2)[1]
		if !strings.Contains(got, want) || len(lines) != 1 {
			t.Fatalf("re-imported people:\n%s\nwant the line %q", got, line)
		}
	}
}
