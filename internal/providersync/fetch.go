package providersync

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fastenhealth/fasten-desktop/internal/connect"
	"github.com/fastenhealth/fasten-desktop/internal/fhir"
	"github.com/fastenhealth/fasten-desktop/internal/olderfhir"
	"github.com/fastenhealth/fasten-desktop/internal/smart"
)

// conn is one connection's sync in progress.
type conn struct {
	e    *Engine
	t    connect.Target
	base *url.URL
	sem  chan struct{} // this connection's requests in flight
	gate *gate         // the server's: in flight across connections, Retry-After holds
	run  int64
	// release is the FHIR release the server's CapabilityStatement names
	// (Unknown when it names none, or when a resumed run did not read it:
	// then each page's shape tells).
	release olderfhir.Release

	tokMu sync.Mutex

	refMu sync.Mutex
	refs  map[string]bool // references seen in this run's pages

	refRounds int // reference rounds that read something

	// pages2store carries validated pages from the tasks to the
	// connection's writer (storeLoop), in the order each task read them.
	pages2store chan *pageJob

	requests  atomic.Int64
	pages     atomic.Int64
	resources atomic.Int64
	added     atomic.Int64
	updated   atomic.Int64
	skipped   atomic.Int64
	longest   atomic.Int64
	throttled atomic.Int64 // 429s, and 503s with Retry-After
	heldNanos atomic.Int64 // time requests waited on the server's Retry-After
	// paused is told when the provider's Retry-After lets requests go on
	// again (Sync shows it as progress); nil in tests that make a conn.
	paused    func(until time.Time)
	storeNano atomic.Int64 // time spent holding the vault's write lock
	commits   atomic.Int64 // transactions that stored pages
	fail      failures

	// abort stops every task of the connection (revoked access).
	abort context.CancelCauseFunc
}

// permanentErr is a failure retrying will not fix (4xx other than 401/408/429).
type permanentErr struct {
	status int
	msg    string
}

func (p *permanentErr) Error() string { return p.msg }

// transientErr is a failure worth retrying after backoff (or Retry-After).
// kind, when set, is the typed reason (ErrRateLimited, ErrUnavailable) a
// caller finds with errors.Is once the retries are spent.
type transientErr struct {
	msg        string
	retryAfter time.Duration
	kind       error
}

func (t *transientErr) Error() string { return t.msg }
func (t *transientErr) Unwrap() error { return t.kind }

func statusOf(err error) int {
	var p *permanentErr
	if errors.As(err, &p) {
		return p.status
	}
	return 0
}

// token returns a usable access token. Token use is serialised per
// connection: with rotating refresh tokens, two concurrent refreshes would
// burn each other's token and end the connection.
func (c *conn) token(ctx context.Context) (string, error) {
	c.tokMu.Lock()
	defer c.tokMu.Unlock()
	tok, _, err := c.e.svc.AccessToken(ctx, c.t.ConnectionID)
	var se *smart.Error
	switch {
	case err == nil:
		return tok, nil
	case !errors.As(err, &se):
		// Not the provider's answer (e.g. the vault was busy): try again.
		return "", &transientErr{msg: "could not renew access: " + reason(err)}
	case se.Kind == smart.NeedsReconnect:
		c.abort(ErrNeedsReconnect)
		return "", ErrNeedsReconnect
	case ctx.Err() != nil:
		return "", ctx.Err()
	case smart.Transient(err):
		return "", &transientErr{msg: "could not renew access: " + reason(err)}
	}
	// A refused renewal is not a network blip: retrying it per request and
	// per task only hammers the token endpoint. Stop the whole sync once.
	cause := fmt.Errorf("%w: %s", ErrRenewalRefused, reason(err))
	c.abort(cause)
	return "", cause
}

func (c *conn) rejectToken(ctx context.Context, tok string) {
	c.tokMu.Lock()
	defer c.tokMu.Unlock()
	c.e.svc.RejectAccessToken(ctx, c.t.ConnectionID, tok)
}

// withPractice adds athenahealth's ah-practice parameter, which it wants on
// every request, including next links it generated itself.
func (c *conn) withPractice(u *url.URL) {
	if c.t.AthenaPractice == "" {
		return
	}
	q := u.Query()
	if q.Get("ah-practice") == "" {
		q.Set("ah-practice", c.t.AthenaPractice)
		u.RawQuery = q.Encode()
	}
}

type response struct {
	body        []byte
	header      http.Header
	contentType string
}

// get fetches rawURL (which must be on the connection's server) with
// retries. check inspects a 200 body and returns a transientErr when it is
// garbage or cut short, so the page is fetched again rather than stored.
func (c *conn) get(ctx context.Context, rawURL, accept string, limit int64, timeout time.Duration, check func(*response) error) (*response, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, &permanentErr{msg: "a link from the provider is not a valid URL"}
	}
	if !sameServer(c.base, u) {
		return nil, &permanentErr{msg: "a link from the provider points to another server; it was not followed"}
	}
	c.withPractice(u)
	authRetries := 0
	var last error
	for attempt := 0; attempt < c.e.opts.MaxAttempts; attempt++ {
		if attempt > 0 {
			ceil := c.e.opts.BaseBackoff << min(attempt-1, 20)
			if ceil > c.e.opts.MaxBackoff || ceil <= 0 {
				ceil = c.e.opts.MaxBackoff
			}
			d := time.Duration(rand.Int64N(int64(ceil)))
			var te *transientErr
			if errors.As(last, &te) && te.retryAfter > d {
				d = te.retryAfter
				c.pausedUntil(time.Now().Add(d))
			}
			if err := c.e.opts.Sleep(ctx, d); err != nil {
				return nil, err
			}
		}
		resp, tok, err := c.once(ctx, u.String(), accept, limit, timeout)
		if err == nil && check != nil {
			err = check(resp)
		}
		if err == nil {
			return resp, nil
		}
		if ctx.Err() != nil {
			return nil, context.Cause(ctx)
		}
		if errors.Is(err, ErrNeedsReconnect) || errors.Is(err, ErrRenewalRefused) {
			return nil, err
		}
		if errors.Is(err, errUnauthorized) {
			// The token was refused before its expiry: refresh once or twice
			// without spending an attempt; after that the refusal is real.
			if authRetries < 2 {
				authRetries++
				c.rejectToken(ctx, tok)
				attempt--
				last = err
				continue
			}
			return nil, &permanentErr{status: 401, msg: "the provider refused access even with a renewed token"}
		}
		var pe *permanentErr
		if errors.As(err, &pe) {
			return nil, err
		}
		last = err
	}
	return nil, fmt.Errorf("gave up after %d attempts: %w", c.e.opts.MaxAttempts, last)
}

var errUnauthorized = errors.New("access token refused")

// once is one attempt. It returns the token used so a 401 can reject exactly it.
func (c *conn) once(ctx context.Context, u, accept string, limit int64, timeout time.Duration) (*response, string, error) {
	tok, err := c.token(ctx)
	if err != nil {
		return nil, "", err
	}
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, tok, ctx.Err()
	}
	defer func() { <-c.sem }()
	// The server's gate: its bound on requests in flight, and its hold
	// while it has asked (429/503 Retry-After) for a pause.
	held, err := c.gate.acquire(ctx, c.pausedUntil)
	if err != nil {
		return nil, tok, err
	}
	if held > 0 {
		c.heldNanos.Add(int64(held))
	}
	throttled, ok := false, false
	var wait time.Duration
	defer func() { c.gate.release(throttled, wait, ok) }()
	actx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodGet, u, nil)
	if err != nil {
		return nil, tok, &permanentErr{msg: "bad request URL"}
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Accept", accept)
	c.requests.Add(1)
	resp, err := c.e.opts.HTTPClient.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, tok, ctx.Err()
		}
		return nil, tok, &transientErr{msg: "network: " + reason(err)}
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusOK:
		ok = true
	case resp.StatusCode == http.StatusUnauthorized:
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return nil, tok, errUnauthorized
	case resp.StatusCode == http.StatusTooManyRequests:
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		c.throttled.Add(1)
		// Without Retry-After the server still said "slower": the gate
		// lowers its limit, and this request backs off exponentially.
		throttled, wait = true, retryAfter(resp.Header.Get("Retry-After"), c.e.opts.Now())
		return nil, tok, &transientErr{msg: "rate limited (429)", retryAfter: wait, kind: ErrRateLimited}
	case resp.StatusCode == http.StatusServiceUnavailable:
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		wait = retryAfter(resp.Header.Get("Retry-After"), c.e.opts.Now())
		if wait > 0 {
			// 503 with Retry-After is the server scheduling its own
			// downtime or load shedding: the same pause as a 429.
			c.throttled.Add(1)
			throttled = true
		}
		return nil, tok, &transientErr{msg: "server error (503)", retryAfter: wait, kind: ErrUnavailable}
	case resp.StatusCode == http.StatusRequestTimeout || resp.StatusCode >= 500:
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return nil, tok, &transientErr{msg: fmt.Sprintf("server error (%d)", resp.StatusCode), retryAfter: retryAfter(resp.Header.Get("Retry-After"), c.e.opts.Now()), kind: ErrUnavailable}
	default:
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return nil, tok, &permanentErr{status: resp.StatusCode, msg: fmt.Sprintf("the provider answered %d", resp.StatusCode)}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		if ctx.Err() != nil {
			return nil, tok, ctx.Err()
		}
		return nil, tok, &transientErr{msg: "the answer was cut short: " + reason(err)}
	}
	if int64(len(body)) > limit {
		return nil, tok, &permanentErr{status: 200, msg: fmt.Sprintf("larger than the %d MB limit", limit>>20)}
	}
	return &response{body: body, header: resp.Header, contentType: resp.Header.Get("Content-Type")}, tok, nil
}

// retryAfter reads seconds or an HTTP date; bounded so a hostile value
// cannot park a sync for days.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if n, err := strconv.Atoi(v); err == nil {
		d = time.Duration(n) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return max(0, min(d, 10*time.Minute))
}

// reason is the one plain-words form of a failure that goes into a task's
// failures, a run's history and a sync's error: a permanent error's own
// message, a network error without the request URL (which carries the
// patient id), timeouts and cut-short answers named as such.
func reason(err error) string {
	var pe *permanentErr
	if errors.As(err, &pe) {
		return pe.msg
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "timed out"
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return "connection closed mid-answer"
	}
	return err.Error()
}

// page is one parsed searchset page.
type page struct {
	body       []byte
	next       string
	serverTime string
	keys       []string // Type/id of each stored entry
	refs       []string
	entries    []fhir.Entry // the record entries (aliasing body), to batch pages
}

// fetchPage gets and parses a page, treating anything that is not a whole
// Bundle (HTML error pages, bodies cut short) as transient.
func (c *conn) fetchPage(ctx context.Context, u string) (*page, error) {
	var pg *page
	_, err := c.get(ctx, u, "application/fhir+json", 256<<20, c.e.opts.RequestTimeout, func(r *response) error {
		b, err := fhir.ParsePage(r.body)
		switch {
		case errors.Is(err, fhir.ErrNotJSON):
			return &transientErr{msg: "the page was cut short or was not JSON"}
		case err != nil:
			return &transientErr{msg: "the page was not a Bundle"}
		}
		p := &page{body: r.body, next: b.Next}
		p.serverTime = serverTime(b.LastUpdated, r.header.Get("Date"), c.e.opts.Now())
		filtered := false
		keep := b.Entries[:0]
		for _, en := range b.Entries {
			// OperationOutcome entries are the server talking, not records.
			if !en.Record() {
				filtered = true
				continue
			}
			p.keys = append(p.keys, en.Key())
			p.refs = append(p.refs, c.refsIn(en.Resource)...)
			keep = append(keep, en)
		}
		if filtered {
			p.body = fhir.CollectionBundle(keep)
		}
		p.entries = keep
		pg = p
		return nil
	})
	return pg, err
}

// pausedUntil tells the sync's progress that requests wait for the
// provider until then.
func (c *conn) pausedUntil(until time.Time) {
	if c.paused != nil {
		c.paused(until)
	}
}
