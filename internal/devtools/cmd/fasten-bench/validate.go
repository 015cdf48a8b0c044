package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"time"

	"github.com/fastenhealth/fasten-desktop/internal/fhir"
	"github.com/fastenhealth/fasten-desktop/internal/fhir/fastcheck"
)

// validateResources reads every entry resource of the Synthea R4 fixture
// bundles beside fixtures (synthea/family and synthea/more): the corpus the
// validation figures are measured on.
func validateResources(fixtures string) ([]fhir.Resource, int64, error) {
	files, _ := filepath.Glob(filepath.Join(filepath.Dir(fixtures), "*", "*.json"))
	if len(files) == 0 {
		return nil, 0, fmt.Errorf("no fixtures beside %s", fixtures)
	}
	sort.Strings(files)
	var out []fhir.Resource
	var bytes int64
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, 0, err
		}
		var bu struct {
			Entry []struct {
				Resource json.RawMessage `json:"resource"`
			} `json:"entry"`
		}
		if err := json.Unmarshal(b, &bu); err != nil {
			return nil, 0, fmt.Errorf("%s: %w", filepath.Base(f), err)
		}
		for _, e := range bu.Entry {
			var h struct{ ResourceType string }
			_ = json.Unmarshal(e.Resource, &h)
			out = append(out, fhir.Resource{Index: len(out), Type: h.ResourceType, Raw: e.Resource})
			bytes += int64(len(e.Resource))
		}
	}
	return out, bytes, nil
}

// validatePhase (issue 12 §1) times R4 validation on one core
// (GOMAXPROCS=1, so the garbage collector's work is counted too): the full
// jsonformat unmarshal every resource used to go through, against the
// Validator now (fastcheck first, jsonformat only for what it does not
// accept). It also derives a fresh schema to report its build time and the
// heap it keeps, and counts the resources fastcheck leaves to jsonformat.
func validatePhase(fixtures string) (result, error) {
	runtime.GOMAXPROCS(1)
	rs, bytes, err := validateResources(fixtures)
	if err != nil {
		return result{}, err
	}
	extra := map[string]float64{"resources": float64(len(rs))}

	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	schema, err := fastcheck.Build()
	if err != nil {
		return result{}, err
	}
	extra["schema-ms"] = float64(schema.BuildTime.Microseconds()) / 1000
	runtime.GC()
	runtime.ReadMemStats(&m1)
	extra["schema-mb"] = float64(int64(m1.HeapAlloc)-int64(m0.HeapAlloc)) / (1 << 20)
	extra["schema-messages"] = float64(schema.Messages)
	extra["schema-keys"] = float64(schema.Keys)
	runtime.KeepAlive(schema)

	// Fallback: what the fast check does not accept itself.
	c := fastcheck.NewWith(schema)
	for _, r := range rs {
		if v := c.Check(r.Raw); v.Result != fastcheck.Accept {
			extra["fallback"]++
		}
	}

	// time runs validate over the corpus until at least min has passed.
	time1 := func(v *fhir.Validator, min time.Duration) (perSec, allocs float64, err error) {
		var a, b runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&a)
		start := time.Now()
		n := 0
		for time.Since(start) < min || n == 0 {
			for _, r := range rs {
				if inv := v.Validate(r); inv != nil {
					return 0, 0, fmt.Errorf("fixture resource %d (%s) refused at %s: %s", r.Index, r.Type, inv.Path, inv.Reason)
				}
			}
			n += len(rs)
		}
		el := time.Since(start)
		runtime.ReadMemStats(&b)
		return float64(n) / el.Seconds(), float64(b.Mallocs-a.Mallocs) / float64(n), nil
	}
	full, err := fhir.NewFullValidator()
	if err != nil {
		return result{}, err
	}
	fast, err := fhir.NewValidator()
	if err != nil {
		return result{}, err
	}
	if extra["old"], extra["old-allocs"], err = time1(full, 3*time.Second); err != nil {
		return result{}, err
	}
	if extra["new"], extra["new-allocs"], err = time1(fast, 3*time.Second); err != nil {
		return result{}, err
	}
	return result{Phase: "validate", Seconds: float64(len(rs)) / extra["new"], Resources: len(rs), Bytes: bytes, Extra: extra}, nil
}

func printValidate(r result) {
	e := r.Extra
	n := int(e["resources"])
	fmt.Printf("%-52s %12s %12s %10s\n", fmt.Sprintf("R4 validation, one core, %d Synthea resources", n), "resources/s", "µs/resource", "allocs/res")
	fmt.Printf("%-52s %12.0f %12.1f %10.0f\n", "before: google/fhir jsonformat unmarshal", e["old"], 1e6/e["old"], e["old-allocs"])
	fmt.Printf("%-52s %12.0f %12.1f %10.1f\n", "now: fastcheck, jsonformat only if not accepted", e["new"], 1e6/e["new"], e["new-allocs"])
	fmt.Printf("speed-up %.0fx (target ≥ 10x, ≥ 16,000 resources/s per core); left to jsonformat: %d of %d (%.2f%%)\n",
		e["new"]/e["old"], int(e["fallback"]), n, 100*e["fallback"]/e["resources"])
	fmt.Printf("schema derived from google/fhir/go's R4 descriptors once per process: %.0f ms, %.1f MB of heap (%d message types, %d JSON keys); peak RSS %.0f MB\n\n",
		e["schema-ms"], e["schema-mb"], int(e["schema-messages"]), int(e["schema-keys"]), r.PeakRSSMB)
}
