package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/fastenhealth/fasten-desktop/internal/connect"
	"github.com/fastenhealth/fasten-desktop/internal/providersync"
	"github.com/fastenhealth/fasten-desktop/internal/session"
	"github.com/fastenhealth/fasten-desktop/internal/smart"
)

// sync pulls records from every connected provider (or one), printing
// progress and a summary; it exits 0 only when everything completed. A
// connection that cannot sync until the person acts (sign in again, retry a
// failure) is named with the command that fixes it, and makes the exit
// non-zero: a scheduled `fasten sync` must not report success while no
// records arrive. Another Fasten syncing the same vault (the window) makes
// it stop and say so, or wait with --wait.
func (e env) sync(ctx context.Context, args []string) error {
	var id int64
	var insecure, wait bool
	return e.withVault("sync", "sync [flags] [--connection ID]", args, func(fs *flag.FlagSet) {
		fs.Int64Var(&id, "connection", 0, "sync only this connection (see fasten connections)")
		fs.BoolVar(&insecure, "insecure", false, "developer mode: allow http:// servers (e.g. fasten-sandbox)")
		fs.BoolVar(&wait, "wait", false, "if another Fasten is syncing this vault, wait for it instead of stopping")
	}, nil, func(u *unlocked) error {
		sess := u.session(session.Options{Flows: connect.NewFlows(smart.Options{AllowInsecure: insecure}), WaitForOtherSync: wait})
		return e.syncVault(ctx, sess, id, insecure)
	})
}

func (e env) syncVault(ctx context.Context, sess *session.Session, id int64, insecure bool) error {
	svc := sess.Connect()
	last := map[int64]string{}
	progress := func(p providersync.Progress) {
		line := progressLine(p, time.Local)
		if last[p.ConnectionID] != line {
			last[p.ConnectionID] = line
			fmt.Fprintln(e.stdout, line)
		}
	}
	stuck := map[int64]bool{} // connections that need the person; no summary for them
	if id == 0 {
		// A pass of everything leaves these out; say so, one line each,
		// with the fix.
		before, err := svc.List(ctx)
		if err != nil {
			return err
		}
		for _, c := range before {
			if c.Status == connect.StatusNeedsReconnect || c.Status == connect.StatusError {
				fmt.Fprintln(e.stdout, needsYou(c, insecure))
				stuck[c.ID] = true
			}
		}
		if len(before) == 0 {
			fmt.Fprintln(e.stdout, "no connections to sync (connect one with 'fasten connect')")
			return nil
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
	var failed error
	for _, o := range pass.Outcomes {
		if o.Err == nil {
			results = append(results, o.Result)
			continue
		}
		// A connection that failed during this run: report it like the
		// stuck ones when it now needs the person; anything else is
		// returned after the summaries.
		c, gerr := svc.Get(ctx, o.ConnectionID)
		if gerr == nil && errors.Is(o.Err, providersync.ErrNeedsReconnect) {
			c.Status = connect.StatusNeedsReconnect
		}
		if gerr == nil && (c.Status == connect.StatusNeedsReconnect || c.Status == connect.StatusError) {
			fmt.Fprintln(e.stdout, needsYou(c, insecure))
			stuck[c.ID] = true
			continue
		}
		failed = errors.Join(failed, fmt.Errorf("connection %d: %w", o.ConnectionID, o.Err))
	}
	incomplete, needYou := e.printResults(results, stuck), len(stuck)
	switch {
	case failed != nil:
		return failed
	case needYou > 0 && incomplete > 0:
		return fmt.Errorf("%d connections need you (see above), and %d did not sync completely; run 'fasten sync' again to resume", needYou, incomplete)
	case needYou > 0:
		return fmt.Errorf("%d connections need you before they can sync (see above)", needYou)
	case incomplete > 0:
		return fmt.Errorf("%d of %d connections did not sync completely (see above); run 'fasten sync' again to resume", incomplete, len(results))
	}
	return nil
}

// printResults prints one summary per synced connection, except those
// already reported as needing the person, and returns how many did not
// complete.
func (e env) printResults(results []providersync.Result, skip map[int64]bool) (incomplete int) {
	for _, r := range results {
		if skip[r.ConnectionID] {
			continue
		}
		fmt.Fprintf(e.stdout, "connection %d: %d records (%d new, %d updated, %d skipped as invalid), %d pages, %d requests, %d references, %d attachments, %d no longer at the source\n",
			r.ConnectionID, r.Resources, r.Added, r.Updated, r.Skipped, r.Pages, r.Requests, r.References, r.Attachments, r.Gone)
		for _, f := range r.Failed {
			fmt.Fprintf(e.stdout, "    not fetched: %s (%d): %s%s\n", clean(f.Task), f.Count, clean(f.Reason), kindWords(f.Kind))
		}
		if !r.Complete {
			incomplete++
		}
	}
	return incomplete
}

// kindWords explains the kinds of failure the person can do something
// about, or wait out.
func kindWords(k providersync.FailureKind) string {
	switch k {
	case providersync.KindRateLimited:
		return " — the provider kept asking Fasten to slow down; the rest is fetched at the next sync"
	case providersync.KindUnavailable:
		return " — the provider was unavailable; the rest is fetched at the next sync"
	}
	return ""
}

// needsYou says, in one line, why a connection does not sync and the
// command that fixes it.
func needsYou(c connect.Connection, insecure bool) string {
	who := fmt.Sprintf("connection %d (%s at %s)", c.ID, clean(c.PersonName), clean(c.ProviderName))
	dev := ""
	if insecure {
		dev = " --insecure"
	}
	if c.Status == connect.StatusNeedsReconnect {
		target := "--fhir-base " + shellQuote(clean(c.FHIRBase))
		if c.ProviderID != "" {
			target = "--provider " + shellQuote(clean(c.ProviderID))
		}
		return fmt.Sprintf("%s: Fasten's access has ended, so nothing can be synced until you sign in again: fasten connect%s --person %s %s",
			who, dev, shellQuote(clean(c.PersonName)), target)
	}
	why := "it failed"
	if c.LastError != "" {
		why = "it failed: " + strings.TrimSuffix(clean(c.LastError), ".")
	}
	return fmt.Sprintf("%s: the last attempt to reach this provider did not work (%s). Try again with: fasten sync%s --connection %d", who, why, dev, c.ID)
}

// shellQuote quotes s for a POSIX shell when it needs quoting, so a printed
// command can be pasted as it is.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=@%+,", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// progressLine is one line of a sync's progress, pauses the provider asked
// for included, their time in loc.
func progressLine(p providersync.Progress, loc *time.Location) string {
	line := fmt.Sprintf("connection %d: %s %d/%d tasks, %d records", p.ConnectionID, clean(string(p.Phase)), p.TasksDone, p.TasksTotal, p.Resources)
	if !p.PausedUntil.IsZero() {
		line += fmt.Sprintf(" (the provider asked Fasten to wait; continuing at %s)", p.PausedUntil.In(loc).Format("15:04:05"))
	}
	return line
}
