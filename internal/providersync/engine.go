// Package providersync keeps each connected provider's records in the vault up to
// date. A sync plans tasks from the server's CapabilityStatement (one
// Patient/$everything, or one search per resource type), pages through each
// task storing every page in its own transaction, checkpoints the next page
// URL after each page so a crash or cancel resumes where it stopped, then
// reads the references and attachments the pages pointed at.
//
// Failure is expected, not exceptional: portals drop connections, rate
// limit, time out and send half pages. Transient failures are retried with
// exponential backoff and full jitter; what keeps failing is reported per
// task while everything else completes; nothing is ever deleted.
package providersync

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/fastenhealth/fasten-desktop/internal/connect"
	"github.com/fastenhealth/fasten-desktop/internal/records"
	"github.com/fastenhealth/fasten-desktop/internal/smart"
	"github.com/fastenhealth/fasten-desktop/internal/vault"
	"golang.org/x/sync/semaphore"
)

// Options tune the engine; zero values pick the defaults in brackets.
type Options struct {
	// HTTPClient supplies the transport (and pooling) of every FHIR request
	// [a pooled default]. Whatever is passed, requests follow the one policy
	// for bearer-token requests (connect.Service.ResourceClient): https
	// outside developer mode, redirects only within the server's origin.
	// Per-attempt deadlines come from RequestTimeout, not the client.
	HTTPClient *http.Client
	// MaxInFlight bounds concurrent requests per connection [4]: portals
	// rate-limit per app, and a family's connections already run side by side.
	MaxInFlight int
	// MaxInFlightPerServer bounds concurrent requests to one FHIR server
	// across all connections syncing from it [16]. A 429 (or a 503 with
	// Retry-After) pauses every request to that server for the time it
	// asked and halves this bound until answers come back normal.
	MaxInFlightPerServer int
	// MaxPagesInHand bounds, across the engine, the pages (and
	// attachments) fetched or being fetched and not yet stored [48]: the
	// network and validation run ahead of the single vault writer only
	// this far. Requests in flight hold places too, so the bound is also
	// how many pages can wait for the writer and share its next
	// transaction: fasten-bench -only sync (40 people, 311 pages) stored
	// them in 85-92 transactions at 16 (3.4-3.7x its latency floor), 44-46
	// at 32 (2.7-3.0x), 35-38 at 48 (2.8-3.0x), 32-42 at 64 (2.6-2.8x).
	MaxPagesInHand int
	// MaxBytesInHand bounds the bytes of those pages and attachments,
	// as received [64 MB]: pages may be up to 256 MB, so a count alone
	// bounds nothing. One larger than the whole budget waits until
	// nothing else is in hand and then takes all of it.
	MaxBytesInHand int64
	// MaxAttempts bounds tries per request, the first included [6].
	MaxAttempts int
	// BaseBackoff is the first retry's backoff ceiling [500ms]; it doubles
	// per attempt up to MaxBackoff [30s]; the sleep is uniform in [0, ceiling).
	BaseBackoff, MaxBackoff time.Duration
	// RequestTimeout is one attempt's deadline [60s]; attachments get 5×.
	RequestTimeout time.Duration
	// Now stamps runs [time.Now].
	Now func() time.Time
	// Sleep waits between attempts [a timer that honours ctx]. Tests pass a
	// fast one.
	Sleep func(ctx context.Context, d time.Duration) error
	// PageSize is sent as _count when > 0 [0: the server's default].
	PageSize int
	// MaxPages caps pages per task [10000], against servers that page forever.
	MaxPages int
	// RefRounds and RefsPerRound bound reference reads [3, 500].
	RefRounds, RefsPerRound int
	// MaxAttachment caps one attachment's size [50 MB].
	MaxAttachment int64
	// FullPassEvery forces a full (non-incremental) pass when the last
	// complete one is older [7 days]: only a full pass can tell which
	// records the provider no longer returns.
	FullPassEvery time.Duration
}

func (o *Options) defaults() {
	if o.HTTPClient == nil {
		o.HTTPClient = smart.NewResourceClient(nil, false)
	}
	if o.MaxInFlight <= 0 {
		o.MaxInFlight = 4
	}
	if o.MaxInFlightPerServer <= 0 {
		o.MaxInFlightPerServer = 16
	}
	if o.MaxPagesInHand <= 0 {
		o.MaxPagesInHand = 48
	}
	if o.MaxBytesInHand <= 0 {
		o.MaxBytesInHand = 64 << 20
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 6
	}
	if o.BaseBackoff <= 0 {
		o.BaseBackoff = 500 * time.Millisecond
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 30 * time.Second
	}
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = 60 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Sleep == nil {
		o.Sleep = sleepCtx
	}
	if o.MaxPages <= 0 {
		o.MaxPages = 10000
	}
	if o.RefRounds <= 0 {
		o.RefRounds = 3
	}
	if o.RefsPerRound <= 0 {
		o.RefsPerRound = 500
	}
	if o.MaxAttachment <= 0 {
		o.MaxAttachment = 50 << 20
	}
	if o.FullPassEvery <= 0 {
		o.FullPassEvery = 7 * 24 * time.Hour
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Progress is one event of a running sync, for the UI.
type Progress struct {
	ConnectionID int64
	Phase        Phase
	TasksDone    int
	TasksTotal   int
	Resources    int
	Message      string
	// PausedUntil is when requests to the provider resume, while it has
	// asked Fasten to wait (a 429 or 503 with Retry-After); zero otherwise.
	PausedUntil time.Time
}

// Phase is the step a running sync is in; the UI shows it and binds these
// names as a TypeScript enum.
type Phase string

// Sync phases, in order. PhaseWaiting comes first only when another process
// (the window, or a `fasten sync`) is syncing the same vault.
const (
	PhaseWaiting     Phase = "waiting"
	PhasePlanning    Phase = "planning"
	PhaseFetching    Phase = "fetching"
	PhaseReferences  Phase = "references"
	PhaseAttachments Phase = "attachments"
	PhaseDone        Phase = "done"
)

// TaskFailure is what could not be fetched: which task, how many
// pages/records, and why — reported so a partial sync is never silent.
// Kind is the typed cause the window words for the person (Reason is the
// detail); empty when none of the kinds applies.
type TaskFailure struct {
	Task   string      `json:"task"`
	Count  int         `json:"count"`
	Reason string      `json:"reason"`
	Kind   FailureKind `json:"kind,omitempty"`
}

// FailureKind is why a request was given up, as a stable value.
type FailureKind string

// Failure kinds.
const (
	// KindRateLimited: the provider kept answering 429 (slow down) after
	// every retry and the waits it asked for.
	KindRateLimited FailureKind = "rate_limited"
	// KindUnavailable: the provider kept answering 5xx (down or overloaded).
	KindUnavailable FailureKind = "unavailable"
)

// ErrRateLimited is wrapped by a request's error when the provider kept
// rate limiting it (429) until the retries ran out.
var ErrRateLimited = errors.New("the provider kept asking to slow down")

// ErrUnavailable is wrapped by a request's error when the provider kept
// answering that it is unavailable (5xx) until the retries ran out.
var ErrUnavailable = errors.New("the provider was unavailable")

// kindErr is the kind sentinel err wraps, or nil.
func kindErr(err error) error {
	for _, k := range []error{ErrRateLimited, ErrUnavailable} {
		if errors.Is(err, k) {
			return k
		}
	}
	return nil
}

// kindOf is the FailureKind of a request's error.
func kindOf(err error) FailureKind {
	switch {
	case errors.Is(err, ErrRateLimited):
		return KindRateLimited
	case errors.Is(err, ErrUnavailable):
		return KindUnavailable
	}
	return ""
}

// Result sums up one sync of one connection.
type Result struct {
	ConnectionID int64
	Run          int64
	Resources    int // resources received and stored (added, updated or unchanged)
	Added        int
	Updated      int
	Skipped      int // resources the provider sent that were not valid FHIR R4
	Pages        int
	Requests     int
	References   int // referenced resources read and stored
	Missing      int // referenced resources the provider refused or does not have
	RefRounds    int // reference rounds that had something to read
	LongestTask  int // pages of the task with most pages this run (the sequential chain)
	Throttled    int // answers that asked to slow down (429, 503 with Retry-After)
	// Held is how long requests waited in total on the server's
	// Retry-After; Storing how long this sync held the vault's write lock
	// (the single writer, shared by every connection).
	Held, Storing time.Duration
	// Commits is how many transactions stored the pages: fewer than Pages
	// when pages waiting for the writer were stored together.
	Commits     int
	Attachments int
	Gone        int // records the provider stopped returning (kept, marked)
	Full        bool
	Resumed     bool
	Failed      []TaskFailure
	Complete    bool
	Status      RunStatus // how the run ended (complete, partial, interrupted, …)
}

// Run is one entry of a connection's sync history: no health data.
type Run struct {
	ID           int64          `json:"id"`
	ConnectionID int64          `json:"connectionId"`
	StartedAt    string         `json:"startedAt"`
	FinishedAt   string         `json:"finishedAt"`
	Status       RunStatus      `json:"status"`
	Full         bool           `json:"full"`
	Counts       map[string]int `json:"counts"`
	Errors       []TaskFailure  `json:"errors"`
}

// RunStatus is the outcome of one sync run, as stored in sync_runs and
// shown in the history.
type RunStatus string

// Run statuses. running and interrupted (and needs_reconnect, once signed
// in again) resume from their checkpoints.
const (
	StatusRunning        RunStatus = "running"
	StatusComplete       RunStatus = "complete"
	StatusPartial        RunStatus = "partial"
	StatusInterrupted    RunStatus = "interrupted"
	StatusNeedsReconnect RunStatus = "needs_reconnect"
	StatusFailed         RunStatus = "failed"
)

// ErrNeedsReconnect is returned when the provider refused to renew access:
// the connection is marked needs_reconnect and all its data is kept.
var ErrNeedsReconnect = errors.New("the provider ended this connection: sign in again to keep records coming")

// ErrRenewalRefused is returned when the provider refused to renew access
// for a reason other than an ended grant (e.g. it no longer knows the
// client): retrying each request would only repeat the refusal.
var ErrRenewalRefused = errors.New("the provider refused to renew access")

// ErrCapabilities is returned when the provider's CapabilityStatement could
// not be read: without it the sync cannot know whether Patient/$everything
// is offered, and guessing per-type searches instead would silently fetch
// less than the provider has.
var ErrCapabilities = errors.New("the provider's capability statement could not be read")

// ErrBusy is returned when the connection is already syncing.
var ErrBusy = errors.New("this connection is already syncing")

// Engine syncs the connections of one unlocked vault.
type Engine struct {
	db    *sql.DB
	svc   *connect.Service
	store *records.Store
	opts  Options

	// writeMu serialises vault writes across connections: SQLite has one
	// writer, and queueing here is cheaper than busy-waiting in the driver.
	writeMu sync.Mutex
	// pending are batches waiting for writeLoop (running while writing).
	groupMu sync.Mutex
	pending []*groupItem
	writing bool

	// gates bound requests per server (across connections) and hold them
	// on Retry-After; inHand bounds pages fetched and not yet stored, and
	// bytesInHand their bytes (FIFO, so a large page is not passed over).
	gates       gates
	inHand      chan struct{}
	bytesInHand *semaphore.Weighted

	mu      sync.Mutex
	running map[int64]bool
}

// New returns an engine for an unlocked vault; store is the session's
// records store, which owns everything the engine stores.
func New(db *sql.DB, store *records.Store, svc *connect.Service, opts Options) *Engine {
	if svc != nil {
		opts.HTTPClient = svc.ResourceClient(opts.HTTPClient)
	}
	opts.defaults()
	return &Engine{db: db, svc: svc, store: store, opts: opts, running: map[int64]bool{},
		gates: gates{max: opts.MaxInFlightPerServer}, inHand: make(chan struct{}, opts.MaxPagesInHand),
		bytesInHand: semaphore.NewWeighted(opts.MaxBytesInHand)}
}

func (e *Engine) stamp() string { return vault.Timestamp(e.opts.Now()) }

// SyncAll syncs every connection that can sync (connected or expires_soon)
// concurrently and returns their results in connection order. Errors of
// single connections are joined; the others still complete.
func (e *Engine) SyncAll(ctx context.Context, progress func(Progress)) ([]Result, error) {
	conns, err := e.svc.List(ctx)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for _, c := range conns {
		if c.Status == connect.StatusConnected || c.Status == connect.StatusExpiresSoon {
			ids = append(ids, c.ID)
		}
	}
	results := make([]Result, len(ids))
	errs := make([]error, len(ids))
	var pmu sync.Mutex
	safe := func(p Progress) {
		if progress != nil {
			pmu.Lock()
			progress(p)
			pmu.Unlock()
		}
	}
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = e.Sync(ctx, id, safe)
			if errs[i] != nil {
				errs[i] = fmt.Errorf("connection %d: %w", id, errs[i])
			}
		}()
	}
	wg.Wait()
	return results, errors.Join(errs...)
}

// History lists a connection's most recent runs, newest first.
func (e *Engine) History(ctx context.Context, connectionID int64, limit int) ([]Run, error) {
	if limit <= 0 {
		limit = 20
	}
	rows, err := e.db.QueryContext(ctx, `SELECT id, connection_id, started_at, finished_at, status, full, counts, errors
FROM sync_runs WHERE connection_id = ? ORDER BY id DESC LIMIT ?`, connectionID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Run{}
	for rows.Next() {
		var r Run
		var counts, errs string
		if err := rows.Scan(&r.ID, &r.ConnectionID, &r.StartedAt, &r.FinishedAt, &r.Status, &r.Full, &counts, &errs); err != nil {
			return nil, err
		}
		json.Unmarshal([]byte(counts), &r.Counts)
		json.Unmarshal([]byte(errs), &r.Errors)
		if r.Errors == nil {
			r.Errors = []TaskFailure{}
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// failures aggregates task failures by (task, reason, kind).
type failures struct {
	mu sync.Mutex
	m  map[[3]string]int
}

func (f *failures) add(task, reason string, n int) { f.addKind(task, reason, "", n) }

// addErr adds a request's failure with its plain-words reason and kind.
func (f *failures) addErr(task string, err error, n int) {
	f.addKind(task, reason(err), kindOf(err), n)
}

func (f *failures) addKind(task, reason string, kind FailureKind, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.m == nil {
		f.m = map[[3]string]int{}
	}
	f.m[[3]string{task, reason, string(kind)}] += n
}

func (f *failures) list() []TaskFailure {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := []TaskFailure{}
	for k, n := range f.m {
		out = append(out, TaskFailure{Task: k[0], Reason: k[1], Kind: FailureKind(k[2]), Count: n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Task != out[j].Task {
			return out[i].Task < out[j].Task
		}
		return out[i].Reason < out[j].Reason
	})
	return out
}

// sameServer reports whether u is on the FHIR server at base: same scheme
// and host. Tokens and requests never go anywhere else.
func sameServer(base, u *url.URL) bool {
	return strings.EqualFold(u.Scheme, base.Scheme) && strings.EqualFold(u.Host, base.Host)
}
