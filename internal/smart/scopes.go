package smart

import (
	"slices"
	"strings"
)

// Client identifies Fasten's registration at one vendor.
type Client struct {
	ClientID, RedirectURI string
	Vendor                string // "epic", "oracle", "ecw", "athena" or "" (generic SMART)
	ExtraScopes           []string
}

// baseScopes are what a standalone patient launch needs: patient context,
// an id_token naming the user (Oracle only tells us the patient that way),
// and a refresh token so records can be updated later.
var baseScopes = []string{"launch/patient", "openid", "fhirUser", "offline_access"}

// Scopes chooses the scope string from the server's capabilities. Scopes the
// server says it does not support are dropped, because some servers reject
// the whole request over one unknown scope; the patient read scope is always
// kept since without it nothing can be read.
func Scopes(cfg *Config) string {
	read := "patient/*.read"
	if cfg.V2 {
		read = "patient/*.rs"
	}
	var out []string
	for _, s := range baseScopes {
		if len(cfg.ScopesSupported) > 0 && !slices.Contains(cfg.ScopesSupported, s) {
			continue
		}
		out = append(out, s)
	}
	return strings.Join(append(out, read), " ")
}

// scopeFor adds the client's extra scopes without duplicates.
func scopeFor(cfg *Config, c Client) string {
	sc := strings.Fields(Scopes(cfg))
	for _, x := range c.ExtraScopes {
		for _, f := range strings.Fields(x) {
			if !slices.Contains(sc, f) {
				sc = append(sc, f)
			}
		}
	}
	return strings.Join(sc, " ")
}
