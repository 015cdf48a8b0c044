package main

import (
	"archive/zip"
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/fastenhealth/fasten-desktop/internal/applehealth"
	"github.com/fastenhealth/fasten-desktop/internal/applehealth/applehealthtest"
	"github.com/fastenhealth/fasten-desktop/internal/fhir"
	"github.com/fastenhealth/fasten-desktop/internal/records"
	"github.com/fastenhealth/fasten-desktop/internal/session"
	"github.com/fastenhealth/fasten-desktop/internal/vault"
)

// appleHealthBytes is the size of the generated export.xml (issue 10: a
// 1 GB export).
var appleHealthBytes int64 = 1 << 30

// appleHealthPhase generates an export.zip whose export.xml is
// appleHealthBytes long (an Apple Watch's day: heart rate every 5 minutes,
// steps from phone and watch, sleep stages, vitals, workouts), then times:
// the floor (inflating export.xml to nowhere: just reading the bytes),
// Open (which scans export.xml once for the clinical records' list), and
// reading every part to its end through the import's FHIR reader, counting
// resources. Peak RSS is this process's (the generator streams: it holds
// about a megabyte).
func appleHealthPhase(dir string) (result, error) {
	path := filepath.Join(dir, "export.zip")
	f, err := os.Create(path)
	if err != nil {
		return result{}, err
	}
	defer os.Remove(path)
	bw := bufio.NewWriterSize(f, 1<<20)
	genStart := time.Now()
	st, err := applehealthtest.WriteExport(bw, applehealthtest.Options{TargetBytes: appleHealthBytes, HeartRatePerDay: 288, StepsPerDay: 96, Clinical: true})
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = f.Close()
	}
	if err != nil {
		return result{}, err
	}
	gen := time.Since(genStart).Seconds()
	f, err = os.Open(path)
	if err != nil {
		return result{}, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return result{}, err
	}

	floorStart := time.Now()
	if err := inflateExportXML(f, fi.Size()); err != nil {
		return result{}, err
	}
	floor := time.Since(floorStart).Seconds()

	start := time.Now()
	e, err := applehealth.Open(f, fi.Size())
	if err != nil {
		return result{}, err
	}
	openSecs := time.Since(start).Seconds()
	ctx := context.Background()
	resources, outBytes := 0, int64(0)
	for _, p := range e.Parts() {
		if p.Kind == applehealth.CDA {
			continue
		}
		rc, err := p.Open(ctx)
		if err != nil {
			return result{}, err
		}
		cr := &countReader{r: rc}
		r := fhir.NewReader(cr, fhir.DefaultLimits())
		for {
			_, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				rc.Close()
				return result{}, err
			}
			resources++
		}
		rc.Close()
		outBytes += cr.n
	}
	secs := time.Since(start).Seconds()

	// The whole import, as a family's drop of export.zip runs it: read,
	// validate, store and index into a fresh vault, in one transaction.
	vdir, err := os.MkdirTemp(dir, "vault")
	if err != nil {
		return result{}, err
	}
	defer os.RemoveAll(vdir)
	v, _, err := vault.Create(filepath.Join(vdir, "apple.fasten"), passphrase)
	if err != nil {
		return result{}, err
	}
	sess := session.Open(v, session.Options{})
	defer sess.Close()
	impStart := time.Now()
	rep, err := sess.Records().Import(ctx, []string{path}, records.ImportOptions{AutoCreatePeople: true}, nil)
	if err != nil {
		return result{}, err
	}
	imp := time.Since(impStart).Seconds()
	fr := rep.Files[0]
	if fr.Status != records.FileImported {
		return result{}, fmt.Errorf("import: %s", fr.Error)
	}
	return result{Phase: "applehealth", Seconds: secs, Resources: resources, Bytes: st.XMLBytes, Extra: map[string]float64{
		"floorSeconds": floor, "openSeconds": openSecs, "generateSeconds": gen, "zipMB": float64(fi.Size()) / 1e6,
		"fhirMB": float64(outBytes) / 1e6, "days": float64(st.Days),
		"importSeconds": imp, "importAdded": float64(fr.Added),
	}}, nil
}

// inflateExportXML reads export.xml out of the zip to nowhere.
func inflateExportXML(f *os.File, size int64) error {
	zr, err := zip.NewReader(f, size)
	if err != nil {
		return err
	}
	for _, zf := range zr.File {
		if filepath.Base(zf.Name) == "export.xml" {
			rc, err := zf.Open()
			if err != nil {
				return err
			}
			defer rc.Close()
			_, err = io.Copy(io.Discard, rc)
			return err
		}
	}
	return fmt.Errorf("no export.xml in the generated zip")
}

type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func printAppleHealth(r result) {
	e := r.Extra
	mb := float64(r.Bytes) / 1e6
	fmt.Printf("Apple Health: export.xml %.0f MB (%.0f days, zip %.0f MB, generated in %.0f s)\n", mb, e["days"], e["zipMB"], e["generateSeconds"])
	fmt.Printf("%-34s %10s %10s %12s\n", "apple health", "seconds", "MB/s", "resources")
	fmt.Printf("%-34s %10.1f %10.1f %12s\n", "floor: inflate export.xml", e["floorSeconds"], mb/e["floorSeconds"], "")
	fmt.Printf("%-34s %10.1f %10.1f %12d\n", "open + read every part to FHIR", r.Seconds, mb/r.Seconds, r.Resources)
	fmt.Printf("%-34s %10.1f %10.1f %12.0f\n", "import into a vault (validate, store)", e["importSeconds"], mb/e["importSeconds"], e["importAdded"])
	fmt.Printf("of which Open (clinical records' list) %.1f s; %.1f MB of FHIR out; ratio to floor %.1fx (import %.1fx); peak RSS %.0f MB over both (target < 300 MB)\n\n",
		e["openSeconds"], e["fhirMB"], r.Seconds/e["floorSeconds"], e["importSeconds"]/e["floorSeconds"], r.PeakRSSMB)
}
