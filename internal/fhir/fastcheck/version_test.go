package fastcheck

import (
	"runtime/debug"
	"testing"
)

// The fast path mirrors jsonformat v0.7.4's rules (exact.go copies its
// internal regular expressions; check.go its merge and normalisation
// quirks). Upgrading google/fhir/go must come with a re-read of those
// files, not only a green equivalence run on today's corpus.
func TestMirrorsJSONFormatVersion(t *testing.T) {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		t.Fatal("no build info in the test binary")
	}
	for _, d := range bi.Deps {
		if d.Path == "github.com/google/fhir/go" {
			v := d.Version
			if d.Replace != nil {
				v = d.Replace.Version
			}
			if v != "v0.7.4" {
				t.Fatalf("google/fhir/go is %s; fastcheck mirrors v0.7.4: re-read jsonformat and update exact.go/check.go", v)
			}
			return
		}
	}
	t.Fatal("google/fhir/go not among the build's dependencies")
}
