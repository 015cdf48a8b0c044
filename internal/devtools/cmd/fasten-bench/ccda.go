package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/fastenhealth/fasten-desktop/internal/ccda"
	"github.com/fastenhealth/fasten-desktop/internal/records"
	"github.com/fastenhealth/fasten-desktop/internal/session"
	"github.com/fastenhealth/fasten-desktop/internal/vault"
)

// ccdaRounds is how many times each HL7 example is converted.
var ccdaRounds = 5

// ccdaDocuments are HL7's C-CDA example documents beside the Synthea
// fixtures (../shared/fixtures/ccda/Documents).
func ccdaDocuments(fixtures string) ([]string, error) {
	dir := filepath.Join(filepath.Dir(fixtures), "..", "ccda", "Documents")
	a, _ := filepath.Glob(filepath.Join(dir, "*", "*.xml"))
	b, _ := filepath.Glob(filepath.Join(dir, "*", "*", "*.XML"))
	files := append(a, b...)
	if len(files) == 0 {
		return nil, fmt.Errorf("no C-CDA documents under %s", dir)
	}
	return files, nil
}

// ccdaPhase times C-CDA documents (issue 10): the conversion alone
// (ccda.Bundle: check, converter, mending), ccdaRounds times over every
// example, then importing each into a fresh vault (conversion, validation,
// storage, search). Peak RSS is this process's.
func ccdaPhase(dir, fixtures string) (result, error) {
	files, err := ccdaDocuments(fixtures)
	if err != nil {
		return result{}, err
	}
	docs := make([][]byte, len(files))
	var size int64
	for i, f := range files {
		if docs[i], err = os.ReadFile(f); err != nil {
			return result{}, err
		}
		size += int64(len(docs[i]))
	}
	ctx := context.Background()
	// The converter loads once per process (about 80 ms): not counted.
	if _, err := ccda.Shared(); err != nil {
		return result{}, err
	}
	var lat []float64
	start := time.Now()
	for r := 0; r < ccdaRounds; r++ {
		for _, d := range docs {
			t := time.Now()
			if _, err := ccda.Bundle(ctx, d, "bench.xml"); err != nil {
				return result{}, err
			}
			lat = append(lat, float64(time.Since(t).Microseconds())/1000)
		}
	}
	convert := time.Since(start).Seconds()
	v, _, err := vault.Create(filepath.Join(dir, "ccda.fasten"), passphrase)
	if err != nil {
		return result{}, err
	}
	sess := session.Open(v, session.Options{})
	defer sess.Close()
	start = time.Now()
	rep, err := sess.Records().Import(ctx, files, records.ImportOptions{AutoCreatePeople: true}, nil)
	if err != nil {
		return result{}, err
	}
	imp := time.Since(start).Seconds()
	added := 0
	for _, f := range rep.Files {
		if f.Status == records.FileRejected {
			return result{}, fmt.Errorf("%s: %s", f.File, f.Error)
		}
		added += f.Added
	}
	extra := map[string]float64{"documents": float64(len(docs)), "convertSeconds": convert, "importSeconds": imp, "added": float64(added)}
	pct := percentiles(lat)
	extra["convert-p50"], extra["convert-p95"], extra["convert-max"] = pct[0], pct[1], pct[2]
	return result{Phase: "ccda", Seconds: convert, Resources: len(docs) * ccdaRounds, Bytes: size * int64(ccdaRounds), Extra: extra}, nil
}

func printCCDA(r result) {
	e := r.Extra
	fmt.Printf("C-CDA: %d HL7 example documents (%.0f KB together), converted %d times each: %.1f documents/s, %.2f MB/s; per document p50 %.0f ms, p95 %.0f ms, max %.0f ms\n",
		int(e["documents"]), float64(r.Bytes)/float64(r.Resources/int(e["documents"]))/1e3, r.Resources/int(e["documents"]), float64(r.Resources)/r.Seconds, float64(r.Bytes)/1e6/r.Seconds, e["convert-p50"], e["convert-p95"], e["convert-max"])
	fmt.Printf("C-CDA import of the same documents (convert + validate + store + search): %.1f documents/s, %d records added; peak RSS %.0f MB\n\n",
		e["documents"]/e["importSeconds"], int(e["added"]), r.PeakRSSMB)
}

// percentiles are p50, p95 and the largest of lat (sorted in place).
func percentiles(lat []float64) [3]float64 {
	if len(lat) == 0 {
		return [3]float64{}
	}
	sort.Float64s(lat)
	at := func(q float64) float64 { return lat[int(q*float64(len(lat)-1))] }
	return [3]float64{at(0.5), at(0.95), lat[len(lat)-1]}
}
