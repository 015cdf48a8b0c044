package sandbox

import (
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func benchClient() *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
}

func readOnce(c *http.Client, at, u string) int {
	req, _ := http.NewRequest("GET", u, nil)
	req.Header.Set("Authorization", "Bearer "+at)
	resp, err := c.Do(req)
	if err != nil {
		return 0
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// BenchmarkRead measures a bearer-authenticated resource read over loopback.
func BenchmarkRead(b *testing.B) {
	pid := firstPatient(b)
	s := start(b, Options{AutoApprovePatient: pid})
	at := launch(b, s, pid).tok.AccessToken
	u := s.FHIRBase + "/Patient/" + pid
	c := benchClient()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if readOnce(c, at, u) != 200 {
				b.Error("read failed")
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

// TestReadThroughput reports req/s so a regression is visible in plain test
// output; it asserts only a floor far below what loopback allows.
func TestReadThroughput(t *testing.T) {
	if testing.Short() {
		t.Skip("throughput measurement")
	}
	pid := firstPatient(t)
	s := start(t, Options{AutoApprovePatient: pid})
	at := launch(t, s, pid).tok.AccessToken
	u := s.FHIRBase + "/Patient/" + pid
	c := benchClient()
	var n, bad atomic.Int64
	deadline := time.Now().Add(time.Second)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				if readOnce(c, at, u) != 200 {
					bad.Add(1)
				}
				n.Add(1)
			}
		}()
	}
	wg.Wait()
	t.Logf("simple read: %d req/s over 8 connections (%d failures)", n.Load(), bad.Load())
	if bad.Load() > 0 || n.Load() < 500 {
		t.Fatalf("throughput %d req/s, %d failures", n.Load(), bad.Load())
	}
	if got := s.Stats().Count("GET /fhir/{type}/{id}", 200); int64(got) != n.Load() {
		t.Fatalf("stats counted %d of %d", got, n.Load())
	}
}
