package app

import (
	"context"
	"errors"
	"log"
	"strconv"
	"sync"
	"time"

	"github.com/fastenhealth/fasten-desktop/internal/connect"
	"github.com/fastenhealth/fasten-desktop/internal/household"
	"github.com/fastenhealth/fasten-desktop/internal/providersync"
)

// Events about syncing.
const (
	EventSyncProgress = "sync:progress" // a SyncProgress
	EventSyncDone     = "sync:done"     // []SyncSummary
)

// DefaultSyncInterval is how often connections sync while the app is open.
const DefaultSyncInterval = 24 * time.Hour

// SyncProgress is one progress event for the UI.
type SyncProgress struct {
	ConnectionID int64  `json:"connectionId"`
	Phase        providersync.Phase `json:"phase"`
	TasksDone    int    `json:"tasksDone"`
	TasksTotal   int    `json:"tasksTotal"`
	Resources    int    `json:"resources"`
	Message      string `json:"message"`
}

// SyncSummary is the outcome of one connection's sync, in plain words.
type SyncSummary struct {
	ConnectionID int64                      `json:"connectionId"`
	Complete     bool                       `json:"complete"`
	Resources    int                        `json:"resources"`
	Added        int                        `json:"added"`
	Updated      int                        `json:"updated"`
	Failed       []providersync.TaskFailure `json:"failed"`
	Error        string                     `json:"error"`
}

// syncer runs syncs in the background while the vault is unlocked.
type syncer struct {
	mu      sync.Mutex
	ctx     context.Context    // lives while the vault is unlocked
	cancel  context.CancelFunc // stops the schedule and any running sync
	running bool
	wg      sync.WaitGroup
}

// startSyncing begins the schedule after an unlock: a sync now if the last
// one is older than the interval, then one every interval.
func (a *App) startSyncing() {
	a.sync.mu.Lock()
	if a.sync.cancel != nil {
		a.sync.mu.Unlock()
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	a.sync.ctx, a.sync.cancel = ctx, cancel
	a.sync.mu.Unlock()
	every := a.syncInterval()
	a.sync.wg.Add(1)
	go func() {
		defer a.sync.wg.Done()
		providersync.Schedule(ctx, every, func(ctx context.Context) {
			if a.syncedWithin(every) {
				return // unlocking again soon after a sync does not start another
			}
			a.runSync(ctx, 0)
		})
	}()
}

// stopSyncing cancels the schedule and waits for a running sync to stop at
// its checkpoint; it runs before the vault closes.
func (a *App) stopSyncing() {
	a.sync.mu.Lock()
	cancel := a.sync.cancel
	a.sync.ctx, a.sync.cancel = nil, nil
	a.sync.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	a.sync.wg.Wait()
}

func (a *App) syncInterval() time.Duration {
	st, err := a.hh.Store()
	if err != nil {
		return DefaultSyncInterval
	}
	v, _ := st.Setting(a.context(), "sync_interval_hours")
	if h, err := strconv.Atoi(v); err == nil && h > 0 {
		return time.Duration(h) * time.Hour
	}
	return DefaultSyncInterval
}

// syncedWithin reports whether every connection was synced less than d ago.
func (a *App) syncedWithin(d time.Duration) bool {
	st, err := a.hh.Store()
	if err != nil {
		return false
	}
	v, _ := st.Setting(a.context(), "last_sync_all")
	t, err := time.Parse(time.RFC3339, v)
	return err == nil && time.Since(t) < d
}

// runSync syncs one connection (id) or all of them, reporting to the UI.
func (a *App) runSync(ctx context.Context, id int64) {
	a.sync.mu.Lock()
	if a.sync.running {
		a.sync.mu.Unlock()
		return
	}
	a.sync.running = true
	a.sync.mu.Unlock()
	defer func() {
		a.sync.mu.Lock()
		a.sync.running = false
		a.sync.mu.Unlock()
	}()
	v := a.hh.Vault()
	if v == nil {
		return
	}
	eng := providersync.New(v.DB(), connect.New(v.DB(), a.flows), providersync.Options{})
	progress := func(p providersync.Progress) {
		a.hh.Touch()
		a.emit(EventSyncProgress, SyncProgress{ConnectionID: p.ConnectionID, Phase: p.Phase, TasksDone: p.TasksDone, TasksTotal: p.TasksTotal, Resources: p.Resources, Message: p.Message})
	}
	var results []providersync.Result
	var err error
	if id != 0 {
		var r providersync.Result
		r, err = eng.Sync(ctx, id, progress)
		results = append(results, r)
	} else {
		started := time.Now().UTC().Format(time.RFC3339)
		results, err = eng.SyncAll(ctx, progress)
		if err == nil {
			if st, serr := a.hh.Store(); serr == nil {
				st.SetSetting(context.Background(), "last_sync_all", started)
			}
		}
	}
	out := []SyncSummary{}
	for _, r := range results {
		s := SyncSummary{ConnectionID: r.ConnectionID, Complete: r.Complete, Resources: r.Resources, Added: r.Added, Updated: r.Updated, Failed: r.Failed}
		if s.Failed == nil {
			s.Failed = []providersync.TaskFailure{}
		}
		if err != nil && id != 0 {
			s.Error = personMessage(err)
		}
		out = append(out, s)
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		log.Printf("sync: %v", err)
	}
	a.emit(EventSyncDone, out)
}

// SyncNow syncs every connection now (or one, with its id), in the background.
func (a *App) SyncNow(connectionID int64) error {
	if _, err := a.hh.Store(); err != nil {
		return err
	}
	a.sync.mu.Lock()
	busy, ctx := a.sync.running, a.sync.ctx
	if ctx != nil && !busy {
		a.sync.wg.Add(1)
	}
	a.sync.mu.Unlock()
	if busy {
		return errors.New("a sync is already running")
	}
	if ctx == nil {
		return household.ErrLocked
	}
	go func() {
		defer a.sync.wg.Done()
		a.runSync(ctx, connectionID)
	}()
	return nil
}

// SyncHistory lists a connection's recent syncs (times, counts, outcome).
func (a *App) SyncHistory(connectionID int64) ([]providersync.Run, error) {
	v := a.hh.Vault()
	if _, err := a.hh.Store(); err != nil || v == nil {
		return nil, household.ErrLocked
	}
	runs, err := providersync.New(v.DB(), connect.New(v.DB(), a.flows), providersync.Options{}).History(a.context(), connectionID, 20)
	return runs, userError("sync history", err)
}

// SetSyncIntervalHours sets how often connections sync while Fasten is open.
func (a *App) SetSyncIntervalHours(hours int) error {
	if hours < 1 || hours > 24*30 {
		return errors.New("choose between 1 hour and 30 days")
	}
	st, err := a.hh.Store()
	if err != nil {
		return err
	}
	if err := st.SetSetting(a.context(), "sync_interval_hours", strconv.Itoa(hours)); err != nil {
		return err
	}
	a.stopSyncing()
	a.startSyncing()
	return nil
}

// SyncIntervalHours is how often connections sync while Fasten is open.
func (a *App) SyncIntervalHours() (int, error) {
	if _, err := a.hh.Store(); err != nil {
		return 0, err
	}
	return int(a.syncInterval() / time.Hour), nil
}
