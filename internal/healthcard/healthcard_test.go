package healthcard_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"hash/crc32"
	"image"
	"image/draw"
	"image/jpeg"
	"image/png"
	"io"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/fastenhealth/fasten-desktop/internal/fhir"
	"github.com/fastenhealth/fasten-desktop/internal/healthcard"
	hct "github.com/fastenhealth/fasten-desktop/internal/healthcard/healthcardtest"
)

var nbf = time.Date(2021, 6, 1, 12, 30, 15, 250e6, time.UTC)

func read(t *testing.T, data []byte, d *healthcard.Directory) ([]healthcard.Card, error) {
	t.Helper()
	return healthcard.Read(context.Background(), data, d)
}

func mustRead(t *testing.T, data []byte, d *healthcard.Directory) []healthcard.Card {
	t.Helper()
	cards, err := read(t, data, d)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	return cards
}

// checkCard asserts a card decoded from jws carries its bundle as issued.
func checkCard(t *testing.T, c healthcard.Card, jws string, bundle []byte, st healthcard.Status) {
	t.Helper()
	if c.JWS != jws {
		t.Errorf("JWS not kept as issued")
	}
	if !bytes.Equal(c.Bundle, bundle) {
		t.Errorf("Bundle differs from the one signed:\n got %s\nwant %s", c.Bundle, bundle)
	}
	if c.Status != st {
		t.Errorf("Status = %q, want %q", c.Status, st)
	}
	if c.Issuer != hct.TestISS {
		t.Errorf("Issuer = %q", c.Issuer)
	}
	if !c.IssuedAt.Equal(nbf) {
		t.Errorf("IssuedAt = %v, want %v", c.IssuedAt, nbf)
	}
	if c.FHIRVersion != "4.0.1" {
		t.Errorf("FHIRVersion = %q", c.FHIRVersion)
	}
}

func TestFileRoundTrip(t *testing.T) {
	imm := hct.Sign(hct.ImmunizationBundle(), hct.TestISS, nbf)
	lab := hct.Sign(hct.LabBundle(), hct.TestISS, nbf)
	cards := mustRead(t, hct.File(imm, lab), hct.Directory())
	if len(cards) != 2 {
		t.Fatalf("got %d cards, want 2", len(cards))
	}
	checkCard(t, cards[0], imm, hct.ImmunizationBundle(), healthcard.Verified)
	checkCard(t, cards[1], lab, hct.LabBundle(), healthcard.Verified)
	if cards[0].IssuerName != hct.Default().Name || cards[0].KeyID != hct.Default().Kid {
		t.Errorf("IssuerName/KeyID = %q/%q", cards[0].IssuerName, cards[0].KeyID)
	}
	wantTypes := []string{healthcard.CardType, "https://smarthealth.cards#immunization", "https://smarthealth.cards#covid19"}
	if strings.Join(cards[0].Types, " ") != strings.Join(wantTypes, " ") {
		t.Errorf("Types = %v", cards[0].Types)
	}
	if !contains(cards[1].Types, "https://smarthealth.cards#laboratory") {
		t.Errorf("lab card Types = %v", cards[1].Types)
	}
}

func TestTextRoundTrip(t *testing.T) {
	imm := hct.Sign(hct.ImmunizationBundle(), hct.TestISS, nbf)
	lab := hct.Sign(hct.LabBundle(), hct.TestISS, nbf)
	// Pasted text: a BOM, blank lines, CRLF, indentation.
	text := "\ufeff\r\n  " + hct.QRText(imm) + "\r\n\r\n\t" + hct.QRText(lab) + "  \n"
	cards := mustRead(t, []byte(text), hct.Directory())
	if len(cards) != 2 {
		t.Fatalf("got %d cards, want 2", len(cards))
	}
	checkCard(t, cards[0], imm, hct.ImmunizationBundle(), healthcard.Verified)
	checkCard(t, cards[1], lab, hct.LabBundle(), healthcard.Verified)
}

func TestChunkedText(t *testing.T) {
	imm := hct.Sign(hct.ImmunizationBundle(), hct.TestISS, nbf)
	lab := hct.Sign(hct.LabBundle(), hct.TestISS, nbf)
	chunks := healthcard.QRChunks(imm, 3)
	// Scanned out of order, followed by a whole card.
	text := strings.Join([]string{chunks[2], chunks[0], chunks[1], hct.QRText(lab)}, "\n")
	cards := mustRead(t, []byte(text), hct.Directory())
	if len(cards) != 2 {
		t.Fatalf("got %d cards, want 2", len(cards))
	}
	checkCard(t, cards[0], imm, hct.ImmunizationBundle(), healthcard.Verified)

	// One part missing: refused, and the message says so plainly.
	_, err := read(t, []byte(chunks[0]+"\n"+chunks[2]), hct.Directory())
	if !errors.Is(err, healthcard.ErrMalformed) || !strings.Contains(err.Error(), "2 of its 3 parts") {
		t.Fatalf("missing part: err = %v", err)
	}
	// A set interrupted by a whole card is incomplete too.
	_, err = read(t, []byte(chunks[0]+"\n"+hct.QRText(lab)+"\n"+chunks[1]+"\n"+chunks[2]), hct.Directory())
	if !errors.Is(err, healthcard.ErrMalformed) {
		t.Fatalf("interrupted set: err = %v", err)
	}
}

// The spec's own example card (example-00, as a QR scanner reads it; text
// taken from the npm package shc-protocol 0.0.8's tests), signed by the
// spec's example issuer: checks this package against another
// implementation's signing, compression and numeric encoding.
func TestSpecExampleCard(t *testing.T) {
	data, err := os.ReadFile("testdata/spec-example-00.shc.txt")
	if err != nil {
		t.Fatal(err)
	}
	const iss = "https://smarthealth.cards/examples/issuer"
	// The spec's example issuer key: its private half is published, so it
	// lives only in this test, never in the bundled directory.
	d := &healthcard.Directory{}
	if err := d.Add(iss, "SMART Health Cards example issuer", []byte(`{"keys":[{"kty":"EC","kid":"3Kfdg-XwP-7gXyywtUfUADwBumDOPKMQx-iELL11W9s","use":"sig","alg":"ES256","crv":"P-256","x":"11XvRWy1I2S0EyJlyf_bWfw_TQ5CJJNLw78bHXNxcgw","y":"eZXwxvO1hvCY0KucrPfKo7yAyMT6Ajc3N7OkAB6VYy8"}]}`)); err != nil {
		t.Fatal(err)
	}
	cards := mustRead(t, data, d)
	if len(cards) != 1 {
		t.Fatalf("got %d cards", len(cards))
	}
	c := cards[0]
	if c.Status != healthcard.Verified || c.Issuer != iss || c.KeyID != "3Kfdg-XwP-7gXyywtUfUADwBumDOPKMQx-iELL11W9s" {
		t.Fatalf("card = %+v", c)
	}
	if want := time.Date(2021, 5, 12, 19, 33, 9, 837e6, time.UTC); !c.IssuedAt.Equal(want) {
		t.Errorf("IssuedAt = %v, want %v", c.IssuedAt, want)
	}
	if counts := resourceCounts(t, c.Bundle); counts["Patient"] != 1 || counts["Immunization"] != 2 {
		t.Errorf("resources = %v", counts)
	}
	if !contains(c.Types, "https://smarthealth.cards#immunization") {
		t.Errorf("Types = %v", c.Types)
	}

	// Without the example issuer's keys (the shipped directory does not
	// hold them) the same card is NotVerified, named by its host.
	for _, dir := range []*healthcard.Directory{nil, healthcard.Bundled()} {
		cards = mustRead(t, data, dir)
		if cards[0].Status != healthcard.NotVerified || cards[0].IssuerName != "smarthealth.cards" || cards[0].KeyID != "" {
			t.Errorf("without keys: Status=%q IssuerName=%q", cards[0].Status, cards[0].IssuerName)
		}
	}
}

func TestNotVerifiedWithoutKeys(t *testing.T) {
	other := hct.NewIssuer("https://vaccines.example.org/shc", "")
	jws := other.Sign(hct.ImmunizationBundle(), other.ISS, nbf)
	for _, dir := range []*healthcard.Directory{nil, hct.Directory(), healthcard.Bundled()} {
		cards := mustRead(t, hct.File(jws), dir)
		if cards[0].Status != healthcard.NotVerified {
			t.Errorf("Status = %q, want not verified", cards[0].Status)
		}
		if cards[0].IssuerName != "vaccines.example.org" {
			t.Errorf("IssuerName = %q", cards[0].IssuerName)
		}
	}
	// Once the issuer's keys are cached, the same card is verified.
	d := healthcard.Bundled()
	if err := d.Add(other.ISS, "Example Vaccines", other.JWKS()); err != nil {
		t.Fatal(err)
	}
	cards := mustRead(t, hct.File(jws), d)
	if cards[0].Status != healthcard.Verified || cards[0].IssuerName != "Example Vaccines" {
		t.Errorf("after Add: %q %q", cards[0].Status, cards[0].IssuerName)
	}
}

func TestTampered(t *testing.T) {
	jws := hct.Sign(hct.ImmunizationBundle(), hct.TestISS, nbf)
	parts := strings.Split(jws, ".")
	flip := func(seg, i int) string {
		p := append([]string(nil), parts...)
		b := []byte(p[seg])
		// Swap for another base64url character so the text still decodes.
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		p[seg] = string(b)
		return strings.Join(p, ".")
	}
	cases := map[string]string{
		"payload start":  flip(1, 0),
		"payload middle": flip(1, len(parts[1])/2),
		"payload end":    flip(1, len(parts[1])-2),
		"signature":      flip(2, 5),
		"no signature":   parts[0] + "." + parts[1] + ".",
	}
	// Someone else's genuine card, re-signed over by a stranger with the
	// test issuer's kid in the header: known issuer, wrong key.
	stranger := hct.NewIssuer(hct.TestISS, "")
	stranger.Kid = hct.Default().Kid
	cases["wrong key, known kid"] = stranger.Sign(hct.ImmunizationBundle(), hct.TestISS, nbf)
	// The test issuer's genuine key signing a card that names another
	// issuer: impersonation.
	cases["other iss, genuine key"] = hct.Sign(hct.ImmunizationBundle(), "https://smarthealthcard.phsa.ca/v1/issuer", nbf)

	for name, bad := range cases {
		t.Run(name, func(t *testing.T) {
			for _, data := range [][]byte{hct.File(bad), []byte(hct.QRText(bad))} {
				_, err := read(t, data, hct.Directory())
				if !errors.Is(err, healthcard.ErrTampered) {
					t.Fatalf("err = %v, want ErrTampered", err)
				}
				assertNoContent(t, err, bad)
			}
		})
	}

	// A key the directory does not hold, for an issuer it knows: the
	// issuer may have rotated its keys, so the card is not refused, but it
	// is not verified and does not get the issuer's name either.
	for _, c := range []struct {
		iss string
		dir *healthcard.Directory
	}{{hct.TestISS, hct.Directory()}, {"https://covid19.quebec.ca/PreuveVaccinaleApi/issuer", healthcard.Bundled()}} {
		other := hct.NewIssuer(c.iss, "")
		got, err := read(t, hct.File(other.Sign(hct.ImmunizationBundle(), c.iss, nbf)), c.dir)
		if err != nil || len(got) != 1 || got[0].Status != healthcard.NotVerified || strings.Contains(got[0].IssuerName, " ") {
			t.Fatalf("unknown kid for %s: %+v %v", c.iss, got, err)
		}
	}

	// One bad card fails the whole file (all-or-nothing).
	good := hct.Sign(hct.LabBundle(), hct.TestISS, nbf)
	cards, err := read(t, hct.File(good, cases["signature"]), hct.Directory())
	if !errors.Is(err, healthcard.ErrTampered) || cards != nil || !strings.Contains(err.Error(), "card 2 of 2") {
		t.Fatalf("mixed file: cards=%d err=%v", len(cards), err)
	}
}

func TestDeflateBomb(t *testing.T) {
	// 64 MB of one repeated payload compresses to ~64 KB.
	bomb := append([]byte(`{"iss":"`+hct.TestISS+`","nbf":1,"vc":{"type":["`+healthcard.CardType+`"],"x":"`), bytes.Repeat([]byte("A"), 64<<20)...)
	bomb = append(bomb, `"}}`...)
	jws := hct.Default().SignPayload(bomb)
	if len(jws) > 200_000 {
		t.Fatalf("bomb is %d bytes; want it small", len(jws))
	}
	for _, dir := range []*healthcard.Directory{hct.Directory(), nil} {
		start := time.Now()
		_, err := read(t, hct.File(jws), dir)
		if !errors.Is(err, healthcard.ErrTooLarge) {
			t.Fatalf("err = %v, want ErrTooLarge", err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("refusing the bomb took %v", d)
		}
	}
}

// pngHeader is a valid PNG signature and IHDR chunk claiming w×h pixels,
// followed by nothing: what an image bomb's first bytes look like.
func pngHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 0 // 8-bit greyscale
	binary.Write(&b, binary.BigEndian, uint32(len(ihdr)))
	chunk := append([]byte("IHDR"), ihdr...)
	b.Write(chunk)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	return b.Bytes()
}

// jpegHeader is a JPEG start, JFIF segment and baseline frame header
// claiming w×h, followed by nothing.
func jpegHeader(w, h uint16) []byte {
	b := []byte{0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0}
	b = append(b, 0xff, 0xc0, 0x00, 0x11, 8, byte(h>>8), byte(h), byte(w>>8), byte(w), 3)
	for id := byte(1); id <= 3; id++ {
		b = append(b, id, 0x11, 0)
	}
	return b
}

func TestImageBomb(t *testing.T) {
	for _, data := range [][]byte{pngHeader(100_000, 100_000), pngHeader(50_000, 1_001), jpegHeader(65_000, 65_000)} {
		if healthcard.Sniff(data) != healthcard.Image {
			t.Fatal("header not sniffed as an image")
		}
		start := time.Now()
		_, err := read(t, data, nil)
		if !errors.Is(err, healthcard.ErrTooLarge) {
			t.Fatalf("%x: err = %v, want ErrTooLarge", data[:4], err)
		}
		if d := time.Since(start); d > 100*time.Millisecond {
			t.Errorf("refusing took %v", d)
		}
	}
}

func TestQRPictures(t *testing.T) {
	imm := hct.Sign(hct.ImmunizationBundle(), hct.TestISS, nbf)
	cases := map[string][]byte{
		"bare QR PNG":                          hct.QRPNG(imm, 600),
		"screenshot PNG 1000x1000":             hct.ScreenshotPNG(imm, 1000, 1000),
		"screenshot PNG 1170x2532":             hct.ScreenshotPNG(imm, 1170, 2532), // an iPhone screen
		"photo-like JPEG q75":                  hct.ScreenshotJPEG(imm, 1500, 2000, 75),
		"large photo JPEG 3000x4000":           hct.ScreenshotJPEG(imm, 3000, 4000, 85),
		"photo turned 8°, uneven light, noise": hct.PhotoJPEG(imm, 1200, 1600, 8, 1),
		"photo turned -25°":                    hct.PhotoJPEG(imm, 1200, 1600, -25, 2),
		"photo upside down":                    hct.PhotoJPEG(imm, 1200, 1600, 180, 3),
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			cards := mustRead(t, data, hct.Directory())
			t.Logf("%s: %d bytes, decoded in %v", name, len(data), time.Since(start).Round(time.Millisecond))
			if len(cards) != 1 {
				t.Fatalf("got %d cards", len(cards))
			}
			checkCard(t, cards[0], imm, hct.ImmunizationBundle(), healthcard.Verified)
		})
	}

	t.Run("small code in a 12 MP photo", func(t *testing.T) {
		// The downscaled first attempt loses the modules; the full-size
		// one must still find the code.
		canvas := image.NewGray(image.Rect(0, 0, 4000, 3000))
		for i := range canvas.Pix {
			canvas.Pix[i] = 230
		}
		q := hct.QRImage(hct.QRText(imm), 560)
		draw.Draw(canvas, q.Rect.Add(image.Pt(2900, 300)), q, image.Point{}, draw.Src)
		var b bytes.Buffer
		jpeg.Encode(&b, canvas, &jpeg.Options{Quality: 85})
		start := time.Now()
		cards := mustRead(t, b.Bytes(), hct.Directory())
		t.Logf("small code in 4000x3000 JPEG: decoded in %v", time.Since(start).Round(time.Millisecond))
		checkCard(t, cards[0], imm, hct.ImmunizationBundle(), healthcard.Verified)
	})

	t.Run("chunked codes in one picture", func(t *testing.T) {
		chunks := healthcard.QRChunks(imm, 2)
		var b bytes.Buffer
		png.Encode(&b, hct.Screenshot(1600, 1000, chunks...))
		cards := mustRead(t, b.Bytes(), hct.Directory())
		checkCard(t, cards[0], imm, hct.ImmunizationBundle(), healthcard.Verified)
		// Only one of the two parts photographed.
		b.Reset()
		png.Encode(&b, hct.Screenshot(1600, 1000, chunks[0]))
		_, err := read(t, b.Bytes(), hct.Directory())
		if !errors.Is(err, healthcard.ErrMalformed) {
			t.Fatalf("one part: err = %v", err)
		}
	})

	t.Run("tampered card in a picture", func(t *testing.T) {
		p := strings.Split(imm, ".")
		bad := p[0] + "." + p[1] + "." + strings.Repeat("A", len(p[2]))
		_, err := read(t, hct.QRPNG(bad, 600), hct.Directory())
		if !errors.Is(err, healthcard.ErrTampered) {
			t.Fatalf("err = %v", err)
		}
	})
}

// TestQRDecodeTime measures decoding the QR code in a 1000×1000 screenshot
// (the figure reported for the import).
func TestQRDecodeTime(t *testing.T) {
	imm := hct.Sign(hct.ImmunizationBundle(), hct.TestISS, nbf)
	data := hct.ScreenshotPNG(imm, 1000, 1000)
	const n = 5
	start := time.Now()
	for i := 0; i < n; i++ {
		mustRead(t, data, hct.Directory())
	}
	per := time.Since(start) / n
	t.Logf("1000x1000 PNG screenshot (%d bytes): %v per Read", len(data), per.Round(time.Millisecond))
	if per > 3*time.Second {
		t.Errorf("decoding took %v per picture", per)
	}
}

func TestPicturesWithoutCard(t *testing.T) {
	blank := image.NewGray(image.Rect(0, 0, 800, 600))
	for i := range blank.Pix {
		blank.Pix[i] = uint8(200 + rand.IntN(40)) // a plain, slightly noisy photo
	}
	var b bytes.Buffer
	png.Encode(&b, blank)
	_, err := read(t, b.Bytes(), nil)
	if !errors.Is(err, healthcard.ErrNoQRCode) || !strings.Contains(err.Error(), "closer, sharper photo") {
		t.Fatalf("blank: err = %v", err)
	}

	b.Reset()
	png.Encode(&b, hct.Screenshot(900, 900, "https://example.org/vaccines"))
	_, err = read(t, b.Bytes(), nil)
	if !errors.Is(err, healthcard.ErrNotCard) {
		t.Fatalf("other QR: err = %v", err)
	}

	// A damaged picture (truncated PNG).
	full := hct.QRPNG(hct.Sign(hct.ImmunizationBundle(), hct.TestISS, nbf), 300)
	_, err = read(t, full[:len(full)/2], nil)
	if !errors.Is(err, healthcard.ErrMalformed) {
		t.Fatalf("truncated: err = %v", err)
	}
}

func TestGarbage(t *testing.T) {
	good := hct.Sign(hct.ImmunizationBundle(), hct.TestISS, nbf)
	p := strings.Split(good, ".")
	enc := base64.RawURLEncoding.EncodeToString
	other := hct.NewIssuer("https://elsewhere.example.org", "")
	notCard := []string{"", "hello", `{"resourceType":"Bundle"}`, "<xml/>", "shc"}
	for _, s := range notCard {
		if _, err := read(t, []byte(s), nil); !errors.Is(err, healthcard.ErrNotCard) {
			t.Errorf("%q: err = %v, want ErrNotCard", s, err)
		}
	}
	malformed := map[string][]byte{
		"odd digits":          []byte("shc:/123"),
		"letters":             []byte("shc:/56ab"),
		"pair out of range":   []byte("shc:/9999"),
		"bad chunk number":    []byte("shc:/4/3/5676"),
		"second line not shc": []byte(hct.QRText(good) + "\nhello"),
		"file not JSON":       []byte(`{"verifiableCredential": [`),
		"file wrong type":     []byte(`{"verifiableCredential": [1]}`),
		"file empty":          []byte(`{"verifiableCredential": []}`),
		"two parts":           hct.File(p[0] + "." + p[1]),
		"header not b64":      hct.File("!!." + p[1] + "." + p[2]),
		"header not JSON":     hct.File(enc([]byte("nope")) + "." + p[1] + "." + p[2]),
		"alg none":            hct.File(enc([]byte(`{"alg":"none","zip":"DEF"}`)) + "." + p[1] + "." + p[2]),
		"unknown zip":         hct.File(enc([]byte(`{"alg":"ES256","zip":"GZ"}`)) + "." + p[1] + "." + p[2]),
		"not deflate":         hct.File(other.SignPayload(nil)[:0] + enc([]byte(`{"alg":"ES256","zip":"DEF"}`)) + "." + enc([]byte("plain text, not deflate")) + "." + p[2]),
		"payload not JSON":    hct.File(other.SignPayload([]byte("not json"))),
		"no iss":              hct.File(other.SignPayload([]byte(`{"nbf":1,"vc":{"type":["` + healthcard.CardType + `"],"credentialSubject":{"fhirBundle":{"resourceType":"Bundle"}}}}`))),
		"no nbf":              hct.File(other.SignPayload([]byte(`{"iss":"https://a.example.org","vc":{"type":["` + healthcard.CardType + `"],"credentialSubject":{"fhirBundle":{"resourceType":"Bundle"}}}}`))),
		"not a health card":   hct.File(other.SignPayload([]byte(`{"iss":"https://a.example.org","nbf":1,"vc":{"type":["VerifiableCredential"],"credentialSubject":{"fhirBundle":{"resourceType":"Bundle"}}}}`))),
		"bundle not Bundle":   hct.File(other.SignPayload([]byte(`{"iss":"https://a.example.org","nbf":1,"vc":{"type":["` + healthcard.CardType + `"],"credentialSubject":{"fhirBundle":{"resourceType":"Patient"}}}}`))),
		"DSTU2 bundle":        hct.File(other.SignPayload([]byte(`{"iss":"https://a.example.org","nbf":1,"vc":{"type":["` + healthcard.CardType + `"],"credentialSubject":{"fhirVersion":"1.0.2","fhirBundle":{"resourceType":"Bundle"}}}}`))),
		"bad nbf":             hct.File(other.SignPayload([]byte(`{"iss":"https://a.example.org","nbf":-5,"vc":{"type":["` + healthcard.CardType + `"],"credentialSubject":{"fhirBundle":{"resourceType":"Bundle"}}}}`))),
		"short signature":     hct.File(other.Sign(hct.ImmunizationBundle(), other.ISS, nbf)[:len(good)-10]),
	}
	for name, data := range malformed {
		t.Run(name, func(t *testing.T) {
			_, err := read(t, data, hct.Directory())
			if !errors.Is(err, healthcard.ErrMalformed) {
				t.Fatalf("err = %v, want ErrMalformed", err)
			}
			assertNoContent(t, err, good)
		})
	}
}

func TestNoContentInErrors(t *testing.T) {
	// A card for a person whose name would be visible if any error quoted
	// the payload, the bundle or the JWS.
	jws := hct.Sign(hct.ImmunizationBundle(), hct.TestISS, nbf)
	p := strings.Split(jws, ".")
	var errs []error
	for _, data := range [][]byte{
		hct.File(p[0] + "." + p[1] + ".AAAA"), // damaged signature, known key
		[]byte(healthcard.QRChunks(jws, 2)[0]),
		hct.File(jws[:len(jws)/2]),
		[]byte(`{"verifiableCredential": ["Anyperson John"]}`),
		[]byte("shc:/Anyperson"),
	} {
		_, err := read(t, data, hct.Directory())
		if err == nil {
			t.Fatal("expected an error")
		}
		errs = append(errs, err)
	}
	for _, err := range errs {
		assertNoContent(t, err, jws)
	}
}

func TestContextCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	imm := hct.Sign(hct.ImmunizationBundle(), hct.TestISS, nbf)
	for _, data := range [][]byte{hct.File(imm), hct.QRPNG(imm, 400)} {
		if _, err := healthcard.Read(ctx, data, nil); !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	}
}

func TestSniff(t *testing.T) {
	jws := hct.Sign(hct.ImmunizationBundle(), hct.TestISS, nbf)
	cases := []struct {
		head string
		want healthcard.Kind
	}{
		{string(hct.File(jws)), healthcard.File},
		{"\ufeff{\n  \"verifiableCredential\": [", healthcard.File},
		{hct.QRText(jws), healthcard.Text},
		{"\n\n  SHC:/5676", healthcard.Text},
		{string(hct.QRPNG(jws, 200))[:64], healthcard.Image},
		{"\xff\xd8\xff\xe0\x00\x10JFIF", healthcard.Image},
		{`{"resourceType":"Bundle","entry":[]}`, healthcard.None},
		{`{"resourceType":"Bundle","verifiableCredential":[]}`, healthcard.None},
		{"<ClinicalDocument/>", healthcard.None},
		{"PK\x03\x04", healthcard.None},
		{"", healthcard.None},
	}
	for _, c := range cases {
		if got := healthcard.Sniff([]byte(c.head)); got != c.want {
			t.Errorf("Sniff(%.30q) = %v, want %v", c.head, got, c.want)
		}
	}
}

func TestBundledDirectory(t *testing.T) {
	d := healthcard.Bundled()
	if d.Len() != 2 {
		t.Fatalf("bundled issuers = %d", d.Len())
	}
	for _, iss := range []string{"https://covid19.quebec.ca/PreuveVaccinaleApi/issuer", "https://smarthealthcard.phsa.ca/v1/issuer"} {
		if !d.Known(iss) {
			t.Errorf("%s not in the bundled directory", iss)
		}
	}
	// Never a test key: neither this package's test issuer nor the spec's
	// example issuer (whose private key is public).
	for _, iss := range []string{hct.TestISS, "https://smarthealth.cards/examples/issuer", "https://spec.smarthealth.cards/examples/issuer"} {
		if d.Known(iss) {
			t.Errorf("bundled directory trusts %s", iss)
		}
	}
	// Adding to one copy leaves the next copy as shipped.
	if err := d.Add(hct.TestISS, "x", hct.Default().JWKS()); err != nil {
		t.Fatal(err)
	}
	if healthcard.Bundled().Known(hct.TestISS) {
		t.Error("Add leaked into the shipped snapshot")
	}
}

func TestDirectoryAdd(t *testing.T) {
	d := &healthcard.Directory{}
	var set map[string][]map[string]string
	json.Unmarshal(hct.Default().JWKS(), &set)
	key := set["keys"][0]
	mk := func(mut func(k map[string]string)) []byte {
		k := map[string]string{}
		for a, b := range key {
			k[a] = b
		}
		mut(k)
		b, _ := json.Marshal(map[string]any{"keys": []any{k}})
		return b
	}
	bad := map[string][]byte{
		"not JSON":  []byte("{"),
		"no keys":   []byte(`{"keys":[]}`),
		"RSA only":  []byte(`{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB"}]}`),
		"off curve": mk(func(k map[string]string) { k["y"] = k["x"] }),
		"short x":   mk(func(k map[string]string) { k["x"] = "AAAA" }),
	}
	for name, jwks := range bad {
		if err := d.Add(hct.TestISS, "", jwks); !errors.Is(err, healthcard.ErrBadKeys) {
			t.Errorf("%s: err = %v, want ErrBadKeys", name, err)
		}
	}
	if d.Len() != 0 {
		t.Errorf("a refused key set was recorded")
	}
	// A key without a kid gets its thumbprint; a trailing slash on iss
	// matches cards without one.
	if err := d.Add(hct.TestISS+"/", "Test", mk(func(k map[string]string) { delete(k, "kid") })); err != nil {
		t.Fatal(err)
	}
	cards := mustRead(t, hct.File(hct.Sign(hct.ImmunizationBundle(), hct.TestISS, nbf)), d)
	if cards[0].Status != healthcard.Verified {
		t.Errorf("Status = %q", cards[0].Status)
	}
}

// Issuers may publish a kid that is not the key's thumbprint (Québec's
// does), and two issuers may reuse the same free-form kid: each card is
// verified against the key its own issuer publishes under that kid.
func TestFreeFormKid(t *testing.T) {
	d := &healthcard.Directory{}
	a := hct.NewIssuer("https://a.example.org/shc", "A")
	b := hct.NewIssuer("https://b.example.org/shc", "B")
	for _, is := range []*hct.Issuer{a, b} {
		var set map[string][]map[string]string
		json.Unmarshal(is.JWKS(), &set)
		set["keys"][0]["kid"] = "key-1"
		jwks, _ := json.Marshal(set)
		if err := d.Add(is.ISS, is.Name, jwks); err != nil {
			t.Fatal(err)
		}
		is.Kid = "key-1"
	}
	for _, is := range []*hct.Issuer{a, b} {
		cards := mustRead(t, hct.File(is.Sign(hct.ImmunizationBundle(), is.ISS, nbf)), d)
		if cards[0].Status != healthcard.Verified || cards[0].IssuerName != is.Name || cards[0].KeyID != "key-1" {
			t.Errorf("%s: %q %q %q", is.Name, cards[0].Status, cards[0].IssuerName, cards[0].KeyID)
		}
	}
	// A's genuine key, card naming B: refused.
	if _, err := read(t, hct.File(a.Sign(hct.ImmunizationBundle(), b.ISS, nbf)), d); !errors.Is(err, healthcard.ErrTampered) {
		t.Errorf("cross-issuer: err = %v", err)
	}
	// The thumbprint finds the key too.
	a.Kid = healthcard.Thumbprint(xy(t, a))
	if cards := mustRead(t, hct.File(a.Sign(hct.ImmunizationBundle(), a.ISS, nbf)), d); cards[0].Status != healthcard.Verified {
		t.Errorf("by thumbprint: %q", cards[0].Status)
	}
}

func xy(t *testing.T, is *hct.Issuer) (string, string) {
	var set map[string][]map[string]string
	json.Unmarshal(is.JWKS(), &set)
	return set["keys"][0]["x"], set["keys"][0]["y"]
}

// The bundles the test cards carry are valid FHIR R4, resource by
// resource, with the app's own validator (as the importer will check them).
func TestBundlesAreFHIRR4(t *testing.T) {
	v, err := fhir.NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	spec, _ := os.ReadFile("testdata/spec-example-00.shc.txt")
	specCards := mustRead(t, spec, nil)
	for name, b := range map[string][]byte{"immunization": hct.ImmunizationBundle(), "lab": hct.LabBundle(), "spec example": specCards[0].Bundle} {
		r := fhir.NewReader(bytes.NewReader(b), fhir.Limits{})
		n := 0
		for {
			res, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if inv := v.Validate(res); inv != nil {
				t.Errorf("%s: %v", name, inv)
			}
			if !strings.HasPrefix(res.FullURL, "resource:") {
				t.Errorf("%s: fullUrl %q", name, res.FullURL)
			}
			n++
		}
		if n < 2 {
			t.Errorf("%s: %d resources", name, n)
		}
	}
}

func resourceCounts(t *testing.T, bundle []byte) map[string]int {
	t.Helper()
	var b struct {
		Entry []struct {
			Resource struct {
				ResourceType string `json:"resourceType"`
			} `json:"resource"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(bundle, &b); err != nil {
		t.Fatal(err)
	}
	m := map[string]int{}
	for _, e := range b.Entry {
		m[e.Resource.ResourceType]++
	}
	return m
}

// assertNoContent fails when err's text quotes the card: a person's name,
// the JWS or any long run of it.
func assertNoContent(t *testing.T, err error, jws string) {
	t.Helper()
	msg := err.Error()
	for _, n := range hct.PatientNames {
		if strings.Contains(msg, n) {
			t.Errorf("error quotes a name: %q", msg)
		}
	}
	for _, seg := range strings.Split(jws, ".") {
		if len(seg) >= 12 && strings.Contains(msg, seg[:12]) {
			t.Errorf("error quotes the card: %q", msg)
		}
	}
	if strings.Contains(msg, "shc:/") {
		t.Errorf("error quotes a code: %q", msg)
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// Records gives the card's resources ids of their own (the same each time),
// points their references at them, and keeps the card as issued in a
// DocumentReference; everything is valid FHIR R4.
func TestRecords(t *testing.T) {
	jws := hct.Sign(hct.ImmunizationBundle(), hct.TestISS, time.Date(2021, 6, 1, 0, 0, 0, 0, time.UTC))
	cards, err := read(t, hct.File(jws), hct.Directory())
	if err != nil || len(cards) != 1 {
		t.Fatal(err)
	}
	out, err := cards[0].Records()
	if err != nil {
		t.Fatal(err)
	}
	again, _ := cards[0].Records()
	if !bytes.Equal(out, again) {
		t.Fatal("not deterministic")
	}
	if bytes.Contains(out, []byte(`"resource:`)) {
		t.Fatal("a resource:N reference is left")
	}
	var b struct {
		Entry []struct {
			Resource json.RawMessage `json:"resource"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(out, &b); err != nil {
		t.Fatal(err)
	}
	v, err := fhir.NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]int{}
	for i, e := range b.Entry {
		var head struct{ ResourceType, ID string }
		json.Unmarshal(e.Resource, &head)
		types[head.ResourceType]++
		if head.ID == "" {
			t.Fatalf("entry %d has no id", i)
		}
		if inv := v.Validate(fhir.Resource{Type: head.ResourceType, Raw: e.Resource}); inv != nil {
			t.Fatalf("entry %d: %v", i, inv)
		}
		if head.ResourceType == "DocumentReference" {
			var doc struct {
				Content []struct {
					Attachment struct{ ContentType, Data string }
				}
			}
			json.Unmarshal(e.Resource, &doc)
			file, _ := base64.StdEncoding.DecodeString(doc.Content[0].Attachment.Data)
			if doc.Content[0].Attachment.ContentType != healthcard.ContentType || !bytes.Equal(file, hct.File(jws)) {
				t.Fatal("the card is not kept as issued")
			}
		}
	}
	if types["Patient"] != 1 || types["Immunization"] != 2 || types["DocumentReference"] != 1 {
		t.Fatalf("types %v", types)
	}
	if s := cards[0].Source(); !strings.Contains(s, "SMART Health Card from") || strings.Contains(s, "not verified") {
		t.Fatalf("source %q", s)
	}
	unverified, _ := read(t, hct.File(jws), nil)
	if s := unverified[0].Source(); !strings.HasSuffix(s, "(not verified)") {
		t.Fatalf("unverified source %q", s)
	}
}
