// Package healthcard reads SMART Health Cards (spec.smarthealth.cards): the
// signed vaccination and lab-result records that state vaccine portals,
// pharmacies and health systems issue as a `.smart-health-card` file, as
// `shc:/` text, or as a QR code on paper or a phone screen.
//
// A card is a compact JWS (ES256, payload raw-DEFLATE-compressed) whose
// payload carries a FHIR R4 Bundle. Read decodes every card in a file, a
// pasted text or a photo of the QR code, verifies each signature against the
// issuer keys it is given (offline only: a bundled directory snapshot, or
// keys cached later), and returns the Bundles as issued. It is pure domain
// code: no storage, no network, no UI.
package healthcard

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Kind is what Sniff recognises.
type Kind int

const (
	None  Kind = iota // not a health card in any form this package reads
	File              // a .smart-health-card file: JSON {"verifiableCredential":[jws,…]}
	Text              // shc:/ text (one or more cards or chunks, one per line)
	Image             // a PNG or JPEG picture, possibly of a QR code
)

func (k Kind) String() string {
	switch k {
	case File:
		return "file"
	case Text:
		return "text"
	case Image:
		return "image"
	}
	return "none"
}

// Status says whether a card's signature was checked.
type Status string

const (
	// Verified: the signature checks against a key the issuer publishes, and
	// that key was available offline.
	Verified Status = "verified"
	// NotVerified: the issuer's keys are not available offline, so nothing
	// was checked. Such a card is stored and shown as not verified, never as
	// verified.
	NotVerified Status = "not_verified"
)

// Card is one decoded health card.
type Card struct {
	Issuer     string // the iss URL
	IssuerName string // from the directory when known, else the iss host
	Status     Status
	IssuedAt   time.Time // nbf
	ExpiresAt  time.Time // exp; zero when the card does not expire
	Types      []string  // vc.type, e.g. https://smarthealth.cards#immunization
	// JWS is the card as issued (header.payload.signature), so the importer
	// can keep the original byte-for-byte.
	JWS string
	// Bundle is vc.credentialSubject.fhirBundle exactly as in the payload:
	// a FHIR R4 Bundle whose entries have resource:N fullUrls.
	Bundle []byte
	// FHIRVersion is vc.credentialSubject.fhirVersion (e.g. 4.0.1).
	FHIRVersion string
	// KeyID is the kid of the key that verified the card (Verified only).
	KeyID string
}

// Errors a caller tells apart with errors.Is. Their text says what is wrong
// in plain words and never quotes the card (names, birth dates, the JWS).
var (
	// ErrNotCard: the data is none of the forms a health card comes in.
	ErrNotCard = errors.New("this is not a SMART Health Card")
	// ErrTampered: the issuer's keys are known and the card's signature does
	// not check against them (or names a key the issuer does not publish).
	ErrTampered = errors.New("this health card has been altered or was not signed by the issuer it names")
	// ErrMalformed: it looks like a health card but is damaged; wrapped with
	// a plain reason.
	ErrMalformed = errors.New("this health card is damaged")
	// ErrTooLarge: the card, its inflated payload or the picture is larger
	// than Fasten reads (deflate and image bombs).
	ErrTooLarge = errors.New("this health card is larger than Fasten reads")
	// ErrNoQRCode: a picture in which no QR code could be read.
	ErrNoQRCode = errors.New("no readable QR code was found in this picture; take a closer, sharper photo of the code")
)

// Limits. A real card's payload inflates to a few kilobytes (a QR code holds
// at most about 1.2 KB of compressed JWS per chunk); files from issuers hold
// a handful of cards.
const (
	// MaxInput bounds what Read accepts at all (a phone photo is a few MB).
	MaxInput = 32 << 20
	// MaxPayload bounds one inflated payload: a 1 KB DEFLATE stream can
	// inflate to a megabyte and more, so reading stops there.
	MaxPayload = 1 << 20
	// MaxJWS bounds one card's compact serialisation.
	MaxJWS = 1 << 20
	// MaxCards bounds the cards in one file or text.
	MaxCards = 100
	// MaxPixels bounds a picture's decoded size, read from its header
	// before any pixel is decoded (a 48 MP phone photo fits).
	MaxPixels = 50_000_000
)

func malformed(reason string) error { return fmt.Errorf("%w: %s", ErrMalformed, reason) }

// Sniff says which form of health card data (the start of a file is enough)
// is, or None.
func Sniff(head []byte) Kind {
	switch {
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return Image
	case bytes.HasPrefix(head, []byte{0xff, 0xd8, 0xff}):
		return Image
	}
	t := bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")), " \t\r\n")
	if len(t) >= 5 && strings.EqualFold(string(t[:5]), "shc:/") {
		return Text
	}
	// A .smart-health-card file is a JSON object whose (first, in every
	// issuer's files) member is verifiableCredential. Other JSON — a FHIR
	// Bundle — is not claimed.
	if len(t) > 0 && t[0] == '{' {
		rest := bytes.TrimLeft(t[1:], " \t\r\n")
		if bytes.HasPrefix(rest, []byte(`"verifiableCredential"`)) {
			return File
		}
	}
	return None
}

// Read decodes every card in data: a .smart-health-card file, shc:/ text or
// a PNG/JPEG picture of QR codes. keys holds the issuer keys available
// offline (nil: none, so every card is NotVerified). It is all-or-nothing:
// one damaged or tampered card fails the whole read.
func Read(ctx context.Context, data []byte, keys *Directory) ([]Card, error) {
	if len(data) > MaxInput {
		return nil, ErrTooLarge
	}
	if keys == nil {
		keys = &Directory{}
	}
	var jwss []string
	var err error
	switch Sniff(data) {
	case File:
		jwss, err = fileJWS(data)
	case Text:
		jwss, err = textJWS(string(data))
	case Image:
		var texts []string
		texts, err = qrTexts(ctx, data)
		if err == nil {
			jwss, err = textJWS(strings.Join(texts, "\n"))
		}
	default:
		return nil, ErrNotCard
	}
	if err != nil {
		return nil, err
	}
	if len(jwss) == 0 {
		return nil, malformed("it holds no card")
	}
	if len(jwss) > MaxCards {
		return nil, ErrTooLarge
	}
	cards := make([]Card, 0, len(jwss))
	for i, j := range jwss {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		c, err := decodeCard(j, keys)
		if err != nil {
			if len(jwss) > 1 {
				return nil, fmt.Errorf("card %d of %d: %w", i+1, len(jwss), err)
			}
			return nil, err
		}
		cards = append(cards, c)
	}
	return cards, nil
}

// fileJWS reads a .smart-health-card file.
func fileJWS(data []byte) ([]string, error) {
	var f struct {
		VerifiableCredential []string `json:"verifiableCredential"`
	}
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, malformed("the file is not valid health card JSON")
	}
	return f.VerifiableCredential, nil
}
