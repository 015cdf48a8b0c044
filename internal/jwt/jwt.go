// Package jwt provides the compact JWS tokens SMART on FHIR uses — RS256 and
// RS384 signatures, RSA JWKs and their RFC 7638 thumbprints — for both the
// SMART client (id_tokens, Epic client assertions) and the test EHR that
// plays the server.
//
// It is written on crypto/rsa rather than a general JOSE library on purpose:
// SMART needs RS256/RS384 only, and a general library brings algorithms
// (none, HS*) that are exactly the ones to refuse. Errors never quote a token.
package jwt

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	_ "crypto/sha512" // registers SHA-384, which RS384 needs
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
)

var b64 = base64.RawURLEncoding

// Token is a parsed, not yet verified, compact JWS.
type Token struct {
	Header map[string]any
	Claims map[string]any
	input  string // header.payload: the signed bytes
	sig    []byte
}

// Parse splits a compact JWS without verifying it.
func Parse(tok string) (*Token, error) {
	seg := strings.Split(tok, ".")
	if len(seg) != 3 {
		return nil, errors.New("jwt: not a compact JWS")
	}
	t := &Token{input: seg[0] + "." + seg[1]}
	for i, dst := range []*map[string]any{&t.Header, &t.Claims} {
		raw, err := b64.DecodeString(strings.TrimRight(seg[i], "="))
		if err != nil {
			return nil, fmt.Errorf("jwt: segment %d is not base64url", i)
		}
		if err := json.Unmarshal(raw, dst); err != nil || *dst == nil {
			return nil, fmt.Errorf("jwt: segment %d is not a JSON object", i)
		}
	}
	sig, err := b64.DecodeString(strings.TrimRight(seg[2], "="))
	if err != nil {
		return nil, errors.New("jwt: signature is not base64url")
	}
	t.sig = sig
	return t, nil
}

// Alg is the header's signature algorithm.
func (t *Token) Alg() string { s, _ := t.Header["alg"].(string); return s }

// Kid is the header's key id.
func (t *Token) Kid() string { s, _ := t.Header["kid"].(string); return s }

func hashFor(alg string) (crypto.Hash, bool) {
	switch alg {
	case "RS256":
		return crypto.SHA256, true
	case "RS384":
		return crypto.SHA384, true
	}
	return 0, false
}

// Verify checks the signature with pub. Only the algorithms in allowed are
// accepted (RS256 and RS384 when none are given); a caller that must mirror
// a server's stricter rule (Epic's RS384-only client assertions) names it.
func (t *Token) Verify(pub *rsa.PublicKey, allowed ...string) error {
	alg := t.Alg()
	if len(allowed) > 0 && !contains(allowed, alg) {
		return fmt.Errorf("jwt: alg %q not accepted (%s only)", alg, strings.Join(allowed, " or "))
	}
	h, ok := hashFor(alg)
	if !ok {
		return fmt.Errorf("jwt: alg %q not accepted (RS256 or RS384 only)", alg)
	}
	d := h.New()
	d.Write([]byte(t.input))
	return rsa.VerifyPKCS1v15(pub, h, d.Sum(nil), t.sig)
}

// Sign signs claims with RS256 or RS384; kid may be empty.
func Sign(key *rsa.PrivateKey, alg, kid string, claims map[string]any) (string, error) {
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

// JWK is the JSON form of an RSA public key.
type JWK struct {
	Kty string `json:"kty"`
	Kid string `json:"kid,omitempty"`
	Use string `json:"use,omitempty"`
	Alg string `json:"alg,omitempty"`
	N   string `json:"n"`
	E   string `json:"e"`
}

// PublicJWK describes pub for a JWKS, with its thumbprint as kid.
func PublicJWK(pub *rsa.PublicKey, alg string) JWK {
	return JWK{Kty: "RSA", Kid: Thumbprint(pub), Use: "sig", Alg: alg,
		N: b64.EncodeToString(pub.N.Bytes()), E: b64.EncodeToString(big.NewInt(int64(pub.E)).Bytes())}
}

// Thumbprint is the RFC 7638 JWK thumbprint: a kid that is stable for the
// key and needs no bookkeeping.
func Thumbprint(pub *rsa.PublicKey) string {
	j := fmt.Sprintf(`{"e":"%s","kty":"RSA","n":"%s"}`,
		b64.EncodeToString(big.NewInt(int64(pub.E)).Bytes()), b64.EncodeToString(pub.N.Bytes()))
	sum := sha256.Sum256([]byte(j))
	return b64.EncodeToString(sum[:])
}

// RSA is the public key a JWK describes; keys under 2048 bits are refused.
func (k JWK) RSA() (*rsa.PublicKey, error) {
	if k.Kty != "RSA" {
		return nil, fmt.Errorf("jwk: kty %q not supported", k.Kty)
	}
	n, err := b64.DecodeString(strings.TrimRight(k.N, "="))
	if err != nil || len(n) < 256 {
		return nil, errors.New("jwk: bad or short RSA modulus (2048 bits minimum)")
	}
	e, err := b64.DecodeString(strings.TrimRight(k.E, "="))
	if err != nil || len(e) == 0 || len(e) > 4 {
		return nil, errors.New("jwk: bad RSA exponent")
	}
	return &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}, nil
}

// AudContains accepts aud as a string or an array, both legal (RFC 7519).
func AudContains(aud any, want string) bool {
	switch a := aud.(type) {
	case string:
		return a == want
	case []any:
		for _, x := range a {
			if s, _ := x.(string); s == want {
				return true
			}
		}
	}
	return false
}

// NumericDate reads a NumericDate claim (JSON numbers decode as float64).
func NumericDate(claims map[string]any, name string) (int64, bool) {
	f, ok := claims[name].(float64)
	return int64(f), ok
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
