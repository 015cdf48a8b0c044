package fastcheck

import (
	"os"
	"regexp"
	"testing"
)

// The fast path mirrors jsonformat v0.7.4's rules (exact.go copies its
// internal regular expressions; check.go its merge and normalisation
// quirks). Upgrading google/fhir/go must come with a re-read of those
// files, not only a green equivalence run on today's corpus. (Test binaries
// carry no dependency list in their build info, so go.mod is read.)
func TestMirrorsJSONFormatVersion(t *testing.T) {
	mod, err := os.ReadFile("../../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*(?:require\s+)?github\.com/google/fhir/go\s+(\S+)`).FindSubmatch(mod)
	if m == nil {
		t.Fatal("google/fhir/go is not required in go.mod")
	}
	if string(m[1]) != "v0.7.4" {
		t.Fatalf("google/fhir/go is %s; fastcheck mirrors v0.7.4: re-read jsonformat and update exact.go/check.go", m[1])
	}
	if regexp.MustCompile(`(?m)^\s*(?:replace\s+)?github\.com/google/fhir/go\b.*=>`).Match(mod) {
		t.Fatal("google/fhir/go is replaced in go.mod; fastcheck mirrors the released v0.7.4")
	}
}
