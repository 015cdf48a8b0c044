package session

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/fastenhealth/fasten-desktop/internal/connect"
	"github.com/fastenhealth/fasten-desktop/internal/devtools/sandbox"
	"github.com/fastenhealth/fasten-desktop/internal/devtools/sandboxlink"
	"github.com/fastenhealth/fasten-desktop/internal/records"
	"github.com/fastenhealth/fasten-desktop/internal/smart"
)

// The person dashboard through a real portal: the connection shows with its
// last sync, and the same Patient from a file and from the portal is one
// person whose records are not listed twice.
func TestDashboardWithPortalAndFile(t *testing.T) {
	ctx := context.Background()
	file := filepath.Join(fixtureRoot, "Tom_Goodwin_e20de9eb-6f2d-4871-a43f-bbede53293ed.json")
	srv, err := sandbox.Start(sandbox.Options{FixtureFiles: []string{file}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	s := Open(openVault(t, newVault(t)), Options{Flows: connect.NewFlows(smart.Options{AllowInsecure: true})})
	defer s.Close()

	rep, err := s.Records().Import(ctx, []string{file}, records.ImportOptions{AutoCreatePeople: true}, nil)
	if err != nil || len(rep.NewPeople) != 1 {
		t.Fatalf("%v %+v", err, rep)
	}
	tom := rep.NewPeople[0]
	other, err := s.Records().AddPerson(ctx, "Someone Else", "")
	if err != nil {
		t.Fatal(err)
	}
	fromFile, err := s.Dashboard(ctx, tom.ID)
	if err != nil || len(fromFile.Connections) != 0 || fromFile.PatientRecords != 1 {
		t.Fatalf("%v %+v", err, fromFile)
	}

	id, err := sandboxlink.Connect(ctx, s.Connect(), srv, tom.ID, srv.Patients()[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	d, err := s.Dashboard(ctx, tom.ID)
	if err != nil || len(d.Connections) != 1 || d.Connections[0].ID != id || d.Connections[0].LastSynced != "" || d.Connections[0].NeedsAttention {
		t.Fatalf("before a sync: %v %+v", err, d.Connections)
	}
	if p := s.SyncNow(ctx, id, nil); p.Err != nil || len(p.Outcomes) != 1 || !p.Outcomes[0].Result.Complete {
		t.Fatalf("sync %+v", p)
	}
	d, err = s.Dashboard(ctx, tom.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Connections) != 1 || d.Connections[0].LastSynced == "" || d.Connections[0].Status != string(connect.StatusConnected) {
		t.Fatalf("after a sync: %+v", d.Connections)
	}
	if d.PatientRecords != 2 {
		t.Errorf("patient records %d, want 2 (the file's and the portal's)", d.PatientRecords)
	}
	for _, c := range d.Counts {
		if c.ResourceType == "Patient" && c.Count != 1 {
			t.Errorf("Patient counted %d", c.Count)
		}
	}
	if len(d.Problems) != len(fromFile.Problems) || len(d.Immunizations) != len(fromFile.Immunizations) || len(d.Visits) != len(fromFile.Visits) {
		t.Errorf("portal copies listed again: problems %d→%d vaccines %d→%d visits %d→%d",
			len(fromFile.Problems), len(d.Problems), len(fromFile.Immunizations), len(d.Immunizations), len(fromFile.Visits), len(d.Visits))
	}
	od, err := s.Dashboard(ctx, other.ID)
	if err != nil || len(od.Connections) != 0 {
		t.Fatalf("another person's dashboard shows Tom's connection: %v %+v", err, od.Connections)
	}
}
