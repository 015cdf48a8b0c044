package healthcard_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/fastenhealth/fasten-desktop/internal/healthcard"
	hct "github.com/fastenhealth/fasten-desktop/internal/healthcard/healthcardtest"
)

// FuzzRead: whatever the bytes, Read returns cards or one of the package's
// error kinds, never panics, and never calls a card verified unless the
// test issuer's key checked it.
func FuzzRead(f *testing.F) {
	jws := hct.Sign(hct.ImmunizationBundle(), hct.TestISS, nbf)
	f.Add(hct.File(jws))
	f.Add([]byte(hct.QRText(jws)))
	for _, c := range healthcard.QRChunks(jws, 2) {
		f.Add([]byte(c))
	}
	f.Add([]byte(`{"verifiableCredential":["a.b.c"]}`))
	f.Add(hct.QRPNG(jws, 200)[:120])
	d := hct.Directory()
	f.Fuzz(func(t *testing.T, data []byte) {
		start := time.Now()
		cards, err := healthcard.Read(context.Background(), data, d)
		if el := time.Since(start); el > 3*time.Second {
			t.Fatalf("Read took %v on %d bytes", el, len(data))
		}
		if err != nil {
			for _, k := range []error{healthcard.ErrNotCard, healthcard.ErrMalformed, healthcard.ErrTampered, healthcard.ErrTooLarge, healthcard.ErrNoQRCode} {
				if errors.Is(err, k) {
					return
				}
			}
			t.Fatalf("error of no known kind: %v", err)
		}
		for _, c := range cards {
			if c.Status == healthcard.Verified && c.KeyID != hct.Default().Kid {
				t.Fatalf("verified by %q", c.KeyID)
			}
		}
	})
}

// BenchmarkReadScreenshot: one 1000×1000 PNG screenshot of a card's QR
// code, decoded and verified.
func BenchmarkReadScreenshot(b *testing.B) {
	data := hct.ScreenshotPNG(hct.Sign(hct.ImmunizationBundle(), hct.TestISS, nbf), 1000, 1000)
	d := hct.Directory()
	for b.Loop() {
		if _, err := healthcard.Read(context.Background(), data, d); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadPhoto: a 12 MP phone photo (JPEG) of a card's QR code.
func BenchmarkReadPhoto(b *testing.B) {
	data := hct.ScreenshotJPEG(hct.Sign(hct.ImmunizationBundle(), hct.TestISS, nbf), 3000, 4000, 85)
	d := hct.Directory()
	for b.Loop() {
		if _, err := healthcard.Read(context.Background(), data, d); err != nil {
			b.Fatal(err)
		}
	}
}
