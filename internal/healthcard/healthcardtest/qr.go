package healthcardtest

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"image/png"
	"math"
	"math/rand/v2"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
	"github.com/makiuchi-d/gozxing/qrcode/decoder"
)

// QRImage draws text as a QR code of about size×size pixels, error
// correction L as the spec asks, with the standard 4-module quiet zone.
// gozxing picks byte mode for the lower-case "shc:/" prefix (issuers use a
// byte segment and a numeric one; readers see the same text).
func QRImage(text string, size int) *image.Gray {
	hints := map[gozxing.EncodeHintType]interface{}{
		gozxing.EncodeHintType_ERROR_CORRECTION: decoder.ErrorCorrectionLevel_L,
		gozxing.EncodeHintType_MARGIN:           4,
	}
	m, err := qrcode.NewQRCodeWriter().Encode(text, gozxing.BarcodeFormat_QR_CODE, size, size, hints)
	if err != nil {
		panic(err)
	}
	w, h := m.GetWidth(), m.GetHeight()
	g := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if !m.Get(x, y) {
				g.Pix[y*g.Stride+x] = 255
			}
		}
	}
	return g
}

// QRPNG is a PNG of the card's QR code alone.
func QRPNG(jws string, size int) []byte { return encodePNG(QRImage(QRText(jws), size)) }

// Screenshot draws what a phone or computer screenshot of a vaccine portal
// looks like: a grey page, a coloured title bar, a white card with lines of
// "text" (grey bars) and the QR code of each text in qrTexts, side by side
// when there are several (chunked cards). It is w×h pixels.
func Screenshot(w, h int, qrTexts ...string) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	fill := func(r image.Rectangle, c color.Color) {
		draw.Draw(img, r, image.NewUniform(c), image.Point{}, draw.Src)
	}
	fill(img.Rect, color.RGBA{0xee, 0xef, 0xf1, 0xff})
	bar := h / 14
	fill(image.Rect(0, 0, w, bar), color.RGBA{0x1f, 0x4e, 0x8c, 0xff})
	fill(image.Rect(w/30, bar/3, w/30+w/4, bar*2/3), color.RGBA{0xdd, 0xe6, 0xf2, 0xff}) // the page title
	card := image.Rect(w/20, bar+h/30, w-w/20, h-h/30)
	fill(card, color.White)
	for i := 0; i < 4; i++ { // the card's text
		y := card.Min.Y + h/25 + i*h/30
		fill(image.Rect(card.Min.X+w/20, y, card.Min.X+w/20+(w/2)-i*w/12, y+h/60), color.RGBA{0x9a, 0xa0, 0xa6, 0xff})
	}
	n := max(1, len(qrTexts))
	top := card.Min.Y + h/25 + 4*h/30 + h/40
	avail := image.Rect(card.Min.X+w/30, top, card.Max.X-w/30, card.Max.Y-h/40)
	side := min(avail.Dy(), avail.Dx()/n)
	for i, t := range qrTexts {
		q := QRImage(t, side)
		x := avail.Min.X + i*(avail.Dx()/n) + (avail.Dx()/n-q.Rect.Dx())/2
		y := avail.Min.Y + (avail.Dy()-q.Rect.Dy())/2
		draw.Draw(img, q.Rect.Add(image.Pt(x, y)), q, image.Point{}, draw.Src)
	}
	return img
}

// ScreenshotPNG is Screenshot of one card's QR code, as PNG.
func ScreenshotPNG(jws string, w, h int) []byte { return encodePNG(Screenshot(w, h, QRText(jws))) }

// ScreenshotJPEG is Screenshot of one card's QR code as a JPEG of the given
// quality (JPEG's blur and ringing model a phone's picture).
func ScreenshotJPEG(jws string, w, h, quality int) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, Screenshot(w, h, QRText(jws)), &jpeg.Options{Quality: quality}); err != nil {
		panic(err)
	}
	return b.Bytes()
}

func encodePNG(img image.Image) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// Photo makes img look like a phone photo of a screen or a printout: turned
// by deg degrees on a dark table, lit unevenly (brighter top-left), with
// sensor noise. Deterministic for a seed.
func Photo(img image.Image, deg float64, seed uint64) *image.RGBA {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	sin, cos := math.Sincos(deg * math.Pi / 180)
	cx, cy := float64(w)/2, float64(h)/2
	// Shrink so the turned picture stays in frame.
	scale := 1 / (math.Abs(cos) + math.Abs(sin)*float64(max(w, h))/float64(min(w, h)))
	grey := func(x, y int) float64 {
		r, g, bl, _ := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
		return (0.299*float64(r) + 0.587*float64(g) + 0.114*float64(bl)) / 257
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			// Inverse rotation: where in the source this pixel comes from.
			dx, dy := (float64(x)-cx)/scale, (float64(y)-cy)/scale
			sx, sy := cos*dx+sin*dy+cx, -sin*dx+cos*dy+cy
			v := 40.0 // the table
			if sx >= 0 && sy >= 0 && sx < float64(w-1) && sy < float64(h-1) {
				// Bilinear sampling blurs edges as a lens does.
				x0, y0 := int(sx), int(sy)
				fx, fy := sx-float64(x0), sy-float64(y0)
				v = grey(x0, y0)*(1-fx)*(1-fy) + grey(x0+1, y0)*fx*(1-fy) +
					grey(x0, y0+1)*(1-fx)*fy + grey(x0+1, y0+1)*fx*fy
			}
			light := 0.75 + 0.25*(1-(float64(x)/float64(w)+float64(y)/float64(h))/2)
			v = v*light + rng.NormFloat64()*6
			c := uint8(math.Max(0, math.Min(255, v)))
			out.Set(x, y, color.RGBA{c, c, uint8(math.Max(0, math.Min(255, v*0.97))), 255})
		}
	}
	return out
}

// PhotoJPEG is a Photo of a screenshot of the card's QR code, as a JPEG.
func PhotoJPEG(jws string, w, h int, deg float64, seed uint64) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, Photo(Screenshot(w, h, QRText(jws)), deg, seed), &jpeg.Options{Quality: 80}); err != nil {
		panic(err)
	}
	return b.Bytes()
}
