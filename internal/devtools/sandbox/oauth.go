package sandbox

import (
	"github.com/fastenhealth/fasten-desktop/internal/jwt"

	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
)

const (
	codeTTL        = 60 * time.Second
	loginTTL       = 10 * time.Minute
	maxAssertion   = 5 * time.Minute // Epic rejects client assertions valid for longer
	grantJWTBearer = "urn:ietf:params:oauth:grant-type:jwt-bearer"
)

// grant is one user authorization. Every token descends from a grant, so a
// replayed code (RFC 6749 §4.1.2) can revoke everything it produced.
type grant struct {
	id       string
	clientID string
	patient  string
	scopes   []string
	nonce    string
	revoked  bool
}

type authRequest struct {
	clientID, redirectURI, state, challenge, nonce string
	scopes                                         []string
	expires                                        time.Time
}

type authCode struct {
	grant       *grant
	redirectURI string
	challenge   string
	expires     time.Time
	used        bool
}

type accessToken struct {
	grant   *grant
	scopes  []string
	expires time.Time
}

type refreshToken struct {
	grant   *grant
	expires time.Time
}

// dynClient is an Epic-style dynamically registered client: bound to the
// patient and scopes of the access token that registered it.
type dynClient struct {
	id, softwareID string
	keys           []*rsaKey
	patient        string
	scopes         []string
}

type authState struct {
	mu      sync.Mutex
	pending map[string]*authRequest
	codes   map[string]*authCode
	access  map[string]*accessToken
	refresh map[string]*refreshToken
	clients map[string]*dynClient
	jtis    map[string]time.Time
}

func (a *authState) init() {
	a.pending = map[string]*authRequest{}
	a.codes = map[string]*authCode{}
	a.access = map[string]*accessToken{}
	a.refresh = map[string]*refreshToken{}
	a.clients = map[string]*dynClient{}
	a.jtis = map[string]time.Time{}
}

func randToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// SecretPrefix starts every code, access token and refresh token the sandbox
// issues, so test logs can be scanned for leaked secrets (make test does).
const SecretPrefix = "sbxsecret"

func randSecret() string { return SecretPrefix + randToken() }

// RevokeRefreshTokens simulates a patient revoking the app in the portal.
func (s *Server) RevokeRefreshTokens() {
	s.auth.mu.Lock()
	clear(s.auth.refresh)
	s.auth.mu.Unlock()
}

// ExpireAccessTokens lets tests exercise the 401 → refresh path without
// waiting an hour; tokens issued afterwards work normally.
func (s *Server) ExpireAccessTokens() {
	s.auth.mu.Lock()
	clear(s.auth.access)
	s.auth.mu.Unlock()
}

func (s *Server) tokenURL() string { return s.URL + "/oauth2/token" }

func (s *Server) handleSMARTConfig(w http.ResponseWriter, r *http.Request) {
	perm := "permission-v2"
	scopes := []string{"openid", "fhirUser", "launch/patient", "offline_access", "online_access", "patient/*.rs"}
	if s.opts.SMARTVersion == 1 {
		perm = "permission-v1"
		scopes[len(scopes)-1] = "patient/*.read"
	}
	cfg := map[string]any{
		"issuer":                                s.FHIRBase,
		"jwks_uri":                              s.URL + "/oauth2/jwks",
		"authorization_endpoint":                s.URL + "/oauth2/authorize",
		"token_endpoint":                        s.tokenURL(),
		"token_endpoint_auth_methods_supported": []string{"none", "private_key_jwt"},
		"grant_types_supported":                 []string{"authorization_code", "refresh_token"},
		"response_types_supported":              []string{"code"},
		"scopes_supported":                      scopes,
		"code_challenge_methods_supported":      []string{"S256"},
		"capabilities": []string{"launch-standalone", "client-public", "context-standalone-patient",
			"permission-offline", "permission-patient", perm, "sso-openid-connect"},
	}
	if s.opts.DynamicRegistration {
		cfg["registration_endpoint"] = s.URL + "/oauth2/register"
		cfg["grant_types_supported"] = []string{"authorization_code", "refresh_token", grantJWTBearer}
		cfg["token_endpoint_auth_signing_alg_values_supported"] = []string{"RS384"}
	}
	writeJSON(w, http.StatusOK, "application/json", cfg)
}

func (s *Server) handleJWKS(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, "application/json", map[string]any{"keys": []any{jwt.PublicJWK(&s.key.PublicKey, "RS256")}})
}

func (s *Server) clientAllowed(id string) bool {
	return id != "" && (len(s.opts.ClientIDs) == 0 || slices.Contains(s.opts.ClientIDs, id))
}

func (s *Server) redirectAllowed(u string) bool {
	p, err := url.Parse(u)
	if err != nil || !p.IsAbs() || p.Fragment != "" {
		return false
	}
	return len(s.opts.RedirectURIs) == 0 || slices.Contains(s.opts.RedirectURIs, u)
}

var (
	v2Scope = regexp.MustCompile(`^patient/(\*|[A-Z][A-Za-z]+)\.(c?r?u?d?s?)$`)
	v1Scope = regexp.MustCompile(`^patient/(\*|[A-Z][A-Za-z]+)\.(read|write|\*)$`)
)

// grantScopes keeps what this server understands and drops the rest, as
// real servers do, so clients must read the granted scope in the token
// response rather than assume what they asked for.
func (s *Server) grantScopes(requested string) ([]string, bool) {
	var out []string
	data := false
	for _, sc := range strings.Fields(requested) {
		switch {
		case slices.Contains([]string{"openid", "fhirUser", "profile", "offline_access", "online_access"}, sc):
		case sc == "launch/patient":
			data = true
		case v1Scope.MatchString(sc) || (s.opts.SMARTVersion == 2 && v2Scope.MatchString(sc) && !strings.HasSuffix(sc, ".")):
			data = true
		default:
			continue
		}
		if !slices.Contains(out, sc) {
			out = append(out, sc)
		}
	}
	return out, data
}

// allows reports whether a scope set permits op ('r' read, 's' search) on typ.
func allows(scopes []string, typ string, op byte) bool {
	for _, sc := range scopes {
		m := v2Scope.FindStringSubmatch(sc)
		if m == nil {
			m = v1Scope.FindStringSubmatch(sc)
			if m == nil {
				continue
			}
			if m[2] == "write" {
				continue
			}
			m[2] = "rs"
		}
		if (m[1] == "*" || m[1] == typ) && strings.IndexByte(m[2], op) >= 0 {
			return true
		}
	}
	return false
}

var errorPage = template.Must(template.New("e").Parse(`<!doctype html><title>Authorization error</title><h1>Authorization error</h1><p>{{.}}</p>`))

func (s *Server) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	clientID, redirect := q.Get("client_id"), q.Get("redirect_uri")
	// RFC 6749 §4.1.2.1: never redirect to an unverified redirect_uri.
	if !s.clientAllowed(clientID) {
		w.WriteHeader(http.StatusBadRequest)
		errorPage.Execute(w, "unknown client_id")
		return
	}
	if !s.redirectAllowed(redirect) {
		w.WriteHeader(http.StatusBadRequest)
		errorPage.Execute(w, "redirect_uri is not registered for this client")
		return
	}
	state := q.Get("state")
	fail := func(code, desc string) {
		redirectWith(w, r, redirect, url.Values{"error": {code}, "error_description": {desc}, "state": {state}})
	}
	switch {
	case q.Get("response_type") != "code":
		fail("unsupported_response_type", "response_type must be code")
		return
	case state == "":
		fail("invalid_request", "state is required")
		return
	case q.Get("aud") != s.FHIRBase:
		fail("invalid_request", "aud must be the FHIR base URL "+s.FHIRBase)
		return
	case q.Get("code_challenge") == "" || q.Get("code_challenge_method") != "S256":
		fail("invalid_request", "PKCE with code_challenge_method=S256 is required")
		return
	}
	scopes, ok := s.grantScopes(q.Get("scope"))
	if !ok {
		fail("invalid_scope", "scope must include launch/patient or patient-level scopes")
		return
	}
	req := &authRequest{clientID: clientID, redirectURI: redirect, state: state, challenge: q.Get("code_challenge"),
		nonce: q.Get("nonce"), scopes: scopes, expires: s.now().Add(loginTTL)}
	if p := s.opts.AutoApprovePatient; p != "" {
		s.approve(w, r, req, p)
		return
	}
	id := randToken()
	s.auth.mu.Lock()
	s.auth.pending[id] = req
	s.auth.mu.Unlock()
	s.loginPage(w, id)
}

var loginTmpl = template.Must(template.New("l").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>Sandbox EHR sign-in</title></head><body>
<h1>Sandbox EHR</h1><p>Choose the patient whose records to share.</p>
<form method="post" action="/oauth2/authorize">
<input type="hidden" name="req" value="{{.Req}}">
{{range $i, $p := .Patients}}<label><input type="radio" name="patient" value="{{$p.ID}}"{{if eq $i 0}} checked{{end}}> {{$p.Name}} ({{$p.BirthDate}})</label><br>
{{end}}<button type="submit" name="action" value="allow">Allow</button>
<button type="submit" name="action" value="deny">Deny</button>
</form></body></html>`))

func (s *Server) loginPage(w http.ResponseWriter, reqID string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	loginTmpl.Execute(w, map[string]any{"Req": reqID, "Patients": s.Patients()})
}

func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		errorPage.Execute(w, "bad form")
		return
	}
	s.auth.mu.Lock()
	req := s.auth.pending[r.PostForm.Get("req")]
	delete(s.auth.pending, r.PostForm.Get("req"))
	s.auth.mu.Unlock()
	if req == nil || s.now().After(req.expires) {
		w.WriteHeader(http.StatusBadRequest)
		errorPage.Execute(w, "login session expired; start again from the app")
		return
	}
	if r.PostForm.Get("action") != "allow" {
		redirectWith(w, r, req.redirectURI, url.Values{"error": {"access_denied"}, "error_description": {"the user denied access"}, "state": {req.state}})
		return
	}
	pid := r.PostForm.Get("patient")
	if s.data.patients[pid] == nil {
		w.WriteHeader(http.StatusBadRequest)
		errorPage.Execute(w, "unknown patient")
		return
	}
	s.approve(w, r, req, pid)
}

func (s *Server) approve(w http.ResponseWriter, r *http.Request, req *authRequest, pid string) {
	code := randSecret()
	g := &grant{id: uuid.NewString(), clientID: req.clientID, patient: pid, scopes: req.scopes, nonce: req.nonce}
	s.auth.mu.Lock()
	s.auth.codes[code] = &authCode{grant: g, redirectURI: req.redirectURI, challenge: req.challenge, expires: s.now().Add(codeTTL)}
	s.auth.mu.Unlock()
	redirectWith(w, r, req.redirectURI, url.Values{"code": {code}, "state": {req.state}})
}

// redirectWith keeps any query the registered redirect_uri already has.
func redirectWith(w http.ResponseWriter, r *http.Request, redirect string, v url.Values) {
	u, _ := url.Parse(redirect)
	q := u.Query()
	for k, vs := range v {
		q[k] = vs
	}
	u.RawQuery = q.Encode()
	http.Redirect(w, r, u.String(), http.StatusFound)
}

type oauthError struct {
	status     int
	code, desc string
}

func (e *oauthError) Error() string { return e.code + ": " + e.desc }

func oerr(status int, code, desc string) *oauthError { return &oauthError{status, code, desc} }

func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeOAuthError(w, oerr(400, "invalid_request", "body must be application/x-www-form-urlencoded"))
		return
	}
	f := r.PostForm
	clientID := f.Get("client_id")
	if u, _, ok := r.BasicAuth(); ok && clientID == "" {
		clientID, _ = url.QueryUnescape(u)
	}
	var resp map[string]any
	var err *oauthError
	switch f.Get("grant_type") {
	case "authorization_code":
		resp, err = s.exchangeCode(f, clientID)
	case "refresh_token":
		resp, err = s.refreshGrant(f, clientID)
	case grantJWTBearer:
		if !s.opts.DynamicRegistration {
			err = oerr(400, "unsupported_grant_type", "jwt-bearer is not enabled")
		} else {
			resp, err = s.jwtBearerGrant(f)
		}
	case "":
		err = oerr(400, "invalid_request", "grant_type is required")
	default:
		err = oerr(400, "unsupported_grant_type", f.Get("grant_type"))
	}
	if err != nil {
		writeOAuthError(w, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, http.StatusOK, "application/json", resp)
}

var verifierRE = regexp.MustCompile(`^[A-Za-z0-9\-._~]{43,128}$`)

func (s *Server) exchangeCode(f url.Values, clientID string) (map[string]any, *oauthError) {
	s.auth.mu.Lock()
	defer s.auth.mu.Unlock()
	c := s.auth.codes[f.Get("code")]
	if c == nil {
		return nil, oerr(400, "invalid_grant", "unknown authorization code")
	}
	if c.used {
		s.revokeGrantLocked(c.grant)
		return nil, oerr(400, "invalid_grant", "authorization code already used; tokens issued from it are revoked")
	}
	c.used = true // burned even if the checks below fail: codes are single-attempt
	switch {
	case s.now().After(c.expires):
		return nil, oerr(400, "invalid_grant", "authorization code expired")
	case !s.clientAllowed(clientID):
		return nil, oerr(401, "invalid_client", "unknown client_id")
	case clientID != c.grant.clientID:
		return nil, oerr(400, "invalid_grant", "code was issued to another client")
	case f.Get("redirect_uri") != c.redirectURI:
		return nil, oerr(400, "invalid_grant", "redirect_uri does not match the authorization request")
	case !verifierRE.MatchString(f.Get("code_verifier")):
		return nil, oerr(400, "invalid_grant", "code_verifier missing or malformed")
	}
	sum := sha256.Sum256([]byte(f.Get("code_verifier")))
	if base64.RawURLEncoding.EncodeToString(sum[:]) != c.challenge {
		return nil, oerr(400, "invalid_grant", "code_verifier does not match code_challenge")
	}
	return s.issueLocked(c.grant, c.grant.scopes, slices.Contains(c.grant.scopes, "offline_access"), false)
}

func (s *Server) refreshGrant(f url.Values, clientID string) (map[string]any, *oauthError) {
	s.auth.mu.Lock()
	defer s.auth.mu.Unlock()
	old := f.Get("refresh_token")
	rt := s.auth.refresh[old]
	if rt == nil || rt.grant.revoked || s.now().After(rt.expires) {
		delete(s.auth.refresh, old)
		return nil, oerr(400, "invalid_grant", "refresh token is invalid, expired or revoked")
	}
	if clientID != "" && clientID != rt.grant.clientID {
		return nil, oerr(400, "invalid_grant", "refresh token was issued to another client")
	}
	scopes := rt.grant.scopes
	if sc := f.Get("scope"); sc != "" {
		scopes = strings.Fields(sc)
		for _, x := range scopes {
			if !slices.Contains(rt.grant.scopes, x) {
				return nil, oerr(400, "invalid_scope", "scope exceeds the original grant: "+x)
			}
		}
	}
	newRefresh := s.opts.RotateRefreshTokens
	if newRefresh {
		delete(s.auth.refresh, old)
	}
	return s.issueLocked(rt.grant, scopes, newRefresh, true)
}

// issueLocked mints tokens for a grant. Without rotation a refresh response
// carries no refresh_token (as Epic does); clients must keep the old one.
// renewal marks a refresh or jwt-bearer grant (not a sign-in).
func (s *Server) issueLocked(g *grant, scopes []string, withRefresh, renewal bool) (map[string]any, *oauthError) {
	now := s.now()
	at := randSecret()
	s.auth.access[at] = &accessToken{grant: g, scopes: scopes, expires: now.Add(s.opts.AccessTokenTTL)}
	resp := map[string]any{
		"access_token": at, "token_type": "Bearer",
		"expires_in": int(s.opts.AccessTokenTTL / time.Second), "scope": strings.Join(scopes, " "),
	}
	if withRefresh {
		rt := randSecret()
		s.auth.refresh[rt] = &refreshToken{grant: g, expires: now.Add(s.opts.RefreshTokenTTL)}
		resp["refresh_token"] = rt
	}
	if !s.opts.NoPatientInTokenResponse {
		resp["patient"] = g.patient
	}
	if slices.Contains(scopes, "openid") {
		claims := map[string]any{
			"iss": s.FHIRBase, "aud": g.clientID, "sub": g.patient,
			"fhirUser": s.FHIRBase + "/Patient/" + g.patient,
			"iat":      now.Unix(), "exp": now.Add(time.Hour).Unix(),
		}
		if g.nonce != "" {
			claims["nonce"] = g.nonce
		}
		if renewal && s.opts.RenewedIDTokenWithoutAud {
			delete(claims, "aud")
		}
		idt, err := jwt.Sign(s.key, "RS256", s.kid, claims)
		if err != nil {
			return nil, oerr(500, "server_error", err.Error())
		}
		resp["id_token"] = idt
	}
	return resp, nil
}

func (s *Server) revokeGrantLocked(g *grant) {
	g.revoked = true
	for k, t := range s.auth.access {
		if t.grant == g {
			delete(s.auth.access, k)
		}
	}
	for k, t := range s.auth.refresh {
		if t.grant == g {
			delete(s.auth.refresh, k)
		}
	}
}

// bearer resolves the request's access token; nil means it already answered 401.
func (s *Server) bearer(w http.ResponseWriter, r *http.Request) *accessToken {
	h := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || tok == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="sandbox"`)
		writeOutcome(w, http.StatusUnauthorized, "login", "missing bearer token")
		return nil
	}
	s.auth.mu.Lock()
	at := s.auth.access[tok]
	if at != nil && (at.grant.revoked || s.now().After(at.expires)) {
		delete(s.auth.access, tok)
		at = nil
	}
	s.auth.mu.Unlock()
	if at == nil {
		w.Header().Set("WWW-Authenticate", `Bearer realm="sandbox", error="invalid_token", error_description="token expired or revoked"`)
		writeOutcome(w, http.StatusUnauthorized, "expired", "access token is invalid or expired")
		return nil
	}
	return at
}

type rsaKey struct {
	kid string
	pub *rsa.PublicKey
}

func (s *Server) handleRegister(w http.ResponseWriter, r *http.Request) {
	at := s.bearer(w, r)
	if at == nil {
		return
	}
	var body struct {
		SoftwareID string `json:"software_id"`
		JWKS       struct {
			Keys []jwt.JWK `json:"keys"`
		} `json:"jwks"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&body); err != nil {
		writeOAuthError(w, oerr(400, "invalid_client_metadata", "body must be JSON: "+err.Error()))
		return
	}
	if body.SoftwareID == "" || len(body.JWKS.Keys) == 0 {
		writeOAuthError(w, oerr(400, "invalid_client_metadata", "software_id and jwks.keys are required"))
		return
	}
	c := &dynClient{id: uuid.NewString(), softwareID: body.SoftwareID, patient: at.grant.patient, scopes: at.scopes}
	for _, k := range body.JWKS.Keys {
		pub, err := k.RSA()
		if err != nil {
			writeOAuthError(w, oerr(400, "invalid_client_metadata", "jwks: "+err.Error()))
			return
		}
		c.keys = append(c.keys, &rsaKey{kid: k.Kid, pub: pub})
	}
	s.auth.mu.Lock()
	s.auth.clients[c.id] = c
	s.auth.mu.Unlock()
	writeJSON(w, http.StatusCreated, "application/json", map[string]any{
		"client_id": c.id, "software_id": c.softwareID, "client_id_issued_at": s.now().Unix(),
		"token_endpoint_auth_method": "private_key_jwt", "grant_types": []string{grantJWTBearer},
		"jwks": body.JWKS,
	})
}

func (s *Server) jwtBearerGrant(f url.Values) (map[string]any, *oauthError) {
	p, err := jwt.Parse(f.Get("assertion"))
	if err != nil {
		return nil, oerr(400, "invalid_grant", "assertion: "+err.Error())
	}
	iss := str(p.Claims["iss"])
	s.auth.mu.Lock()
	defer s.auth.mu.Unlock()
	c := s.auth.clients[iss]
	if c == nil {
		return nil, oerr(401, "invalid_client", "iss is not a registered client_id")
	}
	verified := false
	for _, k := range c.keys {
		if kid := p.Kid(); kid != "" && k.kid != "" && kid != k.kid {
			continue
		}
		if p.Verify(k.pub, "RS384") == nil {
			verified = true
			break
		}
	}
	now := s.now()
	exp, hasExp := jwt.NumericDate(p.Claims, "exp")
	jti := str(p.Claims["jti"])
	switch {
	case !verified:
		return nil, oerr(401, "invalid_client", "assertion signature does not verify with the registered key (RS384)")
	case str(p.Claims["sub"]) != iss:
		return nil, oerr(400, "invalid_grant", "sub must equal iss")
	case !jwt.AudContains(p.Claims["aud"], s.tokenURL()):
		return nil, oerr(400, "invalid_grant", "aud must be the token endpoint "+s.tokenURL())
	case !hasExp || now.Unix() >= exp:
		return nil, oerr(400, "invalid_grant", "assertion expired or has no exp")
	case time.Unix(exp, 0).Sub(now) > maxAssertion:
		return nil, oerr(400, "invalid_grant", "exp is more than 5 minutes in the future")
	case jti == "":
		return nil, oerr(400, "invalid_grant", "jti is required")
	}
	for k, until := range s.auth.jtis {
		if now.After(until) {
			delete(s.auth.jtis, k)
		}
	}
	if _, seen := s.auth.jtis[iss+"|"+jti]; seen {
		return nil, oerr(400, "invalid_grant", "jti already used")
	}
	s.auth.jtis[iss+"|"+jti] = time.Unix(exp, 0)
	g := &grant{id: uuid.NewString(), clientID: c.id, patient: c.patient, scopes: c.scopes}
	return s.issueLocked(g, c.scopes, false, true)
}

func writeOAuthError(w http.ResponseWriter, e *oauthError) {
	if e.status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="sandbox"`)
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, e.status, "application/json", map[string]string{"error": e.code, "error_description": e.desc})
}

func writeJSON(w http.ResponseWriter, status int, ctype string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, fmt.Sprint(err), 500)
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.WriteHeader(status)
	w.Write(b)
}
