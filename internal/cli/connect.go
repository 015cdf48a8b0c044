package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"path/filepath"
	"time"

	"github.com/fastenhealth/fasten-desktop/internal/connect"
	"github.com/fastenhealth/fasten-desktop/internal/deeplink"
	"github.com/fastenhealth/fasten-desktop/internal/session"
	"github.com/fastenhealth/fasten-desktop/internal/smart"
	"github.com/fastenhealth/fasten-desktop/internal/vault"
)

// connect runs a SMART standalone launch headless: it prints the
// authorization URL, then waits for the redirect — on a loopback listener, or
// as a deep link that the OS hands to a second `fasten URL` process, which
// forwards it here.
func (e env) connect(ctx context.Context, args []string) error {
	var c common
	var person, provider, base, name, redirect, clientID string
	var insecure bool
	var timeout time.Duration
	fs := e.flags("connect", "connect [flags] --person NAME (--provider ID | --fhir-base URL)", &c)
	fs.StringVar(&person, "person", "", "the household member this connection belongs to (created if new)")
	fs.StringVar(&provider, "provider", "", "a provider id from the catalog (see the app's Connect screen)")
	fs.StringVar(&base, "fhir-base", "", "any SMART on FHIR server's FHIR base URL")
	fs.StringVar(&name, "name", "", "what to call a --fhir-base provider")
	fs.StringVar(&redirect, "redirect", "", "how the sign-in comes back: scheme (deep link) or loopback (default: the vendor's registration)")
	fs.StringVar(&clientID, "client-id", "", "the client id to use instead of the registered one")
	fs.BoolVar(&insecure, "insecure", false, "developer mode: allow http:// servers (e.g. fasten-sandbox)")
	fs.DurationVar(&timeout, "timeout", 10*time.Minute, "how long to wait for the sign-in")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if person == "" || (provider == "" && base == "") {
		return usageError{"--person and one of --provider or --fhir-base are required"}
	}
	v, err := c.open()
	if err != nil {
		return err
	}
	flows := connect.NewFlows(smart.Options{AllowInsecure: insecure})
	sess := session.Open(v, session.Options{Flows: flows})
	defer sess.Close()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	st := sess.Records()
	p, err := findOrAddPerson(ctx, st, person)
	if err != nil {
		return err
	}
	svc := sess.Connect()

	// Listen for the deep link before the browser can possibly come back.
	var links *deeplink.Listener
	if redirect != connect.RedirectLoopback {
		links, err = deeplink.Listen(filepath.Dir(v.Path()))
		if err != nil {
			return fmt.Errorf("cannot wait for the sign-in (is another Fasten waiting for one?): %w", err)
		}
		defer links.Close()
	}
	started, err := svc.Start(ctx, connect.StartRequest{PersonID: p.ID, ProviderID: provider, FHIRBase: base, Name: name, Redirect: redirect, ClientID: clientID})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Open this address in your browser and sign in to %s:\n\n%s\n\nWaiting for the sign-in to come back (%s)…\n", started.ProviderName, started.AuthURL, started.RedirectURI)
	var back string
	if started.Loopback {
		back, err = flows.WaitLoopback(ctx, started.State)
		if err != nil {
			return err
		}
	} else {
		select {
		case back = <-links.URLs():
		case <-ctx.Done():
			return fmt.Errorf("no sign-in came back within %s", timeout)
		}
	}
	conn, err := svc.Complete(ctx, back)
	if err != nil {
		return err
	}
	if conn.Status != connect.StatusConnected {
		return fmt.Errorf("connected to %s, but the first read failed: %s", conn.ProviderName, conn.LastError)
	}
	fmt.Fprintf(e.stdout, "Connected %s to %s (connection %d); the first read of their record worked.\n", conn.PersonName, conn.ProviderName, conn.ID)
	return nil
}

func (e env) connections(ctx context.Context, args []string) error {
	var asJSON bool
	return e.withVault("connections", "connections [flags] [--json]", args, func(fs *flag.FlagSet) {
		fs.BoolVar(&asJSON, "json", false, "print JSON")
	}, nil, func(v *vault.Vault) error {
		sess := session.Open(v, session.Options{})
		defer sess.Close()
		list, err := sess.Connect().List(ctx)
		if err != nil {
			return err
		}
		if asJSON {
			return json.NewEncoder(e.stdout).Encode(list)
		}
		for _, c := range list {
			fmt.Fprintf(e.stdout, "%d\t%s\t%s\t%s\n", c.ID, c.PersonName, c.ProviderName, c.StatusText)
		}
		return nil
	})
}
