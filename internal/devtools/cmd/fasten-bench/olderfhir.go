package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/fastenhealth/fasten-desktop/internal/fhir"
	"github.com/fastenhealth/fasten-desktop/internal/olderfhir"
)

// olderTarget is how many resources of each release are converted.
var olderTarget = 20000

type olderResource struct {
	typ string
	raw []byte
	opt olderfhir.Options
}

// olderResources reads the Synthea DSTU2 or STU3 fixtures beside the R4 ones
// (../shared/fixtures/synthea-dstu2, -stu3), each entry with its file's
// person as Options.Subject, as the importer passes it.
func olderResources(fixtures, dir string) ([]olderResource, error) {
	files, _ := filepath.Glob(filepath.Join(filepath.Dir(fixtures), "..", dir, "*.json"))
	if len(files) == 0 {
		return nil, fmt.Errorf("no fixtures in %s", dir)
	}
	var out []olderResource
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var bu struct {
			Entry []struct {
				FullURL  string          `json:"fullUrl"`
				Resource json.RawMessage `json:"resource"`
			} `json:"entry"`
		}
		if err := json.Unmarshal(b, &bu); err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Base(f), err)
		}
		var subject string
		var rs []olderResource
		for _, e := range bu.Entry {
			var h struct{ ResourceType string }
			_ = json.Unmarshal(e.Resource, &h)
			if h.ResourceType == "Patient" {
				subject = e.FullURL
			}
			rs = append(rs, olderResource{typ: h.ResourceType, raw: e.Resource})
		}
		for i := range rs {
			rs[i].opt.Subject = subject
		}
		out = append(out, rs...)
	}
	return out, nil
}

// olderPhase times DSTU2 and STU3 → R4 (issue 10): the conversion alone
// (STU3 input is also read by google/fhir's STU3 unmarshaller, part of
// converting it), conversion with R4 validation of the result (ToR4, what
// an import does), and R4 validation alone of the same output — the floor,
// since every imported resource is validated anyway. One goroutine.
func olderPhase(fixtures string) (result, error) {
	extra := map[string]float64{}
	total, bytes := 0, int64(0)
	var seconds float64
	for _, rel := range []struct {
		name, dir string
		r         olderfhir.Release
	}{{"dstu2", "synthea-dstu2", olderfhir.DSTU2}, {"stu3", "synthea-stu3", olderfhir.STU3}} {
		base, err := olderResources(fixtures, rel.dir)
		if err != nil {
			return result{}, err
		}
		var rs []olderResource
		for len(rs) < olderTarget {
			rs = append(rs, base...)
		}
		c, err := olderfhir.NewConverter()
		if err != nil {
			return result{}, err
		}
		outs := make([][]byte, len(rs))
		types := make([]string, len(rs))
		start := time.Now()
		for i, r := range rs {
			if outs[i], types[i], err = c.Convert(rel.r, r.typ, r.raw, r.opt); err != nil {
				return result{}, err
			}
			bytes += int64(len(r.raw))
		}
		convert := time.Since(start).Seconds()
		start = time.Now()
		for _, r := range rs {
			if _, _, err := olderfhir.ToR4With(rel.r, r.typ, r.raw, r.opt); err != nil {
				return result{}, err
			}
		}
		both := time.Since(start).Seconds()
		v, err := fhir.NewValidator()
		if err != nil {
			return result{}, err
		}
		start = time.Now()
		for i := range outs {
			if inv := v.Validate(fhir.Resource{Index: i, Type: types[i], Raw: outs[i]}); inv != nil {
				return result{}, inv
			}
		}
		floor := time.Since(start).Seconds()
		n := float64(len(rs))
		extra[rel.name+"-resources"] = n
		extra[rel.name+"-convert"] = n / convert
		extra[rel.name+"-convert-validate"] = n / both
		extra[rel.name+"-validate"] = n / floor
		total += len(rs)
		seconds += both
	}
	return result{Phase: "olderfhir", Seconds: seconds, Resources: total, Bytes: bytes, Extra: extra}, nil
}

func printOlderFHIR(r result) {
	e := r.Extra
	fmt.Printf("%-34s %12s %16s %14s\n", "older FHIR → R4, resources/s", "convert", "convert+validate", "R4 validate")
	for _, rel := range []string{"dstu2", "stu3"} {
		label := fmt.Sprintf("%s (Synthea, %d resources)", map[string]string{"dstu2": "DSTU2", "stu3": "STU3"}[rel], int(e[rel+"-resources"]))
		fmt.Printf("%-34s %12.0f %16.0f %14.0f\n", label, e[rel+"-convert"], e[rel+"-convert-validate"], e[rel+"-validate"])
	}
	fmt.Printf("(R4 validation alone is the floor: an import validates every resource anyway; peak RSS %.0f MB)\n\n", r.PeakRSSMB)
}
