package smart

import (
	"github.com/fastenhealth/fasten-desktop/internal/jwt"

	"context"
	"errors"

	"golang.org/x/oauth2"
)

// Prior is what a renewal must stay consistent with: what the sign-in
// established. Either field may be empty (connections made before it was
// kept, servers that send no id_token); an empty field is not compared.
type Prior struct {
	// PatientID is the connection's patient.
	PatientID string
	// Subject is the sub of the id_token verified at sign-in.
	Subject string
}

// Refresh trades a refresh token for new tokens. Servers that rotate return
// a new refresh token (the old one is then dead, so the caller must store
// the returned one before anything else); servers that don't (Epic) return
// none and the old one stays valid, so it is copied into the Grant.
// invalid_grant means the person revoked access or the token aged out:
// NeedsReconnect.
//
// A refreshed id_token is checked only against prior (see finishRenewal):
// the new tokens must never be thrown away over a claim a renewal does not
// use, because with rotation the old refresh token is already dead.
func Refresh(ctx context.Context, cfg *Config, c Client, refreshToken string, prior Prior, o Options) (*Grant, error) {
	secrets := []string{refreshToken}
	if refreshToken == "" {
		return nil, newErr(NeedsReconnect, msgReconnect, errors.New("no refresh token stored"))
	}
	if err := checkEndpoint("token", cfg.TokenEndpoint, o.AllowInsecure); err != nil {
		return nil, err
	}
	hc, capture := o.client(true)
	ctx = context.WithValue(ctx, oauth2.HTTPClient, hc)
	ts := oauthConfig(cfg, c.ClientID, "").TokenSource(ctx, &oauth2.Token{RefreshToken: refreshToken})
	if _, err := ts.Token(); err != nil {
		return nil, tokenErr("refresh", err, true, secrets)
	}
	g, err := grantFromCapture(capture, o)
	if err != nil {
		return nil, newErr(BadResponse, msgBadResponse, err, secrets...)
	}
	if g.RefreshToken == "" {
		g.RefreshToken = refreshToken
	}
	if err := finishRenewal(cfg, g, prior); err != nil {
		return nil, scrubErr(err, append(secrets, g.secrets()...))
	}
	return g, nil
}

// finishRenewal settles a renewed Grant (refresh or jwt-bearer). Unlike a
// sign-in, a renewal learns nothing from its id_token: the patient is fixed
// by the connection and the tokens came straight from the token endpoint
// over a checked connection. So the id_token is not verified in full (real
// servers send renewed id_tokens without aud, or with the registered
// device's client id) and its claims are used only to refuse, never to
// grant: an id_token from another issuer, or naming another subject or
// patient than the sign-in did, means these tokens are not this
// connection's. An id_token that cannot even be decoded is dropped.
func finishRenewal(cfg *Config, g *Grant, prior Prior) error {
	if g.PatientID != "" && prior.PatientID != "" && g.PatientID != prior.PatientID {
		return newErr(TokenMismatch, msgTokenMismatch, errors.New("refresh response names a different patient than the connection"))
	}
	if g.IDToken != "" {
		p, err := jwt.Parse(g.IDToken)
		if err != nil {
			g.IDToken = ""
		} else {
			c := p.Claims
			if iss := str(c["iss"]); iss != "" && !sameURL(iss, cfg.expectedIssuer()) {
				return newErr(IssuerMismatch, msgIssuer, errors.New("refreshed id_token iss is not the provider's issuer"))
			}
			if sub := str(c["sub"]); sub != "" && prior.Subject != "" && sub != prior.Subject {
				return newErr(TokenMismatch, msgTokenMismatch, errors.New("refreshed id_token names another subject than the sign-in"))
			}
			fu := str(c["fhirUser"])
			if id, ok := patientOf(fu); ok && prior.PatientID != "" && id != prior.PatientID {
				return newErr(TokenMismatch, msgTokenMismatch, errors.New("refreshed id_token fhirUser names a different patient than the connection"))
			}
			g.FHIRUser, g.Subject = fu, str(c["sub"])
		}
	}
	if g.PatientID != "" && !fhirIDRE.MatchString(g.PatientID) {
		return newErr(BadResponse, msgBadResponse, errors.New("patient id is not a valid FHIR id"))
	}
	return nil
}
