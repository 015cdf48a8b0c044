package records_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fastenhealth/fasten-desktop/internal/healthcard"
	hct "github.com/fastenhealth/fasten-desktop/internal/healthcard/healthcardtest"
	"github.com/fastenhealth/fasten-desktop/internal/records"
)

// A SMART Health Card — as a file, as shc:/ text, as a screenshot of its QR
// code — imports its records under the issuer's name, "not verified" unless
// its signature was checked against a key held offline, with the card kept
// as issued among the person's documents. The same card again changes
// nothing; a tampered card refuses the file and leaves the vault as it was.
func TestHealthCardsImport(t *testing.T) {
	ctx := context.Background()
	nbf := time.Date(2021, 6, 1, 12, 0, 0, 0, time.UTC)
	vaccines := hct.Sign(hct.ImmunizationBundle(), hct.TestISS, nbf)
	lab := hct.Sign(hct.LabBundle(), hct.TestISS, nbf)
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, c := range []struct {
		name     string
		data     []byte
		keys     *healthcard.Directory
		verified bool
	}{
		{"card.smart-health-card", hct.File(vaccines, lab), hct.Directory(), true},
		{"card.smart-health-card", hct.File(vaccines, lab), nil, false},
		{"card.txt", []byte(hct.QRText(vaccines) + "\n" + hct.QRText(lab) + "\n"), nil, false},
		{"screenshot.png", hct.ScreenshotPNG(vaccines, 900, 1300), hct.Directory(), true},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, v := openStore(t)
			opts := records.ImportOptions{AutoCreatePeople: true, CardKeys: c.keys}
			path := write(c.name, c.data)
			rep, err := s.Import(ctx, []string{path}, opts, nil)
			if err != nil {
				t.Fatal(err)
			}
			fr := rep.Files[0]
			cards := 2
			if strings.HasSuffix(c.name, ".png") {
				cards = 1
			}
			// Per card: its Patient, its records, the DocumentReference.
			if fr.Status != records.FileImported || fr.Skipped != 0 || fr.Added != map[int]int{1: 4, 2: 7}[cards] || fr.Attachments != cards {
				t.Fatalf("%+v", fr)
			}
			rows, err := v.DB().Query("SELECT DISTINCT src.label FROM resources r JOIN sources src ON src.id = r.source_id")
			if err != nil {
				t.Fatal(err)
			}
			var labels []string
			for rows.Next() {
				var l string
				rows.Scan(&l)
				labels = append(labels, l)
			}
			rows.Close()
			want := "SMART Health Card from issuer.example.org (not verified)"
			if c.verified {
				read, err := healthcard.Read(ctx, hct.File(vaccines), hct.Directory())
				if err != nil || read[0].Status != healthcard.Verified {
					t.Fatal(err)
				}
				want = read[0].Source()
				if strings.Contains(want, "not verified") {
					t.Fatal(want)
				}
			}
			if len(labels) != 1 || labels[0] != want {
				t.Fatalf("sources %q, want %q", labels, want)
			}
			people, _ := s.People(ctx)
			var john int64
			for _, p := range people {
				if strings.Contains(p.Name, "John") {
					john = p.ID
				}
			}
			d, err := s.Dashboard(ctx, john)
			if err != nil || len(d.Immunizations) != 1 {
				t.Fatalf("John's vaccines: %+v %v", d.Immunizations, err)
			}
			var dose int64
			if err := v.DB().QueryRow("SELECT id FROM resources WHERE resource_type = 'Immunization' LIMIT 1").Scan(&dose); err != nil {
				t.Fatal(err)
			}
			if det, err := s.Detail(ctx, dose); err != nil || det.Origin != want || det.File != c.name {
				t.Fatalf("detail origin %q file %q %v", det.Origin, det.File, err)
			}
			docs, err := s.Documents(ctx, john)
			if err != nil || len(docs) != 1 {
				t.Fatalf("John's documents: %d %v", len(docs), err)
			}
			before := snapshot(t, s)
			again, err := s.Import(ctx, []string{path}, opts, nil)
			if err != nil || again.Files[0].Status != records.FileUnchanged || snapshot(t, s) != before {
				t.Fatalf("again: %+v %v", again.Files[0], err)
			}
		})
	}

	t.Run("tampered", func(t *testing.T) {
		s, _ := openStore(t)
		good := write("good.smart-health-card", hct.File(lab))
		if rep, err := s.Import(ctx, []string{good}, records.ImportOptions{AutoCreatePeople: true}, nil); err != nil || rep.Files[0].Status != records.FileImported {
			t.Fatalf("%+v %v", rep, err)
		}
		before := snapshot(t, s)
		parts := strings.Split(vaccines, ".")
		sig := []byte(parts[2])
		sig[3] ^= 1
		bad := write("bad.smart-health-card", hct.File(lab, parts[0]+"."+parts[1]+"."+string(sig)))
		rep, err := s.Import(ctx, []string{bad}, records.ImportOptions{AutoCreatePeople: true, CardKeys: hct.Directory()}, nil)
		if err != nil {
			t.Fatal(err)
		}
		fr := rep.Files[0]
		if fr.Status != records.FileRejected || fr.Reason != records.RejectTampered || strings.Contains(fr.Error, "Anyperson") {
			t.Fatalf("%+v", fr)
		}
		if snapshot(t, s) != before {
			t.Fatal("a refused card changed the vault")
		}
	})
}
