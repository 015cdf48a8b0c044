package healthcard

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/draw"
	_ "image/jpeg" // registers JPEG with image.Decode
	_ "image/png"  // registers PNG with image.Decode
	"strings"

	"github.com/makiuchi-d/gozxing"
	multiqr "github.com/makiuchi-d/gozxing/multi/qrcode"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// scanSide is the longest side pictures are scaled down to for the first
// (fast) attempt. A phone photo is 3000–8000 px wide while a QR code of a
// health card has 100–150 modules: about 1200 px keeps ≥ 3 px a module for
// a code filling a third of the frame, and the decoder's cost grows with the
// pixel count.
const scanSide = 1200

// qrTexts decodes the QR codes in a PNG or JPEG picture and returns the
// texts of those that are health cards (shc:/…). Other codes in the same
// picture (a web address printed beside the card) are ignored.
func qrTexts(ctx context.Context, data []byte) ([]string, error) {
	// The header says the size before any pixel is decoded: a small file
	// claiming 100k×100k pixels (an image bomb) is refused here.
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, malformed("the picture is damaged or is not a PNG or JPEG")
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, malformed("the picture has no pixels")
	}
	if int64(cfg.Width)*int64(cfg.Height) > MaxPixels {
		return nil, fmt.Errorf("%w: the picture has more than %d megapixels", ErrTooLarge, MaxPixels/1_000_000)
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, malformed("the picture is damaged or is not a PNG or JPEG")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	full := toGray(img)

	// Attempts, cheapest first: a small picture (a screenshot) as it is; a
	// large one (a photo) scaled down, then at full size, where small codes
	// in a big frame keep their modules.
	var tries []*image.Gray
	big := maxSide(full.Rect) > scanSide
	if big {
		tries = append(tries, downscale(full, scanSide), full)
	} else {
		tries = append(tries, full)
	}

	var found []string // shc texts of the best attempt so far
	var incomplete error
	otherCode := false
	for _, g := range tries {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		texts := decodeQRs(g)
		var shc []string
		for _, t := range texts {
			t = strings.TrimSpace(t)
			if len(t) >= 5 && strings.EqualFold(t[:5], "shc:/") {
				shc = append(shc, t)
			} else {
				otherCode = true
			}
		}
		if len(shc) == 0 {
			continue
		}
		// Every part of a chunked card must be in the same picture.
		if _, err := textJWS(strings.Join(shc, "\n")); err != nil {
			incomplete = err
			if len(shc) > len(found) {
				found = shc
			}
			continue
		}
		return shc, nil
	}
	switch {
	case incomplete != nil:
		return nil, incomplete
	case otherCode:
		return nil, fmt.Errorf("%w: the QR code in this picture is not a health card", ErrNotCard)
	}
	return nil, ErrNoQRCode
}

// decodeQRs returns the texts of the QR codes gozxing reads in g: every code
// it finds (older issuers printed a card as several codes), else the one
// code the single reader finds trying harder.
func decodeQRs(g *image.Gray) []string {
	hints := map[gozxing.DecodeHintType]interface{}{gozxing.DecodeHintType_TRY_HARDER: true}
	bmp, err := gozxing.NewBinaryBitmap(gozxing.NewHybridBinarizer(newGrayLuminance(g)))
	if err != nil {
		return nil
	}
	var out []string
	if rs, err := multiqr.NewQRCodeMultiReader().DecodeMultiple(bmp, hints); err == nil {
		for _, r := range rs {
			out = append(out, r.GetText())
		}
	}
	if len(out) > 0 {
		return out
	}
	if r, err := qrcode.NewQRCodeReader().Decode(bmp, hints); err == nil {
		return []string{r.GetText()}
	}
	// A photo's uneven light defeats the local thresholds at times; the
	// global histogram is the other binariser zxing offers.
	bmp, err = gozxing.NewBinaryBitmap(gozxing.NewGlobalHistgramBinarizer(newGrayLuminance(g)))
	if err == nil {
		if r, err := qrcode.NewQRCodeReader().Decode(bmp, hints); err == nil {
			return []string{r.GetText()}
		}
	}
	return nil
}

func maxSide(r image.Rectangle) int { return max(r.Dx(), r.Dy()) }

// toGray converts to 8-bit luminance, reading JPEG's Y plane and grey
// images directly (image.At per pixel costs ≈50 ns: 0.6 s for 12 MP).
func toGray(img image.Image) *image.Gray {
	b := img.Bounds()
	g := image.NewGray(image.Rect(0, 0, b.Dx(), b.Dy()))
	switch m := img.(type) {
	case *image.Gray:
		for y := 0; y < b.Dy(); y++ {
			copy(g.Pix[y*g.Stride:y*g.Stride+b.Dx()], m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):])
		}
	case *image.YCbCr:
		for y := 0; y < b.Dy(); y++ {
			copy(g.Pix[y*g.Stride:y*g.Stride+b.Dx()], m.Y[m.YOffset(b.Min.X, b.Min.Y+y):])
		}
	case *image.NRGBA:
		for y := 0; y < b.Dy(); y++ {
			row := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			for x := 0; x < b.Dx(); x++ {
				p := row[4*x : 4*x+4]
				// Transparent pixels read as white (a PNG screenshot
				// with a transparent margin).
				l := (299*uint32(p[0]) + 587*uint32(p[1]) + 114*uint32(p[2])) / 1000
				a := uint32(p[3])
				g.Pix[y*g.Stride+x] = uint8((l*a + 255*(255-a)) / 255)
			}
		}
	case *image.RGBA:
		for y := 0; y < b.Dy(); y++ {
			row := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			for x := 0; x < b.Dx(); x++ {
				p := row[4*x : 4*x+4]
				// Premultiplied: add white for the missing alpha.
				l := (299*uint32(p[0]) + 587*uint32(p[1]) + 114*uint32(p[2])) / 1000
				g.Pix[y*g.Stride+x] = uint8(min(255, l+255-uint32(p[3])))
			}
		}
	default:
		draw.Draw(g, g.Rect, img, b.Min, draw.Src)
	}
	return g
}

// downscale shrinks g so its longest side is at most side, averaging each
// source box (a box filter keeps a module's edges sharper than skipping
// pixels, and smooths a photo's sensor noise).
func downscale(g *image.Gray, side int) *image.Gray {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	f := (max(w, h) + side - 1) / side
	if f <= 1 {
		return g
	}
	nw, nh := w/f, h/f
	out := image.NewGray(image.Rect(0, 0, nw, nh))
	for y := 0; y < nh; y++ {
		for x := 0; x < nw; x++ {
			sum := 0
			for dy := 0; dy < f; dy++ {
				row := g.Pix[(y*f+dy)*g.Stride+x*f:]
				for dx := 0; dx < f; dx++ {
					sum += int(row[dx])
				}
			}
			out.Pix[y*out.Stride+x] = uint8(sum / (f * f))
		}
	}
	return out
}

// grayLuminance hands an image.Gray to gozxing without its per-pixel
// image.At conversion.
type grayLuminance struct {
	gozxing.LuminanceSourceBase
	g *image.Gray
}

func newGrayLuminance(g *image.Gray) gozxing.LuminanceSource {
	return &grayLuminance{gozxing.LuminanceSourceBase{Width: g.Rect.Dx(), Height: g.Rect.Dy()}, g}
}

func (l *grayLuminance) GetRow(y int, row []byte) ([]byte, error) {
	if y < 0 || y >= l.Height {
		return row, fmt.Errorf("row %d outside the picture", y)
	}
	if len(row) < l.Width {
		row = make([]byte, l.Width)
	}
	copy(row, l.g.Pix[y*l.g.Stride:y*l.g.Stride+l.Width])
	return row, nil
}

func (l *grayLuminance) GetMatrix() []byte {
	if l.g.Stride == l.Width {
		return l.g.Pix[:l.Width*l.Height]
	}
	m := make([]byte, l.Width*l.Height)
	for y := 0; y < l.Height; y++ {
		copy(m[y*l.Width:], l.g.Pix[y*l.g.Stride:y*l.g.Stride+l.Width])
	}
	return m
}

func (l *grayLuminance) Invert() gozxing.LuminanceSource { return gozxing.LuminanceSourceInvert(l) }
func (l *grayLuminance) String() string                  { return gozxing.LuminanceSourceString(l) }
