package records

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// A WebP's EXIF and XMP chunks go, the VP8X flags that announce them are
// cleared and the RIFF size is right; the image chunk is kept as it is.
func TestStripWebPLocation(t *testing.T) {
	chunk := func(id string, body []byte) []byte {
		b := append([]byte(id), binary.LittleEndian.AppendUint32(nil, uint32(len(body)))...)
		b = append(b, body...)
		if len(body)%2 == 1 {
			b = append(b, 0)
		}
		return b
	}
	vp8x := chunk("VP8X", []byte{0x08 | 0x04 | 0x10, 0, 0, 0, 1, 0, 0, 1, 0, 0})
	img := chunk("VP8L", []byte("image bytes!!"))
	exif := chunk("EXIF", []byte("II*\x00GPS 41 53 43.21"))
	xmp := chunk("XMP ", []byte("<x:xmpmeta>GPSLatitude</x:xmpmeta>"))
	body := append(append(append(append([]byte("WEBP"), vp8x...), img...), exif...), xmp...)
	file := append(append([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(len(body)))...), body...)

	out, ok := stripWebPLocation(file)
	if !ok {
		t.Fatal("not followed")
	}
	if bytes.Contains(out, []byte("GPS")) || !bytes.Contains(out, img) {
		t.Fatalf("stripped wrong: %q", out)
	}
	if got := binary.LittleEndian.Uint32(out[4:]); int(got) != len(out)-8 {
		t.Errorf("RIFF size %d, file %d", got, len(out))
	}
	if flags := out[20]; flags != 0x10 {
		t.Errorf("VP8X flags %#x, want only the alpha flag", flags)
	}
	if _, ok := stripWebPLocation(file[:len(file)-3]); ok {
		t.Error("a truncated WebP was followed")
	}
}
