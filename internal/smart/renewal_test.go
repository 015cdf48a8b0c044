package smart

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/fastenhealth/fasten-desktop/internal/devtools/sandbox"
)

// A server whose renewed id_tokens carry no aud: the renewal succeeds and
// its (rotated) tokens come back, checked against the sign-in.
func TestRefreshKeepsTokensWhenIDTokenLacksAud(t *testing.T) {
	pid := patientIDs(t)[0]
	s := startSandbox(t, sandbox.Options{AutoApprovePatient: pid, RotateRefreshTokens: true, RenewedIDTokenWithoutAud: true})
	cfg := discover(t, s.FHIRBase)
	ctx := context.Background()
	p, cb := launch(t, s, cfg, dev)
	g, err := Complete(ctx, cfg, p, cb, dev)
	if err != nil {
		t.Fatal(err)
	}
	if g.Subject == "" {
		t.Fatal("sign-in Grant has no Subject to check renewals against")
	}
	prior := Prior{PatientID: g.PatientID, Subject: g.Subject}
	g2, err := Refresh(ctx, cfg, Client{ClientID: testClientID}, g.RefreshToken, prior, dev)
	if err != nil {
		t.Fatalf("refresh with an aud-less id_token: %v", err)
	}
	if g2.RefreshToken == "" || g2.RefreshToken == g.RefreshToken || g2.AccessToken == "" || g2.Subject != g.Subject {
		t.Fatalf("renewed grant: new rt %v, subject %q", g2.RefreshToken != g.RefreshToken, g2.Subject)
	}
	if code := readPatient(t, s.FHIRBase, g2.AccessToken, pid); code != 200 {
		t.Fatalf("renewed access token: %d", code)
	}
	// The same tokens are refused when the sign-in was someone else's.
	_, err = Refresh(ctx, cfg, Client{ClientID: testClientID}, g2.RefreshToken, Prior{PatientID: pid, Subject: "someone-else"}, dev)
	wantKind(t, err, TokenMismatch)
}

// Only iss, sub and a Patient fhirUser of a renewed id_token matter.
func TestRenewalIDTokenChecks(t *testing.T) {
	f := newFakeProvider(t)
	cfg := discover(t, f.URL+"/fhir")
	ctx := context.Background()
	prior := Prior{PatientID: "p1", Subject: "user-1"}
	cases := []struct {
		name   string
		claims map[string]any
		raw    string
		want   ErrorKind // 0: success
	}{
		{"no aud", map[string]any{"aud": nil, "sub": "user-1"}, "", 0},
		{"expired, foreign aud", map[string]any{"aud": "another-client", "exp": 1, "sub": "user-1"}, "", 0},
		{"not a JWT", nil, "not-a-jwt", 0},
		{"other subject", map[string]any{"sub": "user-2"}, "", TokenMismatch},
		{"other issuer", map[string]any{"iss": "https://evil.example/fhir", "sub": "user-1"}, "", IssuerMismatch},
		{"other patient", map[string]any{"sub": "user-1", "fhirUser": f.URL + "/fhir/Patient/p2"}, "", TokenMismatch},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			idt := tc.raw
			if idt == "" {
				idt = f.idToken(t, tc.claims)
			}
			f.setToken(func(url.Values) (int, map[string]any) {
				return 200, map[string]any{"access_token": "access-0123456789", "refresh_token": "refresh-rotated-0123", "id_token": idt}
			})
			g, err := Refresh(ctx, cfg, Client{ClientID: testClientID}, "refresh-old-0123", prior, dev)
			if tc.want != 0 {
				wantKind(t, err, tc.want)
				return
			}
			if err != nil || g.AccessToken != "access-0123456789" || g.RefreshToken != "refresh-rotated-0123" {
				t.Fatalf("renewal refused: %v", err)
			}
		})
	}
	// A refresh response naming another patient is refused too.
	f.setToken(func(url.Values) (int, map[string]any) {
		return 200, map[string]any{"access_token": "access-0123456789", "patient": "p2"}
	})
	_, err := Refresh(ctx, cfg, Client{ClientID: testClientID}, "refresh-old-0123", prior, dev)
	wantKind(t, err, TokenMismatch)
}

// The provider's own error description reaches the caller, made safe.
func TestProviderErrorDescription(t *testing.T) {
	pid := patientIDs(t)[0]
	s := startSandbox(t, sandbox.Options{AutoApprovePatient: pid})
	cfg := discover(t, s.FHIRBase)
	ctx := context.Background()
	s.RevokeRefreshTokens()
	_, err := Refresh(ctx, cfg, Client{ClientID: testClientID}, "sbxsecret-unknown-refresh", Prior{}, dev)
	e := wantKind(t, err, NeedsReconnect)
	if e.ProviderCode != "invalid_grant" || e.ProviderDescription != "refresh token is invalid, expired or revoked" || e.Status != 400 || Transient(err) {
		t.Fatalf("sandbox refusal: %q %q %d", e.ProviderCode, e.ProviderDescription, e.Status)
	}

	f := newFakeProvider(t)
	fcfg := discover(t, f.URL+"/fhir")
	const rt = "refresh-echoed-0123456789"
	jwtLike := "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLXNpZ25hdHVyZQ"
	f.setToken(func(v url.Values) (int, map[string]any) {
		return 401, map[string]any{"error": "invalid_client", "error_description": "invalid client_id\x1b[2J\u202e\r\nfor " + v.Get("refresh_token") + " " + jwtLike + strings.Repeat(" more", 100)}
	})
	_, err = Refresh(ctx, fcfg, Client{ClientID: testClientID}, rt, Prior{}, dev)
	e = wantKind(t, err, ProviderError)
	d := e.ProviderDescription
	t.Logf("description: %q", d)
	if !strings.HasPrefix(d, "invalid client_id for [redacted] [redacted] more") || e.ProviderCode != "invalid_client" {
		t.Fatalf("description %q code %q", d, e.ProviderCode)
	}
	if strings.ContainsAny(d, "\x1b\u202e\r\n") || strings.Contains(d, rt) || strings.Contains(d, "eyJ") || len([]rune(d)) > maxProviderText+1 {
		t.Fatalf("unsafe description %q", d)
	}
	if strings.Contains(err.Error(), "\x1b") || strings.Contains(err.Error(), rt) {
		t.Fatalf("unsafe cause %q", err.Error())
	}
	if Transient(err) {
		t.Fatal("a 401 invalid_client is not transient")
	}

	// Server failures are worth retrying; the description stays empty when
	// the provider sent none.
	f.setToken(func(url.Values) (int, map[string]any) { return 503, map[string]any{"__raw": "<html>busy</html>"} })
	_, err = Refresh(ctx, fcfg, Client{ClientID: testClientID}, rt, Prior{}, dev)
	if e = wantKind(t, err, ProviderError); !Transient(err) || e.ProviderDescription != "" || e.Status != 503 {
		t.Fatalf("503: transient %v, %q, %d", Transient(err), e.ProviderDescription, e.Status)
	}

	// An authorization error redirect keeps its description too.
	p, cb := f.pendingFor(t, fcfg, "")
	cb.Error, cb.ErrorDescription = "unauthorized_client", "invalid client_id\x00"
	_, err = Complete(ctx, fcfg, p, cb, dev)
	if e = wantKind(t, err, ProviderError); e.ProviderDescription != "invalid client_id" || e.ProviderCode != "unauthorized_client" {
		t.Fatalf("authorization error: %q %q", e.ProviderCode, e.ProviderDescription)
	}
}

// Resource requests: https only outside developer mode, redirects only
// within the origin, the bearer token never sent anywhere else.
func TestResourceClientPolicy(t *testing.T) {
	var otherHits, otherAuth atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		otherHits.Add(1)
		if r.Header.Get("Authorization") != "" {
			otherAuth.Add(1)
		}
	}))
	defer other.Close()
	var sawAuth atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/away":
			http.Redirect(w, r, other.URL+"/stolen", http.StatusFound)
		case "/around":
			http.Redirect(w, r, "/here", http.StatusFound)
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		case "/here":
			sawAuth.Store(r.Header.Get("Authorization"))
		}
	}))
	defer srv.Close()
	get := func(c *http.Client, u string) (*http.Response, error) {
		req, _ := http.NewRequest("GET", u, nil)
		req.Header.Set("Authorization", "Bearer sbxsecret-token")
		resp, err := c.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		return resp, err
	}
	c := NewResourceClient(nil, true)
	if resp, err := get(c, srv.URL+"/away"); err != nil || resp.StatusCode != http.StatusFound || otherHits.Load() != 0 || otherAuth.Load() != 0 {
		t.Fatalf("cross-origin redirect: %v; other server hit %d times", err, otherHits.Load())
	}
	if resp, err := get(c, srv.URL+"/around"); err != nil || resp.StatusCode != 200 || sawAuth.Load() != "Bearer sbxsecret-token" {
		t.Fatalf("same-origin redirect: %v", err)
	}
	if _, err := get(c, srv.URL+"/loop"); err == nil || !strings.Contains(err.Error(), ErrTooManyRedirects.Error()) {
		t.Fatalf("redirect loop: %v", err)
	}
	if _, err := get(NewResourceClient(nil, false), srv.URL+"/here"); err == nil || !strings.Contains(err.Error(), errInsecure.Error()) {
		t.Fatalf("http outside developer mode: %v", err)
	}
	if origin(mustURL(t, "https://EHR.example/fhir")) != origin(mustURL(t, "https://ehr.example:443/x")) {
		t.Fatal("default port is the same origin")
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
