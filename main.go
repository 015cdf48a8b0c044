// Fasten desktop: a family's medical records, gathered into one encrypted
// vault on their own computer.
//
// main only wires things: a CLI command when the arguments name one, the
// window otherwise. No work happens before that choice (wails generate runs
// main with -tags bindings).
package main

import (
	"embed"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/wailsapp/wails/v2"
	"github.com/wailsapp/wails/v2/pkg/options"
	"github.com/wailsapp/wails/v2/pkg/options/assetserver"
	"github.com/wailsapp/wails/v2/pkg/options/linux"
	"github.com/wailsapp/wails/v2/pkg/options/mac"

	"github.com/fastenhealth/fasten-desktop/app"
	"github.com/fastenhealth/fasten-desktop/internal/cli"
	"github.com/fastenhealth/fasten-desktop/internal/deeplink"
	"github.com/fastenhealth/fasten-desktop/internal/household"
	"github.com/fastenhealth/fasten-desktop/internal/vault"
)

//go:embed all:frontend/dist
var assets embed.FS

func main() {
	if len(os.Args) > 1 && cli.IsCommand(os.Args[1]) {
		os.Exit(cli.Run(os.Args[1:], os.Stdout, os.Stderr))
	}
	// A sign-in redirect handed over by the OS: forward it to the Fasten that
	// is waiting (the window or a `fasten connect`), else open the window with it.
	var initialLink string
	args := os.Args[1:]
	if len(args) > 0 && deeplink.IsDeepLink(args[0]) {
		initialLink, args = args[0], args[1:]
	}
	fs := flag.NewFlagSet("fasten", flag.ContinueOnError)
	vaultPath := fs.String("vault", "", "the vault file (default: $FASTEN_VAULT, else the profile folder)")
	developer := fs.Bool("developer", false, "developer mode: allow SMART servers over plain http (e.g. fasten sandbox)")
	if err := fs.Parse(args); err != nil {
		os.Exit(2)
	}
	path := *vaultPath
	if path == "" {
		var err error
		if path, err = vault.DefaultPath(); err != nil {
			fmt.Fprintln(os.Stderr, "fasten:", err)
			os.Exit(1)
		}
	}
	if initialLink != "" && *vaultPath == "" {
		if err := cli.ForwardDeepLink(initialLink); err == nil {
			return
		}
	} else if initialLink != "" {
		if err := deeplink.Forward(filepath.Dir(path), initialLink); err == nil {
			return
		}
	}
	a := app.New(household.New(path), app.Options{AllowInsecure: *developer})
	hooks := app.LifecycleHooks(a)
	if initialLink != "" {
		hooks.DeepLink(initialLink)
	}
	// Later redirects arrive from second processes through this listener.
	if links, err := deeplink.Listen(filepath.Dir(path)); err == nil {
		defer links.Close()
		go func() {
			for u := range links.URLs() {
				hooks.DeepLink(u)
			}
		}()
	} else {
		fmt.Fprintln(os.Stderr, "fasten: sign-in redirects will not reach this window:", err)
	}
	err := wails.Run(&options.App{
		Title:     "Fasten",
		Width:     1200,
		Height:    820,
		MinWidth:  800,
		MinHeight: 560,
		AssetServer: &assetserver.Options{
			Assets: assets,
		},
		BackgroundColour: &options.RGBA{R: 248, G: 250, B: 252, A: 255},
		OnStartup:        hooks.Startup,
		OnShutdown:       hooks.Shutdown,
		Bind:             []any{a},
		// The page sees Go's statuses and error kinds as TypeScript enums,
		// and every error as {kind, message} (app/errors.go).
		EnumBind:       app.Enums,
		ErrorFormatter: app.FormatError,
		DragAndDrop: &options.DragAndDrop{
			EnableFileDrop:     true,
			DisableWebViewDrop: true,
		},
		SingleInstanceLock: &options.SingleInstanceLock{
			UniqueId:               "org.fastenhealth.desktop",
			OnSecondInstanceLaunch: hooks.SecondInstance,
		},
		Linux: &linux.Options{ProgramName: "fasten"},
		Mac:   &mac.Options{OnUrlOpen: hooks.DeepLink},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "fasten:", err)
		os.Exit(1)
	}
}
