package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"

	"github.com/fastenhealth/fasten-desktop/internal/deeplink"
	"github.com/fastenhealth/fasten-desktop/internal/vault"
)

// Window is what the window needs from the command line.
type Window struct {
	VaultPath   string
	Developer   bool   // SMART servers over plain http allowed
	InitialLink string // a sign-in redirect to finish in the window
}

// ErrNoDisplay: a deep link found no Fasten waiting for it, and there is no
// display to open the window on.
var ErrNoDisplay = errors.New("no Fasten is waiting for this sign-in, and there is no display to open the Fasten window on: start connecting again (in the Fasten window, or with 'fasten connect')")

// Main decides what the fasten binary does with its arguments (os.Args[1:]):
// run a CLI command, hand a sign-in redirect to the Fasten waiting for it,
// or open the window. When the work is done here it returns open == false
// and the exit status; otherwise the window's settings.
//
// A deep link as the first argument comes from the OS, built from a URL that
// a web page chose: nothing after it is parsed, so a link split into
// several arguments cannot smuggle in --vault or --developer. It goes to the
// Fasten waiting beside the default vault ($FASTEN_VAULT, else the profile
// folder), else to a new window on that vault.
func Main(args []string, stdout, stderr io.Writer) (w Window, open bool, code int) {
	if len(args) > 0 && IsCommand(args[0]) {
		return Window{}, false, Run(args, stdout, stderr)
	}
	if len(args) > 0 && deeplink.IsDeepLink(args[0]) {
		return openLink(args[0], stderr)
	}
	fs := flag.NewFlagSet("fasten", flag.ContinueOnError)
	fs.SetOutput(stderr)
	vaultPath := fs.String("vault", "", "the vault file (default: $FASTEN_VAULT, else the profile folder)")
	developer := fs.Bool("developer", false, "developer mode: allow SMART servers over plain http (e.g. fasten-sandbox)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return Window{}, false, 0
		}
		return Window{}, false, 2
	}
	w.VaultPath, w.Developer = *vaultPath, *developer
	if w.VaultPath == "" {
		path, err := vault.DefaultPath()
		if err != nil {
			fmt.Fprintln(stderr, "fasten:", clean(err.Error()))
			return Window{}, false, 1
		}
		w.VaultPath = path
	}
	return w, true, 0
}

func openLink(link string, stderr io.Writer) (Window, bool, int) {
	path, err := vault.DefaultPath()
	if err != nil {
		fmt.Fprintln(stderr, "fasten:", clean(err.Error()))
		return Window{}, false, 1
	}
	err = deeplink.Forward(filepath.Dir(path), link)
	if err == nil {
		return Window{}, false, 0
	}
	if !hasDisplay() {
		// Without a display the window cannot start (GTK would abort with a
		// trace): say what happened instead.
		if errors.Is(err, deeplink.ErrNoListener) {
			err = ErrNoDisplay
		}
		fmt.Fprintln(stderr, "fasten:", clean(err.Error()))
		return Window{}, false, 1
	}
	return Window{VaultPath: path, InitialLink: link}, true, 0
}

// forwardDeepLink hands a sign-in redirect to the Fasten (window or `fasten
// connect`) waiting for it beside the vault named by FASTEN_VAULT or the
// default location.
func forwardDeepLink(u string) error {
	path, err := vault.DefaultPath()
	if err != nil {
		return err
	}
	if err := deeplink.Forward(filepath.Dir(path), u); err != nil {
		if errors.Is(err, deeplink.ErrNoListener) {
			return errors.New("no Fasten is waiting for this sign-in: start the connection again from Fasten")
		}
		return err
	}
	return nil
}

// hasDisplay reports whether a window can be shown. macOS and Windows
// always have one; elsewhere GTK needs an X11 or Wayland display.
func hasDisplay() bool {
	switch runtime.GOOS {
	case "darwin", "windows":
		return true
	}
	return os.Getenv("DISPLAY") != "" || os.Getenv("WAYLAND_DISPLAY") != ""
}
