package main

import (
	"os/exec"
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
