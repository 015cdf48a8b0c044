package codenames

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The COVID-19 vaccine codes SMART Health Cards carry, each with CDC's full
// name: a card of any of them reads as a COVID-19 vaccine, not a number.
func TestNamesHealthCardVaccines(t *testing.T) {
	for _, code := range []string{"207", "208", "210", "211", "212", "213", "217", "218", "219", "221",
		"225", "226", "227", "228", "229", "230", "300", "301", "302", "309", "310", "311", "312", "313"} {
		n := Name(CVX, code)
		if !strings.HasPrefix(n, "SARS-COV-2 (COVID-19) vaccine") {
			t.Errorf("CVX %s: %q", code, n)
		}
	}
	if got, want := Name(CVX, "207"), "SARS-COV-2 (COVID-19) vaccine, mRNA, spike protein, LNP, preservative free, 100 mcg/0.5mL dose or 50 mcg/0.25mL dose"; got != want {
		t.Errorf("207: %q, want %q", got, want)
	}
	if got := Name(CVX, "03"); got != "measles, mumps and rubella virus vaccine" {
		t.Errorf("03: %q", got)
	}
}

// The health card lab codes: the spec's SARS-CoV-2 tests by LOINC long
// common name, and its results in plain words (no "(qualifier value)").
func TestNamesHealthCardLabs(t *testing.T) {
	for code, want := range map[string]string{
		"94558-4": "SARS-CoV-2 (COVID-19) Ag [Presence] in Respiratory specimen by Rapid immunoassay",
		"94500-6": "SARS-CoV-2 (COVID-19) RNA [Presence] in Respiratory specimen by NAA with probe detection",
		"94309-2": "SARS-CoV-2 (COVID-19) RNA [Presence] in Specimen by NAA with probe detection",
		"94531-1": "SARS-CoV-2 (COVID-19) RNA panel - Respiratory specimen by NAA with probe detection",
		"95209-3": "SARS-CoV+SARS-CoV-2 (COVID-19) Ag [Presence] in Respiratory specimen by Rapid immunoassay",
		"94534-5": "SARS-CoV-2 (COVID-19) RdRp gene [Presence] in Respiratory specimen by NAA with probe detection",
		"94533-7": "SARS-CoV-2 (COVID-19) N gene [Presence] in Respiratory specimen by NAA with probe detection",
		"94306-8": "SARS-CoV-2 (COVID-19) RNA panel - Specimen by NAA with probe detection",
	} {
		if got := Name(LOINC, code); got != want {
			t.Errorf("LOINC %s: %q, want %q", code, got, want)
		}
	}
	for code, want := range map[string]string{
		"260373001": "Detected", "260415000": "Not detected", "10828004": "Positive",
		"260385009": "Negative", "419984006": "Inconclusive",
	} {
		if got := Name(SNOMED, code); got != want {
			t.Errorf("SNOMED %s: %q, want %q", code, got, want)
		}
	}
}

// Systems written as OIDs, padded codes and CVX codes without their leading
// zero name the same; what the tables do not hold is "" (the caller keeps
// its own fallback), including a known code under another system.
func TestNameForms(t *testing.T) {
	want := Name(CVX, "08")
	if want == "" {
		t.Fatal("CVX 08 unnamed")
	}
	for _, c := range [][2]string{{CVX, "8"}, {CVX, " 08 "}, {"urn:oid:2.16.840.1.113883.12.292", "08"}, {CVX + " ", "08"}} {
		if got := Name(c[0], c[1]); got != want {
			t.Errorf("Name(%q, %q) = %q, want %q", c[0], c[1], got, want)
		}
	}
	if Name("urn:oid:2.16.840.1.113883.6.1", "94558-4") != Name(LOINC, "94558-4") ||
		Name("urn:oid:2.16.840.1.113883.6.96", "260415000") != "Not detected" {
		t.Error("OID systems not named")
	}
	for _, c := range [][2]string{{CVX, "12345"}, {CVX, ""}, {LOINC, "207"}, {"http://example.org", "207"}, {"", "207"}, {CVX, "x"}} {
		if got := Name(c[0], c[1]); got != "" {
			t.Errorf("Name(%q, %q) = %q, want \"\"", c[0], c[1], got)
		}
	}
}

// Each table is whole: its rows have their columns, no code twice, and the
// count the README states (a truncated or mangled edit fails here).
func TestTablesWhole(t *testing.T) {
	for _, c := range []struct {
		name string
		data []byte
		cols int
		rows int
	}{{"cvx", cvxTSV, 3, 287}, {"loinc", loincTSV, 2, 163}, {"snomed", snomedTSV, 3, 15}} {
		lines := strings.Split(strings.TrimRight(string(c.data), "\n"), "\n")
		seen := map[string]bool{}
		for i, l := range lines {
			f := strings.Split(l, "\t")
			if len(f) != c.cols || f[0] == "" || f[1] == "" || strings.TrimSpace(f[1]) != f[1] {
				t.Errorf("%s line %d: %q", c.name, i+1, l)
			}
			if seen[f[0]] {
				t.Errorf("%s: code %s twice", c.name, f[0])
			}
			seen[f[0]] = true
		}
		if len(lines)-1 != c.rows {
			t.Errorf("%s: %d codes, README says %d", c.name, len(lines)-1, c.rows)
		}
	}
	if n := len(tables()[CVX]); n != 287 {
		t.Errorf("parsed %d CVX codes", n)
	}
	// The SNOMED name column is the source's fully specified name less its
	// semantic tag, nothing else changed.
	for _, l := range strings.Split(strings.TrimRight(string(snomedTSV), "\n"), "\n")[1:] {
		f := strings.Split(l, "\t")
		if i := strings.LastIndex(f[2], " ("); i < 0 || f[2][:i] != f[1] {
			t.Errorf("snomed %s: %q is not %q less its tag", f[0], f[1], f[2])
		}
	}
}

// Every vaccine in the shared Synthea fixtures (R4, DSTU2, STU3) has a
// name in the table: the list covers what real-shaped records use.
func TestFixtureVaccinesNamed(t *testing.T) {
	root := "../../../shared/fixtures"
	if _, err := os.Stat(root); errors.Is(err, os.ErrNotExist) {
		t.Fatal("shared fixtures not present (../shared beside the checkout)")
	}
	codes := map[string]bool{}
	for _, dir := range []string{"synthea", "synthea-dstu2", "synthea-stu3"} {
		files, _ := filepath.Glob(filepath.Join(root, dir, "*", "*.json"))
		more, _ := filepath.Glob(filepath.Join(root, dir, "*.json"))
		for _, f := range append(files, more...) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Contains(data, []byte("sid/cvx")) {
				continue
			}
			var b struct {
				Entry []struct {
					Resource struct {
						VaccineCode struct {
							Coding []struct{ System, Code string }
						} `json:"vaccineCode"`
					} `json:"resource"`
				} `json:"entry"`
			}
			if err := json.Unmarshal(data, &b); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			for _, e := range b.Entry {
				for _, c := range e.Resource.VaccineCode.Coding {
					if c.System == CVX {
						codes[c.Code] = true
					}
				}
			}
		}
	}
	if len(codes) < 10 {
		t.Fatalf("fixtures gave %d CVX codes: the test would prove little", len(codes))
	}
	for c := range codes {
		if Name(CVX, c) == "" {
			t.Errorf("fixture CVX %s unnamed", c)
		}
	}
}
