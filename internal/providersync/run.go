package providersync

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fastenhealth/fasten-desktop/internal/connect"
	"github.com/fastenhealth/fasten-desktop/internal/fhir"
	"github.com/fastenhealth/fasten-desktop/internal/records"
	"github.com/fastenhealth/fasten-desktop/internal/vault"
)

// fhirInstant is how a since value is sent to the server.
const fhirInstant = "2006-01-02T15:04:05.000Z07:00"

// taskState mirrors one sync_checkpoints row. Once a task hands its first
// page to the writer, the writer alone changes nextURL, done, since and
// pages.
type taskState struct {
	name        string
	nextURL     string
	since       string // server time the last complete pass started; "" = never
	passStarted string
	done        bool
	pages       int
	stopped     atomic.Bool // a page could not be stored: fetch and store no more
}

// Sync brings one connection up to date. It resumes an interrupted run
// from its checkpoints; otherwise it starts a new run, incremental when a
// recent full pass completed. The error is non-nil only when the run could
// not do its work (needs reconnect, cancelled, vault unavailable); pages or
// types that kept failing are in Result.Failed with Complete false.
func (e *Engine) Sync(ctx context.Context, connectionID int64, progress func(Progress)) (Result, error) {
	res := Result{ConnectionID: connectionID, Failed: []TaskFailure{}}
	e.mu.Lock()
	if e.running[connectionID] {
		e.mu.Unlock()
		return res, ErrBusy
	}
	e.running[connectionID] = true
	e.mu.Unlock()
	defer func() {
		e.mu.Lock()
		delete(e.running, connectionID)
		e.mu.Unlock()
	}()

	t, err := e.svc.SyncTarget(ctx, connectionID)
	if err != nil {
		return res, err
	}
	switch t.Status {
	case connect.StatusNeedsReconnect:
		return res, ErrNeedsReconnect
	case connect.StatusDisconnected:
		return res, errors.New("this connection is disconnected")
	}
	base, err := url.Parse(t.FHIRBase)
	if err != nil || base.Host == "" {
		return res, errors.New("the connection's FHIR address is not valid")
	}
	cctx, abort := context.WithCancelCause(ctx)
	defer abort(nil)
	c := &conn{e: e, t: t, base: base, sem: make(chan struct{}, e.opts.MaxInFlight), gate: e.gates.of(base), abort: abort}
	var pmu sync.Mutex
	tasksDone, tasksTotal := 0, 0
	// The last phase and message said, and until when the provider asked
	// to wait: every progress while the pause lasts carries it. pmu.
	var lastPhase Phase
	var lastMsg string
	var pausedUntil time.Time
	emitLocked := func(phase Phase, msg string) {
		lastPhase, lastMsg = phase, msg
		p := Progress{ConnectionID: connectionID, Phase: phase, TasksDone: tasksDone, TasksTotal: tasksTotal,
			Resources: int(c.resources.Load()), Message: msg}
		if time.Now().Before(pausedUntil) {
			p.PausedUntil = pausedUntil
		}
		progress(p)
	}
	emit := func(phase Phase, msg string) {
		if progress == nil {
			return
		}
		pmu.Lock()
		defer pmu.Unlock()
		emitLocked(phase, msg)
	}
	// A pause is said once, not by each request that waits for it: again
	// only when the provider asks for a longer one.
	c.paused = func(until time.Time) {
		if progress == nil {
			return
		}
		pmu.Lock()
		defer pmu.Unlock()
		if !until.After(pausedUntil.Add(time.Second)) {
			return
		}
		pausedUntil = until
		emitLocked(lastPhase, lastMsg)
	}

	run, resumed, full, err := e.openRun(ctx, connectionID)
	if err != nil {
		return res, err
	}
	c.run, res.Run, res.Resumed, res.Full = run, run, resumed, full
	emit(PhasePlanning, "")

	var tasks []*taskState
	if resumed {
		if tasks, err = e.loadTasks(ctx, connectionID, run); err != nil {
			return res, err
		}
	}
	capKnown := true
	if len(tasks) == 0 {
		cap, err := c.capability(cctx)
		capKnown, c.release = cap.known, cap.release
		if cctx.Err() != nil {
			return e.finish(ctx, c, res, context.Cause(cctx))
		}
		if err != nil {
			return e.finish(ctx, c, res, err)
		}
		if tasks, err = e.resetTasks(ctx, connectionID, run, c.plan(cap)); err != nil {
			return res, err
		}
	}
	tasksTotal = len(tasks)
	for _, ts := range tasks {
		if ts.done {
			tasksDone++
		}
	}
	emit(PhaseFetching, "")

	// Three stages overlap: tasks fetch pages side by side (each task in
	// order, because a next link is only known from the page before it, but
	// without waiting for its previous page to be stored); the connection's
	// validator takes every page ready at that moment and validates them as
	// one batch, outside the vault's write lock; the connection's writer
	// stores each batch and checkpoints its pages, in one transaction with
	// whatever other connections' batches wait for the writer. Pages in
	// hand are bounded engine-wide, in number (MaxPagesInHand) and bytes
	// (MaxBytesInHand), so fetching runs ahead of the vault's single
	// writer only that far. When pages queue up behind the writer, fewer,
	// larger transactions carry them (measured: ~15% less writer time at
	// 250 records per transaction than at 50), which is why the page bound
	// leaves room for more than the requests in flight.
	c.pages2store = make(chan *pageJob, 2*e.opts.MaxInFlight)
	batches := make(chan *storeBatch, 1)
	writerDone := make(chan struct{})
	go func() {
		defer close(batches)
		c.validateLoop(cctx, batches)
	}()
	go func() {
		defer close(writerDone)
		c.storeLoop(cctx, batches, func(ts *taskState) { emit(PhaseFetching, ts.name) })
	}()
	queue := make(chan *taskState)
	var wg sync.WaitGroup
	for range e.opts.MaxInFlight {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ts := range queue {
				c.runTask(cctx, ts, full, capKnown)
				pmu.Lock()
				tasksDone++
				pmu.Unlock()
				emit(PhaseFetching, ts.name)
			}
		}()
	}
	for _, ts := range tasks {
		if ts.done {
			continue
		}
		select {
		case queue <- ts:
		case <-cctx.Done():
		}
	}
	close(queue)
	wg.Wait()
	close(c.pages2store)
	<-writerDone
	if cctx.Err() != nil {
		return e.finish(ctx, c, res, context.Cause(cctx))
	}

	emit(PhaseReferences, "")
	refs := c.collectedRefs()
	if resumed {
		// Pages stored before the interruption were parsed by another
		// process: find their references in the vault.
		if err := e.scanStoredRefs(cctx, c, refs); err != nil {
			return e.finish(ctx, c, res, err)
		}
	}
	res.References, res.Missing = c.readReferences(cctx, refs, full && !resumed)
	if cctx.Err() != nil {
		return e.finish(ctx, c, res, context.Cause(cctx))
	}

	emit(PhaseAttachments, "")
	res.Attachments = c.fetchAttachments(cctx)
	if cctx.Err() != nil {
		return e.finish(ctx, c, res, context.Cause(cctx))
	}

	// Only a whole, uninterrupted full pass can say what the provider no
	// longer returns; such records are kept and marked, never deleted.
	if full && !resumed && len(c.fail.list()) == 0 {
		n, err := e.markGone(ctx, c)
		if err != nil {
			return e.finish(ctx, c, res, err)
		}
		res.Gone = n
	}
	res, err = e.finish(ctx, c, res, nil)
	emit(PhaseDone, "")
	return res, err
}

// openRun resumes the connection's interrupted run or starts a new one.
func (e *Engine) openRun(ctx context.Context, id int64) (run int64, resumed, full bool, err error) {
	err = e.db.QueryRowContext(ctx, `SELECT id, full FROM sync_runs WHERE connection_id = ? AND status IN ('running', 'interrupted', 'needs_reconnect')
ORDER BY id DESC LIMIT 1`, id).Scan(&run, &full)
	if err == nil {
		e.writeMu.Lock()
		defer e.writeMu.Unlock()
		_, err = e.db.ExecContext(ctx, "UPDATE sync_runs SET status = 'running' WHERE id = ?", run)
		return run, true, full, err
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, false, false, err
	}
	cutoff := vault.Timestamp(e.opts.Now().Add(-e.opts.FullPassEvery))
	var recent int
	if err := e.db.QueryRowContext(ctx, "SELECT count(*) FROM sync_runs WHERE connection_id = ? AND full = 1 AND status = 'complete' AND started_at >= ?", id, cutoff).Scan(&recent); err != nil {
		return 0, false, false, err
	}
	full = recent == 0
	e.writeMu.Lock()
	defer e.writeMu.Unlock()
	r, err := e.db.ExecContext(ctx, "INSERT INTO sync_runs(connection_id, started_at, status, full) VALUES (?, ?, 'running', ?)",
		id, vault.Timestamp(e.opts.Now()), full)
	if err != nil {
		return 0, false, false, err
	}
	run, _ = r.LastInsertId()
	return run, false, full, nil
}

func (e *Engine) loadTasks(ctx context.Context, id, run int64) ([]*taskState, error) {
	rows, err := e.db.QueryContext(ctx, "SELECT task, next_url, since, pass_started, done, pages FROM sync_checkpoints WHERE connection_id = ? AND run_id = ? ORDER BY task", id, run)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*taskState
	for rows.Next() {
		ts := &taskState{}
		if err := rows.Scan(&ts.name, &ts.nextURL, &ts.since, &ts.passStarted, &ts.done, &ts.pages); err != nil {
			return nil, err
		}
		out = append(out, ts)
	}
	return out, rows.Err()
}

// resetTasks starts a new pass of each task, keeping its since (the start
// of its last complete pass) for incremental requests.
func (e *Engine) resetTasks(ctx context.Context, id, run int64, names []string) ([]*taskState, error) {
	e.writeMu.Lock()
	defer e.writeMu.Unlock()
	tx, err := e.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var out []*taskState
	for _, n := range names {
		if _, err := tx.ExecContext(ctx, `INSERT INTO sync_checkpoints(connection_id, task, run_id) VALUES (?, ?, ?)
ON CONFLICT(connection_id, task) DO UPDATE SET run_id = excluded.run_id, next_url = '', done = 0, pass_started = '', pages = 0`, id, n, run); err != nil {
			return nil, err
		}
		ts := &taskState{name: n}
		if err := tx.QueryRowContext(ctx, "SELECT since FROM sync_checkpoints WHERE connection_id = ? AND task = ?", id, n).Scan(&ts.since); err != nil {
			return nil, err
		}
		out = append(out, ts)
	}
	return out, tx.Commit()
}

// finish records the run's outcome. cause is why it stopped early, if it did.
func (e *Engine) finish(ctx context.Context, c *conn, res Result, cause error) (Result, error) {
	res.Requests = int(c.requests.Load())
	res.Pages = int(c.pages.Load())
	res.Resources = int(c.resources.Load())
	res.Added = int(c.added.Load())
	res.Updated = int(c.updated.Load())
	res.Skipped = int(c.skipped.Load())
	res.Failed = c.fail.list()
	res.RefRounds = c.refRounds
	res.LongestTask = int(c.longest.Load())
	res.Throttled = int(c.throttled.Load())
	res.Held = time.Duration(c.heldNanos.Load())
	res.Storing = time.Duration(c.storeNano.Load())
	res.Commits = int(c.commits.Load())
	status := StatusComplete
	switch {
	case errors.Is(cause, ErrNeedsReconnect):
		status = StatusNeedsReconnect
	case cause != nil && (errors.Is(cause, context.Canceled) || errors.Is(cause, context.DeadlineExceeded)):
		status = StatusInterrupted
	case cause != nil:
		status = StatusFailed
	case len(res.Failed) > 0:
		status = StatusPartial
	}
	res.Complete = status == StatusComplete
	if status == StatusFailed {
		// Why the run stopped belongs in its history, not only in the
		// error of the call that ran it.
		res.Failed = append(res.Failed, TaskFailure{Task: "sync", Count: 1, Reason: reason(cause), Kind: kindOf(cause)})
	}
	res.Status = status
	counts, _ := json.Marshal(map[string]int{
		"resources": res.Resources, "added": res.Added, "updated": res.Updated, "skipped": res.Skipped, "pages": res.Pages,
		"requests": res.Requests, "references": res.References, "missing": res.Missing, "attachments": res.Attachments, "gone": res.Gone,
	})
	errs, _ := json.Marshal(res.Failed)
	finished := vault.Timestamp(e.opts.Now())
	if status == StatusInterrupted || status == StatusNeedsReconnect {
		finished = "" // to be resumed
	}
	e.writeMu.Lock()
	_, err := e.db.ExecContext(context.WithoutCancel(ctx), "UPDATE sync_runs SET status = ?, finished_at = ?, counts = ?, errors = ? WHERE id = ?",
		status, finished, string(counts), string(errs), c.run)
	e.writeMu.Unlock()
	if cause != nil {
		if errors.Is(cause, ErrNeedsReconnect) {
			return res, ErrNeedsReconnect
		}
		return res, cause
	}
	return res, err
}

// pageJob is a fetched page on its way to the writer.
type pageJob struct {
	ts      *taskState
	pg      *page
	next    string
	release func() // gives back the page's place in hand
}

// storeBatch is pages of one connection validated, and then stored, as one.
type storeBatch struct {
	jobs     []*pageJob
	prepared *records.Prepared // nil when no page has records
	refs     []string
	keys     []string
}

// Batches stay far below what one import file holds: they exist to spread
// a transaction's fixed cost, not to hold the write lock for long.
const (
	maxBatchPages     = 8
	maxBatchResources = 1000
)

// runTask pages through one task, handing every page to the connection's
// writer and fetching the next meanwhile. It stops at the first page the
// writer could not store: later pages stored after a hole would move the
// checkpoint past it.
func (c *conn) runTask(ctx context.Context, ts *taskState, full, capKnown bool) {
	since := ts.since
	if full {
		since = ""
	}
	u, resumedMid := ts.nextURL, ts.nextURL != ""
	if u == "" {
		u = c.firstURL(ts.name, since)
	}
	seen := map[string]bool{}
	first := true
	fetched := ts.pages // the writer owns ts.pages from the first page handed over
	for {
		if ctx.Err() != nil || ts.stopped.Load() {
			return
		}
		if seen[u] {
			c.fail.add(ts.name, "the provider's next link repeats a page already read; paging stopped there", 1)
			return
		}
		seen[u] = true
		if fetched >= c.e.opts.MaxPages {
			c.fail.add(ts.name, fmt.Sprintf("more than %d pages; the rest was not read", c.e.opts.MaxPages), 1)
			return
		}
		release, err := c.e.takeInHand(ctx)
		if err != nil {
			return
		}
		pg, err := c.fetchPage(ctx, u)
		if err != nil {
			release()
			if ctx.Err() != nil {
				return
			}
			st := statusOf(err)
			switch {
			case first && resumedMid && (st == 404 || st == 410):
				// The saved next link expired with the server's search
				// session: repeat the search from its first page.
				u, resumedMid, seen = c.firstURL(ts.name, since), false, map[string]bool{}
				ts.pages, fetched = 0, 0
				continue
			case first && !resumedMid && since != "" && st == 400:
				// The server cannot filter by time: do a full pass of it.
				since = ""
				u, seen = c.firstURL(ts.name, ""), map[string]bool{}
				continue
			case first && !resumedMid && !capKnown && (st == 400 || st == 404 || st == 403):
				// No CapabilityStatement to go by: an unsupported type is not a failure.
				if err := c.e.saveCheckpoint(context.WithoutCancel(ctx), c, ts, "", true, ts.passStarted); err != nil {
					c.fail.add(ts.name, "could not save sync progress: "+err.Error(), 1)
				}
				return
			}
			c.fail.addErr(ts.name, err, 1)
			return
		}
		first = false
		if ts.passStarted == "" {
			ts.passStarted = pg.serverTime
		}
		next := pg.next
		if next != "" {
			if nu, err := url.Parse(next); err != nil || !sameServer(c.base, nu) {
				c.fail.add(ts.name, "the provider's next link points to another server; it was not followed", 1)
				next = ""
			}
		}
		held, err := c.e.holdBytes(ctx, len(pg.body))
		if err != nil {
			release()
			return
		}
		job := &pageJob{ts: ts, pg: pg, next: next, release: func() { held(); release() }}
		select {
		case c.pages2store <- job:
		case <-ctx.Done():
			job.release() // its place and its bytes: the engine outlives this sync
			return
		}
		fetched++
		if next == "" {
			return
		}
		u = next
	}
}

// takeInHand waits for a place for one more page in hand (fetched and not
// yet stored) and returns its release.
func (e *Engine) takeInHand(ctx context.Context) (func(), error) {
	select {
	case e.inHand <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	var once sync.Once
	return func() { once.Do(func() { <-e.inHand }) }, nil
}

// holdBytes waits until n more bytes fit the bytes in hand and returns
// their release. More than the whole budget waits for all of it.
func (e *Engine) holdBytes(ctx context.Context, n int) (func(), error) {
	w := min(int64(n), e.opts.MaxBytesInHand)
	if err := e.bytesInHand.Acquire(ctx, w); err != nil {
		return nil, err
	}
	var once sync.Once
	return func() { once.Do(func() { e.bytesInHand.Release(w) }) }, nil
}

// validateLoop is the connection's validator: it takes the pages ready
// (at least one, at most maxBatchPages / maxBatchResources), validates them
// as one collection Bundle and hands the batch to the writer, in order.
func (c *conn) validateLoop(ctx context.Context, out chan<- *storeBatch) {
	for {
		job, ok := <-c.pages2store
		if !ok {
			return
		}
		b := &storeBatch{}
		n := 0 // records in the batch
		add := func(j *pageJob) {
			if ctx.Err() != nil || j.ts.stopped.Load() {
				j.release()
				return
			}
			b.jobs = append(b.jobs, j)
			n += len(j.pg.keys)
		}
		add(job)
	more:
		for len(b.jobs) < maxBatchPages && n < maxBatchResources {
			select {
			case j, ok := <-c.pages2store:
				if !ok {
					break more
				}
				add(j)
			default:
				break more
			}
		}
		if len(b.jobs) == 0 {
			continue
		}
		b = c.prepareBatch(ctx, b.jobs)
		select {
		case out <- b:
		case <-ctx.Done():
			for _, j := range b.jobs {
				j.release()
			}
		}
	}
}

// prepareBatch validates pages as one collection Bundle (a single page as
// it came), outside the vault's write lock.
func (c *conn) prepareBatch(ctx context.Context, jobs []*pageJob) *storeBatch {
	b := &storeBatch{jobs: jobs}
	var entries []fhir.Entry
	var body []byte
	for _, j := range jobs {
		b.keys = append(b.keys, j.pg.keys...)
		b.refs = append(b.refs, j.pg.refs...)
		entries = append(entries, j.pg.entries...)
		body = j.pg.body
	}
	if len(b.keys) == 0 {
		return b
	}
	if len(jobs) > 1 {
		body = fhir.CollectionBundle(entries)
	}
	opts := records.ImportOptions{SourceID: c.t.SourceID, PersonID: c.t.PersonID, Release: c.release}
	b.prepared = c.e.store.Prepare(ctx, "sync "+jobs[0].ts.name, bytes.NewReader(body), int64(len(body)), opts)
	return b
}

// storeLoop is the connection's writer: it stores batches in the order the
// tasks handed their pages over. A batch that could not be stored stops
// the tasks it holds pages of (their later pages would checkpoint past the
// hole); pages of already stopped tasks are dropped unstored.
func (c *conn) storeLoop(ctx context.Context, in <-chan *storeBatch, stored func(*taskState)) {
	for b := range in {
		keep := b.jobs[:0]
		for _, j := range b.jobs {
			if ctx.Err() != nil || j.ts.stopped.Load() {
				j.release()
				continue
			}
			keep = append(keep, j)
		}
		if len(keep) == 0 {
			continue
		}
		if len(keep) < len(b.jobs) {
			// A task stopped (its earlier page could not be stored) after
			// this batch was validated: validate the other tasks' pages
			// again without it. Rare, so not worth keeping per-page parts.
			b = c.prepareBatch(ctx, keep)
		}
		err := c.storeBatch(ctx, b)
		for _, j := range b.jobs {
			j.release()
		}
		if err != nil {
			for _, j := range b.jobs {
				if !j.ts.stopped.Swap(true) && ctx.Err() == nil {
					c.fail.add(j.ts.name, "could not store a page: "+err.Error(), 1)
				}
			}
			continue
		}
		for _, j := range b.jobs {
			stored(j.ts)
		}
	}
}

// serverTime is the server's clock at the search, which incremental
// requests must use: the client's clock may be off. Bundle.meta.lastUpdated
// first, then the Date header (whole seconds, so one second earlier), then
// our own clock.
func serverTime(metaLast, date string, now time.Time) string {
	if t, err := time.Parse(time.RFC3339Nano, metaLast); err == nil {
		return t.UTC().Format(fhirInstant)
	}
	if t, err := http.ParseTime(date); err == nil {
		return t.Add(-time.Second).UTC().Format(fhirInstant)
	}
	return now.Add(-time.Minute).UTC().Format(fhirInstant)
}

// storeBatch stores a validated batch's records and its pages'
// checkpoints. Batches of every connection syncing at once are stored
// together (Engine.writeLoop): one transaction holds whatever batches are
// waiting when the writer gets to them, each under a savepoint of its own,
// so one refused batch takes back only itself. The writer bounds a sync's
// speed, and a commit is most of what a small page costs it: 40 people's
// 311 pages were 311 commits, one per page.
func (c *conn) storeBatch(ctx context.Context, b *storeBatch) error {
	e := c.e
	opts := records.ImportOptions{SourceID: c.t.SourceID, PersonID: c.t.PersonID, Release: c.release}
	if b.prepared != nil && b.prepared.Resources() > records.MaxCommitIn {
		// A page this big is stored in a transaction of its own, then its
		// checkpoint: what CommitIn's savepoint holds in memory grows with
		// the entries. A crash between the two re-fetches the page.
		e.writeMu.Lock()
		start := time.Now()
		defer func() {
			c.storeNano.Add(int64(time.Since(start)))
			e.writeMu.Unlock()
		}()
		c.commits.Add(1)
		fr, _ := e.store.Commit(ctx, b.prepared, opts)
		if err := c.account(ctx, b, fr); err != nil {
			return err
		}
		return e.saveCheckpointsLocked(ctx, c, c.advance(b), b.keys)
	}
	it := &groupItem{ctx: ctx, c: c, b: b, opts: opts, done: make(chan error, 1)}
	e.submit(it)
	return <-it.done
}

// groupItem is one connection's batch waiting for the writer.
type groupItem struct {
	ctx  context.Context
	c    *conn
	b    *storeBatch
	opts records.ImportOptions
	done chan error
}

// submit queues a batch, starting the writer when none is running.
func (e *Engine) submit(it *groupItem) {
	e.groupMu.Lock()
	e.pending = append(e.pending, it)
	start := !e.writing
	e.writing = true
	e.groupMu.Unlock()
	if start {
		go e.writeLoop()
	}
}

// writeLoop stores what is waiting, a transaction at a time, until nothing
// is; batches handed over meanwhile go into the next transaction.
func (e *Engine) writeLoop() {
	for {
		e.groupMu.Lock()
		items := e.pending
		e.pending = nil
		if len(items) == 0 {
			e.writing = false
			e.groupMu.Unlock()
			return
		}
		e.groupMu.Unlock()
		e.writeMu.Lock()
		start := time.Now()
		e.storeGroup(items)
		// The lock's time goes to the first connection: summed over the
		// connections it is the time the writer was busy.
		items[0].c.storeNano.Add(int64(time.Since(start)))
		e.writeMu.Unlock()
	}
}

// storeGroup stores items in one transaction and tells each how it went.
// The transaction does not take the items' contexts (SQLite rolls back a
// whole transaction when a write is interrupted); a cancelled item is
// given up between its batches and takes back only itself.
func (e *Engine) storeGroup(items []*groupItem) {
	errs := make([]error, len(items))
	tx, err := e.db.BeginTx(context.Background(), nil)
	if err == nil {
		for i, it := range items {
			if errs[i] = it.ctx.Err(); errs[i] != nil {
				continue
			}
			if _, err := tx.Exec("SAVEPOINT sync_batch"); err != nil {
				errs[i] = err
				continue
			}
			errs[i] = it.c.storeIn(tx, it)
			if errs[i] != nil {
				tx.Exec("ROLLBACK TO sync_batch")
			}
			tx.Exec("RELEASE sync_batch")
		}
		err = tx.Commit()
		if err != nil {
			tx.Rollback()
		}
		items[0].c.commits.Add(1) // transactions, as the bench counts them
	}
	for i, it := range items {
		if errs[i] == nil {
			errs[i] = err
		}
		it.done <- errs[i]
	}
}

// storeIn writes one batch's records and checkpoints in tx.
func (c *conn) storeIn(tx *sql.Tx, it *groupItem) error {
	ctx, b := it.ctx, it.b
	if b.prepared != nil {
		fr, _ := c.e.store.CommitIn(ctx, tx, b.prepared, it.opts)
		if err := c.account(ctx, b, fr); err != nil {
			return err
		}
	}
	return c.e.writeCheckpoints(context.WithoutCancel(ctx), tx, c, c.advance(b), b.keys)
}

// account counts what storing a batch's records did; an error stops it.
func (c *conn) account(ctx context.Context, b *storeBatch, fr records.FileResult) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	switch {
	case fr.Status == records.FileRejected && fr.Reason == records.RejectNothingValid:
		c.skipped.Add(int64(fr.Skipped))
	case fr.Status == records.FileRejected:
		return errors.New(fr.Error)
	default:
		c.added.Add(int64(fr.Added))
		c.updated.Add(int64(fr.Updated))
		c.skipped.Add(int64(fr.Skipped))
		c.resources.Add(int64(fr.Added + fr.Updated + fr.Unchanged))
	}
	c.addRefs(b.refs)
	return nil
}

// advance moves the batch's tasks past its pages and returns them, for
// their checkpoints.
func (c *conn) advance(b *storeBatch) []*taskState {
	var tasks []*taskState
	for _, j := range b.jobs {
		ts := j.ts
		c.pages.Add(1)
		ts.pages++
		for {
			cur := c.longest.Load()
			if int64(ts.pages) <= cur || c.longest.CompareAndSwap(cur, int64(ts.pages)) {
				break
			}
		}
		ts.nextURL, ts.done = j.next, j.next == ""
		if ts.done {
			ts.since = ts.passStarted
		}
		if len(tasks) == 0 || tasks[len(tasks)-1] != ts {
			tasks = append(tasks, ts)
		}
	}
	return tasks
}

func (e *Engine) saveCheckpoint(ctx context.Context, c *conn, ts *taskState, next string, done bool, passStarted string) error {
	e.writeMu.Lock()
	defer e.writeMu.Unlock()
	ts.nextURL, ts.done, ts.passStarted = next, done, passStarted
	return e.saveCheckpointsLocked(ctx, c, []*taskState{ts}, nil)
}

// saveCheckpointsLocked stores the tasks' positions and marks the pages'
// records as seen in this run, in one transaction.
func (e *Engine) saveCheckpointsLocked(ctx context.Context, c *conn, tasks []*taskState, keys []string) error {
	tx, err := e.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := e.writeCheckpoints(ctx, tx, c, tasks, keys); err != nil {
		return err
	}
	return tx.Commit()
}

// writeCheckpoints writes the tasks' positions and the pages' seen records
// in the caller's transaction.
func (e *Engine) writeCheckpoints(ctx context.Context, tx *sql.Tx, c *conn, tasks []*taskState, keys []string) error {
	for _, ts := range tasks {
		if _, err := tx.ExecContext(ctx, "UPDATE sync_checkpoints SET next_url = ?, done = ?, since = ?, pass_started = ?, pages = ? WHERE connection_id = ? AND task = ?",
			ts.nextURL, ts.done, ts.since, ts.passStarted, ts.pages, c.t.ConnectionID, ts.name); err != nil {
			return err
		}
	}
	if err := markSeen(ctx, tx, c, keys); err != nil {
		return err
	}
	return nil
}

// markSeen notes that this run's pages returned these records (Type/id),
// in one statement per call: the keys travel as one JSON array, which the
// writer's lock holds far shorter than a statement per record.
func markSeen(ctx context.Context, tx *sql.Tx, c *conn, keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	arr, err := json.Marshal(keys)
	if err != nil {
		return err
	}
	// CROSS JOIN fixes the loop order (SQLite keeps it as written): one
	// unique-index lookup per key, not a scan of the source's records per
	// key. The WHERE also keeps SQLite from reading ON CONFLICT as a join
	// clause.
	_, err = tx.ExecContext(ctx, `INSERT INTO sync_seen(resource, connection_id, last_run)
SELECT r.id, ?1, ?2 FROM json_each(?4) AS k
CROSS JOIN resources r
WHERE r.source_id = ?3
  AND r.resource_id = substr(k.value, instr(k.value, '/') + 1)
  AND r.resource_type = substr(k.value, 1, instr(k.value, '/') - 1)
ON CONFLICT(resource) DO UPDATE SET last_run = excluded.last_run, gone_at = NULL`,
		c.t.ConnectionID, c.run, c.t.SourceID, string(arr))
	return err
}

// markGone flags records of this connection that the full pass did not
// return. They stay in the vault: the provider may have merged, hidden or
// lost them, and the family's copy is the point.
func (e *Engine) markGone(ctx context.Context, c *conn) (int, error) {
	e.writeMu.Lock()
	defer e.writeMu.Unlock()
	now := vault.Timestamp(e.opts.Now())
	tx, err := e.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO sync_seen(resource, connection_id, last_run)
SELECT id, ?, 0 FROM resources WHERE source_id = ? AND id NOT IN (SELECT resource FROM sync_seen)`, c.t.ConnectionID, c.t.SourceID); err != nil {
		return 0, err
	}
	r, err := tx.ExecContext(ctx, "UPDATE sync_seen SET gone_at = ? WHERE connection_id = ? AND last_run != ? AND gone_at IS NULL", now, c.t.ConnectionID, c.run)
	if err != nil {
		return 0, err
	}
	n, _ := r.RowsAffected()
	return int(n), tx.Commit()
}
