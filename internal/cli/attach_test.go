package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// `fasten attach` keeps a PDF for a member (FILE before the remaining
// flags, as the usage shows): it is listed by `fasten documents` and
// `fasten document ID --out` gives back the same bytes. A program is
// refused at FILE (exit 2) and nothing is stored; bad fields are named by
// their flag.
func TestAttachCommand(t *testing.T) {
	v, _ := familyVault(t)
	dir := t.TempDir()
	run := func(want int, args ...string) result {
		t.Helper()
		r := fasten(t, []string{pass}, append([]string{args[0], "--vault", v}, args[1:]...)...)
		if r.code != want {
			t.Fatalf("%v: exit %d, want %d: %+v", args, r.code, want, r)
		}
		return r
	}
	var name string // the member's full name: documents wants it whole
	count := func() int {
		var out struct {
			Documents []struct {
				ID    int64  `json:"id"`
				Title string `json:"title"`
				Kind  string `json:"kind"`
			} `json:"documents"`
		}
		if err := json.Unmarshal([]byte(run(0, "documents", "--person", name, "--json").stdout), &out); err != nil {
			t.Fatal(err)
		}
		return len(out.Documents)
	}
	pdf := []byte("%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
	file := filepath.Join(dir, "discharge.pdf")
	os.WriteFile(file, pdf, 0o600)
	r := run(0, "attach", "--person", "neva", file, "--title", "Discharge letter", "--kind", "discharge-papers", "--date", "2023-11-20")
	got1 := regexp.MustCompile(`attached record \d+ for (.+) \(entered by you\)`).FindStringSubmatch(r.stdout)
	if got1 == nil {
		t.Fatalf("no record in %q", r.stdout)
	}
	name = got1[1]
	kept := count()
	out := run(0, "documents", "--person", name, "--json").stdout
	m := regexp.MustCompile(`"id":\s*(\d+),\s*"resource":\s*\d+,\s*"resourceType":\s*"DocumentReference",\s*"title":\s*"Discharge letter"`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("the letter is not listed: %.300q", out)
	}
	got := filepath.Join(dir, "out.pdf")
	run(0, "document", m[1], "--out", got)
	if b, _ := os.ReadFile(got); !bytes.Equal(b, pdf) {
		t.Fatal("the document read back differs from the file attached")
	}

	exe := filepath.Join(dir, "report.pdf")
	os.WriteFile(exe, []byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"), 0o600)
	r = run(2, "attach", "--person", "neva", exe, "--kind", "lab-report")
	if !strings.Contains(r.stderr, "FILE:") {
		t.Fatalf("refusal not at FILE: %q", r.stderr)
	}
	r = run(2, "attach", "--person", "neva", file, "--kind", "x-ray", "--date", "2024-02-30")
	if !strings.Contains(r.stderr, "--kind:") || !strings.Contains(r.stderr, "--date:") {
		t.Fatalf("problems not named by flag: %q", r.stderr)
	}
	run(2, "attach", "--person", "neva", "--kind", "other")             // no FILE
	run(2, "attach", "--person", "neva", file, file, "--kind", "other") // two
	run(1, "attach", "--person", "neva", filepath.Join(dir, "missing.pdf"), "--kind", "other")
	if count() != kept {
		t.Fatalf("a refused file was stored: %d documents", count())
	}
}
