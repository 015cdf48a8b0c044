package cli

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fastenhealth/fasten-desktop/internal/connect"
	"github.com/fastenhealth/fasten-desktop/internal/devtools/sandbox"
	"github.com/fastenhealth/fasten-desktop/internal/providersync"
	"github.com/fastenhealth/fasten-desktop/internal/vault"
)

// TestSyncKilledMidwayResumes connects Neva to the sandbox, then kills
// `fasten sync` with SIGKILL part-way through, repeatedly; every time the
// vault stays sound, and a final sync completes with every record stored
// once, without fetching finished work again.
func TestSyncKilledMidwayResumes(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	srv, pid := startSandbox(t, sandbox.Options{PageSize: 20})
	v, _ := newVault(t, t.TempDir())
	if code, out := connectLoopback(t, v, srv, "Neva"); code != 0 {
		t.Fatalf("connect: %d %s", code, out)
	}
	srv.Faults().Set("*", sandbox.Fault{Latency: 15 * time.Millisecond})
	kills := 0
	for round := 0; round < 4; round++ {
		cmd := exec.Command(os.Args[0], "sync", "--vault", v, "--insecure")
		cmd.Env = append(os.Environ(), "FASTEN_CLI_MAIN=1", "FASTEN_TEST_FAST_KDF=1", pass)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(time.Duration(400+round*250) * time.Millisecond):
			cmd.Process.Kill()
			<-done
			kills++
		}
		vt, err := vault.Open(v, strings.TrimPrefix(pass, "FASTEN_PASSPHRASE="))
		if err != nil {
			t.Fatalf("vault after kill: %v", err)
		}
		res, err := vt.IntegrityCheck(context.Background())
		vt.Close()
		if err != nil || len(res) != 1 || res[0] != "ok" {
			t.Fatalf("integrity after kill: %v %v", res, err)
		}
	}
	if kills == 0 {
		t.Fatal("no sync was interrupted")
	}
	srv.Faults().Reset()
	r := fasten(t, []string{pass}, "sync", "--vault", v, "--insecure")
	if r.code != 0 {
		t.Fatalf("final sync: %+v", r)
	}
	// Everything the sandbox holds for Neva is stored exactly once.
	vt, err := vault.Open(v, strings.TrimPrefix(pass, "FASTEN_PASSPHRASE="))
	if err != nil {
		t.Fatal(err)
	}
	defer vt.Close()
	got := map[string]int{}
	rows, _ := vt.DB().Query("SELECT resource_type, count(*) FROM resources WHERE source_id = (SELECT source_id FROM connections WHERE id = 1) GROUP BY 1")
	for rows.Next() {
		var typ string
		var n int
		rows.Scan(&typ, &n)
		got[typ] = n
	}
	rows.Close()
	for typ, n := range pid.CountsByType {
		if got[typ] != n {
			t.Errorf("%s: %d stored, sandbox has %d", typ, got[typ], n)
		}
	}
	t.Logf("%d syncs killed mid-way; final sync: %s", kills, strings.TrimSpace(r.stdout[strings.LastIndex(strings.TrimSpace(r.stdout), "\n")+1:]))
}

// TestSyncReportsConnectionsThatNeedYou: a connection whose refresh token
// the provider no longer accepts, and one whose first read failed, are each
// named with the command that fixes them, and sync exits non-zero — on the
// run where it happens and on every later run (which used to print "no
// connections to sync" and exit 0).
func TestSyncReportsConnectionsThatNeedYou(t *testing.T) {
	var ahead atomic.Int64 // the sandbox's clock runs this far ahead
	srv, _ := startSandbox(t, sandbox.Options{
		Clock:          func() time.Time { return time.Now().Add(time.Duration(ahead.Load())) },
		AccessTokenTTL: time.Minute, // Fasten refreshes tokens this close to expiry at every use
	})
	v, _ := newVault(t, t.TempDir())
	if code, out := connectLoopback(t, v, srv, "Neva"); code != 0 {
		t.Fatalf("connect: %d %s", code, out)
	}
	// The second connection's first read of the Patient fails.
	srv.Faults().Set("/fhir/Patient/", sandbox.Fault{FailRate: 1, FailStatus: 503})
	if code, out := connectLoopback(t, v, srv, "Neva"); code != 1 || !strings.Contains(out, "first read failed") {
		t.Fatalf("connect with a failing first read: %d %s", code, out)
	}
	srv.Faults().Reset()
	if list := connections(t, v); len(list) != 2 || list[0].Status != connect.StatusConnected || list[1].Status != connect.StatusError {
		t.Fatalf("connections: %+v", list)
	}
	// 100 days on, the refresh token (90 days) has expired.
	ahead.Store(int64(100 * 24 * time.Hour))

	for run := 1; run <= 2; run++ {
		r := fasten(t, []string{pass}, "sync", "--vault", v, "--insecure")
		if r.code != 1 || strings.Contains(r.stdout, "no connections to sync") {
			t.Fatalf("sync run %d: %+v", run, r)
		}
		for _, want := range []string{
			"connection 1 (Neva at Sandbox General): Fasten's access has ended, so nothing can be synced until you sign in again: fasten connect --insecure --person Neva --fhir-base " + srv.FHIRBase,
			"connection 2 (Neva at Sandbox General): the last attempt to reach this provider did not work (it failed: the provider answered 503 when Fasten read your record). Try again with: fasten sync --insecure --connection 2",
		} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("sync run %d lacks %q:\n%s", run, want, r.stdout)
			}
		}
		if !strings.Contains(r.stderr, "2 connections need you") {
			t.Errorf("sync run %d stderr: %q", run, r.stderr)
		}
	}
	if list := connections(t, v); list[0].Status != connect.StatusNeedsReconnect {
		t.Fatalf("connection 1 after a refused refresh: %+v", list[0])
	}
	// One connection by id says the same.
	r := fasten(t, []string{pass}, "sync", "--vault", v, "--connection", "1")
	if r.code != 1 || !strings.Contains(r.stdout, "sign in again: fasten connect --person Neva") {
		t.Fatalf("sync --connection 1: %+v", r)
	}
}

// A pause the provider asked for is printed with the time the sync goes
// on; other lines are as before.
func TestProgressLineSaysPauses(t *testing.T) {
	p := providersync.Progress{ConnectionID: 3, Phase: providersync.PhaseFetching, TasksDone: 2, TasksTotal: 9, Resources: 140}
	if got, want := progressLine(p, time.UTC), "connection 3: fetching 2/9 tasks, 140 records"; got != want {
		t.Fatalf("%q, want %q", got, want)
	}
	p.PausedUntil = time.Date(2026, 12, 1, 10, 42, 5, 0, time.UTC)
	if got, want := progressLine(p, time.UTC), "connection 3: fetching 2/9 tasks, 140 records (the provider asked Fasten to wait; continuing at 10:42:05)"; got != want {
		t.Fatalf("%q, want %q", got, want)
	}
}
