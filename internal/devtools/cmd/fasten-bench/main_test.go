package main

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/fastenhealth/fasten-desktop/internal/catalog"
)

func TestSampleQueries(t *testing.T) {
	c, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	a, b := SampleQueries(c, 250), SampleQueries(c, 250)
	if len(a) != 250 || !reflect.DeepEqual(a, b) {
		t.Fatalf("SampleQueries not deterministic or wrong length (%d)", len(a))
	}
	if p50, p95, worst := LatencyReport(c, a[:50]); p50 <= 0 || p95 < p50 || worst < p95 {
		t.Fatalf("percentiles out of order: %v %v %v", p50, p95, worst)
	}
}

// The sync benchmark itself runs end to end (40 people, nothing incomplete);
// its timings are printed by `make bench`, not checked here.
func TestBenchSandbox(t *testing.T) {
	if testing.Short() {
		t.Skip("benchmark")
	}
	root := filepath.Join("..", "..", "..", "..", "..", "shared", "fixtures", "synthea")
	if _, err := os.Stat(filepath.Join(root, "family")); err != nil {
		t.Fatalf("fixtures not found: %v", err)
	}
	br, err := BenchSandbox(context.Background(), root, 5*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d people, %d resources, %d requests in %v", br.People, br.Resources, br.Requests, br.Wall.Round(time.Millisecond))
	if br.People != 40 || br.Incomplete != 0 {
		t.Fatalf("%+v", br)
	}
}

func TestReplaceUUIDs(t *testing.T) {
	in := `{"id":"0b5a6d2e-6c1a-4e0f-9d57-1d4f1c7a2b3c","ref":"urn:uuid:0b5a6d2e-6c1a-4e0f-9d57-1d4f1c7a2b3c","x":"a0b5a6d2e-6c1a-4e0f-9d57-1d4f1c7a2b3c","y":"0B5A6D2E-6C1A-4E0F-9D57-1D4F1C7A2B3C"}`
	got := string(replaceUUIDs([]byte(in), func([]byte) []byte { return []byte("U") }))
	want := `{"id":"U","ref":"urn:uuid:U","x":"a0b5a6d2e-6c1a-4e0f-9d57-1d4f1c7a2b3c","y":"0B5A6D2E-6C1A-4E0F-9D57-1D4F1C7A2B3C"}`
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

// The C-CDA phase runs end to end on HL7's examples (one round here; its
// figures are printed by `make bench`, not checked).
func TestCCDAPhase(t *testing.T) {
	old := ccdaRounds
	ccdaRounds = 1
	defer func() { ccdaRounds = old }()
	r, err := ccdaPhase(t.TempDir(), "../../../../../shared/fixtures/synthea/more")
	if err != nil {
		t.Fatal(err)
	}
	if r.Resources < 6 || r.Extra["added"] < 100 || r.Extra["convert-p50"] <= 0 {
		t.Fatalf("ccda phase: %+v", r)
	}
}

func TestOlderFHIRPhase(t *testing.T) {
	old := olderTarget
	olderTarget = 1
	defer func() { olderTarget = old }()
	r, err := olderPhase("../../../../../shared/fixtures/synthea/more")
	if err != nil {
		t.Fatal(err)
	}
	// one pass over each release's ten Synthea people
	if r.Extra["dstu2-resources"] != 573 || r.Extra["stu3-resources"] != 593 || r.Extra["dstu2-convert"] <= 0 || r.Extra["stu3-validate"] <= 0 {
		t.Fatalf("olderfhir phase: %+v", r)
	}
}

// The Apple Health phase runs end to end on a small generated export (its
// 1 GB figures are printed by `make bench`, not checked).
func TestAppleHealthPhase(t *testing.T) {
	old := appleHealthBytes
	appleHealthBytes = 2 << 20
	defer func() { appleHealthBytes = old }()
	dir := t.TempDir()
	r, err := appleHealthPhase(dir)
	if err != nil {
		t.Fatal(err)
	}
	// Samples (a Patient, vitals, daily summaries) and the three health records.
	if r.Bytes < 2<<20 || r.Resources < 100 || r.Extra["floorSeconds"] <= 0 || r.Extra["days"] < 5 || r.Extra["importAdded"] < 100 {
		t.Fatalf("applehealth phase: %+v", r)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*")); len(left) != 0 {
		t.Fatalf("the generated export was left behind: %v", left)
	}
	printAppleHealth(r)
}
