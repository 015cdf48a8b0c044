package main

import (
	"context"
	"fmt"
	"time"

	"github.com/fastenhealth/fasten-desktop/internal/records"
)

// trendsViews times the Trends view for each person (issue 9): the series
// list its picker shows (LabList) and one lab series — the person's longest,
// the most points a chart of one test draws — rounds times over. Latencies
// in ms go to record under "trends" and "lab-series" (prefix "whole-" for
// the one person holding the whole vault).
func trendsViews(ctx context.Context, st *records.Store, people []int64, rounds int, prefix string, record func(string, []float64)) error {
	longest := map[int64]string{}
	for _, p := range people {
		list, err := st.LabList(ctx, p)
		if err != nil {
			return fmt.Errorf("lab list: %w", err)
		}
		most := 0
		for _, s := range list {
			if s.Kind == "lab" && s.Count > most {
				most, longest[p] = s.Count, s.Key
			}
		}
	}
	var list, series []float64
	for round := 0; round < rounds; round++ {
		for _, p := range people {
			t := time.Now()
			if _, err := st.LabList(ctx, p); err != nil {
				return fmt.Errorf("lab list: %w", err)
			}
			list = append(list, float64(time.Since(t).Microseconds())/1000)
			key := longest[p]
			if key == "" {
				continue // nobody's results, nothing to chart
			}
			t = time.Now()
			if _, err := st.Labs(ctx, p, records.LabsQuery{Code: key}); err != nil {
				return fmt.Errorf("lab series: %w", err)
			}
			series = append(series, float64(time.Since(t).Microseconds())/1000)
		}
	}
	record(prefix+"trends", list)
	record(prefix+"lab-series", series)
	return nil
}
