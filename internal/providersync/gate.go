package providersync

import (
	"context"
	"net/url"
	"strings"
	"sync"
	"time"
)

// gate bounds the requests in flight to one FHIR server, across every
// connection the engine syncs from it (a family's members often share a
// health system, and providers rate-limit per app, not per patient), and
// holds them all while the server has asked us to wait.
//
// A 429 or 503 with Retry-After closes the gate until that time and halves
// how many requests may be in flight (never below one); each run of
// successes lets one more through again, up to the configured bound — so a
// server that throttles is asked less often instead of being retried at full
// concurrency, and recovers once it stops throttling.
type gate struct {
	max int

	mu        sync.Mutex
	limit     int
	inflight  int
	okStreak  int
	holdUntil time.Time
	wake      chan struct{} // closed (and replaced) when a slot frees or the hold changes
}

// successesPerStep is how many answers without throttling raise the limit
// by one after it was lowered.
const successesPerStep = 8

func newGate(max int) *gate {
	return &gate{max: max, limit: max, wake: make(chan struct{})}
}

// acquire waits for a slot, the server's hold and ctx; it returns how long
// it waited for a hold (zero when none applied). onHold, if not nil, is
// told when the hold it is about to wait for ends.
func (g *gate) acquire(ctx context.Context, onHold func(until time.Time)) (held time.Duration, err error) {
	start := time.Now()
	heldFor := time.Duration(0)
	for {
		g.mu.Lock()
		now := time.Now()
		if now.After(g.holdUntil) && g.inflight < g.limit {
			g.inflight++
			g.mu.Unlock()
			return heldFor, nil
		}
		wake := g.wake
		var timer <-chan time.Time
		until := g.holdUntil
		hold := until.Sub(now)
		g.mu.Unlock()
		if hold > 0 {
			if onHold != nil {
				onHold(until)
			}
			t := time.NewTimer(hold)
			timer = t.C
			select {
			case <-timer:
			case <-wake:
			case <-ctx.Done():
				t.Stop()
				return 0, ctx.Err()
			}
			t.Stop()
			heldFor = time.Since(start)
			continue
		}
		select {
		case <-wake:
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
}

func (g *gate) broadcastLocked() {
	close(g.wake)
	g.wake = make(chan struct{})
}

// release frees a slot. throttled says the server answered 429/503 (or a
// hold is given), ok that it answered normally.
func (g *gate) release(throttled bool, retryAfter time.Duration, ok bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.inflight--
	switch {
	case throttled:
		g.okStreak = 0
		g.limit = max(1, g.limit/2)
		if retryAfter > 0 {
			if until := time.Now().Add(retryAfter); until.After(g.holdUntil) {
				g.holdUntil = until
			}
		}
	case ok && g.limit < g.max:
		if g.okStreak++; g.okStreak >= successesPerStep {
			g.okStreak = 0
			g.limit++
		}
	}
	g.broadcastLocked()
}

// gates hands out one gate per server origin.
type gates struct {
	mu  sync.Mutex
	max int
	m   map[string]*gate
}

func (gs *gates) of(base *url.URL) *gate {
	key := strings.ToLower(base.Scheme + "://" + base.Host)
	gs.mu.Lock()
	defer gs.mu.Unlock()
	if gs.m == nil {
		gs.m = map[string]*gate{}
	}
	g := gs.m[key]
	if g == nil {
		g = newGate(gs.max)
		gs.m[key] = g
	}
	return g
}
