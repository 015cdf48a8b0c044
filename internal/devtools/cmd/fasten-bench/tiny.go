package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/fastenhealth/fasten-desktop/internal/devtools/tinybundle"
)

// tinyEntries is the shape that once cost ~1 KB of memory per entry: a
// Bundle's per-entry bookkeeping, not its bytes, dominated peak RSS.
const tinyEntries = 1_000_000

// tinyBoundMB is the peak RSS a 1,000,000-entry file must stay under.
const tinyBoundMB = 300

func writeTinyBundle(path string, n int) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if err := tinybundle.Write(f, n); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// runTiny generates the file in work and imports it in a child process, so
// the peak RSS reported is that import's own.
func runTiny(work string) (result, error) {
	if err := os.MkdirAll(filepath.Join(work, "tiny"), 0o700); err != nil {
		return result{}, err
	}
	if err := writeTinyBundle(filepath.Join(work, "tiny", "tiny.json"), tinyEntries); err != nil {
		return result{}, err
	}
	r, err := runPhase("tiny", work)
	if err != nil {
		return r, err
	}
	if r.Resources != tinyEntries {
		return r, fmt.Errorf("tiny entries: %d of %d imported", r.Resources, tinyEntries)
	}
	return r, nil
}

func printTiny(r result) {
	verdict := "within"
	if r.PeakRSSMB >= tinyBoundMB {
		verdict = "OVER"
	}
	fmt.Printf("1,000,000 tiny entries (one %.0f MB file): %.1f s, %.0f resources/s, peak RSS %.0f MB (%s the %d MB bound)\n\n",
		float64(r.Bytes)/1e6, r.Seconds, float64(r.Resources)/r.Seconds, r.PeakRSSMB, verdict, tinyBoundMB)
}

func tinyPhase(dir string) (result, error) {
	return importOneFile(dir, "tiny", filepath.Join(dir, "tiny", "tiny.json"))
}

func runPhase(phase, work string) (result, error) {
	cmd := exec.Command(os.Args[0], "-phase", phase, "-dir", work)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return result{}, fmt.Errorf("phase %s: %w", phase, err)
	}
	var r result
	return r, json.Unmarshal(out, &r)
}
