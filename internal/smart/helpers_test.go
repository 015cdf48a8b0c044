package smart

import (
	"github.com/fastenhealth/fasten-desktop/internal/jwt"

	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fastenhealth/fasten-desktop/internal/devtools/sandbox"
)

const (
	familyFixtures = "../../../shared/fixtures/synthea/family"
	testRedirect   = "org.fastenhealth.desktop:/callback"
	testClientID   = "fasten-desktop"
)

var dev = Options{AllowInsecure: true}

// startSandbox runs the loopback SMART server over the family fixtures.
func startSandbox(t *testing.T, o sandbox.Options) *sandbox.Server {
	t.Helper()
	if _, err := os.Stat(familyFixtures); err != nil {
		t.Fatal("fixtures not available (../shared beside the checkout):", err)
	}
	o.FixtureFiles = []string{familyFixtures}
	s, err := sandbox.Start(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func patientIDs(t *testing.T) []string {
	t.Helper()
	s := startSandbox(t, sandbox.Options{})
	var ids []string
	for _, p := range s.Patients() {
		ids = append(ids, p.ID)
	}
	if len(ids) < 2 {
		t.Fatal("need at least two family patients")
	}
	return ids
}

func discover(t *testing.T, fhirBase string) *Config {
	t.Helper()
	cfg, err := Discover(context.Background(), fhirBase, dev)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

var noRedirect = &http.Client{
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	Timeout:       10 * time.Second,
}

// follow opens the authorization URL as the browser would and returns the
// deep link the portal redirected to. When the sandbox shows its login page
// the form is submitted with action ("allow"/"deny") for patient.
func follow(t *testing.T, s *sandbox.Server, authURL, patient, action string) string {
	t.Helper()
	resp, err := noRedirect.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	body := string(raw)
	if resp.StatusCode == http.StatusOK {
		const marker = `name="req" value="`
		i := strings.Index(body, marker)
		if i < 0 {
			t.Fatalf("login page without req field")
		}
		rest := body[i+len(marker):]
		req := rest[:strings.IndexByte(rest, '"')]
		resp, err = noRedirect.PostForm(s.URL+"/oauth2/authorize", url.Values{"req": {req}, "patient": {patient}, "action": {action}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize: status %d", resp.StatusCode)
	}
	return resp.Header.Get("Location")
}

// launch runs Begin → browser → ParseCallback and returns what Complete needs.
func launch(t *testing.T, s *sandbox.Server, cfg *Config, o Options) (Pending, Callback) {
	t.Helper()
	authURL, p, err := Begin(cfg, Client{ClientID: testClientID, RedirectURI: testRedirect}, o)
	if err != nil {
		t.Fatal(err)
	}
	cb, err := ParseCallback(follow(t, s, authURL, "", ""))
	if err != nil {
		t.Fatal(err)
	}
	return p, cb
}

func wantKind(t *testing.T, err error, k ErrorKind) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("want *Error kind %v, got %v", k, err)
	}
	if e.Kind != k {
		t.Fatalf("want kind %v, got %v (%v)", k, e.Kind, err)
	}
	if e.Message == "" {
		t.Fatalf("error without a person-facing message: %v", err)
	}
	return e
}

// readPatient GETs Patient/<id> with the access token.
func readPatient(t *testing.T, fhirBase, token, id string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", fhirBase+"/Patient/"+id, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/fhir+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == 200 {
		var p struct{ ResourceType, ID string }
		json.NewDecoder(resp.Body).Decode(&p)
		if p.ResourceType != "Patient" || p.ID != id {
			t.Fatalf("read %s/%s", p.ResourceType, p.ID)
		}
	}
	return resp.StatusCode
}

// fakeProvider is a scriptable SMART server for answers the sandbox will
// not give (forged id_tokens, missing fields, echoed secrets).
type fakeProvider struct {
	*httptest.Server
	key   *rsa.PrivateKey
	mu    sync.Mutex
	token func(form url.Values) (int, map[string]any)
}

var testKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := NewDeviceKey()
	if err != nil {
		panic(err)
	}
	return k
})

func newFakeProvider(t *testing.T) *fakeProvider {
	t.Helper()
	f := &fakeProvider{key: testKey()}
	mux := http.NewServeMux()
	f.Server = httptest.NewServer(mux)
	t.Cleanup(f.Close)
	mux.HandleFunc("GET /fhir/.well-known/smart-configuration", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{
			"issuer": f.URL + "/fhir", "jwks_uri": f.URL + "/jwks",
			"authorization_endpoint": f.URL + "/authorize", "token_endpoint": f.URL + "/token",
			"capabilities": []string{"permission-v2"}, "code_challenge_methods_supported": []string{"S256"},
		})
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"keys": []jwt.JWK{jwt.PublicJWK(&f.key.PublicKey, "RS256")}})
	})
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		f.mu.Lock()
		h := f.token
		f.mu.Unlock()
		status, body := h(r.PostForm)
		if raw, ok := body["__raw"].(string); ok { // a non-JSON answer
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(status)
			io.WriteString(w, raw)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(body)
	})
	return f
}

func (f *fakeProvider) setToken(h func(url.Values) (int, map[string]any)) {
	f.mu.Lock()
	f.token = h
	f.mu.Unlock()
}

// idToken signs an id_token as the fake provider would.
func (f *fakeProvider) idToken(t *testing.T, claims map[string]any) string {
	t.Helper()
	base := map[string]any{
		"iss": f.URL + "/fhir", "aud": testClientID, "sub": "x",
		"iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix(),
	}
	for k, v := range claims {
		if v == nil {
			delete(base, k)
		} else {
			base[k] = v
		}
	}
	tok, err := jwt.Sign(f.key, "RS256", jwt.Thumbprint(&f.key.PublicKey), base)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// pendingFor makes a fresh Pending and matching Callback for the fake.
func (f *fakeProvider) pendingFor(t *testing.T, cfg *Config, code string) (Pending, Callback) {
	t.Helper()
	_, p, err := Begin(cfg, Client{ClientID: testClientID, RedirectURI: testRedirect}, dev)
	if err != nil {
		t.Fatal(err)
	}
	return p, Callback{Code: code, State: p.State}
}
