package smart

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// Config is what discovery found about one FHIR server's authorization.
type Config struct {
	FHIRBase, Issuer, AuthorizationEndpoint, TokenEndpoint, RegistrationEndpoint, JWKSURI string
	Capabilities, ScopesSupported, CodeChallengeMethods                                   []string
	// V2 is SMART v2 (permission-v2 capability or *.rs-style scopes), which
	// decides between patient/*.rs and patient/*.read.
	V2 bool

	jwks *jwksCache // id_token keys, fetched on first use
}

const oauthURIsExt = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris"

// smartConfiguration is the subset of .well-known/smart-configuration we use.
type smartConfiguration struct {
	Issuer                string   `json:"issuer"`
	JWKSURI               string   `json:"jwks_uri"`
	AuthorizationEndpoint string   `json:"authorization_endpoint"`
	TokenEndpoint         string   `json:"token_endpoint"`
	RegistrationEndpoint  string   `json:"registration_endpoint"`
	ScopesSupported       []string `json:"scopes_supported"`
	Capabilities          []string `json:"capabilities"`
	CodeChallengeMethods  []string `json:"code_challenge_methods_supported"`
}

// Discover reads <base>/.well-known/smart-configuration and falls back to
// the oauth-uris security extension in <base>/metadata, which older (SMART
// v1) servers publish instead. Both failing is reported with a person-facing
// message; the Cause says which step failed.
func Discover(ctx context.Context, fhirBase string, o Options) (*Config, error) {
	base, err := normalizeBase(fhirBase)
	if err != nil {
		return nil, newErr(BadResponse, msgDiscovery, err)
	}
	if err := checkScheme(base, o.AllowInsecure); err != nil {
		return nil, newErr(Insecure, msgInsecure, err)
	}
	c, _ := o.client(false)
	b := base.String()

	sc, wkErr := fetchWellKnown(ctx, c, b)
	if wkErr == nil {
		cfg, err := configFrom(b, sc, o)
		if err == nil || IsKind(err, Insecure) {
			return cfg, err
		}
		wkErr = err
	}
	if errors.Is(wkErr, errInsecure) {
		return nil, netErr(wkErr)
	}
	sc, mdErr := fetchMetadata(ctx, c, b)
	if mdErr == nil {
		cfg, err := configFrom(b, sc, o)
		if err == nil || IsKind(err, Insecure) {
			return cfg, err
		}
		mdErr = err
	}
	if errors.Is(mdErr, errInsecure) {
		return nil, netErr(mdErr)
	}
	kind := BadResponse
	var ue *url.Error
	if errors.As(mdErr, &ue) && errors.As(wkErr, &ue) {
		kind = Network // neither document could even be fetched
	}
	return nil, newErr(kind, msgDiscovery, fmt.Errorf("well-known: %v; metadata: %v", wkErr, mdErr))
}

// normalizeBase insists on an absolute URL without query or fragment and
// drops trailing slashes, since aud must match the server's base exactly.
func normalizeBase(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || !u.IsAbs() || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, errors.New("FHIR base is not an absolute URL without query")
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

func getJSON(ctx context.Context, c *http.Client, u, accept string, out any) error {
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", accept)
	resp, body, err := do(ctx, c, req)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return &httpStatusError{Op: "GET " + u, Status: resp.StatusCode}
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("GET %s: invalid JSON: %v", u, err)
	}
	return nil
}

func fetchWellKnown(ctx context.Context, c *http.Client, base string) (*smartConfiguration, error) {
	var sc smartConfiguration
	if err := getJSON(ctx, c, base+"/.well-known/smart-configuration", "application/json", &sc); err != nil {
		return nil, err
	}
	return &sc, nil
}

type extension struct {
	URL       string      `json:"url"`
	ValueURI  string      `json:"valueUri"`
	Extension []extension `json:"extension"`
}

func fetchMetadata(ctx context.Context, c *http.Client, base string) (*smartConfiguration, error) {
	var cs struct {
		ResourceType string `json:"resourceType"`
		Rest         []struct {
			Security struct {
				Extension []extension `json:"extension"`
			} `json:"security"`
		} `json:"rest"`
	}
	if err := getJSON(ctx, c, base+"/metadata", "application/fhir+json", &cs); err != nil {
		return nil, err
	}
	if cs.ResourceType != "CapabilityStatement" {
		return nil, errors.New("metadata is not a CapabilityStatement")
	}
	sc := &smartConfiguration{}
	for _, r := range cs.Rest {
		for _, e := range r.Security.Extension {
			if e.URL != oauthURIsExt {
				continue
			}
			for _, sub := range e.Extension {
				switch sub.URL {
				case "authorize":
					sc.AuthorizationEndpoint = sub.ValueURI
				case "token":
					sc.TokenEndpoint = sub.ValueURI
				case "register":
					sc.RegistrationEndpoint = sub.ValueURI
				}
			}
		}
	}
	return sc, nil
}

// v2ScopeRE matches SMART v2 resource scopes (patient/*.rs, user/Obs.cruds).
var v2ScopeRE = regexp.MustCompile(`^(patient|user|system)/[*A-Za-z]+\.(c?r?u?d?s?)$`)

func isV2Scope(s string) bool {
	m := v2ScopeRE.FindStringSubmatch(s)
	return m != nil && m[2] != ""
}

func configFrom(base string, sc *smartConfiguration, o Options) (*Config, error) {
	if sc.AuthorizationEndpoint == "" || sc.TokenEndpoint == "" {
		return nil, newErr(BadResponse, msgDiscovery, errors.New("authorization or token endpoint missing"))
	}
	for _, ep := range []struct{ name, u string }{
		{"authorization", sc.AuthorizationEndpoint}, {"token", sc.TokenEndpoint},
		{"registration", sc.RegistrationEndpoint}, {"jwks", sc.JWKSURI},
	} {
		if ep.u == "" {
			continue
		}
		if err := checkEndpoint(ep.name, ep.u, o.AllowInsecure); err != nil {
			if IsKind(err, Insecure) {
				return nil, err
			}
			return nil, newErr(BadResponse, msgDiscovery, err.(*Error).Cause)
		}
	}
	// PKCE S256 is mandatory for a public client; a server that lists its
	// methods without S256 would accept a downgrade we refuse to make.
	if len(sc.CodeChallengeMethods) > 0 && !slices.Contains(sc.CodeChallengeMethods, "S256") {
		return nil, newErr(BadResponse, msgDiscovery, errors.New("server does not support PKCE S256"))
	}
	cfg := &Config{
		FHIRBase: base, Issuer: strings.TrimSpace(sc.Issuer),
		AuthorizationEndpoint: sc.AuthorizationEndpoint, TokenEndpoint: sc.TokenEndpoint,
		RegistrationEndpoint: sc.RegistrationEndpoint, JWKSURI: sc.JWKSURI,
		Capabilities: sc.Capabilities, ScopesSupported: sc.ScopesSupported,
		CodeChallengeMethods: sc.CodeChallengeMethods,
	}
	cfg.V2 = slices.Contains(sc.Capabilities, "permission-v2")
	for _, s := range sc.ScopesSupported {
		if isV2Scope(s) {
			cfg.V2 = true
		}
	}
	return cfg, nil
}

// expectedIssuer is what iss must equal in callbacks and id_tokens. SMART
// servers that publish no issuer use the FHIR base as their identity.
func (cfg *Config) expectedIssuer() string {
	if cfg.Issuer != "" {
		return cfg.Issuer
	}
	return cfg.FHIRBase
}

var jwksInit sync.Mutex

// keys returns this Config's JWKS cache, creating it on first use so that
// hand-built Configs work too.
func (cfg *Config) keys() *jwksCache {
	jwksInit.Lock()
	defer jwksInit.Unlock()
	if cfg.jwks == nil {
		cfg.jwks = &jwksCache{}
	}
	return cfg.jwks
}
