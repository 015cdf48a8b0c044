package sandbox

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"sync"
)

// JWTs are hand-rolled on crypto/rsa rather than pulling in a JOSE library:
// the sandbox needs exactly RS256 signing and RS384 verification, and keeping
// go.mod unchanged matters more than generality here.

var b64 = base64.RawURLEncoding

var (
	keyOnce   sync.Once
	sharedKey *rsa.PrivateKey
	keyErr    error
)

// signingKey is generated once per process: RSA keygen costs tens of
// milliseconds and tests start many servers; each server still has its own
// issuer so tokens do not cross.
func signingKey() (*rsa.PrivateKey, error) {
	keyOnce.Do(func() { sharedKey, keyErr = rsa.GenerateKey(rand.Reader, 2048) })
	return sharedKey, keyErr
}

// keyID is the RFC 7638 thumbprint, so the kid is stable for a given key.
func keyID(pub *rsa.PublicKey) string {
	j := fmt.Sprintf(`{"e":"%s","kty":"RSA","n":"%s"}`, b64.EncodeToString(big.NewInt(int64(pub.E)).Bytes()), b64.EncodeToString(pub.N.Bytes()))
	sum := sha256.Sum256([]byte(j))
	return b64.EncodeToString(sum[:])
}

func publicJWK(pub *rsa.PublicKey, kid, alg string) map[string]any {
	return map[string]any{
		"kty": "RSA", "use": "sig", "alg": alg, "kid": kid,
		"n": b64.EncodeToString(pub.N.Bytes()), "e": b64.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
	}
}

func signJWT(key *rsa.PrivateKey, kid string, claims map[string]any) (string, error) {
	hdr, _ := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT", "kid": kid})
	body, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	input := b64.EncodeToString(hdr) + "." + b64.EncodeToString(body)
	sum := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		return "", err
	}
	return input + "." + b64.EncodeToString(sig), nil
}

type jwtParts struct {
	header map[string]any
	claims map[string]any
	input  string // header.payload, the signed bytes
	sig    []byte
}

func parseJWT(tok string) (*jwtParts, error) {
	seg := strings.Split(tok, ".")
	if len(seg) != 3 {
		return nil, errors.New("not a compact JWS")
	}
	p := &jwtParts{input: seg[0] + "." + seg[1]}
	for i, dst := range []*map[string]any{&p.header, &p.claims} {
		raw, err := b64.DecodeString(seg[i])
		if err != nil {
			return nil, fmt.Errorf("segment %d: %w", i, err)
		}
		if err := json.Unmarshal(raw, dst); err != nil {
			return nil, fmt.Errorf("segment %d: %w", i, err)
		}
	}
	sig, err := b64.DecodeString(seg[2])
	if err != nil {
		return nil, fmt.Errorf("signature: %w", err)
	}
	p.sig = sig
	return p, nil
}

// verifyRS384 is the only algorithm accepted for client assertions, matching
// Epic's backend/dynamic-client requirement; accepting more would hide client
// bugs the real server rejects.
func (p *jwtParts) verifyRS384(pub *rsa.PublicKey) error {
	if str(p.header["alg"]) != "RS384" {
		return fmt.Errorf("alg %q not accepted (RS384 required)", p.header["alg"])
	}
	h := crypto.SHA384.New()
	h.Write([]byte(p.input))
	return rsa.VerifyPKCS1v15(pub, crypto.SHA384, h.Sum(nil), p.sig)
}

func jwkToRSA(k map[string]any) (*rsa.PublicKey, error) {
	if str(k["kty"]) != "RSA" {
		return nil, fmt.Errorf("kty %q not supported", k["kty"])
	}
	n, err := b64.DecodeString(str(k["n"]))
	if err != nil || len(n) < 256 {
		return nil, errors.New("bad or short RSA modulus (2048 bits minimum)")
	}
	e, err := b64.DecodeString(str(k["e"]))
	if err != nil || len(e) == 0 || len(e) > 4 {
		return nil, errors.New("bad RSA exponent")
	}
	return &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}, nil
}

// numClaim reads a NumericDate, which JSON decoding hands back as float64.
func numClaim(c map[string]any, name string) (int64, bool) {
	f, ok := c[name].(float64)
	return int64(f), ok
}

// audContains handles aud as string or array, both legal per RFC 7519.
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
