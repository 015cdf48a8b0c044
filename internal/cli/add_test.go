package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// `fasten add` keeps typed records and FHIR resources for a member; what
// cannot be kept is named by its flag (exit 2) and stores nothing; edit,
// delete (and --undo), hide and note act on them by ID; records from files
// cannot be edited or deleted.
func TestAddEditDeleteHideNote(t *testing.T) {
	v, _ := familyVault(t)
	run := func(want int, args ...string) result {
		t.Helper()
		r := fasten(t, []string{pass}, append([]string{args[0], "--vault", v}, args[1:]...)...)
		if r.code != want {
			t.Fatalf("%v: exit %d, want %d: %+v", args, r.code, want, r)
		}
		return r
	}
	r := run(2, "add", "--person", "neva", "--type", "lab", "--display", "Ferritin", "--date", "2024-02-30", "--value", "30", "--unit", "furlongs")
	if !strings.Contains(r.stderr, "--date:") || !strings.Contains(r.stderr, "--unit:") {
		t.Fatalf("problems not named by flag: %q", r.stderr)
	}
	run(2, "add", "--person", "neva", "--display", "x") // neither --type nor --json
	run(2, "add", "--person", "neva", "--type", "lab", "--value", "lots")
	r = run(0, "add", "--person", "neva", "--type", "allergy", "--display", "Peanuts", "--date", "1990", "--severity", "severe", "--code", "snomed|91935009")
	id := regexp.MustCompile(`added record (\d+)`).FindStringSubmatch(r.stdout)
	if id == nil {
		t.Fatalf("no id in %q", r.stdout)
	}
	if out := run(0, "search", "--person", "neva", "peanuts").stdout; !strings.Contains(out, "Peanuts") {
		t.Fatalf("search: %q", out)
	}
	r = run(0, "edit", id[1], "--type", "allergy", "--display", "Peanuts", "--date", "1990", "--reaction", "Hives")
	if !strings.Contains(r.stdout, "version 2") {
		t.Fatalf("edit: %q", r.stdout)
	}
	run(0, "note", id[1], "--text", "Carries an adrenaline pen")
	run(0, "delete", id[1])
	if out := run(0, "search", "--person", "neva", "peanuts").stdout; strings.Contains(out, "Peanuts") {
		t.Fatalf("deleted, yet found: %q", out)
	}
	run(0, "delete", "--undo", id[1])
	if out := run(0, "search", "--person", "neva", "peanuts").stdout; !strings.Contains(out, "Peanuts") {
		t.Fatalf("brought back, not found: %q", out)
	}

	res := filepath.Join(t.TempDir(), "vaccine.json")
	os.WriteFile(res, []byte(`{"resourceType":"Immunization","status":"completed","vaccineCode":{"text":"Yellow fever"},"occurrenceDateTime":"2019-11-02","patient":{"reference":"Patient/someone-else"}}`), 0o600)
	run(0, "add", "--person", "neva", "--json", res)
	if out := run(0, "search", "--person", "neva", "yellow fever").stdout; !strings.Contains(out, "Neva") || !strings.Contains(out, "Vaccines (1)") {
		t.Fatalf("the FHIR resource added is not Neva's: %q", out)
	}
	os.WriteFile(res, []byte(`{"resourceType":"Immunization","status":"done"}`), 0o600)
	if r := run(2, "add", "--person", "neva", "--json", res); !strings.Contains(r.stderr, "--json:") {
		t.Fatalf("invalid FHIR: %q", r.stderr)
	}

	// A record from a file: hidden and shown again, never edited or deleted.
	out := run(0, "search", "--person", "neva", "--json", "influenza").stdout
	m := regexp.MustCompile(`"id":\s*(\d+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no imported record found: %.200q", out)
	}
	run(1, "delete", m[1])
	run(0, "hide", m[1])
	run(0, "hide", "--undo", m[1])
	run(2, "hide", "x")
}
