package smart

import (
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// resourceTransport is the pooled default for FHIR resource requests: a
// sync runs several requests to one server side by side, and pages can be
// slow to start.
var resourceTransport = newTransport(60*time.Second, 64, 16)

const maxRedirects = 5

// NewResourceClient returns the client for every request that carries a
// connection's bearer token to its FHIR server — the first Patient read
// after sign-in and every sync request — so they all follow one policy:
//
//   - https only on every hop, redirects included, unless allowInsecure
//     (developer mode, the loopback sandbox);
//   - redirects are followed only within the origin (scheme, host and port)
//     of the first request, at most five; a redirect anywhere else is not
//     followed and the caller gets the 3xx answer, which it treats as a
//     failure. net/http on its own would forward the Authorization header
//     to another port of the same host or to a subdomain, and would hand
//     back another server's answer as if it were the provider's.
//
// base supplies the timeout and the transport (nil: a pooled default);
// its transport is wrapped, its CheckRedirect replaced.
func NewResourceClient(base *http.Client, allowInsecure bool) *http.Client {
	var c http.Client
	var rt http.RoundTripper = resourceTransport
	if base != nil {
		c = *base
		if base.Transport != nil {
			rt = base.Transport
		} else {
			rt = http.DefaultTransport
		}
	}
	c.Transport = &guardTransport{base: rt, allowInsecure: allowInsecure}
	c.CheckRedirect = sameOriginRedirects
	return &c
}

// ErrTooManyRedirects is returned (inside a *url.Error) when a resource
// request is redirected more than five times.
var ErrTooManyRedirects = errors.New("too many redirects")

func sameOriginRedirects(req *http.Request, via []*http.Request) error {
	if origin(req.URL) != origin(via[0].URL) {
		return http.ErrUseLastResponse
	}
	if len(via) >= maxRedirects {
		return ErrTooManyRedirects
	}
	return nil
}

// origin is scheme://host:port, lower-cased, with the scheme's default port
// made explicit so "https://a" and "https://a:443" are one origin.
func origin(u *url.URL) string {
	port := u.Port()
	if port == "" {
		switch strings.ToLower(u.Scheme) {
		case "https":
			port = "443"
		case "http":
			port = "80"
		}
	}
	return strings.ToLower(u.Scheme + "://" + net.JoinHostPort(u.Hostname(), port))
}
