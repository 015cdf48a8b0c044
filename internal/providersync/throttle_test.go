package providersync

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fastenhealth/fasten-desktop/internal/devtools/sandbox"
)

// timedTransport notes when every request started, and when each answer
// that asked for a pause (429/503 with Retry-After) arrived and until when
// it asked — the test's own reading of the header, independent of the
// engine's.
type timedTransport struct {
	mu     sync.Mutex
	starts []time.Time
	holds  []pause
	next   http.RoundTripper
}

type pause struct{ arrived, until time.Time }

func (tt *timedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := tt.next.RoundTrip(req)
	arrived := time.Now()
	tt.mu.Lock()
	defer tt.mu.Unlock()
	tt.starts = append(tt.starts, start)
	if err == nil && (resp.StatusCode == 429 || resp.StatusCode == 503) {
		ra := resp.Header.Get("Retry-After")
		if n, err := strconv.Atoi(ra); err == nil {
			tt.holds = append(tt.holds, pause{arrived, arrived.Add(time.Duration(n) * time.Second)})
		} else if at, err := http.ParseTime(ra); err == nil {
			tt.holds = append(tt.holds, pause{arrived, at})
		}
	}
	return resp, err
}

// TestRetryAfterIsHonoured: with a share of requests answered 429 (or 503)
// with Retry-After in seconds or as an HTTP date, the sync still stores
// every record, and no request to the server starts while it asked for a
// pause — the connection's other requests wait too, not only the one that
// was refused.
func TestRetryAfterIsHonoured(t *testing.T) {
	for _, c := range []struct {
		name  string
		fault sandbox.Fault
	}{
		{"429 seconds", sandbox.Fault{ThrottleRate: 0.1, RetryAfter: 1}},
		{"503 http-date", sandbox.Fault{ThrottleRate: 0.1, RetryAfter: 1, ThrottleStatus: 503, RetryAfterDate: true}},
	} {
		t.Run(c.name, func(t *testing.T) {
			tt := &timedTransport{next: http.DefaultTransport}
			en := newEnv(t, sandbox.Options{NoEverything: true, PageSize: 10, FaultSeed: 5},
				Options{HTTPClient: &http.Client{Transport: tt}, MaxAttempts: 10}, 0)
			en.srv.Faults().Set("/fhir", c.fault)
			start := time.Now()
			// What the window shows: a pause is announced while it lasts.
			var pmu sync.Mutex
			var paused []pause
			res, err := en.e.Sync(context.Background(), en.conn, func(p Progress) {
				if !p.PausedUntil.IsZero() {
					pmu.Lock()
					paused = append(paused, pause{time.Now(), p.PausedUntil})
					pmu.Unlock()
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%d requests, %d throttled, held %v, in %v", res.Requests, res.Throttled, res.Held.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
			if !res.Complete {
				t.Fatalf("incomplete: %+v", res.Failed)
			}
			tt.mu.Lock()
			holds, starts := tt.holds, tt.starts
			tt.mu.Unlock()
			if len(holds) == 0 || res.Throttled != len(holds) {
				t.Fatalf("%d pauses asked, engine counted %d", len(holds), res.Throttled)
			}
			// A request that passed the gate just before the refusal was
			// registered may start a moment after it arrived (the slack);
			// none may start later within the pause. The date form is
			// compared at its own whole-second resolution.
			const slack, early = 50 * time.Millisecond, 5 * time.Millisecond
			for _, h := range holds {
				for _, s := range starts {
					if s.After(h.arrived.Add(slack)) && s.Before(h.until.Add(-early)) {
						t.Fatalf("a request started %v after a pause until %v was asked (%v early)",
							s.Sub(h.arrived).Round(time.Millisecond), h.until.Sub(h.arrived).Round(time.Millisecond), h.until.Sub(s).Round(time.Millisecond))
					}
				}
			}
			if res.Held <= 0 {
				t.Fatal("no request waited on the server's Retry-After")
			}
			// Each announced pause was said before it ended, and ends when
			// one the server asked for does (to the date form's second).
			pmu.Lock()
			defer pmu.Unlock()
			if len(paused) == 0 {
				t.Fatal("no progress said the provider asked to wait")
			}
			for _, p := range paused {
				if !p.arrived.Before(p.until) {
					t.Fatalf("a pause until %v was announced at %v, after it ended", p.until, p.arrived)
				}
				asked := false
				for _, h := range holds {
					if d := p.until.Sub(h.until); d > -time.Second && d < time.Second {
						asked = true
					}
				}
				if !asked {
					t.Fatalf("a pause until %v was announced that the server never asked for", p.until)
				}
			}
			distinct := map[time.Time]bool{}
			for _, p := range paused {
				distinct[p.until] = true
			}
			if len(distinct) > len(holds) {
				t.Fatalf("%d pauses announced for %d asked", len(distinct), len(holds))
			}
			en.srv.Faults().Reset()
			en.checkComplete(t)
		})
	}
}

// TestRateLimitGiveUpIsTyped: a type the server rate limits on every try is
// given up after MaxAttempts and reported with KindRateLimited (what the
// window words for the person), while everything else is stored.
func TestRateLimitGiveUpIsTyped(t *testing.T) {
	en := newEnv(t, sandbox.Options{NoEverything: true, PageSize: 50}, Options{MaxAttempts: 2}, 0)
	en.srv.Faults().Set("/fhir/Observation", sandbox.Fault{ThrottleRate: 1, RetryAfter: 1})
	res, err := en.e.Sync(context.Background(), en.conn, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Complete || res.Status != StatusPartial {
		t.Fatalf("status %s, complete %v", res.Status, res.Complete)
	}
	// The Observation search fails, and so do reads of the Observations
	// other records reference (same path): each as rate limited.
	obs := false
	for _, f := range res.Failed {
		if f.Kind != KindRateLimited || (f.Task != "Observation" && f.Task != "references") {
			t.Errorf("unexpected failure %+v", f)
		}
		obs = obs || f.Task == "Observation"
	}
	if !obs {
		t.Fatalf("failures %+v", res.Failed)
	}
	if h, _ := en.e.History(context.Background(), en.conn, 1); len(h) != 1 || len(h[0].Errors) != len(res.Failed) || h[0].Errors[0].Kind != KindRateLimited {
		t.Fatalf("history keeps the kind: %+v", h)
	}
	// Everything but Observation arrived.
	got := en.stored(t)
	comp, _ := fixtureKeys(t, en.file, en.pid)
	for k := range comp {
		if typ, _, _ := strings.Cut(k, "/"); typ != "Observation" && !got[k] {
			t.Fatalf("missing %s", k)
		}
	}
}

// TestCancelDuringRetryAfter: a long Retry-After does not outlive the
// person cancelling, and nothing is sent to the server meanwhile.
func TestCancelDuringRetryAfter(t *testing.T) {
	en := newEnv(t, sandbox.Options{}, Options{}, 0)
	en.srv.Faults().Set("/fhir", sandbox.Fault{ThrottleRate: 1, RetryAfter: 30})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	start := time.Now()
	_, err := en.e.Sync(ctx, en.conn, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("cancel took %v", d)
	}
	if n := en.srv.Stats().Count("GET /fhir/metadata", 429); n != 1 {
		t.Fatalf("%d requests during the pause, want the one refused", n)
	}
}

// TestGateHoldsAndAdapts: the server's gate halves its bound on a pause,
// holds every acquirer until the pause ends (or ctx does), and grows back
// with normal answers.
func TestGateHoldsAndAdapts(t *testing.T) {
	g := newGate(4)
	ctx := context.Background()
	if _, err := g.acquire(ctx, nil); err != nil {
		t.Fatal(err)
	}
	g.release(true, 300*time.Millisecond, false)
	if g.limit != 2 {
		t.Fatalf("limit %d after a pause, want 2", g.limit)
	}
	start := time.Now()
	var told time.Time
	held, err := g.acquire(ctx, func(until time.Time) { told = until })
	if err != nil || time.Since(start) < 290*time.Millisecond || held <= 0 {
		t.Fatalf("acquired after %v (held %v, %v)", time.Since(start), held, err)
	}
	if d := told.Sub(start); d < 250*time.Millisecond || d > 310*time.Millisecond {
		t.Fatalf("the waiter was told the pause ends %v after it began waiting, want about 300ms", d)
	}
	g.release(false, 0, true)
	for range successesPerStep * 2 {
		g.acquire(ctx, nil)
		g.release(false, 0, true)
	}
	if g.limit != 4 {
		t.Fatalf("limit %d after normal answers, want back to 4", g.limit)
	}
	// Bounded: a fifth acquirer waits for a slot.
	for range 4 {
		g.acquire(ctx, nil)
	}
	cctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if _, err := g.acquire(cctx, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("fifth acquire: %v", err)
	}
	// A pause ends early for a cancelled acquirer.
	g.release(true, time.Minute, false)
	cctx2, cancel2 := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel2()
	if _, err := g.acquire(cctx2, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("acquire during a pause: %v", err)
	}
}

// TestOnePageInHand: with a single page allowed between fetching and the
// writer, tasks and the writer still hand over without deadlock and every
// record arrives (the bound is on memory, never on completeness).
func TestOnePageInHand(t *testing.T) {
	en := newEnv(t, sandbox.Options{NoEverything: true, PageSize: 10}, Options{MaxPagesInHand: 1, MaxInFlight: 4}, 3)
	done := make(chan struct{})
	var res Result
	var err error
	go func() {
		res, err = en.e.Sync(context.Background(), en.conn, nil)
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		t.Fatal("sync stalled with one page in hand")
	}
	if err != nil || !res.Complete {
		t.Fatalf("%v %+v", err, res.Failed)
	}
	if cap(en.e.inHand) != 1 || len(en.e.inHand) != 0 {
		t.Fatalf("pages still in hand after the sync: %d of %d", len(en.e.inHand), cap(en.e.inHand))
	}
	en.checkComplete(t)
}

// TestBytesInHandSmallerThanAPage: every page is larger than the bytes
// allowed in hand, so each waits until nothing else is held and then takes
// the whole budget: the sync still completes, one page at a time past the
// fetch, and gives every byte back.
func TestBytesInHandSmallerThanAPage(t *testing.T) {
	en := newEnv(t, sandbox.Options{NoEverything: true, PageSize: 10}, Options{MaxBytesInHand: 1, MaxInFlight: 4}, 3)
	done := make(chan struct{})
	var res Result
	var err error
	go func() {
		res, err = en.e.Sync(context.Background(), en.conn, nil)
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		t.Fatal("sync stalled with pages larger than the bytes in hand")
	}
	if err != nil || !res.Complete {
		t.Fatalf("%v %+v", err, res.Failed)
	}
	if !en.e.bytesInHand.TryAcquire(1) {
		t.Fatal("bytes still in hand after the sync")
	}
	en.checkComplete(t)
}

// TestStoreFailureStopsOnlyWhatItMust: a page the vault refuses (here a
// trigger refuses one Observation) stops the tasks whose pages were in that
// transaction — each reported, none marked done past the hole — while the
// other tasks complete; once the vault accepts it again, the next sync
// stores everything.
func TestStoreFailureStopsOnlyWhatItMust(t *testing.T) {
	en := newEnv(t, sandbox.Options{NoEverything: true, PageSize: 10}, Options{}, 3)
	comp, _ := fixtureKeys(t, en.file, en.pid)
	var victim string
	for k := range comp {
		if typ, id, _ := strings.Cut(k, "/"); typ == "Observation" && (victim == "" || id < victim) {
			victim = id
		}
	}
	if _, err := en.db.Exec(`CREATE TRIGGER refuse_one BEFORE INSERT ON resources
WHEN NEW.resource_type = 'Observation' AND NEW.resource_id = '` + victim + `'
BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`); err != nil {
		t.Fatal(err)
	}
	res, err := en.e.Sync(context.Background(), en.conn, nil)
	if err != nil {
		t.Fatal(err)
	}
	failed := map[string]bool{}
	for _, f := range res.Failed {
		if !strings.Contains(f.Reason, "could not store") {
			t.Fatalf("unexpected failure %+v", f)
		}
		failed[f.Task] = true
	}
	if res.Complete || !failed["Observation"] {
		t.Fatalf("the refused page was not reported: %+v", res.Failed)
	}
	rows, err := en.db.Query("SELECT task, done FROM sync_checkpoints WHERE connection_id = ?", en.conn)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var task string
		var done bool
		rows.Scan(&task, &done)
		if done == failed[task] {
			t.Errorf("task %s: done %v, failed %v", task, done, failed[task])
		}
	}
	rows.Close()
	if _, err := en.db.Exec("DROP TRIGGER refuse_one"); err != nil {
		t.Fatal(err)
	}
	res, err = en.e.Sync(context.Background(), en.conn, nil)
	if err != nil || !res.Complete {
		t.Fatalf("second sync: %v %+v", err, res.Failed)
	}
	en.checkComplete(t)
}
