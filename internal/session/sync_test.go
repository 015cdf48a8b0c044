package session

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fastenhealth/fasten-desktop/internal/connect"
	"github.com/fastenhealth/fasten-desktop/internal/devtools/sandbox"
	"github.com/fastenhealth/fasten-desktop/internal/devtools/sandboxlink"
	"github.com/fastenhealth/fasten-desktop/internal/providersync"
	"github.com/fastenhealth/fasten-desktop/internal/smart"
)

const fixtureRoot = "../../../shared/fixtures/synthea/family"

func slowSandbox(t *testing.T) *sandbox.Server {
	t.Helper()
	files := []string{
		filepath.Join(fixtureRoot, "Tom_Goodwin_e20de9eb-6f2d-4871-a43f-bbede53293ed.json"),
		filepath.Join(fixtureRoot, "Alexis_Toy_68cd1181-6359-4047-a77f-a165d7912480.json"),
	}
	for _, f := range files {
		if _, err := os.Stat(f); err != nil {
			t.Fatal("fixtures not available (../shared beside the checkout):", err)
		}
	}
	srv, err := sandbox.Start(sandbox.Options{FixtureFiles: files, PageSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

func connectPatient(t *testing.T, s *Session, srv *sandbox.Server, name, patientID string) int64 {
	t.Helper()
	p, err := s.Records().AddPerson(context.Background(), name, "")
	if err != nil {
		t.Fatal(err)
	}
	id, err := sandboxlink.Connect(context.Background(), s.Connect(), srv, p.ID, patientID)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// A connection made while a sync runs is synced once that sync ends — not
// skipped, as when the window built an engine per sync and dropped requests
// while one ran. Meanwhile a second open of the same vault (another process,
// in effect) cannot start a pass over the running one.
func TestConnectionMadeDuringSyncIsSynced(t *testing.T) {
	srv := slowSandbox(t)
	path := newVault(t)
	flows := connect.NewFlows(smart.Options{AllowInsecure: true})
	done := make(chan Pass, 8)
	fetching := make(chan int64, 1)
	var seenFetching atomic.Bool
	s := Open(openVault(t, path), Options{Flows: flows, Done: func(p Pass) { done <- p },
		Progress: func(p providersync.Progress) {
			if p.Phase == providersync.PhaseFetching && seenFetching.CompareAndSwap(false, true) {
				fetching <- p.ConnectionID
			}
		}})
	defer s.Close()
	pats := srv.Patients()
	first := connectPatient(t, s, srv, "Tom", pats[0].ID)

	// Slow the provider down so the first sync is still running when the
	// second connection is made.
	srv.Faults().Set("/fhir", sandbox.Fault{Latency: 40 * time.Millisecond})
	if err := s.Request(0); err != nil {
		t.Fatal(err)
	}
	select {
	case id := <-fetching:
		if id != first {
			t.Fatalf("fetching connection %d, want %d", id, first)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the first sync never started fetching")
	}

	// Another open of the vault cannot sync over the running pass.
	other := Open(openVault(t, path), Options{Flows: flows})
	if p := other.SyncNow(context.Background(), 0, nil); !errors.Is(p.Err, ErrSyncRunning) {
		t.Fatalf("second session's pass during a sync: %+v", p.Err)
	}

	srv.Faults().Clear("/fhir") // the new connection's sign-in need not crawl
	second := connectPatient(t, s, srv, "Alexis", pats[1].ID)
	if err := s.Request(second); err != nil {
		t.Fatal(err)
	}
	if len(done) != 0 {
		t.Fatal("the first sync ended before the second connection was requested; the test proves nothing")
	}

	p1 := waitPass(t, done)
	if !p1.All || len(p1.Outcomes) != 1 || p1.Outcomes[0].ConnectionID != first || !p1.Outcomes[0].Result.Complete {
		t.Fatalf("first pass %+v", p1)
	}
	p2 := waitPass(t, done)
	if p2.All || len(p2.Outcomes) != 1 || p2.Outcomes[0].ConnectionID != second {
		t.Fatalf("queued pass %+v", p2)
	}
	if r := p2.Outcomes[0]; r.Err != nil || !r.Result.Complete || r.Result.Resources == 0 || r.Result.Status != providersync.StatusComplete {
		t.Fatalf("the new connection's sync: %+v err %v", r.Result, r.Err)
	}

	// With the first session idle, the other open may sync (and waits
	// rather than fails when asked to).
	other.opts.WaitForOtherSync = true
	if p := other.SyncNow(context.Background(), second, nil); p.Err != nil || len(p.Outcomes) != 1 || p.Outcomes[0].Err != nil {
		t.Fatalf("second session's pass when idle: %+v", p)
	}
	other.Close()
}

// A session set to wait says so and starts when the other pass ends.
func TestWaitsForOtherSyncOfSameVault(t *testing.T) {
	path := newVault(t)
	held, err := tryVaultLock(path)
	if err != nil {
		t.Fatal(err)
	}
	s := Open(openVault(t, path), Options{WaitForOtherSync: true, LockPoll: 20 * time.Millisecond})
	defer s.Close()
	waiting := make(chan struct{})
	res := make(chan Pass, 1)
	go func() {
		res <- s.SyncNow(context.Background(), 0, func(p providersync.Progress) {
			if p.Phase == providersync.PhaseWaiting {
				close(waiting)
			}
		})
	}()
	select {
	case <-waiting:
	case <-time.After(10 * time.Second):
		t.Fatal("no waiting phase reported")
	}
	select {
	case p := <-res:
		t.Fatalf("pass ran while the vault was locked: %+v", p)
	case <-time.After(100 * time.Millisecond):
	}
	held.release()
	select {
	case p := <-res:
		if p.Err != nil {
			t.Fatal(p.Err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the pass did not start after the lock was released")
	}
}

// holdLockEnv makes the test binary a process that holds a vault's sync
// lock until killed.
const holdLockEnv = "FASTEN_SESSION_TEST_HOLD_LOCK"

func TestHelperProcessHoldsLock(t *testing.T) {
	path := os.Getenv(holdLockEnv)
	if path == "" {
		t.Skip("helper process for TestOtherProcessHoldsLock")
	}
	if _, err := tryVaultLock(path); err != nil {
		os.Stdout.WriteString("error " + err.Error() + "\n")
		os.Exit(1)
	}
	os.Stdout.WriteString("locked\n")
	select {} // until killed: the OS must release the lock
}

// Two processes: while one holds the vault's sync lock the other's pass
// says plainly that a sync is running; once that process dies (no clean
// unlock), the lock is gone.
func TestOtherProcessHoldsLock(t *testing.T) {
	path := newVault(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcessHoldsLock$")
	cmd.Env = append(os.Environ(), holdLockEnv+"="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || line != "locked\n" {
		t.Fatalf("helper: %q %v", line, err)
	}
	s := Open(openVault(t, path), Options{})
	defer s.Close()
	if p := s.SyncNow(context.Background(), 0, nil); !errors.Is(p.Err, ErrSyncRunning) {
		t.Fatalf("pass while another process syncs: %v", p.Err)
	}
	cmd.Process.Kill()
	cmd.Wait()
	if p := s.SyncNow(context.Background(), 0, nil); p.Err != nil {
		t.Fatalf("pass after the other process died: %v", p.Err)
	}
}
