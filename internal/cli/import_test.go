package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fastenhealth/fasten-desktop/internal/vault"
)

func TestImport(t *testing.T) {
	v, _ := familyVault(t)
	if strings.Count(seed.stdout, ": imported") != 5 {
		t.Fatalf("import report: %s", seed.stdout)
	}
	r := fasten(t, []string{pass}, "stats", "--vault", v, "--json")
	var st struct {
		Resources map[string]int `json:"resources"`
		Total     int            `json:"total"`
		People    int            `json:"people"`
	}
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &st) != nil || st.People != 5 || st.Resources["Patient"] != 5 || st.Total < 1000 {
		t.Fatalf("stats after import: %+v %+v", r, st)
	}
	r = fasten(t, []string{pass}, append([]string{"import", "--vault", v}, family(t)[0])...)
	if r.code != 0 || !strings.Contains(r.stdout, ": unchanged") {
		t.Fatalf("re-import: %+v", r)
	}

	before := fasten(t, []string{pass}, "stats", "--vault", v, "--json").stdout
	// A rejected file: exit 1, reason on stdout report, vault unchanged.
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Patient"`), 0o600)
	r = fasten(t, []string{pass}, "import", "--vault", v, bad)
	if r.code != 1 || !strings.Contains(r.stdout, "rejected") || !strings.Contains(r.stderr, "rejected") {
		t.Fatalf("bad import: %+v", r)
	}
	if r2 := fasten(t, []string{pass}, "stats", "--vault", v, "--json"); r2.code != 0 || r2.stdout != before {
		t.Fatalf("stats after a rejected file: %+v, before %s", r2, before)
	}
	// No files: usage error.
	if r := fasten(t, []string{pass}, "import", "--vault", v); r.code != 2 {
		t.Fatalf("import without files: %+v", r)
	}
}

// TestImportCleansFileText: a patient name carrying a carriage return and
// terminal controls, and a file name carrying an escape sequence, are
// printed without them (by import and by people), while the vault keeps the
// data as it came.
func TestImportCleansFileText(t *testing.T) {
	dir := t.TempDir()
	v, _ := newVault(t, dir)
	data, err := os.ReadFile(family(t)[0])
	if err != nil {
		t.Fatal(err)
	}
	// FHIR strings may not hold C0 controls other than tab, CR and LF
	// (records skips such a Patient), but CR, the C1 controls and the
	// bidi overrides are valid FHIR: CR returns to the line start so that
	// "Mallory" overwrites "Alexis", U+009B is an 8-bit CSI.
	evil := "Alexis\rMallory\u009b2J\u202eyrotsih"
	name, _ := json.Marshal(evil)
	var b map[string]any
	if err := json.Unmarshal(data, &b); err != nil {
		t.Fatal(err)
	}
	for _, e := range b["entry"].([]any) {
		res := e.(map[string]any)["resource"].(map[string]any)
		if res["resourceType"] == "Patient" {
			res["name"].([]any)[0].(map[string]any)["given"] = []any{evil}
		}
	}
	data, _ = json.Marshal(b)
	if !bytes.Contains(data, name[1:len(name)-1]) {
		t.Fatal("fixture not altered")
	}
	file := filepath.Join(dir, "fam\x1b[2Jily.json")
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	r := fasten(t, []string{pass}, "import", "--vault", v, file)
	if r.code != 0 || !strings.Contains(r.stdout, "family.json: imported") || !strings.Contains(r.stdout, "Alexis") {
		t.Fatalf("import: %+v", r)
	}
	p := fasten(t, []string{pass}, "people", "--vault", v)
	if p.code != 0 || !strings.Contains(p.stdout, "Alexis") || !strings.Contains(p.stdout, "Mallory") {
		t.Fatalf("people: %+v", p)
	}
	for what, out := range map[string]string{"import": r.stdout + r.stderr, "people": p.stdout + p.stderr} {
		if strings.ContainsAny(out, "\x1b\r\x07\u009b\u202e") {
			t.Errorf("%s printed control characters: %q", what, out)
		}
	}
	// JSON output escapes them instead; the stored name is untouched.
	j := fasten(t, []string{pass}, "people", "--vault", v, "--json")
	var people []struct{ Name string }
	if json.Unmarshal([]byte(j.stdout), &people) != nil || len(people) != 1 || !strings.Contains(people[0].Name, "\u202e") {
		t.Fatalf("people --json: %q", j.stdout)
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
		// The whole import takes a few hundred milliseconds now (0.4 s for
		// the family with a real KDF): kills land within that.
		delay := time.Duration(10+rng.IntN(300)) * time.Millisecond
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
