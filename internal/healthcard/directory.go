package healthcard

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
)

// Directory holds the issuer keys available offline: iss → name and the
// ES256 public keys the issuer publishes at iss/.well-known/jwks.json. It is
// safe for concurrent use.
type Directory struct {
	mu      sync.RWMutex
	issuers map[string]*issuer // by normalised iss
	byKid   map[string][]published
}

// published is one key as one issuer publishes it.
type published struct {
	is  *issuer
	pub *ecdsa.PublicKey
}

type issuer struct {
	iss  string
	name string
	keys map[string]*ecdsa.PublicKey // by kid (= JWK thumbprint)
}

// ErrBadKeys: Add was given keys it cannot use.
var ErrBadKeys = errors.New("issuer keys are not a usable ES256 key set")

// normISS compares issuer URLs as the spec does (exact), except for a
// trailing slash, which some directory entries carry and cards do not.
func normISS(iss string) string { return strings.TrimRight(iss, "/") }

// Add records an issuer's name and its JWK Set (JSON {"keys":[…]}). Only EC
// P-256 keys are kept (health cards are ES256 only) and the point must be
// on the curve. A key is found by the kid its issuer publishes and by its
// RFC 7638 thumbprint: the spec makes them equal, but a real issuer
// (Québec) signs with a kid that is not its key's thumbprint, and cards
// name the key by the kid the issuer publishes. Keys are added to those
// already known for iss.
func (d *Directory) Add(iss, name string, jwks []byte) error {
	if iss == "" {
		return fmt.Errorf("%w: the issuer URL is empty", ErrBadKeys)
	}
	var set struct {
		Keys []jwk `json:"keys"`
	}
	if err := json.Unmarshal(jwks, &set); err != nil {
		return fmt.Errorf("%w: not a JWK Set", ErrBadKeys)
	}
	keys := map[string]*ecdsa.PublicKey{}
	for i, k := range set.Keys {
		if k.Kty != "EC" || k.Crv != "P-256" {
			continue
		}
		pub, kid, err := k.public()
		if err != nil {
			return fmt.Errorf("%w: key %d: %v", ErrBadKeys, i+1, err)
		}
		keys[kid] = pub
		if k.Kid != "" {
			keys[k.Kid] = pub
		}
	}
	if len(keys) == 0 {
		return fmt.Errorf("%w: no EC P-256 key", ErrBadKeys)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.issuers == nil {
		d.issuers = map[string]*issuer{}
		d.byKid = map[string][]published{}
	}
	n := normISS(iss)
	is := d.issuers[n]
	if is == nil {
		is = &issuer{iss: iss, keys: map[string]*ecdsa.PublicKey{}}
		d.issuers[n] = is
	}
	if name != "" {
		is.name = name
	}
	for kid, pub := range keys {
		if old, had := is.keys[kid]; had {
			if old.Equal(pub) {
				continue
			}
			// The issuer now publishes another key under this kid.
			ps := d.byKid[kid][:0]
			for _, p := range d.byKid[kid] {
				if p.is != is {
					ps = append(ps, p)
				}
			}
			d.byKid[kid] = ps
		}
		is.keys[kid] = pub
		d.byKid[kid] = append(d.byKid[kid], published{is, pub})
	}
	return nil
}

// Len is the number of issuers known.
func (d *Directory) Len() int {
	if d == nil {
		return 0
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	return len(d.issuers)
}

// Known says whether iss's keys are in the directory.
func (d *Directory) Known(iss string) bool {
	_, ok := d.lookup(iss)
	return ok
}

func (d *Directory) lookup(iss string) (*issuer, bool) {
	if d == nil {
		return nil, false
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	is, ok := d.issuers[normISS(iss)]
	return is, ok
}

// keysByKid returns the keys published under this kid (a thumbprint names
// one key; a free-form kid may be reused by several issuers).
func (d *Directory) keysByKid(kid string) []published {
	if d == nil || kid == "" {
		return nil
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	return append([]published(nil), d.byKid[kid]...)
}

type jwk struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y"`
}

// public parses an EC P-256 JWK and computes its RFC 7638 thumbprint.
func (k jwk) public() (*ecdsa.PublicKey, string, error) {
	x, err1 := base64.RawURLEncoding.DecodeString(k.X)
	y, err2 := base64.RawURLEncoding.DecodeString(k.Y)
	if err1 != nil || err2 != nil || len(x) != 32 || len(y) != 32 {
		return nil, "", errors.New("its coordinates are not 32-byte base64url values")
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
	if err != nil {
		return nil, "", errors.New("its point is not on the P-256 curve")
	}
	return pub, Thumbprint(k.X, k.Y), nil
}

// Thumbprint is the RFC 7638 JWK thumbprint of an EC P-256 key given its
// base64url x and y: what the spec requires as the key's kid.
func Thumbprint(x, y string) string {
	// Members in lexicographic order, no whitespace (RFC 7638 §3.2).
	canon := `{"crv":"P-256","kty":"EC","x":"` + x + `","y":"` + y + `"}`
	sum := sha256.Sum256([]byte(canon))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// issuerName is the name shown for a card: the directory's for a card its
// key verified, else the iss URL's host (never the card's own claims,
// which anyone can write, nor a name it did not prove it may use).
func (d *Directory) issuerName(iss string, verified bool) string {
	if is, ok := d.lookup(iss); ok && is.name != "" && verified {
		return is.name
	}
	if u, err := url.Parse(iss); err == nil && u.Host != "" {
		return u.Host
	}
	return iss
}

//go:embed directory.json
var bundledJSON []byte

// bundledFile is directory.json's shape.
type bundledFile struct {
	Source  string `json:"source"`
	Issuers []struct {
		ISS  string          `json:"iss"`
		Name string          `json:"name"`
		Keys json.RawMessage `json:"keys"`
	} `json:"issuers"`
}

var (
	bundledOnce sync.Once
	bundledErr  error
	bundled     bundledFile
)

// Bundled returns a new Directory holding the snapshot shipped with the app
// (directory.json; its source is named in the file and in README.md). Each
// call returns a fresh copy, so keys a caller Adds stay its own.
func Bundled() *Directory {
	bundledOnce.Do(func() { bundledErr = json.Unmarshal(bundledJSON, &bundled) })
	if bundledErr != nil {
		// The file is embedded at build time and checked by a test.
		panic("healthcard: directory.json: " + bundledErr.Error())
	}
	d := &Directory{}
	for _, is := range bundled.Issuers {
		jwks, _ := json.Marshal(map[string]json.RawMessage{"keys": is.Keys})
		if err := d.Add(is.ISS, is.Name, jwks); err != nil {
			panic("healthcard: directory.json: " + is.ISS + ": " + err.Error())
		}
	}
	return d
}
