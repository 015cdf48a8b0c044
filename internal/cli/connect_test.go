package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fastenhealth/fasten-desktop/internal/connect"
	"github.com/fastenhealth/fasten-desktop/internal/devtools/sandbox"
	"github.com/fastenhealth/fasten-desktop/internal/vault"
)

// startConnect runs `fasten connect` as a separate process and returns the
// authorization URL it printed, plus a func that waits for it to exit.
func startConnect(t *testing.T, v string, args ...string) (string, func() (int, string)) {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"connect", "--vault", v, "--insecure", "--client-id", "fasten-test", "--timeout", "60s"}, args...)...)
	cmd.Env = append(os.Environ(), "FASTEN_CLI_MAIN=1", "FASTEN_TEST_FAST_KDF=1", pass)
	stdout, _ := cmd.StdoutPipe()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	sc := bufio.NewScanner(stdout)
	authURL := ""
	for sc.Scan() {
		line := sc.Text()
		out.WriteString(line + "\n")
		if strings.HasPrefix(line, "http://") || strings.HasPrefix(line, "https://") {
			authURL = line
			break
		}
	}
	if authURL == "" {
		cmd.Wait()
		t.Fatalf("connect printed no URL:\n%s\n%s", out.String(), stderr.String())
	}
	return authURL, func() (int, string) {
		rest, _ := io.ReadAll(stdout)
		out.Write(rest)
		err := cmd.Wait()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		}
		return code, out.String() + stderr.String()
	}
}

// signIn plays the browser: follows the authorization URL to the sandbox,
// which approves and redirects; the final redirect is returned, not followed.
func signIn(t *testing.T, authURL string) string {
	t.Helper()
	client := &http.Client{CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if req.URL.Scheme != "http" {
			return http.ErrUseLastResponse
		}
		return nil
	}, Timeout: 20 * time.Second}
	resp, err := client.Get(authURL)
	if err != nil {
		// A loopback redirect is followed to our own listener: that is the "browser" arriving.
		t.Fatalf("sign-in: %v", err)
	}
	defer resp.Body.Close()
	return resp.Header.Get("Location")
}

func connections(t *testing.T, v string) []connect.Connection {
	t.Helper()
	r := fasten(t, []string{pass}, "connections", "--vault", v, "--json")
	if r.code != 0 {
		t.Fatalf("connections: %+v", r)
	}
	var list []connect.Connection
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil {
		t.Fatal(err)
	}
	return list
}

func TestConnectByDeepLinkAndLoopback(t *testing.T) {
	srv, err := sandbox.Start(sandbox.Options{FixtureFiles: family(t)[3:4]})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	patient := srv.Patients()[0]
	srv.Close()
	srv, err = sandbox.Start(sandbox.Options{FixtureFiles: family(t), AutoApprovePatient: patient.ID})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()

	dir := t.TempDir()
	v := filepath.Join(dir, "household.fasten")
	if r := fasten(t, []string{pass}, "init", "--vault", v); r.code != 0 {
		t.Fatal(r)
	}

	// 1. Deep link: the OS starts a second `fasten URL` process, which forwards
	// the URL to the waiting connect process.
	authURL, wait := startConnect(t, v, "--person", "Neva", "--fhir-base", srv.FHIRBase, "--name", "Sandbox General")
	for _, want := range []string{"code_challenge_method=S256", "aud=", "state=", "offline_access", "patient%2F%2A.rs"} {
		if !strings.Contains(authURL, want) {
			t.Errorf("authorization URL lacks %q: %s", want, authURL)
		}
	}
	link := signIn(t, authURL)
	if !strings.HasPrefix(link, "org.fastenhealth.desktop:/callback?") {
		t.Fatalf("redirect is not our deep link: %q", link)
	}
	second := exec.Command(os.Args[0], link)
	second.Env = append(os.Environ(), "FASTEN_CLI_MAIN=1", "FASTEN_VAULT="+v)
	if out, err := second.CombinedOutput(); err != nil {
		t.Fatalf("second process: %v %s", err, out)
	}
	code, out := wait()
	if code != 0 || !strings.Contains(out, "Connected") {
		t.Fatalf("connect by deep link: exit %d\n%s", code, out)
	}
	list := connections(t, v)
	if len(list) != 1 || list[0].Status != connect.StatusConnected || list[0].PatientID != patient.ID || list[0].PersonName != "Neva" || list[0].Records != 1 {
		t.Fatalf("connection: %+v", list)
	}

	// A replayed redirect (its state was single-use, and belongs to another
	// sign-in) is ignored, and the connect keeps waiting for its own.
	authURL2, wait2 := startConnect(t, v, "--person", "Neva", "--fhir-base", srv.FHIRBase, "--timeout", "30s")
	replay := exec.Command(os.Args[0], link)
	replay.Env = append(os.Environ(), "FASTEN_CLI_MAIN=1", "FASTEN_VAULT="+v)
	replay.CombinedOutput()
	time.Sleep(200 * time.Millisecond) // let the replay arrive first
	link2 := signIn(t, authURL2)
	real := exec.Command(os.Args[0], link2)
	real.Env = append(os.Environ(), "FASTEN_CLI_MAIN=1", "FASTEN_VAULT="+v)
	if out, err := real.CombinedOutput(); err != nil {
		t.Fatalf("second process: %v %s", err, out)
	}
	if code, out := wait2(); code != 0 || !strings.Contains(out, "ignored") || !strings.Contains(out, "Connected") {
		t.Fatalf("replayed redirect not ignored, or the real one not awaited: exit %d\n%s", code, out)
	}
	if list := connections(t, v); len(list) != 2 {
		t.Fatalf("connections after the replay: %+v", list)
	}

	// With only the replay, the connect gives up after its timeout.
	_, wait3 := startConnect(t, v, "--person", "Neva", "--fhir-base", srv.FHIRBase, "--timeout", "2s")
	replay = exec.Command(os.Args[0], link)
	replay.Env = append(os.Environ(), "FASTEN_CLI_MAIN=1", "FASTEN_VAULT="+v)
	replay.CombinedOutput()
	if code, out := wait3(); code == 0 || !strings.Contains(strings.ToLower(out), "start the connection again") {
		t.Fatalf("replayed redirect accepted or unclear: exit %d\n%s", code, out)
	}

	// 2. Loopback redirect.
	authURL, wait = startConnect(t, v, "--person", "Neva", "--fhir-base", srv.FHIRBase, "--redirect", "loopback")
	if !strings.Contains(authURL, "redirect_uri=http%3A%2F%2F127.0.0.1%3A") {
		t.Fatalf("loopback redirect_uri missing: %s", authURL)
	}
	resp, err := http.Get(authURL) // follows the sandbox's redirect to our loopback listener
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(page), "close this tab") {
		t.Fatalf("loopback page: %s", page)
	}
	if code, out := wait(); code != 0 {
		t.Fatalf("connect by loopback: exit %d\n%s", code, out)
	}
	if list := connections(t, v); len(list) != 3 || list[2].Status != connect.StatusConnected {
		t.Fatalf("connections after loopback: %+v", list)
	}

	// Tokens live only in the vault: not in any other file, not in output.
	vt, err := vault.Open(v, strings.TrimPrefix(pass, "FASTEN_PASSPHRASE="))
	if err != nil {
		t.Fatal(err)
	}
	var access, refresh string
	vt.DB().QueryRow("SELECT access_token, refresh_token FROM connections WHERE id = 1").Scan(&access, &refresh)
	vt.Close()
	if access == "" || refresh == "" {
		t.Fatalf("tokens not stored: access %v refresh %v", access != "", refresh != "")
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		if bytes.Contains(b, []byte(access)) || bytes.Contains(b, []byte(refresh)) {
			t.Errorf("%s contains a token in plaintext", e.Name())
		}
	}
	if strings.Contains(out, access) || strings.Contains(out, refresh) {
		t.Error("a token was printed")
	}

	// Disconnect-free check of refresh: expire access tokens, the next use refreshes.
	_ = context.Background()
}

func TestConnectRefusesBadInput(t *testing.T) {
	dir := t.TempDir()
	v := filepath.Join(dir, "household.fasten")
	fasten(t, []string{pass}, "init", "--vault", v)
	// Plain http without developer mode.
	srv, err := sandbox.Start(sandbox.Options{FixtureFiles: family(t)[:1]})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	r := fasten(t, []string{pass}, "connect", "--vault", v, "--person", "A", "--fhir-base", srv.FHIRBase, "--client-id", "x", "--redirect", "loopback")
	if r.code == 0 || !strings.Contains(strings.ToLower(r.stderr), "https") {
		t.Fatalf("http accepted without --insecure: %+v", r)
	}
	// No client id registered for an unknown server.
	r = fasten(t, []string{pass}, "connect", "--vault", v, "--person", "A", "--fhir-base", "https://fhir.example.org/r4", "--redirect", "loopback")
	if r.code == 0 || !strings.Contains(r.stderr, "client id") {
		t.Fatalf("missing registration: %+v", r)
	}
	// A deep link nobody waits for: the second process says so (here, no window either).
	r = fasten(t, []string{"FASTEN_VAULT=" + v}, "org.fastenhealth.desktop:/callback?code=x&state=y")
	if r.code == 0 || !strings.Contains(r.stderr, "no Fasten is waiting for this sign-in") {
		t.Fatalf("orphan deep link: %+v", r)
	}
	// None of these failures left a member "A" behind.
	if r := fasten(t, []string{pass}, "people", "--vault", v); r.code != 0 || r.stdout != "" {
		t.Fatalf("household after failed connects: %+v", r)
	}
}

// startSandbox runs the test EHR with Neva's record, approving her at once.
func startSandbox(t *testing.T, o sandbox.Options) (*sandbox.Server, sandbox.PatientInfo) {
	t.Helper()
	probe, err := sandbox.Start(sandbox.Options{FixtureFiles: family(t)[3:4]})
	if err != nil {
		t.Fatal(err)
	}
	patient := probe.Patients()[0]
	probe.Close()
	if o.FixtureFiles == nil {
		o.FixtureFiles = family(t)[3:4]
	}
	o.AutoApprovePatient = patient.ID
	srv, err := sandbox.Start(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv, patient
}

// connectLoopback connects person to srv through a loopback redirect and
// returns the connect's exit status and output.
func connectLoopback(t *testing.T, v string, srv *sandbox.Server, person string) (int, string) {
	t.Helper()
	authURL, wait := startConnect(t, v, "--person", person, "--fhir-base", srv.FHIRBase, "--name", "Sandbox General", "--redirect", "loopback")
	if resp, err := http.Get(authURL); err == nil {
		resp.Body.Close()
	}
	return wait()
}

// TestConnectShowsProviderError: the provider answers the authorization
// request with an OAuth error and its own description; the CLI prints its
// plain message and the provider's words, and exits 1.
func TestConnectShowsProviderError(t *testing.T) {
	srv, _ := startSandbox(t, sandbox.Options{})
	v, _ := newVault(t, t.TempDir())
	authURL, wait := startConnect(t, v, "--person", "Neva", "--fhir-base", srv.FHIRBase, "--redirect", "loopback")
	// Play a browser that lost PKCE on the way: the sandbox refuses with
	// invalid_request and says why, back through the loopback redirect.
	u, err := url.Parse(authURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Del("code_challenge")
	u.RawQuery = q.Encode()
	if resp, err := http.Get(u.String()); err == nil {
		resp.Body.Close()
	}
	code, out := wait()
	if code != 1 || !strings.Contains(out, "couldn't complete the sign-in") || !strings.Contains(out, `the provider said: "PKCE with code_challenge_method=S256 is required"`) {
		t.Fatalf("provider error: exit %d\n%s", code, out)
	}
}

// TestFailedConnectLeavesNoEmptyMember: a connect that fails removes the
// household member it created for itself, but never one that was there
// before or that holds records.
func TestFailedConnectLeavesNoEmptyMember(t *testing.T) {
	srv, _ := startSandbox(t, sandbox.Options{})
	v, _ := familyVault(t)
	people := func() string {
		r := fasten(t, []string{pass}, "people", "--vault", v)
		if r.code != 0 {
			t.Fatalf("people: %+v", r)
		}
		return r.stdout
	}
	before := people()

	// The sign-in is refused by the provider.
	authURL, wait := startConnect(t, v, "--person", "Newcomer", "--fhir-base", srv.FHIRBase, "--redirect", "loopback")
	u, _ := url.Parse(authURL)
	q := u.Query()
	q.Set("aud", "https://elsewhere.example/fhir")
	u.RawQuery = q.Encode()
	if resp, err := http.Get(u.String()); err == nil {
		resp.Body.Close()
	}
	if code, out := wait(); code != 1 {
		t.Fatalf("refused sign-in: exit %d\n%s", code, out)
	}
	if after := people(); after != before {
		t.Fatalf("household after a refused sign-in:\n%s\nwas:\n%s", after, before)
	}

	// Nobody signs in before the timeout; an existing member (with records) is kept.
	_, wait = startConnect(t, v, "--person", "Newcomer Two", "--fhir-base", srv.FHIRBase, "--timeout", "1s")
	if code, out := wait(); code != 1 || !strings.Contains(out, "no sign-in came back") {
		t.Fatalf("timed-out connect: exit %d\n%s", code, out)
	}
	var members []struct{ Name string }
	json.Unmarshal([]byte(fasten(t, []string{pass}, "people", "--vault", v, "--json").stdout), &members)
	if len(members) != 5 {
		t.Fatalf("members: %+v", members)
	}
	_, wait = startConnect(t, v, "--person", strings.ToUpper(members[0].Name), "--fhir-base", srv.FHIRBase, "--timeout", "1s")
	if code, _ := wait(); code != 1 {
		t.Fatalf("timed-out connect for Neva: exit %d", code)
	}
	if after := people(); after != before {
		t.Fatalf("household after timed-out connects:\n%s\nwas:\n%s", after, before)
	}

	// A connect that does connect keeps its new member, even before any sync.
	if code, out := connectLoopback(t, v, srv, "Newcomer"); code != 0 {
		t.Fatalf("connect: %d %s", code, out)
	}
	if after := people(); !strings.Contains(after, "Newcomer") {
		t.Fatalf("connected member missing:\n%s", after)
	}
}
