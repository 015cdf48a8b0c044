// Package applehealth reads an Apple Health export ("Export All Health Data"
// in the iPhone Health app: export.zip, or its export.xml alone) into FHIR R4
// collection Bundles the import can store: the person's HealthKit samples as
// Observations (vital signs with LOINC codes and UCUM units, heart rate and
// steps as daily summaries), the health records their providers sent (the
// clinical-records/*.json files, passed on byte for byte, one Bundle per
// provider), and export_cda.xml for the C-CDA path.
//
// export.xml is often larger than 1 GB: it is streamed, never loaded whole;
// what is kept in memory is per-day aggregates and a small set of blood
// pressure keys.
//
// The zip is read in place (io.ReaderAt), never extracted, and refused when
// it looks like a zip bomb. export.xml's prolog (with Apple's internal DTD of
// <!ELEMENT>/<!ATTLIST> declarations) is read by Go's encoding/xml, which
// never resolves external entities; a document declaring entities is
// refused. Its body is read by a strict byte scanner (fastxml.go) that
// expands no entity. Error messages never quote the file's content: it is
// health data.
//
// Ids are deterministic (the owner's Patient from <Me>; an Observation from
// its type, times and source, or from its type and day for the daily
// summaries), so importing the same export again changes nothing and a newer
// export adds only what is new; a day still in progress in the older export
// gets its summary updated.
package applehealth

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
)

// Errors a caller tells apart with errors.Is. Their text says what happened in
// plain words and never quotes the file.
var (
	// ErrNotExport: neither an Apple Health export.zip nor its export.xml.
	ErrNotExport = errors.New("this file is not an Apple Health export")
	// ErrUnsafe: a zip bomb (sizes, compression ratio, entry count,
	// overlapping entries), an entry name escaping its folder, or XML that
	// declares entities.
	ErrUnsafe = errors.New("this Apple Health export is built in a way Fasten refuses to read as unsafe")
	// ErrMalformed: a damaged zip or XML that is not well-formed.
	ErrMalformed = errors.New("this Apple Health export is damaged")
	// ErrTooLarge: a piece of the export beyond what Fasten reads (an XML
	// tag longer than MaxTag, a health record file beyond MaxClinicalFile).
	ErrTooLarge = errors.New("this Apple Health export holds a part larger than Fasten reads")
)

// Limits. Real exports: export.xml of a few GB compressing about 10–30×,
// thousands of small clinical-records files, ECGs and workout routes.
var (
	// MaxEntries is the most zip entries read.
	MaxEntries = 200_000
	// MaxTotal is the most uncompressed bytes the zip may declare in all.
	MaxTotal int64 = 64 << 30
	// MaxRatio is the highest compression ratio of an entry larger than
	// ratioFloor (deflate can reach ≈1000×; XML exports are ≈10–30×).
	MaxRatio int64 = 250
	// MaxClinicalFile is the largest clinical-records JSON file read.
	MaxClinicalFile int64 = 32 << 20
	// MaxTag is the longest run of bytes without a '>' in export.xml: no
	// real tag or text comes near it; a "2 GB single line" does.
	MaxTag = 1 << 20
)

const ratioFloor = 1 << 20

// PartKind says what a Part's stream holds.
type PartKind int

const (
	// Samples: the HealthKit samples as a FHIR R4 collection Bundle
	// (a Patient for the phone's owner, then Observations).
	Samples PartKind = iota + 1
	// ClinicalRecords: one provider's health records as a collection Bundle
	// whose entries are the files' bytes as sent (R4 or DSTU2, see FHIRVersion).
	ClinicalRecords
	// CDA: export_cda.xml's bytes.
	CDA
)

func (k PartKind) String() string {
	switch k {
	case Samples:
		return "samples"
	case ClinicalRecords:
		return "clinical records"
	case CDA:
		return "CDA"
	}
	return "unknown"
}

// Problem is something of a part not imported, counted, with a plain reason.
// Item names a file of the export (a clinical record's path) or an Apple data
// type identifier; never a value.
type Problem struct {
	Item   string
	Count  int
	Reason string
}

// Part is one stream the import reads from an export.
type Part struct {
	Kind        PartKind
	Label       string // "Apple Health" for samples and CDA; the provider's name for clinical records
	URL         string // the provider's FHIR address; "" otherwise
	FHIRVersion string // clinical records: as export.xml lists it ("1.0.2", "4.0.1"…)
	Size        int64  // uncompressed bytes the part reads, for progress
	// Open starts the stream; the caller reads it to the end and closes it.
	// Samples/ClinicalRecords: a FHIR JSON collection Bundle; CDA: the XML.
	Open func(ctx context.Context) (io.ReadCloser, error)
	// Read is how many of Size's bytes the stream has read so far.
	Read func() int64
	// Problems is what was not imported, complete once the stream returned
	// io.EOF. A stream that fails returns an error wrapping one of this
	// package's errors instead.
	Problems func() []Problem
}

// Export is an opened export. Its parts read from the io.ReaderAt given to
// Open, which must stay open while they are read.
type Export struct {
	parts []Part
}

// Parts are the export's streams: samples, then clinical records per
// provider in the order export.xml first lists them, then the CDA document.
func (e *Export) Parts() []Part { return append([]Part(nil), e.parts...) }

// Sniff says whether head (the first bytes of a file) looks like an Apple
// Health export: a zip whose first entry is in apple_health_export/, or XML
// whose root element is HealthData.
func Sniff(head []byte) bool {
	if bytes.HasPrefix(head, []byte("PK\x03\x04")) && len(head) >= 30 {
		n := int(head[26]) | int(head[27])<<8
		if 30+n > len(head) {
			n = len(head) - 30
		}
		return bytes.HasPrefix(head[30:30+n], []byte("apple_health_export"))
	}
	return sniffXML(head)
}

// sniffXML: the first element is HealthData, or the DOCTYPE names it (Apple's
// internal DTD is longer than a sniffed head).
func sniffXML(head []byte) bool {
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	head = bytes.TrimLeft(head, " \t\r\n")
	if bytes.HasPrefix(head, []byte("<?xml")) {
		i := bytes.Index(head, []byte("?>"))
		if i < 0 {
			return false
		}
		head = bytes.TrimLeft(head[i+2:], " \t\r\n")
	}
	for bytes.HasPrefix(head, []byte("<!--")) {
		i := bytes.Index(head, []byte("-->"))
		if i < 0 {
			return false
		}
		head = bytes.TrimLeft(head[i+3:], " \t\r\n")
	}
	for _, p := range []string{"<!DOCTYPE HealthData", "<HealthData"} {
		if bytes.HasPrefix(head, []byte(p)) && len(head) > len(p) {
			c := head[len(p)]
			return c == ' ' || c == '>' || c == '[' || c == '\t' || c == '\r' || c == '\n' || c == '/'
		}
	}
	return false
}

// Open reads an export: an export.zip (r is the whole file) or a bare
// export.xml. It reads the start of export.xml (the owner's characteristics)
// and, when the zip holds clinical records, scans export.xml once for their
// list (a quick byte scan, about as fast as inflating).
func Open(r io.ReaderAt, size int64) (*Export, error) {
	head := make([]byte, 4096)
	n, err := r.ReadAt(head, 0)
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("%w (cannot read it)", ErrMalformed)
	}
	head = head[:n]
	if bytes.HasPrefix(head, []byte("PK\x03\x04")) {
		return openZip(r, size)
	}
	if !sniffXML(head) {
		return nil, ErrNotExport
	}
	src := &source{
		open: func() (io.ReadCloser, error) { return io.NopCloser(io.NewSectionReader(r, 0, size)), nil },
		size: size,
	}
	me, err := readMe(src)
	if err != nil {
		return nil, err
	}
	return &Export{parts: []Part{samplesPart(src, me, nil, 0)}}, nil
}

// source is export.xml wherever it is.
type source struct {
	open func() (io.ReadCloser, error)
	size int64
}

func openZip(r io.ReaderAt, size int64) (*Export, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		if errors.Is(err, zip.ErrInsecurePath) {
			return nil, fmt.Errorf("%w (a file name leaves its folder)", ErrUnsafe)
		}
		return nil, fmt.Errorf("%w (not a readable zip)", ErrMalformed)
	}
	if err := checkZip(zr.File, size); err != nil {
		return nil, err
	}
	// export.xml's name is translated with the phone's language
	// (exportar.xml, eksport.xml, 导出.xml…): it is the XML beside
	// export_cda.xml whose root is HealthData.
	var main *zip.File
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	sort.Strings(names)
	byName := make(map[string]*zip.File, len(zr.File))
	for _, f := range zr.File {
		byName[f.Name] = f
	}
	for _, name := range names {
		f := byName[name]
		if strings.Count(name, "/") > 1 || !strings.EqualFold(path.Ext(name), ".xml") || strings.EqualFold(path.Base(name), "export_cda.xml") {
			continue
		}
		if looksLikeHealthData(f) {
			main = f
			break
		}
	}
	if main == nil {
		return nil, ErrNotExport
	}
	dir := path.Dir(main.Name)
	src := &source{open: main.Open, size: int64(main.UncompressedSize64)}
	me, err := readMe(src)
	if err != nil {
		return nil, err
	}
	var clinicalFiles []*zip.File
	prefix := path.Join(dir, "clinical-records") + "/"
	if dir == "." {
		prefix = "clinical-records/"
	}
	for _, name := range names {
		if strings.HasPrefix(name, prefix) && strings.HasSuffix(strings.ToLower(name), ".json") {
			clinicalFiles = append(clinicalFiles, byName[name])
		}
	}
	var groups []*provider
	if len(clinicalFiles) > 0 {
		if groups, err = listClinical(src); err != nil {
			return nil, err
		}
	}
	lookup := func(p string) *zip.File {
		// resourceFilePath is "/clinical-records/X.json", relative to the
		// export's folder; a path leaving it is never looked up.
		rel := strings.TrimPrefix(p, "/")
		if !safeName(rel) || path.Clean(rel) != rel {
			return nil
		}
		return byName[path.Join(dir, rel)]
	}
	parts := []Part{samplesPart(src, me, clinicalFiles, groupsListed(groups))}
	for _, g := range groups {
		parts = append(parts, clinicalPart(g, lookup, me, clinicalFiles))
	}
	if cda := byName[path.Join(dir, "export_cda.xml")]; cda != nil {
		parts = append(parts, cdaPart(cda))
	}
	return &Export{parts: parts}, nil
}

func groupsListed(groups []*provider) int {
	n := 0
	for _, g := range groups {
		n += len(g.records)
	}
	return n
}

// checkZip refuses zip bombs and unsafe names before anything is read: too
// many entries, declared sizes beyond MaxTotal, an entry compressing more than
// MaxRatio, entries whose data overlap (the shape of the non-recursive zip
// bombs), names leaving their folder. archive/zip itself refuses an entry
// that inflates to more than it declared.
func checkZip(files []*zip.File, size int64) error {
	if len(files) > MaxEntries {
		return fmt.Errorf("%w (too many files in the zip)", ErrUnsafe)
	}
	var total uint64
	type span struct{ start, end int64 }
	spans := make([]span, 0, len(files))
	for _, f := range files {
		if !safeName(f.Name) {
			return fmt.Errorf("%w (a file name leaves its folder)", ErrUnsafe)
		}
		total += f.UncompressedSize64
		if total > uint64(MaxTotal) || f.UncompressedSize64 > uint64(MaxTotal) {
			return fmt.Errorf("%w (it would unpack to more than %d GB)", ErrUnsafe, MaxTotal>>30)
		}
		if f.UncompressedSize64 > ratioFloor && f.UncompressedSize64/max(f.CompressedSize64, 1) > uint64(MaxRatio) {
			return fmt.Errorf("%w (a file is compressed more than %d times)", ErrUnsafe, MaxRatio)
		}
		off, err := f.DataOffset()
		if err != nil {
			return fmt.Errorf("%w (not a readable zip)", ErrMalformed)
		}
		if off < 0 || off+int64(f.CompressedSize64) > size {
			return fmt.Errorf("%w (not a readable zip)", ErrMalformed)
		}
		spans = append(spans, span{off, off + int64(f.CompressedSize64)})
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].start < spans[j].start })
	for i := 1; i < len(spans); i++ {
		if spans[i].start < spans[i-1].end {
			return fmt.Errorf("%w (files in the zip share their data)", ErrUnsafe)
		}
	}
	return nil
}

// safeName: a relative slash path with no ".." element, no backslash, drive
// or NUL — nothing is extracted, but a name like that is never Apple's.
func safeName(name string) bool {
	if name == "" || strings.HasPrefix(name, "/") || strings.ContainsAny(name, "\\\x00") {
		return false
	}
	if len(name) >= 2 && name[1] == ':' {
		return false
	}
	for _, el := range strings.Split(name, "/") {
		if el == ".." {
			return false
		}
	}
	return true
}

func looksLikeHealthData(f *zip.File) bool {
	rc, err := f.Open()
	if err != nil {
		return false
	}
	defer rc.Close()
	head := make([]byte, 4096)
	n, _ := io.ReadFull(rc, head)
	return sniffXML(head[:n])
}

// counter counts bytes read through it, for Part.Read.
type counter struct {
	r io.Reader
	n *atomic.Int64
}

func (c counter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// problems collects a part's problems while it streams.
type problems struct {
	mu    sync.Mutex
	list  []Problem
	index map[string]int
}

func (p *problems) add(item, reason string, n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.index == nil {
		p.index = map[string]int{}
	}
	key := item + "\x00" + reason
	if i, ok := p.index[key]; ok {
		p.list[i].Count += n
		return
	}
	p.index[key] = len(p.list)
	p.list = append(p.list, Problem{Item: item, Count: n, Reason: reason})
}

func (p *problems) get() []Problem {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Problem(nil), p.list...)
}

func (p *problems) reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.list, p.index = nil, nil
}

// pipeStream runs write in a goroutine feeding the returned reader; closing
// the reader (or ctx ending) stops it.
func pipeStream(ctx context.Context, write func(ctx context.Context, w io.Writer) error) io.ReadCloser {
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(ctx)
	// A cancelled context ends the stream at once for the reader, and the
	// writer's next write fails, which stops it.
	stop := context.AfterFunc(ctx, func() { pw.CloseWithError(ctx.Err()) })
	go func() {
		defer cancel()
		err := write(ctx, pw)
		stop()
		pw.CloseWithError(err)
	}()
	return &pipeReader{pr, cancel}
}

type pipeReader struct {
	*io.PipeReader
	cancel context.CancelFunc
}

func (p *pipeReader) Close() error {
	p.cancel()
	return p.PipeReader.Close()
}

func cdaPart(f *zip.File) Part {
	var read atomic.Int64
	return Part{
		Kind:  CDA,
		Label: "Apple Health",
		Size:  int64(f.UncompressedSize64),
		Open: func(ctx context.Context) (io.ReadCloser, error) {
			read.Store(0)
			rc, err := f.Open()
			if err != nil {
				return nil, fmt.Errorf("%w (cannot open its CDA document)", ErrMalformed)
			}
			return struct {
				io.Reader
				io.Closer
			}{counter{zipErrors{rc}, &read}, rc}, nil
		},
		Read:     read.Load,
		Problems: func() []Problem { return nil },
	}
}

// zipErrors turns archive/zip's read errors (checksum, size) into ErrMalformed.
type zipErrors struct{ r io.Reader }

func (z zipErrors) Read(p []byte) (int, error) {
	n, err := z.r.Read(p)
	if err != nil && err != io.EOF {
		err = fmt.Errorf("%w (a file in the zip does not unpack)", ErrMalformed)
	}
	return n, err
}
