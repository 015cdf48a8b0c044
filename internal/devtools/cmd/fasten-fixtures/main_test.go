package main

import (
	"archive/zip"
	"path/filepath"
	"testing"
)

// The browser test's export.zip: samples, both providers' records and the CCD.
func TestWriteAppleHealth(t *testing.T) {
	ccd := defaultCCD()
	if ccd == "" {
		t.Fatal("shared fixtures not found")
	}
	out := filepath.Join(t.TempDir(), "export.zip")
	if err := writeAppleHealth(out, ccd); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.OpenReader(out)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	names := map[string]bool{}
	for _, f := range zr.File {
		names[f.Name] = true
	}
	for _, want := range []string{"apple_health_export/export.xml", "apple_health_export/export_cda.xml", "apple_health_export/clinical-records/Patient-eJane1.json"} {
		if !names[want] {
			t.Errorf("%s missing from %v", want, names)
		}
	}
}
