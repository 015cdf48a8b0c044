package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/fastenhealth/fasten-desktop/internal/connect"
	"github.com/fastenhealth/fasten-desktop/internal/devtools/sandbox"
	"github.com/fastenhealth/fasten-desktop/internal/devtools/sandboxlink"
	"github.com/fastenhealth/fasten-desktop/internal/providersync"
	"github.com/fastenhealth/fasten-desktop/internal/session"
	"github.com/fastenhealth/fasten-desktop/internal/smart"
	"github.com/fastenhealth/fasten-desktop/internal/vault"
)

// BenchResult is what `make bench` prints for sync.
type BenchResult struct {
	People          int
	Resources       int
	Requests        int
	Pages           int
	Wall            time.Duration
	ResourcesPerSec float64
	Latency         time.Duration
	// ChainRequests is the longest sequential dependency chain of any one
	// connection: metadata, the pages of its longest task, its reference
	// rounds and one attachment download. No scheduler can beat
	// Floor = ChainRequests × Latency, so Wall/Floor shows how close the
	// engine gets to the network's limit.
	ChainRequests int
	Floor         time.Duration
	Ratio         float64
	Incomplete    int // connections whose sync reported failures
	// Storing is the time the vault's single writer lock was held (summed
	// over connections; they never overlap): the part of Wall no amount of
	// network concurrency removes. CPU is the process's CPU time.
	Storing, CPU time.Duration
	Commits      int // transactions that stored pages
}

// ehr is the sandbox EHR the sync benchmark syncs from: in this process
// (tests) or in a child process (make bench), so the sync's peak RSS is the
// app's own and not the fixtures the server holds.
type ehr struct {
	srv        *sandbox.Server // addresses and Authorize (HTTP only)
	patients   []sandbox.PatientInfo
	setLatency func(time.Duration) error
	close      func()
}

func fixtureDirs(fixturesDir string) ([]string, error) {
	var files []string
	for _, d := range []string{filepath.Join(fixturesDir, "family"), filepath.Join(fixturesDir, "more"), fixturesDir} {
		if m, _ := filepath.Glob(filepath.Join(d, "*.json")); len(m) > 0 {
			files = append(files, d)
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no fixture bundles under %s", fixturesDir)
	}
	return files, nil
}

func localEHR(fixturesDir string) (*ehr, error) {
	files, err := fixtureDirs(fixturesDir)
	if err != nil {
		return nil, err
	}
	srv, err := sandbox.Start(sandbox.Options{FixtureFiles: files})
	if err != nil {
		return nil, err
	}
	return &ehr{srv: srv, patients: srv.Patients(), close: func() { srv.Close() },
		setLatency: func(d time.Duration) error {
			srv.Faults().Set("/fhir", sandbox.Fault{Latency: d})
			return nil
		}}, nil
}

// sandboxHello is what the child (-phase sandbox) prints once serving.
type sandboxHello struct {
	URL      string                `json:"url"`
	Patients []sandbox.PatientInfo `json:"patients"`
}

// serveSandbox is the child's side (-phase sandbox): serve the fixtures,
// say where, then apply "latency DURATION" lines from stdin; stdin's end
// stops it.
func serveSandbox(fixturesDir string) error {
	files, err := fixtureDirs(fixturesDir)
	if err != nil {
		return err
	}
	srv, err := sandbox.Start(sandbox.Options{FixtureFiles: files})
	if err != nil {
		return err
	}
	defer srv.Close()
	if err := json.NewEncoder(os.Stdout).Encode(sandboxHello{URL: srv.URL, Patients: srv.Patients()}); err != nil {
		return err
	}
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "latency "); ok {
			d, err := time.ParseDuration(v)
			if err != nil {
				return err
			}
			srv.Faults().Set("/fhir", sandbox.Fault{Latency: d})
			fmt.Println("ok")
		}
	}
	return sc.Err()
}

// childEHR starts the sandbox in a child process of this binary.
func childEHR(fixturesDir string) (*ehr, error) {
	cmd := exec.Command(os.Args[0], "-phase", "sandbox", "-fixtures", fixturesDir)
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	stop := func() { in.Close(); cmd.Wait() }
	r := bufio.NewReader(out)
	line, err := r.ReadBytes('\n')
	var hello sandboxHello
	if err == nil {
		err = json.Unmarshal(line, &hello)
	}
	if err != nil {
		stop()
		return nil, fmt.Errorf("sandbox process: %w", err)
	}
	u, err := url.Parse(hello.URL)
	if err != nil {
		stop()
		return nil, err
	}
	return &ehr{srv: sandbox.Remote(u), patients: hello.Patients, close: stop,
		setLatency: func(d time.Duration) error {
			if _, err := fmt.Fprintf(in, "latency %s\n", d); err != nil {
				return err
			}
			ack, err := r.ReadString('\n')
			if err != nil || strings.TrimSpace(ack) != "ok" {
				return fmt.Errorf("sandbox process did not set the latency: %q %v", ack, err)
			}
			return nil
		}}, nil
}

// BenchSandbox connects each fixture person under fixturesDir (its family
// and more subfolders, or the *.json directly in it) to one sandbox EHR
// (served in this process) with latency added to every FHIR request, syncs
// all of them concurrently into a throwaway vault, and measures it.
func BenchSandbox(ctx context.Context, fixturesDir string, latency time.Duration) (BenchResult, error) {
	x, err := localEHR(fixturesDir)
	if err != nil {
		return BenchResult{}, err
	}
	defer x.close()
	return benchSync(ctx, x, latency)
}

func benchSync(ctx context.Context, x *ehr, latency time.Duration) (BenchResult, error) {
	var br BenchResult
	srv := x.srv
	dir, err := os.MkdirTemp("", "fasten-sync-bench-")
	if err != nil {
		return br, err
	}
	defer os.RemoveAll(dir)
	kdf := vault.DefaultKDF
	vault.DefaultKDF = vault.KDFParams{Time: 1, Memory: 8 * 1024, Threads: 1} // a throwaway vault
	v, _, err := vault.Create(filepath.Join(dir, "bench.fasten"), "benchmark passphrase")
	vault.DefaultKDF = kdf
	if err != nil {
		return br, err
	}
	// The same session the window and `fasten sync` use (without a schedule).
	sess := session.Open(v, session.Options{Flows: connect.NewFlows(smart.Options{AllowInsecure: true}), Sync: providersync.Options{MaxInFlight: 4}})
	defer sess.Close()
	svc, store := sess.Connect(), sess.Records()
	for _, p := range x.patients {
		person, err := store.AddPerson(ctx, p.Name, p.BirthDate)
		if err != nil {
			return br, err
		}
		if _, err := sandboxlink.Connect(ctx, svc, srv, person.ID, p.ID); err != nil {
			return br, fmt.Errorf("connect %s: %w", p.Name, err)
		}
	}
	br.People = len(x.patients)
	br.Latency = latency
	if latency > 0 {
		if err := x.setLatency(latency); err != nil {
			return br, err
		}
	}
	var before syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &before)
	start := time.Now()
	pass := sess.SyncNow(ctx, 0, nil)
	br.Wall = time.Since(start)
	var after syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &after)
	br.CPU = time.Duration(after.Utime.Nano() + after.Stime.Nano() - before.Utime.Nano() - before.Stime.Nano())
	if pass.Err != nil {
		return br, pass.Err
	}
	for _, o := range pass.Outcomes {
		if o.Err != nil {
			return br, fmt.Errorf("connection %d: %w", o.ConnectionID, o.Err)
		}
		r := o.Result
		br.Resources += r.Resources
		br.Requests += r.Requests
		br.Pages += r.Pages
		br.Storing += r.Storing
		br.Commits += r.Commits
		chain := 1 + r.LongestTask + r.RefRounds
		if r.Attachments > 0 {
			chain++
		}
		br.ChainRequests = max(br.ChainRequests, chain)
		if !r.Complete {
			br.Incomplete++
		}
	}
	br.ResourcesPerSec = float64(br.Resources) / br.Wall.Seconds()
	br.Floor = time.Duration(br.ChainRequests) * latency
	if br.Floor > 0 {
		br.Ratio = br.Wall.Seconds() / br.Floor.Seconds()
	}
	return br, nil
}
