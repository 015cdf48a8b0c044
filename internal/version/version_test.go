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
