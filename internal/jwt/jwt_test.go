package jwt

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"strings"
	"testing"
)

func key(t *testing.T) *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSignParseVerify(t *testing.T) {
	k := key(t)
	for _, alg := range []string{"RS256", "RS384"} {
		tok, err := Sign(k, alg, "kid-1", map[string]any{"sub": "123", "aud": []string{"a", "b"}, "exp": 1700000000})
		if err != nil {
			t.Fatal(err)
		}
		p, err := Parse(tok)
		if err != nil {
			t.Fatal(err)
		}
		if p.Alg() != alg || p.Kid() != "kid-1" || p.Claims["sub"] != "123" {
			t.Fatalf("%s: header %v claims %v", alg, p.Header, p.Claims)
		}
		if err := p.Verify(&k.PublicKey); err != nil {
			t.Fatalf("%s: %v", alg, err)
		}
		if !AudContains(p.Claims["aud"], "b") || AudContains(p.Claims["aud"], "c") {
			t.Fatal("aud array")
		}
		if exp, ok := NumericDate(p.Claims, "exp"); !ok || exp != 1700000000 {
			t.Fatalf("exp %d %v", exp, ok)
		}
	}
	tok, _ := Sign(k, "RS256", "", map[string]any{"aud": "x"})
	p, _ := Parse(tok)
	if err := p.Verify(&k.PublicKey, "RS384"); err == nil {
		t.Fatal("RS256 accepted where only RS384 is allowed")
	}
	if err := p.Verify(&key(t).PublicKey); err == nil {
		t.Fatal("another key's signature accepted")
	}
	if !AudContains(p.Claims["aud"], "x") {
		t.Fatal("aud string")
	}
}

func TestRefused(t *testing.T) {
	k := key(t)
	tok, _ := Sign(k, "RS256", "", map[string]any{"sub": "s3cr3t-subject"})
	seg := strings.Split(tok, ".")
	none := b64.EncodeToString([]byte(`{"alg":"none"}`)) + "." + seg[1] + "."
	hs := b64.EncodeToString([]byte(`{"alg":"HS256"}`)) + "." + seg[1] + "." + seg[2]
	for name, bad := range map[string]string{
		"two segments": seg[0] + "." + seg[1],
		"not base64":   "!!." + seg[1] + "." + seg[2],
		"not object":   b64.EncodeToString([]byte(`[1]`)) + "." + seg[1] + "." + seg[2],
		"null header":  b64.EncodeToString([]byte(`null`)) + "." + seg[1] + "." + seg[2],
		"alg none":     none,
		"alg HS256":    hs,
	} {
		p, err := Parse(bad)
		if err == nil {
			err = p.Verify(&k.PublicKey)
		}
		if err == nil {
			t.Errorf("%s: accepted", name)
		} else if strings.Contains(err.Error(), seg[1]) || strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("%s: error quotes the token: %v", name, err)
		}
	}
	if _, err := Sign(k, "none", "", nil); err == nil {
		t.Fatal("signed with alg none")
	}
}

func TestJWKRoundTrip(t *testing.T) {
	k := key(t)
	j := PublicJWK(&k.PublicKey, "RS384")
	raw, _ := json.Marshal(j)
	var back JWK
	json.Unmarshal(raw, &back)
	pub, err := back.RSA()
	if err != nil || pub.N.Cmp(k.N) != 0 || pub.E != k.E {
		t.Fatalf("round trip: %v", err)
	}
	if j.Kid != Thumbprint(&k.PublicKey) || len(j.Kid) != 43 {
		t.Fatalf("kid %q", j.Kid)
	}
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	if _, err := PublicJWK(&small.PublicKey, "RS256").RSA(); err == nil {
		t.Fatal("a 1024-bit key accepted")
	}
	if _, err := (JWK{Kty: "EC"}).RSA(); err == nil {
		t.Fatal("EC accepted as RSA")
	}
}
