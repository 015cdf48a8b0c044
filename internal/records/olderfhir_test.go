package records_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/fastenhealth/fasten-desktop/internal/records"
)

// Every resource of the DSTU2 and STU3 Synthea people is stored: converted
// to R4 for the views (DSTU2's MedicationOrder as a MedicationRequest) and
// kept byte-for-byte as the file has it, with its release. The people's
// problems, medications, results and vaccines show on their dashboards; a
// re-import changes nothing; verify finds every hash right.
func TestOlderFHIRReleasesImport(t *testing.T) {
	for _, rel := range []string{"DSTU2", "STU3"} {
		t.Run(rel, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			files, _ := filepath.Glob(filepath.Join(fixtures, "..", "synthea-"+map[string]string{"DSTU2": "dstu2", "STU3": "stu3"}[rel], "*.json"))
			sort.Strings(files)
			if len(files) != 10 {
				t.Fatalf("fixtures: %d", len(files))
			}
			s, v := openStore(t)
			rep, err := s.Import(ctx, files, records.ImportOptions{AutoCreatePeople: true}, nil)
			if err != nil {
				t.Fatal(err)
			}
			// What each file holds, as its own bytes, by the type it is
			// stored as.
			want := map[string]int{}
			received := map[string][]byte{}
			for i, f := range files {
				data, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				var b struct {
					Entry []struct {
						Resource json.RawMessage `json:"resource"`
					} `json:"entry"`
				}
				if err := json.Unmarshal(data, &b); err != nil {
					t.Fatal(err)
				}
				// A Goal naming no one cannot be R4, where a goal's person
				// is required: it is reported, not stored, not guessed.
				skipped := 0
				for _, e := range b.Entry {
					var head struct {
						ResourceType, ID string
						Subject          json.RawMessage
					}
					json.Unmarshal(e.Resource, &head)
					if head.ResourceType == "Goal" && head.Subject == nil {
						skipped++
						continue
					}
					typ := head.ResourceType
					if typ == "MedicationOrder" {
						typ = "MedicationRequest"
					}
					if head.ID == "" {
						// Known by its content: the id ingest gives it.
						h := sha256.Sum256(e.Resource)
						head.ID = "sha256-" + hex.EncodeToString(h[:12])
					}
					if _, dup := received[typ+"/"+head.ID]; !dup {
						want[typ]++
					}
					received[typ+"/"+head.ID] = e.Resource
				}
				fr := rep.Files[i]
				if fr.Status != records.FileImported || fr.Skipped != skipped {
					t.Fatalf("%s: %+v, want %d skipped", filepath.Base(f), fr, skipped)
				}
				for _, is := range fr.Issues {
					if is.Type != "Goal" || is.Path != "Goal.subject" || is.Reason == "" {
						t.Fatalf("%s: %+v", filepath.Base(f), is)
					}
				}
			}
			got := map[string]int{}
			rows, err := v.DB().Query("SELECT resource_type, resource_id, received_release, unpack_raw(received), unpack_raw(raw) FROM resources")
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var typ, id, release string
				var orig, raw []byte
				if err := rows.Scan(&typ, &id, &release, &orig, &raw); err != nil {
					t.Fatal(err)
				}
				got[typ]++
				if release != rel || !bytes.Equal(orig, received[typ+"/"+id]) {
					t.Fatalf("%s/%s: release %q, kept as received %v", typ, id, release, bytes.Equal(orig, received[typ+"/"+id]))
				}
				var r4 struct{ ResourceType string }
				if json.Unmarshal(raw, &r4) != nil || r4.ResourceType != typ {
					t.Fatalf("%s/%s: the R4 form is a %q", typ, id, r4.ResourceType)
				}
			}
			rows.Close()
			equalCounts(t, got, want)

			people, err := s.People(ctx)
			if err != nil || len(people) != 10 {
				t.Fatalf("people %d %v", len(people), err)
			}
			var problems, meds, vaccines, vitals int
			for _, p := range people {
				d, err := s.Dashboard(ctx, p.ID)
				if err != nil {
					t.Fatal(err)
				}
				problems += len(d.Problems)
				meds += len(d.Medications) + d.PastMedications
				vaccines += len(d.Immunizations)
				vitals += len(d.Vitals)
			}
			if problems == 0 || meds == 0 || vaccines == 0 || vitals == 0 {
				t.Fatalf("dashboards: problems %d, medications %d, vaccines %d, vitals %d", problems, meds, vaccines, vitals)
			}

			// The detail says what it came as and shows it as sent.
			var id int64
			if err := v.DB().QueryRow("SELECT id FROM resources WHERE resource_type = 'Condition' LIMIT 1").Scan(&id); err != nil {
				t.Fatal(err)
			}
			d, err := s.Detail(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if d.ReceivedAs != rel || d.Original == "" || d.Original == d.Raw || len(d.Fields) == 0 {
				t.Fatalf("detail: received as %q, original %d bytes", d.ReceivedAs, len(d.Original))
			}

			before := snapshot(t, s)
			again, err := s.Import(ctx, files, records.ImportOptions{AutoCreatePeople: true}, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, fr := range again.Files {
				if fr.Status != records.FileUnchanged || fr.Added+fr.Updated != 0 {
					t.Fatalf("re-import: %+v", fr)
				}
			}
			if snapshot(t, s) != before {
				t.Fatal("re-import changed the vault")
			}
			vr, err := s.Verify(ctx)
			if err != nil || !vr.OK {
				t.Fatalf("verify: %+v %v", vr, err)
			}
		})
	}
}
