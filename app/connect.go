package app

import (
	"context"
	"log"
	"sync"

	"github.com/wailsapp/wails/v2/pkg/runtime"

	"github.com/fastenhealth/fasten-desktop/internal/catalog"
	"github.com/fastenhealth/fasten-desktop/internal/connect"
	"github.com/fastenhealth/fasten-desktop/internal/samplefamily"
)

// Events about provider connections.
const (
	EventConnectDone    = "connect:done"    // a connect.Connection
	EventConnectError   = "connect:error"   // a UIError (kind and message), like a bound method's error
	EventConnectWaiting = "connect:waiting" // a sign-in came back while locked: unlock to finish
)

// deepLinks queues sign-in redirects that arrive while the vault is locked.
type deepLinks struct {
	mu     sync.Mutex
	queued []string
}

// connectService is the unlocked session's connection service (every call
// counts as activity).
func (a *App) connectService() (*connect.Service, error) {
	sess, err := a.hh().Session()
	if err != nil {
		return nil, err
	}
	return sess.Connect(), nil
}

// ProviderResult is one catalog search hit.
type ProviderResult struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Vendor     string `json:"vendor"`
	VendorName string `json:"vendorName"`
	FHIRBase   string `json:"fhirBase"`
	// Registered says whether a sign-in can start: the vendor has a client
	// id in this build or in Settings. When false the window says so, and
	// offers the import instead, before the person presses Connect.
	Registered bool `json:"registered"`
}

// SearchProviders searches the offline provider catalog as the person types.
func (a *App) SearchProviders(query string) ([]ProviderResult, error) {
	cat, err := catalog.Load()
	if err != nil {
		return nil, err
	}
	registered := a.registeredVendors()
	out := []ProviderResult{}
	for _, m := range cat.Search(query, 25) {
		out = append(out, ProviderResult{ID: m.ID, Name: m.Name, Vendor: m.Vendor, VendorName: catalog.VendorName(m.Vendor), FHIRBase: m.FHIRBase, Registered: registered(m.Vendor)})
	}
	return out, nil
}

// SignInRegistered reports whether a sign-in with a vendor's client
// registration can start ("" or "other": providers outside the catalog).
func (a *App) SignInRegistered(vendor string) bool { return a.registeredVendors()(vendor) }

// registeredVendors answers, per vendor, whether a client id exists:
// Settings' (while unlocked) or the build's. Each vendor is asked once.
func (a *App) registeredVendors() func(vendor string) bool {
	svc, _ := a.connectService()
	builtin := connect.BuiltinRegistrations()
	seen := map[string]bool{}
	return func(vendor string) bool {
		if vendor == "" {
			vendor = "other"
		}
		if ok, done := seen[vendor]; done {
			return ok
		}
		ok := builtin[vendor].ClientID != ""
		if svc != nil {
			if r, err := svc.Registered(a.context(), vendor); err == nil {
				ok = r
			}
		}
		seen[vendor] = ok
		return ok
	}
}

// StartConnection begins connecting a person to a provider (a catalog id, or
// any FHIR base URL with a name) and opens the sign-in page in the system
// browser — never in this window.
func (a *App) StartConnection(personID int64, providerID, fhirBase, name string) (connect.Started, error) {
	if a.inSample() {
		// A real portal's tokens do not belong in a vault that is deleted
		// when the sample closes.
		return connect.Started{}, samplefamily.ErrSampleOpen
	}
	svc, err := a.connectService()
	if err != nil {
		return connect.Started{}, err
	}
	started, err := svc.Start(a.context(), connect.StartRequest{PersonID: personID, ProviderID: providerID, FHIRBase: fhirBase, Name: name})
	if err != nil {
		return connect.Started{}, err
	}
	if started.Loopback {
		go func() {
			u, err := a.flows.WaitLoopback(context.Background(), started.State)
			if err != nil {
				a.emit(EventConnectError, ToUIError(err))
				return
			}
			a.handleDeepLink(u)
		}()
	}
	if a.ctx != nil {
		runtime.BrowserOpenURL(a.ctx, started.AuthURL)
	}
	return started, nil
}

// handleDeepLink completes a sign-in from the redirect URL the OS delivered.
// While the vault is locked it waits for the next unlock. It is not bound:
// only the OS (through main) delivers redirects, never the page.
func (a *App) handleDeepLink(u string) {
	// Only the real vault: a sign-in started there must never finish into
	// the sample family, which is open only while the real vault is locked
	// (the redirect then waits for the next unlock).
	sess, err := a.home.Session()
	if err != nil {
		a.links.mu.Lock()
		a.links.queued = append(a.links.queued, u)
		a.links.mu.Unlock()
		// Says only that a link came (never the link: it carries the code), so
		// the installers' test can see the OS delivered it to this window.
		log.Print("connect: a sign-in link arrived while locked; it finishes after unlock")
		a.emit(EventConnectWaiting, "A sign-in came back. Unlock your vault to finish connecting.")
		return
	}
	conn, err := sess.Connect().Complete(a.context(), u)
	if err != nil {
		log.Printf("connect: sign-in not completed: %v", err)
		a.emit(EventConnectError, ToUIError(err))
		return
	}
	a.emit(EventConnectDone, conn)
	// A new connection fills the vault right away; behind a running sync it
	// waits its turn instead of being skipped.
	if err := sess.Request(conn.ID); err != nil {
		log.Printf("connect: first sync not queued: %v", err)
	}
}

// drainDeepLinks finishes sign-ins that arrived while locked.
func (a *App) drainDeepLinks() {
	a.links.mu.Lock()
	q := a.links.queued
	a.links.queued = nil
	a.links.mu.Unlock()
	for _, u := range q {
		go a.handleDeepLink(u)
	}
}

// Connections lists provider connections with their status.
func (a *App) Connections() ([]connect.Connection, error) {
	svc, err := a.connectService()
	if err != nil {
		return nil, err
	}
	return svc.List(a.context())
}

// Disconnect forgets a connection's tokens; its records stay unless asked.
func (a *App) Disconnect(id int64, deleteRecords bool) error {
	svc, err := a.connectService()
	if err != nil {
		return err
	}
	return svc.Disconnect(a.context(), id, deleteRecords)
}

// VendorRegistration is one vendor's client registration as Settings shows it.
type VendorRegistration struct {
	Vendor     string `json:"vendor"`
	VendorName string `json:"vendorName"`
	ClientID   string `json:"clientId"`
	Redirect   string `json:"redirect"`
	BuiltIn    bool   `json:"builtIn"`
}

// Registrations lists the client id used for each vendor.
func (a *App) Registrations() ([]VendorRegistration, error) {
	svc, err := a.connectService()
	if err != nil {
		return nil, err
	}
	builtin := connect.BuiltinRegistrations()
	out := []VendorRegistration{}
	for _, v := range []string{"epic", "oracle", "ecw", "athena", "other"} {
		r, err := svc.Registration(a.context(), v)
		if err != nil {
			return nil, err
		}
		name := catalog.VendorName(v)
		if v == "other" {
			name = "Other SMART servers"
		}
		out = append(out, VendorRegistration{Vendor: v, VendorName: name, ClientID: r.ClientID, Redirect: r.Redirect, BuiltIn: r == builtin[v]})
	}
	return out, nil
}

// SetRegistration sets (or, with an empty client id, resets) a vendor's client id.
func (a *App) SetRegistration(vendor, clientID, redirect string) error {
	svc, err := a.connectService()
	if err != nil {
		return err
	}
	if redirect != "" && redirect != connect.RedirectScheme && redirect != connect.RedirectLoopback {
		return invalidInput("The redirect must be 'scheme' or 'loopback'.")
	}
	return svc.SetRegistration(a.context(), vendor, connect.Registration{ClientID: clientID, Redirect: redirect})
}
