package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/fastenhealth/fasten-desktop/internal/connect"
	"github.com/fastenhealth/fasten-desktop/internal/providersync"
	"github.com/fastenhealth/fasten-desktop/internal/session"
	"github.com/fastenhealth/fasten-desktop/internal/smart"
	"github.com/fastenhealth/fasten-desktop/internal/vault"
)

// sync pulls records from every connected provider (or one), printing
// progress and a summary; it exits 0 only when everything completed.
func (e env) sync(ctx context.Context, args []string) error {
	var id int64
	var insecure, wait bool
	return e.withVault("sync", "sync [flags] [--connection ID]", args, func(fs *flag.FlagSet) {
		fs.Int64Var(&id, "connection", 0, "sync only this connection (see fasten connections)")
		fs.BoolVar(&insecure, "insecure", false, "developer mode: allow http:// servers (e.g. fasten sandbox)")
		fs.BoolVar(&wait, "wait", false, "if another Fasten is syncing this vault, wait for it instead of stopping")
	}, nil, func(v *vault.Vault) error {
		sess := session.Open(v, session.Options{Flows: connect.NewFlows(smart.Options{AllowInsecure: insecure}), WaitForOtherSync: wait})
		defer sess.Close()
		return e.syncVault(ctx, sess, id)
	})
}

func (e env) syncVault(ctx context.Context, sess *session.Session, id int64) error {
	last := map[int64]string{}
	progress := func(p providersync.Progress) {
		line := fmt.Sprintf("connection %d: %s %d/%d tasks, %d records", p.ConnectionID, p.Phase, p.TasksDone, p.TasksTotal, p.Resources)
		if last[p.ConnectionID] != line {
			last[p.ConnectionID] = line
			fmt.Fprintln(e.stdout, line)
		}
	}
	pass := sess.SyncNow(ctx, id, progress)
	if errors.Is(pass.Err, session.ErrSyncRunning) {
		return fmt.Errorf("%w (run 'fasten sync --wait' to wait for it)", pass.Err)
	}
	if pass.Err != nil {
		return pass.Err
	}
	var results []providersync.Result
	for _, o := range pass.Outcomes {
		if o.Err != nil && !errors.Is(o.Err, providersync.ErrNeedsReconnect) {
			return fmt.Errorf("connection %d: %w", o.ConnectionID, o.Err)
		}
		results = append(results, o.Result)
		if o.Err != nil {
			fmt.Fprintf(e.stdout, "connection %d: %v\n", o.ConnectionID, o.Err)
		}
	}
	incomplete := 0
	for _, r := range results {
		fmt.Fprintf(e.stdout, "connection %d: %d records (%d new, %d updated, %d skipped as invalid), %d pages, %d requests, %d references, %d attachments, %d no longer at the source\n",
			r.ConnectionID, r.Resources, r.Added, r.Updated, r.Skipped, r.Pages, r.Requests, r.References, r.Attachments, r.Gone)
		for _, f := range r.Failed {
			fmt.Fprintf(e.stdout, "    not fetched: %s (%d): %s\n", f.Task, f.Count, f.Reason)
		}
		if !r.Complete {
			incomplete++
		}
	}
	if len(results) == 0 {
		fmt.Fprintln(e.stdout, "no connections to sync (connect one with 'fasten connect')")
	}
	if incomplete > 0 {
		return fmt.Errorf("%d of %d connections did not sync completely (see above); run 'fasten sync' again to resume", incomplete, len(results))
	}
	return nil
}
