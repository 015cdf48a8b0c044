package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/fastenhealth/fasten-desktop/internal/records"
	"github.com/fastenhealth/fasten-desktop/internal/vault"
)

// tinyEntries is the shape that once cost ~1 KB of memory per entry: a
// Bundle's per-entry bookkeeping, not its bytes, dominated peak RSS.
const tinyEntries = 1_000_000

// tinyBoundMB is the peak RSS a 1,000,000-entry file must stay under.
const tinyBoundMB = 300

// writeTinyBundle writes a collection Bundle of n minimal Basic resources.
// Every tenth entry carries a urn:uuid fullUrl and every tenth a forward
// urn:uuid subject reference, so the file-wide reference bookkeeping is
// exercised too, not only the entry loop.
func writeTinyBundle(path string, n int) (int64, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	w.WriteString(`{"resourceType":"Bundle","type":"collection","entry":[`)
	for i := 0; i < n; i++ {
		if i > 0 {
			w.WriteByte(',')
		}
		id := "b" + strconv.Itoa(i)
		switch i % 10 {
		case 1:
			fmt.Fprintf(w, `{"fullUrl":"urn:uuid:%s","resource":{"resourceType":"Basic","id":"%s","code":{"text":"x"}}}`, id, id)
		case 2:
			fmt.Fprintf(w, `{"resource":{"resourceType":"Basic","id":"%s","code":{"text":"x"},"subject":{"reference":"urn:uuid:p%d"}}}`, id, i)
		default:
			fmt.Fprintf(w, `{"resource":{"resourceType":"Basic","id":"%s","code":{"text":"x"}}}`, id)
		}
	}
	w.WriteString("]}")
	if err := w.Flush(); err != nil {
		return 0, err
	}
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}

// runTiny generates the file in work and imports it in a child process, so
// the peak RSS reported is that import's own.
func runTiny(work string) (result, error) {
	if err := os.MkdirAll(filepath.Join(work, "tiny"), 0o700); err != nil {
		return result{}, err
	}
	if _, err := writeTinyBundle(filepath.Join(work, "tiny", "tiny.json"), tinyEntries); err != nil {
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
	v, _, err := vault.Create(filepath.Join(dir, "tiny.fasten"), passphrase)
	if err != nil {
		return result{}, err
	}
	defer v.Close()
	start := time.Now()
	rep, err := records.New(v.DB()).Import(context.Background(), []string{filepath.Join(dir, "tiny", "tiny.json")}, records.ImportOptions{AutoCreatePeople: true}, nil)
	if err != nil {
		return result{}, err
	}
	f := rep.Files[0]
	if f.Status != "imported" {
		return result{}, fmt.Errorf("tiny file: %s %s", f.Status, f.Error)
	}
	return result{Phase: "tiny", Seconds: time.Since(start).Seconds(), Resources: f.Added, Bytes: f.Bytes}, nil
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
