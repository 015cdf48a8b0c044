package version

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
)

func TestStringNamesProductVersionAndPlatform(t *testing.T) {
	s := String()
	if !strings.HasPrefix(s, "Fasten "+Version) || !strings.HasSuffix(s, runtime.GOOS+"/"+runtime.GOARCH) {
		t.Fatalf("version string %q", s)
	}
}

// The stamp the Makefile applies reaches the binary: the linker flag names
// this package's variable (a renamed package would silently leave "dev").
func TestLinkerStampReachesBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary")
	}
	bin := filepath.Join(t.TempDir(), "v")
	// The same package path the Makefile's LDFLAGS use.
	mk, err := os.ReadFile("../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`-X (\S+)\.Version=`).FindSubmatch(mk)
	if m == nil || string(m[1]) != "github.com/fastenhealth/fasten-desktop/internal/version" {
		t.Fatalf("Makefile does not stamp internal/version.Version: %q", m)
	}
	cmd := exec.Command("go", "build", "-ldflags", "-X "+string(m[1])+".Version=9.8.7", "-o", bin, "./testdata/stamp")
	cmd.Dir = "."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build: %v %s", err, out)
	}
	out, err := exec.Command(bin).Output()
	if err != nil || !strings.HasPrefix(string(out), "Fasten 9.8.7") {
		t.Fatalf("stamped binary says %q (%v)", out, err)
	}
}

// The release workflow builds with the Makefile's own targets (so what it
// ships is what `make package` built and tested here), and refuses a tag
// that is not wails.json's version.
func TestReleaseWorkflowUsesMakefileTargets(t *testing.T) {
	wf, err := os.ReadFile("../../.github/workflows/release.yml")
	if err != nil {
		t.Fatal(err)
	}
	mk, err := os.ReadFile("../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	targets := regexp.MustCompile(`run: make ([\w-]+)`).FindAllSubmatch(wf, -1)
	if len(targets) < 2 {
		t.Fatalf("release.yml runs %d make targets", len(targets))
	}
	for _, m := range targets {
		if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(string(m[1])) + `:`).Match(mk) {
			t.Errorf("release.yml runs make %s, which the Makefile lacks", m[1])
		}
	}
	if !strings.Contains(string(wf), `"productVersion"`) || !strings.Contains(string(wf), "GITHUB_REF_NAME") {
		t.Error("release.yml does not compare the tag with wails.json's productVersion")
	}
}
