package app

import (
	"context"
	"errors"
	"log"
	"time"

	"github.com/fastenhealth/fasten-desktop/internal/providersync"
	"github.com/fastenhealth/fasten-desktop/internal/session"
	"github.com/fastenhealth/fasten-desktop/internal/vault"
)

// Events about syncing.
const (
	EventSyncProgress = "sync:progress" // a SyncProgress
	EventSyncDone     = "sync:done"     // []SyncSummary
	// EventSyncFailed says why a whole pass could not run (the connection
	// list could not be read, another Fasten's sync never let go, …): with
	// no connection synced, sync:done alone would carry nothing to show.
	EventSyncFailed = "sync:failed" // a UIError
	// EventVaultPacking reports the one-time compression of records an
	// earlier Fasten stored (after an update, at the first unlock): the
	// window shows it as a quiet, non-blocking line ("Making your vault
	// smaller: 40%", then "Finishing…" while phase is "vacuum") and hides it
	// at "done"; everything stays usable meanwhile.
	EventVaultPacking = "vault:packing" // a vault.PackProgress
)

// SyncProgress is one progress event for the UI.
type SyncProgress struct {
	ConnectionID int64              `json:"connectionId"`
	Phase        providersync.Phase `json:"phase"`
	TasksDone    int                `json:"tasksDone"`
	TasksTotal   int                `json:"tasksTotal"`
	Resources    int                `json:"resources"`
	Message      string             `json:"message"`
	// PausedUntil is when requests resume while the provider has asked
	// Fasten to wait (RFC 3339), "" otherwise.
	PausedUntil string `json:"pausedUntil"`
}

// SyncSummary is the outcome of one connection's sync, in plain words.
type SyncSummary struct {
	ConnectionID int64                      `json:"connectionId"`
	Outcome      providersync.RunStatus     `json:"outcome"`
	Complete     bool                       `json:"complete"`
	Resources    int                        `json:"resources"`
	Added        int                        `json:"added"`
	Updated      int                        `json:"updated"`
	Failed       []providersync.TaskFailure `json:"failed"`
	Error        *UIError                   `json:"error"` // why it could not sync; null when it ran
}

// sessionOptions are what each unlock's session needs from the window: a
// schedule, waiting (not failing) while a `fasten sync` holds the vault,
// and events for the page. Sync progress counts as activity, so a long
// first sync does not auto-lock the vault under itself.
func (a *App) sessionOptions() session.Options {
	return session.Options{
		Flows:            a.flows,
		Schedule:         true,
		WaitForOtherSync: true,
		Offline:          a.offline.Load,
		Progress: func(p providersync.Progress) {
			a.hh().Touch()
			sp := SyncProgress{ConnectionID: p.ConnectionID, Phase: p.Phase, TasksDone: p.TasksDone, TasksTotal: p.TasksTotal, Resources: p.Resources, Message: p.Message}
			if !p.PausedUntil.IsZero() {
				sp.PausedUntil = p.PausedUntil.UTC().Format(time.RFC3339)
			}
			a.emit(EventSyncProgress, sp)
		},
		Done: func(p session.Pass) {
			if ui := passError(p); ui != nil {
				a.emit(EventSyncFailed, ui)
			}
			a.emit(EventSyncDone, summaries(p))
		},
		Packing:    func(p vault.PackProgress) { a.emit(EventVaultPacking, p) },
		Backups:    true,
		BackupDone: func(b session.BackupStatus) { a.emit(EventBackupDone, b) },
	}
}

// passError is why a pass as a whole failed, for the person; nil when it ran
// (each connection's own failure is in its summary) or was stopped.
func passError(p session.Pass) *UIError {
	if p.Err == nil || errors.Is(p.Err, context.Canceled) {
		return nil
	}
	return ToUIError(p.Err)
}

// summaries turns a pass into the page's per-connection outcomes.
func summaries(p session.Pass) []SyncSummary {
	if p.Err != nil {
		log.Printf("sync: %v", p.Err)
	}
	out := []SyncSummary{}
	for _, o := range p.Outcomes {
		r := o.Result
		s := SyncSummary{ConnectionID: o.ConnectionID, Outcome: r.Status, Complete: r.Complete, Resources: r.Resources, Added: r.Added, Updated: r.Updated, Failed: r.Failed}
		if s.Failed == nil {
			s.Failed = []providersync.TaskFailure{}
		}
		if o.Err != nil && !errors.Is(o.Err, context.Canceled) {
			log.Printf("sync of connection %d: %v", o.ConnectionID, o.Err)
			s.Error = ToUIError(o.Err)
		}
		out = append(out, s)
	}
	return out
}

// SyncNow syncs every connection (0) or one, in the background. A sync
// asked for while another runs is queued, not refused; sync:done reports it.
func (a *App) SyncNow(connectionID int64) error {
	sess, err := a.hh().Session()
	if err != nil {
		return err
	}
	return sess.Request(connectionID)
}

// SyncHistory lists a connection's recent syncs (times, counts, outcome).
func (a *App) SyncHistory(connectionID int64) ([]providersync.Run, error) {
	sess, err := a.hh().Session()
	if err != nil {
		return nil, err
	}
	return sess.History(a.context(), connectionID, 20)
}

// SetOffline is the page telling Go what the system says of the network
// (navigator.onLine and its online/offline events): scheduled syncs wait
// while offline and run when it is back. Locked, it is only remembered.
func (a *App) SetOffline(offline bool) {
	a.offline.Store(offline)
	if sess, err := a.hh().Session(); err == nil {
		sess.SetOffline(offline)
	}
}

// SetSyncIntervalHours sets how often connections sync while Fasten is open.
func (a *App) SetSyncIntervalHours(hours int) error {
	if hours < 1 || hours > 24*30 {
		return invalidInput("Choose between 1 hour and 30 days.")
	}
	sess, err := a.hh().Session()
	if err != nil {
		return err
	}
	return sess.SetInterval(a.context(), time.Duration(hours)*time.Hour)
}

// SyncIntervalHours is how often connections sync while Fasten is open.
func (a *App) SyncIntervalHours() (int, error) {
	sess, err := a.hh().Session()
	if err != nil {
		return 0, err
	}
	return int(sess.Interval(a.context()) / time.Hour), nil
}
