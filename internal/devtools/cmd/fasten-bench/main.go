// Command fasten-bench measures Fasten's hot paths on this machine and prints the
// figures: import throughput against the raw-insert floor, peak memory,
// unlock time and query latency percentiles. Run it with `make bench`.
//
// It scales ../shared/fixtures/synthea/more to at least -resources resources
// by copying every bundle with fresh ids per copy, imports them into a new
// vault, and inserts the same bytes raw into a bare SQLCipher table (the
// floor). Each phase runs in its own process so peak RSS is its own.
package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/fastenhealth/fasten-desktop/internal/catalog"
	"github.com/fastenhealth/fasten-desktop/internal/records"
	"github.com/fastenhealth/fasten-desktop/internal/session"
	"github.com/fastenhealth/fasten-desktop/internal/vault"
)

const passphrase = "benchmark passphrase"

type result struct {
	Phase     string             `json:"phase"`
	Seconds   float64            `json:"seconds"`
	Resources int                `json:"resources"`
	Bytes     int64              `json:"bytes"`
	PeakRSSMB float64            `json:"peakRssMB"`
	Extra     map[string]float64 `json:"extra,omitempty"`
}

func main() {
	phase := flag.String("phase", "", "internal: run one phase in this process")
	dir := flag.String("dir", "", "internal: working directory")
	target := flag.Int("resources", 150000, "scale the fixtures to at least this many resources")
	fixtures := flag.String("fixtures", "../shared/fixtures/synthea/more", "Synthea bundles to scale")
	only := flag.String("only", "", "run only this part: tiny (1,000,000 tiny entries), views (import, then the person and household views), olderfhir (DSTU2/STU3 → R4 resources/s), validate (R4 validation resources/s per core, before/now), applehealth (a generated 1 GB Apple Health export), size (floor and import, then the vault's size by table), bigfile (one 100 MB bundle), sync (the 40 fixture people from the sandbox at 50 ms/request)")
	keep := flag.Bool("keep", false, "with -only size: keep the working directory; with -only views: import only, and keep the working directory (copy its bench.fasten and bench.fasten.keys to a directory of their own for each run of -phase views -dir)")
	flag.Parse()
	// FASTEN_BENCH_CPUPROFILE=DIR writes each phase's CPU profile to
	// DIR/<phase>.pprof (go tool pprof), to find where a phase's time goes.
	if prof := os.Getenv("FASTEN_BENCH_CPUPROFILE"); prof != "" && *phase != "" {
		f, err := os.Create(filepath.Join(prof, *phase+".pprof"))
		if err == nil && pprof.StartCPUProfile(f) == nil {
			defer func() { pprof.StopCPUProfile(); f.Close() }()
		}
	}
	var err error
	switch *phase {
	case "":
		switch *only {
		case "":
			err = orchestrate(*fixtures, *target)
		case "tiny":
			err = onlyTiny()
		case "views":
			err = onlyViews(*fixtures, *target, *keep)
		case "olderfhir":
			var r result
			if r, err = olderPhase(*fixtures); err == nil {
				r.PeakRSSMB = peakRSSMB()
				printOlderFHIR(r)
			}
		case "validate":
			var r result
			if r, err = validatePhase(*fixtures); err == nil {
				r.PeakRSSMB = peakRSSMB()
				printValidate(r)
			}
		case "applehealth":
			err = onlyAppleHealth()
		case "size":
			err = onlySize(*fixtures, *target, *keep)
		case "bigfile":
			err = onlyBigFile(*fixtures)
		case "sync":
			// In a child, as make bench runs it: its peak RSS is the sync's.
			cmd := exec.Command(os.Args[0], "-phase", "sync", "-fixtures", filepath.Dir(*fixtures))
			cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
			err = cmd.Run()
		default:
			err = fmt.Errorf("unknown part %q", *only)
		}
	case "import":
		err = emit(importPhase(*dir))
	case "floor":
		err = emit(floorPhase(*dir))
	case "query":
		err = emit(queryPhase(*dir))
	case "repack":
		err = emit(repackPhase(*dir))
	case "views":
		err = emit(viewsPhase(*dir))
	case "bigfile":
		err = emit(bigFilePhase(*dir))
	case "tiny":
		err = emit(tinyPhase(*dir))
	case "sync":
		err = syncPhase(*fixtures)
	case "sandbox":
		err = serveSandbox(*fixtures)
	case "ccda":
		err = emit(ccdaPhase(*dir, *fixtures))
	case "olderfhir":
		err = emit(olderPhase(*fixtures))
	case "validate":
		err = emit(validatePhase(*fixtures))
	case "applehealth":
		err = emit(appleHealthPhase(*dir))
	default:
		err = fmt.Errorf("unknown phase %q", *phase)
	}
	if err != nil {
		pprof.StopCPUProfile()
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func emit(r result, err error) error {
	if err != nil {
		return err
	}
	r.PeakRSSMB = peakRSSMB()
	return json.NewEncoder(os.Stdout).Encode(r)
}

func peakRSSMB() float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "VmHWM:") {
			kb, _ := strconv.Atoi(strings.Fields(sc.Text())[1])
			return float64(kb) / 1024
		}
	}
	return 0
}

func orchestrate(fixtures string, target int) error {
	work, err := os.MkdirTemp("", "fasten-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	fmt.Printf("Fasten benchmark — %s, %d CPUs, %s\n", time.Now().Format(time.RFC3339), runtime.NumCPU(), runtime.Version())
	n, size, files, err := scale(fixtures, filepath.Join(work, "in"), target)
	if err != nil {
		return err
	}
	fmt.Printf("input: %d resources in %d bundles, %.1f MB (fixtures scaled with fresh ids)\n\n", n, files, float64(size)/1e6)
	run := func(phase string) (result, error) { return runPhase(phase, work) }
	floor, err := run("floor")
	if err != nil {
		return err
	}
	imp, err := run("import")
	if err != nil {
		return err
	}
	q, err := run("query")
	if err != nil {
		return err
	}
	bigSize, err := makeBigFile(work, 100<<20)
	if err != nil {
		return err
	}
	big, err := run("bigfile")
	if err != nil {
		return err
	}
	mb := float64(imp.Bytes) / 1e6
	fmt.Printf("%-34s %10s %12s %10s %12s\n", "import", "seconds", "resources/s", "MB/s", "peak RSS MB")
	fmt.Printf("%-34s %10.1f %12.0f %10.1f %12.0f\n", "floor: raw insert, one writer", floor.Seconds, float64(floor.Resources)/floor.Seconds, mb/floor.Seconds, floor.PeakRSSMB)
	fmt.Printf("%-34s %10.1f %12.0f %10.1f %12.0f\n", "fasten import (validate+summary+FTS)", imp.Seconds, float64(imp.Resources)/imp.Seconds, mb/imp.Seconds, imp.PeakRSSMB)
	fmt.Printf("ratio import/floor: %.2fx (target ≤ 1.2x); peak RSS target < 300 MB\n\n", imp.Seconds/floor.Seconds)
	fmt.Printf("vault: %.0f MB on disk, %d people\n", q.Extra["vaultMB"], int(q.Extra["people"]))
	printSizes(q.Extra, float64(imp.Bytes)/1e6)
	fmt.Printf("unlock (Argon2id + open + migrate check): %.0f ms; unlock to first overview: %.0f ms (target < 1000 ms)\n",
		q.Extra["unlockMs"], q.Extra["unlockToOverviewMs"])
	fmt.Printf("%-34s %8s %8s %8s  (n)\n", "query latency ms", "p50", "p95", "max")
	for _, name := range []string{"overview", "list", "list-page-10", "search"} {
		fmt.Printf("%-34s %8.2f %8.2f %8.2f  (%d)\n", name, q.Extra[name+"-p50"], q.Extra[name+"-p95"], q.Extra[name+"-max"], int(q.Extra[name+"-n"]))
	}
	fmt.Printf("query phase peak RSS: %.0f MB (target list p95 < 50 ms)\n\n", q.PeakRSSMB)
	views, err := run("views")
	if err != nil {
		return err
	}
	printViews(views)
	loadStart := time.Now()
	cat, err := catalog.Load()
	if err != nil {
		return err
	}
	load := time.Since(loadStart)
	p50, p95, worst := LatencyReport(cat, SampleQueries(cat, 400))
	fmt.Printf("provider catalog: %d entries loaded in %.0f ms; search as you type over 400 queries: p50 %.2f ms, p95 %.2f ms, max %.2f ms (target p95 < 50 ms)\n\n",
		cat.Len(), float64(load.Microseconds())/1000, ms(p50), ms(p95), ms(worst))
	ccdaCmd := exec.Command(os.Args[0], "-phase", "ccda", "-dir", work, "-fixtures", fixtures)
	ccdaCmd.Stderr = os.Stderr
	ccdaOut, err := ccdaCmd.Output()
	if err != nil {
		return fmt.Errorf("ccda phase: %w", err)
	}
	var cr result
	if err := json.Unmarshal(ccdaOut, &cr); err != nil {
		return fmt.Errorf("ccda phase: %w", err)
	}
	printCCDA(cr)
	olderCmd := exec.Command(os.Args[0], "-phase", "olderfhir", "-fixtures", fixtures)
	olderCmd.Stderr = os.Stderr
	olderOut, err := olderCmd.Output()
	if err != nil {
		return fmt.Errorf("olderfhir phase: %w", err)
	}
	var or result
	if err := json.Unmarshal(olderOut, &or); err != nil {
		return fmt.Errorf("olderfhir phase: %w", err)
	}
	printOlderFHIR(or)
	valCmd := exec.Command(os.Args[0], "-phase", "validate", "-fixtures", fixtures)
	valCmd.Stderr = os.Stderr
	valOut, err := valCmd.Output()
	if err != nil {
		return fmt.Errorf("validate phase: %w", err)
	}
	var vr result
	if err := json.Unmarshal(valOut, &vr); err != nil {
		return fmt.Errorf("validate phase: %w", err)
	}
	printValidate(vr)
	ah, err := run("applehealth")
	if err != nil {
		return err
	}
	printAppleHealth(ah)
	syncCmd := exec.Command(os.Args[0], "-phase", "sync", "-fixtures", filepath.Dir(fixtures))
	syncFigures := filepath.Join(work, "sync.json")
	syncCmd.Env = append(os.Environ(), "FASTEN_BENCH_SYNC_JSON="+syncFigures)
	syncCmd.Stdout, syncCmd.Stderr = os.Stdout, os.Stderr
	if err := syncCmd.Run(); err != nil {
		return fmt.Errorf("sync phase: %w", err)
	}
	var sf syncSummary
	if b, err := os.ReadFile(syncFigures); err != nil || json.Unmarshal(b, &sf) != nil {
		return fmt.Errorf("sync phase wrote no figures")
	}
	defer printIssue12(issue12Figures{
		importRatio: imp.Seconds / floor.Seconds, importRSS: imp.PeakRSSMB,
		vaultRatio: q.Extra["vaultMB"] / (float64(imp.Bytes) / 1e6),
		syncRatio:  sf.Ratio, syncRSS: sf.PeakRSSMB,
		validate: vr.Extra["new"],
	})
	fmt.Printf("one %.0f MB bundle (%d resources): %.1f s, %.0f resources/s, peak RSS %.0f MB (streaming: must not scale with file size)\n",
		float64(bigSize)/1e6, big.Resources, big.Seconds, float64(big.Resources)/big.Seconds, big.PeakRSSMB)
	tiny, err := runTiny(work)
	if err != nil {
		return err
	}
	printTiny(tiny)
	return nil
}

// onlyViews builds the scaled vault and measures the views on it
// (`fasten-bench -only views`): what a change to a view's queries needs,
// without the import floor, the big file, sync and tiny entries.
func onlyViews(fixtures string, target int, keep bool) error {
	work, err := os.MkdirTemp("", "fasten-bench-")
	if err != nil {
		return err
	}
	if !keep {
		defer os.RemoveAll(work)
	}
	n, _, files, err := scale(fixtures, filepath.Join(work, "in"), target)
	if err != nil {
		return err
	}
	fmt.Printf("input: %d resources in %d bundles\n", n, files)
	if _, err := runPhase("import", work); err != nil {
		return err
	}
	if keep {
		// The views phase reassigns every record to one person at its end:
		// each measurement needs a fresh copy of the imported vault.
		fmt.Printf("imported into %s/bench.fasten; measure a copy of it (and its .keys) with -phase views -dir\n", work)
		return nil
	}
	views, err := runPhase("views", work)
	if err != nil {
		return err
	}
	printViews(views)
	return nil
}

// onlyAppleHealth runs the Apple Health phase alone (`fasten-bench -only applehealth`).
func onlyAppleHealth() error {
	work, err := os.MkdirTemp("", "fasten-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	r, err := runPhase("applehealth", work)
	if err != nil {
		return err
	}
	printAppleHealth(r)
	return nil
}

// onlyBigFile imports one generated 100 MB bundle alone (`fasten-bench
// -only bigfile`): its peak memory must not follow the file's size.
func onlyBigFile(fixtures string) error {
	work, err := os.MkdirTemp("", "fasten-bench-big-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	// The bundle is made of the scaled fixtures' entries, as make bench's is.
	if _, _, _, err := scale(fixtures, filepath.Join(work, "in"), 40000); err != nil {
		return err
	}
	size, err := makeBigFile(work, 100<<20)
	if err != nil {
		return err
	}
	big, err := runPhase("bigfile", work)
	if err != nil {
		return err
	}
	fmt.Printf("one %.0f MB bundle (%d resources): %.1f s, %.0f resources/s, peak RSS %.0f MB (streaming: must not scale with file size)\n",
		float64(size)/1e6, big.Resources, big.Seconds, float64(big.Resources)/big.Seconds, big.PeakRSSMB)
	return nil
}

// onlyTiny runs the tiny-entries phase alone (`fasten-bench -only tiny`).
func onlyTiny() error {
	work, err := os.MkdirTemp("", "fasten-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	r, err := runTiny(work)
	if err != nil {
		return err
	}
	printTiny(r)
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// replaceUUIDs replaces every lowercase UUID in data (ids, fullUrls and
// references alike, wherever they stand) with fn's. It is a byte scan, not a
// JSON parse, on purpose: a copy must rename an id everywhere it occurs.
func replaceUUIDs(data []byte, fn func(u []byte) []byte) []byte {
	const n = 36
	isHex := func(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' }
	out := make([]byte, 0, len(data))
	for i := 0; i < len(data); {
		if i+n <= len(data) && isUUID(data[i:i+n], isHex) && (i == 0 || !isHex(data[i-1]) && data[i-1] != '-') {
			out = append(out, fn(data[i:i+n])...)
			i += n
			continue
		}
		out = append(out, data[i])
		i++
	}
	return out
}

func isUUID(b []byte, isHex func(byte) bool) bool {
	for i, c := range b {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if c != '-' {
				return false
			}
		} else if !isHex(c) {
			return false
		}
	}
	return true
}

// scale writes copies of every fixture bundle with every UUID replaced by one
// derived from (uuid, copy), until target resources are written.
func scale(src, dst string, target int) (int, int64, int, error) {
	files, _ := filepath.Glob(filepath.Join(src, "*.json"))
	if len(files) == 0 {
		return 0, 0, 0, fmt.Errorf("no fixtures in %s", src)
	}
	sort.Strings(files)
	if err := os.MkdirAll(dst, 0o700); err != nil {
		return 0, 0, 0, err
	}
	total, count := 0, 0
	var size int64
	for copyN := 0; total < target; copyN++ {
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				return 0, 0, 0, err
			}
			out := replaceUUIDs(data, func(u []byte) []byte {
				h := sha256.Sum256(append(append([]byte{}, u...), byte(copyN), byte(copyN>>8)))
				x := hex.EncodeToString(h[:16])
				return []byte(x[:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32])
			})
			var b struct {
				Entry []json.RawMessage `json:"entry"`
			}
			if err := json.Unmarshal(out, &b); err != nil {
				return 0, 0, 0, err
			}
			total += len(b.Entry)
			size += int64(len(out))
			count++
			if err := os.WriteFile(filepath.Join(dst, fmt.Sprintf("%03d-%s", copyN, filepath.Base(f))), out, 0o600); err != nil {
				return 0, 0, 0, err
			}
		}
	}
	return total, size, count, nil
}

func inputs(dir string) ([]string, int64) {
	files, _ := filepath.Glob(filepath.Join(dir, "in", "*.json"))
	sort.Strings(files)
	var size int64
	for _, f := range files {
		if st, err := os.Stat(f); err == nil {
			size += st.Size()
		}
	}
	return files, size
}

func importPhase(dir string) (result, error) {
	files, size := inputs(dir)
	v, _, err := vault.Create(filepath.Join(dir, "bench.fasten"), passphrase)
	if err != nil {
		return result{}, err
	}
	// The same session the window and the CLI open on unlock.
	sess := session.Open(v, session.Options{})
	defer sess.Close()
	st := sess.Records()
	start := time.Now()
	rep, err := st.Import(context.Background(), files, records.ImportOptions{AutoCreatePeople: true}, nil)
	if err != nil {
		return result{}, err
	}
	secs := time.Since(start).Seconds()
	n := 0
	for _, f := range rep.Files {
		if f.Status != records.FileImported {
			return result{}, fmt.Errorf("%s: %s %s", f.File, f.Status, f.Error)
		}
		n += f.Added
	}
	return result{Phase: "import", Seconds: secs, Resources: n, Bytes: size}, nil
}

// floorPhase inserts the same resource bytes into a bare encrypted table: the
// least any import must cost (JSON scanning + encrypted writes).
func floorPhase(dir string) (result, error) {
	files, size := inputs(dir)
	v, _, err := vault.Create(filepath.Join(dir, "floor.fasten"), passphrase)
	if err != nil {
		return result{}, err
	}
	defer v.Close()
	db := v.DB()
	if _, err := db.Exec("CREATE TABLE raw (id INTEGER PRIMARY KEY, type TEXT, rid TEXT, json BLOB)"); err != nil {
		return result{}, err
	}
	start := time.Now()
	n := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return result{}, err
		}
		var b struct {
			Entry []struct {
				Resource json.RawMessage `json:"resource"`
			} `json:"entry"`
		}
		if err := json.Unmarshal(data, &b); err != nil {
			return result{}, err
		}
		if err := insertRaw(db, b.Entry); err != nil {
			return result{}, err
		}
		n += len(b.Entry)
	}
	return result{Phase: "floor", Seconds: time.Since(start).Seconds(), Resources: n, Bytes: size}, nil
}

func insertRaw(db *sql.DB, entries []struct {
	Resource json.RawMessage `json:"resource"`
}) error {
	tx, err := db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	st, err := tx.Prepare("INSERT INTO raw(type, rid, json) VALUES (?, ?, ?)")
	if err != nil {
		return err
	}
	defer st.Close()
	for _, e := range entries {
		var head struct{ ResourceType, ID string }
		json.Unmarshal(e.Resource, &head)
		if _, err := st.Exec(head.ResourceType, head.ID, []byte(e.Resource)); err != nil {
			return err
		}
	}
	return tx.Commit()
}

func queryPhase(dir string) (result, error) {
	path := filepath.Join(dir, "bench.fasten")
	ctx := context.Background()
	start := time.Now()
	v, err := vault.Open(path, passphrase)
	if err != nil {
		return result{}, err
	}
	sess := session.Open(v, session.Options{})
	defer sess.Close()
	unlock := time.Since(start)
	st := sess.Records()
	people, err := st.People(ctx)
	if err != nil || len(people) == 0 {
		return result{}, fmt.Errorf("people: %v (%d)", err, len(people))
	}
	if _, err := st.Overview(ctx, people[0].ID); err != nil {
		return result{}, err
	}
	toOverview := time.Since(start)
	extra := map[string]float64{
		"unlockMs":           float64(unlock.Microseconds()) / 1000,
		"unlockToOverviewMs": float64(toOverview.Microseconds()) / 1000,
		"people":             float64(len(people)),
	}
	if fi, err := os.Stat(path); err == nil {
		extra["vaultMB"] = float64(fi.Size()) / 1e6
	}
	if err := tableSizes(ctx, v.DB(), extra); err != nil {
		return result{}, err
	}
	measure := func(name string, rounds int, fn func(p records.Person) error) error {
		var lat []float64
		for r := 0; r < rounds; r++ {
			for _, p := range people {
				t := time.Now()
				if err := fn(p); err != nil {
					return fmt.Errorf("%s: %w", name, err)
				}
				lat = append(lat, float64(time.Since(t).Microseconds())/1000)
			}
		}
		sort.Float64s(lat)
		pct := func(q float64) float64 { return lat[int(q*float64(len(lat)-1))] }
		extra[name+"-p50"], extra[name+"-p95"], extra[name+"-max"], extra[name+"-n"] = pct(0.5), pct(0.95), lat[len(lat)-1], float64(len(lat))
		return nil
	}
	types := []string{"Observation", "Condition", "Encounter", "Immunization", "MedicationRequest", "Procedure", "Claim"}
	i := 0
	steps := []struct {
		name string
		fn   func(p records.Person) error
	}{
		{"overview", func(p records.Person) error { _, err := st.Overview(ctx, p.ID); return err }},
		{"list", func(p records.Person) error {
			i++
			_, err := st.List(ctx, p.ID, types[i%len(types)], "", 0, 50)
			return err
		}},
		{"list-page-10", func(p records.Person) error { _, err := st.List(ctx, p.ID, "Observation", "", 500, 50); return err }},
		{"search", func(p records.Person) error { _, err := st.Search(ctx, p.ID, "glucose", 100); return err }},
	}
	for _, s := range steps {
		if err := measure(s.name, 5, s.fn); err != nil {
			return result{}, err
		}
	}
	return result{Phase: "query", Extra: extra}, nil
}

// makeBigFile joins the scaled bundles' entries into one collection Bundle of
// at least size bytes, to show that import memory does not grow with a file.
func makeBigFile(work string, size int64) (int64, error) {
	files, _ := inputs(work)
	if err := os.MkdirAll(filepath.Join(work, "big"), 0o700); err != nil {
		return 0, err
	}
	f, err := os.Create(filepath.Join(work, "big", "big.json"))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	w.WriteString(`{"resourceType":"Bundle","type":"collection","entry":[`)
	var n int64
	first := true
	for _, path := range files {
		if n >= size {
			break
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return 0, err
		}
		var b struct {
			Entry []json.RawMessage `json:"entry"`
		}
		if err := json.Unmarshal(data, &b); err != nil {
			return 0, err
		}
		for _, e := range b.Entry {
			if !first {
				w.WriteByte(',')
			}
			first = false
			w.Write(e)
			n += int64(len(e)) + 1
		}
	}
	w.WriteString("]}")
	if err := w.Flush(); err != nil {
		return 0, err
	}
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}

func bigFilePhase(dir string) (result, error) {
	return importOneFile(dir, "bigfile", filepath.Join(dir, "big", "big.json"))
}

// importOneFile imports one file into a new vault in dir: the phases that
// show import memory depends on neither a file's size nor its entry count.
func importOneFile(dir, phase, file string) (result, error) {
	v, _, err := vault.Create(filepath.Join(dir, phase+".fasten"), passphrase)
	if err != nil {
		return result{}, err
	}
	sess := session.Open(v, session.Options{})
	defer sess.Close()
	start := time.Now()
	rep, err := sess.Records().Import(context.Background(), []string{file}, records.ImportOptions{AutoCreatePeople: true}, nil)
	if err != nil {
		return result{}, err
	}
	f := rep.Files[0]
	if f.Status != records.FileImported {
		return result{}, fmt.Errorf("%s: %s %s", phase, f.Status, f.Error)
	}
	return result{Phase: phase, Seconds: time.Since(start).Seconds(), Resources: f.Added, Bytes: f.Bytes}, nil
}

// syncPhase syncs the 40 fixture people from the loopback sandbox (served
// by a child process, so the peak RSS is the sync's own) with 50 ms added
// to every request, and compares the wall time with the latency floor of
// the longest chain of requests that must follow one another.
func syncPhase(fixturesRoot string) error {
	x, err := childEHR(fixturesRoot)
	if err != nil {
		return err
	}
	defer x.close()
	br, err := benchSync(context.Background(), x, 50*time.Millisecond)
	if err != nil {
		return err
	}
	fmt.Printf("sync: %d people, %d resources, %d requests (%d pages in %d transactions) in %.1f s = %.0f resources/s; %d incomplete\n",
		br.People, br.Resources, br.Requests, br.Pages, br.Commits, br.Wall.Seconds(), br.ResourcesPerSec, br.Incomplete)
	fmt.Printf("sync: longest dependency chain %d requests × %v = floor %.2f s; vault writer busy %.1f s (%.0f%% of wall); CPU %.1f s\n",
		br.ChainRequests, br.Latency, br.Floor.Seconds(), br.Storing.Seconds(), 100*br.Storing.Seconds()/br.Wall.Seconds(), br.CPU.Seconds())
	fmt.Printf("sync of the %d fixture people at %v/request ÷ latency floor = %.1f× (target ≤ 3×), peak RSS %.0f MB (target < 300)\n\n",
		br.People, br.Latency, br.Ratio, peakRSSMB())
	if out := os.Getenv("FASTEN_BENCH_SYNC_JSON"); out != "" {
		b, _ := json.Marshal(syncSummary{Ratio: br.Ratio, PeakRSSMB: peakRSSMB()})
		return os.WriteFile(out, b, 0o600)
	}
	return nil
}

// syncSummary is what the sync phase hands the closing table.
type syncSummary struct {
	Ratio     float64 `json:"ratio"`
	PeakRSSMB float64 `json:"peakRssMB"`
}

// issue12Figures are issue 12's figures, printed side by side at the end
// of `make bench` with the values when the issue was filed and its targets.
type issue12Figures struct {
	importRatio, importRSS, vaultRatio, syncRatio, syncRSS, validate float64
}

func printIssue12(f issue12Figures) {
	fmt.Printf("\nimport and sync at the speed of the disk (issue 12), this run:\n")
	fmt.Printf("%-52s %14s %14s %18s\n", "figure", "when filed", "now", "target")
	fmt.Printf("%-52s %14s %13.2f× %18s\n", "import of the 150k corpus ÷ raw-insert floor", "3.2×", f.importRatio, "≤ 1.2× (< 1.0×)")
	fmt.Printf("%-52s %14s %13.2f× %18s\n", "vault size ÷ raw JSON (input bundles)", "≈1.1×", f.vaultRatio, "≤ 0.5× (0.3×)")
	fmt.Printf("%-52s %14s %13.1f× %18s\n", "sync of the 40 fixture people at 50 ms ÷ latency floor", "12.3×", f.syncRatio, "≤ 3×")
	fmt.Printf("%-52s %14s %14s %18s\n", "peak RSS import / sync, MB", "190 / 488", fmt.Sprintf("%.0f / %.0f", f.importRSS, f.syncRSS), "< 300 each")
	fmt.Printf("%-52s %14s %14.0f %18s\n", "validation, resources/s per core", "≈1.6k", f.validate, "≥ 16k")
}
