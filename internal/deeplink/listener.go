package deeplink

// Wire protocol (one connection per URL, TCP on 127.0.0.1, lines end in "\n",
// each at most maxLine bytes):
//
//	client → {"hello":"<nonce, 32 random bytes base64url>"}
//	server → {"proof":"<base64url HMAC-SHA256(token, proofLabel+nonce)>"}
//	client → {"token":"<token>","url":"<deep link>"}
//	server → ok            (or "rejected" for a URL that is not a deep link)
//
// The proof step makes the listener show that it knows the token before the
// client reveals the URL (which carries an OAuth code). Without it a stale
// deeplink.json whose port has been taken by another local program (possibly
// another user's) would hand that program the code. A ping is the first two
// lines only. A wrong token is dropped without a reply.

import (
	"bufio"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"time"
)

// FileName is the rendezvous file Listen writes in the config folder.
const FileName = "deeplink.json"

const (
	lockName     = "deeplink.lock"
	maxLine      = 8 * 1024
	proofLabel   = "fasten-deeplink-proof-v1\x00"
	dialTimeout  = 2 * time.Second
	connTimeout  = 5 * time.Second // whole exchange, both sides
	pingTimeout  = 1 * time.Second
	lockWait     = 5 * time.Second
	lockStale    = 10 * time.Second
	urlQueueSize = 8
)

var (
	// ErrBusy: a live listener already owns deeplink.json in that folder.
	ErrBusy = errors.New("deeplink: another Fasten instance is already listening")
	// ErrNoListener: no deeplink.json, or nothing that knows its token answers.
	ErrNoListener = errors.New("deeplink: no running Fasten instance to forward to")
	// ErrRejected: the listener refused the URL.
	ErrRejected = errors.New("deeplink: the running Fasten instance refused the link")
	// ErrNotDeepLink: Forward was given something IsDeepLink rejects.
	ErrNotDeepLink = errors.New("deeplink: not a " + Scheme + " link")

	errLineTooLong = errors.New("deeplink: line too long")
	errBadRequest  = errors.New("deeplink: malformed request")
	errBadToken    = errors.New("deeplink: wrong token")
)

type rendezvous struct {
	Port  int    `json:"port"`
	Token string `json:"token"`
	PID   int    `json:"pid"`
}

// Listener receives deep links forwarded by second processes.
type Listener struct {
	dir   string
	token string
	ln    net.Listener
	urls  chan string
	done  chan struct{}
	wg    sync.WaitGroup
	once  sync.Once
}

// Listen starts a listener on 127.0.0.1:0 and publishes its port and a fresh
// token in dir/deeplink.json (0600, written atomically). dir is the user's
// Fasten config folder; it is created (0700) if missing. If a live listener
// already owns the file, Listen returns ErrBusy; a stale file is replaced.
func Listen(dir string) (*Listener, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("deeplink: %w", err)
	}
	unlock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	defer unlock()

	if rv, err := readRendezvous(dir); err == nil && ping(rv) == nil {
		return nil, ErrBusy
	}

	tok := make([]byte, 32)
	if _, err := rand.Read(tok); err != nil {
		return nil, fmt.Errorf("deeplink: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("deeplink: %w", err)
	}
	l := &Listener{
		dir:   dir,
		token: base64.RawURLEncoding.EncodeToString(tok),
		ln:    ln,
		urls:  make(chan string, urlQueueSize),
		done:  make(chan struct{}),
	}
	rv := rendezvous{Port: ln.Addr().(*net.TCPAddr).Port, Token: l.token, PID: os.Getpid()}
	if err := writeRendezvous(dir, rv); err != nil {
		ln.Close()
		return nil, err
	}
	l.wg.Add(1)
	go l.serve()
	return l, nil
}

// URLs delivers each forwarded URL (already checked with IsDeepLink). It is
// closed by Close.
func (l *Listener) URLs() <-chan string { return l.urls }

// Close stops the listener, waits for open connections, closes URLs and
// removes deeplink.json if it still names this listener.
func (l *Listener) Close() error {
	var err error
	l.once.Do(func() {
		close(l.done)
		err = l.ln.Close()
		l.wg.Wait()
		close(l.urls)
		unlock, lerr := lockDir(l.dir)
		if lerr == nil {
			defer unlock()
		}
		if rv, rerr := readRendezvous(l.dir); rerr == nil && tokensEqual(rv.Token, l.token) {
			if rmErr := os.Remove(filepath.Join(l.dir, FileName)); rmErr != nil && !errors.Is(rmErr, os.ErrNotExist) && err == nil {
				err = fmt.Errorf("deeplink: %w", rmErr)
			}
		}
	})
	return err
}

func (l *Listener) serve() {
	defer l.wg.Done()
	for {
		c, err := l.ln.Accept()
		if err != nil {
			select {
			case <-l.done:
				return
			default:
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			// A listener that cannot accept is unusable; back off rather than spin.
			time.Sleep(50 * time.Millisecond)
			continue
		}
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			l.handle(c)
		}()
	}
}

func (l *Listener) handle(c net.Conn) {
	defer c.Close()
	if a, ok := c.RemoteAddr().(*net.TCPAddr); !ok || !a.IP.IsLoopback() {
		return
	}
	deadline := time.Now().Add(connTimeout)
	_ = c.SetDeadline(deadline)
	// Stop the connection with the listener.
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		select {
		case <-l.done:
			_ = c.SetDeadline(time.Unix(1, 0))
		case <-stop:
		}
	}()

	br := bufio.NewReaderSize(io.LimitReader(c, 2*maxLine+2), 1024)
	line, err := readLine(br, maxLine)
	if err != nil {
		return
	}
	nonce, err := parseHello(line)
	if err != nil {
		return
	}
	if err := writeJSONLine(c, map[string]string{"proof": proof(l.token, nonce)}); err != nil {
		return
	}
	line, err = readLine(br, maxLine)
	if err != nil {
		return // a ping ends here
	}
	u, err := parseRequest(line, l.token)
	switch {
	case errors.Is(err, errBadToken), errors.Is(err, errBadRequest):
		return
	case err != nil:
		_, _ = io.WriteString(c, "rejected\n")
		return
	}
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	select {
	case l.urls <- u:
		_, _ = io.WriteString(c, "ok\n")
	case <-l.done:
	case <-timer.C:
	}
}

// Forward hands url to the listener that owns dir/deeplink.json. It returns
// ErrNoListener when there is no file or nothing that knows its token
// answers (the caller then opens the window itself, queuing the URL),
// ErrRejected when the listener refuses the URL, ErrNotDeepLink when url is
// not one of ours. Errors never contain the URL.
func Forward(dir, url string) error {
	if !IsDeepLink(url) {
		return ErrNotDeepLink
	}
	rv, err := readRendezvous(dir)
	if err != nil {
		return ErrNoListener
	}
	c, br, err := handshake(rv, dialTimeout, connTimeout)
	if err != nil {
		return ErrNoListener
	}
	defer c.Close()
	if err := writeJSONLine(c, request{Token: rv.Token, URL: url}); err != nil {
		return ErrRejected
	}
	reply, err := readLine(br, 64)
	if err != nil || string(reply) != "ok" {
		return ErrRejected
	}
	return nil
}

// handshake connects to the listener named by rv and checks its proof of the
// token. The returned connection is ready for a request line.
func handshake(rv rendezvous, dial, total time.Duration) (net.Conn, *bufio.Reader, error) {
	c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(rv.Port)), dial)
	if err != nil {
		return nil, nil, err
	}
	_ = c.SetDeadline(time.Now().Add(total))
	nonce := make([]byte, 32)
	if _, err := rand.Read(nonce); err != nil {
		c.Close()
		return nil, nil, err
	}
	if err := writeJSONLine(c, map[string]string{"hello": base64.RawURLEncoding.EncodeToString(nonce)}); err != nil {
		c.Close()
		return nil, nil, err
	}
	br := bufio.NewReaderSize(io.LimitReader(c, maxLine+64), 512)
	line, err := readLine(br, 512)
	if err != nil {
		c.Close()
		return nil, nil, err
	}
	var resp struct {
		Proof string `json:"proof"`
	}
	if json.Unmarshal(line, &resp) != nil || !hmac.Equal([]byte(resp.Proof), []byte(proof(rv.Token, nonce))) {
		c.Close()
		return nil, nil, errors.New("deeplink: listener did not prove the token")
	}
	return c, br, nil
}

// ping reports whether a live listener that knows rv.Token answers on rv.Port.
func ping(rv rendezvous) error {
	c, _, err := handshake(rv, pingTimeout, pingTimeout)
	if err != nil {
		return err
	}
	return c.Close()
}

func proof(token string, nonce []byte) string {
	m := hmac.New(sha256.New, []byte(token))
	m.Write([]byte(proofLabel))
	m.Write(nonce)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

type request struct {
	Token string `json:"token"`
	URL   string `json:"url"`
}

// parseHello extracts the client's nonce (16 to 64 bytes).
func parseHello(line []byte) ([]byte, error) {
	if len(line) > maxLine {
		return nil, errBadRequest
	}
	var h struct {
		Hello string `json:"hello"`
	}
	if err := json.Unmarshal(line, &h); err != nil {
		return nil, errBadRequest
	}
	n, err := base64.RawURLEncoding.DecodeString(h.Hello)
	if err != nil || len(n) < 16 || len(n) > 64 {
		return nil, errBadRequest
	}
	return n, nil
}

// parseRequest checks a request line against token and returns its URL. The
// token is compared in constant time. Errors never contain the URL.
func parseRequest(line []byte, token string) (string, error) {
	if len(line) > maxLine {
		return "", errBadRequest
	}
	var r request
	if err := json.Unmarshal(line, &r); err != nil {
		return "", errBadRequest
	}
	if token == "" || !tokensEqual(r.Token, token) {
		return "", errBadToken
	}
	if !IsDeepLink(r.URL) {
		return "", ErrNotDeepLink
	}
	return r.URL, nil
}

func tokensEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// readLine reads up to "\n" (not included), failing past max bytes.
func readLine(br *bufio.Reader, max int) ([]byte, error) {
	var buf []byte
	for {
		b, err := br.ReadByte()
		if err != nil {
			return nil, err
		}
		if b == '\n' {
			return buf, nil
		}
		if len(buf) >= max {
			return nil, errLineTooLong
		}
		buf = append(buf, b)
	}
}

func writeJSONLine(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if len(b) >= maxLine {
		return errLineTooLong
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

func readRendezvous(dir string) (rendezvous, error) {
	var rv rendezvous
	b, err := os.ReadFile(filepath.Join(dir, FileName))
	if err != nil {
		return rv, err
	}
	if len(b) > 4096 {
		return rv, errBadRequest
	}
	if err := json.Unmarshal(b, &rv); err != nil {
		return rv, err
	}
	if rv.Port <= 0 || rv.Port > 65535 || rv.Token == "" {
		return rv, errBadRequest
	}
	return rv, nil
}

// writeRendezvous writes dir/deeplink.json with 0600 permissions through a
// temporary file and a rename.
func writeRendezvous(dir string, rv rendezvous) error {
	b, err := json.Marshal(rv)
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".deeplink-*.tmp")
	if err != nil {
		return fmt.Errorf("deeplink: %w", err)
	}
	tmp := f.Name()
	fail := func(err error) error {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("deeplink: %w", err)
	}
	// CreateTemp already uses 0600; be explicit. Windows has no Unix
	// permissions (the file lives in the user's own profile folder).
	if err := f.Chmod(0o600); err != nil && runtime.GOOS != "windows" {
		return fail(err)
	}
	if _, err := f.Write(b); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("deeplink: %w", err)
	}
	// On Windows a rename over a file that Forward is reading at that moment
	// fails with a sharing violation: retry briefly.
	var rerr error
	for i := 0; i < 20; i++ {
		if rerr = os.Rename(tmp, filepath.Join(dir, FileName)); rerr == nil || runtime.GOOS != "windows" {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if rerr != nil {
		os.Remove(tmp)
		return fmt.Errorf("deeplink: %w", rerr)
	}
	return nil
}

// lockDir serialises Listen and Close across processes with an O_EXCL lock
// file, so two instances starting together cannot both claim deeplink.json.
// The lock is held only for a check and a write; one older than lockStale is
// left over from a crash and is broken.
func lockDir(dir string) (unlock func(), err error) {
	p := filepath.Join(dir, lockName)
	deadline := time.Now().Add(lockWait)
	for {
		f, err := os.OpenFile(p, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err == nil {
			f.Close()
			return func() { os.Remove(p) }, nil
		}
		if !errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("deeplink: %w", err)
		}
		if st, serr := os.Stat(p); serr == nil && time.Since(st.ModTime()) > lockStale {
			os.Remove(p)
			continue
		}
		if time.Now().After(deadline) {
			return nil, errors.New("deeplink: timed out waiting for " + lockName)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
