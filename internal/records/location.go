package records

import (
	"bytes"
	"encoding/binary"
)

// Removing a photo's location, without re-encoding it. Phones write the
// position into the Exif GPS IFD (and some also into XMP). Dropping the
// whole Exif segment would be simpler, but it also drops Orientation, so a
// phone photo would show on its side; re-encoding would lose quality and
// change every byte. So only the GPS data goes: the GPS IFD and the values
// it points at are overwritten with zeros in place (no offsets move), the
// pointer to it is removed from IFD0 (and IFD1), and XMP packets are
// dropped whole (they are optional copies of what Exif says). No
// maintained Go library edits Exif in place: go-exif rebuilds the whole
// block (and can lose maker notes), which is more than this needs.
//
// Each returns ok false when the file's structure cannot be followed; the
// caller then refuses it rather than keep a location it was asked to remove.

var xmpJPEG = [][]byte{[]byte("http://ns.adobe.com/xap/1.0/\x00"), []byte("http://ns.adobe.com/xmp/extension/\x00")}

// stripJPEGLocation returns a copy of a JPEG without its GPS data.
func stripJPEGLocation(data []byte) ([]byte, bool) {
	if len(data) < 4 || data[0] != 0xFF || data[1] != 0xD8 {
		return nil, false
	}
	out := make([]byte, 0, len(data))
	out = append(out, data[:2]...)
	i := 2
	for {
		if i+2 > len(data) || data[i] != 0xFF {
			return nil, false
		}
		marker := data[i+1]
		switch {
		case marker == 0xFF: // fill byte before a marker
			out = append(out, 0xFF)
			i++
			continue
		case marker == 0xDA || marker == 0xD9:
			// Start of scan (or the end): the metadata is all before it,
			// and the image data is kept as it is.
			return append(out, data[i:]...), true
		case marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7):
			out = append(out, data[i:i+2]...)
			i += 2
			continue
		}
		if i+4 > len(data) {
			return nil, false
		}
		n := int(binary.BigEndian.Uint16(data[i+2:]))
		if n < 2 || i+2+n > len(data) {
			return nil, false
		}
		seg := data[i : i+2+n]
		i += 2 + n
		if marker == 0xE1 {
			payload := seg[4:]
			if bytes.HasPrefix(payload, []byte("Exif\x00\x00")) {
				c := append([]byte(nil), seg...)
				if !zeroGPS(c[10:]) {
					return nil, false
				}
				out = append(out, c...)
				continue
			}
			if bytes.HasPrefix(payload, xmpJPEG[0]) || bytes.HasPrefix(payload, xmpJPEG[1]) {
				continue // dropped
			}
		}
		out = append(out, seg...)
	}
}

// zeroGPS removes the GPS IFD from a TIFF structure (an Exif block) in place.
func zeroGPS(t []byte) bool {
	if len(t) < 8 {
		return false
	}
	var bo binary.ByteOrder
	switch string(t[:4]) {
	case "II*\x00":
		bo = binary.LittleEndian
	case "MM\x00*":
		bo = binary.BigEndian
	default:
		return false
	}
	size := uint64(len(t))
	ifd := uint64(bo.Uint32(t[4:]))
	// IFD0 and IFD1 (the thumbnail's) may each point at GPS data.
	for k := 0; k < 2 && ifd != 0; k++ {
		if ifd+2 > size {
			return false
		}
		n := uint64(bo.Uint16(t[ifd:]))
		end := ifd + 2 + 12*n + 4
		if end > size {
			return false
		}
		for e := uint64(0); e < n; {
			at := ifd + 2 + 12*e
			if bo.Uint16(t[at:]) != 0x8825 {
				e++
				continue
			}
			if !zeroIFD(t, bo, uint64(bo.Uint32(t[at+8:]))) {
				return false
			}
			// Remove the pointer: later entries and the next-IFD offset
			// move up one entry, and the freed entry is zeroed.
			copy(t[at:end-12], t[at+12:end])
			clear(t[end-12 : end])
			n--
			bo.PutUint16(t[ifd:], uint16(n))
			end -= 12
		}
		ifd = uint64(bo.Uint32(t[end-4:]))
	}
	return true
}

// tiffTypeSize is the size of one value of each TIFF field type.
var tiffTypeSize = map[uint16]uint64{1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8}

// zeroIFD overwrites one IFD, and every value it points at, with zeros.
func zeroIFD(t []byte, bo binary.ByteOrder, ifd uint64) bool {
	size := uint64(len(t))
	if ifd+2 > size {
		return false
	}
	n := uint64(bo.Uint16(t[ifd:]))
	end := ifd + 2 + 12*n + 4
	if end > size {
		return false
	}
	for e := uint64(0); e < n; e++ {
		at := ifd + 2 + 12*e
		ts, ok := tiffTypeSize[bo.Uint16(t[at+2:])]
		if !ok {
			return false
		}
		l := ts * uint64(bo.Uint32(t[at+4:]))
		if l <= 4 {
			continue // the value is in the entry, zeroed below
		}
		off := uint64(bo.Uint32(t[at+8:]))
		if off+l > size {
			return false
		}
		clear(t[off : off+l])
	}
	clear(t[ifd:end])
	return true
}

// stripPNGLocation drops a PNG's eXIf chunk and XMP text chunk (where a
// PNG keeps a position); the image chunks are kept as they are.
func stripPNGLocation(data []byte) ([]byte, bool) {
	const sig = "\x89PNG\r\n\x1a\n"
	if !bytes.HasPrefix(data, []byte(sig)) {
		return nil, false
	}
	out := append(make([]byte, 0, len(data)), sig...)
	for i := len(sig); i < len(data); {
		if i+12 > len(data) {
			return nil, false
		}
		n := uint64(binary.BigEndian.Uint32(data[i:]))
		end := uint64(i) + 12 + n
		if end > uint64(len(data)) {
			return nil, false
		}
		typ := string(data[i+4 : i+8])
		body := data[i+8 : i+8+int(n)]
		drop := typ == "eXIf" || (typ == "iTXt" && bytes.HasPrefix(body, []byte("XML:com.adobe.xmp\x00")))
		if !drop {
			out = append(out, data[i:end]...)
		}
		i = int(end)
		if typ == "IEND" {
			return out, true
		}
	}
	return nil, false
}

// stripWebPLocation drops a WebP's EXIF and XMP chunks, fixing the RIFF
// size and the VP8X flags that announce them.
func stripWebPLocation(data []byte) ([]byte, bool) {
	if len(data) < 12 || string(data[:4]) != "RIFF" || string(data[8:12]) != "WEBP" {
		return nil, false
	}
	out := append(make([]byte, 0, len(data)), data[:12]...)
	for i := 12; i < len(data); {
		if i+8 > len(data) {
			return nil, false
		}
		n := uint64(binary.LittleEndian.Uint32(data[i+4:]))
		end := uint64(i) + 8 + n + n%2 // chunks are padded to even sizes
		if end > uint64(len(data)) {
			return nil, false
		}
		switch string(data[i : i+4]) {
		case "EXIF", "XMP ":
		case "VP8X":
			at := len(out)
			out = append(out, data[i:end]...)
			if n > 0 {
				out[at+8] &^= 0x08 | 0x04 // the EXIF and XMP flags
			}
		default:
			out = append(out, data[i:end]...)
		}
		i = int(end)
	}
	binary.LittleEndian.PutUint32(out[4:], uint32(len(out)-8))
	return out, true
}
