package smart

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/fastenhealth/fasten-desktop/internal/devtools/sandbox"
)

func TestDiscoverWellKnown(t *testing.T) {
	s := startSandbox(t, sandbox.Options{DynamicRegistration: true})
	cfg := discover(t, s.FHIRBase+"/")
	if cfg.FHIRBase != s.FHIRBase || cfg.Issuer != s.FHIRBase {
		t.Fatalf("base/issuer: %q %q", cfg.FHIRBase, cfg.Issuer)
	}
	if cfg.AuthorizationEndpoint != s.URL+"/oauth2/authorize" || cfg.TokenEndpoint != s.URL+"/oauth2/token" ||
		cfg.RegistrationEndpoint != s.URL+"/oauth2/register" || cfg.JWKSURI != s.URL+"/oauth2/jwks" {
		t.Fatalf("endpoints: %+v", cfg)
	}
	if !cfg.V2 {
		t.Fatal("sandbox default is SMART v2")
	}
}

func TestDiscoverMetadataFallback(t *testing.T) {
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/r4/metadata":
			w.Header().Set("Content-Type", "application/fhir+json")
			json.NewEncoder(w).Encode(map[string]any{
				"resourceType": "CapabilityStatement",
				"rest": []any{map[string]any{"mode": "server", "security": map[string]any{
					"extension": []any{map[string]any{
						"url": oauthURIsExt,
						"extension": []any{
							map[string]any{"url": "authorize", "valueUri": srv.URL + "/auth"},
							map[string]any{"url": "token", "valueUri": srv.URL + "/tok"},
						},
					}},
				}}},
			})
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	cfg := discover(t, srv.URL+"/r4")
	if cfg.AuthorizationEndpoint != srv.URL+"/auth" || cfg.TokenEndpoint != srv.URL+"/tok" || cfg.V2 {
		t.Fatalf("fallback config: %+v", cfg)
	}
	if got := Scopes(cfg); got != "launch/patient openid fhirUser offline_access patient/*.read" {
		t.Fatalf("v1 fallback scopes: %q", got)
	}
}

func TestDiscoverFailures(t *testing.T) {
	s := startSandbox(t, sandbox.Options{})
	ctx := context.Background()

	// Without developer mode the loopback http sandbox is refused outright.
	_, err := Discover(ctx, s.FHIRBase, Options{})
	wantKind(t, err, Insecure)

	// An https server whose smart-configuration points at http endpoints.
	tls := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{
			"authorization_endpoint": "http://example.invalid/auth", "token_endpoint": "https://example.invalid/tok",
		})
	}))
	defer tls.Close()
	_, err = Discover(ctx, tls.URL, Options{HTTPClient: tls.Client()})
	wantKind(t, err, Insecure)

	// Nothing there at all: person-facing discovery message.
	nf := httptest.NewServer(http.NotFoundHandler())
	defer nf.Close()
	_, err = Discover(ctx, nf.URL, dev)
	e := wantKind(t, err, BadResponse)
	if e.Message != msgDiscovery {
		t.Fatalf("message %q", e.Message)
	}

	// PKCE methods listed without S256.
	noS256 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "smart-configuration") {
			http.NotFound(w, r)
			return
		}
		json.NewEncoder(w).Encode(map[string]any{
			"authorization_endpoint": "http://x/auth", "token_endpoint": "http://x/tok",
			"code_challenge_methods_supported": []string{"plain"},
		})
	}))
	defer noS256.Close()
	_, err = Discover(ctx, noS256.URL, dev)
	wantKind(t, err, BadResponse)

	// Unreachable host.
	_, err = Discover(ctx, "http://127.0.0.1:1/fhir", dev)
	wantKind(t, err, Network)

	_, err = Discover(ctx, "not a url", dev)
	wantKind(t, err, BadResponse)
}

func TestScopes(t *testing.T) {
	for _, v := range []int{1, 2} {
		s := startSandbox(t, sandbox.Options{SMARTVersion: v})
		cfg := discover(t, s.FHIRBase)
		want := map[int]string{
			1: "launch/patient openid fhirUser offline_access patient/*.read",
			2: "launch/patient openid fhirUser offline_access patient/*.rs",
		}[v]
		if got := Scopes(cfg); got != want {
			t.Errorf("v%d: %q, want %q", v, got, want)
		}
	}
	// scopes_supported without offline_access/fhirUser: dropped, but the
	// patient read scope stays even though it is not listed.
	cfg := &Config{V2: true, ScopesSupported: []string{"openid", "launch/patient"}}
	if got := Scopes(cfg); got != "launch/patient openid patient/*.rs" {
		t.Fatalf("filtered: %q", got)
	}
	if !isV2Scope("patient/Observation.rs") || isV2Scope("patient/*.read") || isV2Scope("patient/*.") {
		t.Fatal("isV2Scope")
	}
}
