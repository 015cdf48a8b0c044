// Fasten desktop: a family's medical records, gathered into one encrypted
// vault on their own computer.
//
// main only wires things: a CLI command when the arguments name one, the
// window otherwise. No work happens before that choice (wails generate runs
// main with -tags bindings).
package main

import (
	"embed"
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
)

//go:embed all:frontend/dist
var assets embed.FS

func main() {
	// CLI commands and forwarded sign-in redirects end here; what is left
	// opens the window.
	w, open, code := cli.Main(os.Args[1:], os.Stdout, os.Stderr)
	if !open {
		os.Exit(code)
	}
	a := app.New(household.New(w.VaultPath), app.Options{AllowInsecure: w.Developer})
	hooks := app.LifecycleHooks(a)
	if w.InitialLink != "" {
		hooks.DeepLink(w.InitialLink)
	}
	// Later redirects arrive from second processes through this listener.
	if links, err := deeplink.Listen(filepath.Dir(w.VaultPath)); err == nil {
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
			// /doc/<id>: documents' bytes for the PDF renderer and images,
			// same-origin, only while unlocked (app/documents.go).
			Middleware: app.DocumentMiddleware(a),
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
