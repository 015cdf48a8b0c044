package providersync

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fastenhealth/fasten-desktop/internal/connect"
	"github.com/fastenhealth/fasten-desktop/internal/devtools/sandbox"
	"github.com/fastenhealth/fasten-desktop/internal/devtools/sandboxlink"
	"github.com/fastenhealth/fasten-desktop/internal/fhir"
	"github.com/fastenhealth/fasten-desktop/internal/records"
	"github.com/fastenhealth/fasten-desktop/internal/smart"
	"github.com/fastenhealth/fasten-desktop/internal/vault"
)

const fixtureRoot = "../../../shared/fixtures/synthea"

func init() { vault.DefaultKDF = vault.KDFParams{Time: 1, Memory: 8 * 1024, Threads: 1} }

func familyFiles(t testing.TB) []string {
	m, _ := filepath.Glob(filepath.Join(fixtureRoot, "family", "*.json"))
	if len(m) == 0 {
		t.Fatal("fixtures not available (../shared beside the checkout)")
	}
	sort.Strings(m)
	return m
}

// recorder remembers every request URL, so tests can say which requests a
// sync made.
type recorder struct {
	mu   sync.Mutex
	urls []string
	next http.RoundTripper
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.urls = append(r.urls, req.URL.String())
	r.mu.Unlock()
	return r.next.RoundTrip(req)
}

func (r *recorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.urls
	r.urls = nil
	return out
}

type env struct {
	srv    *sandbox.Server
	v      *vault.Vault
	db     *sql.DB
	svc    *connect.Service
	e      *Engine
	rec    *recorder
	conn   int64
	source int64
	pid    string
	file   string
}

func fastSleep(ctx context.Context, d time.Duration) error {
	// Retry-After is honoured for real (the sandbox's rate window is real
	// time); backoff is compressed so fault tests stay fast.
	if d >= time.Second {
		return sleepCtx(ctx, d)
	}
	return sleepCtx(ctx, d/50)
}

func newEnv(t *testing.T, so sandbox.Options, eo Options, fileIdx int) *env {
	t.Helper()
	files := familyFiles(t)
	if len(so.FixtureFiles) == 0 {
		so.FixtureFiles = []string{files[fileIdx]}
	}
	srv, err := sandbox.Start(so)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	v, _, err := vault.Create(filepath.Join(t.TempDir(), "v.fasten"), "correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	svc := connect.New(v.DB(), records.New(v.DB()), connect.NewFlows(smart.Options{AllowInsecure: true}))
	r, err := v.DB().Exec("INSERT INTO people(name, birth_date, created_at) VALUES ('Test', '', '2025-01-01T00:00:00Z')")
	if err != nil {
		t.Fatal(err)
	}
	person, _ := r.LastInsertId()
	p := srv.Patients()[0]
	id, err := sandboxlink.Connect(context.Background(), svc, srv, person, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{next: http.DefaultTransport}
	if eo.HTTPClient == nil {
		eo.HTTPClient = &http.Client{Transport: rec}
	}
	if eo.Sleep == nil {
		eo.Sleep = fastSleep
	}
	en := &env{srv: srv, v: v, db: v.DB(), svc: svc, rec: rec, conn: id, pid: p.ID, file: so.FixtureFiles[0]}
	en.e = New(v.DB(), records.New(v.DB()), svc, eo)
	v.DB().QueryRow("SELECT source_id FROM connections WHERE id = ?", id).Scan(&en.source)
	return en
}

// fixtureKeys is the independent expectation: every compartment resource
// of the fixture bundle (shared directory types aside) plus the sandbox's
// synthetic DocumentReference.
func fixtureKeys(t *testing.T, file, pid string) (compartment, shared map[string]bool) {
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var b struct {
		Entry []struct{ Resource json.RawMessage } `json:"entry"`
	}
	json.Unmarshal(raw, &b)
	compartment, shared = map[string]bool{}, map[string]bool{}
	for _, e := range b.Entry {
		id := fhir.Identify(e.Resource)
		k := id.Key()
		if sharedTypes[id.Type] {
			shared[k] = true
		} else {
			compartment[k] = true
		}
	}
	compartment["DocumentReference/doc-"+pid] = true
	return
}

func (en *env) stored(t *testing.T) map[string]bool {
	t.Helper()
	keys, err := en.e.storedKeys(context.Background(), en.source)
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

func (en *env) checkComplete(t *testing.T) {
	t.Helper()
	comp, shared := fixtureKeys(t, en.file, en.pid)
	got := en.stored(t)
	missing, extra := 0, 0
	for k := range comp {
		if !got[k] {
			missing++
			if missing < 5 {
				t.Errorf("missing %s", k)
			}
		}
	}
	sharedGot := 0
	for k := range got {
		switch {
		case comp[k]:
		case shared[k]:
			sharedGot++
		default:
			extra++
			t.Errorf("stored %s, which the fixture does not have", k)
		}
	}
	if missing > 0 {
		t.Fatalf("%d of %d fixture resources missing", missing, len(comp))
	}
	if sharedGot == 0 {
		t.Fatal("no referenced practitioner/organization/location was stored")
	}
	// The sandbox's own count per type agrees.
	counts := map[string]int{}
	for k := range got {
		if typ, _, _ := strings.Cut(k, "/"); !sharedTypes[typ] {
			counts[typ]++
		}
	}
	want := en.srv.Patients()[0].CountsByType
	a, _ := json.Marshal(counts)
	b, _ := json.Marshal(want)
	if string(a) != string(b) {
		t.Fatalf("counts by type\n got %s\nwant %s", a, b)
	}
	var n int
	en.db.QueryRow("SELECT count(*) FROM attachments a JOIN resources r ON r.id = a.resource WHERE r.source_id = ? AND a.data LIKE '%PDF-%'", en.source).Scan(&n)
	if n != 1 {
		t.Fatalf("attachments stored: %d, want the one PDF", n)
	}
	res, err := en.v.IntegrityCheck(context.Background())
	if err != nil || len(res) != 1 || res[0] != "ok" {
		t.Fatalf("integrity: %v %v", res, err)
	}
}

func TestFullAndIncrementalSync(t *testing.T) {
	for _, mode := range []struct {
		name string
		opts sandbox.Options
	}{{"everything", sandbox.Options{PageSize: 20}}, {"search", sandbox.Options{NoEverything: true, PageSize: 20}}} {
		t.Run(mode.name, func(t *testing.T) {
			en := newEnv(t, mode.opts, Options{}, 3)
			var events []Progress
			res, err := en.e.Sync(context.Background(), en.conn, func(p Progress) { events = append(events, p) })
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("full: %+v", res)
			if !res.Complete || !res.Full || res.Added == 0 {
				t.Fatalf("result: %+v", res)
			}
			if len(events) < 3 || events[len(events)-1].Phase != "done" {
				t.Fatalf("progress events: %d, last %+v", len(events), events[len(events)-1])
			}
			en.checkComplete(t)
			before := en.srv.Stats().Total

			// The provider changes one record: the next sync asks only for changes.
			time.Sleep(5 * time.Millisecond)
			var obs string
			en.db.QueryRow("SELECT resource_id FROM resources WHERE source_id = ? AND resource_type = 'Observation' LIMIT 1", en.source).Scan(&obs)
			en.srv.Touch("Observation", obs)
			en.rec.take()
			res2, err := en.e.Sync(context.Background(), en.conn, nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("incremental: %+v", res2)
			if res2.Full || res2.Updated != 1 || res2.Added != 0 || !res2.Complete {
				t.Fatalf("incremental result: %+v", res2)
			}
			var version int
			en.db.QueryRow("SELECT version FROM resources WHERE source_id = ? AND resource_type = 'Observation' AND resource_id = ?", en.source, obs).Scan(&version)
			if version != 2 {
				t.Fatalf("touched observation version %d", version)
			}
			reqs := en.srv.Stats().Total - before
			if reqs*3 > res.Requests || reqs != res2.Requests {
				t.Fatalf("incremental made %d requests (engine says %d); full made %d", reqs, res2.Requests, res.Requests)
			}
			for _, u := range en.rec.take() {
				if strings.Contains(u, "/fhir/") && !strings.Contains(u, "metadata") && !strings.Contains(u, "_lastUpdated=gt") && !strings.Contains(u, "_since=") {
					t.Errorf("incremental request without a since filter: %s", u)
				}
			}
			hist, err := en.e.History(context.Background(), en.conn, 10)
			if err != nil || len(hist) != 2 || hist[0].Status != StatusComplete || hist[1].Counts["added"] != res.Added {
				t.Fatalf("history: %+v %v", hist, err)
			}
		})
	}
}

func TestFaultsStillStoreEverything(t *testing.T) {
	for _, mode := range []struct {
		name string
		opts sandbox.Options
	}{{"everything", sandbox.Options{PageSize: 10, FaultSeed: 7}}, {"search", sandbox.Options{NoEverything: true, PageSize: 10, FaultSeed: 7}}} {
		t.Run(mode.name, func(t *testing.T) {
			en := newEnv(t, mode.opts, Options{RequestTimeout: 400 * time.Millisecond, MaxAttempts: 8}, 3)
			f := sandbox.Fault{FailRate: 0.10, TimeoutRate: 0.03, TruncateRate: 0.04, GarbageRate: 0.03}
			en.srv.Faults().Set("/fhir", f)
			trunc := f
			trunc.Truncate = sandbox.TruncateHalfJSON
			en.srv.Faults().Set("/fhir/Patient", trunc) // $everything and Patient search: half-JSON bodies
			limited := f
			limited.RateLimit, limited.RetryAfter = 15, 1
			en.srv.Faults().Set("/fhir/Observation", limited)
			en.srv.Faults().FailNext("GET /fhir", 2, http.StatusTooManyRequests)
			res, err := en.e.Sync(context.Background(), en.conn, nil)
			if err != nil {
				t.Fatal(err)
			}
			st := en.srv.Stats()
			n500, n429, n0 := 0, 0, 0
			for _, r := range st.Routes {
				n500 += r.ByStatus[500]
				n429 += r.ByStatus[429]
				n0 += r.ByStatus[0]
			}
			t.Logf("result %+v; server saw %d requests: %d×500, %d×429, %d dropped", res, st.Total, n500, n429, n0)
			if n500 == 0 {
				t.Fatal("no faults were injected")
			}
			if !res.Complete {
				t.Fatalf("incomplete under faults: %+v", res.Failed)
			}
			en.srv.Faults().Reset()
			en.checkComplete(t)
		})
	}
}

func TestCrashResume(t *testing.T) {
	en := newEnv(t, sandbox.Options{NoEverything: true, PageSize: 10}, Options{MaxInFlight: 2}, 3)
	// Requests take a little time, as on a network: with none, a task's
	// pages arrive faster than progress reports them, and the rest of
	// Encounter could be stored before the cancel is seen (1 run in 30-40
	// here, and once in CI).
	en.srv.Faults().Set("*", sandbox.Fault{Latency: 15 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	pages := 0
	_, err := en.e.Sync(ctx, en.conn, func(p Progress) {
		// Cut while Encounter (5 pages, each found through the one before)
		// is half read.
		if p.Phase == "fetching" && p.Message == "Encounter" {
			if pages++; pages == 2 {
				cancel()
			}
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled sync returned %v", err)
	}
	if h, _ := en.e.History(context.Background(), en.conn, 1); h[0].Status != StatusInterrupted {
		t.Fatalf("run status %s", h[0].Status)
	}
	// What the first attempt finished, and where it stopped.
	done := map[string]bool{}
	partial := map[string]string{}
	rows, _ := en.db.Query("SELECT task, done, next_url FROM sync_checkpoints WHERE connection_id = ?", en.conn)
	for rows.Next() {
		var task, next string
		var d bool
		rows.Scan(&task, &d, &next)
		if d {
			done[task] = true
		} else if next != "" {
			partial[task] = next
		}
	}
	rows.Close()
	t.Logf("at the cut: done %v; half-read %v", keysOf(done), keysOf(partial))
	en.srv.Faults().Reset()
	// Play a crash rather than a clean cancel: the run is left "running".
	en.db.Exec("UPDATE sync_runs SET status = 'running' WHERE connection_id = ?", en.conn)
	if len(done) == 0 || len(partial) == 0 {
		t.Fatalf("expected finished and half-finished tasks at the cut: done %v partial %v", done, partial)
	}
	en.rec.take()
	res, err := en.e.Sync(context.Background(), en.conn, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Resumed || !res.Complete {
		t.Fatalf("resume: %+v", res)
	}
	for _, u := range en.rec.take() {
		p := strings.TrimPrefix(u, en.srv.FHIRBase)
		path, q, _ := strings.Cut(p, "?")
		typ := strings.TrimPrefix(path, "/")
		if strings.Contains(typ, "/") || typ == "metadata" {
			continue // reads of references and attachments
		}
		if typ == "" {
			continue // next links
		}
		if done[typ] {
			t.Errorf("completed task %s was requested again: %s", typ, q)
		}
		if partial[typ] != "" {
			t.Errorf("half-finished task %s restarted from its first page instead of its checkpoint", typ)
		}
	}
	var total, distinct int
	en.db.QueryRow("SELECT count(*), count(DISTINCT resource_type || '/' || resource_id) FROM resources WHERE source_id = ?", en.source).Scan(&total, &distinct)
	if total != distinct {
		t.Fatalf("duplicates: %d rows, %d distinct", total, distinct)
	}
	en.checkComplete(t)
}

func TestTokenExpiresMidSync(t *testing.T) {
	en := newEnv(t, sandbox.Options{NoEverything: true, PageSize: 20}, Options{}, 1)
	expired := 0
	res, err := en.e.Sync(context.Background(), en.conn, func(p Progress) {
		if p.Phase == "fetching" && p.Message != "" && expired < 2 {
			expired++
			en.srv.ExpireAccessTokens()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	st := en.srv.Stats()
	if st.Count("POST /oauth2/token", 200) < 2 { // the sign-in, plus at least one refresh
		t.Fatalf("no refresh happened: %v", st.Routes)
	}
	var n401 int
	for _, r := range st.Routes {
		n401 += r.ByStatus[401]
	}
	t.Logf("%d requests refused with 401, %d token calls; %+v", n401, st.Count("POST /oauth2/token", 0), res)
	if n401 == 0 || !res.Complete {
		t.Fatalf("401s %d, result %+v", n401, res)
	}
	en.checkComplete(t)
}

func TestRevokedRefreshNeedsReconnect(t *testing.T) {
	en := newEnv(t, sandbox.Options{}, Options{}, 2)
	if _, err := en.e.Sync(context.Background(), en.conn, nil); err != nil {
		t.Fatal(err)
	}
	before := len(en.stored(t))
	en.srv.RevokeRefreshTokens()
	en.srv.ExpireAccessTokens()
	_, err := en.e.Sync(context.Background(), en.conn, nil)
	if !errors.Is(err, ErrNeedsReconnect) {
		t.Fatalf("revoked: err %v", err)
	}
	c, _ := en.svc.Get(context.Background(), en.conn)
	if c.Status != connect.StatusNeedsReconnect {
		t.Fatalf("connection status %s", c.Status)
	}
	if after := len(en.stored(t)); after != before {
		t.Fatalf("records %d → %d", before, after)
	}
	if h, _ := en.e.History(context.Background(), en.conn, 1); h[0].Status != StatusNeedsReconnect {
		t.Fatalf("run status %s", h[0].Status)
	}
	// SyncAll skips it; a direct Sync refuses without touching the network.
	if rs, err := en.e.SyncAll(context.Background(), nil); err != nil || len(rs) != 0 {
		t.Fatalf("SyncAll: %v %v", rs, err)
	}
}

func TestLoopingNextLinkIsReported(t *testing.T) {
	en := newEnv(t, sandbox.Options{PageSize: 10}, Options{}, 0)
	en.srv.Faults().Set("/fhir/Patient", sandbox.Fault{LoopNextLink: true})
	done := make(chan struct{})
	var res Result
	var err error
	go func() {
		res, err = en.e.Sync(context.Background(), en.conn, nil)
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("sync did not stop on a looping next link")
	}
	if err != nil {
		t.Fatal(err)
	}
	if res.Complete || len(res.Failed) != 1 || res.Failed[0].Task != "$everything" || !strings.Contains(res.Failed[0].Reason, "next link") {
		t.Fatalf("loop not reported: %+v", res)
	}
	if h, _ := en.e.History(context.Background(), en.conn, 1); h[0].Status != StatusPartial || len(h[0].Errors) != 1 {
		t.Fatalf("history: %+v", h)
	}
}

func TestVendorQuirks(t *testing.T) {
	e := New(nil, nil, nil, Options{PageSize: 25})
	base, _ := url.Parse("https://ehr.example/fhir")
	c := &conn{e: e, base: base, t: connect.Target{Vendor: "epic", FHIRBase: "https://ehr.example/fhir", PatientID: "p1"}}
	cap := capability{known: true, search: map[string]map[string]bool{
		"Observation": {"patient": true, "category": true}, "Condition": {"patient": true}, "Practitioner": {"_id": true},
		"Patient": {"_id": true}, "Claim": {"patient": true}, "Binary": {},
	}}
	tasks := c.plan(cap)
	joined := strings.Join(tasks, ",")
	if !strings.Contains(joined, "Observation/laboratory") || !strings.Contains(joined, "Observation/vital-signs") || strings.Contains(joined, ",Observation,") ||
		!strings.Contains(joined, "Claim") || strings.Contains(joined, "Practitioner") || strings.Contains(joined, "Binary") {
		t.Fatalf("epic plan: %v", tasks)
	}
	if u := c.firstURL("Observation/laboratory", "2025-01-01T00:00:00.000Z"); !strings.Contains(u, "category=laboratory") || !strings.Contains(u, "_lastUpdated=gt2025") || !strings.Contains(u, "_count=25") {
		t.Fatalf("url %s", u)
	}
	c.t.Vendor, c.t.AthenaPractice = "athena", "Organization/a-1.Practice-195900"
	if u := c.firstURL("Condition", ""); !strings.Contains(u, "ah-practice=Organization%2Fa-1.Practice-195900") {
		t.Fatalf("athena url %s", u)
	}
	if k := c.refKey("https://other.example/fhir/Practitioner/1"); k != "" {
		t.Fatal("followed a reference to another server")
	}
	if k := c.refKey("https://ehr.example/fhir/Practitioner/1/_history/2"); k != "Practitioner/1" {
		t.Fatalf("absolute ref: %q", k)
	}
	if d := retryAfter("3", time.Now()); d != 3*time.Second {
		t.Fatalf("retry-after %v", d)
	}
}

func keysOf[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// A record the provider no longer returns is kept and marked, not deleted.
func TestGoneIsMarkedNotDeleted(t *testing.T) {
	en := newEnv(t, sandbox.Options{}, Options{FullPassEvery: time.Nanosecond}, 0)
	if _, err := en.e.Sync(context.Background(), en.conn, nil); err != nil {
		t.Fatal(err)
	}
	// As if an earlier sync had stored a condition the provider since dropped.
	if _, err := en.db.Exec(`INSERT INTO resources(source_id, resource_type, resource_id, received_at, sha256, raw)
VALUES (?, 'Condition', 'dropped-1', '2025-01-01T00:00:00Z', x'00', '{"resourceType":"Condition","id":"dropped-1"}')`, en.source); err != nil {
		t.Fatal(err)
	}
	res, err := en.e.Sync(context.Background(), en.conn, nil)
	if err != nil || !res.Full || res.Gone != 1 {
		t.Fatalf("second full pass: %+v %v", res, err)
	}
	var gone sql.NullString
	en.db.QueryRow(`SELECT s.gone_at FROM sync_seen s JOIN resources r ON r.id = s.resource WHERE r.resource_id = 'dropped-1'`).Scan(&gone)
	if !gone.Valid || !en.stored(t)["Condition/dropped-1"] {
		t.Fatalf("gone_at %v, still stored %v", gone, en.stored(t)["Condition/dropped-1"])
	}
}

// A portal that speaks FHIR DSTU2 or STU3 (its /metadata says so; DSTU2
// answers with a Conformance) is synced like any other: each record is
// converted to R4 for the views and kept as the server sent it, DSTU2's
// MedicationOrder becoming a MedicationRequest, nothing skipped.
func TestOlderReleaseServerIsConverted(t *testing.T) {
	for _, rel := range []struct{ dir, version, name string }{
		{"synthea-dstu2", "1.0.2", "DSTU2"}, {"synthea-stu3", "3.0.2", "STU3"},
	} {
		t.Run(rel.name, func(t *testing.T) {
			file := filepath.Join(familyFiles(t)[0], "..", "..", "..", rel.dir, "Abshire_Cary_26.json")
			for _, mode := range []sandbox.Options{{PageSize: 20}, {NoEverything: true, PageSize: 20}} {
				mode.FixtureFiles, mode.FHIRVersion = []string{file}, rel.version
				en := newEnv(t, mode, Options{}, 0)
				res, err := en.e.Sync(context.Background(), en.conn, nil)
				if err != nil {
					t.Fatal(err)
				}
				if !res.Complete || res.Skipped != 0 || res.Added == 0 {
					t.Fatalf("result: %+v", res)
				}
				want := map[string]int{}
				raw, err := os.ReadFile(file)
				if err != nil {
					t.Fatal(err)
				}
				var b struct {
					Entry []struct {
						Resource struct {
							ResourceType string `json:"resourceType"`
						} `json:"resource"`
					} `json:"entry"`
				}
				if err := json.Unmarshal(raw, &b); err != nil {
					t.Fatal(err)
				}
				for _, e := range b.Entry {
					typ := e.Resource.ResourceType
					if typ == "MedicationOrder" {
						typ = "MedicationRequest"
					}
					want[typ]++
				}
				got := map[string]int{}
				rows, err := en.db.Query("SELECT resource_type, received_release, received IS NOT NULL, (SELECT count(*) FROM summaries s WHERE s.resource = r.id) FROM resources r WHERE source_id = ?", en.source)
				if err != nil {
					t.Fatal(err)
				}
				for rows.Next() {
					var typ, release string
					var kept bool
					var summaries int
					if err := rows.Scan(&typ, &release, &kept, &summaries); err != nil {
						t.Fatal(err)
					}
					if release != rel.name || !kept || summaries != 1 {
						t.Fatalf("%s stored as %q, original kept %v, summaries %d", typ, release, kept, summaries)
					}
					got[typ]++
				}
				rows.Close()
				// Organizations are shared records the sandbox serves only
				// when referenced; every compartment record must be there.
				delete(want, "Organization")
				delete(got, "Organization")
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Fatalf("stored %v, the server holds %v", got, want)
				}
			}
		})
	}
}

// A page with more entries than one shared transaction takes is stored in a
// transaction of its own, then its checkpoint: the sync is still complete,
// and the next one asks only for changes.
func TestBigPagesAreStoredApart(t *testing.T) {
	saved := records.MaxCommitIn
	records.MaxCommitIn = 5 // every 20-entry page is "big"
	t.Cleanup(func() { records.MaxCommitIn = saved })
	en := newEnv(t, sandbox.Options{PageSize: 20}, Options{}, 3)
	res, err := en.e.Sync(context.Background(), en.conn, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Complete || res.Added == 0 {
		t.Fatalf("result: %+v", res)
	}
	en.checkComplete(t)
	res2, err := en.e.Sync(context.Background(), en.conn, nil)
	if err != nil || res2.Full || res2.Added != 0 || !res2.Complete {
		t.Fatalf("second sync: %+v %v", res2, err)
	}
}
