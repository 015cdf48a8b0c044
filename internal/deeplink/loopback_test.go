package deeplink

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func startLoopback(t *testing.T, state string) *Loopback {
	t.Helper()
	l, err := StartLoopback()
	if err != nil {
		t.Fatal(err)
	}
	l.ExpectState(state)
	t.Cleanup(func() { l.Close() })
	if !strings.HasPrefix(l.RedirectURI(), "http://127.0.0.1:") || !strings.HasSuffix(l.RedirectURI(), "/callback") {
		t.Fatalf("RedirectURI %q", l.RedirectURI())
	}
	return l
}

func get(t *testing.T, u string) (int, http.Header, string) {
	t.Helper()
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(u)
	if err != nil {
		t.Fatalf("GET: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func checkPage(t *testing.T, h http.Header, body, want string) {
	t.Helper()
	if !strings.Contains(body, want) {
		t.Fatalf("page lacks %q:\n%s", want, body)
	}
	if h.Get("Content-Security-Policy") != "default-src 'none'; style-src 'unsafe-inline'" {
		t.Fatalf("CSP %q", h.Get("Content-Security-Policy"))
	}
	if !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
		t.Fatalf("Content-Type %q", h.Get("Content-Type"))
	}
	low := strings.ToLower(body)
	for _, bad := range []string{"<script", "http://", "https://", "<link", "<img", "src="} {
		if strings.Contains(low, bad) {
			t.Fatalf("page contains %q", bad)
		}
	}
	if strings.Contains(body, "SECRET") {
		t.Fatal("page echoes the code")
	}
}

func TestLoopbackSuccessOnce(t *testing.T) {
	l := startLoopback(t, "abc def")
	full := l.RedirectURI() + "?code=SECRETCODE&state=abc%20def&iss=https%3A%2F%2Fx"

	// Other paths and the favicon: 404, nothing delivered.
	base := strings.TrimSuffix(l.RedirectURI(), "/callback")
	for _, p := range []string{"/favicon.ico", "/", "/callback/x", "/CALLBACK"} {
		if code, _, _ := get(t, base+p+"?code=x"); code != http.StatusNotFound {
			t.Fatalf("%s: status %d, want 404", p, code)
		}
	}
	// /callback without code or error: not a sign-in, not consumed.
	if code, _, _ := get(t, l.RedirectURI()); code != http.StatusBadRequest {
		t.Fatalf("bare /callback: %d", code)
	}

	code, h, body := get(t, full)
	if code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	checkPage(t, h, body, "You're signed in — you can close this tab and return to Fasten.")
	select {
	case got := <-l.Results():
		if got != full {
			t.Fatalf("got %q, want %q", got, full)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no result")
	}

	code, h, body = get(t, l.RedirectURI()+"?code=OTHER&state=abc")
	if code == http.StatusOK {
		t.Fatal("second callback accepted")
	}
	checkPage(t, h, body, "This sign-in has already been used.")
	select {
	case got := <-l.Results():
		t.Fatalf("second result delivered: %q", got)
	case <-time.After(100 * time.Millisecond):
	}
}

func TestLoopbackAccessDenied(t *testing.T) {
	l := startLoopback(t, "abc")
	full := l.RedirectURI() + "?error=access_denied&state=abc"
	code, h, body := get(t, full)
	if code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	checkPage(t, h, body, "Nothing was connected. You can close this tab and return to Fasten.")
	if strings.Contains(body, "signed in") {
		t.Fatal("denied page says signed in")
	}
	if got := <-l.Results(); got != full {
		t.Fatalf("got %q", got)
	}
}

func TestLoopbackRejectsOtherHostsAndMethods(t *testing.T) {
	l := startLoopback(t, "s")
	req, _ := http.NewRequest(http.MethodGet, l.RedirectURI()+"?code=1&state=s", nil)
	req.Host = "evil.example:80" // DNS rebinding
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		t.Fatal("foreign Host accepted")
	}
	resp, err = http.Post(l.RedirectURI()+"?code=1&state=s", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("POST: %d", resp.StatusCode)
	}
	select {
	case got := <-l.Results():
		t.Fatalf("delivered %q", got)
	case <-time.After(50 * time.Millisecond):
	}
}

// TestLoopbackOnlyExpectedState: a callback with another state (a forged or
// stale redirect, or a local program guessing) gets 400 and leaves the
// listener waiting; the real redirect then still completes the sign-in.
func TestLoopbackOnlyExpectedState(t *testing.T) {
	l, err := StartLoopback()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	// Before ExpectState nothing matches, not even an empty state.
	for _, q := range []string{"?code=SECRET1&state=", "?code=SECRET1"} {
		if code, _, _ := get(t, l.RedirectURI()+q); code != http.StatusBadRequest {
			t.Fatalf("%s before ExpectState: %d, want 400", q, code)
		}
	}
	l.ExpectState("right-state")
	for _, q := range []string{"?code=SECRET2&state=wrong-state", "?code=SECRET2&state=right-stat", "?code=SECRET2", "?error=access_denied&state=wrong", "?code=SECRET2&state=right-state-x"} {
		code, h, body := get(t, l.RedirectURI()+q)
		if code != http.StatusBadRequest {
			t.Fatalf("%s: status %d, want 400", q, code)
		}
		checkPage(t, h, body, "doesn't match the one Fasten is waiting for")
	}
	select {
	case got := <-l.Results():
		t.Fatalf("a foreign callback was delivered: %q", got)
	case <-time.After(50 * time.Millisecond):
	}
	full := l.RedirectURI() + "?code=SECRET3&state=right-state"
	code, h, body := get(t, full)
	if code != http.StatusOK {
		t.Fatalf("expected state after foreign ones: %d", code)
	}
	checkPage(t, h, body, "You're signed in")
	select {
	case got := <-l.Results():
		if got != full {
			t.Fatalf("got %q", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the expected callback was not delivered")
	}
}

func TestLoopbackClose(t *testing.T) {
	l, err := StartLoopback()
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if _, ok := <-l.Results(); ok {
		t.Fatal("Results not closed")
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Timeout: time.Second}
	if resp, err := c.Get(l.RedirectURI() + "?code=1"); err == nil {
		resp.Body.Close()
		t.Fatal("still serving after Close")
	}
}
