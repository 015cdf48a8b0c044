package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
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
}

// BenchSandbox connects each fixture person under fixturesDir (its family
// and more subfolders, or the *.json directly in it) to one sandbox EHR with
// latency added to every FHIR request, syncs all of them concurrently into a
// throwaway vault, and measures it.
func BenchSandbox(ctx context.Context, fixturesDir string, latency time.Duration) (BenchResult, error) {
	var br BenchResult
	var files []string
	for _, d := range []string{filepath.Join(fixturesDir, "family"), filepath.Join(fixturesDir, "more"), fixturesDir} {
		if m, _ := filepath.Glob(filepath.Join(d, "*.json")); len(m) > 0 {
			files = append(files, d)
		}
	}
	if len(files) == 0 {
		return br, fmt.Errorf("no fixture bundles under %s", fixturesDir)
	}
	srv, err := sandbox.Start(sandbox.Options{FixtureFiles: files})
	if err != nil {
		return br, err
	}
	defer srv.Close()

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
	for _, p := range srv.Patients() {
		person, err := store.AddPerson(ctx, p.Name, p.BirthDate)
		if err != nil {
			return br, err
		}
		if _, err := sandboxlink.Connect(ctx, svc, srv, person.ID, p.ID); err != nil {
			return br, fmt.Errorf("connect %s: %w", p.Name, err)
		}
	}
	br.People = len(srv.Patients())
	br.Latency = latency
	if latency > 0 {
		srv.Faults().Set("/fhir", sandbox.Fault{Latency: latency})
	}
	start := time.Now()
	pass := sess.SyncNow(ctx, 0, nil)
	br.Wall = time.Since(start)
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
