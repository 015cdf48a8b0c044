package deeplink

import (
	"bufio"
	"encoding/json"
	"errors"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const testURL = "org.fastenhealth.desktop:/callback?code=SECRETCODE123&state=st4te"

func listen(t *testing.T) (*Listener, string) {
	t.Helper()
	dir := t.TempDir()
	l, err := Listen(dir)
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	t.Cleanup(func() { l.Close() })
	return l, dir
}

func recv(t *testing.T, l *Listener) string {
	t.Helper()
	select {
	case u := <-l.URLs():
		return u
	case <-time.After(5 * time.Second):
		t.Fatal("no URL delivered")
		return ""
	}
}

func expectNothing(t *testing.T, l *Listener) {
	t.Helper()
	select {
	case u := <-l.URLs():
		t.Fatalf("unexpected URL delivered (%d bytes)", len(u))
	case <-time.After(100 * time.Millisecond):
	}
}

func readRV(t *testing.T, dir string) rendezvous {
	t.Helper()
	rv, err := readRendezvous(dir)
	if err != nil {
		t.Fatalf("read %s: %v", FileName, err)
	}
	return rv
}

func noSecret(t *testing.T, err error) {
	t.Helper()
	if err != nil && strings.Contains(err.Error(), "SECRETCODE") {
		t.Fatalf("error leaks the code: %v", err)
	}
}

func TestRoundTrip(t *testing.T) {
	l, dir := listen(t)
	for _, u := range []string{testURL, "org.fastenhealth.desktop://callback?code=a%26b&state=%3Cx%3E"} {
		if err := Forward(dir, u); err != nil {
			t.Fatalf("Forward: %v", err)
		}
		if got := recv(t, l); got != u {
			t.Fatalf("got %q, want %q", got, u)
		}
	}
}

func TestRendezvousFile(t *testing.T) {
	l, dir := listen(t)
	p := filepath.Join(dir, FileName)
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want 0600", st.Mode().Perm())
	}
	var raw map[string]any
	b, _ := os.ReadFile(p)
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"port", "token", "pid"} {
		if _, ok := raw[k]; !ok {
			t.Fatalf("%s lacks %q: %s", FileName, k, b)
		}
	}
	rv := readRV(t, dir)
	if rv.PID != os.Getpid() || rv.Port != l.ln.Addr().(*net.TCPAddr).Port {
		t.Fatalf("rendezvous %+v", rv)
	}
	if tok, err := b64(rv.Token); err != nil || len(tok) != 32 {
		t.Fatalf("token is not 32 bytes base64url: %v", err)
	}
	// No temporary files left behind.
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if e.Name() != FileName {
			t.Fatalf("stray file %s", e.Name())
		}
	}
}

func TestCloseRemovesFile(t *testing.T) {
	dir := t.TempDir()
	l, err := Listen(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, FileName)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("%s still there: %v", FileName, err)
	}
	if _, ok := <-l.URLs(); ok {
		t.Fatal("URLs not closed")
	}
	if err := l.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if err := Forward(dir, testURL); !errors.Is(err, ErrNoListener) {
		t.Fatalf("Forward after Close = %v, want ErrNoListener", err)
	}
}

func TestCloseKeepsSomeoneElsesFile(t *testing.T) {
	dir := t.TempDir()
	l, err := Listen(dir)
	if err != nil {
		t.Fatal(err)
	}
	other := rendezvous{Port: 1, Token: "someone-else", PID: 1}
	if err := writeRendezvous(dir, other); err != nil {
		t.Fatal(err)
	}
	l.Close()
	if rv := readRV(t, dir); rv.Token != "someone-else" {
		t.Fatal("Close removed or changed a file it did not own")
	}
}

func TestBusy(t *testing.T) {
	_, dir := listen(t)
	if l2, err := Listen(dir); !errors.Is(err, ErrBusy) {
		if l2 != nil {
			l2.Close()
		}
		t.Fatalf("second Listen = %v, want ErrBusy", err)
	}
}

func TestConcurrentListen(t *testing.T) {
	dir := t.TempDir()
	var wg sync.WaitGroup
	res := make(chan error, 4)
	lns := make(chan *Listener, 4)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l, err := Listen(dir)
			if l != nil {
				lns <- l
			}
			res <- err
		}()
	}
	wg.Wait()
	close(res)
	close(lns)
	ok := 0
	for err := range res {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, ErrBusy):
			t.Errorf("Listen: %v", err)
		}
	}
	for l := range lns {
		defer l.Close()
	}
	if ok != 1 {
		t.Fatalf("%d listeners won, want 1", ok)
	}
}

func TestStaleFile(t *testing.T) {
	dir := t.TempDir()
	// A port that nothing listens on any more.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	if err := writeRendezvous(dir, rendezvous{Port: dead, Token: "stale", PID: 999999}); err != nil {
		t.Fatal(err)
	}
	err = Forward(dir, testURL)
	if !errors.Is(err, ErrNoListener) {
		t.Fatalf("Forward to stale file = %v, want ErrNoListener", err)
	}
	noSecret(t, err)

	l, err := Listen(dir)
	if err != nil {
		t.Fatalf("Listen over stale file: %v", err)
	}
	defer l.Close()
	if readRV(t, dir).Token == "stale" {
		t.Fatal("stale file not replaced")
	}
	if err := Forward(dir, testURL); err != nil {
		t.Fatalf("Forward after takeover: %v", err)
	}
	if recv(t, l) != testURL {
		t.Fatal("wrong URL")
	}
}

func TestNoFile(t *testing.T) {
	dir := t.TempDir()
	if err := Forward(dir, testURL); !errors.Is(err, ErrNoListener) {
		t.Fatalf("Forward = %v, want ErrNoListener", err)
	}
	if err := os.WriteFile(filepath.Join(dir, FileName), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Forward(dir, testURL); !errors.Is(err, ErrNoListener) {
		t.Fatalf("Forward with garbage file = %v, want ErrNoListener", err)
	}
	l, err := Listen(dir) // garbage is stale too
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
}

// An impostor holding the port of a stale file (another program, maybe
// another user's) must never receive the URL.
func TestImpostorGetsNothing(t *testing.T) {
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan string, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(3 * time.Second))
		br := bufio.NewReader(c)
		line, _ := br.ReadString('\n')
		c.Write([]byte(`{"proof":"forged"}` + "\n"))
		rest, _ := br.ReadString('\n')
		got <- line + rest
	}()
	if err := writeRendezvous(dir, rendezvous{Port: ln.Addr().(*net.TCPAddr).Port, Token: "tok", PID: 1}); err != nil {
		t.Fatal(err)
	}
	err = Forward(dir, testURL)
	if !errors.Is(err, ErrNoListener) {
		t.Fatalf("Forward to impostor = %v, want ErrNoListener", err)
	}
	noSecret(t, err)
	select {
	case s := <-got:
		if strings.Contains(s, "SECRETCODE") || strings.Contains(s, `"tok"`) {
			t.Fatalf("impostor received %q", s)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("impostor never contacted")
	}
}

// rawSend speaks the protocol with an arbitrary token and URL and returns the
// listener's reply ("" when the connection was dropped).
func rawSend(t *testing.T, dir, token, u string) string {
	t.Helper()
	rv := readRV(t, dir)
	c, br, err := handshake(rv, time.Second, 3*time.Second)
	if err != nil {
		t.Fatalf("handshake: %v", err)
	}
	defer c.Close()
	if err := writeJSONLine(c, request{Token: token, URL: u}); err != nil {
		t.Fatal(err)
	}
	reply, _ := readLine(br, 64)
	return string(reply)
}

func TestWrongTokenRejected(t *testing.T) {
	l, dir := listen(t)
	rv := readRV(t, dir)
	for _, tok := range []string{"", "wrong", rv.Token[:len(rv.Token)-1], rv.Token + "x", strings.ToUpper(rv.Token)} {
		if tok == rv.Token {
			continue
		}
		if r := rawSend(t, dir, tok, testURL); r != "" {
			t.Fatalf("token %q: reply %q, want dropped", tok, r)
		}
	}
	expectNothing(t, l)
	if r := rawSend(t, dir, rv.Token, testURL); r != "ok" {
		t.Fatalf("right token: reply %q", r)
	}
	recv(t, l)
}

func TestNotDeepLinkRejected(t *testing.T) {
	l, dir := listen(t)
	rv := readRV(t, dir)
	for _, u := range []string{"https://evil.example/callback?code=1", "", "file:///etc/passwd", "org.fastenhealth.desktop:/x\n"} {
		if r := rawSend(t, dir, rv.Token, u); r != "rejected" {
			t.Fatalf("url %q: reply %q, want rejected", u, r)
		}
	}
	expectNothing(t, l)
	if err := Forward(dir, "https://evil.example/"); !errors.Is(err, ErrNotDeepLink) {
		t.Fatalf("Forward(non deep link) = %v", err)
	}
}

func TestMalformedConnections(t *testing.T) {
	l, dir := listen(t)
	rv := readRV(t, dir)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(rv.Port))
	inputs := []string{
		"",
		"garbage\n",
		`{"hello":"short"}` + "\n",
		`{"token":"` + rv.Token + `","url":"` + testURL + `"}` + "\n", // no hello
		strings.Repeat("A", 3*maxLine),                                // no newline, too long
		strings.Repeat("A", 3*maxLine) + "\n",
		"\x00\xff\xfe\n\n\n",
	}
	for _, in := range inputs {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(3 * time.Second))
		c.Write([]byte(in))
		c.(*net.TCPConn).CloseWrite()
		b := make([]byte, 16)
		n, _ := c.Read(b)
		c.Close()
		if n != 0 {
			t.Fatalf("input %.20q answered %q", in, b[:n])
		}
	}
	// Oversized request line after a valid hello.
	c, br, err := handshake(rv, time.Second, 3*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c.Write([]byte(`{"token":"` + rv.Token + `","url":"` + testURL + strings.Repeat("a", maxLine) + `"}` + "\n"))
	if r, _ := readLine(br, 64); len(r) != 0 {
		t.Fatalf("oversized request answered %q", r)
	}
	c.Close()
	expectNothing(t, l)
	// Still works.
	if err := Forward(dir, testURL); err != nil {
		t.Fatal(err)
	}
	recv(t, l)
}

func TestPingDoesNotDeliver(t *testing.T) {
	l, dir := listen(t)
	if err := ping(readRV(t, dir)); err != nil {
		t.Fatalf("ping: %v", err)
	}
	expectNothing(t, l)
}

func TestParseRequest(t *testing.T) {
	const tok = "tok"
	line := func(v any) []byte { b, _ := json.Marshal(v); return b }
	if u, err := parseRequest(line(request{tok, testURL}), tok); err != nil || u != testURL {
		t.Fatalf("valid: %q %v", u, err)
	}
	if _, err := parseRequest(line(request{"bad", testURL}), tok); !errors.Is(err, errBadToken) {
		t.Fatalf("bad token: %v", err)
	}
	if _, err := parseRequest(line(request{tok, testURL}), ""); !errors.Is(err, errBadToken) {
		t.Fatalf("empty expected token must never match: %v", err)
	}
	if _, err := parseRequest(line(request{tok, "https://x/"}), tok); !errors.Is(err, ErrNotDeepLink) {
		t.Fatalf("not deep link: %v", err)
	}
	if _, err := parseRequest([]byte(`{"token":"tok","url":`), tok); !errors.Is(err, errBadRequest) {
		t.Fatalf("truncated: %v", err)
	}
	_, err := parseRequest(line(request{"bad", testURL}), tok)
	noSecret(t, err)
}

func FuzzParseRequest(f *testing.F) {
	const tok = "Zm9vYmFyYmF6cXV4cXV1eA"
	f.Add([]byte(`{"token":"` + tok + `","url":"` + testURL + `"}`))
	f.Add([]byte(`{"token":"` + tok + `","url":"https://x"}`))
	f.Add([]byte(`{"token":1,"url":[]}`))
	f.Add([]byte(`{"hello":"AAAAAAAAAAAAAAAAAAAAAA"}`))
	f.Add([]byte(`null`))
	f.Add([]byte("\xff\x00{"))
	f.Fuzz(func(t *testing.T, line []byte) {
		u, err := parseRequest(line, tok)
		if err == nil && !IsDeepLink(u) {
			t.Fatalf("accepted non deep link %q", u)
		}
		if err != nil && u != "" {
			t.Fatal("URL returned with an error")
		}
		if n, err := parseHello(line); err == nil && (len(n) < 16 || len(n) > 64) {
			t.Fatalf("nonce of %d bytes", len(n))
		}
		br := bufio.NewReader(strings.NewReader(string(line)))
		if b, err := readLine(br, 64); err == nil && len(b) > 64 {
			t.Fatal("readLine exceeded its limit")
		}
	})
}
