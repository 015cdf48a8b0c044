package smart

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/fastenhealth/fasten-desktop/internal/devtools/sandbox"
)

func TestBeginURL(t *testing.T) {
	cfg := &Config{FHIRBase: "https://ehr.example/fhir", AuthorizationEndpoint: "https://ehr.example/oauth2/authorize?tenant=1",
		TokenEndpoint: "https://ehr.example/oauth2/token", V2: true}
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	u, p, err := Begin(cfg, Client{ClientID: "cid", RedirectURI: testRedirect, ExtraScopes: []string{"patient/*.rs", "profile"}},
		Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	// BrowserOpenURL refuses these characters raw.
	if strings.ContainsAny(u, " *()[]{}~!$;|") {
		t.Fatalf("unescaped characters in %s", u)
	}
	pu, _ := url.Parse(u)
	q := pu.Query()
	want := map[string]string{
		"response_type": "code", "client_id": "cid", "redirect_uri": testRedirect, "aud": cfg.FHIRBase,
		"scope": "launch/patient openid fhirUser offline_access patient/*.rs profile", "state": p.State,
		"code_challenge_method": "S256", "tenant": "1",
	}
	for k, v := range want {
		if q.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, q.Get(k), v)
		}
	}
	if len(p.State) != 43 || q.Get("code_challenge") == "" || q.Get("code_challenge") == p.Verifier {
		t.Fatalf("state/challenge: %q %q", p.State, q.Get("code_challenge"))
	}
	if p.Scope != want["scope"] || !p.Expires.Equal(now.Add(10*time.Minute)) || p.FHIRBase != cfg.FHIRBase {
		t.Fatalf("pending: %+v", p)
	}
	_, p2, _ := Begin(cfg, Client{ClientID: "cid", RedirectURI: testRedirect}, Options{})
	if p2.State == p.State || p2.Verifier == p.Verifier {
		t.Fatal("state/verifier reused")
	}
	_, _, err = Begin(&Config{FHIRBase: "http://x/fhir", AuthorizationEndpoint: "http://x/auth"}, Client{ClientID: "c", RedirectURI: testRedirect}, Options{})
	wantKind(t, err, Insecure)
}

func TestFullLaunch(t *testing.T) {
	ids := patientIDs(t)
	for _, v := range []int{1, 2} {
		pid := ids[v%len(ids)]
		s := startSandbox(t, sandbox.Options{AutoApprovePatient: pid, SMARTVersion: v})
		cfg := discover(t, s.FHIRBase)
		p, cb := launch(t, s, cfg, dev)
		g, err := Complete(context.Background(), cfg, p, cb, dev)
		if err != nil {
			t.Fatal(err)
		}
		if g.PatientID != pid || g.AccessToken == "" || g.RefreshToken == "" || g.IDToken == "" ||
			g.TokenType != "Bearer" || g.Expiry.IsZero() || g.FHIRUser != s.FHIRBase+"/Patient/"+pid {
			t.Fatalf("v%d grant: patient %q fhirUser %q type %q expiry %v", v, g.PatientID, g.FHIRUser, g.TokenType, g.Expiry)
		}
		wantRead := map[int]string{1: "patient/*.read", 2: "patient/*.rs"}[v]
		if !strings.Contains(g.Scope, wantRead) {
			t.Fatalf("v%d granted scope %q", v, g.Scope)
		}
		if code := readPatient(t, s.FHIRBase, g.AccessToken, pid); code != 200 {
			t.Fatalf("v%d FHIR read: %d", v, code)
		}
		// The code is single-use at the server too.
		_, err = Complete(context.Background(), cfg, p, cb, dev)
		wantKind(t, err, ProviderError)
	}
}

func TestCompleteRejects(t *testing.T) {
	pid := patientIDs(t)[0]
	s := startSandbox(t, sandbox.Options{AutoApprovePatient: pid})
	cfg := discover(t, s.FHIRBase)
	ctx := context.Background()

	t.Run("forged state", func(t *testing.T) {
		p, cb := launch(t, s, cfg, dev)
		cb.State = "forged" + cb.State[6:]
		_, err := Complete(ctx, cfg, p, cb, dev)
		wantKind(t, err, StateMismatch)
		p.State = ""
		cb.State = ""
		_, err = Complete(ctx, cfg, p, cb, dev)
		wantKind(t, err, StateMismatch)
	})
	t.Run("expired pending", func(t *testing.T) {
		p, cb := launch(t, s, cfg, dev)
		late := dev
		late.Now = func() time.Time { return time.Now().Add(11 * time.Minute) }
		_, err := Complete(ctx, cfg, p, cb, late)
		wantKind(t, err, Expired)
	})
	t.Run("missing code", func(t *testing.T) {
		p, cb := launch(t, s, cfg, dev)
		cb.Code = ""
		_, err := Complete(ctx, cfg, p, cb, dev)
		wantKind(t, err, BadResponse)
	})
	t.Run("wrong verifier", func(t *testing.T) {
		p, cb := launch(t, s, cfg, dev)
		p.Verifier = strings.Repeat("A", 43)
		_, err := Complete(ctx, cfg, p, cb, dev)
		e := wantKind(t, err, ProviderError)
		if !strings.Contains(e.Error(), "invalid_grant") {
			t.Fatalf("cause should name the OAuth error: %v", e)
		}
		// The provider's own words travel with the error, for the person.
		if e.ProviderWords() == "" || strings.Contains(e.ProviderWords(), p.Verifier) {
			t.Fatalf("description %q", e.ProviderWords())
		}
	})
	t.Run("iss mismatch", func(t *testing.T) {
		p, cb := launch(t, s, cfg, dev)
		cb.Issuer = "https://evil.example/fhir"
		_, err := Complete(ctx, cfg, p, cb, dev)
		wantKind(t, err, IssuerMismatch)
		// the right iss (with a trailing slash) is accepted
		cb.Issuer = cfg.Issuer + "/"
		if _, err := Complete(ctx, cfg, p, cb, dev); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("pending for another server", func(t *testing.T) {
		p, cb := launch(t, s, cfg, dev)
		other := *cfg
		other.FHIRBase = "http://127.0.0.1:1/fhir"
		_, err := Complete(ctx, &other, p, cb, dev)
		wantKind(t, err, StateMismatch)
	})
	t.Run("other provider error", func(t *testing.T) {
		p, _ := launch(t, s, cfg, dev)
		_, err := Complete(ctx, cfg, p, Callback{State: p.State, Error: "temporarily_unavailable"}, dev)
		if e := wantKind(t, err, ProviderError); e.ProviderWords() != "temporarily_unavailable" {
			t.Fatalf("without error_description the code is the description: %q", e.ProviderWords())
		}
		_, err = Complete(ctx, cfg, p, Callback{State: p.State, Error: "invalid_request", ErrorDescription: "invalid client_id " + p.Verifier}, dev)
		if e := wantKind(t, err, ProviderError); e.ProviderWords() != "invalid client_id [redacted]" {
			t.Fatalf("description %q", e.ProviderWords())
		}
	})
	t.Run("token endpoint insecure", func(t *testing.T) {
		p, cb := launch(t, s, cfg, dev)
		_, err := Complete(ctx, cfg, p, cb, Options{})
		wantKind(t, err, Insecure)
	})
}

func TestAccessDenied(t *testing.T) {
	s := startSandbox(t, sandbox.Options{}) // login page shown
	cfg := discover(t, s.FHIRBase)
	authURL, p, err := Begin(cfg, Client{ClientID: testClientID, RedirectURI: testRedirect}, dev)
	if err != nil {
		t.Fatal(err)
	}
	cb, err := ParseCallback(follow(t, s, authURL, s.Patients()[0].ID, "deny"))
	if err != nil {
		t.Fatal(err)
	}
	if cb.Error != "access_denied" || cb.State != p.State {
		t.Fatalf("callback %+v", cb)
	}
	_, err = Complete(context.Background(), cfg, p, cb, dev)
	e := wantKind(t, err, AccessDenied)
	if e.Message != "You chose not to share your records with Fasten. Nothing was connected." {
		t.Fatalf("message %q", e.Message)
	}
}

// Oracle Health sends no patient in the token response; it comes from the
// verified id_token's fhirUser.
func TestOraclePatientFromFHIRUser(t *testing.T) {
	pid := patientIDs(t)[2]
	s := startSandbox(t, sandbox.Options{AutoApprovePatient: pid, NoPatientInTokenResponse: true})
	cfg := discover(t, s.FHIRBase)
	p, cb := launch(t, s, cfg, dev)
	g, err := Complete(context.Background(), cfg, p, cb, dev)
	if err != nil {
		t.Fatal(err)
	}
	if g.PatientID != pid {
		t.Fatalf("patient %q, want %q", g.PatientID, pid)
	}
	if code := readPatient(t, s.FHIRBase, g.AccessToken, pid); code != 200 {
		t.Fatalf("read: %d", code)
	}
	// Without openid there is no id_token and so no patient at all.
	p, cb = launchScopes(t, s, cfg, "launch/patient patient/*.rs")
	_, err = Complete(context.Background(), cfg, p, cb, dev)
	wantKind(t, err, BadResponse)
}

// launchScopes launches with an explicit scope set (bypassing Scopes).
func launchScopes(t *testing.T, s *sandbox.Server, cfg *Config, scope string) (Pending, Callback) {
	t.Helper()
	narrow := *cfg
	narrow.ScopesSupported = []string{"launch/patient"}
	authURL, p, err := Begin(&narrow, Client{ClientID: testClientID, RedirectURI: testRedirect}, dev)
	if err != nil {
		t.Fatal(err)
	}
	if p.Scope != scope {
		t.Fatalf("scope %q", p.Scope)
	}
	cb, err := ParseCallback(follow(t, s, authURL, "", ""))
	if err != nil {
		t.Fatal(err)
	}
	return p, cb
}
