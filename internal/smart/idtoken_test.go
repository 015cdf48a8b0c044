package smart

import (
	"encoding/base64"

	"github.com/fastenhealth/fasten-desktop/internal/jwt"

	"context"
	"net/url"
	"testing"
	"time"
)

func TestCheckClaims(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	base := func() map[string]any {
		return map[string]any{"iss": "https://ehr/fhir", "aud": "cid", "exp": float64(now.Add(time.Hour).Unix()),
			"iat": float64(now.Unix()), "fhirUser": "https://ehr/fhir/Patient/p1"}
	}
	cases := []struct {
		name string
		edit func(m map[string]any)
		kind ErrorKind // 0 = ok
	}{
		{"ok", func(m map[string]any) {}, 0},
		{"aud array", func(m map[string]any) { m["aud"] = []any{"other", "cid"}; m["azp"] = "cid" }, 0},
		{"issuer trailing slash", func(m map[string]any) { m["iss"] = "https://ehr/fhir/" }, 0},
		{"expired within skew", func(m map[string]any) { m["exp"] = float64(now.Add(-time.Minute).Unix()) }, 0},
		{"expired", func(m map[string]any) { m["exp"] = float64(now.Add(-3 * time.Minute).Unix()) }, BadResponse},
		{"no exp", func(m map[string]any) { delete(m, "exp") }, BadResponse},
		{"iat future", func(m map[string]any) { m["iat"] = float64(now.Add(time.Hour).Unix()) }, BadResponse},
		{"wrong iss", func(m map[string]any) { m["iss"] = "https://evil/fhir" }, IssuerMismatch},
		{"missing iss", func(m map[string]any) { delete(m, "iss") }, IssuerMismatch},
		{"wrong aud", func(m map[string]any) { m["aud"] = "other" }, TokenMismatch},
		{"azp other", func(m map[string]any) { m["aud"] = []any{"cid", "x"}; m["azp"] = "x" }, TokenMismatch},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := base()
			c.edit(m)
			_, err := checkClaims(m, "https://ehr/fhir", "cid", now)
			if c.kind == 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantKind(t, err, c.kind)
		})
	}
}

func TestPatientOfFHIRUser(t *testing.T) {
	for in, want := range map[string]string{
		"https://ehr/fhir/Patient/123":                  "123",
		"Patient/abc-1.2":                               "abc-1.2",
		"https://ehr/fhir/Patient/9/_history/2":         "9",
		"https://ehr/fhir/RelatedPerson/r1":             "",
		"urn:uuid:0b6a6ed4-1e0c-4e2b-8d1c-2f6c1c9f2a11": "",
		"nonsense": "",
	} {
		if id, ok := patientOf(in); id != want || ok != (want != "") {
			t.Errorf("%s: %q %v", in, id, ok)
		}
	}
}

// TestIDTokenVerification drives Complete against a scripted provider whose
// id_tokens are signed locally, covering the attacks the sandbox never makes.
func TestIDTokenVerification(t *testing.T) {
	f := newFakeProvider(t)
	cfg := discover(t, f.URL+"/fhir")
	ctx := context.Background()
	wrongKey, err := NewDeviceKey()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		patient string
		idt     func() string
		kind    ErrorKind
		wantPID string
	}{
		{"agree", "pA", func() string { return f.idToken(t, map[string]any{"fhirUser": f.URL + "/fhir/Patient/pA"}) }, 0, "pA"},
		{"fhirUser only", "", func() string { return f.idToken(t, map[string]any{"fhirUser": "Patient/pB"}) }, 0, "pB"},
		{"proxy user is RelatedPerson", "pA", func() string { return f.idToken(t, map[string]any{"fhirUser": f.URL + "/fhir/RelatedPerson/r1"}) }, 0, "pA"},
		{"another patient", "pA", func() string { return f.idToken(t, map[string]any{"fhirUser": f.URL + "/fhir/Patient/pB"}) }, TokenMismatch, ""},
		{"wrong aud", "pA", func() string { return f.idToken(t, map[string]any{"aud": "someone-else"}) }, TokenMismatch, ""},
		{"wrong iss", "pA", func() string { return f.idToken(t, map[string]any{"iss": "https://evil.example/fhir"}) }, IssuerMismatch, ""},
		{"expired", "pA", func() string { return f.idToken(t, map[string]any{"exp": time.Now().Add(-10 * time.Minute).Unix()}) }, BadResponse, ""},
		{"bad signature", "pA", func() string {
			tok, _ := jwt.Sign(wrongKey, "RS256", jwt.Thumbprint(&f.key.PublicKey), map[string]any{"iss": f.URL + "/fhir", "aud": testClientID, "exp": time.Now().Add(time.Hour).Unix()})
			return tok
		}, BadResponse, ""},
		{"alg none", "pA", func() string {
			return base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none"}`)) + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"iss":"x"}`)) + "."
		}, BadResponse, ""},
		{"no patient anywhere", "", func() string { return f.idToken(t, map[string]any{"fhirUser": nil}) }, BadResponse, ""},
		{"invalid patient id", "../Patient/x", func() string { return "" }, BadResponse, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			idt := c.idt()
			f.setToken(func(url.Values) (int, map[string]any) {
				m := map[string]any{"access_token": "at-" + c.name, "token_type": "bearer", "expires_in": 3600, "scope": "openid"}
				if c.patient != "" {
					m["patient"] = c.patient
				}
				if idt != "" {
					m["id_token"] = idt
				}
				return 200, m
			})
			p, cb := f.pendingFor(t, cfg, "code-1234")
			g, err := Complete(ctx, cfg, p, cb, dev)
			if c.kind != 0 {
				wantKind(t, err, c.kind)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if g.PatientID != c.wantPID || g.TokenType != "bearer" {
				t.Fatalf("patient %q", g.PatientID)
			}
		})
	}
}

func TestTokenResponseShapes(t *testing.T) {
	f := newFakeProvider(t)
	cfg := discover(t, f.URL+"/fhir")
	ctx := context.Background()

	f.setToken(func(url.Values) (int, map[string]any) {
		return 200, map[string]any{"token_type": "Bearer", "patient": "p1", "refresh_token": "rt-no-access"}
	})
	p, cb := f.pendingFor(t, cfg, "code-1")
	_, err := Complete(ctx, cfg, p, cb, dev)
	wantKind(t, err, BadResponse)

	f.setToken(func(v url.Values) (int, map[string]any) {
		if v.Get("client_id") != testClientID || v.Get("code_verifier") == "" || v.Get("redirect_uri") != testRedirect {
			return 400, map[string]any{"error": "invalid_request"}
		}
		return 200, map[string]any{"access_token": "at", "patient": "p1", "ah_practice": "a-1.Practice-195900",
			"need_patient_banner": true, "encounter": "e1", "expires_in": "60"}
	})
	now := time.Now()
	o := dev
	o.Now = func() time.Time { return now }
	p, cb = f.pendingFor(t, cfg, "code-2")
	g, err := Complete(ctx, cfg, p, cb, o)
	if err != nil {
		t.Fatal(err)
	}
	if g.Extra["need_patient_banner"] != true || g.Extra["encounter"] != "e1" || g.Extra["patient"] != nil ||
		g.TokenType != "Bearer" || !g.Expiry.Equal(now.Add(time.Minute)) {
		t.Fatalf("grant: %+v", g)
	}
	if g.AthenaPractice() != "Organization/a-1.Practice-195900" {
		t.Fatalf("athena: %q", g.AthenaPractice())
	}
}
