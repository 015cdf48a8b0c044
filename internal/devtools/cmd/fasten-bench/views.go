package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"sort"
	"time"

	"github.com/fastenhealth/fasten-desktop/internal/records"
	"github.com/fastenhealth/fasten-desktop/internal/session"
	"github.com/fastenhealth/fasten-desktop/internal/vault"
)

// viewsPhase measures the person views of issue 8 on the query phase's
// vault: the dashboard (with connections, as the window asks for it) and
// the timeline's first and 50th page, reached by following cursors the way
// scrolling does (only the 50th fetch is timed), and the household view.
func viewsPhase(dir string) (result, error) {
	ctx := context.Background()
	v, err := vault.Open(filepath.Join(dir, "bench.fasten"), passphrase)
	if err != nil {
		return result{}, err
	}
	sess := session.Open(v, session.Options{})
	defer sess.Close()
	st := sess.Records()
	people, err := st.People(ctx)
	if err != nil || len(people) == 0 {
		return result{}, fmt.Errorf("people: %v (%d)", err, len(people))
	}
	extra := map[string]float64{}
	record := func(name string, lat []float64) {
		extra[name+"-n"] = float64(len(lat))
		if len(lat) == 0 {
			return
		}
		sort.Float64s(lat)
		pct := func(q float64) float64 { return lat[int(q*float64(len(lat)-1))] }
		extra[name+"-p50"], extra[name+"-p95"], extra[name+"-max"] = pct(0.5), pct(0.95), lat[len(lat)-1]
	}
	timed := func(fn func() error) (float64, error) {
		t := time.Now()
		err := fn()
		return float64(time.Since(t).Microseconds()) / 1000, err
	}
	// FASTEN_BENCH_PROFILE=DIR keeps a CPU profile of each measured part
	// (DIR/<name>.prof), for `go tool pprof`.
	profile := func(name string) (stop func(), err error) {
		dir := os.Getenv("FASTEN_BENCH_PROFILE")
		if dir == "" {
			return func() {}, nil
		}
		f, err := os.Create(filepath.Join(dir, name+".prof"))
		if err != nil {
			return nil, err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return nil, err
		}
		return func() { pprof.StopCPUProfile(); f.Close() }, nil
	}
	var dash, first, deep []float64
	const pageSize = 50
	stop, err := profile("person-views")
	if err != nil {
		return result{}, err
	}
	for round := 0; round < 5; round++ {
		for _, p := range people {
			ms, err := timed(func() error { _, err := sess.Dashboard(ctx, p.ID); return err })
			if err != nil {
				return result{}, fmt.Errorf("dashboard: %w", err)
			}
			dash = append(dash, ms)
			var pg records.TimelinePage
			ms, err = timed(func() error { pg, err = st.Timeline(ctx, p.ID, records.TimelineQuery{Limit: pageSize}); return err })
			if err != nil {
				return result{}, fmt.Errorf("timeline: %w", err)
			}
			first = append(first, ms)
			// Scroll to page 50, or to the last page of people with fewer
			// (each fact shows once: twelve copies of a record are one
			// item, so nobody here has 50 pages of 50); the deepest is
			// timed.
			last := -1.0
			for n := 2; n <= 50 && pg.Next != nil; n++ {
				q := records.TimelineQuery{Limit: pageSize, After: *pg.Next}
				ms, err = timed(func() error { pg, err = st.Timeline(ctx, p.ID, q); return err })
				if err != nil {
					return result{}, fmt.Errorf("timeline: %w", err)
				}
				last = ms
			}
			if last >= 0 {
				deep = append(deep, last)
			}
		}
	}
	stop()
	record("dashboard", dash)
	record("timeline-first", first)
	record("timeline-deepest", deep)
	ids := make([]int64, len(people))
	for i, p := range people {
		ids[i] = p.ID
	}
	if err := trendsViews(ctx, st, ids, 5, "", record); err != nil {
		return result{}, err
	}

	// The household view, everyone at once (with connections, as the window
	// asks for it): first with every record just opened (nothing new), then
	// as if each was last opened before any record arrived (every record
	// new: "new since" reads the most rows it can).
	household := func(name string) error {
		stop, err := profile(name)
		if err != nil {
			return err
		}
		defer stop()
		var lat []float64
		for round := 0; round < 20; round++ {
			ms, err := timed(func() error { _, err := sess.Household(ctx); return err })
			if err != nil {
				return fmt.Errorf("household: %w", err)
			}
			lat = append(lat, ms)
		}
		record(name, lat)
		return nil
	}
	for _, p := range people {
		if err := st.MarkViewed(ctx, p.ID); err != nil {
			return result{}, err
		}
	}
	if err := household("household"); err != nil {
		return result{}, err
	}
	for _, p := range people {
		if err := st.SetSetting(ctx, records.ViewedKey(p.ID), "2000-01-01T00:00:00.000000Z"); err != nil {
			return result{}, err
		}
	}
	if err := household("household-all-new"); err != nil {
		return result{}, err
	}

	// Search (issue 9): per person and household-wide, for a misspelling,
	// a synonym, a code and a plain word. The first search reads the
	// index's vocabulary (cached until the index changes): timed apart.
	ms, err := timed(func() error {
		_, err := st.SearchRecords(ctx, records.SearchQuery{Text: "cholestrol", PersonID: people[0].ID})
		return err
	})
	if err != nil {
		return result{}, fmt.Errorf("search: %w", err)
	}
	extra["search-first-ms"] = ms
	if err := searchBench(ctx, st, people, record, timed, profile); err != nil {
		return result{}, err
	}

	// Scaled fixtures give each person a few hundred records, so nobody has
	// a 50th page of 50. The worst case is one person holding the whole
	// vault: link every Patient to the first person (this phase is the
	// last to use bench.fasten) and measure that person's views.
	links, err := v.DB().QueryContext(ctx, "SELECT source_id, patient_id FROM patient_links")
	if err != nil {
		return result{}, err
	}
	var keys []string
	for links.Next() {
		var src int64
		var pid string
		if err := links.Scan(&src, &pid); err != nil {
			links.Close()
			return result{}, err
		}
		keys = append(keys, fmt.Sprintf("%d/%s", src, pid))
	}
	links.Close()
	whole := people[0].ID
	for _, k := range keys {
		if err := st.AssignPatient(ctx, k, whole); err != nil {
			return result{}, err
		}
	}
	var wdash, wfirst, wdeep []float64
	for round := 0; round < 20; round++ {
		ms, err := timed(func() error { _, err := sess.Dashboard(ctx, whole); return err })
		if err != nil {
			return result{}, fmt.Errorf("dashboard: %w", err)
		}
		wdash = append(wdash, ms)
		var pg records.TimelinePage
		ms, err = timed(func() error { pg, err = st.Timeline(ctx, whole, records.TimelineQuery{Limit: pageSize}); return err })
		if err != nil {
			return result{}, fmt.Errorf("timeline: %w", err)
		}
		wfirst = append(wfirst, ms)
		for n := 2; n <= 50 && pg.Next != nil; n++ {
			q := records.TimelineQuery{Limit: pageSize, After: *pg.Next}
			ms, err = timed(func() error { pg, err = st.Timeline(ctx, whole, q); return err })
			if err != nil {
				return result{}, fmt.Errorf("timeline: %w", err)
			}
			if n == 50 {
				wdeep = append(wdeep, ms)
			}
		}
	}
	var total int
	if err := v.DB().QueryRowContext(ctx, "SELECT count(*) FROM summaries WHERE person_id = ?", whole).Scan(&total); err != nil {
		return result{}, err
	}
	extra["wholeRecords"] = float64(total)
	if err := trendsViews(ctx, st, []int64{whole}, 20, "whole-", record); err != nil {
		return result{}, err
	}
	record("whole-dashboard", wdash)
	record("whole-timeline-first", wfirst)
	record("whole-timeline-page-50", wdeep)
	var wsearch []float64
	for round := 0; round < 5; round++ {
		for _, q := range searchQueries {
			ms, err := timed(func() error {
				_, err := st.SearchRecords(ctx, records.SearchQuery{Text: q.text, PersonID: whole})
				return err
			})
			if err != nil {
				return result{}, fmt.Errorf("search: %w", err)
			}
			wsearch = append(wsearch, ms)
		}
	}
	record("whole-search", wsearch)
	return result{Phase: "views", Extra: extra}, nil
}

func printViews(r result) {
	fmt.Printf("%-34s %8s %8s %8s  (n)\n", "person views latency ms", "p50", "p95", "max")
	for _, name := range []string{"dashboard", "timeline-first", "timeline-deepest", "household", "household-all-new",
		"search-typo", "search-synonym", "search-code", "search-word", "search-household", "trends", "lab-series"} {
		fmt.Printf("%-34s %8.2f %8.2f %8.2f  (%d)\n", name, r.Extra[name+"-p50"], r.Extra[name+"-p95"], r.Extra[name+"-max"], int(r.Extra[name+"-n"]))
	}
	fmt.Printf("one person holding all %d records:\n", int(r.Extra["wholeRecords"]))
	for _, name := range []string{"whole-dashboard", "whole-timeline-first", "whole-timeline-page-50", "whole-search", "whole-trends", "whole-lab-series"} {
		fmt.Printf("%-34s %8.2f %8.2f %8.2f  (%d)\n", name, r.Extra[name+"-p50"], r.Extra[name+"-p95"], r.Extra[name+"-max"], int(r.Extra[name+"-n"]))
	}
	fmt.Printf("first search (reads the index's vocabulary): %.1f ms\n", r.Extra["search-first-ms"])
	fmt.Printf("views phase peak RSS: %.0f MB (target p95 < 50 ms each; timeline-deepest: page 50 or the last page, if earlier)\n\n", r.PeakRSSMB)
}

// searchQueries are what the search bench types, by what each exercises.
var searchQueries = []struct{ kind, text string }{
	{"typo", "cholestrol"}, {"typo", "diabetis"}, {"typo", "hemoglobn"},
	{"synonym", "flu shot"}, {"synonym", "sugar"}, {"synonym", "bp"}, {"synonym", "shots"},
	{"code", "2093-3"}, {"code", "44054006"},
	{"word", "glucose"}, {"word", "blood pressure"},
}

// searchBench times every query for every person (search-<kind>) and for
// the whole household (search-household).
func searchBench(ctx context.Context, st *records.Store, people []records.Person, record func(string, []float64),
	timed func(func() error) (float64, error), profile func(string) (func(), error)) error {
	stop, err := profile("search")
	if err != nil {
		return err
	}
	defer stop()
	byKind := map[string][]float64{}
	var household []float64
	for round := 0; round < 3; round++ {
		for _, q := range searchQueries {
			for _, p := range people {
				ms, err := timed(func() error {
					_, err := st.SearchRecords(ctx, records.SearchQuery{Text: q.text, PersonID: p.ID})
					return err
				})
				if err != nil {
					return fmt.Errorf("search: %w", err)
				}
				byKind[q.kind] = append(byKind[q.kind], ms)
			}
			ms, err := timed(func() error {
				_, err := st.SearchRecords(ctx, records.SearchQuery{Text: q.text})
				return err
			})
			if err != nil {
				return fmt.Errorf("search: %w", err)
			}
			household = append(household, ms)
		}
	}
	for k, lat := range byKind {
		record("search-"+k, lat)
	}
	record("search-household", household)
	return nil
}
