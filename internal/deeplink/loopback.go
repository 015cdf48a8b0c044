package deeplink

import (
	"context"
	"crypto/subtle"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Loopback is a one-shot loopback redirect receiver (RFC 8252 §7.3) for
// authorization servers that refuse private-use schemes. It serves GET
// /callback on 127.0.0.1 at an ephemeral port, and is consumed only by a
// callback carrying the state set with ExpectState: any local program can
// reach the port, and a callback with a foreign state must not use up the
// one result that the real browser redirect is going to deliver.
type Loopback struct {
	srv      *http.Server
	ln       net.Listener
	redirect string
	host     string
	results  chan string

	mu     sync.Mutex
	state  string // expected; "" until ExpectState, and then nothing matches
	used   bool
	closed bool
}

// StartLoopback listens on 127.0.0.1 on an ephemeral port and serves GET
// /callback. Register RedirectURI() with the authorization server.
func StartLoopback() (*Loopback, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("deeplink: %w", err)
	}
	host := "127.0.0.1:" + strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	l := &Loopback{
		ln:       ln,
		host:     host,
		redirect: "http://" + host + "/callback",
		results:  make(chan string, 1),
	}
	l.srv = &http.Server{
		Handler:           http.HandlerFunc(l.serveHTTP),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		IdleTimeout:       30 * time.Second,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          nil,
	}
	go func() { _ = l.srv.Serve(ln) }()
	return l, nil
}

// ExpectState sets the OAuth state the callback must carry. The state is only
// known once the authorization request is built (with RedirectURI in it), so
// it is set after StartLoopback; until then every callback is refused.
func (l *Loopback) ExpectState(state string) {
	l.mu.Lock()
	l.state = state
	l.mu.Unlock()
}

// RedirectURI is "http://127.0.0.1:PORT/callback".
func (l *Loopback) RedirectURI() string { return l.redirect }

// Results delivers the full callback URL (http://127.0.0.1:PORT/callback?…)
// once. It is closed by Close.
func (l *Loopback) Results() <-chan string { return l.results }

// Close stops the server and closes Results.
func (l *Loopback) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	close(l.results)
	l.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := l.srv.Shutdown(ctx); err != nil {
		return l.srv.Close()
	}
	return nil
}

func (l *Loopback) serveHTTP(w http.ResponseWriter, r *http.Request) {
	// Only the browser on this machine, addressing us by the exact host we
	// registered: a DNS-rebinding page names another host.
	if ip, _, err := net.SplitHostPort(r.RemoteAddr); err != nil || !net.ParseIP(ip).IsLoopback() {
		http.Error(w, "Forbidden", http.StatusForbidden)
		return
	}
	if r.Host != l.host {
		http.Error(w, "Misdirected request", http.StatusMisdirectedRequest)
		return
	}
	if r.URL.Path != "/callback" {
		http.NotFound(w, r) // favicon.ico and anything else
		return
	}
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		http.Error(w, "Method not allowed", http.StatusMethodNotAllowed)
		return
	}
	q := r.URL.Query()
	if !q.Has("code") && !q.Has("error") {
		writePage(w, http.StatusBadRequest, pageNotSignIn)
		return
	}

	l.mu.Lock()
	// A callback for another sign-in (or a guess) is refused without being
	// consumed, so the real redirect still gets through. After the one
	// result, every callback is told the sign-in was used.
	if !l.used && !l.closed && !stateMatches(l.state, q.Get("state")) {
		l.mu.Unlock()
		writePage(w, http.StatusBadRequest, pageOtherSignIn)
		return
	}
	first := !l.used && !l.closed
	if first {
		l.used = true
		full := l.redirect
		if r.URL.RawQuery != "" {
			full += "?" + r.URL.RawQuery
		}
		l.results <- full // buffered 1, sent once
	}
	closed := l.closed
	l.mu.Unlock()

	switch {
	case !first && !closed:
		writePage(w, http.StatusConflict, pageUsed)
	case !first:
		writePage(w, http.StatusGone, pageUsed)
	case q.Get("error") == "access_denied":
		writePage(w, http.StatusOK, pageDenied)
	case q.Has("error"):
		writePage(w, http.StatusOK, pageFailed)
	default:
		writePage(w, http.StatusOK, pageSignedIn)
	}
}

// stateMatches compares in constant time; an empty expected state matches
// nothing.
func stateMatches(want, got string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
}

const (
	pageOtherSignIn = "This sign-in doesn't match the one Fasten is waiting for, so it was ignored."
	pageSignedIn    = "You're signed in — you can close this tab and return to Fasten."
	pageDenied      = "Nothing was connected. You can close this tab and return to Fasten."
	pageFailed      = "The sign-in didn't finish. You can close this tab and return to Fasten to see why."
	pageUsed        = "This sign-in has already been used."
	pageNotSignIn   = "This address is only for finishing a sign-in from Fasten."
)

// CSP is the Content-Security-Policy of every loopback page.
const CSP = "default-src 'none'; style-src 'unsafe-inline'"

func writePage(w http.ResponseWriter, status int, message string) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", CSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	// message is one of the constants above: no user input reaches the page.
	_, _ = fmt.Fprintf(w, pageTemplate, message)
}

const pageTemplate = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Fasten</title>
<style>
  :root { color-scheme: light dark; }
  body { margin: 0; min-height: 100vh; display: flex; align-items: center; justify-content: center;
         font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
         background: #f8fafc; color: #0f172a; }
  main { max-width: 28rem; margin: 1.5rem; padding: 2rem 2.25rem; border-radius: 14px;
         background: #fff; box-shadow: 0 2px 12px rgba(15, 23, 42, .08); text-align: center; }
  h1 { margin: 0 0 .75rem; font-size: 1.25rem; color: #0e7490; }
  p { margin: 0; font-size: 1.05rem; }
  @media (prefers-color-scheme: dark) {
    body { background: #0f172a; color: #e2e8f0; }
    main { background: #1e293b; box-shadow: none; }
    h1 { color: #67e8f9; }
  }
</style>
</head>
<body>
<main>
<h1>Fasten</h1>
<p>%s</p>
</main>
</body>
</html>
`
