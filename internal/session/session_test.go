package session

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/fastenhealth/fasten-desktop/internal/vault"
)

func init() { vault.DefaultKDF = vault.KDFParams{Time: 1, Memory: 8 * 1024, Threads: 1} }

const pass = "session test passphrase"

func newVault(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "v.fasten")
	v, _, err := vault.Create(path, pass)
	if err != nil {
		t.Fatal(err)
	}
	v.Close()
	return path
}

func openVault(t *testing.T, path string) *vault.Vault {
	t.Helper()
	v, err := vault.Open(path, pass)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// fakeTime is the scheduler's clock and timer: time moves only when the
// test says, and each timer the scheduler sets is handed to the test.
type fakeTime struct {
	mu     sync.Mutex
	now    time.Time
	timers chan fakeTimer
}

type fakeTimer struct {
	d  time.Duration
	ch chan time.Time
}

func newFakeTime(now time.Time) *fakeTime {
	return &fakeTime{now: now, timers: make(chan fakeTimer, 16)}
}

func (f *fakeTime) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeTime) Advance(d time.Duration) {
	f.mu.Lock()
	f.now = f.now.Add(d)
	f.mu.Unlock()
}

func (f *fakeTime) After(d time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	f.timers <- fakeTimer{d: d, ch: ch}
	return ch
}

func (f *fakeTime) nextTimer(t *testing.T) fakeTimer {
	t.Helper()
	select {
	case tm := <-f.timers:
		return tm
	case <-time.After(10 * time.Second):
		t.Fatal("the scheduler set no timer")
		return fakeTimer{}
	}
}

func waitPass(t *testing.T, done <-chan Pass) Pass {
	t.Helper()
	select {
	case p := <-done:
		return p
	case <-time.After(30 * time.Second):
		t.Fatal("no pass ended")
		return Pass{}
	}
}

func noPass(t *testing.T, done <-chan Pass) {
	t.Helper()
	select {
	case p := <-done:
		t.Fatalf("unexpected pass %+v", p)
	case <-time.After(200 * time.Millisecond):
	}
}

// The schedule, headless: a stale vault syncs at unlock, a fresh one waits
// for the rest of its interval; each interval brings one sync of all; a new
// interval reschedules; locking stops it all.
func TestScheduleSyncsWhenStaleThenEveryInterval(t *testing.T) {
	path := newVault(t)
	clock := newFakeTime(time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC))
	done := make(chan Pass, 8)
	opts := Options{Schedule: true, Now: clock.Now, After: clock.After, Done: func(p Pass) { done <- p }}

	// Never synced: a sync of all at unlock, which records when it ran.
	s := Open(openVault(t, path), opts)
	if p := waitPass(t, done); !p.All || p.Err != nil {
		t.Fatalf("first pass %+v", p)
	}
	if got := s.LastSyncAll(context.Background()); !got.Equal(clock.Now()) {
		t.Fatalf("last_sync_all %v, want %v", got, clock.Now())
	}
	if tm := clock.nextTimer(t); tm.d != DefaultSyncInterval {
		t.Fatalf("next sync in %v, want %v", tm.d, DefaultSyncInterval)
	}
	s.Close()

	// Unlocking again 3 hours later does not sync; it waits the remaining 21.
	clock.Advance(3 * time.Hour)
	s = Open(openVault(t, path), opts)
	tm := clock.nextTimer(t)
	if tm.d != 21*time.Hour {
		t.Fatalf("after a recent sync, next in %v, want 21h", tm.d)
	}
	noPass(t, done)

	// The interval elapses: one sync of all.
	clock.Advance(21 * time.Hour)
	tm.ch <- clock.Now()
	if p := waitPass(t, done); !p.All || p.Err != nil {
		t.Fatalf("interval pass %+v", p)
	}
	if tm = clock.nextTimer(t); tm.d != DefaultSyncInterval {
		t.Fatalf("next after the interval pass in %v", tm.d)
	}

	// A shorter interval reschedules at once: 2h after the last sync.
	clock.Advance(time.Hour)
	if err := s.SetInterval(context.Background(), 2*time.Hour); err != nil {
		t.Fatal(err)
	}
	if tm = clock.nextTimer(t); tm.d != time.Hour {
		t.Fatalf("after setting 2h, next in %v, want 1h", tm.d)
	}
	if got := s.Interval(context.Background()); got != 2*time.Hour {
		t.Fatalf("interval %v", got)
	}
	if err := s.SetInterval(context.Background(), time.Minute); !errors.Is(err, ErrIntervalTooShort) {
		t.Fatalf("a minute: %v", err)
	}

	// Locking stops the scheduler; the session refuses work afterwards.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	tm.ch <- clock.Now().Add(time.Hour)
	noPass(t, done)
	if err := s.Request(0); !errors.Is(err, ErrClosed) {
		t.Fatalf("request after close: %v", err)
	}
}

// A pass that fails (here: another process holds the vault) is not retried
// in a loop: the next try is an interval after the failed one.
func TestScheduleDoesNotSpinOnFailure(t *testing.T) {
	path := newVault(t)
	other, err := tryVaultLock(path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.release()
	clock := newFakeTime(time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC))
	done := make(chan Pass, 8)
	s := Open(openVault(t, path), Options{Schedule: true, Now: clock.Now, After: clock.After, Done: func(p Pass) { done <- p }})
	defer s.Close()
	if p := waitPass(t, done); !errors.Is(p.Err, ErrSyncRunning) {
		t.Fatalf("pass while another process syncs: %+v", p)
	}
	if tm := clock.nextTimer(t); tm.d != DefaultSyncInterval {
		t.Fatalf("retry in %v, want %v", tm.d, DefaultSyncInterval)
	}
	noPass(t, done)
}

// Offline, a due sync waits rather than failing; it runs the moment the
// network is back, not an interval later.
func TestScheduleWaitsWhileOffline(t *testing.T) {
	path := newVault(t)
	clock := newFakeTime(time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC))
	done := make(chan Pass, 8)
	opts := Options{Schedule: true, Now: clock.Now, After: clock.After, Done: func(p Pass) { done <- p }}
	s := Open(openVault(t, path), opts)
	defer s.Close()
	if p := waitPass(t, done); !p.All || p.Err != nil {
		t.Fatalf("first pass %+v", p)
	}
	tm := clock.nextTimer(t)

	s.SetOffline(true)
	if !s.Offline() {
		t.Fatal("Offline() after SetOffline(true)")
	}
	tm = clock.nextTimer(t) // the scheduler re-reads and sets the same timer again
	clock.Advance(DefaultSyncInterval)
	tm.ch <- clock.Now()
	noPass(t, done)
	select {
	case x := <-clock.timers:
		t.Fatalf("offline, the scheduler set a timer of %v instead of waiting for the network", x.d)
	default:
	}

	clock.Advance(3 * time.Hour)
	s.SetOffline(false)
	if p := waitPass(t, done); !p.All || p.Err != nil {
		t.Fatalf("pass once back online %+v", p)
	}
	if got := s.LastSyncAll(context.Background()); !got.Equal(clock.Now()) {
		t.Fatalf("last sync %v, want %v (when the network came back)", got, clock.Now())
	}
}
