// Package sandbox is an in-process SMART on FHIR R4 server that stands in for
// a patient-facing EHR endpoint (Epic-like by default). Fasten cannot reach a
// real EHR in tests or development, so this server reproduces the parts of
// real-world behaviour that break clients: PKCE and audience checks,
// single-use codes, refresh rotation, compartment-scoped access, paging,
// non-urn references, and injectable network faults.
package sandbox

import (
	"github.com/fastenhealth/fasten-desktop/internal/jwt"

	"crypto/rsa"
	"errors"
	"net"
	"net/http"
	"sort"
	"sync"
	"time"
)

// Options configures one sandbox EHR. The zero value (plus fixtures) is an
// Epic-like SMART v2 server.
type Options struct {
	// FixtureFiles are Synthea-style transaction Bundles, one Patient each;
	// a directory entry means every *.json inside it.
	FixtureFiles []string
	// Addr to listen on; default 127.0.0.1:0. The CLI passes a fixed port.
	Addr string
	// Clock drives lastUpdated, code/token expiry and JWT times, so tests
	// can expire things without sleeping. Default time.Now.
	Clock func() time.Time
	// SMARTVersion 2 (patient/*.rs, default) or 1 (patient/*.read).
	SMARTVersion int
	// AutoApprovePatient skips the login page and approves this Patient id.
	AutoApprovePatient string
	// NoEverything hides Patient/$everything, as Epic and Cerner do.
	NoEverything bool
	// NoPatientInTokenResponse mimics Oracle Health: the patient id is only
	// discoverable from the id_token's fhirUser claim.
	NoPatientInTokenResponse bool
	// DynamicRegistration enables Epic's /oauth2/register + jwt-bearer flow.
	DynamicRegistration bool
	// AccessTokenTTL and RefreshTokenTTL default to 1h and 90 days.
	AccessTokenTTL, RefreshTokenTTL time.Duration
	// RotateRefreshTokens makes every refresh return a new refresh token and
	// invalidate the one presented.
	RotateRefreshTokens bool
	// RenewedIDTokenWithoutAud sends id_tokens without an aud claim on
	// refresh and jwt-bearer renewals (sign-in id_tokens keep theirs), as
	// some servers do: a client that validates a renewed id_token like a
	// sign-in one throws away good tokens.
	RenewedIDTokenWithoutAud bool
	// PageSize is the default searchset page size (default 50).
	PageSize int
	// ClientIDs and RedirectURIs restrict public clients; empty accepts any.
	ClientIDs    []string
	RedirectURIs []string
	// FaultSeed seeds the fault dice so fault runs are reproducible.
	FaultSeed uint64
	// FHIRVersion is the release the server speaks: "4.0.1" (default), or
	// "1.0.2"/"3.0.2" to serve DSTU2 or STU3 fixtures as an older portal
	// does (DSTU2 answers /metadata with a Conformance). No synthetic R4
	// document is added then: every record is in the older release.
	FHIRVersion string
	// FaultControl serves POST /_sandbox/faults, so a test driving the
	// sandbox from another process (the browser end-to-end test) can set
	// faults while it runs: a JSON {"route": KEY, "fault": Fault} sets a
	// rule (see Faults.Set for KEY), {"reset": true} clears them all.
	FaultControl bool
}

// Server is a running sandbox EHR.
type Server struct {
	URL      string // e.g. http://127.0.0.1:PORT
	FHIRBase string // URL + "/fhir"; also the required aud and the token issuer

	opts    Options
	now     func() time.Time
	data    *store
	faults  *Faults
	stats   *statsRecorder
	handler http.Handler
	key     *rsa.PrivateKey
	kid     string
	srv     *http.Server
	closing chan struct{}
	closeMu sync.Once

	auth  authState
	pages pageStore
}

// Start loads the fixtures and serves them on Options.Addr.
func Start(opts Options) (*Server, error) {
	addr := opts.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	files, err := expandFixtures(opts.FixtureFiles)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	host, port, _ := net.SplitHostPort(ln.Addr().String())
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1" // a wildcard bind is still reached via loopback
	}
	s, err := newServer(opts, files, "http://"+net.JoinHostPort(host, port))
	if err != nil {
		ln.Close()
		return nil, err
	}
	s.srv = &http.Server{Handler: s.handler, ReadHeaderTimeout: 10 * time.Second}
	go s.srv.Serve(ln)
	return s, nil
}

func newServer(opts Options, files []string, url string) (*Server, error) {
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.SMARTVersion == 0 {
		opts.SMARTVersion = 2
	}
	if opts.SMARTVersion != 1 && opts.SMARTVersion != 2 {
		return nil, errors.New("sandbox: SMARTVersion must be 1 or 2")
	}
	if opts.AccessTokenTTL == 0 {
		opts.AccessTokenTTL = time.Hour
	}
	if opts.RefreshTokenTTL == 0 {
		opts.RefreshTokenTTL = 90 * 24 * time.Hour
	}
	if opts.PageSize <= 0 {
		opts.PageSize = 50
	}
	key, err := signingKey()
	if err != nil {
		return nil, err
	}
	if opts.FHIRVersion == "" {
		opts.FHIRVersion = "4.0.1"
	}
	data, err := newStore(files, opts.Clock(), opts.FHIRVersion == "4.0.1")
	if err != nil {
		return nil, err
	}
	if p := opts.AutoApprovePatient; p != "" && data.patients[p] == nil {
		return nil, errors.New("sandbox: AutoApprovePatient " + p + " is not a loaded patient")
	}
	s := &Server{
		URL: url, FHIRBase: url + "/fhir", opts: opts, now: opts.Clock, data: data,
		faults: newFaults(opts.FaultSeed), stats: newStats(), key: key, kid: jwt.Thumbprint(&key.PublicKey),
		closing: make(chan struct{}),
	}
	s.auth.init()
	s.pages.pages = map[string]*page{}
	s.handler = s.routes()
	return s, nil
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	handle := func(pattern string, h http.HandlerFunc) {
		mux.Handle(pattern, s.stats.wrap(pattern, s.faults.wrap(pattern, s.closing, h)))
	}
	handle("GET /fhir/.well-known/smart-configuration", s.handleSMARTConfig)
	handle("GET /fhir/metadata", s.handleMetadata)
	handle("GET /oauth2/authorize", s.handleAuthorize)
	handle("POST /oauth2/authorize", s.handleLogin)
	handle("POST /oauth2/token", s.handleToken)
	handle("GET /oauth2/jwks", s.handleJWKS)
	if s.opts.DynamicRegistration {
		handle("POST /oauth2/register", s.handleRegister)
	}
	handle("GET /fhir", s.handlePage)
	handle("GET /fhir/{type}", s.handleSearch)
	handle("GET /fhir/{type}/{id}", s.handleRead)
	handle("GET /fhir/Patient/{id}/$everything", s.handleEverything)
	if s.opts.FaultControl {
		// Not through the faults: the control must work while they apply.
		mux.HandleFunc("POST /_sandbox/faults", s.handleFaultControl)
	}
	return mux
}

// Handler exposes the routes so the sandbox can be mounted elsewhere; links
// it emits still use s.URL.
func (s *Server) Handler() http.Handler { return s.handler }

// Close stops the listener and releases requests hung by a Timeout fault.
func (s *Server) Close() error {
	s.closeMu.Do(func() { close(s.closing) })
	if s.srv == nil {
		return nil
	}
	return s.srv.Close()
}

// Faults returns the live fault table; changes apply to the next request.
func (s *Server) Faults() *Faults { return s.faults }

// Stats reports requests served so far, per route pattern and status.
func (s *Server) Stats() Stats { return s.stats.snapshot() }

// PatientInfo summarises one loaded patient. Resources and CountsByType cover
// the searchable compartment: the Patient itself, the fixture's resources and
// the one synthetic DocumentReference (its Binary is not counted).
type PatientInfo struct {
	ID, Name, BirthDate string
	Resources           int
	CountsByType        map[string]int
}

func (s *Server) Patients() []PatientInfo {
	var out []PatientInfo
	for _, id := range s.data.pids {
		pd := s.data.patients[id]
		c := make(map[string]int, len(pd.counts))
		for k, v := range pd.counts {
			c[k] = v
		}
		out = append(out, PatientInfo{ID: id, Name: pd.name, BirthDate: pd.birthDate, Resources: len(pd.order), CountsByType: c})
	}
	return out
}

// Touch bumps a resource's versionId and sets lastUpdated to Clock(), which
// is how tests make a resource show up in an incremental (_lastUpdated/_since)
// sync. Unknown resources are ignored.
func (s *Server) Touch(resourceType, id string) { s.data.touch(resourceType, id, s.now()) }

// Stats is a snapshot of traffic, keyed by route pattern such as
// "GET /fhir/{type}/{id}". Status 0 counts requests whose connection was
// dropped without a response (client timeout during a hang, server Close).
type Stats struct {
	Total  int
	Routes map[string]RouteStats
}

type RouteStats struct {
	Count    int
	ByStatus map[int]int
}

// Count returns how many responses on route had the given status (0 = any).
func (st Stats) Count(route string, status int) int {
	r := st.Routes[route]
	if status == 0 {
		return r.Count
	}
	return r.ByStatus[status]
}

// RouteNames lists routes that saw traffic, sorted.
func (st Stats) RouteNames() []string {
	var out []string
	for k := range st.Routes {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

type statsRecorder struct {
	mu     sync.Mutex
	total  int
	routes map[string]map[int]int
}

func newStats() *statsRecorder { return &statsRecorder{routes: map[string]map[int]int{}} }

// wrap sits outside the fault middleware so injected failures are counted
// exactly like real ones.
func (sr *statsRecorder) wrap(pattern string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			// An aborted handler (dropped connection) is recorded as status 0.
			if p := recover(); p != nil {
				sr.record(pattern, 0)
				panic(p)
			}
			if sw.status == 0 {
				sw.status = http.StatusOK
			}
			sr.record(pattern, sw.status)
		}()
		h.ServeHTTP(sw, r)
	})
}

func (sr *statsRecorder) record(pattern string, status int) {
	sr.mu.Lock()
	sr.total++
	m := sr.routes[pattern]
	if m == nil {
		m = map[int]int{}
		sr.routes[pattern] = m
	}
	m[status]++
	sr.mu.Unlock()
}

func (sr *statsRecorder) snapshot() Stats {
	sr.mu.Lock()
	defer sr.mu.Unlock()
	st := Stats{Total: sr.total, Routes: map[string]RouteStats{}}
	for k, m := range sr.routes {
		rs := RouteStats{ByStatus: map[int]int{}}
		for code, n := range m {
			rs.ByStatus[code] = n
			rs.Count += n
		}
		st.Routes[k] = rs
	}
	return st
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}
