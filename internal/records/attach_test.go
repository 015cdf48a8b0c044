package records_test

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fastenhealth/fasten-desktop/internal/records"
)

// testImage is a small picture with something in it (not one colour), so
// a decode that only half worked would show.
func testImage() *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for y := 0; y < 48; y++ {
		for x := 0; x < 64; x++ {
			img.Set(x, y, color.RGBA{uint8(x * 4), uint8(y * 5), 128, 255})
		}
	}
	return img
}

func pngFile(t *testing.T) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, testImage()); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// gpsLatitude is a value no encoder would write by chance: its bytes must
// be gone after stripping, wherever they were.
var gpsLatitude = []uint32{41, 1, 53, 1, 4321, 100} // 41° 53' 43.21"

// jpegWithGPS is a JPEG from image/jpeg with an APP1 Exif segment spliced
// in after SOI, as a phone writes one: IFD0 holds Orientation (which must
// survive) and the pointer to a GPS IFD (LatitudeRef "N", Latitude as
// three RATIONALs stored outside the entry).
func jpegWithGPS(t *testing.T) []byte {
	var img bytes.Buffer
	if err := jpeg.Encode(&img, testImage(), &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	le := binary.LittleEndian
	tiff := []byte("II*\x00")
	tiff = le.AppendUint32(tiff, 8) // IFD0 at 8
	entry := func(b []byte, tag, typ uint16, count, value uint32) []byte {
		b = le.AppendUint16(b, tag)
		b = le.AppendUint16(b, typ)
		b = le.AppendUint32(b, count)
		return le.AppendUint32(b, value)
	}
	// IFD0: 2 entries, at 8; its size 2+24+4 = 30, so the GPS IFD is at 38.
	tiff = le.AppendUint16(tiff, 2)
	tiff = entry(tiff, 0x0112, 3, 1, 6) // Orientation: rotate 90°
	tiff = entry(tiff, 0x8825, 4, 1, 38)
	tiff = le.AppendUint32(tiff, 0)
	// GPS IFD: 2 entries (2+24+4 = 30 bytes), latitude values at 68.
	tiff = le.AppendUint16(tiff, 2)
	tiff = entry(tiff, 0x0001, 2, 2, uint32('N'))
	tiff = entry(tiff, 0x0002, 5, 3, 68)
	tiff = le.AppendUint32(tiff, 0)
	for _, v := range gpsLatitude {
		tiff = le.AppendUint32(tiff, v)
	}
	seg := []byte{0xFF, 0xE1}
	seg = binary.BigEndian.AppendUint16(seg, uint16(2+6+len(tiff)))
	seg = append(seg, "Exif\x00\x00"...)
	seg = append(seg, tiff...)
	jpg := img.Bytes()
	out := append([]byte{}, jpg[:2]...)
	out = append(out, seg...)
	return append(out, jpg[2:]...)
}

func latitudeBytes() []byte {
	var b []byte
	for _, v := range gpsLatitude {
		b = binary.LittleEndian.AppendUint32(b, v)
	}
	return b
}

const pdfFile = "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"

// docsOf lists a person's documents by title.
func docsOf(t *testing.T, s *records.Store, person int64) map[string]records.Document {
	t.Helper()
	ds, err := s.Documents(context.Background(), person)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]records.Document{}
	for _, d := range ds {
		m[d.Title] = d
	}
	return m
}

// Photos, scans and PDFs a family adds are kept as DocumentReferences
// entered by them: listed in Documents (opening to the same bytes), on the
// timeline, with FHIR's SHA-1 hash; a photo's GPS data goes only when asked,
// and the photo still decodes with its orientation kept.
func TestAttachDocuments(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	p, err := s.AddPerson(ctx, "Mere Ngata", "1980-01-01")
	if err != nil {
		t.Fatal(err)
	}
	visit, err := s.AddEnteredJSON(ctx, p.ID, []byte(`{"resourceType":"Encounter","status":"finished","class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"AMB"},"period":{"start":"2024-03-09"}}`))
	if err != nil {
		t.Fatal(err)
	}
	png := pngFile(t)
	jpg := jpegWithGPS(t)
	if !bytes.Contains(jpg, latitudeBytes()) {
		t.Fatal("the test photo has no GPS latitude to remove")
	}
	cases := []struct {
		a        records.Attachment
		content  []byte
		wantType string
		stripped bool
	}{
		{records.Attachment{FileName: "scan.png", Title: "Vaccine card from Samoa", Date: "2015", Kind: records.DocVaccineCard}, png, "image/png", false},
		{records.Attachment{FileName: `C:\Users\mere\photo.jpg`, Date: "2024-03-09", Kind: records.DocLabReport, VisitID: visit.ID}, jpg, "image/jpeg", false},
		{records.Attachment{FileName: "located.jpeg", Title: "Card photo", Date: "2024-03", Kind: records.DocInsuranceCard, StripLocation: true}, jpg, "image/jpeg", true},
		// The extension says nothing: the bytes are a PDF.
		{records.Attachment{FileName: "letter.bin", Title: "Discharge letter", Date: "2023-11-20", Kind: records.DocDischargePapers}, []byte(pdfFile), "application/pdf", false},
	}
	ids := map[string]int64{}
	for _, c := range cases {
		c.a.Content = bytes.NewReader(c.content)
		r, err := s.AttachDocument(ctx, p.ID, c.a)
		if err != nil {
			t.Fatalf("%s: %v", c.a.FileName, err)
		}
		title := c.a.Title
		if title == "" {
			title = "photo.jpg" // the file name, without its folders
		}
		ids[title] = r.ID
		d, ok := docsOf(t, s, p.ID)[title]
		if !ok {
			t.Fatalf("%q is not in Documents", title)
		}
		if d.ContentType != c.wantType || d.Source != records.EnteredSourceLabel || d.Resource != r.ID || !d.Renderable {
			t.Errorf("%q: %+v", title, d)
		}
		_, got, err := s.DocumentContent(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !c.stripped && !bytes.Equal(got, c.content) {
			t.Errorf("%q: stored bytes differ from the file", title)
		}
		if c.stripped {
			if bytes.Contains(got, latitudeBytes()) || bytes.Contains(got, []byte{0x25, 0x88}) {
				t.Errorf("%q: GPS data still in the stored photo", title)
			}
			img, err := jpeg.Decode(bytes.NewReader(got))
			if err != nil || img.Bounds().Dx() != 64 {
				t.Errorf("%q: the stripped photo does not decode: %v", title, err)
			}
			// Orientation (tag 0x0112, SHORT, 1, value 6) is kept.
			if !bytes.Contains(got, []byte{0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0}) {
				t.Errorf("%q: orientation lost", title)
			}
			if len(got) != len(c.content) {
				t.Errorf("%q: %d bytes, want %d (zeroed in place)", title, len(got), len(c.content))
			}
		}
		// The resource: what FHIR says of the file, hash included.
		det, err := s.Detail(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		var res struct {
			Status  string `json:"status"`
			Type    struct{ Coding []struct{ Code string } }
			Content []struct {
				Attachment struct {
					ContentType, Title, Creation, Hash string
					Size                               int
				}
			}
			Context struct{ Encounter []struct{ Reference string } }
		}
		if err := json.Unmarshal([]byte(det.Raw), &res); err != nil {
			t.Fatal(err)
		}
		sum := sha1.Sum(got)
		at := res.Content[0].Attachment
		if res.Status != "current" || at.Hash != base64.StdEncoding.EncodeToString(sum[:]) || at.Size != len(got) || at.Title != title || at.ContentType != c.wantType {
			t.Errorf("%q: resource %+v", title, res)
		}
		if c.a.VisitID != 0 && (len(res.Context.Encounter) != 1 || !strings.HasPrefix(res.Context.Encounter[0].Reference, "Encounter/")) {
			t.Errorf("%q: not linked to the visit: %+v", title, res.Context)
		}
	}
	docs := docsOf(t, s, p.ID)
	if docs["Vaccine card from Samoa"].Kind != "Vaccine card" || docs["Discharge letter"].Kind != "Discharge papers" {
		t.Errorf("kinds: %q %q", docs["Vaccine card from Samoa"].Kind, docs["Discharge letter"].Kind)
	}

	// All four are on the timeline, with their documents; the photo linked
	// to the visit is grouped under it.
	tl, err := s.Timeline(ctx, p.ID, records.TimelineQuery{Types: []string{"DocumentReference"}})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int64]records.TimelineItem{}
	for _, it := range tl.Items {
		seen[it.ID] = it
	}
	for title, id := range ids {
		it, ok := seen[id]
		if !ok || len(it.Documents) != 1 {
			t.Errorf("%q not on the timeline with its document: %+v", title, it)
		}
	}
	if it := seen[ids["photo.jpg"]]; it.Encounter != visit.ID || it.Date != "2024-03-09T00:00:00Z" && it.Date != "2024-03-09" {
		t.Errorf("linked photo: encounter %d (want %d), date %q", it.Encounter, visit.ID, it.Date)
	}
	if it := seen[ids["Vaccine card from Samoa"]]; it.Date != "2015" {
		t.Errorf("a document known to the year is dated %q", it.Date)
	}
}

// What cannot be kept is refused with the reason, typed, and nothing is
// stored: a program, random bytes, a file over the limit (read no further
// than the limit), an empty file, and fields that are wrong.
func TestAttachDocumentRefused(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	p, err := s.AddPerson(ctx, "Mere Ngata", "1980-01-01")
	if err != nil {
		t.Fatal(err)
	}
	other, err := s.AddPerson(ctx, "Tama Ngata", "2010-05-05")
	if err != nil {
		t.Fatal(err)
	}
	othersVisit, err := s.AddEnteredJSON(ctx, other.ID, []byte(`{"resourceType":"Encounter","status":"finished","class":{"code":"AMB"}}`))
	if err != nil {
		t.Fatal(err)
	}
	noise := make([]byte, 4096)
	rand.New(rand.NewSource(1)).Read(noise)
	exe := append([]byte("MZ\x90\x00\x03\x00\x00\x00"), noise[:200]...)
	heic := append([]byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00"), noise[:100]...)
	big := &countingReader{r: io.MultiReader(strings.NewReader("%PDF-1.7\n"), io.LimitReader(zeros{}, 30<<20))}

	for _, c := range []struct {
		name   string
		a      records.Attachment
		reason error
		fields []string
	}{
		{"program", records.Attachment{FileName: "report.pdf", Content: bytes.NewReader(exe), Kind: records.DocOther}, records.ErrNotDocumentFile, []string{"file"}},
		{"noise", records.Attachment{FileName: "scan.jpg", Content: bytes.NewReader(noise), Kind: records.DocOther}, records.ErrNotDocumentFile, []string{"file"}},
		{"heic", records.Attachment{FileName: "IMG_0001.HEIC", Content: bytes.NewReader(heic), Kind: records.DocOther}, records.ErrNotDocumentFile, []string{"file"}},
		{"30 MB", records.Attachment{FileName: "big.pdf", Content: big, Kind: records.DocOther}, records.ErrFileTooLarge, []string{"file"}},
		{"noise and a bad date", records.Attachment{FileName: "scan.jpg", Content: bytes.NewReader(noise), Date: "2024-13", Kind: records.DocOther}, records.ErrNotDocumentFile, []string{"file", "date"}},
		{"empty", records.Attachment{FileName: "empty.pdf", Content: bytes.NewReader(nil), Kind: records.DocOther}, records.ErrEmptyFile, []string{"file"}},
		{"fields", records.Attachment{FileName: "", Content: strings.NewReader(pdfFile), Date: "2024-02-30", Kind: "x-ray", VisitID: othersVisit.ID}, nil, []string{"title", "date", "kind", "visit"}},
		{"future", records.Attachment{FileName: "a.pdf", Content: strings.NewReader(pdfFile), Date: "2999", Kind: records.DocOther}, nil, []string{"date"}},
	} {
		_, err := s.AttachDocument(ctx, p.ID, c.a)
		var ee *records.EntryError
		if !errors.As(err, &ee) {
			t.Fatalf("%s: %v, want an EntryError", c.name, err)
		}
		if c.reason != nil && !errors.Is(err, c.reason) {
			t.Errorf("%s: %v is not %v", c.name, err, c.reason)
		}
		var got []string
		for _, pr := range ee.Problems {
			got = append(got, pr.Field)
			if pr.Reason == "" {
				t.Errorf("%s: %s has no reason", c.name, pr.Field)
			}
		}
		if strings.Join(got, ",") != strings.Join(c.fields, ",") {
			t.Errorf("%s: problems at %v, want %v", c.name, got, c.fields)
		}
	}
	// The 30 MB file was read no further than the limit and one byte.
	if big.n > records.MaxAttachFile+1 {
		t.Errorf("read %d bytes of an over-limit file", big.n)
	}
	if _, err := s.AttachDocument(ctx, 999, records.Attachment{FileName: "a.pdf", Content: strings.NewReader(pdfFile), Kind: records.DocOther}); !errors.Is(err, records.ErrNoPerson) {
		t.Errorf("unknown person: %v", err)
	}
	if n := len(docsOf(t, s, p.ID)); n != 0 {
		t.Errorf("%d documents stored from refused files", n)
	}
}

// A photo whose Exif cannot be followed is refused when its location was
// to be removed, rather than kept with the location.
func TestAttachStripRefusesUnreadableExif(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	p, err := s.AddPerson(ctx, "Mere Ngata", "1980-01-01")
	if err != nil {
		t.Fatal(err)
	}
	jpg := jpegWithGPS(t)
	// Point the GPS IFD past the end of the Exif block.
	i := bytes.Index(jpg, []byte{0x25, 0x88, 4, 0, 1, 0, 0, 0})
	binary.LittleEndian.PutUint32(jpg[i+8:], 60000)
	_, err = s.AttachDocument(ctx, p.ID, records.Attachment{FileName: "a.jpg", Content: bytes.NewReader(jpg), Kind: records.DocOther, StripLocation: true})
	if !errors.Is(err, records.ErrLocationKept) {
		t.Fatalf("got %v", err)
	}
	// Without the request it is kept as it is.
	if _, err = s.AttachDocument(ctx, p.ID, records.Attachment{FileName: "a.jpg", Content: bytes.NewReader(jpg), Kind: records.DocOther}); err != nil {
		t.Fatal(err)
	}
}

type zeros struct{}

func (zeros) Read(b []byte) (int, error) { clear(b); return len(b), nil }

// countingReader counts what was read of a 30 MB file.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n += int64(n)
	return n, err
}

// A document attached to a visit from an imported file is grouped under
// that visit on the timeline, though the visit is in another source.
func TestAttachToImportedVisit(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	p, err := s.AddPerson(ctx, "Mere Ngata", "1980-01-01")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "visit.json")
	os.WriteFile(file, []byte(`{"resourceType":"Bundle","type":"collection","entry":[
{"resource":{"resourceType":"Patient","id":"pt1","name":[{"text":"Mere Ngata"}],"birthDate":"1980-01-01"}},
{"resource":{"resourceType":"Encounter","id":"enc-1","status":"finished","class":{"code":"AMB"},"subject":{"reference":"Patient/pt1"},"period":{"start":"2024-03-09"}}}]}`), 0o600)
	if _, err := s.Import(ctx, []string{file}, records.ImportOptions{PersonID: p.ID}, nil); err != nil {
		t.Fatal(err)
	}
	tl, err := s.Timeline(ctx, p.ID, records.TimelineQuery{Types: []string{"Encounter"}})
	if err != nil || len(tl.Items) != 1 {
		t.Fatalf("the imported visit: %+v %v", tl.Items, err)
	}
	visit := tl.Items[0].ID
	r, err := s.AttachDocument(ctx, p.ID, records.Attachment{FileName: "letter.pdf", Content: strings.NewReader(pdfFile), Date: "2024-03-09", Kind: records.DocLabReport, VisitID: visit})
	if err != nil {
		t.Fatal(err)
	}
	tl, err = s.Timeline(ctx, p.ID, records.TimelineQuery{Types: []string{"DocumentReference"}})
	if err != nil || len(tl.Items) != 1 || tl.Items[0].ID != r.ID || tl.Items[0].Encounter != visit {
		t.Fatalf("the document is not under the visit %d: %+v %v", visit, tl.Items, err)
	}
}

// A PNG's eXIf chunk (where a PNG keeps a position) goes when asked; the
// image chunks stay as they were and it still decodes.
func TestAttachPNGStripsExif(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	p, err := s.AddPerson(ctx, "Mere Ngata", "1980-01-01")
	if err != nil {
		t.Fatal(err)
	}
	plain := pngFile(t)
	// eXIf goes before IDAT, with its CRC, so the file is a valid PNG.
	exif := append([]byte("II*\x00"), latitudeBytes()...)
	chunk := binary.BigEndian.AppendUint32(nil, uint32(len(exif)))
	chunk = append(chunk, "eXIf"...)
	chunk = append(chunk, exif...)
	chunk = binary.BigEndian.AppendUint32(chunk, crc32.ChecksumIEEE(append([]byte("eXIf"), exif...)))
	ihdrEnd := 8 + 8 + 13 + 4
	withGPS := append(append(append([]byte{}, plain[:ihdrEnd]...), chunk...), plain[ihdrEnd:]...)
	if _, err := png.Decode(bytes.NewReader(withGPS)); err != nil {
		t.Fatalf("the test PNG does not decode: %v", err)
	}
	r, err := s.AttachDocument(ctx, p.ID, records.Attachment{FileName: "a.png", Content: bytes.NewReader(withGPS), Kind: records.DocOther, StripLocation: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range docsOf(t, s, p.ID) {
		if d.Resource != r.ID {
			continue
		}
		_, got, err := s.DocumentContent(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, plain) {
			t.Errorf("stored %d bytes, want the PNG without its eXIf chunk (%d bytes)", len(got), len(plain))
		}
		return
	}
	t.Fatal("the PNG is not in Documents")
}
