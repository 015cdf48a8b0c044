package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/fastenhealth/fasten-desktop/internal/records"
)

// repeated collects a flag given several times (--type A --type B).
type repeated []string

func (r *repeated) String() string { return strings.Join(*r, ",") }
func (r *repeated) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*r = append(*r, s)
		}
	}
	return nil
}

// timelineOutput is the --json form: the page and the token for the next
// one, absent on the last page.
type timelineOutput struct {
	Items []records.TimelineItem `json:"items"`
	Next  string                 `json:"next,omitempty"`
}

// timeline prints one page of a person's records, newest first.
func (e env) timeline(ctx context.Context, args []string) error {
	var (
		person, after string
		types         repeated
		q             records.TimelineQuery
		asJSON        bool
	)
	return e.withVault("timeline", "timeline [flags] --person NAME [--type T]... [--since DATE] [--until DATE] [--limit N] [--after CURSOR] [--json]", args, func(fs *flag.FlagSet) {
		fs.StringVar(&person, "person", "", "the household member (a name, or part of one)")
		fs.Var(&types, "type", "only this record type (repeat or comma-separate for several; default: every clinical type)")
		fs.Int64Var(&q.Source, "source", 0, "only records from this source id")
		fs.StringVar(&q.Since, "since", "", "from this date on: YYYY, YYYY-MM or YYYY-MM-DD")
		fs.StringVar(&q.Until, "until", "", "up to and including this date: YYYY, YYYY-MM or YYYY-MM-DD")
		fs.IntVar(&q.Limit, "limit", 50, "records per page (1-500)")
		fs.StringVar(&after, "after", "", "continue after this cursor (the previous page's \"next\")")
		fs.BoolVar(&asJSON, "json", false, `print {"items":[...],"next":"..."}`)
	}, func(*flag.FlagSet) error {
		if strings.TrimSpace(person) == "" {
			return usageError{"--person is required"}
		}
		if q.Limit < 1 || q.Limit > 500 {
			return usageError{"--limit must be between 1 and 500"}
		}
		if after != "" {
			c, err := records.ParseCursor(after)
			if err != nil {
				return usageError{err.Error()}
			}
			q.After = c
		}
		q.Types = types
		return nil
	}, func(u *unlocked) error {
		p, err := findPerson(ctx, u.records(), person)
		if err != nil {
			return err
		}
		pg, err := u.records().Timeline(ctx, p.ID, q)
		if errors.Is(err, records.ErrBadTimelineQuery) {
			return usageError{err.Error()}
		}
		if err != nil {
			return err
		}
		out := timelineOutput{Items: pg.Items}
		if pg.Next != nil {
			out.Next = pg.Next.String()
		}
		if asJSON {
			return json.NewEncoder(e.stdout).Encode(out)
		}
		visit := int64(-1)
		for _, it := range pg.Items {
			// A blank line between visits, so what happened at one reads together.
			if it.Encounter != visit && visit != -1 {
				fmt.Fprintln(e.stdout)
			}
			visit = it.Encounter
			line := fmt.Sprintf("%s  %-22s %s", day(it.Date), clean(it.ResourceType), clean(it.Display))
			if it.ValueNum != nil || it.ValueText != "" {
				line += ": " + value(records.Item{ValueNum: it.ValueNum, ValueText: it.ValueText, Unit: it.Unit})
			}
			fmt.Fprintf(e.stdout, "%s  [%s]\n", line, clean(it.Source))
		}
		if len(pg.Items) == 0 {
			fmt.Fprintln(e.stdout, "No records match.")
		}
		if out.Next != "" {
			fmt.Fprintf(e.stdout, "\nMore: --after %s\n", out.Next)
		}
		return nil
	})
}
