package app

import (
	"errors"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/fastenhealth/fasten-desktop/internal/connect"
	"github.com/fastenhealth/fasten-desktop/internal/devtools/sandbox"
	"github.com/fastenhealth/fasten-desktop/internal/household"
	"github.com/fastenhealth/fasten-desktop/internal/vault"
)

func init() { vault.DefaultKDF = vault.KDFParams{Time: 1, Memory: 8 * 1024, Threads: 1} }

// A sign-in that comes back while the vault is locked waits for the unlock,
// then completes; disconnecting forgets the tokens and keeps the records.
func TestDeepLinkWaitsForUnlockThenCompletes(t *testing.T) {
	fixtures, _ := filepath.Glob("../../shared/fixtures/synthea/family/*.json")
	if len(fixtures) == 0 {
		t.Fatal("no fixtures")
	}
	probe, err := sandbox.Start(sandbox.Options{FixtureFiles: fixtures[:1]})
	if err != nil {
		t.Fatal(err)
	}
	pid := probe.Patients()[0].ID
	probe.Close()
	srv, err := sandbox.Start(sandbox.Options{FixtureFiles: fixtures[:1], AutoApprovePatient: pid, RotateRefreshTokens: true})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()

	a := New(household.New(filepath.Join(t.TempDir(), "household.fasten")), Options{AllowInsecure: true})
	t.Cleanup(a.Lock) // on an early failure too: no background sync may outlive the temp dir
	if _, err := a.CreateVault("app test passphrase", "app test passphrase"); err != nil {
		t.Fatal(err)
	}
	p, err := a.AddPerson("Alexis")
	if err != nil {
		t.Fatal(err)
	}
	if a.SignInRegistered("other") {
		t.Fatal("providers outside the catalog report a registration this build does not have")
	}
	if _, err := a.StartConnection(p.ID, "", srv.FHIRBase, "Sandbox"); !errors.Is(err, connect.ErrNotRegistered) || ToUIError(err).Kind != KindNotRegistered {
		t.Fatalf("connection without a registration: %v", err)
	}
	if err := a.SetRegistration("other", "app-test", "scheme"); err != nil {
		t.Fatal(err)
	}
	if !a.SignInRegistered("other") {
		t.Fatal("a client id set in Settings does not count as registered")
	}
	started, err := a.StartConnection(p.ID, "", srv.FHIRBase, "Sandbox")
	if err != nil {
		t.Fatal(err)
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(started.AuthURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	link := resp.Header.Get("Location")

	a.Lock()
	a.deliverDeepLink(link) // the OS hands it over while locked
	time.Sleep(200 * time.Millisecond)
	if err := a.Unlock("app test passphrase"); err != nil {
		t.Fatal(err)
	}
	var conns []connect.Connection
	// The connection row is saved before its first read stores the
	// Patient: wait for both, not just the row.
	for i := 0; i < 100; i++ {
		if conns, err = a.Connections(); err == nil && len(conns) == 1 && conns[0].Records >= 1 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if len(conns) != 1 || conns[0].Status != connect.StatusConnected || conns[0].PatientID != pid || conns[0].Records < 1 {
		t.Fatalf("after unlock: %+v %v", conns, err)
	}

	// The same link again is refused (single-use state); nothing new appears.
	a.deliverDeepLink(link)
	time.Sleep(300 * time.Millisecond)
	if conns, _ = a.Connections(); len(conns) != 1 {
		t.Fatalf("replayed link created a connection: %+v", conns)
	}

	if err := a.Disconnect(conns[0].ID, false); err != nil {
		t.Fatal(err)
	}
	conns, _ = a.Connections()
	if conns[0].Status != connect.StatusDisconnected || conns[0].Records < 1 || conns[0].Action != connect.ActionReconnect {
		t.Fatalf("after disconnect: %+v", conns[0])
	}
	var access, refresh string
	sess, err := a.hh().Session()
	if err != nil {
		t.Fatal(err)
	}
	sess.Vault().DB().QueryRow("SELECT access_token, refresh_token FROM connections").Scan(&access, &refresh)
	if access != "" || refresh != "" {
		t.Fatal("disconnect kept the tokens")
	}
	a.Lock() // waits for any background sync to stop
}
