package session

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Only a session builds the services over an unlocked vault's database: the
// façade, the CLI, the household and the tools ask a session for them, so
// there is one store, one connection service and one sync engine per unlock.
func TestOnlySessionBuildsServices(t *testing.T) {
	root := filepath.Join("..", "..")
	ctor := regexp.MustCompile(`\b(records|connect|providersync)\.New\(`)
	seen := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || d.Name() == "frontend" || strings.HasPrefix(d.Name(), ".")) && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range ctor.FindAllIndex(src, -1) {
			seen++
			if filepath.ToSlash(filepath.Dir(path)) != "internal/session" && !strings.HasSuffix(filepath.ToSlash(filepath.Dir(path)), "/internal/session") {
				line := 1 + strings.Count(string(src[:m[0]]), "\n")
				t.Errorf("%s:%d builds %s outside internal/session", path, line, src[m[0]:m[1]-1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen == 0 {
		t.Fatal("the scan found no constructor at all: it is not reading the sources")
	}
}
