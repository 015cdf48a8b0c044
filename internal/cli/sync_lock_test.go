package cli

import (
	"bufio"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fastenhealth/fasten-desktop/internal/devtools/sandbox"
)

// Two `fasten sync` processes on one vault: the second says plainly that a
// sync is already running and exits non-zero; with --wait it waits for the
// first and then syncs.
func TestSecondSyncProcessDoesNotRunOverFirst(t *testing.T) {
	files := family(t)[4:5]
	probe, err := sandbox.Start(sandbox.Options{FixtureFiles: files})
	if err != nil {
		t.Fatal(err)
	}
	pid := probe.Patients()[0]
	probe.Close()
	srv, err := sandbox.Start(sandbox.Options{FixtureFiles: files, AutoApprovePatient: pid.ID, PageSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	v := filepath.Join(t.TempDir(), "household.fasten")
	fasten(t, []string{pass}, "init", "--vault", v)
	authURL, wait := startConnect(t, v, "--person", "Tom", "--fhir-base", srv.FHIRBase, "--redirect", "loopback")
	if resp, err := http.Get(authURL); err == nil {
		resp.Body.Close()
	}
	if code, out := wait(); code != 0 {
		t.Fatalf("connect: %d %s", code, out)
	}

	srv.Faults().Set("/fhir", sandbox.Fault{Latency: 30 * time.Millisecond})
	first := exec.Command(os.Args[0], "sync", "--vault", v, "--insecure")
	first.Env = append(os.Environ(), "FASTEN_CLI_MAIN=1", "FASTEN_TEST_FAST_KDF=1", pass)
	out, _ := first.StdoutPipe()
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	defer first.Process.Kill()
	sc := bufio.NewScanner(out)
	for sc.Scan() && !strings.Contains(sc.Text(), "fetching") {
	}
	go func() {
		for sc.Scan() {
		}
	}()

	r := fasten(t, []string{pass}, "sync", "--vault", v, "--insecure")
	if r.code == 0 || !strings.Contains(r.stderr, "already running") {
		t.Fatalf("second sync while the first runs: %+v", r)
	}

	// --wait reports waiting, which also shows the first sync was still
	// running after the second was refused.
	waited := fasten(t, []string{pass}, "sync", "--vault", v, "--insecure", "--wait")
	if err := first.Wait(); err != nil {
		t.Fatalf("first sync: %v", err)
	}
	if waited.code != 0 || !strings.Contains(waited.stdout, "waiting") {
		t.Fatalf("sync --wait: %+v", waited)
	}
}
