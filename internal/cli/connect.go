package cli

import (
	"context"
	"crypto/subtle"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/fastenhealth/fasten-desktop/internal/connect"
	"github.com/fastenhealth/fasten-desktop/internal/deeplink"
	"github.com/fastenhealth/fasten-desktop/internal/records"
	"github.com/fastenhealth/fasten-desktop/internal/session"
	"github.com/fastenhealth/fasten-desktop/internal/smart"
)

// connectArgs are `fasten connect`'s own flags.
type connectArgs struct {
	person, provider, base, name, redirect, clientID string
	insecure                                         bool
	timeout                                          time.Duration
}

// connect runs a SMART standalone launch headless: it prints the
// authorization URL, then waits for the redirect — on a loopback listener, or
// as a deep link that the OS hands to a second `fasten URL` process, which
// forwards it here.
func (e env) connect(ctx context.Context, args []string) error {
	var a connectArgs
	return e.withVault("connect", "connect [flags] --person NAME (--provider ID | --fhir-base URL)", args, func(fs *flag.FlagSet) {
		fs.StringVar(&a.person, "person", "", "the household member this connection belongs to (created if new)")
		fs.StringVar(&a.provider, "provider", "", "a provider id from the catalog (see the app's Connect screen)")
		fs.StringVar(&a.base, "fhir-base", "", "any SMART on FHIR server's FHIR base URL")
		fs.StringVar(&a.name, "name", "", "what to call a --fhir-base provider")
		fs.StringVar(&a.redirect, "redirect", "", "how the sign-in comes back: scheme (deep link) or loopback (default: the vendor's registration)")
		fs.StringVar(&a.clientID, "client-id", "", "the client id to use instead of the registered one")
		fs.BoolVar(&a.insecure, "insecure", false, "developer mode: allow http:// servers (e.g. fasten-sandbox)")
		fs.DurationVar(&a.timeout, "timeout", 10*time.Minute, "how long to wait for the sign-in")
	}, func(*flag.FlagSet) error {
		if a.person == "" || (a.provider == "" && a.base == "") {
			return usageError{"--person and one of --provider or --fhir-base are required"}
		}
		return nil
	}, func(u *unlocked) error {
		ctx, cancel := context.WithTimeout(ctx, a.timeout)
		defer cancel()
		flows := connect.NewFlows(smart.Options{AllowInsecure: a.insecure})
		sess := u.session(session.Options{Flows: flows})
		st := sess.Records()
		p, added, err := findOrAddPerson(ctx, st, a.person)
		if err != nil {
			return err
		}
		svc := sess.Connect()
		err = e.signIn(ctx, u, svc, flows, p, a)
		if err != nil && added {
			// The member was made for this connection only: do not leave
			// an empty one behind in the household.
			e.removeIfEmpty(st, p.ID)
		}
		return err
	})
}

func (e env) signIn(ctx context.Context, u *unlocked, svc *connect.Service, flows *connect.Flows, p records.Person, a connectArgs) error {
	// Listen for the deep link before the browser can possibly come back.
	var links *deeplink.Listener
	if a.redirect != connect.RedirectLoopback {
		var err error
		links, err = deeplink.Listen(u.dir())
		if err != nil {
			return fmt.Errorf("cannot wait for the sign-in (is another Fasten waiting for one?): %w", err)
		}
		defer links.Close()
	}
	started, err := svc.Start(ctx, connect.StartRequest{PersonID: p.ID, ProviderID: a.provider, FHIRBase: a.base, Name: a.name, Redirect: a.redirect, ClientID: a.clientID})
	if err != nil {
		return err
	}
	// The authorization URL is built from the provider's discovery document.
	fmt.Fprintf(e.stdout, "Open this address in your browser and sign in to %s:\n\n%s\n\nWaiting for the sign-in to come back (%s)…\n", clean(started.ProviderName), clean(started.AuthURL), started.RedirectURI)
	var back string
	if started.Loopback {
		// The loopback listener itself accepts only this sign-in's state.
		back, err = flows.WaitLoopback(ctx, started.State)
		if err != nil {
			return e.waitErr(ctx, err, a.timeout)
		}
	} else if back, err = e.waitDeepLink(ctx, links, started.State); err != nil {
		return e.waitErr(ctx, err, a.timeout)
	}
	conn, err := svc.Complete(ctx, back)
	if err != nil {
		return err
	}
	if conn.Status != connect.StatusConnected {
		return fmt.Errorf("connected to %s, but the first read failed: %s", conn.ProviderName, conn.LastError)
	}
	fmt.Fprintf(e.stdout, "Connected %s to %s (connection %d); the first read of their record worked.\n", clean(conn.PersonName), clean(conn.ProviderName), conn.ID)
	return nil
}

// waitDeepLink returns the first forwarded deep link that carries state.
// Any local program can forward a link, and an old one can be replayed: a
// link for another sign-in is ignored, and the real one is still awaited.
func (e env) waitDeepLink(ctx context.Context, links *deeplink.Listener, state string) (string, error) {
	for {
		select {
		case back, ok := <-links.URLs():
			if !ok {
				return "", errors.New("stopped waiting for the sign-in")
			}
			if cb, err := smart.ParseCallback(back); err == nil && state != "" && subtle.ConstantTimeCompare([]byte(cb.State), []byte(state)) == 1 {
				return back, nil
			}
			fmt.Fprintln(e.stderr, "A sign-in came back that this connection did not start; it was ignored. Still waiting…")
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
}

func (e env) waitErr(ctx context.Context, err error, timeout time.Duration) error {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("no sign-in came back within %s: start the connection again", timeout)
	}
	if errors.Is(err, context.Canceled) {
		return errors.New("stopped waiting for the sign-in; nothing was connected")
	}
	return err
}

// removeIfEmpty removes a household member that has neither records nor a
// connection (records checks and deletes in one transaction). It runs after
// a failure, when ctx may already be done, so it has its own short
// deadline; a failure to tidy up is said after the error that caused it.
func (e env) removeIfEmpty(st *records.Store, personID int64) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := st.RemovePersonIfEmpty(ctx, personID); err != nil {
		fmt.Fprintf(e.stderr, "fasten connect: the household member made for this connection could not be removed: %s\n", clean(err.Error()))
	}
}
