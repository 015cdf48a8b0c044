// Package session is one unlocked vault at work: it builds, once per
// unlock, the records store, the connection service and the one sync engine
// with its scheduler, and stops and drops them all when the vault locks.
// The desktop façade and the CLI only translate calls to it.
package session

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/fastenhealth/fasten-desktop/internal/connect"
	"github.com/fastenhealth/fasten-desktop/internal/providersync"
	"github.com/fastenhealth/fasten-desktop/internal/records"
	"github.com/fastenhealth/fasten-desktop/internal/smart"
	"github.com/fastenhealth/fasten-desktop/internal/vault"
)

// DefaultSyncInterval is how often connections sync while a session with a
// schedule is open.
const DefaultSyncInterval = 24 * time.Hour

// Settings the scheduler keeps in the vault.
const (
	settingInterval = "sync_interval_hours"
	settingLastAll  = "last_sync_all"
)

// ErrClosed is returned by a session whose vault has been locked.
var ErrClosed = errors.New("the vault is locked: unlock it to continue")

// Options configure a session; zero values pick the defaults in brackets.
type Options struct {
	// Flows holds sign-ins in flight; it outlives sessions (a redirect can
	// arrive while the vault is locked) [a new, empty registry].
	Flows *connect.Flows
	// Sync tunes the engine.
	Sync providersync.Options
	// Schedule starts the scheduler at Open: a sync of every connection now
	// if the last one is older than the interval, then one per interval.
	// The window wants it; a headless command does not.
	Schedule bool
	// WaitForOtherSync makes a pass wait while another process syncs this
	// vault; otherwise the pass returns ErrSyncRunning at once.
	WaitForOtherSync bool
	// LockPoll is how often a waiting pass retries the vault's sync lock [1s].
	LockPoll time.Duration
	// Now is the scheduler's clock [time.Now].
	Now func() time.Time
	// After is the scheduler's timer [time.After]. Tests pass one they fire.
	After func(time.Duration) <-chan time.Time
	// Offline, asked at Open, starts the scheduler knowing the computer is
	// offline (see SetOffline), so an unlock on a plane does not try a
	// doomed sync (may be nil: online).
	Offline func() bool
	// Progress receives every progress event of every pass (may be nil).
	Progress func(providersync.Progress)
	// Done receives each pass's outcome once it ends (may be nil).
	Done func(Pass)
	// Packing receives the progress of packing records an earlier Fasten
	// stored unpacked (vault.PackPending), which a session runs in the
	// background from Open until done or Close (may be nil). Records read
	// the same throughout; Close stops it and the next Open resumes.
	Packing func(vault.PackProgress)

	// Backups starts the backup scheduler (backup.go) at Open: the window
	// wants it; a headless command does not.
	Backups bool
	// BackupEvery is how often a backup is written [DefaultBackupEvery].
	BackupEvery time.Duration
	// BackupAfterRecords: this many records arrived since the last backup
	// make one due at once [DefaultBackupAfterRecords].
	BackupAfterRecords int
	// BackupPoll is how often the scheduler looks for new records [DefaultBackupPoll].
	BackupPoll time.Duration
	// BackupAfter is the backup scheduler's timer [time.After].
	BackupAfter func(time.Duration) <-chan time.Time
	// BackupDone hears every backup's outcome (may be nil).
	BackupDone func(BackupStatus)
}

// Session is one unlocked vault's services. Safe for concurrent use.
type Session struct {
	v       *vault.Vault
	records *records.Store
	connect *connect.Service
	engine  *providersync.Engine
	opts    Options

	ctx    context.Context    // lives until Close
	cancel context.CancelFunc // stops the scheduler and any running pass
	wg     sync.WaitGroup     // the scheduler and the queue worker

	passMu sync.Mutex // one pass at a time in this process

	mu          sync.Mutex
	closed      bool
	working     bool           // the queue worker is running
	pendingAll  bool           // a sync of every connection is queued
	pending     map[int64]bool // single connections queued
	lastAttempt time.Time      // when the scheduler last asked for a sync of all
	offline     bool           // the window says the computer has no network
	resched     chan struct{}

	backupMu       sync.Mutex    // one backup at a time
	backingUp      bool          // under mu
	backupFailedAt time.Time     // under mu: the last backup failed then (retried BackupRetry later)
	backupNudge    chan struct{} // BackupCheck
}

// Open builds the services of an unlocked vault. The session owns v from
// now on: Close closes it.
func Open(v *vault.Vault, o Options) *Session {
	if o.Flows == nil {
		o.Flows = connect.NewFlows(smart.Options{})
	}
	if o.LockPoll <= 0 {
		o.LockPoll = time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.After == nil {
		o.After = time.After
	}
	if o.BackupEvery <= 0 {
		o.BackupEvery = DefaultBackupEvery
	}
	if o.BackupAfterRecords <= 0 {
		o.BackupAfterRecords = DefaultBackupAfterRecords
	}
	if o.BackupPoll <= 0 {
		o.BackupPoll = DefaultBackupPoll
	}
	if o.BackupAfter == nil {
		o.BackupAfter = time.After
	}
	db := v.DB()
	store := records.New(db)
	// Records derived by an older Fasten are re-derived once, before anything
	// reads them. A failure (a full disk) leaves the old rows, which still
	// read correctly, and is tried again at the next open.
	_, _ = store.RefreshDerived(context.Background())
	svc := connect.New(db, store, o.Flows)
	s := &Session{
		v: v, records: store, connect: svc, engine: providersync.New(db, store, svc, o.Sync), opts: o,
		pending: map[int64]bool{}, resched: make(chan struct{}, 1), backupNudge: make(chan struct{}, 1), offline: o.Offline != nil && o.Offline(),
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	if need, err := v.PackNeeded(s.ctx); err == nil && need {
		// Syncs wait for it: its closing rewrite of the file (VACUUM for
		// a small vault) holds the write lock for seconds, longer than a
		// sync's writer would wait before failing; a large vault's
		// (vault.Compact) makes a copy and starts over when a commit
		// lands meanwhile, which a sync would cause. passMu is taken here, before Open returns, so no
		// pass asked for afterwards can start first; the goroutine lets it
		// go. A failure (a full disk, Close) leaves the rest for the next
		// open.
		s.passMu.Lock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer s.passMu.Unlock()
			_, _ = v.PackPending(s.ctx, o.Packing)
		}()
	}
	if o.Schedule {
		s.wg.Add(1)
		go s.schedule()
	}
	if o.Backups {
		s.wg.Add(1)
		go s.backupSchedule()
	}
	return s
}

// Vault is the open vault.
func (s *Session) Vault() *vault.Vault { return s.v }

// Records is the records store.
func (s *Session) Records() *records.Store { return s.records }

// Connect is the connection service.
func (s *Session) Connect() *connect.Service { return s.connect }

// History lists a connection's most recent syncs, newest first.
func (s *Session) History(ctx context.Context, connectionID int64, limit int) ([]providersync.Run, error) {
	return s.engine.History(ctx, connectionID, limit)
}

// Close stops the scheduler, cancels a running pass and waits for it to
// stop at its checkpoint, then closes the vault. Safe to call twice.
func (s *Session) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	s.wg.Wait()
	s.passMu.Lock() // a synchronous SyncNow from another goroutine
	defer s.passMu.Unlock()
	s.backupMu.Lock() // a BackupNow from another goroutine (cancelled above)
	defer s.backupMu.Unlock()
	return s.v.Close()
}

// Outcome is one connection's part of a pass.
type Outcome struct {
	ConnectionID int64
	Result       providersync.Result
	Err          error // why the connection could not sync (needs reconnect, cancelled, …)
}

// Pass is one sync pass: every connection that can sync (All), or some.
type Pass struct {
	All      bool
	Outcomes []Outcome
	Err      error // the pass could not run at all (ErrSyncRunning, locked, …)
}

// Request queues a sync of one connection (id > 0) or of every connection
// (id 0) and returns at once; Options.Done hears the outcome. Requests made
// while a pass runs are not dropped: they are coalesced (one queued sync per
// connection, one of all) and run when the current pass ends.
func (s *Session) Request(id int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if id == 0 {
		s.pendingAll = true
	} else {
		s.pending[id] = true
	}
	if !s.working {
		s.working = true
		s.wg.Add(1)
		go s.work()
	}
	return nil
}

// work runs queued passes until the queue is empty.
func (s *Session) work() {
	defer s.wg.Done()
	for {
		s.mu.Lock()
		all, ids := s.pendingAll, make([]int64, 0, len(s.pending))
		if all {
			// A pass of all lists the connections when it starts, so it
			// covers every single connection queued before it.
			clear(s.pending)
		}
		for id := range s.pending {
			ids = append(ids, id)
		}
		clear(s.pending)
		s.pendingAll = false
		if (!all && len(ids) == 0) || s.closed {
			s.working = false
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
		sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
		p := s.run(s.ctx, all, ids, s.opts.Progress)
		if s.opts.Done != nil && !errors.Is(p.Err, context.Canceled) {
			s.opts.Done(p)
		}
	}
}

// SyncNow runs a pass now and waits for it: one connection (id > 0) or
// every connection that can sync (id 0). It is what a headless command
// calls; the window uses Request.
func (s *Session) SyncNow(ctx context.Context, id int64, progress func(providersync.Progress)) Pass {
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	go func() {
		select {
		case <-s.ctx.Done(): // the session closes: stop at the checkpoint
			stop()
		case <-ctx.Done():
		}
	}()
	if id == 0 {
		return s.run(ctx, true, nil, progress)
	}
	return s.run(ctx, false, []int64{id}, progress)
}

// run is one pass under both locks: this process's and the vault's.
func (s *Session) run(ctx context.Context, all bool, ids []int64, progress func(providersync.Progress)) Pass {
	p := Pass{All: all, Outcomes: []Outcome{}}
	s.passMu.Lock()
	defer s.passMu.Unlock()
	if s.isClosed() {
		p.Err = ErrClosed
		return p
	}
	lock, err := s.lockVault(ctx, progress)
	if err != nil {
		p.Err = err
		return p
	}
	defer lock.release()

	started := s.opts.Now().UTC()
	if all {
		conns, err := s.connect.List(ctx)
		if err != nil {
			p.Err = err
			return p
		}
		for _, c := range conns {
			if c.Status == connect.StatusConnected || c.Status == connect.StatusExpiresSoon {
				ids = append(ids, c.ID)
			}
		}
	}
	var pmu sync.Mutex
	safe := func(pr providersync.Progress) {
		if progress != nil {
			pmu.Lock()
			progress(pr)
			pmu.Unlock()
		}
	}
	p.Outcomes = make([]Outcome, len(ids))
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := s.engine.Sync(ctx, id, safe)
			p.Outcomes[i] = Outcome{ConnectionID: id, Result: r, Err: err}
		}()
	}
	wg.Wait()
	if ctx.Err() != nil {
		p.Err = ctx.Err()
		return p
	}
	if all && p.ok() {
		if err := s.records.SetSetting(context.WithoutCancel(ctx), settingLastAll, vault.Timestamp(started)); err != nil {
			p.Err = fmt.Errorf("remembering when the last sync ran: %w", err)
		}
	}
	return p
}

// ok reports whether every connection's sync ran (complete or partial).
func (p Pass) ok() bool {
	for _, o := range p.Outcomes {
		if o.Err != nil {
			return false
		}
	}
	return p.Err == nil
}

func (s *Session) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// Interval is how often the scheduler syncs every connection.
func (s *Session) Interval(ctx context.Context) time.Duration {
	v, _ := s.records.Setting(ctx, settingInterval)
	if h, err := strconv.Atoi(v); err == nil && h > 0 {
		return time.Duration(h) * time.Hour
	}
	return DefaultSyncInterval
}

// SetOffline tells the scheduler whether the computer is offline (the
// window hears it from the system). While offline, a scheduled sync that
// comes due waits instead of failing, and runs as soon as the network is
// back, rather than an interval after a failed try. Syncs a person asks for
// still run: they get the provider's own error.
func (s *Session) SetOffline(offline bool) {
	s.mu.Lock()
	changed := s.offline != offline
	s.offline = offline
	s.mu.Unlock()
	if changed {
		select {
		case s.resched <- struct{}{}:
		default:
		}
	}
}

// Offline is what SetOffline last said.
func (s *Session) Offline() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.offline
}

// SetInterval keeps a new interval (whole hours, at least one) and
// reschedules the next sync.
func (s *Session) SetInterval(ctx context.Context, d time.Duration) error {
	if d < time.Hour {
		return ErrIntervalTooShort
	}
	if err := s.records.SetSetting(ctx, settingInterval, strconv.Itoa(int(d/time.Hour))); err != nil {
		return err
	}
	select {
	case s.resched <- struct{}{}:
	default:
	}
	return nil
}

// ErrIntervalTooShort is returned for a sync interval under an hour.
var ErrIntervalTooShort = errors.New("the sync interval must be at least one hour")

// LastSyncAll is when a sync of every connection last ran through without
// a connection failing (zero if never).
func (s *Session) LastSyncAll(ctx context.Context) time.Time {
	v, _ := s.records.Setting(ctx, settingLastAll)
	t, err := vault.ParseTimestamp(v)
	if err != nil {
		return time.Time{}
	}
	return t
}

// schedule asks for a sync of every connection whenever one is due: at
// unlock if the last is older than the interval, then once per interval.
// A failed pass (offline) is retried an interval after it was asked for,
// not in a loop.
func (s *Session) schedule() {
	defer s.wg.Done()
	for {
		every := s.Interval(s.ctx)
		due := s.LastSyncAll(s.ctx).Add(every)
		s.mu.Lock()
		if a := s.lastAttempt.Add(every); a.After(due) {
			due = a
		}
		s.mu.Unlock()
		if wait := due.Sub(s.opts.Now()); wait > 0 {
			select {
			case <-s.ctx.Done():
				return
			case <-s.resched:
				continue
			case <-s.opts.After(wait):
				continue // re-read: a manual sync of all may have moved the due time
			}
		}
		s.mu.Lock()
		offline := s.offline
		if !offline {
			s.lastAttempt = s.opts.Now()
		}
		s.mu.Unlock()
		if offline {
			// Due, but a pass would only fail: wait to be told the network is back.
			select {
			case <-s.ctx.Done():
				return
			case <-s.resched:
				continue
			}
		}
		if err := s.Request(0); err != nil {
			return
		}
	}
}
