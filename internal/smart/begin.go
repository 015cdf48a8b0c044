package smart

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"time"

	"golang.org/x/oauth2"
)

// PendingTTL bounds how long a sign-in may take: long enough for a person to
// find their password, short enough that a leaked state is soon useless.
const PendingTTL = 10 * time.Minute

// Pending is one authorization in flight. The caller keeps it in memory,
// keyed by State, and deletes it on first use: single-use state is what
// turns a replayed or forged redirect into a StateMismatch.
type Pending struct {
	State, Verifier, FHIRBase, ClientID, RedirectURI, Scope, Vendor string
	Created, Expires                                                time.Time
}

// Begin builds the authorization URL for a standalone patient launch with
// PKCE S256 and aud, and the Pending the caller must keep. The query is
// built with url.Values.Encode (via x/oauth2), which percent-encodes the
// '*' in patient/*.rs; Wails' BrowserOpenURL silently refuses raw '*'.
func Begin(cfg *Config, c Client, o Options) (string, Pending, error) {
	if cfg == nil || cfg.AuthorizationEndpoint == "" || cfg.FHIRBase == "" {
		return "", Pending{}, newErr(BadResponse, msgDiscovery, errors.New("config lacks authorization endpoint or FHIR base"))
	}
	if c.ClientID == "" || c.RedirectURI == "" {
		return "", Pending{}, newErr(BadResponse, msgProvider, errors.New("client_id and redirect_uri are required"))
	}
	if err := checkEndpoint("authorization", cfg.AuthorizationEndpoint, o.AllowInsecure); err != nil {
		return "", Pending{}, err
	}
	state, err := randomString(32)
	if err != nil {
		return "", Pending{}, newErr(BadResponse, msgProvider, err)
	}
	now := o.now()
	p := Pending{
		State: state, Verifier: oauth2.GenerateVerifier(), FHIRBase: cfg.FHIRBase,
		ClientID: c.ClientID, RedirectURI: c.RedirectURI, Scope: scopeFor(cfg, c), Vendor: c.Vendor,
		Created: now, Expires: now.Add(PendingTTL),
	}
	conf := oauthConfig(cfg, c.ClientID, c.RedirectURI)
	authURL := conf.AuthCodeURL(p.State,
		oauth2.S256ChallengeOption(p.Verifier),
		oauth2.SetAuthURLParam("aud", cfg.FHIRBase),
		oauth2.SetAuthURLParam("scope", p.Scope),
	)
	return authURL, p, nil
}

// oauthConfig is a public client: client_id goes in the form body, never
// in a Basic header (there is no secret), and x/oauth2 must not probe.
func oauthConfig(cfg *Config, clientID, redirectURI string) *oauth2.Config {
	return &oauth2.Config{
		ClientID:    clientID,
		RedirectURL: redirectURI,
		Endpoint: oauth2.Endpoint{
			AuthURL:   cfg.AuthorizationEndpoint,
			TokenURL:  cfg.TokenEndpoint,
			AuthStyle: oauth2.AuthStyleInParams,
		},
	}
}

// randomString returns n random bytes, base64url without padding (32 bytes
// = 256 bits, above the 128 the state must carry).
func randomString(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
