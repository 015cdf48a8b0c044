package sandbox

import (
	"github.com/fastenhealth/fasten-desktop/internal/jwt"

	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

func tokenErr(t *testing.T, err error, want string) {
	t.Helper()
	var re *oauth2.RetrieveError
	if err == nil {
		t.Fatalf("expected %s, got success", want)
	}
	if !asRetrieve(err, &re) || re.ErrorCode != want {
		t.Fatalf("expected %s, got %v", want, err)
	}
}

func asRetrieve(err error, re **oauth2.RetrieveError) bool {
	r, ok := err.(*oauth2.RetrieveError)
	*re = r
	return ok
}

func TestCodeExchangeErrors(t *testing.T) {
	clk := newClock()
	pid := firstPatient(t)
	s := start(t, Options{Clock: clk.Now, AutoApprovePatient: pid})
	ctx := context.Background()

	t.Run("wrong verifier", func(t *testing.T) {
		l := getCode(t, s, pid)
		_, err := l.conf.Exchange(ctx, l.code, oauth2.VerifierOption(oauth2.GenerateVerifier()))
		tokenErr(t, err, "invalid_grant")
	})
	t.Run("missing verifier", func(t *testing.T) {
		l := getCode(t, s, pid)
		_, err := l.conf.Exchange(ctx, l.code)
		tokenErr(t, err, "invalid_grant")
	})
	t.Run("replayed code revokes its tokens", func(t *testing.T) {
		l := launch(t, s, pid)
		_, err := l.conf.Exchange(ctx, l.code, oauth2.VerifierOption(l.verifier))
		tokenErr(t, err, "invalid_grant")
		if code, _ := get(t, l.tok.AccessToken, s.FHIRBase+"/Patient/"+pid, nil); code != 401 {
			t.Fatalf("access token from replayed code still works: %d", code)
		}
		_, err = l.conf.TokenSource(ctx, &oauth2.Token{RefreshToken: l.tok.RefreshToken}).Token()
		tokenErr(t, err, "invalid_grant")
	})
	t.Run("expired code", func(t *testing.T) {
		l := getCode(t, s, pid)
		clk.Advance(61 * time.Second)
		_, err := l.conf.Exchange(ctx, l.code, oauth2.VerifierOption(l.verifier))
		tokenErr(t, err, "invalid_grant")
	})
	t.Run("redirect_uri mismatch", func(t *testing.T) {
		l := getCode(t, s, pid)
		l.conf.RedirectURL = "http://127.0.0.1:9/other"
		_, err := l.conf.Exchange(ctx, l.code, oauth2.VerifierOption(l.verifier))
		tokenErr(t, err, "invalid_grant")
	})
	t.Run("other client", func(t *testing.T) {
		l := getCode(t, s, pid)
		l.conf.ClientID = "someone-else"
		_, err := l.conf.Exchange(ctx, l.code, oauth2.VerifierOption(l.verifier))
		tokenErr(t, err, "invalid_grant")
	})
}

func TestAuthorizeValidation(t *testing.T) {
	pid := firstPatient(t)
	s := start(t, Options{AutoApprovePatient: pid, ClientIDs: []string{"fasten-desktop"}, RedirectURIs: []string{redirectURI}})
	conf := oauthConfig(s)
	v := oauth2.GenerateVerifier()
	aud := oauth2.SetAuthURLParam("aud", s.FHIRBase)
	pkce := oauth2.S256ChallengeOption(v)
	cases := []struct {
		name string
		url  string
		err  string
	}{
		{"wrong aud", conf.AuthCodeURL("s", pkce, oauth2.SetAuthURLParam("aud", s.FHIRBase+"/")), "invalid_request"},
		{"missing aud", conf.AuthCodeURL("s", pkce), "invalid_request"},
		{"no PKCE", conf.AuthCodeURL("s", aud), "invalid_request"},
		{"plain PKCE", conf.AuthCodeURL("s", aud, oauth2.SetAuthURLParam("code_challenge", v), oauth2.SetAuthURLParam("code_challenge_method", "plain")), "invalid_request"},
		{"missing state", conf.AuthCodeURL("", aud, pkce), "invalid_request"},
		{"no patient scope", oauthConfig(s, "openid", "fhirUser").AuthCodeURL("s", aud, pkce), "invalid_scope"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q := authorize(t, s, c.url, "", "")
			if q.Get("error") != c.err || q.Get("code") != "" {
				t.Fatalf("got %v, want error=%s", q, c.err)
			}
		})
	}
	t.Run("unknown redirect_uri is not redirected to", func(t *testing.T) {
		c := oauthConfig(s)
		c.RedirectURL = "http://evil.example/cb"
		resp, err := noRedirect.Get(c.AuthCodeURL("s", aud, pkce))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 400 {
			t.Fatalf("status %d", resp.StatusCode)
		}
	})
}

func TestLoginPageDeny(t *testing.T) {
	s := start(t, Options{})
	conf := oauthConfig(s)
	u := conf.AuthCodeURL("xyz", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()), oauth2.SetAuthURLParam("aud", s.FHIRBase))
	q := authorize(t, s, u, s.Patients()[0].ID, "deny")
	if q.Get("error") != "access_denied" || q.Get("state") != "xyz" {
		t.Fatalf("deny: %v", q)
	}
}

func TestRefreshRotationAndRevocation(t *testing.T) {
	pid := firstPatient(t)
	s := start(t, Options{AutoApprovePatient: pid, RotateRefreshTokens: true})
	l := launch(t, s, pid)
	tok := s.URL + "/oauth2/token"
	refresh := func(rt string) (int, map[string]any) {
		return postForm(t, tok, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {"fasten-desktop"}})
	}
	code, m := refresh(l.tok.RefreshToken)
	if code != 200 || m["refresh_token"] == nil || m["refresh_token"] == l.tok.RefreshToken || m["patient"] != pid {
		t.Fatalf("rotation: %d %v", code, m)
	}
	if code, m := refresh(l.tok.RefreshToken); code != 400 || m["error"] != "invalid_grant" {
		t.Fatalf("old refresh token after rotation: %d %v", code, m)
	}
	rt2 := m["refresh_token"].(string)
	at2 := m["access_token"].(string)
	if c, _ := get(t, at2, s.FHIRBase+"/Patient/"+pid, nil); c != 200 {
		t.Fatalf("refreshed access token: %d", c)
	}

	// x/oauth2's TokenSource must cope with the rotated token too.
	ts := l.conf.TokenSource(context.Background(), &oauth2.Token{RefreshToken: rt2})
	nt, err := ts.Token()
	if err != nil || nt.RefreshToken == rt2 {
		t.Fatalf("TokenSource refresh: %v", err)
	}

	s.ExpireAccessTokens()
	c, h := get(t, nt.AccessToken, s.FHIRBase+"/Patient/"+pid, nil)
	if c != 401 || !strings.Contains(h.Get("WWW-Authenticate"), "invalid_token") {
		t.Fatalf("after ExpireAccessTokens: %d %q", c, h.Get("WWW-Authenticate"))
	}
	s.RevokeRefreshTokens()
	if code, m := refresh(nt.RefreshToken); code != 400 || m["error"] != "invalid_grant" {
		t.Fatalf("after RevokeRefreshTokens: %d %v", code, m)
	}
}

func TestRefreshWithoutRotationAndTTL(t *testing.T) {
	clk := newClock()
	pid := firstPatient(t)
	s := start(t, Options{AutoApprovePatient: pid, Clock: clk.Now, AccessTokenTTL: time.Minute})
	l := launch(t, s, pid)
	clk.Advance(2 * time.Minute)
	if c, _ := get(t, l.tok.AccessToken, s.FHIRBase+"/Patient/"+pid, nil); c != 401 {
		t.Fatalf("access token past TTL: %d", c)
	}
	for range 2 {
		code, m := postForm(t, s.URL+"/oauth2/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {l.tok.RefreshToken}})
		if code != 200 || m["refresh_token"] != nil || m["expires_in"] != 60.0 {
			t.Fatalf("non-rotating refresh: %d %v", code, m)
		}
	}
}

func TestCrossPatientForbidden(t *testing.T) {
	ps := start(t, Options{}).Patients()
	s := start(t, Options{AutoApprovePatient: ps[0].ID})
	a, b := ps[0].ID, ps[1].ID
	at := launch(t, s, a).tok.AccessToken
	for _, u := range []string{
		"/Patient/" + b, "/Observation?patient=" + b, "/Patient/" + b + "/$everything", "/DocumentReference/doc-" + b, "/Binary/bin-" + b,
	} {
		if c, _ := get(t, at, s.FHIRBase+u, nil); c != 403 {
			t.Errorf("%s: %d, want 403", u, c)
		}
	}
	if c, _ := get(t, at, s.FHIRBase+"/Patient/does-not-exist", nil); c != 404 {
		t.Errorf("unknown id: %d", c)
	}
	if c, h := get(t, "", s.FHIRBase+"/Patient/"+a, nil); c != 401 || h.Get("WWW-Authenticate") == "" {
		t.Errorf("no token: %d", c)
	}
	// The paging token of one patient is useless to another.
	var bb bundle
	get(t, at, s.FHIRBase+"/Observation?patient="+a+"&_count=1", &bb)
	other := launch(t, start(t, Options{AutoApprovePatient: b}), b) // different server: unknown token
	if c, _ := get(t, other.tok.AccessToken, bb.next(), nil); c != 401 {
		t.Errorf("foreign token on next link: %d", c)
	}
}

func TestIDTokenAgainstJWKS(t *testing.T) {
	pid := firstPatient(t)
	s := start(t, Options{AutoApprovePatient: pid, NoPatientInTokenResponse: true})
	l := launch(t, s, pid)
	if l.tok.Extra("patient") != nil {
		t.Fatal("patient present despite NoPatientInTokenResponse")
	}
	var cfg struct {
		JWKSURI      string   `json:"jwks_uri"`
		Capabilities []string `json:"capabilities"`
	}
	get(t, "", s.FHIRBase+"/.well-known/smart-configuration", &cfg)
	var jwks struct{ Keys []jwt.JWK }
	get(t, "", cfg.JWKSURI, &jwks)
	pub, err := jwks.Keys[0].RSA()
	if err != nil {
		t.Fatal(err)
	}
	idt := l.tok.Extra("id_token").(string)
	parts := strings.Split(idt, ".")
	sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig); err != nil {
		t.Fatal("id_token does not verify against JWKS:", err)
	}
	var claims map[string]any
	raw, _ := base64.RawURLEncoding.DecodeString(parts[1])
	json.Unmarshal(raw, &claims)
	if claims["fhirUser"] != s.FHIRBase+"/Patient/"+pid || claims["iss"] != s.FHIRBase || claims["aud"] != "fasten-desktop" {
		t.Fatalf("claims %v", claims)
	}
	// The only way to the patient is fhirUser; it must work as a read URL.
	if c, _ := get(t, l.tok.AccessToken, claims["fhirUser"].(string), nil); c != 200 {
		t.Fatalf("fhirUser read: %d", c)
	}
}

func signRS384(t *testing.T, key *rsa.PrivateKey, claims map[string]any) string {
	tok, err := jwt.Sign(key, "RS384", "k1", claims)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestDynamicRegistrationJWTBearer(t *testing.T) {
	clk := newClock()
	pid := firstPatient(t)
	s := start(t, Options{AutoApprovePatient: pid, DynamicRegistration: true, Clock: clk.Now})
	var cfg map[string]any
	get(t, "", s.FHIRBase+"/.well-known/smart-configuration", &cfg)
	if cfg["registration_endpoint"] != s.URL+"/oauth2/register" {
		t.Fatalf("smart-configuration: %v", cfg["registration_endpoint"])
	}
	l := launch(t, s, pid)
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	jwk := map[string]any{"kty": "RSA", "kid": "k1", "n": base64.RawURLEncoding.EncodeToString(key.N.Bytes()), "e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(key.E)).Bytes())}
	body, _ := json.Marshal(map[string]any{"software_id": "fasten-desktop", "jwks": map[string]any{"keys": []any{jwk}}})

	register := func(token string) *http.Response {
		req, _ := http.NewRequest("POST", s.URL+"/oauth2/register", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	if r := register(""); r.StatusCode != 401 {
		t.Fatalf("register without token: %d", r.StatusCode)
	}
	resp := register(l.tok.AccessToken)
	var reg struct {
		ClientID string `json:"client_id"`
	}
	json.NewDecoder(resp.Body).Decode(&reg)
	resp.Body.Close()
	if resp.StatusCode != 201 || reg.ClientID == "" {
		t.Fatalf("register: %d", resp.StatusCode)
	}

	tokURL := s.URL + "/oauth2/token"
	claims := func(jti string) map[string]any {
		return map[string]any{"iss": reg.ClientID, "sub": reg.ClientID, "aud": tokURL, "jti": jti, "exp": clk.Now().Add(4 * time.Minute).Unix()}
	}
	grant := func(assertion string) (int, map[string]any) {
		return postForm(t, tokURL, url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"}, "assertion": {assertion}})
	}
	code, m := grant(signRS384(t, key, claims("j1")))
	if code != 200 || m["patient"] != pid || m["refresh_token"] != nil {
		t.Fatalf("jwt-bearer: %d %v", code, m)
	}
	if c, _ := get(t, m["access_token"].(string), s.FHIRBase+"/Patient/"+pid, nil); c != 200 {
		t.Fatalf("read with jwt-bearer token: %d", c)
	}
	if code, m := grant(signRS384(t, key, claims("j1"))); code != 400 || !strings.Contains(m["error_description"].(string), "jti") {
		t.Fatalf("replayed jti: %d %v", code, m)
	}
	bad := claims("j2")
	bad["aud"] = s.FHIRBase
	if code, _ := grant(signRS384(t, key, bad)); code != 400 {
		t.Fatalf("wrong aud accepted: %d", code)
	}
	bad = claims("j3")
	bad["exp"] = clk.Now().Add(-time.Second).Unix()
	if code, _ := grant(signRS384(t, key, bad)); code != 400 {
		t.Fatalf("expired assertion accepted: %d", code)
	}
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	if code, m := grant(signRS384(t, other, claims("j4"))); code != 401 || m["error"] != "invalid_client" {
		t.Fatalf("foreign key accepted: %d %v", code, m)
	}
}

func TestNoEverythingAndCapability(t *testing.T) {
	pid := firstPatient(t)
	for _, noEv := range []bool{false, true} {
		s := start(t, Options{AutoApprovePatient: pid, NoEverything: noEv, SMARTVersion: 1})
		var cs map[string]any
		get(t, "", s.FHIRBase+"/metadata", &cs)
		raw, _ := json.Marshal(cs)
		hasOp := bytes.Contains(raw, []byte(`"name":"everything"`))
		if hasOp == noEv || !bytes.Contains(raw, []byte(`"valueUri":"`+s.URL+`/oauth2/authorize"`)) {
			t.Fatalf("NoEverything=%v: capability everything=%v", noEv, hasOp)
		}
		l := launch(t, s, pid, "launch/patient", "patient/*.read", "patient/*.rs")
		if l.tok.Extra("scope") != "launch/patient patient/*.read" {
			t.Fatalf("SMART v1 granted %v", l.tok.Extra("scope"))
		}
		c, _ := get(t, l.tok.AccessToken, s.FHIRBase+"/Patient/"+pid+"/$everything", nil)
		if want := map[bool]int{false: 200, true: 404}[noEv]; c != want {
			t.Fatalf("NoEverything=%v: $everything %d", noEv, c)
		}
	}
}

func TestScopeRestrictsTypes(t *testing.T) {
	pid := firstPatient(t)
	s := start(t, Options{AutoApprovePatient: pid})
	at := launch(t, s, pid, "launch/patient", "patient/Observation.rs").tok.AccessToken
	if c, _ := get(t, at, s.FHIRBase+"/Observation?patient="+pid, nil); c != 200 {
		t.Fatalf("granted type: %d", c)
	}
	if c, _ := get(t, at, s.FHIRBase+"/Condition?patient="+pid, nil); c != 403 {
		t.Fatalf("ungranted type: %d", c)
	}
}

// RenewedIDTokenWithoutAud drops aud from renewed id_tokens only: the
// sign-in's id_token keeps it, so clients are tested on the difference.
func TestRenewedIDTokenWithoutAud(t *testing.T) {
	pid := firstPatient(t)
	s := start(t, Options{AutoApprovePatient: pid, RotateRefreshTokens: true, RenewedIDTokenWithoutAud: true})
	l := launch(t, s, pid)
	claims := func(idt any) map[string]any {
		t.Helper()
		tok, _ := idt.(string)
		p, err := jwt.Parse(tok)
		if err != nil {
			t.Fatalf("id_token: %v", err)
		}
		return p.Claims
	}
	if c := claims(l.tok.Extra("id_token")); c["aud"] != "fasten-desktop" {
		t.Fatalf("sign-in id_token aud %v", c["aud"])
	}
	code, m := postForm(t, s.URL+"/oauth2/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {l.tok.RefreshToken}, "client_id": {"fasten-desktop"}})
	if code != 200 || m["refresh_token"] == nil {
		t.Fatalf("refresh: %d %v", code, m)
	}
	c := claims(m["id_token"])
	if _, has := c["aud"]; has || c["sub"] != pid || c["iss"] != s.FHIRBase {
		t.Fatalf("renewed id_token claims %v", c)
	}
}
