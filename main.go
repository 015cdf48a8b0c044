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

	"github.com/wailsapp/wails/v2"
	"github.com/wailsapp/wails/v2/pkg/options"
	"github.com/wailsapp/wails/v2/pkg/options/assetserver"
	"github.com/wailsapp/wails/v2/pkg/options/linux"

	"github.com/fastenhealth/fasten-desktop/app"
	"github.com/fastenhealth/fasten-desktop/internal/cli"
	"github.com/fastenhealth/fasten-desktop/internal/household"
	"github.com/fastenhealth/fasten-desktop/internal/vault"
)

//go:embed all:frontend/dist
var assets embed.FS

func main() {
	if len(os.Args) > 1 && cli.IsCommand(os.Args[1]) {
		os.Exit(cli.Run(os.Args[1:], os.Stdout, os.Stderr))
	}
	fs := flag.NewFlagSet("fasten", flag.ContinueOnError)
	vaultPath := fs.String("vault", "", "the vault file (default: $FASTEN_VAULT, else the profile folder)")
	if err := fs.Parse(os.Args[1:]); err != nil {
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
	a := app.New(household.New(path))
	hooks := app.LifecycleHooks(a)
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
		DragAndDrop: &options.DragAndDrop{
			EnableFileDrop:     true,
			DisableWebViewDrop: true,
		},
		SingleInstanceLock: &options.SingleInstanceLock{
			UniqueId:               "org.fastenhealth.desktop",
			OnSecondInstanceLaunch: hooks.SecondInstance,
		},
		Linux: &linux.Options{ProgramName: "fasten"},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "fasten:", err)
		os.Exit(1)
	}
}
