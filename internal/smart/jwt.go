package smart

import (
	"github.com/fastenhealth/fasten-desktop/internal/jwt"

	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"
)

// clockSkew tolerates desktop clocks that are a little off.
const clockSkew = 2 * time.Minute

type verifyKey struct {
	kid, alg string
	pub      *rsa.PublicKey
}

// jwksCache holds one server's id_token keys. An unknown kid triggers a
// refetch (keys rotate), at most once a minute so a hostile token cannot
// make us hammer the server.
type jwksCache struct {
	mu      sync.Mutex
	uri     string
	keys    []verifyKey
	fetched time.Time
}

const jwksMinRefetch = time.Minute

func (c *jwksCache) candidates(ctx context.Context, uri, kid string, o Options) ([]verifyKey, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	pick := func() []verifyKey {
		var out []verifyKey
		for _, k := range c.keys {
			if kid == "" || k.kid == kid {
				out = append(out, k)
			}
		}
		return out
	}
	now := o.now()
	if c.uri == uri {
		if ks := pick(); len(ks) > 0 || now.Sub(c.fetched) < jwksMinRefetch {
			return ks, nil
		}
	}
	hc, _ := o.client(false)
	var set struct {
		Keys []jwt.JWK `json:"keys"`
	}
	if err := getJSON(ctx, hc, uri, "application/json", &set); err != nil {
		return nil, err
	}
	c.uri, c.fetched, c.keys = uri, now, nil
	for _, k := range set.Keys {
		if k.Use != "" && k.Use != "sig" {
			continue
		}
		pub, err := k.RSA()
		if err != nil {
			continue
		}
		c.keys = append(c.keys, verifyKey{kid: k.Kid, alg: k.Alg, pub: pub})
	}
	return pick(), nil
}

type idClaims struct {
	FHIRUser string
	Subject  string
}

// verifyIDToken checks signature (RS256/RS384 against the server's JWKS),
// iss, aud/azp and exp/iat/nbf with two minutes of skew.
func verifyIDToken(ctx context.Context, cfg *Config, raw, clientID string, o Options) (*idClaims, error) {
	bad := func(err error) (*idClaims, error) { return nil, newErr(BadResponse, msgBadResponse, err) }
	if cfg.JWKSURI == "" {
		return bad(errors.New("id_token present but the server publishes no jwks_uri"))
	}
	p, err := jwt.Parse(raw)
	if err != nil {
		return bad(err)
	}
	alg := p.Alg()
	if alg != "RS256" && alg != "RS384" {
		return bad(fmt.Errorf("id_token alg %q not accepted", alg))
	}
	keys, err := cfg.keys().candidates(ctx, cfg.JWKSURI, p.Kid(), o)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			return nil, netErr(fmt.Errorf("fetching JWKS: %w", err))
		}
		return bad(fmt.Errorf("fetching JWKS: %w", err))
	}
	verified := false
	for _, k := range keys {
		if k.alg != "" && k.alg != alg {
			continue
		}
		if p.Verify(k.pub) == nil {
			verified = true
			break
		}
	}
	if !verified {
		return bad(errors.New("id_token signature does not verify with the server's keys"))
	}
	return checkClaims(p.Claims, cfg.expectedIssuer(), clientID, o.now())
}

// checkClaims is the signature-independent part of id_token validation.
func checkClaims(c map[string]any, issuer, clientID string, now time.Time) (*idClaims, error) {
	if !sameURL(str(c["iss"]), issuer) {
		return nil, newErr(IssuerMismatch, msgIssuer, errors.New("id_token iss is not the provider's issuer"))
	}
	if !jwt.AudContains(c["aud"], clientID) {
		return nil, newErr(TokenMismatch, msgTokenMismatch, errors.New("id_token aud does not include our client_id"))
	}
	if azp := str(c["azp"]); azp != "" && azp != clientID {
		return nil, newErr(TokenMismatch, msgTokenMismatch, errors.New("id_token azp is another client"))
	}
	exp, ok := c["exp"].(float64)
	if !ok {
		return nil, newErr(BadResponse, msgBadResponse, errors.New("id_token has no exp"))
	}
	if !now.Before(time.Unix(int64(exp), 0).Add(clockSkew)) {
		return nil, newErr(BadResponse, msgBadResponse, errors.New("id_token expired"))
	}
	for _, name := range []string{"iat", "nbf"} {
		if t, ok := c[name].(float64); ok && time.Unix(int64(t), 0).After(now.Add(clockSkew)) {
			return nil, newErr(BadResponse, msgBadResponse, fmt.Errorf("id_token %s is in the future", name))
		}
	}
	return &idClaims{FHIRUser: str(c["fhirUser"]), Subject: str(c["sub"])}, nil
}

// sameURL compares issuers ignoring one trailing slash, a difference real
// servers introduce between their metadata and their tokens.
func sameURL(a, b string) bool {
	return a != "" && strings.TrimRight(a, "/") == strings.TrimRight(b, "/")
}
