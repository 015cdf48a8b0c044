// Package version says which Fasten this binary is.
//
// The version is written once, in wails.json (info.productVersion), and
// stamped into the binary at link time by the Makefile and the packaging
// scripts (-ldflags "-X …/internal/version.Version=…"), so `fasten
// --version`, the installers and the window's About text agree. A binary
// built without the stamp (go run, go test) says "dev".
package version

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// Version is the product version from wails.json, set by the linker.
var Version = "dev"

// Product is the name people see.
const Product = "Fasten"

// String is what `fasten --version` prints: the product, its version, the
// commit it was built from when the build recorded one, and the platform.
func String() string {
	s := fmt.Sprintf("%s %s", Product, Version)
	if info, ok := debug.ReadBuildInfo(); ok {
		rev, dirty := "", false
		for _, kv := range info.Settings {
			switch kv.Key {
			case "vcs.revision":
				rev = kv.Value
			case "vcs.modified":
				dirty = kv.Value == "true"
			}
		}
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if rev != "" {
			if dirty {
				rev += "+changes"
			}
			s += " (" + rev + ")"
		}
	}
	return s + " " + runtime.GOOS + "/" + runtime.GOARCH
}
