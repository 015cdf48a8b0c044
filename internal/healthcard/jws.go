package healthcard

import (
	"bytes"
	"compress/flate"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"math"
	"math/big"
	"slices"
	"strings"
	"time"
)

// CardType is the vc.type every health card carries.
const CardType = "https://smarthealth.cards#health-card"

type header struct {
	Alg string `json:"alg"`
	Kid string `json:"kid"`
	Zip string `json:"zip"`
}

type payload struct {
	Iss *string      `json:"iss"`
	Nbf *json.Number `json:"nbf"`
	Exp *json.Number `json:"exp"`
	VC  *struct {
		Type              []string `json:"type"`
		CredentialSubject *struct {
			FHIRVersion string          `json:"fhirVersion"`
			FHIRBundle  json.RawMessage `json:"fhirBundle"`
		} `json:"credentialSubject"`
	} `json:"vc"`
}

// decodeCard parses, verifies and unpacks one compact JWS.
//
// Verification comes first when it can: a kid is a thumbprint, unique to
// one key, so when the directory holds that key the signature is checked
// before the payload is even inflated — a flipped byte anywhere in header
// or payload is then reported as tampering, not as damage. Otherwise the
// card stays NotVerified, whoever it names: an issuer whose key we do not
// hold, or a known issuer whose kid we do not know (it rotated its keys
// after our snapshot: refusing its genuine cards as altered would be
// wrong, and a forger gains nothing, being NotVerified either way). An
// unverified card never borrows the directory's name for its issuer.
func decodeCard(jws string, keys *Directory) (Card, error) {
	if len(jws) > MaxJWS {
		return Card{}, ErrTooLarge
	}
	parts := strings.Split(jws, ".")
	if len(parts) != 3 {
		return Card{}, malformed("the card is not a signed token in three parts")
	}
	hb, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return Card{}, malformed("the card's header is not valid base64url")
	}
	var h header
	if err := json.Unmarshal(hb, &h); err != nil {
		return Card{}, malformed("the card's header is not valid JSON")
	}
	if h.Alg != "ES256" {
		return Card{}, malformed("the card is not signed with ES256")
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(sig) != 64 {
		sig = nil // a bad signature never verifies; judged below
	}
	signingInput := jws[:len(parts[0])+1+len(parts[1])]

	// 1. The key is known by its kid: verify now. The issuers whose key
	// checks are the only ones the card may name.
	cands := keys.keysByKid(h.Kid)
	var signers []string
	for _, c := range cands {
		if verifyES256(c.pub, signingInput, sig) {
			signers = append(signers, normISS(c.is.iss))
		}
	}
	if len(cands) > 0 && len(signers) == 0 {
		return Card{}, ErrTampered
	}
	verified := len(signers) > 0

	p, bundle, err := decodePayload(parts[1], h.Zip)
	if err != nil {
		return Card{}, err
	}
	iss := *p.Iss

	if verified {
		// A genuine signature over a payload naming another issuer is an
		// impersonation: only the issuers that publish this key may sign.
		if !slices.Contains(signers, normISS(iss)) {
			return Card{}, ErrTampered
		}
	} else {
		// 2. No key to check against. The signature must still have the
		// shape of one.
		if sig == nil {
			return Card{}, malformed("the card's signature is not a valid ES256 signature")
		}
	}

	c := Card{
		Issuer:      iss,
		IssuerName:  keys.issuerName(iss, verified),
		Status:      NotVerified,
		Types:       p.VC.Type,
		JWS:         jws,
		Bundle:      bundle,
		FHIRVersion: p.VC.CredentialSubject.FHIRVersion,
	}
	if verified {
		c.Status, c.KeyID = Verified, h.Kid
	}
	c.IssuedAt, err = numericDate(*p.Nbf)
	if err != nil {
		return Card{}, err
	}
	if p.Exp != nil {
		if c.ExpiresAt, err = numericDate(*p.Exp); err != nil {
			return Card{}, err
		}
	}
	return c, nil
}

// decodePayload base64url-decodes, inflates (bounded) and checks the
// payload's shape.
func decodePayload(b64 string, zip string) (payload, []byte, error) {
	var p payload
	raw, err := base64.RawURLEncoding.DecodeString(b64)
	if err != nil {
		return p, nil, malformed("the card's payload is not valid base64url")
	}
	switch zip {
	case "DEF":
		// Raw DEFLATE (RFC 1951), no zlib header. Read at most one byte
		// past the limit so a bomb stops there.
		r := flate.NewReader(bytes.NewReader(raw))
		raw, err = io.ReadAll(io.LimitReader(r, MaxPayload+1))
		if err != nil {
			return p, nil, malformed("the card's payload does not decompress")
		}
		if len(raw) > MaxPayload {
			return p, nil, ErrTooLarge
		}
	case "":
		// The spec always compresses; an uncompressed payload is still
		// readable and changes nothing about verification.
	default:
		return p, nil, malformed("the card's payload uses an unknown compression")
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		return p, nil, malformed("the card's payload is not valid JSON")
	}
	switch {
	case p.Iss == nil || *p.Iss == "":
		return p, nil, malformed("the card does not name its issuer")
	case p.Nbf == nil:
		return p, nil, malformed("the card has no issue date")
	case p.VC == nil || p.VC.CredentialSubject == nil:
		return p, nil, malformed("the card holds no credential")
	}
	isCard := false
	for _, t := range p.VC.Type {
		isCard = isCard || t == CardType
	}
	if !isCard {
		return p, nil, malformed("the credential is not a health card")
	}
	if v := p.VC.CredentialSubject.FHIRVersion; v != "" && !strings.HasPrefix(v, "4.") {
		return p, nil, malformed("the card's records are not FHIR R4")
	}
	bundle := bytes.TrimSpace(p.VC.CredentialSubject.FHIRBundle)
	var probe struct {
		ResourceType string            `json:"resourceType"`
		Entry        []json.RawMessage `json:"entry"`
	}
	if len(bundle) == 0 || bundle[0] != '{' || json.Unmarshal(bundle, &probe) != nil || probe.ResourceType != "Bundle" {
		return p, nil, malformed("the card's records are not a FHIR Bundle")
	}
	return p, bundle, nil
}

// verifyES256 checks a JWS ES256 signature: raw r||s, 32 bytes each, over
// SHA-256 of the signing input (RFC 7518 §3.4), not ASN.1 DER.
func verifyES256(pub *ecdsa.PublicKey, signingInput string, sig []byte) bool {
	if len(sig) != 64 {
		return false
	}
	h := sha256.Sum256([]byte(signingInput))
	r := new(big.Int).SetBytes(sig[:32])
	s := new(big.Int).SetBytes(sig[32:])
	return ecdsa.Verify(pub, h[:], r, s)
}

// numericDate reads a JWT NumericDate; issuers write fractional seconds
// (the spec's own example has nbf 1620847989.837).
func numericDate(n json.Number) (time.Time, error) {
	f, err := n.Float64()
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > 253402300799 {
		return time.Time{}, malformed("the card's dates are not valid")
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(math.Round(frac*1e3))*int64(time.Millisecond)).UTC(), nil
}
