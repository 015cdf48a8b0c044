package smart

import (
	"github.com/fastenhealth/fasten-desktop/internal/fhir"

	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// Grant is what a token response gave us: the credentials plus the launch
// context (patient) the rest of Fasten needs.
type Grant struct {
	AccessToken, RefreshToken, TokenType, Scope, PatientID, FHIRUser, IDToken string
	// Subject is the id_token's sub (verified at sign-in). Callers keep it
	// as Prior.Subject so renewals can tell the same person's tokens.
	Subject string
	Expiry  time.Time
	// Extra holds the other token-response fields (ah_practice, encounter,
	// need_patient_banner, smart_style_url, ...), as decoded from JSON.
	Extra map[string]any
}

// standardFields are surfaced as Grant fields and so left out of Extra.
var standardFields = map[string]bool{
	"access_token": true, "refresh_token": true, "token_type": true, "expires_in": true,
	"scope": true, "patient": true, "id_token": true,
}

// fhirIDRE is FHIR's id syntax. Patient ids are pasted into request paths
// later, so anything else is refused here rather than escaped there.
var fhirIDRE = regexp.MustCompile(`^[A-Za-z0-9\-.]{1,64}$`)

// parseTokenBody decodes a token response in JSON (the norm) or, for old
// servers, form encoding.
func parseTokenBody(body []byte, ctype string) (map[string]any, error) {
	mt, _, _ := mime.ParseMediaType(ctype)
	if mt == "application/x-www-form-urlencoded" || mt == "text/plain" {
		vals, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, errors.New("token response: malformed form encoding")
		}
		m := map[string]any{}
		for k, v := range vals {
			m[k] = v[0]
		}
		return m, nil
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, fmt.Errorf("token response: invalid JSON: %v", err)
	}
	return m, nil
}

func str(v any) string { s, _ := v.(string); return s }

// grantFrom turns a decoded token response into a Grant. Expiry is computed
// with Options.Now so tests and the app share one clock.
func grantFrom(m map[string]any, now time.Time) (*Grant, error) {
	g := &Grant{
		AccessToken: str(m["access_token"]), RefreshToken: str(m["refresh_token"]),
		TokenType: str(m["token_type"]), Scope: str(m["scope"]), IDToken: str(m["id_token"]),
		Extra: map[string]any{},
	}
	if g.AccessToken == "" {
		return nil, errors.New("token response has no access_token")
	}
	if g.TokenType == "" {
		g.TokenType = "Bearer"
	} else if !strings.EqualFold(g.TokenType, "bearer") {
		return nil, errors.New("token_type is not Bearer") // value not quoted: servers put odd things there
	}
	switch p := m["patient"].(type) {
	case string:
		g.PatientID = p
	case float64: // a numeric patient id is wrong but unambiguous
		g.PatientID = strconv.FormatFloat(p, 'f', -1, 64)
	}
	var secs float64
	switch e := m["expires_in"].(type) {
	case float64:
		secs = e
	case string:
		secs, _ = strconv.ParseFloat(e, 64)
	}
	if secs > 0 {
		g.Expiry = now.Add(time.Duration(secs) * time.Second)
	}
	for k, v := range m {
		if !standardFields[k] {
			g.Extra[k] = v
		}
	}
	return g, nil
}

// mapSecrets lists the secret values of a raw token response, so errors
// raised before a Grant exists can still be scrubbed of them.
func mapSecrets(m map[string]any) []string {
	return []string{str(m["access_token"]), str(m["refresh_token"]), str(m["id_token"])}
}

func (g *Grant) secrets() []string {
	if g == nil {
		return nil
	}
	return []string{g.AccessToken, g.RefreshToken, g.IDToken}
}

// finishGrant verifies the id_token (when present) and settles the patient:
// the token response's patient, else the id_token's fhirUser. When both name
// a Patient they must agree: a mismatch means tokens from another sign-in
// were injected, and records would land under the wrong family member.
func finishGrant(ctx context.Context, cfg *Config, g *Grant, clientID string, requirePatient bool, o Options) error {
	secrets := g.secrets()
	if g.IDToken != "" {
		if cfg.JWKSURI == "" && g.PatientID != "" {
			// Cannot verify, and not needed for the patient: ignore it
			// rather than trust unverified claims.
			g.IDToken = ""
		} else {
			claims, err := verifyIDToken(ctx, cfg, g.IDToken, clientID, o)
			if err != nil {
				return scrubErr(err, secrets)
			}
			g.FHIRUser, g.Subject = claims.FHIRUser, claims.Subject
			if id, ok := patientOf(claims.FHIRUser); ok {
				if g.PatientID == "" {
					g.PatientID = id
				} else if id != g.PatientID {
					return newErr(TokenMismatch, msgTokenMismatch, errors.New("id_token fhirUser names a different patient than the token response"))
				}
			}
		}
	}
	if g.PatientID == "" {
		if requirePatient {
			return newErr(BadResponse, msgBadResponse, errors.New("no patient in token response and no Patient fhirUser in id_token"))
		}
		return nil
	}
	if !fhirIDRE.MatchString(g.PatientID) {
		return newErr(BadResponse, msgBadResponse, errors.New("patient id is not a valid FHIR id"))
	}
	return nil
}

// patientOf returns the Patient id a fhirUser reference names ("https://x/
// fhir/Patient/123", "Patient/123", with or without "/_history/2"), or "".
// References are read by internal/fhir, the one parser of them.
func patientOf(fhirUser string) (string, bool) {
	r := fhir.ParseReference(fhirUser)
	if (r.Kind == fhir.RefRelative || r.Kind == fhir.RefAbsolute) && r.Type == "Patient" && r.ID != "" {
		return r.ID, true
	}
	return "", false
}

func scrubErr(err error, secrets []string) error {
	var e *Error
	if errors.As(err, &e) {
		return &Error{Kind: e.Kind, Message: e.Message, Cause: scrub(e.Cause, secrets...)}
	}
	return newErr(BadResponse, msgBadResponse, err, secrets...)
}

// tokenErr maps a failure from the token endpoint. The cause names status,
// OAuth error and description only: x/oauth2's own error can quote the raw
// response body.
func tokenErr(op string, err error, refresh bool, secrets []string) *Error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		status := 0
		if re.Response != nil {
			status = re.Response.StatusCode
		}
		cause := &httpStatusError{Op: op, Status: status, Code: re.ErrorCode, Desc: re.ErrorDescription}
		if refresh && re.ErrorCode == "invalid_grant" {
			return providerErr(NeedsReconnect, msgReconnect, cause, secrets...)
		}
		return providerErr(ProviderError, msgProvider, cause, secrets...)
	}
	var ue *url.Error
	if errors.As(err, &ue) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return netErr(err, secrets...)
	}
	return newErr(BadResponse, msgBadResponse, fmt.Errorf("%s: %w", op, err), secrets...)
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
