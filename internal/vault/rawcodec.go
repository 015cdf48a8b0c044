package vault

import (
	_ "embed"
	"errors"
	"fmt"
	"runtime"
	"sync"

	"github.com/klauspost/compress/zstd"
)

// Resources' bytes (resources.raw and .received, resource_versions.raw and
// .received) are stored packed: a header byte naming the codec, then the
// codec's bytes. JSON can only start with '{', '[', '"', a digit, t, f, n,
// '-' or whitespace (0x09, 0x0A, 0x0D, 0x20), never with a byte below 0x09,
// so a row written before schema 17 (JSON as received) is told apart from
// a packed one by its first byte alone, and both read back the same way.
//
// Header bytes are never reused: a dictionary, once rows are written with
// it, is embedded forever. A new dictionary gets a new header byte (and a
// new zdict/fhir-N.zstd), and old rows keep reading with theirs.
const (
	// RawZstd: a zstd frame without a dictionary: what the encoder makes
	// of input the dictionary cannot help (empty), and what a future writer
	// may choose for data the dictionary does not fit.
	RawZstd byte = 0x01
	// RawZstdFHIR1: a zstd frame made with dictionary 1 (zdict/fhir-1.zstd,
	// zstd dictID 1), trained by `zstd --train --maxdict=65536 --dictID=1`
	// on the resources of fixtures synthea/family, synthea-dstu2 and
	// synthea-stu3 (see internal/devtools/cmd/fasten-zdict).
	RawZstdFHIR1 byte = 0x02
)

//go:embed zdict/fhir-1.zstd
var dictFHIR1 []byte

// ErrRawDamaged: a stored resource's bytes cannot be unpacked (an unknown
// header byte or a damaged frame). Nothing of the bytes is in the error.
var ErrRawDamaged = errors.New("a stored record's bytes are damaged or from a newer Fasten")

// maxRawSize bounds what unpacking one row may allocate: a damaged frame
// cannot claim more. Imports refuse resources far smaller than this.
const maxRawSize = 256 << 20

// One encoder and one decoder serve the whole process: they are expensive
// to make (tables, the dictionary's state) and their EncodeAll/DecodeAll
// are safe for concurrent use, each keeping its own pool of per-call
// state up to the concurrency given here.
var (
	codecOnce sync.Once
	encoder   *zstd.Encoder
	decoder   *zstd.Decoder
	codecErr  error
)

func codec() (*zstd.Encoder, *zstd.Decoder, error) {
	codecOnce.Do(func() {
		n := runtime.GOMAXPROCS(0)
		// SpeedFastest: with the dictionary it packs Synthea resources to
		// 0.082 of their size at ~300 MB/s a core; the default level (0.076)
		// and "better" (0.069) save 23–50 bytes a resource, 2–4% of a vault,
		// at a half to a third of the speed (fasten-zdict on synthea/more).
		encoder, codecErr = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest),
			zstd.WithEncoderConcurrency(n), zstd.WithEncoderDict(dictFHIR1), zstd.WithZeroFrames(true))
		if codecErr != nil {
			return
		}
		decoder, codecErr = zstd.NewReader(nil, zstd.WithDecoderConcurrency(n),
			zstd.WithDecoderDicts(dictFHIR1), zstd.WithDecoderMaxMemory(maxRawSize))
	})
	return encoder, decoder, codecErr
}

// PackRaw returns src as the vault stores it, appended to dst.
func PackRaw(dst, src []byte) []byte {
	enc, _, err := codec()
	if err != nil {
		// The embedded dictionary is checked by the tests; a build whose
		// dictionary does not load must not write anything.
		panic(fmt.Sprintf("vault: the record codec cannot start: %v", err))
	}
	start := len(dst)
	dst = enc.EncodeAll(src, append(dst, RawZstdFHIR1))
	// The encoder leaves the dictionary out where it has nothing to offer
	// (empty input): the header byte says what the frame holds.
	var h zstd.Header
	if h.Decode(dst[start+1:]) == nil && h.DictionaryID == 0 {
		dst[start] = RawZstd
	}
	return dst
}

// UnpackRaw returns the bytes as received from a stored value, appended to
// dst (nil stays nil: a NULL received column). A value written before
// schema 17 is returned as it is.
func UnpackRaw(dst, stored []byte) ([]byte, error) {
	if stored == nil {
		return nil, nil
	}
	if !IsPacked(stored) {
		return append(dst, stored...), nil
	}
	_, dec, err := codec()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrRawDamaged, err)
	}
	switch stored[0] {
	case RawZstd, RawZstdFHIR1:
		// The frame names its dictionary (or none); the header byte says
		// which one the writer meant, and they must agree.
		var h zstd.Header
		if err := h.Decode(stored[1:]); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrRawDamaged, err)
		}
		want := uint32(0)
		if stored[0] == RawZstdFHIR1 {
			want = 1
		}
		if h.DictionaryID != want {
			return nil, ErrRawDamaged
		}
		out, err := dec.DecodeAll(stored[1:], dst)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrRawDamaged, err)
		}
		if out == nil {
			out = []byte{} // empty, not NULL
		}
		return out, nil
	}
	return nil, ErrRawDamaged
}

// IsPacked reports whether a stored value is packed (any header byte, known
// or not) rather than JSON as received.
func IsPacked(stored []byte) bool {
	return len(stored) > 0 && stored[0] < 0x09
}

// unpackRawSQL is unpack_raw for SQL: NULL stays NULL (hence any: the
// driver refuses NULL for a []byte argument, and returns NULL for a nil
// []byte), text reads as its bytes.
func unpackRawSQL(stored any) ([]byte, error) {
	switch x := stored.(type) {
	case nil:
		return nil, nil
	case []byte:
		return UnpackRaw(nil, x)
	case string:
		return UnpackRaw(nil, []byte(x))
	}
	return nil, ErrRawDamaged
}
