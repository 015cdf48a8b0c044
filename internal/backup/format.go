package backup

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// The backup file, one self-contained file per backup:
//
//	magic      8 bytes  "FSTNBKUP"
//	format     uint16   big-endian, currently 1
//	headerLen  uint32   big-endian, at most maxHeader
//	header     JSON     Header (counts and sizes: no names, no health data)
//	dbLen      uint64   big-endian
//	db         the encrypted database copy (SQLCipher, the vault's key)
//	keysLen    uint64   big-endian
//	keys       the key-slot file (JSON; wrapped keys only)
//	sum        32 bytes SHA-256 of every byte before it
//
// Everything a restore needs is in it; everything in it is as encrypted
// as the vault itself. The checksum is checked over the whole file before
// anything is written at a restore.

const (
	magic         = "FSTNBKUP"
	FormatVersion = 1
	maxHeader     = 1 << 20
	prefixLen     = len(magic) + 2 + 4
	sumLen        = sha256.Size
)

// Header is the backup's plaintext description.
type Header struct {
	Format  int       `json:"format"`
	Created time.Time `json:"created"`
	// Records is the number of records (stored resources), People the
	// household's size, at the snapshot.
	Records int64 `json:"records"`
	People  int64 `json:"people"`
	// Tables is every stored table's row count, for the check after
	// writing and after restoring.
	Tables map[string]int64 `json:"tables"`
	// Household tells one household's backups from another's in a shared
	// folder (a random id kept in the vault's settings), so pruning never
	// deletes another household's backups.
	Household     string `json:"household"`
	DatabaseBytes int64  `json:"database_bytes"`
	KeysBytes     int64  `json:"keys_bytes"`
}

// Reason says why a backup file was refused.
type Reason string

// Reasons a backup file is refused.
const (
	ReasonTruncated   Reason = "truncated"
	ReasonChecksum    Reason = "checksum mismatch"
	ReasonNotBackup   Reason = "not a Fasten backup"
	ReasonNewerFormat Reason = "newer format"
)

// ErrDamaged: the file is not a backup this Fasten can restore. errors.As
// with *DamagedError gives the reason.
var ErrDamaged = errors.New("this backup file cannot be restored")

// DamagedError is ErrDamaged with its reason.
type DamagedError struct{ Reason Reason }

func (e *DamagedError) Error() string {
	switch e.Reason {
	case ReasonTruncated:
		return "this backup file is incomplete (cut short while it was copied?): it cannot be restored"
	case ReasonChecksum:
		return "this backup file is damaged (its checksum does not match): it cannot be restored"
	case ReasonNewerFormat:
		return "this backup was written by a newer Fasten: update Fasten to restore it"
	}
	return "this file is not a Fasten backup"
}

func (e *DamagedError) Is(target error) bool { return target == ErrDamaged }

func damaged(r Reason) error { return &DamagedError{Reason: r} }

// layout is where a checked file's parts are.
type layout struct {
	header           Header
	dbOff, dbLen     int64
	keysOff, keysLen int64
	size             int64
}

// writeFile writes the backup to w: header, then the database and key
// files streamed from disk (memory stays bounded), then the checksum.
func writeFile(w io.Writer, h Header, dbPath, keysPath string) error {
	sum := sha256.New()
	bw := bufio.NewWriterSize(io.MultiWriter(w, sum), 1<<20)
	hj, err := json.Marshal(h)
	if err != nil {
		return err
	}
	var pre [prefixLen]byte
	copy(pre[:], magic)
	binary.BigEndian.PutUint16(pre[8:], FormatVersion)
	binary.BigEndian.PutUint32(pre[10:], uint32(len(hj)))
	bw.Write(pre[:])
	bw.Write(hj)
	for _, p := range []struct {
		path string
		n    int64
	}{{dbPath, h.DatabaseBytes}, {keysPath, h.KeysBytes}} {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(p.n))
		bw.Write(n[:])
		f, err := os.Open(p.path)
		if err != nil {
			return err
		}
		c, err := io.Copy(bw, f)
		f.Close()
		if err != nil {
			return err
		}
		if c != p.n {
			return fmt.Errorf("a part of the backup changed size while it was written")
		}
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	_, err = w.Write(sum.Sum(nil))
	return err
}

// readHeader reads and checks the prefix and header, and where the parts
// are by the lengths the file declares; it does not read the parts.
func readHeader(f *os.File) (layout, error) {
	var l layout
	fi, err := f.Stat()
	if err != nil {
		return l, err
	}
	l.size = fi.Size()
	var pre [prefixLen]byte
	if _, err := io.ReadFull(f, pre[:]); err != nil {
		if l.size > 0 && l.size < int64(prefixLen) && string(pre[:l.size]) == magic[:min(int(l.size), len(magic))] {
			return l, damaged(ReasonTruncated)
		}
		return l, damaged(ReasonNotBackup)
	}
	if string(pre[:8]) != magic {
		return l, damaged(ReasonNotBackup)
	}
	if v := binary.BigEndian.Uint16(pre[8:]); v > FormatVersion {
		return l, damaged(ReasonNewerFormat)
	} else if v == 0 {
		return l, damaged(ReasonNotBackup)
	}
	hl := int64(binary.BigEndian.Uint32(pre[10:]))
	if hl > maxHeader {
		return l, damaged(ReasonNotBackup)
	}
	off := int64(prefixLen)
	if off+hl+8 > l.size {
		return l, damaged(ReasonTruncated)
	}
	hj := make([]byte, hl)
	if _, err := io.ReadFull(f, hj); err != nil {
		return l, damaged(ReasonTruncated)
	}
	off += hl
	if err := json.Unmarshal(hj, &l.header); err != nil {
		return l, damaged(ReasonChecksum)
	}
	var n [8]byte
	if _, err := f.ReadAt(n[:], off); err != nil {
		return l, damaged(ReasonTruncated)
	}
	l.dbOff, l.dbLen = off+8, int64(binary.BigEndian.Uint64(n[:]))
	if l.dbLen < 0 || l.dbOff+l.dbLen+8 > l.size {
		return l, damaged(ReasonTruncated)
	}
	if _, err := f.ReadAt(n[:], l.dbOff+l.dbLen); err != nil {
		return l, damaged(ReasonTruncated)
	}
	l.keysOff, l.keysLen = l.dbOff+l.dbLen+8, int64(binary.BigEndian.Uint64(n[:]))
	if l.keysLen < 0 || l.keysOff+l.keysLen+sumLen > l.size {
		return l, damaged(ReasonTruncated)
	}
	if l.keysOff+l.keysLen+sumLen != l.size {
		return l, damaged(ReasonChecksum)
	}
	return l, nil
}

// check reads the whole file and compares its checksum; it returns where
// its parts are.
func check(path string) (layout, error) {
	f, err := os.Open(path)
	if err != nil {
		return layout{}, err
	}
	defer f.Close()
	l, err := readHeader(f)
	if err != nil {
		return l, err
	}
	sum := sha256.New()
	if _, err := io.Copy(sum, io.NewSectionReader(f, 0, l.size-sumLen)); err != nil {
		return l, err
	}
	var want [sumLen]byte
	if _, err := f.ReadAt(want[:], l.size-sumLen); err != nil {
		return l, damaged(ReasonTruncated)
	}
	if string(sum.Sum(nil)) != string(want[:]) {
		return l, damaged(ReasonChecksum)
	}
	return l, nil
}

// extract copies one part of the checked file at path to dst, created
// exclusively and owner-only, and makes it durable.
func extract(path string, off, n int64, dst string) error {
	src, err := os.Open(path)
	if err != nil {
		return err
	}
	defer src.Close()
	f, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, io.NewSectionReader(src, off, n)); err != nil {
		f.Close()
		os.Remove(dst)
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(dst)
		return err
	}
	return f.Close()
}
