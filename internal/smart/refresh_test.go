package smart

import (
	"context"
	"testing"

	"github.com/fastenhealth/fasten-desktop/internal/devtools/sandbox"
)

func TestRefreshRotationAndRevocation(t *testing.T) {
	pid := patientIDs(t)[1]
	s := startSandbox(t, sandbox.Options{AutoApprovePatient: pid, RotateRefreshTokens: true})
	cfg := discover(t, s.FHIRBase)
	ctx := context.Background()
	c := Client{ClientID: testClientID, RedirectURI: testRedirect}
	p, cb := launch(t, s, cfg, dev)
	g, err := Complete(ctx, cfg, p, cb, dev)
	if err != nil {
		t.Fatal(err)
	}

	s.ExpireAccessTokens()
	if code := readPatient(t, s.FHIRBase, g.AccessToken, pid); code != 401 {
		t.Fatalf("expired access token: %d", code)
	}
	g2, err := Refresh(ctx, cfg, c, g.RefreshToken, Prior{}, dev)
	if err != nil {
		t.Fatal(err)
	}
	if g2.RefreshToken == "" || g2.RefreshToken == g.RefreshToken || g2.AccessToken == g.AccessToken || g2.PatientID != pid {
		t.Fatalf("rotation: new rt %v, patient %q", g2.RefreshToken != g.RefreshToken, g2.PatientID)
	}
	if code := readPatient(t, s.FHIRBase, g2.AccessToken, pid); code != 200 {
		t.Fatalf("refreshed access token: %d", code)
	}
	// The rotated-out token is dead.
	_, err = Refresh(ctx, cfg, c, g.RefreshToken, Prior{}, dev)
	wantKind(t, err, NeedsReconnect)

	s.RevokeRefreshTokens()
	_, err = Refresh(ctx, cfg, c, g2.RefreshToken, Prior{}, dev)
	wantKind(t, err, NeedsReconnect)
	_, err = Refresh(ctx, cfg, c, "", Prior{}, dev)
	wantKind(t, err, NeedsReconnect)
}

// Epic-style servers return no refresh token on refresh: keep the old one.
func TestRefreshWithoutRotationKeepsToken(t *testing.T) {
	pid := patientIDs(t)[0]
	s := startSandbox(t, sandbox.Options{AutoApprovePatient: pid})
	cfg := discover(t, s.FHIRBase)
	ctx := context.Background()
	p, cb := launch(t, s, cfg, dev)
	g, err := Complete(ctx, cfg, p, cb, dev)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		g2, err := Refresh(ctx, cfg, Client{ClientID: testClientID}, g.RefreshToken, Prior{}, dev)
		if err != nil {
			t.Fatal(err)
		}
		if g2.RefreshToken != g.RefreshToken {
			t.Fatal("old refresh token not kept")
		}
	}
	// Transient server failure is not a reason to reconnect.
	s.Faults().FailNext("POST /oauth2/token", 1, 503)
	_, err = Refresh(ctx, cfg, Client{ClientID: testClientID}, g.RefreshToken, Prior{}, dev)
	wantKind(t, err, ProviderError)
	s.Close()
	_, err = Refresh(ctx, cfg, Client{ClientID: testClientID}, g.RefreshToken, Prior{}, dev)
	wantKind(t, err, Network)
}
