package sandbox

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// faultEnv is a launched session whose reads are used to observe faults.
func faultEnv(t *testing.T, seed uint64) (*Server, string, string) {
	pid := firstPatient(t)
	s := start(t, Options{AutoApprovePatient: pid, FaultSeed: seed})
	return s, pid, launch(t, s, pid).tok.AccessToken
}

func rawGet(t *testing.T, at, u string, timeout time.Duration) (*http.Response, []byte, error) {
	t.Helper()
	c := &http.Client{Timeout: timeout}
	req, _ := http.NewRequest("GET", u, nil)
	req.Header.Set("Authorization", "Bearer "+at)
	resp, err := c.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}

const readRoute = "GET /fhir/{type}/{id}"

func TestFaults(t *testing.T) {
	s, pid, at := faultEnv(t, 42)
	read := s.FHIRBase + "/Patient/" + pid
	f := s.Faults()

	t.Run("latency", func(t *testing.T) {
		f.Set(readRoute, Fault{Latency: 150 * time.Millisecond, Jitter: 50 * time.Millisecond})
		defer f.Clear(readRoute)
		t0 := time.Now()
		if resp, _, err := rawGet(t, at, read, 5*time.Second); err != nil || resp.StatusCode != 200 {
			t.Fatal(err)
		}
		if d := time.Since(t0); d < 150*time.Millisecond {
			t.Fatalf("latency %v", d)
		}
	})
	t.Run("fail rate", func(t *testing.T) {
		f.Set("/fhir/Patient", Fault{FailRate: 1})
		defer f.Clear("/fhir/Patient")
		resp, _, _ := rawGet(t, at, read, 5*time.Second)
		if resp.StatusCode != 500 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		// Prefix rules leave other paths alone.
		if resp, _, _ := rawGet(t, at, s.FHIRBase+"/Observation?patient="+pid, 5*time.Second); resp.StatusCode != 200 {
			t.Fatalf("unrelated route failed: %d", resp.StatusCode)
		}
	})
	t.Run("rate limit", func(t *testing.T) {
		f.Set(readRoute, Fault{RateLimit: 3, RetryAfter: 2})
		defer f.Clear(readRoute)
		var codes []int
		var retry string
		for range 5 {
			resp, _, _ := rawGet(t, at, read, 5*time.Second)
			codes = append(codes, resp.StatusCode)
			if resp.StatusCode == 429 {
				retry = resp.Header.Get("Retry-After")
			}
		}
		if codes[0] != 200 || codes[2] != 200 || codes[3] != 429 || retry != "2" {
			t.Fatalf("codes %v retry-after %q", codes, retry)
		}
	})
	t.Run("timeout until client gives up", func(t *testing.T) {
		f.Set(readRoute, Fault{TimeoutRate: 1})
		defer f.Clear(readRoute)
		_, _, err := rawGet(t, at, read, 300*time.Millisecond)
		var ne interface{ Timeout() bool }
		if !errors.As(err, &ne) || !ne.Timeout() {
			t.Fatalf("want client timeout, got %v", err)
		}
	})
	t.Run("timeout for N then 504", func(t *testing.T) {
		f.Set(readRoute, Fault{TimeoutRate: 1, Hang: 200 * time.Millisecond})
		defer f.Clear(readRoute)
		resp, _, err := rawGet(t, at, read, 5*time.Second)
		if err != nil || resp.StatusCode != 504 {
			t.Fatalf("%v %v", resp, err)
		}
	})
	t.Run("truncate content-length", func(t *testing.T) {
		f.Set(readRoute, Fault{TruncateRate: 1, Truncate: TruncateContentLength})
		defer f.Clear(readRoute)
		_, _, err := rawGet(t, at, read, 5*time.Second)
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("want unexpected EOF, got %v", err)
		}
	})
	t.Run("truncate half json", func(t *testing.T) {
		f.Set(readRoute, Fault{TruncateRate: 1, Truncate: TruncateHalfJSON})
		defer f.Clear(readRoute)
		resp, body, err := rawGet(t, at, read, 5*time.Second)
		if err != nil || resp.StatusCode != 200 || json.Valid(body) || len(body) == 0 {
			t.Fatalf("err %v status %v valid %v", err, resp.StatusCode, json.Valid(body))
		}
	})
	t.Run("garbage", func(t *testing.T) {
		f.Set("*", Fault{GarbageRate: 1})
		defer f.Clear("*")
		resp, body, err := rawGet(t, at, read, 5*time.Second)
		if err != nil || resp.StatusCode != 200 || json.Valid(body) {
			t.Fatalf("garbage: %v %s", err, body)
		}
	})
	t.Run("loop next link", func(t *testing.T) {
		f.Set("GET /fhir/{type}", Fault{LoopNextLink: true})
		defer f.Clear("GET /fhir/{type}")
		u := s.FHIRBase + "/Observation?patient=" + pid + "&_count=5"
		resp, body, err := rawGet(t, at, u, 5*time.Second)
		if err != nil || resp.StatusCode != 200 {
			t.Fatal(err)
		}
		var b bundle
		if err := json.Unmarshal(body, &b); err != nil {
			t.Fatal(err)
		}
		if b.next() != u || len(b.Entry) != 5 {
			t.Fatalf("next %q, want self %q", b.next(), u)
		}
	})
	t.Run("fail next scripted", func(t *testing.T) {
		f.FailNext(readRoute, 2, 503)
		f.FailNext(readRoute, 1, 429)
		var got []string
		for range 4 {
			resp, _, _ := rawGet(t, at, read, 5*time.Second)
			got = append(got, resp.Status[:3]+resp.Header.Get("Retry-After"))
		}
		if strings.Join(got, ",") != "503,503,4291,200" {
			t.Fatalf("sequence %v", got)
		}
	})
	st := s.Stats()
	if st.Count(readRoute, 429) != 3 || st.Count(readRoute, 503) != 2 || st.Count(readRoute, 504) != 1 || st.Count("GET /fhir/{type}", 200) != 2 {
		t.Fatalf("stats %+v", st.Routes)
	}
}

// TestFaultDeterminism: the same seed and request order give the same faults.
func TestFaultDeterminism(t *testing.T) {
	run := func() string {
		s, pid, at := faultEnv(t, 7)
		s.Faults().Set("*", Fault{FailRate: 0.3, GarbageRate: 0.2})
		var out []byte
		for range 40 {
			resp, body, _ := rawGet(t, at, s.FHIRBase+"/Patient/"+pid, 5*time.Second)
			c := byte('.')
			if resp.StatusCode == 500 {
				c = 'F'
			} else if !json.Valid(body) {
				c = 'G'
			}
			out = append(out, c)
		}
		return string(out)
	}
	a, b := run(), run()
	if a != b || !strings.Contains(a, "F") || !strings.Contains(a, "G") || !strings.Contains(a, ".") {
		t.Fatalf("not deterministic or degenerate:\n%s\n%s", a, b)
	}
}

func TestCloseReleasesHungRequests(t *testing.T) {
	pid := firstPatient(t)
	s, err := Start(Options{FixtureFiles: []string{familyDir(t)}, AutoApprovePatient: pid})
	if err != nil {
		t.Fatal(err)
	}
	at := launch(t, s, pid).tok.AccessToken
	s.Faults().Set("*", Fault{TimeoutRate: 1})
	var wg sync.WaitGroup
	var failed atomic.Bool
	wg.Add(1)
	go func() {
		defer wg.Done()
		_, _, err := rawGet(t, at, s.FHIRBase+"/Patient/"+pid, 10*time.Second)
		failed.Store(err != nil)
	}()
	time.Sleep(100 * time.Millisecond)
	t0 := time.Now()
	s.Close()
	wg.Wait()
	if !failed.Load() || time.Since(t0) > 2*time.Second {
		t.Fatal("hung request not released by Close")
	}
}

// RedirectTo bounces requests to another origin, keeping path and query.
func TestRedirectFault(t *testing.T) {
	s, pid, _ := faultEnv(t, 1)
	s.Faults().Set(readRoute, Fault{RedirectTo: "http://127.0.0.1:9/"})
	resp, err := noRedirect.Get(s.FHIRBase + "/Patient/" + pid + "?x=1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTemporaryRedirect || resp.Header.Get("Location") != "http://127.0.0.1:9/fhir/Patient/"+pid+"?x=1" {
		t.Fatalf("redirect fault: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// TestThrottle: ThrottleRate answers 429 (or 503) with Retry-After in
// either form RFC 9110 allows, for the share of requests asked.
func TestThrottle(t *testing.T) {
	s, pid, at := faultEnv(t, 42)
	read := s.FHIRBase + "/Patient/" + pid
	f := s.Faults()
	for _, c := range []struct {
		fault  Fault
		status int
	}{
		{Fault{ThrottleRate: 1, RetryAfter: 3}, 429},
		{Fault{ThrottleRate: 1, RetryAfter: 3, ThrottleStatus: 503, RetryAfterDate: true}, 503},
	} {
		f.Set(readRoute, c.fault)
		sent := time.Now()
		resp, _, _ := rawGet(t, at, read, 5*time.Second)
		f.Clear(readRoute)
		ra := resp.Header.Get("Retry-After")
		if resp.StatusCode != c.status {
			t.Fatalf("status %d, want %d", resp.StatusCode, c.status)
		}
		if !c.fault.RetryAfterDate {
			if ra != "3" {
				t.Fatalf("Retry-After %q", ra)
			}
			continue
		}
		// The date is never earlier than the 3 s asked for (whole
		// seconds, rounded up), nor much later.
		at, err := http.ParseTime(ra)
		if wait := at.Sub(sent.Truncate(time.Second)); err != nil || wait < 3*time.Second || wait > 5*time.Second {
			t.Fatalf("Retry-After %q (%v): %v after the request", ra, err, wait)
		}
	}
	// At a share below one, some requests pass.
	f.Set(readRoute, Fault{ThrottleRate: 0.5})
	defer f.Clear(readRoute)
	codes := map[int]int{}
	for range 20 {
		resp, _, _ := rawGet(t, at, read, 5*time.Second)
		codes[resp.StatusCode]++
	}
	if codes[200] == 0 || codes[429] == 0 || codes[200]+codes[429] != 20 {
		t.Fatalf("codes %v", codes)
	}
}

// TestFaultControl: with FaultControl, another process sets and clears
// faults over HTTP; without it the route does not exist.
func TestFaultControl(t *testing.T) {
	pid := firstPatient(t)
	s := start(t, Options{AutoApprovePatient: pid, FaultControl: true})
	at := launch(t, s, pid).tok.AccessToken
	read := s.FHIRBase + "/Patient/" + pid
	post := func(body string) int {
		t.Helper()
		resp, err := http.Post(s.URL+"/_sandbox/faults", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post(`{"route": "/fhir", "fault": {"ThrottleRate": 1, "RetryAfter": 7}}`); code != http.StatusNoContent {
		t.Fatalf("set: %d", code)
	}
	resp, _, _ := rawGet(t, at, read, 5*time.Second)
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "7" {
		t.Fatalf("after set: %d Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if code := post(`{"reset": true}`); code != http.StatusNoContent {
		t.Fatalf("reset: %d", code)
	}
	if resp, _, _ := rawGet(t, at, read, 5*time.Second); resp.StatusCode != 200 {
		t.Fatalf("after reset: %d", resp.StatusCode)
	}
	if code := post(`{"rout": "/fhir"}`); code != http.StatusBadRequest {
		t.Fatalf("a misspelt field: %d, want 400", code)
	}

	plain := start(t, Options{AutoApprovePatient: pid})
	resp2, err := http.Post(plain.URL+"/_sandbox/faults", "application/json", strings.NewReader(`{"reset": true}`))
	if err != nil {
		t.Fatal(err)
	}
	resp2.Body.Close()
	if resp2.StatusCode == http.StatusNoContent {
		t.Fatal("fault control served without FaultControl")
	}
}
