package smart

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// Options are the knobs shared by every call.
type Options struct {
	// HTTPClient defaults to a client with a 10s connect and 30s overall
	// timeout: portals hang, and a sign-in must fail visibly, not spin.
	HTTPClient *http.Client
	// AllowInsecure permits http:// endpoints (developer mode, loopback
	// sandbox). Otherwise every endpoint must be https, because tokens and
	// health data travel over them.
	AllowInsecure bool
	// Now is the clock for pending-sign-in expiry, token expiry and JWT
	// times; default time.Now.
	Now func() time.Time
}

func (o Options) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

const maxBody = 1 << 20 // JSON answers we read are small; cap them anyway

// newTransport is every transport this package makes: the same dial, TLS
// and idle limits, with the answer-header wait and pooling of its use.
func newTransport(headerTimeout time.Duration, maxIdle, maxIdlePerHost int) *http.Transport {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: headerTimeout,
		IdleConnTimeout:       90 * time.Second,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          maxIdle,
		MaxIdleConnsPerHost:   maxIdlePerHost,
	}
}

// defaultTransport serves discovery and token requests: small answers.
var defaultTransport = newTransport(30*time.Second, 20, 0)

// guardTransport enforces https on every request this package makes,
// including redirects the client follows, so an https endpoint cannot bounce
// us to plain http. It can also keep a copy of the last response body, which
// is how Complete and Refresh see token-response fields x/oauth2 does not
// enumerate (ah_practice, encounter, need_patient_banner, ...).
type guardTransport struct {
	base          http.RoundTripper
	allowInsecure bool
	capture       bool

	mu    sync.Mutex
	last  *capBuf
	ctype string
}

func (t *guardTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := checkScheme(req.URL, t.allowInsecure); err != nil {
		return nil, err
	}
	resp, err := t.base.RoundTrip(req)
	if err != nil || !t.capture {
		return resp, err
	}
	b := &capBuf{}
	t.mu.Lock()
	t.last, t.ctype = b, resp.Header.Get("Content-Type")
	t.mu.Unlock()
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.TeeReader(resp.Body, b), resp.Body}
	return resp, nil
}

// lastBody returns the captured body of the last response and its type.
func (t *guardTransport) lastBody() ([]byte, string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.last == nil {
		return nil, ""
	}
	return t.last.Bytes(), t.ctype
}

// capBuf keeps at most maxBody bytes; the reader sees everything.
type capBuf struct{ bytes.Buffer }

func (c *capBuf) Write(p []byte) (int, error) {
	if room := maxBody - c.Len(); room > 0 {
		if len(p) > room {
			c.Buffer.Write(p[:room])
		} else {
			c.Buffer.Write(p)
		}
	}
	return len(p), nil
}

var errInsecure = errors.New("endpoint is not https")

func checkScheme(u *url.URL, allowInsecure bool) error {
	switch {
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && allowInsecure:
		return nil
	}
	return fmt.Errorf("%w: %s://%s", errInsecure, u.Scheme, u.Host)
}

// checkEndpoint validates a discovered or configured endpoint URL.
func checkEndpoint(name, raw string, allowInsecure bool) error {
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" {
		return newErr(BadResponse, msgBadResponse, fmt.Errorf("%s endpoint is not an absolute URL", name))
	}
	if err := checkScheme(u, allowInsecure); err != nil {
		return newErr(Insecure, msgInsecure, fmt.Errorf("%s: %w", name, err))
	}
	return nil
}

// client returns the HTTP client to use, wrapped by a guardTransport.
func (o Options) client(capture bool) (*http.Client, *guardTransport) {
	var c http.Client
	if o.HTTPClient != nil {
		c = *o.HTTPClient
	} else {
		c = http.Client{Timeout: 30 * time.Second}
	}
	base := c.Transport
	if base == nil {
		if o.HTTPClient == nil {
			base = defaultTransport
		} else {
			base = http.DefaultTransport
		}
	}
	g := &guardTransport{base: base, allowInsecure: o.AllowInsecure, capture: capture}
	c.Transport = g
	return &c, g
}

// netErr classifies a transport-level failure: refused insecure hops become
// Insecure, everything else Network.
func netErr(err error, secrets ...string) *Error {
	if errors.Is(err, errInsecure) {
		return newErr(Insecure, msgInsecure, err, secrets...)
	}
	return newErr(Network, msgNetwork, err, secrets...)
}

// httpStatusError describes a non-2xx answer without quoting its body.
type httpStatusError struct {
	Op     string
	Status int
	Code   string // OAuth "error" when the body had one
	Desc   string
}

func (e *httpStatusError) Error() string {
	s := fmt.Sprintf("%s: HTTP %d", e.Op, e.Status)
	if e.Code != "" {
		s += " " + e.Code
	}
	if e.Desc != "" {
		s += ": " + e.Desc
	}
	return s
}

// do sends req and reads at most maxBody bytes of the answer.
func do(ctx context.Context, c *http.Client, req *http.Request) (*http.Response, []byte, error) {
	resp, err := c.Do(req.WithContext(ctx))
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, nil, err
	}
	return resp, body, nil
}
