package smart

import (
	"github.com/fastenhealth/fasten-desktop/internal/jwt"

	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Epic gives public native clients long-lived access only through dynamic
// client registration: after the first code exchange the app registers a
// per-device RSA key, then obtains tokens with the JWT-bearer grant signed
// by that key instead of a refresh token.

const grantJWTBearer = "urn:ietf:params:oauth:grant-type:jwt-bearer"

// assertionLifetime stays under Epic's 5-minute ceiling with room for a
// desktop clock that runs slightly fast.
const assertionLifetime = 4 * time.Minute

// NewDeviceKey makes the 2048-bit RSA key that identifies this device.
func NewDeviceKey() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, 2048) }

// registrationEndpoint is the discovered one, or Epic's convention of
// oauth2/register beside oauth2/authorize when discovery did not list it.
func registrationEndpoint(cfg *Config) string {
	if cfg.RegistrationEndpoint != "" {
		return cfg.RegistrationEndpoint
	}
	if u, ok := strings.CutSuffix(cfg.AuthorizationEndpoint, "/authorize"); ok {
		return u + "/register"
	}
	return ""
}

// RegisterDevice registers the device's public key (kid = RFC 7638
// thumbprint, alg RS384) under softwareID (Fasten's client id at Epic),
// authorized by the access token from the first sign-in, and returns the
// new, device-specific client id.
func RegisterDevice(ctx context.Context, cfg *Config, accessToken, softwareID string, key *rsa.PrivateKey, o Options) (string, error) {
	secrets := []string{accessToken}
	ep := registrationEndpoint(cfg)
	if ep == "" {
		return "", newErr(BadResponse, msgRegistration, errors.New("no registration endpoint"))
	}
	if err := checkEndpoint("registration", ep, o.AllowInsecure); err != nil {
		return "", err
	}
	if key == nil || softwareID == "" || accessToken == "" {
		return "", newErr(BadResponse, msgRegistration, errors.New("software_id, key and access token are required"))
	}
	body, _ := json.Marshal(map[string]any{
		"software_id": softwareID,
		"jwks":        map[string]any{"keys": []jwt.JWK{jwt.PublicJWK(&key.PublicKey, "RS384")}},
	})
	req, err := http.NewRequest(http.MethodPost, ep, bytes.NewReader(body))
	if err != nil {
		return "", newErr(BadResponse, msgRegistration, errors.New("bad registration endpoint URL"))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", "Bearer "+accessToken)
	hc, _ := o.client(false)
	resp, rb, err := do(ctx, hc, req)
	if err != nil {
		return "", netErr(err, secrets...)
	}
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusCreated {
		code, desc := oauthErrorFields(rb)
		return "", providerErr(ProviderError, msgRegistration,
			&httpStatusError{Op: "client registration", Status: resp.StatusCode, Code: code, Desc: desc}, secrets...)
	}
	var out struct {
		ClientID string `json:"client_id"`
	}
	if err := json.Unmarshal(rb, &out); err != nil || out.ClientID == "" {
		return "", newErr(BadResponse, msgRegistration, errors.New("registration response has no client_id"))
	}
	return out.ClientID, nil
}

// JWTBearer gets fresh tokens for a registered device: an RS384 assertion
// with iss = sub = clientID, aud = the token endpoint, a unique jti and a
// short exp. x/oauth2 has no generic grant call, so this posts the form
// itself. invalid_grant / invalid_client mean the registration is gone
// (revoked, or the key changed): NeedsReconnect.
//
// Like Refresh, the renewed id_token is only checked against prior (its aud
// is typically the registered device's client id, not ours).
func JWTBearer(ctx context.Context, cfg *Config, clientID string, key *rsa.PrivateKey, prior Prior, o Options) (*Grant, error) {
	if err := checkEndpoint("token", cfg.TokenEndpoint, o.AllowInsecure); err != nil {
		return nil, err
	}
	if key == nil || clientID == "" {
		return nil, newErr(NeedsReconnect, msgReconnect, errors.New("no device registration"))
	}
	assertion, err := deviceAssertion(cfg.TokenEndpoint, clientID, key, o.now())
	if err != nil {
		return nil, newErr(BadResponse, msgRegistration, err)
	}
	secrets := []string{assertion}
	form := url.Values{"grant_type": {grantJWTBearer}, "assertion": {assertion}, "client_id": {clientID}}
	req, err := http.NewRequest(http.MethodPost, cfg.TokenEndpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, newErr(BadResponse, msgBadResponse, errors.New("bad token endpoint URL"))
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	hc, _ := o.client(false)
	resp, rb, err := do(ctx, hc, req)
	if err != nil {
		return nil, netErr(err, secrets...)
	}
	if resp.StatusCode != http.StatusOK {
		code, desc := oauthErrorFields(rb)
		cause := &httpStatusError{Op: "jwt-bearer", Status: resp.StatusCode, Code: code, Desc: desc}
		if code == "invalid_grant" || code == "invalid_client" {
			return nil, providerErr(NeedsReconnect, msgReconnect, cause, secrets...)
		}
		return nil, providerErr(ProviderError, msgProvider, cause, secrets...)
	}
	m, err := parseTokenBody(rb, resp.Header.Get("Content-Type"))
	if err != nil {
		return nil, newErr(BadResponse, msgBadResponse, err, secrets...)
	}
	g, err := grantFrom(m, o.now())
	if err != nil {
		return nil, newErr(BadResponse, msgBadResponse, err, append(secrets, mapSecrets(m)...)...)
	}
	if err := finishRenewal(cfg, g, prior); err != nil {
		return nil, scrubErr(err, append(secrets, g.secrets()...))
	}
	return g, nil
}

func deviceAssertion(tokenURL, clientID string, key *rsa.PrivateKey, now time.Time) (string, error) {
	jti, err := randomString(18)
	if err != nil {
		return "", err
	}
	return jwt.Sign(key, "RS384", jwt.Thumbprint(&key.PublicKey), map[string]any{
		"iss": clientID, "sub": clientID, "aud": tokenURL, "jti": jti,
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(assertionLifetime).Unix(),
	})
}

// oauthErrorFields reads RFC 6749 error fields from an error body, if any.
func oauthErrorFields(body []byte) (code, desc string) {
	var e struct {
		Error            string `json:"error"`
		ErrorDescription string `json:"error_description"`
	}
	if json.Unmarshal(body, &e) != nil {
		return "", ""
	}
	return truncate(e.Error, 100), truncate(e.ErrorDescription, 300)
}
