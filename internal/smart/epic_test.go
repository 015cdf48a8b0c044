package smart

import (
	"github.com/fastenhealth/fasten-desktop/internal/jwt"

	"context"
	"testing"
	"time"

	"github.com/fastenhealth/fasten-desktop/internal/devtools/sandbox"
)

func TestEpicDynamicRegistration(t *testing.T) {
	pid := patientIDs(t)[3]
	s := startSandbox(t, sandbox.Options{AutoApprovePatient: pid, DynamicRegistration: true})
	cfg := discover(t, s.FHIRBase)
	ctx := context.Background()
	p, cb := launch(t, s, cfg, dev)
	g, err := Complete(ctx, cfg, p, cb, dev)
	if err != nil {
		t.Fatal(err)
	}
	key, err := NewDeviceKey()
	if err != nil {
		t.Fatal(err)
	}
	if key.N.BitLen() != 2048 {
		t.Fatalf("key size %d", key.N.BitLen())
	}
	// Discovery listed the endpoint; also check the Epic convention fallback.
	derived := *cfg
	derived.RegistrationEndpoint = ""
	if registrationEndpoint(&derived) != cfg.RegistrationEndpoint {
		t.Fatalf("derived %q", registrationEndpoint(&derived))
	}
	clientID, err := RegisterDevice(ctx, &derived, g.AccessToken, testClientID, key, dev)
	if err != nil {
		t.Fatal(err)
	}
	if clientID == "" || clientID == testClientID {
		t.Fatalf("client id %q", clientID)
	}
	for range 2 { // fresh jti each time, or the server would refuse the replay
		g2, err := JWTBearer(ctx, cfg, clientID, key, Prior{}, dev)
		if err != nil {
			t.Fatal(err)
		}
		if g2.PatientID != pid || g2.AccessToken == "" {
			t.Fatalf("jwt-bearer grant patient %q", g2.PatientID)
		}
		if code := readPatient(t, s.FHIRBase, g2.AccessToken, pid); code != 200 {
			t.Fatalf("read with jwt-bearer token: %d", code)
		}
	}
	// Another key is not this device.
	other := testKey()
	_, err = JWTBearer(ctx, cfg, clientID, other, Prior{}, dev)
	wantKind(t, err, NeedsReconnect)
	_, err = JWTBearer(ctx, cfg, "unregistered", key, Prior{}, dev)
	wantKind(t, err, NeedsReconnect)

	// Registration needs a live access token.
	s.ExpireAccessTokens()
	_, err = RegisterDevice(ctx, cfg, g.AccessToken, testClientID, key, dev)
	wantKind(t, err, ProviderError)
}

func TestDeviceAssertion(t *testing.T) {
	key := testKey()
	now := time.Unix(1_700_000_000, 0)
	a, err := deviceAssertion("https://ehr/oauth2/token", "dev-1", key, now)
	if err != nil {
		t.Fatal(err)
	}
	p, err := jwt.Parse(a)
	if err != nil {
		t.Fatal(err)
	}
	if p.Alg() != "RS384" || p.Kid() != jwt.Thumbprint(&key.PublicKey) {
		t.Fatalf("header %v", p.Header)
	}
	c := p.Claims
	if c["iss"] != "dev-1" || c["sub"] != "dev-1" || c["aud"] != "https://ehr/oauth2/token" || str(c["jti"]) == "" {
		t.Fatalf("claims %v", c)
	}
	if exp := int64(c["exp"].(float64)); exp-now.Unix() > 300 || exp <= now.Unix() {
		t.Fatalf("exp %d", exp)
	}
	if err := p.Verify(&key.PublicKey); err != nil {
		t.Fatal(err)
	}
	b, _ := deviceAssertion("https://ehr/oauth2/token", "dev-1", key, now)
	if pb, _ := jwt.Parse(b); pb.Claims["jti"] == c["jti"] {
		t.Fatal("jti repeated")
	}
	// RFC 7638 example key thumbprint.
	j := jwt.JWK{Kty: "RSA", E: "AQAB", N: "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"}
	pub, err := j.RSA()
	if err != nil {
		t.Fatal(err)
	}
	if got := jwt.Thumbprint(pub); got != "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs" {
		t.Fatalf("thumbprint %s", got)
	}
}
