// Package connect links a household member to a provider's patient portal by
// the SMART App Launch standalone patient flow: pick a provider from the
// offline catalog (or type any FHIR base), sign in in the system browser,
// come back by the private-use URL scheme or a loopback redirect, and keep
// the tokens inside the vault.
package connect

import (
	"github.com/fastenhealth/fasten-desktop/internal/fhir"

	"bytes"
	"context"
	"crypto/x509"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"database/sql"

	"github.com/fastenhealth/fasten-desktop/internal/catalog"
	"github.com/fastenhealth/fasten-desktop/internal/deeplink"
	"github.com/fastenhealth/fasten-desktop/internal/records"
	"github.com/fastenhealth/fasten-desktop/internal/smart"
	"github.com/fastenhealth/fasten-desktop/internal/vault"
)

// Redirect modes: the private-use scheme (default) or a loopback listener for
// servers that refuse custom schemes.
const (
	RedirectScheme   = "scheme"
	RedirectLoopback = "loopback"
)

// Registration is the app's client registration with one vendor.
type Registration struct {
	ClientID string `json:"clientId"`
	Redirect string `json:"redirect"`
}

//go:embed clients.json
var builtinClients []byte

// BuiltinRegistrations are the client ids compiled into this build, per
// vendor ("epic", "oracle", "ecw", "athena", "other"). Release builds fill
// clients.json; Settings can override each one.
func BuiltinRegistrations() map[string]Registration {
	out := map[string]Registration{}
	json.Unmarshal(builtinClients, &out)
	return out
}

// Flows holds the sign-ins in flight. It lives as long as the process, not
// the unlocked vault: a deep link that arrives while the vault is locked is
// completed after unlock. Nothing here is written to disk.
type Flows struct {
	Options smart.Options

	mu      sync.Mutex
	pending map[string]*flow
}

type flow struct {
	smart.Pending
	cfg          *smart.Config
	personID     int64
	providerID   string
	providerName string
	loopback     *deeplink.Loopback
}

// NewFlows returns an empty registry.
func NewFlows(o smart.Options) *Flows { return &Flows{Options: o, pending: map[string]*flow{}} }

func (f *Flows) now() time.Time {
	if f.Options.Now != nil {
		return f.Options.Now()
	}
	return time.Now()
}

// take removes and returns the flow for state: each state works once.
func (f *Flows) take(state string) (*flow, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for k, fl := range f.pending {
		if f.now().After(fl.Expires) {
			if fl.loopback != nil {
				fl.loopback.Close()
			}
			delete(f.pending, k)
		}
	}
	fl, ok := f.pending[state]
	if !ok || state == "" {
		return nil, &smart.Error{Kind: smart.StateMismatch, Message: "This sign-in was not started by Fasten, was already used, or took too long. Start the connection again."}
	}
	delete(f.pending, state)
	return fl, nil
}

// Service does the vault side of connecting, for one unlocked vault.
type Service struct {
	db    *sql.DB
	store *records.Store
	flows *Flows
	now   func() time.Time

	cfgMu sync.Mutex
	cfgs  map[int64]discovered // per connection
}

// discovered is a connection's SMART configuration (with its id_token key
// cache), kept so refreshes do not re-read the provider's discovery
// documents every time.
type discovered struct {
	cfg *smart.Config
	at  time.Time
}

// discoveryTTL bounds how long a configuration is trusted: endpoints move
// rarely, and a refresh that fails for any reason but the network also
// drops it.
const discoveryTTL = 12 * time.Hour

// New wraps an unlocked vault's database. store is the session's records
// store, the owner of the sources and records a connection creates or
// deletes.
func New(db *sql.DB, store *records.Store, flows *Flows) *Service {
	return &Service{db: db, store: store, flows: flows, now: time.Now, cfgs: map[int64]discovered{}}
}

// config returns the connection's SMART configuration, discovering it only
// when none is cached (or the cached one is stale or for another base).
func (s *Service) config(ctx context.Context, id int64, fhirBase string) (*smart.Config, error) {
	s.cfgMu.Lock()
	d, ok := s.cfgs[id]
	s.cfgMu.Unlock()
	if ok && d.cfg.FHIRBase == strings.TrimRight(fhirBase, "/") && s.now().Sub(d.at) < discoveryTTL {
		return d.cfg, nil
	}
	cfg, err := smart.Discover(ctx, fhirBase, s.flows.Options)
	if err != nil {
		return nil, err
	}
	s.remember(id, cfg)
	return cfg, nil
}

func (s *Service) remember(id int64, cfg *smart.Config) {
	s.cfgMu.Lock()
	s.cfgs[id] = discovered{cfg: cfg, at: s.now()}
	s.cfgMu.Unlock()
}

func (s *Service) forget(id int64) {
	s.cfgMu.Lock()
	delete(s.cfgs, id)
	s.cfgMu.Unlock()
}

// ResourceClient is the client for requests that carry this vault's bearer
// tokens to a provider (the first read here, every sync request): one
// policy for https (developer mode decides), redirects and where the token
// may go (smart.NewResourceClient). base supplies timeout and transport
// (nil: a pooled default).
func (s *Service) ResourceClient(base *http.Client) *http.Client {
	return smart.NewResourceClient(base, s.flows.Options.AllowInsecure)
}

// StartRequest says whom to connect to which provider.
type StartRequest struct {
	PersonID   int64
	ProviderID string // a catalog id, or "" with FHIRBase
	FHIRBase   string
	Name       string // for FHIRBase connections: what to call the provider
	Redirect   string // RedirectScheme, RedirectLoopback, or "" for the registration's choice
	ClientID   string // overrides the registration (developers, tests)
}

// Started is what the person is sent to.
type Started struct {
	AuthURL      string `json:"authUrl"`
	RedirectURI  string `json:"redirectUri"`
	ProviderName string `json:"providerName"`
	Loopback     bool   `json:"loopback"`
	State        string `json:"-"`
}

// ErrNotRegistered: the provider's vendor has no client id in this build
// (and none was added in Settings), so no sign-in can start. Start returns
// it before any network call; the window says it before the person even
// presses Connect (Registered).
var ErrNotRegistered = errors.New("Fasten is not registered with this provider's system")

// Registered reports whether a sign-in to a vendor's providers can start:
// a client id from Settings or from this build.
func (s *Service) Registered(ctx context.Context, vendor string) (bool, error) {
	r, err := s.Registration(ctx, vendor)
	return r.ClientID != "", err
}

// Registration returns the client registration for a vendor: Settings first,
// then the build's own.
func (s *Service) Registration(ctx context.Context, vendor string) (Registration, error) {
	if vendor == "" {
		vendor = "other"
	}
	var r Registration
	err := s.db.QueryRowContext(ctx, "SELECT client_id, redirect_mode FROM client_registrations WHERE vendor = ?", vendor).Scan(&r.ClientID, &r.Redirect)
	if err == nil && r.ClientID != "" {
		return r, nil
	}
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return r, err
	}
	return BuiltinRegistrations()[vendor], nil
}

// SetRegistration stores a client id for a vendor ("" removes the override).
func (s *Service) SetRegistration(ctx context.Context, vendor string, r Registration) error {
	if r.ClientID == "" {
		_, err := s.db.ExecContext(ctx, "DELETE FROM client_registrations WHERE vendor = ?", vendor)
		return err
	}
	if r.Redirect == "" {
		r.Redirect = RedirectScheme
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO client_registrations(vendor, client_id, redirect_mode) VALUES (?, ?, ?)
ON CONFLICT(vendor) DO UPDATE SET client_id = excluded.client_id, redirect_mode = excluded.redirect_mode`, vendor, strings.TrimSpace(r.ClientID), r.Redirect)
	return err
}

// Start discovers the provider's SMART endpoints and returns the URL to open
// in the system browser.
func (s *Service) Start(ctx context.Context, req StartRequest) (Started, error) {
	if _, err := s.store.Person(ctx, req.PersonID); err != nil {
		return Started{}, err
	}
	base, name, vendor, providerID := strings.TrimRight(strings.TrimSpace(req.FHIRBase), "/"), req.Name, "", ""
	if req.ProviderID != "" {
		cat, err := catalog.Load()
		if err != nil {
			return Started{}, err
		}
		p, ok := cat.Get(req.ProviderID)
		if !ok {
			return Started{}, errors.New("that provider is not in the catalog")
		}
		base, name, vendor, providerID = p.FHIRBase, p.Name, p.Vendor, p.ID
	}
	if base == "" {
		return Started{}, errors.New("choose a provider, or enter its FHIR address")
	}
	if u, err := url.Parse(base); err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return Started{}, errors.New("that does not look like a FHIR address (it should start with https://)")
	}
	if name == "" {
		u, _ := url.Parse(base)
		name = u.Host
	}
	reg, err := s.Registration(ctx, vendor)
	if err != nil {
		return Started{}, err
	}
	if req.ClientID != "" {
		reg.ClientID = req.ClientID
	}
	if reg.ClientID == "" {
		return Started{}, fmt.Errorf("%w: %s has no client id in this copy of Fasten (Settings → Provider registrations can add one)", ErrNotRegistered, vendorLabel(vendor))
	}
	mode := req.Redirect
	if mode == "" {
		mode = reg.Redirect
	}
	cfg, err := smart.Discover(ctx, base, s.flows.Options)
	if err != nil {
		return Started{}, err
	}
	fl := &flow{cfg: cfg, personID: req.PersonID, providerID: providerID, providerName: name}
	redirect := deeplink.RedirectURI
	if mode == RedirectLoopback {
		lb, err := deeplink.StartLoopback()
		if err != nil {
			return Started{}, fmt.Errorf("cannot listen for the sign-in on this computer: %w", err)
		}
		fl.loopback, redirect = lb, lb.RedirectURI()
	}
	authURL, p, err := smart.Begin(cfg, smart.Client{ClientID: reg.ClientID, RedirectURI: redirect, Vendor: vendor}, s.flows.Options)
	if err != nil {
		if fl.loopback != nil {
			fl.loopback.Close()
		}
		return Started{}, err
	}
	fl.Pending = p
	if fl.loopback != nil {
		fl.loopback.ExpectState(p.State)
	}
	s.flows.mu.Lock()
	s.flows.pending[p.State] = fl
	s.flows.mu.Unlock()
	return Started{AuthURL: authURL, RedirectURI: redirect, ProviderName: name, Loopback: fl.loopback != nil, State: p.State}, nil
}

// WaitLoopback waits for the browser to come back to a loopback sign-in and
// returns the redirect it carried.
func (f *Flows) WaitLoopback(ctx context.Context, state string) (string, error) {
	f.mu.Lock()
	fl := f.pending[state]
	f.mu.Unlock()
	if fl == nil || fl.loopback == nil {
		return "", errors.New("no loopback sign-in is waiting")
	}
	select {
	case u := <-fl.loopback.Results():
		return u, nil
	case <-ctx.Done():
		return "", ctx.Err()
	case <-time.After(time.Until(fl.Expires)):
		return "", &smart.Error{Kind: smart.Expired, Message: "The sign-in took too long. Start the connection again."}
	}
}

func vendorLabel(v string) string {
	if v == "" || v == "other" {
		return "this provider"
	}
	return catalog.VendorName(v)
}

// Complete finishes a sign-in from the redirect URL (deep link or loopback):
// it checks state, exchanges the code, stores the tokens in the vault, links
// the patient to the person, and reads the Patient record as a first proof.
func (s *Service) Complete(ctx context.Context, redirectURL string) (Connection, error) {
	cb, err := smart.ParseCallback(redirectURL)
	if err != nil {
		return Connection{}, err
	}
	fl, err := s.flows.take(cb.State)
	if err != nil {
		return Connection{}, err
	}
	if fl.loopback != nil {
		defer fl.loopback.Close()
	}
	g, err := smart.Complete(ctx, fl.cfg, fl.Pending, cb, s.flows.Options)
	if err != nil {
		return Connection{}, err
	}
	sc := &secrets{fhirBase: fl.cfg.FHIRBase, vendor: fl.Vendor, clientID: fl.ClientID, redirectURI: fl.RedirectURI,
		patientID: g.PatientID, accessToken: g.AccessToken, refresh: g.RefreshToken, expiry: g.Expiry, extra: g.Extra}
	if sc.extra == nil {
		sc.extra = map[string]any{}
	}
	if ap := g.AthenaPractice(); ap != "" {
		sc.extra["ah_practice_param"] = ap
	}
	if g.Subject != "" {
		// Renewals are checked against the sign-in's subject (smart.Prior).
		sc.extra[extraSubject] = g.Subject
	}
	// Epic gives public native clients refresh only through a registered
	// device key: register one now, while the access token is fresh.
	if fl.Vendor == "epic" && fl.cfg.RegistrationEndpoint != "" && g.RefreshToken == "" {
		key, err := smart.NewDeviceKey()
		if err != nil {
			return Connection{}, err
		}
		id, err := smart.RegisterDevice(ctx, fl.cfg, g.AccessToken, fl.ClientID, key, s.flows.Options)
		if err != nil {
			return Connection{}, err
		}
		sc.deviceKey, sc.registeredClientID = key, id
	}
	id, err := s.save(ctx, fl, sc, g.Scope)
	if err != nil {
		return Connection{}, err
	}
	s.remember(id, fl.cfg)
	if err := s.firstRead(ctx, id); err != nil {
		if merr := s.markError(ctx, id, err); merr != nil {
			return Connection{}, merr
		}
	}
	return s.Get(ctx, id)
}

// extraSubject is the key under which the sign-in's id_token sub is kept in
// a connection's extra fields.
const extraSubject = "fasten_id_token_sub"

func (s *Service) save(ctx context.Context, fl *flow, sc *secrets, scope string) (int64, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	now := vault.Timestamp(s.now())
	// The source and the patient link belong to records; they commit in
	// this transaction with the connection that refers to them.
	src, err := s.store.CreateConnectionSource(ctx, tx, fl.providerName, sc.patientID, fl.personID)
	if err != nil {
		return 0, err
	}
	var key []byte
	if sc.deviceKey != nil {
		key = x509.MarshalPKCS1PrivateKey(sc.deviceKey)
	}
	extra, _ := json.Marshal(sc.extra)
	res, err := tx.ExecContext(ctx, `INSERT INTO connections(source_id, person_id, provider_id, provider_name, vendor, fhir_base, client_id, redirect_uri,
 patient_id, scope, access_token, refresh_token, token_expiry, device_key, registered_client_id, extra, status, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'connected', ?, ?)`,
		src, fl.personID, fl.providerID, fl.providerName, fl.Vendor, sc.fhirBase, sc.clientID, sc.redirectURI, sc.patientID, scope,
		sc.accessToken, sc.refresh, formatTime(sc.expiry), key, sc.registeredClientID, string(extra), now, now)
	if err != nil {
		return 0, err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, err
	}
	return id, tx.Commit()
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return vault.Timestamp(t)
}

// markNeedsReconnect records that only a new sign-in helps. last_error
// keeps the technical cause for the log; what the person reads and can do
// comes from the status (describe).
func (s *Service) markNeedsReconnect(ctx context.Context, id int64, cause error) error {
	return s.exec(ctx, "mark needs-reconnect", "UPDATE connections SET status = ?, last_error = ?, updated_at = ? WHERE id = ? AND status != ?",
		StatusNeedsReconnect, technical(cause), vault.Timestamp(s.now()), id, StatusDisconnected)
}

// markError records a failure that retrying may fix. It never replaces
// needs_reconnect (or disconnected): a generic "error" would hide the one
// action that actually fixes the connection.
func (s *Service) markError(ctx context.Context, id int64, cause error) error {
	return s.exec(ctx, "mark error", "UPDATE connections SET status = ?, last_error = ?, updated_at = ? WHERE id = ? AND status NOT IN (?, ?)",
		StatusError, technical(cause), vault.Timestamp(s.now()), id, StatusNeedsReconnect, StatusDisconnected)
}

// exec runs a status write and says which one failed: a status that
// silently failed to stick would show "Connected" over a broken connection.
func (s *Service) exec(ctx context.Context, what, query string, args ...any) error {
	if _, err := s.db.ExecContext(ctx, query, args...); err != nil {
		return fmt.Errorf("connection status (%s): %w", what, err)
	}
	return nil
}

// technical is the log form of a failure: smart errors carry their kind
// and a cause already scrubbed of secrets; URLs (which carry the patient
// id) are cut out of network errors.
func technical(err error) string {
	return truncateRunes(withoutURL(err), 500)
}

func truncateRunes(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// Get returns one connection.
func (s *Service) Get(ctx context.Context, id int64) (Connection, error) {
	all, err := s.list(ctx)
	if err != nil {
		return Connection{}, err
	}
	for _, c := range all {
		if c.ID == id {
			return c, nil
		}
	}
	return Connection{}, ErrNoConnection
}

// List returns every connection with its status.
func (s *Service) List(ctx context.Context) ([]Connection, error) { return s.list(ctx) }

// Disconnect forgets a connection's tokens and keys. Its records stay unless
// deleteRecords is set.
func (s *Service) Disconnect(ctx context.Context, id int64, deleteRecords bool) error {
	sc, err := s.loadSecrets(ctx, id)
	if err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `UPDATE connections SET access_token = '', refresh_token = '', token_expiry = '', device_key = NULL,
 registered_client_id = '', status = 'disconnected', last_error = '', updated_at = ? WHERE id = ?`, vault.Timestamp(s.now()), id); err != nil {
		return err
	}
	if deleteRecords {
		if _, err := s.store.DeleteSourceRecords(ctx, tx, sc.sourceID); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// AccessToken returns a usable access token for a connection, refreshing it
// ahead of expiry and keeping rotated refresh tokens. A refused refresh marks
// the connection "needs reconnect" and keeps all its data.
func (s *Service) AccessToken(ctx context.Context, id int64) (string, *secrets, error) {
	sc, err := s.loadSecrets(ctx, id)
	if err != nil {
		return "", nil, err
	}
	if sc.accessToken != "" && (sc.expiry.IsZero() || s.now().Add(2*time.Minute).Before(sc.expiry)) {
		return sc.accessToken, sc, nil
	}
	g, err := s.renew(ctx, id, sc)
	if err != nil {
		switch {
		case smart.IsKind(err, smart.NeedsReconnect):
			err = errors.Join(err, s.markNeedsReconnect(ctx, id, err))
		case smart.Transient(err) || ctx.Err() != nil:
			// A blip: the next request tries again.
		default:
			// The provider keeps refusing for a reason a reconnect may
			// not fix (client registration, broken answers): say so
			// instead of showing "Connected", and rediscover next time
			// in case its endpoints moved.
			s.forget(id)
			err = errors.Join(err, s.markError(ctx, id, err))
		}
		return "", nil, err
	}
	refresh := g.RefreshToken
	if refresh == "" {
		refresh = sc.refresh
	}
	// A renewal in flight when the person pressed Disconnect must not write
	// tokens back and revive the connection.
	r, err := s.db.ExecContext(ctx, "UPDATE connections SET access_token = ?, refresh_token = ?, token_expiry = ?, status = ?, last_error = '', updated_at = ? WHERE id = ? AND status != ?",
		g.AccessToken, refresh, formatTime(g.Expiry), StatusConnected, vault.Timestamp(s.now()), id, StatusDisconnected)
	if err != nil {
		return "", nil, err
	}
	if n, err := r.RowsAffected(); err != nil || n == 0 {
		return "", nil, errors.Join(ErrNoConnection, err)
	}
	sc.accessToken, sc.refresh, sc.expiry = g.AccessToken, refresh, g.Expiry
	return g.AccessToken, sc, nil
}

// renew gets new tokens by refresh token or, for Epic devices, jwt-bearer.
// Tokens that turn out to be another person's or another server's (the
// renewed id_token contradicts the sign-in) are refused as NeedsReconnect:
// only a new sign-in can set that right.
func (s *Service) renew(ctx context.Context, id int64, sc *secrets) (*smart.Grant, error) {
	if sc.refresh == "" && (sc.deviceKey == nil || sc.registeredClientID == "") {
		return nil, &smart.Error{Kind: smart.NeedsReconnect, Message: "This connection has ended. Sign in again to keep records coming.",
			Cause: errors.New("no refresh token or device registration stored")}
	}
	cfg, err := s.config(ctx, id, sc.fhirBase)
	if err != nil {
		return nil, err
	}
	subject, _ := sc.extra[extraSubject].(string)
	prior := smart.Prior{PatientID: sc.patientID, Subject: subject}
	var g *smart.Grant
	if sc.refresh != "" {
		g, err = smart.Refresh(ctx, cfg, smart.Client{ClientID: sc.clientID, RedirectURI: sc.redirectURI, Vendor: sc.vendor}, sc.refresh, prior, s.flows.Options)
	} else {
		g, err = smart.JWTBearer(ctx, cfg, sc.registeredClientID, sc.deviceKey, prior, s.flows.Options)
	}
	var se *smart.Error
	if errors.As(err, &se) && (se.Kind == smart.TokenMismatch || se.Kind == smart.IssuerMismatch) {
		return nil, &smart.Error{Kind: smart.NeedsReconnect, Message: se.Message, Cause: err}
	}
	return g, err
}

const firstReadTimeout = 60 * time.Second

// firstRead fetches the connected Patient and stores it under the
// connection's source, proving the connection works end to end.
func (s *Service) firstRead(ctx context.Context, id int64) error {
	token, sc, err := s.AccessToken(ctx, id)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, firstReadTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, sc.fhirBase+"/Patient/"+url.PathEscape(sc.patientID), nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/fhir+json")
	if ap, _ := sc.extra["ah_practice_param"].(string); ap != "" {
		q := req.URL.Query()
		q.Set("ah-practice", ap)
		req.URL.RawQuery = q.Encode()
	}
	resp, err := s.ResourceClient(s.flows.Options.HTTPClient).Do(req)
	if err != nil {
		return fmt.Errorf("could not reach the provider to read your record: %s", withoutURL(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("the provider answered %d when Fasten read your record", resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return fmt.Errorf("the provider's answer was cut short: %s", withoutURL(err))
	}
	if head := fhir.Identify(body); head.Type != "Patient" || head.ID != sc.patientID {
		// Whatever answered, it is not this connection's Patient: storing
		// it would file someone else's record under this person.
		return errors.New("the provider's answer to the Patient read was not the connected patient's record")
	}
	var personID int64
	if err := s.db.QueryRowContext(ctx, "SELECT coalesce(person_id, 0) FROM connections WHERE id = ?", id).Scan(&personID); err != nil {
		return fmt.Errorf("reading the connection: %w", err)
	}
	res, _ := s.store.ImportReader(ctx, "Patient record", bytes.NewReader(body), int64(len(body)), 0, 1,
		records.ImportOptions{SourceID: sc.sourceID, PersonID: personID}, nil)
	if res.Status == records.FileRejected {
		return fmt.Errorf("the provider's Patient record could not be stored: %s", res.Error)
	}
	return nil
}

// withoutURL drops the request URL that net/http puts in its errors: it
// carries the patient id, and these messages are shown and kept as the
// connection's last error.
func withoutURL(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return err.Error()
}
