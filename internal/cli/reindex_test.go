package cli

import (
	"strings"
	"testing"
)

func TestReindex(t *testing.T) {
	v, _ := familyVault(t)
	before := fasten(t, []string{pass}, "stats", "--vault", v, "--json").stdout
	r := fasten(t, []string{pass}, "reindex", "--vault", v)
	if r.code != 0 || !strings.Contains(r.stdout, "reindexed") || strings.Contains(r.stdout, "reindexed 0 ") {
		t.Fatalf("reindex: %+v", r)
	}
	if after := fasten(t, []string{pass}, "stats", "--vault", v, "--json").stdout; after != before {
		t.Fatalf("stats changed by reindex:\n%s\n%s", before, after)
	}
	if r := fasten(t, []string{pass}, "verify", "--vault", v); r.code != 0 {
		t.Fatalf("verify after reindex: %+v", r)
	}
}
