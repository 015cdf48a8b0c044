package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

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
	os.Exit(m.Run())
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

func TestCLIWorkflow(t *testing.T) {
	dir := t.TempDir()
	v := filepath.Join(dir, "household.fasten")
	files := family(t)

	r := fasten(t, []string{pass}, "init", "--vault", v)
	if r.code != 0 || !strings.Contains(r.stdout, "Recovery key") {
		t.Fatalf("init: %+v", r)
	}
	rk := strings.TrimSpace(strings.Split(r.stdout, "shown only now):")[1])
	if r := fasten(t, []string{pass}, "init", "--vault", v); r.code == 0 {
		t.Fatal("init over an existing vault succeeded")
	}

	r = fasten(t, []string{pass}, append([]string{"import", "--vault", v}, files...)...)
	if r.code != 0 || strings.Count(r.stdout, ": imported") != 5 {
		t.Fatalf("import: %+v", r)
	}
	r = fasten(t, []string{pass}, "stats", "--vault", v, "--json")
	var st struct {
		Resources map[string]int `json:"resources"`
		Total     int            `json:"total"`
		People    int            `json:"people"`
	}
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &st) != nil || st.People != 5 || st.Resources["Patient"] != 5 || st.Total < 1000 {
		t.Fatalf("stats: %+v %+v", r, st)
	}
	r = fasten(t, []string{pass}, append([]string{"import", "--vault", v}, files[0])...)
	if r.code != 0 || !strings.Contains(r.stdout, ": unchanged") {
		t.Fatalf("re-import: %+v", r)
	}

	// Wrong passphrase: exit 1, plain words on stderr, nothing on stdout.
	r = fasten(t, []string{"FASTEN_PASSPHRASE=wrong passphrase"}, "stats", "--vault", v)
	if r.code != 1 || !strings.Contains(r.stderr, "passphrase does not open") || r.stdout != "" {
		t.Fatalf("wrong passphrase: %+v", r)
	}
	// No passphrase at all: a usage error.
	cmd := exec.Command(os.Args[0], "stats", "--vault", v)
	cmd.Env = []string{"FASTEN_CLI_MAIN=1", "PATH=" + os.Getenv("PATH")}
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "FASTEN_PASSPHRASE") {
		t.Fatalf("missing passphrase: %s %v", out, err)
	}

	// A rejected file: exit 1, reason on stdout report, vault unchanged.
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Patient"`), 0o600)
	r = fasten(t, []string{pass}, "import", "--vault", v, bad)
	if r.code != 1 || !strings.Contains(r.stdout, "rejected") || !strings.Contains(r.stderr, "rejected") {
		t.Fatalf("bad import: %+v", r)
	}

	out := filepath.Join(dir, "export.json")
	if r = fasten(t, []string{pass}, "export", "--vault", v, "--out", out); r.code != 0 {
		t.Fatalf("export: %+v", r)
	}
	if r = fasten(t, []string{pass}, "verify", "--vault", v); r.code != 0 || !strings.HasPrefix(r.stdout, "OK") {
		t.Fatalf("verify: %+v", r)
	}
	if r = fasten(t, []string{pass}, "reindex", "--vault", v); r.code != 0 {
		t.Fatalf("reindex: %+v", r)
	}

	// passwd, then the old passphrase fails, the new one and the recovery key work.
	if r = fasten(t, []string{pass, "FASTEN_NEW_PASSPHRASE=second cli passphrase"}, "passwd", "--vault", v); r.code != 0 {
		t.Fatalf("passwd: %+v", r)
	}
	if r = fasten(t, []string{pass}, "stats", "--vault", v); r.code != 1 {
		t.Fatalf("old passphrase after passwd: %+v", r)
	}
	if r = fasten(t, []string{"FASTEN_PASSPHRASE=second cli passphrase"}, "stats", "--vault", v); r.code != 0 {
		t.Fatalf("new passphrase: %+v", r)
	}
	rkFile := filepath.Join(dir, "rk.txt")
	os.WriteFile(rkFile, []byte(rk+"\n"), 0o600)
	if r = fasten(t, nil, "people", "--vault", v, "--recovery-key-file", rkFile); r.code != 0 || strings.Count(r.stdout, "\n") != 5 {
		t.Fatalf("recovery key: %+v", r)
	}

	// Export → fresh vault → same stats.
	v2 := filepath.Join(dir, "second.fasten")
	fasten(t, []string{pass}, "init", "--vault", v2)
	if r = fasten(t, []string{pass}, "import", "--vault", v2, out); r.code != 0 {
		t.Fatalf("import export: %+v", r)
	}
	r2 := fasten(t, []string{pass}, "stats", "--vault", v2, "--json")
	var st2 struct {
		Resources map[string]int `json:"resources"`
	}
	json.Unmarshal([]byte(r2.stdout), &st2)
	for k, n := range st.Resources {
		if st2.Resources[k] != n {
			t.Errorf("round trip %s: %d want %d", k, st2.Resources[k], n)
		}
	}

	// Help on every command, exit 0; unknown command exit 2.
	for _, c := range append(Commands[:len(Commands)-1], "") {
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
}

// TestCrashSafety kills the importing process at random moments and checks
// that the vault always opens, passes the integrity check, and holds each
// file wholly or not at all.
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	dir := t.TempDir()
	v := filepath.Join(dir, "household.fasten")
	if r := fasten(t, []string{pass}, "init", "--vault", v); r.code != 0 {
		t.Fatal(r)
	}
	files := family(t)
	ids := map[string][]string{}
	for _, f := range files {
		data, _ := os.ReadFile(f)
		var b struct {
			Entry []struct {
				Resource struct{ ResourceType, ID string } `json:"resource"`
			} `json:"entry"`
		}
		json.Unmarshal(data, &b)
		for _, e := range b.Entry {
			ids[f] = append(ids[f], e.Resource.ResourceType+"/"+e.Resource.ID)
		}
	}
	rng := rand.New(rand.NewPCG(42, uint64(time.Now().UnixNano())))
	killedMidway, completed := 0, 0
	for round := 0; round < 12; round++ {
		// Each round starts from an empty vault content-wise by importing into
		// a fresh copy name, so that kills land in real writes, not re-checks.
		vr := filepath.Join(dir, "round.fasten")
		for _, p := range []string{vr, vr + ".keys", vr + "-wal", vr + "-shm"} {
			os.Remove(p)
		}
		if r := fasten(t, []string{pass}, "init", "--vault", vr); r.code != 0 {
			t.Fatal(r)
		}
		order := append([]string{}, files...)
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		cmd := exec.Command(os.Args[0], append([]string{"import", "--vault", vr}, order...)...)
		cmd.Env = append(os.Environ(), "FASTEN_CLI_MAIN=1", "FASTEN_TEST_FAST_KDF=1", pass)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		delay := time.Duration(50+rng.IntN(1500)) * time.Millisecond
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
			completed++
		case <-time.After(delay):
			cmd.Process.Signal(syscall.SIGKILL)
			<-done
			killedMidway++
		}
		checkWholeOrAbsent(t, vr, ids)
	}
	t.Logf("%d imports killed mid-way, %d completed before the kill", killedMidway, completed)
	if killedMidway == 0 {
		t.Fatal("no import was interrupted: the test proved nothing")
	}
}

func checkWholeOrAbsent(t *testing.T, path string, ids map[string][]string) {
	t.Helper()
	vt, err := vault.Open(path, strings.TrimPrefix(pass, "FASTEN_PASSPHRASE="))
	if err != nil {
		t.Fatalf("vault does not open after kill: %v", err)
	}
	defer vt.Close()
	res, err := vt.IntegrityCheck(context.Background())
	if err != nil || len(res) != 1 || res[0] != "ok" {
		t.Fatalf("integrity after kill: %v %v", res, err)
	}
	present := map[string]bool{}
	rows, err := vt.DB().Query("SELECT resource_type || '/' || resource_id FROM resources")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k string
		rows.Scan(&k)
		present[k] = true
	}
	rows.Close()
	var missingSummaries int
	vt.DB().QueryRow("SELECT count(*) FROM resources r LEFT JOIN summaries s ON s.resource = r.id WHERE s.resource IS NULL").Scan(&missingSummaries)
	if missingSummaries != 0 {
		t.Fatalf("%d resources without summaries after kill", missingSummaries)
	}
	total := 0
	for f, list := range ids {
		n := 0
		for _, id := range list {
			if present[id] {
				n++
			}
		}
		if n != 0 && n != len(list) {
			t.Fatalf("%s partly imported after kill: %d of %d", filepath.Base(f), n, len(list))
		}
		total += n
	}
	if total != len(present) {
		t.Fatalf("vault has %d resources, files account for %d", len(present), total)
	}
}
