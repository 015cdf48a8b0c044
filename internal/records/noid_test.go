package records_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/fastenhealth/fasten-desktop/internal/records"
)

// Resources sent without an id (some older exports leave it out) are each
// kept, known by their content: before, they shared the id "" and each
// overwrote the last. The same file again changes nothing.
func TestResourcesWithoutIDAreEachKept(t *testing.T) {
	ctx := context.Background()
	s, v := openStore(t)
	path := filepath.Join(t.TempDir(), "noid.json")
	bundle := `{"resourceType":"Bundle","type":"collection","entry":[
{"fullUrl":"urn:uuid:6f1c2a8e-0000-4000-8000-000000000001","resource":{"resourceType":"Patient","id":"p1","name":[{"family":"Noid","given":["Ann"]}],"birthDate":"1980-01-02"}},
{"resource":{"resourceType":"Observation","status":"final","code":{"text":"Weight"},"subject":{"reference":"Patient/p1"},"effectiveDateTime":"2020-01-01","valueQuantity":{"value":70,"unit":"kg"}}},
{"resource":{"resourceType":"Observation","status":"final","code":{"text":"Weight"},"subject":{"reference":"Patient/p1"},"effectiveDateTime":"2021-01-01","valueQuantity":{"value":71,"unit":"kg"}}},
{"resource":{"resourceType":"Condition","code":{"text":"Asthma"},"subject":{"reference":"Patient/p1"}}}
]}`
	if err := os.WriteFile(path, []byte(bundle), 0o600); err != nil {
		t.Fatal(err)
	}
	rep, err := s.Import(ctx, []string{path}, records.ImportOptions{AutoCreatePeople: true}, nil)
	if err != nil || rep.Files[0].Added != 4 {
		t.Fatalf("%+v %v", rep.Files, err)
	}
	var n int
	v.DB().QueryRow("SELECT count(DISTINCT resource_id) FROM resources WHERE resource_type = 'Observation' AND resource_id LIKE 'sha256-%'").Scan(&n)
	if n != 2 {
		t.Fatalf("observations kept: %d", n)
	}
	again, err := s.Import(ctx, []string{path}, records.ImportOptions{AutoCreatePeople: true}, nil)
	if err != nil || again.Files[0].Status != records.FileUnchanged {
		t.Fatalf("%+v %v", again.Files, err)
	}
}
