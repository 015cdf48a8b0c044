package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/fastenhealth/fasten-desktop/internal/records"
)

// insuranceOutput is the --json form: the page as the app gets it, and the
// token for the next page, absent on the last.
type insuranceOutput struct {
	Coverages []records.InsuranceCoverage `json:"coverages"`
	Claims    []records.InsuranceClaim    `json:"claims"`
	Years     []records.InsuranceYear     `json:"years"`
	Next      string                      `json:"next,omitempty"`
}

// insurance prints a person's coverages and bills: what was billed, what
// insurance paid and what they owed, newest first, a page at a time.
func (e env) insurance(ctx context.Context, args []string) error {
	var (
		person, after string
		limit         int
		asJSON        bool
		cur           records.Cursor
	)
	return e.withVault("insurance", "insurance [flags] --person NAME [--limit N] [--after CURSOR] [--json]", args, func(fs *flag.FlagSet) {
		fs.StringVar(&person, "person", "", "the household member (a name, or part of one)")
		fs.IntVar(&limit, "limit", 50, "bills per page (1-500)")
		fs.StringVar(&after, "after", "", "continue after this cursor (the previous page's \"next\")")
		fs.BoolVar(&asJSON, "json", false, `print {"coverages":[...],"claims":[...],"years":[...],"next":"..."} (money in cents)`)
	}, func(*flag.FlagSet) error {
		if strings.TrimSpace(person) == "" {
			return usageError{"--person is required"}
		}
		if limit < 1 || limit > 500 {
			return usageError{"--limit must be between 1 and 500"}
		}
		if after != "" {
			c, err := records.ParseCursor(after)
			if err != nil {
				return usageError{err.Error()}
			}
			cur = c
		}
		return nil
	}, func(u *unlocked) error {
		p, err := findPerson(ctx, u.records(), person)
		if err != nil {
			return err
		}
		pg, err := u.records().Insurance(ctx, p.ID, cur, limit)
		if err != nil {
			return err
		}
		out := insuranceOutput{Coverages: pg.Coverages, Claims: pg.Claims, Years: pg.Years}
		if pg.Next != nil {
			out.Next = pg.Next.String()
		}
		if asJSON {
			return json.NewEncoder(e.stdout).Encode(out)
		}
		printInsurance(e.stdout, out)
		return nil
	})
}

// printInsurance writes the page as plain text; every string came from a
// file or provider, so each is cleaned.
func printInsurance(w io.Writer, out insuranceOutput) {
	if len(out.Coverages) > 0 {
		fmt.Fprintln(w, "Coverage")
		for _, c := range out.Coverages {
			line := "  " + clean(firstOf(c.Payer, "Insurance"))
			if c.Plan != "" {
				line += " — " + clean(c.Plan)
			}
			if c.HasMemberID {
				line += "  member •••• " + clean(c.MemberIDLast4)
			}
			if c.Status != "" {
				line += "  (" + clean(c.Status) + ")"
			}
			if c.Start != "" || c.End != "" {
				line += "  " + day(c.Start) + " – " + day(c.End)
			}
			fmt.Fprintln(w, line)
		}
		fmt.Fprintln(w)
	}
	totals := map[string][]records.InsuranceYear{}
	for _, y := range out.Years {
		totals[y.Year] = append(totals[y.Year], y)
	}
	year := ""
	for _, c := range out.Claims {
		if y := firstN(c.Date, 4); y != year {
			year = y
			for _, t := range totals[y] {
				fmt.Fprintf(w, "%s  billed %s · insurance paid %s · you owed %s\n", clean(y),
					money(&t.Billed, t.Currency), money(&t.Paid, t.Currency), money(&t.Owed, t.Currency))
			}
		}
		fmt.Fprintf(w, "  %s  %s — %s\n      Billed %s · Insurance paid %s · You owed %s\n", day(c.Date),
			clean(firstOf(c.Provider, "Unknown provider")), clean(strings.Join(c.For, ", ")),
			money(c.Billed, c.Currency), money(c.Paid, c.Currency), money(c.Owed, c.Currency))
	}
	if len(out.Claims) == 0 && len(out.Coverages) == 0 {
		fmt.Fprintln(w, "No insurance records yet — they arrive with portal downloads that include claims.")
	}
	if out.Next != "" {
		fmt.Fprintf(w, "\nMore: --after %s\n", out.Next)
	}
}

// money writes cents as an amount with its currency code ("901.34 USD"),
// "not stated" when the records do not say.
func money(cents *int64, currency string) string {
	if cents == nil {
		return "not stated"
	}
	n := *cents
	sign := ""
	if n < 0 {
		sign, n = "-", -n
	}
	s := fmt.Sprintf("%s%d.%02d", sign, n/100, n%100)
	if currency != "" {
		s += " " + clean(currency)
	}
	return s
}

func firstOf(s, fallback string) string {
	if strings.TrimSpace(s) == "" {
		return fallback
	}
	return s
}

func firstN(s string, n int) string {
	if len(s) < n {
		return s
	}
	return s[:n]
}
