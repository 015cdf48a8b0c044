// Package samplefamily is the "Try it with a sample family" vault: a
// separate, throwaway vault filled with five fictional people (Synthea FHIR,
// carried inside the binary), so someone can see what Fasten does before
// trusting it with their own records.
//
// The sample never touches the real vault: it is another file, in a folder of
// its own beside the real one, under a key generated for it and held only in
// memory. It is not kept: each Open builds it afresh from the embedded data
// and Close deletes it. Keeping it would mean keeping its key somewhere
// (a second secret on disk, for fictional data), and a sample that outlived
// its session could be mistaken for a place to keep real records. Rebuilding
// costs a few seconds, which is paid only by someone who asked for it.
package samplefamily

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/fastenhealth/fasten-desktop/internal/household"
	"github.com/fastenhealth/fasten-desktop/internal/records"
	"github.com/fastenhealth/fasten-desktop/internal/session"
)

// family is the five Synthea people of the shared fixtures (Neva Hyatt, Tom
// Goodwin, Amiee Buckridge, Alexis Toy, Kristie Effertz), one FHIR R4
// transaction Bundle each, as a gzipped tar: 6 MB of JSON in ≈325 KB.
// Source and licence in data/README.md.
//
//go:embed data/family.tar.gz
var family []byte

// DirName is the sample's folder inside the real vault's folder.
const DirName = "sample-family"

// fileName is the sample vault's file inside DirName.
const fileName = "sample-family.fasten"

// Errors a caller can tell apart with errors.Is.
var (
	// ErrSampleOpen refuses what must not go into the sample: a person's own
	// files, or a sign-in to their real portal. The sample is deleted when
	// they leave it, and their records belong in their own vault.
	ErrSampleOpen = errors.New("this is the sample family, not your records: leave the sample to import or connect your own")
	// ErrSamePath: the real vault's path lies inside the sample's folder
	// (a --vault chosen there), so opening the sample would delete it.
	ErrSamePath = errors.New("the sample family cannot open here: your vault is inside its folder")
	// ErrNotOurs: a folder with the sample's name holds files Fasten did not
	// write there (a vault chosen in a folder of the person's own, next to
	// one they named the same): nothing is deleted.
	ErrNotOurs = errors.New("a folder named sample-family next to your vault holds other files: Fasten will not delete it, so the sample family cannot open there")
	// ErrData: the embedded sample did not import (a build defect).
	ErrData = errors.New("the sample family's data could not be read")
)

// Path is where the sample vault lives for the real vault at vaultPath: a
// folder of its own next to it, so deleting the sample never touches
// anything else and the real vault's name is never reused.
func Path(vaultPath string) string {
	return filepath.Join(filepath.Dir(vaultPath), DirName, fileName)
}

// Sample is an open sample vault.
type Sample struct {
	hh  *household.Service
	dir string
}

// Open deletes what an earlier sample left (a crash; it cannot be opened:
// its key died with that process), creates a new sample vault beside the
// real vault at vaultPath under a fresh random key, and imports the family
// into it, reporting progress. The sample is unlocked when Open returns;
// its auto-lock is off (there is nothing to protect, and a sample that
// locked could not be reopened). o configures its session.
func Open(ctx context.Context, vaultPath string, o session.Options, progress func(records.Progress)) (*Sample, error) {
	path := Path(vaultPath)
	dir := filepath.Dir(path)
	if inside(dir, vaultPath) {
		return nil, ErrSamePath
	}
	if err := removeOurs(dir); err != nil {
		return nil, err
	}
	hh := household.New(path)
	hh.SessionOptions = o
	// The key exists only in this process: the sample is rebuilt at every
	// Open, so it is never needed again. The recovery key is discarded for
	// the same reason.
	if _, err := hh.Create(randomPassphrase()); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	s := &Sample{hh: hh, dir: dir}
	if err := s.fill(ctx, progress); err != nil {
		s.Close()
		return nil, err
	}
	if err := hh.SetAutoLock(ctx, 0); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Household is the sample's household service: the same API as the real
// vault's, so every screen works on it unchanged.
func (s *Sample) Household() *household.Service { return s.hh }

// Dir is the sample's folder (deleted by Close).
func (s *Sample) Dir() string { return s.dir }

// Close ends the sample's session and deletes its folder. Safe to call twice.
func (s *Sample) Close() error {
	s.hh.Lock()
	return removeOurs(s.dir)
}

// Sweep deletes a sample left behind by a process that ended without
// closing it. Nothing can open it any more; this only frees the space.
func Sweep(vaultPath string) error {
	dir := filepath.Dir(Path(vaultPath))
	if inside(dir, vaultPath) {
		return ErrSamePath
	}
	return removeOurs(dir)
}

// removeOurs deletes the sample's folder if it holds only what a sample
// vault writes (its database, key file, WAL and shared-memory files); a
// missing folder is fine. Anything else in it means the folder is not ours.
func removeOurs(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("cannot read the sample family's folder: %w", err)
	}
	for _, e := range entries {
		if e.IsDir() || !strings.HasPrefix(e.Name(), fileName) {
			return ErrNotOurs
		}
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("cannot delete the sample family: %w", err)
	}
	return nil
}

// fill imports each embedded Bundle, creating a household member for each
// Patient (the names and birth dates in the files).
func (s *Sample) fill(ctx context.Context, progress func(records.Progress)) error {
	st, err := s.hh.Store()
	if err != nil {
		return err
	}
	files, err := bundles()
	if err != nil {
		return err
	}
	if progress == nil {
		progress = func(records.Progress) {}
	}
	for i, f := range files {
		res, _ := st.ImportReader(ctx, f.name, bytes.NewReader(f.data), int64(len(f.data)), i, len(files),
			records.ImportOptions{AutoCreatePeople: true}, progress)
		if err := ctx.Err(); err != nil {
			return err
		}
		if res.Status == records.FileRejected {
			return fmt.Errorf("%w: file %d of %d was refused (%s)", ErrData, i+1, len(files), res.Reason)
		}
	}
	return nil
}

type bundle struct {
	name string
	data []byte
}

// maxBundle bounds one embedded file (the largest is 2.3 MB).
const maxBundle = 16 << 20

// bundles unpacks the embedded family.
func bundles() ([]bundle, error) {
	zr, err := gzip.NewReader(bytes.NewReader(family))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrData, err)
	}
	tr := tar.NewReader(zr)
	var out []bundle
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrData, err)
		}
		if h.Typeflag != tar.TypeReg || !strings.HasSuffix(h.Name, ".json") || h.Size > maxBundle {
			continue
		}
		b, err := io.ReadAll(io.LimitReader(tr, maxBundle))
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrData, err)
		}
		out = append(out, bundle{name: filepath.Base(h.Name), data: b})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: no bundles", ErrData)
	}
	return out, nil
}

func randomPassphrase() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("samplefamily: no randomness: " + err.Error()) // crypto/rand does not fail on supported systems
	}
	return hex.EncodeToString(b)
}

// inside reports whether path is dir or lies under it.
func inside(dir, path string) bool {
	d, err1 := filepath.Abs(dir)
	p, err2 := filepath.Abs(path)
	if err1 != nil || err2 != nil {
		return true // cannot tell: do not delete anything
	}
	rel, err := filepath.Rel(d, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}
