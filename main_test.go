package main

import (
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// The installed app contains no development tools: neither the binary nor
// any package it links may import internal/devtools (the loopback sandbox,
// the benchmark command).
func TestAppDoesNotLinkDevtools(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-tags", "webkit2_41 sqlite_fts5 sqlite_json", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if strings.Contains(pkg, "/internal/devtools") {
			t.Errorf("the app links %s", pkg)
		}
	}
}

// The page the app ships (embedded from frontend/dist by `make build`) keeps
// the strict policy: no localhost sources, which only `wails dev` needs.
func TestShippedPageCSP(t *testing.T) {
	page, err := assets.ReadFile("frontend/dist/index.html")
	if err != nil {
		t.Skip("frontend/dist is not built (make build builds it before make test runs this)")
	}
	m := regexp.MustCompile(`Content-Security-Policy" content="([^"]+)"`).FindSubmatch(page)
	if m == nil {
		t.Fatal("the shipped page has no Content-Security-Policy")
	}
	if csp := string(m[1]); strings.Contains(csp, "localhost") || strings.Contains(csp, "127.0.0.1") || !strings.Contains(csp, "connect-src 'self';") {
		t.Fatalf("shipped CSP allows more than its own origin: %s", csp)
	}
}
