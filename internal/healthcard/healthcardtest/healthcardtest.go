// Package healthcardtest makes SMART Health Cards for tests and fixtures:
// a TEST-ONLY issuer key generated per process, cards signed with it, and
// their file, text and QR-picture forms.
//
// Nothing here may be trusted by the app: the key is made fresh on every
// run and is never part of healthcard.Bundled().
package healthcardtest

import (
	"bytes"
	"compress/flate"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/fastenhealth/fasten-desktop/internal/healthcard"
)

// TestISS is the issuer URL of the test key. example.org is reserved for
// documentation (RFC 2606), so no real issuer can ever have it.
const TestISS = "https://issuer.example.org/test-only"

// Issuer is a test issuer: an iss URL and a P-256 key.
type Issuer struct {
	ISS  string
	Name string
	Key  *ecdsa.PrivateKey
	Kid  string
}

// NewIssuer makes a test issuer with a fresh key.
func NewIssuer(iss, name string) *Issuer {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	i := &Issuer{ISS: iss, Name: name, Key: k}
	x, y := i.xy()
	i.Kid = healthcard.Thumbprint(x, y)
	return i
}

var (
	defOnce sync.Once
	def     *Issuer
)

// Default is the per-process test issuer (TestISS) that Sign uses.
func Default() *Issuer {
	defOnce.Do(func() { def = NewIssuer(TestISS, "Test Health Department (TEST ONLY)") })
	return def
}

func (i *Issuer) xy() (string, string) {
	b, err := i.Key.PublicKey.Bytes() // 0x04 || X || Y
	if err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b[1:33]), base64.RawURLEncoding.EncodeToString(b[33:65])
}

// JWKS is the issuer's public JWK Set, as served at iss/.well-known/jwks.json.
func (i *Issuer) JWKS() []byte {
	x, y := i.xy()
	b, _ := json.Marshal(map[string]any{"keys": []map[string]string{{
		"kty": "EC", "kid": i.Kid, "use": "sig", "alg": "ES256", "crv": "P-256", "x": x, "y": y,
	}}})
	return b
}

// Directory returns a directory holding this issuer's keys.
func (i *Issuer) Directory() *healthcard.Directory {
	d := &healthcard.Directory{}
	if err := d.Add(i.ISS, i.Name, i.JWKS()); err != nil {
		panic(err)
	}
	return d
}

// Directory is Default().Directory().
func Directory() *healthcard.Directory { return Default().Directory() }

// Sign issues a card holding bundle (a FHIR R4 Bundle as JSON) from iss,
// signed with the default test key. The card's types follow its content:
// immunization when it holds Immunizations, laboratory when it holds
// Observations.
func Sign(bundle []byte, iss string, nbf time.Time) string {
	return Default().Sign(bundle, iss, nbf)
}

// Sign issues a card signed with i's key, naming iss as its issuer (tests
// pass another iss to model impersonation).
func (i *Issuer) Sign(bundle []byte, iss string, nbf time.Time) string {
	types := []string{healthcard.CardType}
	if bytes.Contains(bundle, []byte(`"Immunization"`)) {
		types = append(types, "https://smarthealth.cards#immunization")
	}
	if bytes.Contains(bundle, []byte(`"Observation"`)) {
		types = append(types, "https://smarthealth.cards#laboratory")
	}
	types = append(types, "https://smarthealth.cards#covid19")
	p, err := json.Marshal(map[string]any{
		"iss": iss,
		"nbf": float64(nbf.UnixMilli()) / 1000,
		"vc": map[string]any{
			"type": types,
			"credentialSubject": map[string]any{
				"fhirVersion": "4.0.1",
				"fhirBundle":  json.RawMessage(bundle),
			},
		},
	})
	if err != nil {
		panic(fmt.Sprintf("healthcardtest: bundle is not JSON: %v", err))
	}
	return i.SignPayload(p)
}

// SignPayload signs arbitrary payload bytes (compressed with raw DEFLATE,
// zip:"DEF"): for tests of damaged or hostile payloads.
func (i *Issuer) SignPayload(payload []byte) string {
	var z bytes.Buffer
	w, _ := flate.NewWriter(&z, flate.BestCompression)
	w.Write(payload)
	w.Close()
	h, _ := json.Marshal(map[string]string{"zip": "DEF", "alg": "ES256", "kid": i.Kid})
	in := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(z.Bytes())
	sum := sha256.Sum256([]byte(in))
	r, s, err := ecdsa.Sign(rand.Reader, i.Key, sum[:])
	if err != nil {
		panic(err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return in + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// QRText is the shc:/ text a card's QR code holds.
func QRText(jws string) string { return healthcard.QRText(jws) }

// File is a .smart-health-card file holding the cards.
func File(jws ...string) []byte {
	b, _ := json.Marshal(map[string][]string{"verifiableCredential": jws})
	return b
}
