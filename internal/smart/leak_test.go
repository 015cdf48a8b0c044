package smart

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/fastenhealth/fasten-desktop/internal/devtools/sandbox"
)

// TestErrorsNeverLeakSecrets runs the flows into every failure we can
// provoke, including servers that echo secrets back in their error bodies,
// and checks that no code, verifier or token appears in any error text.
func TestErrorsNeverLeakSecrets(t *testing.T) {
	type leakCase struct {
		name    string
		err     error
		secrets []string
	}
	var cases []leakCase
	add := func(name string, err error, secrets ...string) {
		if err == nil {
			t.Fatalf("%s: expected an error", name)
		}
		cases = append(cases, leakCase{name, err, secrets})
	}
	ctx := context.Background()
	c := Client{ClientID: testClientID, RedirectURI: testRedirect}

	// --- against the sandbox
	pid := patientIDs(t)[0]
	s := startSandbox(t, sandbox.Options{AutoApprovePatient: pid, RotateRefreshTokens: true, DynamicRegistration: true})
	cfg := discover(t, s.FHIRBase)
	p, cb := launch(t, s, cfg, dev)
	g, err := Complete(ctx, cfg, p, cb, dev)
	if err != nil {
		t.Fatal(err)
	}

	p2, cb2 := launch(t, s, cfg, dev)
	real := p2.Verifier
	p2.Verifier = "tampered-verifier-" + strings.Repeat("x", 30)
	_, err = Complete(ctx, cfg, p2, cb2, dev)
	add("wrong verifier", err, cb2.Code, real, p2.Verifier)

	p3, cb3 := launch(t, s, cfg, dev)
	forged := cb3
	forged.State = "forged-state-value"
	_, err = Complete(ctx, cfg, p3, forged, dev)
	add("forged state", err, cb3.Code, p3.Verifier)
	late := dev
	late.Now = func() time.Time { return p3.Expires.Add(1) }
	_, err = Complete(ctx, cfg, p3, cb3, late)
	add("expired", err, cb3.Code, p3.Verifier)
	bad := cb3
	bad.Issuer = "https://evil.example"
	_, err = Complete(ctx, cfg, p3, bad, dev)
	add("iss mismatch", err, cb3.Code, p3.Verifier)
	_, err = Complete(ctx, cfg, p3, cb3, Options{})
	add("insecure", err, cb3.Code, p3.Verifier)

	key := testKey()
	s.ExpireAccessTokens()
	_, err = RegisterDevice(ctx, cfg, g.AccessToken, testClientID, key, dev)
	add("register with dead token", err, g.AccessToken)
	_, err = JWTBearer(ctx, cfg, "unregistered-client", key, Prior{}, dev)
	add("jwt-bearer unregistered", err)

	g2, err := Refresh(ctx, cfg, c, g.RefreshToken, Prior{}, dev)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Refresh(ctx, cfg, c, g.RefreshToken, Prior{}, dev)
	add("refresh rotated-out", err, g.RefreshToken, g2.RefreshToken, g2.AccessToken)
	s.RevokeRefreshTokens()
	_, err = Refresh(ctx, cfg, c, g2.RefreshToken, Prior{}, dev)
	add("refresh revoked", err, g2.RefreshToken)
	_, err = Complete(ctx, cfg, p, cb, dev) // replayed code
	add("replayed code", err, cb.Code, p.Verifier, g.AccessToken, g.RefreshToken, g.IDToken)
	s.Close()
	_, err = Refresh(ctx, cfg, c, g2.RefreshToken, Prior{}, dev)
	add("refresh network", err, g2.RefreshToken)

	// --- against a server that echoes secrets
	f := newFakeProvider(t)
	fcfg := discover(t, f.URL+"/fhir")
	f.setToken(func(v url.Values) (int, map[string]any) {
		return 400, map[string]any{"error": "invalid_grant", "error_description": fmt.Sprintf("code %s verifier %s refresh %s rejected", v.Get("code"), v.Get("code_verifier"), v.Get("refresh_token"))}
	})
	fp, fcb := f.pendingFor(t, fcfg, "echoed-code-0123456789")
	_, err = Complete(ctx, fcfg, fp, fcb, dev)
	add("echoing provider", err, fcb.Code, fp.Verifier)
	_, err = Refresh(ctx, fcfg, c, "echoed-refresh-0123456789", Prior{}, dev)
	add("echoing provider refresh", err, "echoed-refresh-0123456789")

	f.setToken(func(v url.Values) (int, map[string]any) {
		return 500, map[string]any{"__raw": "<html>oops code=" + v.Get("code") + " verifier=" + v.Get("code_verifier") + "</html>"}
	})
	fp, fcb = f.pendingFor(t, fcfg, "html-code-0123456789")
	_, err = Complete(ctx, fcfg, fp, fcb, dev)
	add("html error page", err, fcb.Code, fp.Verifier)

	idt := f.idToken(t, map[string]any{"fhirUser": f.URL + "/fhir/Patient/other"})
	f.setToken(func(v url.Values) (int, map[string]any) {
		return 200, map[string]any{"access_token": "access-0123456789", "refresh_token": "refresh-0123456789", "patient": "p1", "id_token": idt}
	})
	fp, fcb = f.pendingFor(t, fcfg, "mismatch-code-0123456789")
	_, err = Complete(ctx, fcfg, fp, fcb, dev)
	add("id_token for another patient", err, fcb.Code, fp.Verifier, "access-0123456789", "refresh-0123456789", idt)

	f.setToken(func(v url.Values) (int, map[string]any) {
		return 200, map[string]any{"refresh_token": "refresh-noaccess-0123456789", "patient": "p1"}
	})
	fp, fcb = f.pendingFor(t, fcfg, "noaccess-code-0123456789")
	_, err = Complete(ctx, fcfg, fp, fcb, dev)
	add("no access_token", err, fcb.Code, fp.Verifier, "refresh-noaccess-0123456789")

	f.setToken(func(v url.Values) (int, map[string]any) {
		return 200, map[string]any{"access_token": "access-badtype-0123456789", "token_type": "mac access-badtype-0123456789", "patient": "p1"}
	})
	fp, fcb = f.pendingFor(t, fcfg, "badtype-code-0123456789")
	_, err = Complete(ctx, fcfg, fp, fcb, dev)
	add("bad token_type echoing token", err, fcb.Code, fp.Verifier, "access-badtype-0123456789")

	fp, _ = f.pendingFor(t, fcfg, "")
	_, err = Complete(ctx, fcfg, fp, Callback{State: fp.State, Error: "server_error", ErrorDescription: "bad verifier " + fp.Verifier}, dev)
	add("callback error echoing verifier", err, fp.Verifier)

	_, err = ParseCallback("http://[::1/callback?code=parse-code-0123456789&state=s")
	add("unparseable callback", err, "parse-code-0123456789")
	_, err = ParseCallback("org.fastenhealth.desktop:/callback?code=dup-code-0123456789&code=other-code-0123456789")
	add("duplicate code", err, "dup-code-0123456789", "other-code-0123456789")

	for _, lc := range cases {
		var e *Error
		if !errors.As(lc.err, &e) {
			t.Errorf("%s: not an *Error: %T", lc.name, lc.err)
			continue
		}
		texts := []string{e.Error(), e.Message, fmt.Sprintf("%v %+v %#v", lc.err, lc.err, e.Cause), e.ProviderCode, e.ProviderDescription}
		for u := errors.Unwrap(lc.err); u != nil; u = errors.Unwrap(u) {
			texts = append(texts, u.Error())
		}
		for _, sec := range lc.secrets {
			if len(sec) < 8 {
				t.Fatalf("%s: test secret too short to mean anything", lc.name)
			}
			for _, txt := range texts {
				if strings.Contains(txt, sec) {
					t.Errorf("%s: error text leaks a secret: %s", lc.name, txt)
				}
			}
		}
		t.Logf("%-32s %s", lc.name, e.Error())
	}
}
