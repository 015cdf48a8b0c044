package smart

import (
	"context"
	"errors"

	"golang.org/x/oauth2"
)

// Refresh trades a refresh token for new tokens. Servers that rotate return
// a new refresh token (the old one is then dead, so the caller must store
// the returned one before anything else); servers that don't (Epic) return
// none and the old one stays valid, so it is copied into the Grant.
// invalid_grant means the person revoked access or the token aged out:
// NeedsReconnect.
//
// PatientID is whatever the response says (often nothing); the caller
// compares it with the stored patient when present.
func Refresh(ctx context.Context, cfg *Config, c Client, refreshToken string, o Options) (*Grant, error) {
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
	if err := finishGrant(ctx, cfg, g, c.ClientID, false, o); err != nil {
		return nil, scrubErr(err, append(secrets, g.secrets()...))
	}
	return g, nil
}
