package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Fault describes how a route misbehaves. Rates are probabilities in [0,1]
// drawn from the seeded generator, so a given request sequence fails the same
// way on every run.
type Fault struct {
	Latency time.Duration // added to every matching request
	Jitter  time.Duration // plus uniform [0, Jitter)

	FailRate   float64 // answer FailStatus (default 500) instead of the real response
	FailStatus int

	// RateLimit allows this many requests per second on the rule; the rest
	// get 429 with Retry-After (RetryAfter seconds, default 1).
	RateLimit  int
	RetryAfter int

	// ThrottleRate answers this share of requests ThrottleStatus (default
	// 429; 503 is the other status servers send Retry-After with) with
	// Retry-After: RetryAfter seconds (default 1), written as an HTTP date
	// when RetryAfterDate — the two forms RFC 9110 allows. Its die is only
	// rolled when ThrottleRate > 0, so rules without it draw as before.
	ThrottleRate   float64
	ThrottleStatus int
	RetryAfterDate bool

	// TimeoutRate hangs the request until the client gives up, the server
	// closes, or Hang elapses (then 504), whichever is first. Hang 0 = forever.
	TimeoutRate float64
	Hang        time.Duration

	TruncateRate float64
	Truncate     TruncateMode

	GarbageRate float64 // 200 with an HTML error page where JSON was expected

	// LoopNextLink rewrites searchset next links to point at the page itself,
	// the server bug that sends naive pagers into an infinite loop.
	LoopNextLink bool

	// RedirectTo answers 307 with Location: RedirectTo + the request's path
	// and query (e.g. another server's origin), the way a compromised or
	// misconfigured proxy would bounce an authorized request elsewhere.
	RedirectTo string
}

// TruncateMode picks how a response is cut short.
type TruncateMode int

const (
	// TruncateContentLength declares more bytes than it sends, so the client
	// sees an unexpected EOF mid-body.
	TruncateContentLength TruncateMode = iota
	// TruncateHalfJSON sends a well-formed HTTP response whose body is the
	// first half of the JSON.
	TruncateHalfJSON
)

// Faults is the live fault table. A rule key is "*" (or "") for all routes,
// a route pattern exactly as registered (e.g. "GET /fhir/{type}/{id}"), or a
// path prefix starting with "/" (e.g. "/fhir/Observation"). The most specific
// rule wins: exact pattern, then longest prefix, then global.
type Faults struct {
	mu       sync.Mutex
	rng      *rand.Rand
	rules    map[string]Fault
	scripted map[string][]scripted
	windows  map[string]*window
}

type scripted struct {
	n, status int
}

type window struct {
	start time.Time
	count int
}

func newFaults(seed uint64) *Faults {
	f := &Faults{}
	f.Seed(seed)
	f.Reset()
	return f
}

// Seed restarts the fault dice.
func (f *Faults) Seed(seed uint64) {
	f.mu.Lock()
	f.rng = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	f.mu.Unlock()
}

// Set installs (or replaces) the rule for key.
func (f *Faults) Set(key string, fault Fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rules[normKey(key)] = fault
	delete(f.windows, normKey(key))
}

// Clear removes the rule and scripted failures for key.
func (f *Faults) Clear(key string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.rules, normKey(key))
	delete(f.scripted, normKey(key))
	delete(f.windows, normKey(key))
}

// Reset removes every rule and scripted failure.
func (f *Faults) Reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rules = map[string]Fault{}
	f.scripted = map[string][]scripted{}
	f.windows = map[string]*window{}
}

// FailNext makes the next n requests matching key answer status, before any
// probabilistic rule applies. 429 carries Retry-After: 1 and 401 a
// WWW-Authenticate header, as clients key their retry logic on those.
func (f *Faults) FailNext(key string, n int, status int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	k := normKey(key)
	f.scripted[k] = append(f.scripted[k], scripted{n, status})
}

func normKey(k string) string {
	if k == "" {
		return "*"
	}
	return k
}

// bestKey picks the most specific key present in keys for this request.
func bestKey[V any](keys map[string]V, pattern, path string) (string, bool) {
	if _, ok := keys[pattern]; ok {
		return pattern, true
	}
	best := ""
	for k := range keys {
		if strings.HasPrefix(k, "/") && strings.HasPrefix(path, k) && len(k) > len(best) {
			best = k
		}
	}
	if best != "" {
		return best, true
	}
	_, ok := keys["*"]
	return "*", ok
}

// verdict is what the dice decided for one request, computed under the lock
// so the draw order (and thus the outcome) is reproducible.
type verdict struct {
	delay      time.Duration
	status     int // scripted or FailRate status
	retryAfter int
	asDate     bool // Retry-After as an HTTP date
	hang       bool
	hangFor    time.Duration
	garbage    bool
	truncate   bool
	mode       TruncateMode
	loop       bool
	redirect   string
}

func (f *Faults) decide(pattern, path string) (v verdict, any bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if k, ok := bestKey(f.scripted, pattern, path); ok {
		q := f.scripted[k]
		v.status = q[0].status
		if q[0].n--; q[0].n <= 0 {
			q = q[1:]
		}
		if len(q) == 0 {
			delete(f.scripted, k)
		} else {
			f.scripted[k] = q
		}
		if v.status == http.StatusTooManyRequests {
			v.retryAfter = 1
		}
		return v, true
	}
	k, ok := bestKey(f.rules, pattern, path)
	if !ok {
		return v, false
	}
	rule := f.rules[k]
	v.delay = rule.Latency
	if rule.Jitter > 0 {
		v.delay += time.Duration(f.rng.Int64N(int64(rule.Jitter)))
	}
	// Every die is rolled every time so one rule's outcome does not shift
	// the sequence another rule sees.
	fail, hang, garbage, trunc := f.rng.Float64(), f.rng.Float64(), f.rng.Float64(), f.rng.Float64()
	if rule.RateLimit > 0 {
		now := time.Now()
		w := f.windows[k]
		if w == nil || now.Sub(w.start) >= time.Second {
			w = &window{start: now}
			f.windows[k] = w
		}
		w.count++
		if w.count > rule.RateLimit {
			v.status, v.retryAfter = http.StatusTooManyRequests, max(rule.RetryAfter, 1)
			return v, true
		}
	}
	if rule.ThrottleRate > 0 && f.rng.Float64() < rule.ThrottleRate {
		v.status = rule.ThrottleStatus
		if v.status == 0 {
			v.status = http.StatusTooManyRequests
		}
		v.retryAfter, v.asDate = max(rule.RetryAfter, 1), rule.RetryAfterDate
		return v, true
	}
	switch {
	case fail < rule.FailRate:
		v.status = rule.FailStatus
		if v.status == 0 {
			v.status = http.StatusInternalServerError
		}
	case hang < rule.TimeoutRate:
		v.hang, v.hangFor = true, rule.Hang
	case garbage < rule.GarbageRate:
		v.garbage = true
	case trunc < rule.TruncateRate:
		v.truncate, v.mode = true, rule.Truncate
	}
	v.loop = rule.LoopNextLink
	v.redirect = rule.RedirectTo
	return v, true
}

// wrap is the fault middleware for one route. Faults never reach handler
// code, so the handlers stay those of a well-behaved server.
func (f *Faults) wrap(pattern string, closing <-chan struct{}, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, active := f.decide(pattern, r.URL.Path)
		if !active {
			h.ServeHTTP(w, r)
			return
		}
		if v.delay > 0 {
			select {
			case <-time.After(v.delay):
			case <-r.Context().Done():
				panic(http.ErrAbortHandler) // client gave up; nothing to answer
			case <-closing:
				panic(http.ErrAbortHandler)
			}
		}
		switch {
		case v.status != 0:
			injectStatus(w, v.status, v.retryAfter, v.asDate)
		case v.redirect != "":
			w.Header().Set("Location", strings.TrimRight(v.redirect, "/")+r.URL.RequestURI())
			w.WriteHeader(http.StatusTemporaryRedirect)
		case v.hang:
			var timeout <-chan time.Time
			if v.hangFor > 0 {
				timeout = time.After(v.hangFor)
			}
			select {
			case <-r.Context().Done():
				panic(http.ErrAbortHandler) // client gave up; nothing to answer
			case <-closing:
				// Drop the connection: an empty 200 would look like success.
				panic(http.ErrAbortHandler)
			case <-timeout:
				writeOutcome(w, http.StatusGatewayTimeout, "timeout", "injected fault: upstream timed out")
			}
		case v.garbage:
			w.Header().Set("Content-Type", fhirJSON) // lies, as misconfigured proxies do
			w.WriteHeader(http.StatusOK)
			fmt.Fprint(w, "<html><head><title>Service Unavailable</title></head><body><h1>Our systems are undergoing maintenance</h1></body></html>")
		case v.truncate || v.loop:
			rec := &recorder{header: http.Header{}, status: http.StatusOK}
			h.ServeHTTP(rec, r)
			body := rec.body.Bytes()
			if v.loop {
				body = loopNext(body, selfURL(r))
			}
			for k, vs := range rec.header {
				w.Header()[k] = vs
			}
			if v.truncate {
				writeTruncated(w, rec.status, body, v.mode)
				return
			}
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
			w.WriteHeader(rec.status)
			w.Write(body)
		default:
			h.ServeHTTP(w, r)
		}
	})
}

func injectStatus(w http.ResponseWriter, status, retryAfter int, asDate bool) {
	switch {
	case retryAfter > 0 && asDate:
		// Whole seconds, rounded up so the wait is never shorter than asked.
		at := time.Now().Add(time.Duration(retryAfter) * time.Second).Add(time.Second - 1).Truncate(time.Second)
		w.Header().Set("Retry-After", at.UTC().Format(http.TimeFormat))
	case retryAfter > 0:
		w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="sandbox", error="invalid_token"`)
	}
	writeOutcome(w, status, "transient", fmt.Sprintf("injected fault: HTTP %d", status))
}

func writeTruncated(w http.ResponseWriter, status int, body []byte, mode TruncateMode) {
	half := body[:len(body)/2]
	if mode == TruncateHalfJSON {
		w.Header().Set("Content-Length", strconv.Itoa(len(half)))
		w.WriteHeader(status)
		w.Write(half)
		return
	}
	// net/http closes the connection when the handler returns short of the
	// declared length, which is exactly a dropped connection mid-body.
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(half)
	if fl, ok := w.(http.Flusher); ok {
		fl.Flush()
	}
}

// selfURL reconstructs the absolute URL the client asked for.
func selfURL(r *http.Request) string { return "http://" + r.Host + r.URL.RequestURI() }

// loopNext points a searchset's next link at itself; non-Bundle bodies pass
// through untouched.
func loopNext(body []byte, self string) []byte {
	var b map[string]json.RawMessage
	if json.Unmarshal(body, &b) != nil || string(b["resourceType"]) != `"Bundle"` {
		return body
	}
	var links []bundleLink
	json.Unmarshal(b["link"], &links)
	found := false
	for i := range links {
		if links[i].Relation == "next" {
			links[i].URL, found = self, true
		}
	}
	if !found {
		links = append(links, bundleLink{"next", self})
	}
	b["link"], _ = json.Marshal(links)
	out, err := json.Marshal(b)
	if err != nil {
		return body
	}
	return out
}

type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
	wrote  bool
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) Write(b []byte) (int, error) {
	r.wrote = true
	return r.body.Write(b)
}
func (r *recorder) WriteHeader(code int) {
	if !r.wrote {
		r.status, r.wrote = code, true
	}
}

// faultControl is what POST /_sandbox/faults takes.
type faultControl struct {
	Route string `json:"route"`
	Fault Fault  `json:"fault"`
	Reset bool   `json:"reset"`
}

func (s *Server) handleFaultControl(w http.ResponseWriter, r *http.Request) {
	var c faultControl
	dec := json.NewDecoder(io.LimitReader(r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		http.Error(w, "a JSON {route, fault} or {reset: true}: "+err.Error(), http.StatusBadRequest)
		return
	}
	if c.Reset {
		s.faults.Reset()
	} else {
		s.faults.Set(c.Route, c.Fault)
	}
	w.WriteHeader(http.StatusNoContent)
}
