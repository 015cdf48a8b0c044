package records_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	hct "github.com/fastenhealth/fasten-desktop/internal/healthcard/healthcardtest"
	"github.com/fastenhealth/fasten-desktop/internal/records"
)

// A health card's vaccine (CVX 207 alone) and antigen test (LOINC 94558-4,
// SNOMED 260415000 alone) read by name in the list row and in the detail's
// fields, never as the bare numbers; and a vault whose summaries were
// written before names existed gets them at its next open.
func TestHealthCardCodesNamed(t *testing.T) {
	ctx := context.Background()
	nbf := time.Date(2021, 6, 1, 12, 0, 0, 0, time.UTC)
	card := hct.File(hct.Sign(hct.ImmunizationBundle(), hct.TestISS, nbf), hct.Sign(hct.LabBundle(), hct.TestISS, nbf))
	path := filepath.Join(t.TempDir(), "card.smart-health-card")
	if err := os.WriteFile(path, card, 0o600); err != nil {
		t.Fatal(err)
	}
	s, v := openStore(t)
	if _, err := s.Import(ctx, []string{path}, records.ImportOptions{AutoCreatePeople: true}, nil); err != nil {
		t.Fatal(err)
	}
	const vaccine = "SARS-COV-2 (COVID-19) vaccine, mRNA, spike protein, LNP, preservative free, 100 mcg/0.5mL dose or 50 mcg/0.25mL dose"
	const antigen = "SARS-CoV-2 (COVID-19) Ag [Presence] in Respiratory specimen by Rapid immunoassay"
	check := func(when string) {
		t.Helper()
		for _, c := range []struct{ typ, name, value string }{
			{"Immunization", vaccine, ""},
			{"Observation", antigen, "Not detected"},
		} {
			rows, err := v.DB().Query("SELECT id FROM resources WHERE resource_type = ?", c.typ)
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for rows.Next() {
				var id int64
				rows.Scan(&id)
				ids = append(ids, id)
			}
			rows.Close()
			if len(ids) == 0 {
				t.Fatalf("%s: no %s imported", when, c.typ)
			}
			for _, id := range ids {
				d, err := s.Detail(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				if d.Item.Display != c.name || d.Item.ValueText != c.value {
					t.Errorf("%s: %s row %q %q, want %q %q", when, c.typ, d.Item.Display, d.Item.ValueText, c.name, c.value)
				}
				fields := map[string]string{}
				for _, f := range d.Fields {
					fields[f.Label] = f.Value
				}
				switch c.typ {
				case "Immunization":
					if fields["Vaccine code"] != vaccine {
						t.Errorf("%s: vaccine field %q", when, fields["Vaccine code"])
					}
				case "Observation":
					if fields["Code"] != antigen || fields["Value codeable concept"] != "Not detected" {
						t.Errorf("%s: result fields %q %q", when, fields["Code"], fields["Value codeable concept"])
					}
				}
			}
		}
		if n := count(t, v, "SELECT count(*) FROM summaries WHERE display IN ('207', '94558-4', '') AND resource_type IN ('Immunization', 'Observation')"); n != 0 {
			t.Errorf("%s: %d rows unnamed", when, n)
		}
	}
	check("after import")

	// Summaries as a Fasten without the tables wrote them, stamped with the
	// version before names: the next open reindexes and names them.
	if _, err := v.DB().Exec("UPDATE summaries SET display = '', value_text = '' WHERE resource_type IN ('Immunization', 'Observation')"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetSetting(ctx, "derived_version", "13"); err != nil {
		t.Fatal(err)
	}
	if did, err := s.RefreshDerived(ctx); err != nil || !did {
		t.Fatalf("refresh: %v %v", did, err)
	}
	check("after refreshing a version-13 vault")
}
