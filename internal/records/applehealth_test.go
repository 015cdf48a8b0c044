package records_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	aht "github.com/fastenhealth/fasten-desktop/internal/applehealth/applehealthtest"
	"github.com/fastenhealth/fasten-desktop/internal/records"
)

// An Apple Health export imports in one go: the phone's readings under
// "Apple Health" (one Observation per reading, one per day for heart rate,
// steps and sleep), each provider's health records under its own name (the
// old clinic's DSTU2 converted and kept as sent), export_cda.xml through
// the C-CDA reader; the owner is one person whose dashboard shows them.
// What the export lists but lacks is reported; the same export again
// changes nothing; as a stream (the page's file input) it reads the same.
func TestAppleHealthExportImport(t *testing.T) {
	ctx := context.Background()
	ccd := filepath.Join(fixtures, "..", "ccda", "Documents", "CCD", "CCD 1", "CCD.XML")
	var buf bytes.Buffer
	st, err := aht.WriteExport(&buf, aht.Options{Days: 5, Clinical: true, MissingClinical: true, CDA: ccd})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "export.zip")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	// In the window nobody is created unasked: the owner, named by the
	// phone and by both providers, is one person to place, placed at once.
	t.Run("window", func(t *testing.T) {
		s, v := openStore(t)
		rep, err := s.Import(ctx, []string{path}, records.ImportOptions{}, nil)
		if err != nil || rep.Files[0].Status != records.FileImported {
			t.Fatalf("%+v %v", rep.Files, err)
		}
		var jane []records.UnmatchedPatient
		for _, u := range rep.Unmatched {
			if strings.Contains(u.Name, "Jane") {
				jane = append(jane, u)
			}
		}
		if len(jane) != 1 {
			t.Fatalf("the owner is %d entries to place: %+v", len(jane), rep.Unmatched)
		}
		p, err := s.AddPerson(ctx, "Jane Doe", "1980-04-12")
		if err != nil {
			t.Fatal(err)
		}
		if err := s.AssignPatient(ctx, jane[0].Key, p.ID); err != nil {
			t.Fatal(err)
		}
		var unplaced int
		v.DB().QueryRow(`SELECT count(*) FROM summaries s JOIN sources src ON src.id = s.source_id
WHERE src.label IN ('Apple Health', ?, ?) AND (s.person_id IS NULL OR s.person_id != ?) AND s.patient_id != ''`, aht.HospitalName, aht.ClinicName, p.ID).Scan(&unplaced)
		if unplaced != 0 {
			t.Fatalf("%d of the owner's records are on no one or someone else", unplaced)
		}
	})
	for _, how := range []string{"file", "stream"} {
		t.Run(how, func(t *testing.T) {
			s, v := openStore(t)
			opts := records.ImportOptions{AutoCreatePeople: true}
			var fr records.FileResult
			if how == "file" {
				rep, err := s.Import(ctx, []string{path}, opts, nil)
				if err != nil {
					t.Fatal(err)
				}
				fr = rep.Files[0]
			} else {
				fr, _ = s.ImportReader(ctx, "export.zip", bytes.NewReader(buf.Bytes()), int64(buf.Len()), 0, 1, opts, nil)
			}
			if fr.Status != records.FileImported {
				t.Fatalf("%+v", fr)
			}
			missing := false
			for _, is := range fr.Issues {
				if is.Part == aht.HospitalName && strings.Contains(is.Type, "MedicationRequest-gone.json") {
					missing = true
				}
			}
			if !missing {
				t.Fatalf("the missing health record is not reported: %+v", fr.Issues)
			}
			count := func(q string, args ...any) int {
				var n int
				if err := v.DB().QueryRow(q, args...).Scan(&n); err != nil {
					t.Fatal(err)
				}
				return n
			}
			bySource := `SELECT count(*) FROM resources r JOIN sources src ON src.id = r.source_id WHERE src.label = ? AND r.resource_type = ?`
			if n := count(bySource, "Apple Health", "Observation"); n != st.Observations() {
				t.Errorf("Apple Health observations: %d, want %d from the readings", n, st.Observations())
			}
			if n := count(`SELECT count(*) FROM resources r JOIN sources src ON src.id = r.source_id WHERE src.label = 'Apple Health (export_cda.xml)'`); n == 0 {
				t.Errorf("nothing from export_cda.xml")
			}
			if n := count(bySource, aht.HospitalName, "Observation"); n != 1 {
				t.Errorf("hospital results: %d", n)
			}
			if n := count(bySource+" AND r.received_release = 'DSTU2' AND r.received IS NOT NULL", aht.ClinicName, "Condition"); n != 1 {
				t.Errorf("clinic's DSTU2 condition kept as sent: %d", n)
			}
			// The owner is one person across the readings and both providers.
			if n := count(`SELECT count(DISTINCT s.person_id) FROM summaries s JOIN sources src ON src.id = s.source_id
WHERE src.label IN (?, ?, ?) AND s.resource_type != 'Patient'`, "Apple Health", aht.HospitalName, aht.ClinicName); n != 1 {
				t.Errorf("people the export's records are about: %d", n)
			}
			var owner int64
			if err := v.DB().QueryRow(`SELECT s.person_id FROM summaries s JOIN sources src ON src.id = s.source_id WHERE src.label = ? AND s.resource_type = 'Condition'`, aht.ClinicName).Scan(&owner); err != nil {
				t.Fatal(err)
			}
			d, err := s.Dashboard(ctx, owner)
			if err != nil || len(d.Problems) == 0 || len(d.Vitals) == 0 {
				t.Fatalf("owner's dashboard: %d problems, %d vitals, %v", len(d.Problems), len(d.Vitals), err)
			}
			before := snapshot(t, s)
			again, err := s.Import(ctx, []string{path}, opts, nil)
			if err != nil || again.Files[0].Status != records.FileUnchanged || snapshot(t, s) != before {
				t.Fatalf("again: %+v %v", again.Files[0], err)
			}
		})
	}
}
