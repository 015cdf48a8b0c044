package records_test

import (
	"archive/zip"
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fastenhealth/fasten-desktop/internal/records"
)

// Whatever a file claims to be — an Apple Health export, a health card, a
// zip — a bad one is refused whole with words a family can act on, nothing
// of it is stored, and the vault is as it was.
func TestBadFilesOfEveryFormatAreRefused(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	if rep, err := s.Import(ctx, fixtureFiles(t, "family")[:1], records.ImportOptions{AutoCreatePeople: true}, nil); err != nil || rep.Files[0].Status != records.FileImported {
		t.Fatalf("%+v %v", rep, err)
	}
	before := snapshot(t, s)
	dir := t.TempDir()
	zipOf := func(files map[string][]byte) []byte {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for name, data := range files {
			w, err := zw.Create(name)
			if err != nil {
				t.Fatal(err)
			}
			w.Write(data)
		}
		zw.Close()
		return buf.Bytes()
	}
	exportXML := func(doctype, body string) []byte {
		return []byte(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + doctype + "\n" +
			`<HealthData locale="en_US"><ExportDate value="2024-01-01 10:00:00 -0500"/>` +
			`<Me HKCharacteristicTypeIdentifierDateOfBirth="1980-04-12" HKCharacteristicTypeIdentifierBiologicalSex="HKBiologicalSexFemale"/>` + body + `</HealthData>`)
	}
	laughs := `<!DOCTYPE HealthData [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>`
	var blank bytes.Buffer
	img := image.NewGray(image.Rect(0, 0, 400, 300))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	img.Set(10, 10, color.Black)
	png.Encode(&blank, img)
	for _, c := range []struct {
		name, file string
		data       []byte
		says       string
	}{
		{"a zip that is not an export", "photos.zip", zipOf(map[string][]byte{"holiday/readme.txt": []byte("hello")}), "not an Apple Health export"},
		{"an export whose XML declares entities (billion laughs)", "export.zip", zipOf(map[string][]byte{"apple_health_export/export.xml": exportXML(laughs, `<Record type="HKQuantityTypeIdentifierBodyMass" value="&b;"/>`)}), "unsafe"},
		{"a bare export.xml declaring entities", "export.xml", exportXML(laughs, ""), "unsafe"},
		{"a zip bomb", "export.zip", zipOf(map[string][]byte{"apple_health_export/export.xml": exportXML("", strings.Repeat(" ", 8<<20))}), "unsafe"},
		{"an export cut short", "export.xml", exportXML("", `<Record type="HKQuantityTypeIdentifierBodyMass" unit="kg" value="70" startDate="2024-01-01 08:00:00 -0500"`)[:360], "damaged"},
		{"a picture without a QR code", "card.png", blank.Bytes(), "no readable QR code"},
		{"a damaged health card", "card.smart-health-card", []byte(`{"verifiableCredential":["eyJhbGciOiJFUzI1NiJ9.!!!.xx"]}`), "damaged"},
		{"health card text that is not a card", "card.txt", []byte("shc:/5676290952432060346029243740446031222959532654603460292540772804336028702864716745222809286133314564376531415906402203064504590856435503414245413640370636654171372412363803043756220467374075323239254334433260573601064529047135"), "damaged"},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, c.file)
			if err := os.WriteFile(path, c.data, 0o600); err != nil {
				t.Fatal(err)
			}
			rep, err := s.Import(ctx, []string{path}, records.ImportOptions{AutoCreatePeople: true}, nil)
			if err != nil {
				t.Fatal(err)
			}
			fr := rep.Files[0]
			if fr.Status != records.FileRejected || !strings.Contains(strings.ToLower(fr.Error), strings.ToLower(c.says)) {
				t.Fatalf("%+v, want it refused saying %q", fr, c.says)
			}
			if snapshot(t, s) != before {
				t.Fatal("a refused file changed the vault")
			}
		})
	}
}
