package applehealth_test

import (
	"bufio"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fastenhealth/fasten-desktop/internal/applehealth"
	"github.com/fastenhealth/fasten-desktop/internal/applehealth/applehealthtest"
)

// A large export.xml is streamed: the heap in use stays far below the file
// (daily aggregates are small maps), sampled while the samples are read.
func TestMemoryBoundedOnLargeExport(t *testing.T) {
	size := int64(200 << 20)
	if testing.Short() {
		size = 40 << 20
	}
	path := filepath.Join(t.TempDir(), "export.xml")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	st, err := applehealthtest.WriteExportXML(bw, applehealthtest.Options{TargetBytes: size, HeartRatePerDay: 400, StepsPerDay: 100})
	if err != nil {
		t.Fatal(err)
	}
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base) // the test binary's own (FHIR definitions' tables)
	var peak atomic.Uint64
	done := make(chan struct{})
	go func() {
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	start := time.Now()
	e, err := applehealth.Open(f, st.XMLBytes)
	if err != nil {
		t.Fatal(err)
	}
	p := e.Parts()[0]
	rc, err := p.Open(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.Copy(io.Discard, rc)
	rc.Close()
	close(done)
	if err != nil {
		t.Fatal(err)
	}
	secs := time.Since(start).Seconds()
	grew := int64(peak.Load()) - int64(base.HeapInuse)
	t.Logf("%.0f MB export.xml, %d days: %.1f s (%.0f MB/s), %.1f MB of FHIR out, heap in use %.1f MB before, peak %.1f MB",
		float64(st.XMLBytes)/1e6, st.Days, secs, float64(st.XMLBytes)/1e6/secs, float64(out)/1e6, float64(base.HeapInuse)/1e6, float64(peak.Load())/1e6)
	if p.Read() != st.XMLBytes {
		t.Fatalf("read %d of %d bytes", p.Read(), st.XMLBytes)
	}
	if grew > 48<<20 { // GC lets the heap reach twice what is live; a leak of the file would be 200 MB
		t.Fatalf("the heap grew by %d MB while streaming a %d MB export.xml", grew>>20, st.XMLBytes>>20)
	}
}
