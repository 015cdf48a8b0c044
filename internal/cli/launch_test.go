package cli

import (
	"bytes"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/fastenhealth/fasten-desktop/internal/deeplink"
)

const testLink = "org.fastenhealth.desktop:/callback?code=c0de&state=st4te"

func listen(t *testing.T, dir string) *deeplink.Listener {
	t.Helper()
	l, err := deeplink.Listen(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func received(l *deeplink.Listener) string {
	select {
	case u := <-l.URLs():
		return u
	case <-time.After(300 * time.Millisecond):
		return ""
	}
}

// TestMainDeepLinkParsesNothingElse: after a deep link, --vault and
// --developer (e.g. from a URL the OS split at spaces) are not parsed: the
// link goes to the Fasten waiting beside the default vault, and a window
// opened for it is neither on another vault nor in developer mode.
func TestMainDeepLinkParsesNothingElse(t *testing.T) {
	home, other := t.TempDir(), t.TempDir()
	t.Setenv("FASTEN_VAULT", filepath.Join(home, "household.fasten"))
	t.Setenv("DISPLAY", ":99")
	atHome, atOther := listen(t, home), listen(t, other)

	for _, args := range [][]string{
		{testLink, "--vault", filepath.Join(other, "household.fasten"), "--developer"},
		{testLink, "--vault=" + filepath.Join(other, "household.fasten")},
		{testLink, "stats", "--help"},
	} {
		var stdout, stderr bytes.Buffer
		w, open, code := Main(args, &stdout, &stderr)
		if open || code != 0 {
			t.Fatalf("%q: open %v code %d %s", args, open, code, stderr.String())
		}
		if got := received(atHome); got != testLink {
			t.Fatalf("%q: the Fasten beside the default vault got %q", args, got)
		}
		if got := received(atOther); got != "" {
			t.Fatalf("%q: a smuggled --vault redirected the link to %q", args, got)
		}
		if w != (Window{}) || stdout.Len() != 0 {
			t.Fatalf("%q: window %+v, stdout %q", args, w, stdout.String())
		}
	}

	// Nobody waiting: the window opens on the default vault, not in developer mode.
	atHome.Close()
	w, open, code := Main([]string{testLink, "--vault", filepath.Join(other, "x.fasten"), "--developer"}, &bytes.Buffer{}, &bytes.Buffer{})
	want := Window{VaultPath: filepath.Join(home, "household.fasten"), InitialLink: testLink}
	if !open || code != 0 || w != want {
		t.Fatalf("window for a link: open %v code %d %+v, want %+v", open, code, w, want)
	}
}

// TestMainDeepLinkNoDisplay: a deep link with no Fasten waiting and no
// display says so in plain words and exits 1 (it used to start the window,
// which aborts without a display).
func TestMainDeepLinkNoDisplay(t *testing.T) {
	if runtime.GOOS == "darwin" || runtime.GOOS == "windows" {
		t.Skip("always has a display")
	}
	t.Setenv("FASTEN_VAULT", filepath.Join(t.TempDir(), "household.fasten"))
	t.Setenv("DISPLAY", "")
	t.Setenv("WAYLAND_DISPLAY", "")
	var stdout, stderr bytes.Buffer
	w, open, code := Main([]string{testLink}, &stdout, &stderr)
	if open || code != 1 || w != (Window{}) {
		t.Fatalf("open %v code %d %+v", open, code, w)
	}
	msg := stderr.String()
	if !strings.Contains(msg, "no Fasten is waiting for this sign-in") || !strings.Contains(msg, "no display") || strings.Contains(msg, "goroutine") {
		t.Fatalf("message: %q", msg)
	}
	if strings.Contains(msg, "c0de") {
		t.Fatal("the authorization code was printed")
	}
}

func TestMainWindowAndCommands(t *testing.T) {
	p := filepath.Join(t.TempDir(), "v.fasten")
	w, open, code := Main([]string{"--vault", p, "--developer"}, &bytes.Buffer{}, &bytes.Buffer{})
	if !open || code != 0 || w != (Window{VaultPath: p, Developer: true}) {
		t.Fatalf("window flags: %v %d %+v", open, code, w)
	}
	t.Setenv("FASTEN_VAULT", p)
	if w, open, _ := Main(nil, &bytes.Buffer{}, &bytes.Buffer{}); !open || w != (Window{VaultPath: p}) {
		t.Fatalf("no arguments: %v %+v", open, w)
	}
	var stdout bytes.Buffer
	if _, open, code := Main([]string{"help"}, &stdout, &bytes.Buffer{}); open || code != 0 || !strings.Contains(stdout.String(), "Usage:") {
		t.Fatalf("help: %v %d", open, code)
	}
	if _, open, code := Main([]string{"--frobnicate"}, &bytes.Buffer{}, &bytes.Buffer{}); open || code != 2 {
		t.Fatalf("unknown window flag: %v %d", open, code)
	}
}
