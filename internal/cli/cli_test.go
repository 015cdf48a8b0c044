package cli

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/fastenhealth/fasten-desktop/internal/smart"
	"github.com/fastenhealth/fasten-desktop/internal/vault"
)

// TestMain lets the test binary stand in for the fasten binary: with
// FASTEN_CLI_MAIN=1 it runs the CLI on its arguments, so crash tests can
// kill -9 a real separate process.
func TestMain(m *testing.M) {
	if os.Getenv("FASTEN_CLI_MAIN") == "1" {
		if os.Getenv("FASTEN_TEST_FAST_KDF") == "1" {
			vault.DefaultKDF = vault.KDFParams{Time: 1, Memory: 8 * 1024, Threads: 1}
		}
		os.Exit(Run(os.Args[1:], os.Stdout, os.Stderr))
	}
	vault.DefaultKDF = vault.KDFParams{Time: 1, Memory: 8 * 1024, Threads: 1}
	code := m.Run()
	if seed.dir != "" {
		os.RemoveAll(seed.dir)
	}
	os.Exit(code)
}

const fixtures = "../../../shared/fixtures/synthea"

func family(t testing.TB) []string {
	files, _ := filepath.Glob(filepath.Join(fixtures, "family", "*.json"))
	if len(files) != 5 {
		t.Fatalf("family fixtures: %d", len(files))
	}
	sort.Strings(files)
	return files
}

type result struct {
	code           int
	stdout, stderr string
}

func fasten(t testing.TB, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), append([]string{"FASTEN_CLI_MAIN=1", "FASTEN_TEST_FAST_KDF=1"}, env...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{code, out.String(), errb.String()}
}

const pass = "FASTEN_PASSPHRASE=cli test passphrase"

// newVault creates an empty vault with `fasten init` and returns its path
// and recovery key.
func newVault(t testing.TB, dir string) (path, recoveryKey string) {
	t.Helper()
	path = filepath.Join(dir, "household.fasten")
	r := fasten(t, []string{pass}, "init", "--vault", path)
	if r.code != 0 || !strings.Contains(r.stdout, "Recovery key") {
		t.Fatalf("init: %+v", r)
	}
	return path, strings.TrimSpace(strings.Split(r.stdout, "shown only now):")[1])
}

// seed is a vault holding the five family files, imported with `fasten
// import` once per test binary; familyVault hands each test its own copy.
var seed struct {
	once        sync.Once
	dir, path   string
	recoveryKey string
	stdout      string // the import's report
	err         string
}

func familyVault(t *testing.T) (path, recoveryKey string) {
	t.Helper()
	seed.once.Do(func() {
		// Stays set if a Fatal below ends the first test mid-way.
		seed.err = "the seed vault could not be made (see the first test that used it)"
		dir, err := os.MkdirTemp("", "fasten-cli-seed")
		if err != nil {
			seed.err = err.Error()
			return
		}
		seed.dir = dir
		seed.path, seed.recoveryKey = newVault(t, dir)
		r := fasten(t, []string{pass}, append([]string{"import", "--vault", seed.path}, family(t)...)...)
		seed.stdout, seed.err = r.stdout, ""
		if r.code != 0 || strings.Count(r.stdout, ": imported") != 5 {
			seed.err = "import: " + r.stdout + r.stderr
		}
	})
	if seed.err != "" {
		t.Fatal(seed.err)
	}
	dir := t.TempDir()
	files, _ := filepath.Glob(seed.path + "*")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, filepath.Base(seed.path)), seed.recoveryKey
}

func TestHelpAndUnknownCommand(t *testing.T) {
	// Help on every command, exit 0; unknown command exit 2.
	// A copy: appending to a reslice of Commands would overwrite "help".
	for _, c := range append(append([]string{}, Commands[:len(Commands)-1]...), "") {
		args := []string{"--help"}
		if c != "" {
			args = []string{c, "--help"}
		}
		if r := fasten(t, nil, args...); r.code != 0 || (r.stdout+r.stderr) == "" {
			t.Errorf("%s --help: %+v", c, r)
		}
	}
	if r := fasten(t, nil, "frobnicate"); r.code != 2 {
		t.Errorf("unknown command: %+v", r)
	}
	if r := fasten(t, nil, "frob\x1b[2Jnicate"); r.code != 2 || strings.ContainsRune(r.stderr, 0x1b) {
		t.Errorf("unknown command with an escape: %+v", r)
	}
}

// TestReportShowsProviderWords: a SMART failure prints its plain message and
// the provider's own description, with control characters removed.
func TestReportShowsProviderWords(t *testing.T) {
	var stderr bytes.Buffer
	e := env{stdout: &bytes.Buffer{}, stderr: &stderr}
	err := &smart.Error{Kind: smart.ProviderError, Message: "The provider couldn't complete the sign-in.",
		ProviderDescription: "invalid client_id\x1b[8m hidden\r\x1b]0;title\x07", Cause: errors.New("token: 401 invalid_client")}
	if code := e.report("connect", err); code != 1 {
		t.Fatalf("exit %d", code)
	}
	got := stderr.String()
	if !strings.Contains(got, "The provider couldn't complete the sign-in.") || !strings.Contains(got, "invalid client_id") {
		t.Fatalf("report: %q", got)
	}
	if strings.ContainsAny(strings.TrimSuffix(got, "\n"), "\x1b\r\x07\n") {
		t.Fatalf("control characters printed: %q", got)
	}
	stderr.Reset()
	e.report("import", errors.New("bad file \x1b[31mname\x1b[0m"))
	if got := stderr.String(); got != "fasten import: bad file name\n" {
		t.Fatalf("plain error: %q", got)
	}
}
