package smart

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"strings"
	"sync"
	"time"
)

// JWTs are handled with crypto/rsa directly: SMART needs RS256/RS384 only,
// and a general JOSE library would bring algorithms (none, HS*) that are
// exactly the ones to refuse.

var b64 = base64.RawURLEncoding

// clockSkew tolerates desktop clocks that are a little off.
const clockSkew = 2 * time.Minute

type jwtParts struct {
	header map[string]any
	claims map[string]any
	input  string // header.payload: the signed bytes
	sig    []byte
}

// parseJWT splits a compact JWS without verifying it. Errors never quote
// the token.
func parseJWT(tok string) (*jwtParts, error) {
	seg := strings.Split(tok, ".")
	if len(seg) != 3 {
		return nil, errors.New("jwt: not a compact JWS")
	}
	p := &jwtParts{input: seg[0] + "." + seg[1]}
	for i, dst := range []*map[string]any{&p.header, &p.claims} {
		raw, err := b64.DecodeString(strings.TrimRight(seg[i], "="))
		if err != nil {
			return nil, fmt.Errorf("jwt: segment %d is not base64url", i)
		}
		if err := json.Unmarshal(raw, dst); err != nil {
			return nil, fmt.Errorf("jwt: segment %d is not a JSON object", i)
		}
	}
	sig, err := b64.DecodeString(strings.TrimRight(seg[2], "="))
	if err != nil {
		return nil, errors.New("jwt: signature is not base64url")
	}
	p.sig = sig
	return p, nil
}

func hashFor(alg string) (crypto.Hash, bool) {
	switch alg {
	case "RS256":
		return crypto.SHA256, true
	case "RS384":
		return crypto.SHA384, true
	}
	return 0, false
}

func (p *jwtParts) verify(pub *rsa.PublicKey) error {
	h, ok := hashFor(str(p.header["alg"]))
	if !ok {
		return fmt.Errorf("jwt: alg %q not accepted (RS256 or RS384 only)", str(p.header["alg"]))
	}
	d := h.New()
	d.Write([]byte(p.input))
	return rsa.VerifyPKCS1v15(pub, h, d.Sum(nil), p.sig)
}

// signJWT signs claims with RS256 or RS384.
func signJWT(key *rsa.PrivateKey, alg, kid string, claims map[string]any) (string, error) {
	h, ok := hashFor(alg)
	if !ok {
		return "", fmt.Errorf("jwt: unsupported alg %q", alg)
	}
	hdr := map[string]string{"alg": alg, "typ": "JWT"}
	if kid != "" {
		hdr["kid"] = kid
	}
	hb, _ := json.Marshal(hdr)
	cb, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	input := b64.EncodeToString(hb) + "." + b64.EncodeToString(cb)
	d := h.New()
	d.Write([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, h, d.Sum(nil))
	if err != nil {
		return "", err
	}
	return input + "." + b64.EncodeToString(sig), nil
}

// jwk is the JSON form of an RSA public key.
type jwk struct {
	Kty string `json:"kty"`
	Kid string `json:"kid,omitempty"`
	Use string `json:"use,omitempty"`
	Alg string `json:"alg,omitempty"`
	N   string `json:"n"`
	E   string `json:"e"`
}

func publicJWK(pub *rsa.PublicKey, alg string) jwk {
	return jwk{Kty: "RSA", Kid: thumbprint(pub), Use: "sig", Alg: alg,
		N: b64.EncodeToString(pub.N.Bytes()), E: b64.EncodeToString(big.NewInt(int64(pub.E)).Bytes())}
}

// thumbprint is the RFC 7638 JWK thumbprint: a kid that is stable for the
// key and needs no bookkeeping.
func thumbprint(pub *rsa.PublicKey) string {
	j := fmt.Sprintf(`{"e":"%s","kty":"RSA","n":"%s"}`,
		b64.EncodeToString(big.NewInt(int64(pub.E)).Bytes()), b64.EncodeToString(pub.N.Bytes()))
	sum := sha256.Sum256([]byte(j))
	return b64.EncodeToString(sum[:])
}

func (k jwk) rsa() (*rsa.PublicKey, error) {
	if k.Kty != "RSA" {
		return nil, errors.New("not RSA")
	}
	n, err := b64.DecodeString(strings.TrimRight(k.N, "="))
	if err != nil || len(n) < 256 {
		return nil, errors.New("bad or short modulus (2048 bits minimum)")
	}
	e, err := b64.DecodeString(strings.TrimRight(k.E, "="))
	if err != nil || len(e) == 0 || len(e) > 4 {
		return nil, errors.New("bad exponent")
	}
	return &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}, nil
}

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
		Keys []jwk `json:"keys"`
	}
	if err := getJSON(ctx, hc, uri, "application/json", &set); err != nil {
		return nil, err
	}
	c.uri, c.fetched, c.keys = uri, now, nil
	for _, k := range set.Keys {
		if k.Use != "" && k.Use != "sig" {
			continue
		}
		pub, err := k.rsa()
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
	p, err := parseJWT(raw)
	if err != nil {
		return bad(err)
	}
	alg := str(p.header["alg"])
	if _, ok := hashFor(alg); !ok {
		return bad(fmt.Errorf("id_token alg %q not accepted", alg))
	}
	keys, err := cfg.keys().candidates(ctx, cfg.JWKSURI, str(p.header["kid"]), o)
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
		if p.verify(k.pub) == nil {
			verified = true
			break
		}
	}
	if !verified {
		return bad(errors.New("id_token signature does not verify with the server's keys"))
	}
	return checkClaims(p.claims, cfg.expectedIssuer(), clientID, o.now())
}

// checkClaims is the signature-independent part of id_token validation.
func checkClaims(c map[string]any, issuer, clientID string, now time.Time) (*idClaims, error) {
	if !sameURL(str(c["iss"]), issuer) {
		return nil, newErr(IssuerMismatch, msgIssuer, errors.New("id_token iss is not the provider's issuer"))
	}
	if !audContains(c["aud"], clientID) {
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

// audContains accepts aud as a string or an array, both legal (RFC 7519).
func audContains(aud any, want string) bool {
	switch a := aud.(type) {
	case string:
		return a == want
	case []any:
		for _, x := range a {
			if str(x) == want {
				return true
			}
		}
	}
	return false
}
