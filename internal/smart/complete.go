package smart

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"

	"golang.org/x/oauth2"
)

// Complete checks the redirect against its Pending and exchanges the code
// (PKCE verifier, public client). Checks run in the order that keeps an
// attacker's redirect from reaching the token endpoint: state, expiry,
// RFC 9207 issuer, then the OAuth error, then the code.
func Complete(ctx context.Context, cfg *Config, p Pending, cb Callback, o Options) (*Grant, error) {
	secrets := []string{cb.Code, p.Verifier}
	if p.State == "" || subtle.ConstantTimeCompare([]byte(cb.State), []byte(p.State)) != 1 {
		return nil, newErr(StateMismatch, msgStateMismatch, errors.New("callback state does not match the pending sign-in"))
	}
	if !o.now().Before(p.Expires) {
		return nil, newErr(Expired, msgExpired, errors.New("pending sign-in expired"))
	}
	if cfg == nil || !sameURL(p.FHIRBase, cfg.FHIRBase) {
		return nil, newErr(StateMismatch, msgStateMismatch, errors.New("pending sign-in belongs to another FHIR server"))
	}
	if cb.Issuer != "" && !sameURL(cb.Issuer, cfg.expectedIssuer()) {
		return nil, newErr(IssuerMismatch, msgIssuer, errors.New("callback iss is not the provider's issuer (RFC 9207)"))
	}
	switch cb.Error {
	case "":
	case "access_denied":
		return nil, newErr(AccessDenied, msgAccessDenied, errors.New("authorization: access_denied"))
	default:
		code, desc := providerText(cb.Error, secrets...), providerText(cb.ErrorDescription, secrets...)
		e := newErr(ProviderError, msgProvider, fmt.Errorf("authorization: %s: %s", code, desc), secrets...)
		e.ProviderCode, e.ProviderDescription = code, desc
		return nil, e
	}
	if cb.Code == "" {
		return nil, newErr(BadResponse, msgBadResponse, errors.New("callback has neither code nor error"))
	}
	if err := checkEndpoint("token", cfg.TokenEndpoint, o.AllowInsecure); err != nil {
		return nil, err
	}

	hc, capture := o.client(true)
	ctx = context.WithValue(ctx, oauth2.HTTPClient, hc)
	if _, err := oauthConfig(cfg, p.ClientID, p.RedirectURI).Exchange(ctx, cb.Code, oauth2.VerifierOption(p.Verifier)); err != nil {
		return nil, tokenErr("token exchange", err, false, secrets)
	}
	g, err := grantFromCapture(capture, o)
	if err != nil {
		return nil, newErr(BadResponse, msgBadResponse, err, secrets...)
	}
	if err := finishGrant(ctx, cfg, g, p.ClientID, true, o); err != nil {
		return nil, scrubErr(err, append(secrets, g.secrets()...))
	}
	return g, nil
}

// grantFromCapture builds the Grant from the raw token response the guard
// transport kept, so every field (not just what x/oauth2 models) survives.
// Its errors are already scrubbed of the response's own tokens.
func grantFromCapture(capture *guardTransport, o Options) (*Grant, error) {
	body, ctype := capture.lastBody()
	m, err := parseTokenBody(body, ctype)
	if err != nil {
		return nil, err
	}
	g, err := grantFrom(m, o.now())
	return g, scrub(err, mapSecrets(m)...)
}
