package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/fastenhealth/fasten-desktop/internal/vault"
)

// tableSizes puts into extra what each table of the vault costs on disk
// ("bytes:<table>", its indexes and, for a full-text table, its shadow
// tables included), the resources' own JSON ("resourceJSONMB") and how
// many resources there are. Per-table figures need SQLite's dbstat table,
// which go-sqlcipher compiles only when asked (make bench does:
// CGO_CFLAGS=-DSQLITE_ENABLE_DBSTAT_VTAB); without it only totals are given.
func tableSizes(ctx context.Context, db *sql.DB, extra map[string]float64) error {
	var n, jsonBytes float64
	if err := db.QueryRowContext(ctx, "SELECT count(*), coalesce(sum(length(unpack_raw(raw))), 0) FROM resources").Scan(&n, &jsonBytes); err != nil {
		return err
	}
	extra["resources"], extra["resourceJSONMB"] = n, jsonBytes/1e6
	// Which table each index and full-text shadow table belongs to.
	owner := map[string]string{}
	rows, err := db.QueryContext(ctx, "SELECT name, tbl_name, type, coalesce(sql, '') FROM sqlite_master")
	if err != nil {
		return err
	}
	var fts []string
	for rows.Next() {
		var name, tbl, typ, q string
		if err := rows.Scan(&name, &tbl, &typ, &q); err != nil {
			rows.Close()
			return err
		}
		owner[name] = tbl
		if typ == "table" && strings.Contains(strings.ToLower(q), "using fts5") {
			fts = append(fts, name)
		}
	}
	rows.Close()
	sort.Slice(fts, func(i, j int) bool { return len(fts[i]) > len(fts[j]) })
	rows, err = db.QueryContext(ctx, "SELECT name, sum(pgsize) FROM dbstat GROUP BY name")
	if err != nil {
		return nil // no dbstat in this build
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var size float64
		if err := rows.Scan(&name, &size); err != nil {
			return err
		}
		t := owner[name]
		for _, f := range fts { // search_docs_data belongs to search_docs, not search
			if strings.HasPrefix(name, f+"_") {
				t = f
				break
			}
		}
		if t == "" {
			t = name
		}
		extra["bytes:"+t] += size
		if name != t {
			extra["part:"+t+":"+name] = size
		}
	}
	return rows.Err()
}

// printSizes prints the vault's size against the JSON it holds and what
// each table costs per resource.
func printSizes(extra map[string]float64, inputMB float64) {
	n := extra["resources"]
	fmt.Printf("vault size ÷ raw JSON: %.2fx of the input bundles (%.0f MB), %.2fx of the resources' own JSON (%.0f MB) (target ≤ 0.5x, stretch 0.3x)\n",
		extra["vaultMB"]/inputMB, inputMB, extra["vaultMB"]/extra["resourceJSONMB"], extra["resourceJSONMB"])
	var names []string
	var total float64
	for k, v := range extra {
		if strings.HasPrefix(k, "bytes:") {
			names = append(names, k)
			total += v
		}
	}
	if len(names) == 0 || n == 0 {
		fmt.Printf("bytes per resource by table: this build has no dbstat (make bench compiles it in)\n\n")
		return
	}
	sort.Slice(names, func(i, j int) bool { return extra[names[i]] > extra[names[j]] })
	fmt.Printf("bytes per resource by table (indexes included), %d resources:\n", int(n))
	for _, k := range names {
		if extra[k]/n < 1 {
			continue
		}
		t := strings.TrimPrefix(k, "bytes:")
		fmt.Printf("  %-28s %8.0f\n", t, extra[k]/n)
		// Its indexes and shadow tables, the larger ones.
		var parts []string
		for p := range extra {
			if strings.HasPrefix(p, "part:"+t+":") && extra[p]/n >= 8 {
				parts = append(parts, p)
			}
		}
		sort.Slice(parts, func(i, j int) bool { return extra[parts[i]] > extra[parts[j]] })
		for _, p := range parts {
			fmt.Printf("    %-26s %8.0f\n", strings.TrimPrefix(p, "part:"+t+":"), extra[p]/n)
		}
	}
	fmt.Printf("  %-28s %8.0f\n\n", "all", total/n)
}

// onlySize runs the floor, the import and the query phase alone and prints
// import time against the floor and the vault's size (`fasten-bench -only size`).
func onlySize(fixtures string, target int, keep bool) error {
	work, err := os.MkdirTemp("", "fasten-bench-")
	if err != nil {
		return err
	}
	if keep {
		fmt.Printf("working directory (kept): %s\n", work)
	} else {
		defer os.RemoveAll(work)
	}
	n, size, files, err := scale(fixtures, filepath.Join(work, "in"), target)
	if err != nil {
		return err
	}
	fmt.Printf("input: %d resources in %d bundles, %.1f MB\n", n, files, float64(size)/1e6)
	floor, err := runPhase("floor", work)
	if err != nil {
		return err
	}
	imp, err := runPhase("import", work)
	if err != nil {
		return err
	}
	q, err := runPhase("query", work)
	if err != nil {
		return err
	}
	fmt.Printf("floor %.1f s, import %.1f s (%.0f resources/s, peak RSS %.0f MB): import/floor %.2fx\n",
		floor.Seconds, imp.Seconds, float64(imp.Resources)/imp.Seconds, imp.PeakRSSMB, imp.Seconds/floor.Seconds)
	fmt.Printf("vault: %.0f MB on disk\n", q.Extra["vaultMB"])
	printSizes(q.Extra, float64(imp.Bytes)/1e6)
	rp, err := runPhase("repack", work)
	if err != nil {
		return err
	}
	fmt.Printf("migration 17 on this vault stored unpacked (%.0f MB): %d rows packed in %.1f s (%.0f rows/s, peak RSS %.0f MB), file then %.0f MB; rewrite (%s) %.1f s, peak RSS %.0f MB (target < 300); file → %.0f MB\n",
		rp.Extra["beforeMB"], rp.Resources, rp.Extra["packSeconds"], float64(rp.Resources)/rp.Extra["packSeconds"], rp.Extra["packPeakRSSMB"], rp.Extra["packedMB"],
		rewriteHow(rp.Extra), rp.Extra["vacuumSeconds"], rp.Extra["rewritePeakRSSMB"], rp.Extra["afterMB"])
	return nil
}

// rewriteHow names how PackPending rewrote the file.
func rewriteHow(extra map[string]float64) string {
	switch {
	case extra["vacuumSkipped"] > 0:
		return "skipped: vault busy or open elsewhere"
	case extra["compacted"] > 0:
		return "encrypted copy beside the vault, moved over it"
	}
	return "VACUUM in memory"
}

// resetPeakRSS starts the process's peak RSS (VmHWM) again from its
// current RSS (Linux: clear_refs 5), so a later peakRSSMB is the peak of
// what ran in between: the rewrite's own, apart from packing's.
func resetPeakRSS() { os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

func fileMB(paths ...string) float64 {
	var n int64
	for _, p := range paths {
		if fi, err := os.Stat(p); err == nil {
			n += fi.Size()
		}
	}
	return float64(n) / 1e6
}

// repackPhase measures packing in place (what migration 17 leaves to
// vault.PackPending): the imported vault's rows are first put back as an
// earlier Fasten stored them (unpacked), then packed and the file rewritten.
func repackPhase(dir string) (result, error) {
	path := filepath.Join(dir, "bench.fasten")
	v, err := vault.Open(path, passphrase)
	if err != nil {
		return result{}, err
	}
	if err := v.UnpackAll(context.Background()); err != nil {
		return result{}, err
	}
	if err := v.Close(); err != nil {
		return result{}, err
	}
	if v, err = vault.Open(path, passphrase); err != nil {
		return result{}, err
	}
	defer v.Close()
	start := time.Now()
	var vacuumAt time.Time
	var packedMB, compacted, packPeak float64
	p, err := v.PackPending(context.Background(), func(p vault.PackProgress) {
		if p.Phase == "vacuum" && vacuumAt.IsZero() {
			vacuumAt = time.Now()
			if p.Rewrite == "copy" {
				compacted = 1
			}
			// The file as migration 17 leaves it packed, before the
			// rewrite: what an upgraded vault stayed at while the
			// rewrite was skipped above 256 MB.
			packedMB = fileMB(path, path+"-wal")
			packPeak = peakRSSMB()
			resetPeakRSS()
		}
	})
	if err != nil {
		return result{}, err
	}
	end := time.Now()
	if vacuumAt.IsZero() {
		vacuumAt = end
	}
	return result{Phase: "repack", Seconds: end.Sub(start).Seconds(), Resources: p.Done, Extra: map[string]float64{
		"packSeconds": vacuumAt.Sub(start).Seconds(), "vacuumSeconds": end.Sub(vacuumAt).Seconds(),
		"beforeMB": float64(p.BytesBefore) / 1e6, "afterMB": float64(p.BytesAfter) / 1e6, "packedMB": packedMB,
		"packPeakRSSMB": packPeak, "rewritePeakRSSMB": peakRSSMB(), "compacted": compacted, "vacuumSkipped": map[bool]float64{true: 1}[p.VacuumSkipped],
	}}, nil
}
