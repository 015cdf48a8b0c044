package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/fastenhealth/fasten-desktop/internal/records"
	"github.com/fastenhealth/fasten-desktop/internal/session"
)

// dashboard prints one person's health record at a glance.
func (e env) dashboard(ctx context.Context, args []string) error {
	var person string
	var asJSON bool
	return e.withVault("dashboard", "dashboard [flags] --person NAME [--json]", args, func(fs *flag.FlagSet) {
		fs.StringVar(&person, "person", "", "the household member (a name, or part of one)")
		fs.BoolVar(&asJSON, "json", false, "print one JSON object")
	}, func(*flag.FlagSet) error {
		if strings.TrimSpace(person) == "" {
			return usageError{"--person is required"}
		}
		return nil
	}, func(u *unlocked) error {
		p, err := findPerson(ctx, u.records(), person)
		if err != nil {
			return err
		}
		d, err := u.session(session.Options{}).Dashboard(ctx, p.ID)
		if err != nil {
			return err
		}
		if asJSON {
			return json.NewEncoder(e.stdout).Encode(d)
		}
		printDashboard(e.stdout, d)
		return nil
	})
}

// printDashboard writes the dashboard as plain text. Everything in it came
// from files or providers, so every string is cleaned.
func printDashboard(w io.Writer, d records.Dashboard) {
	head := clean(d.Person.Name)
	if d.Person.BirthDate != "" {
		head += ", born " + clean(d.Person.BirthDate)
	}
	if d.Age != nil {
		head += fmt.Sprintf(" (%d)", *d.Age)
	}
	fmt.Fprintln(w, head)
	section := func(title string, n int) bool {
		fmt.Fprintf(w, "\n%s (%d)\n", title, n)
		if n == 0 {
			fmt.Fprintln(w, "  none recorded")
		}
		return n > 0
	}
	if section("Active problems", len(d.Problems)) {
		for _, it := range d.Problems {
			fmt.Fprintf(w, "  %s  since %s\n", clean(it.Display), day(it.Date))
		}
	}
	if section("Current medications", len(d.Medications)) {
		for _, it := range d.Medications {
			fmt.Fprintf(w, "  %s  (%s)\n", clean(it.Display), day(it.Date))
		}
	}
	if d.PastMedications > 0 {
		fmt.Fprintf(w, "  and %d past\n", d.PastMedications)
	}
	if section("Allergies", len(d.Allergies)) {
		for _, a := range d.Allergies {
			line := "  " + clean(a.Display)
			if len(a.Reactions) > 0 {
				line += ": " + clean(strings.Join(a.Reactions, ", "))
			}
			if a.Severity != "" {
				line += "; severity " + clean(a.Severity)
			}
			if a.Criticality != "" {
				line += "; criticality " + clean(a.Criticality)
			}
			fmt.Fprintln(w, line)
		}
	}
	if section("Immunizations", len(d.Immunizations)) {
		for _, v := range d.Immunizations {
			dates := make([]string, len(v.Doses))
			for i, dose := range v.Doses {
				dates[i] = day(dose.Date)
			}
			fmt.Fprintf(w, "  %s: %s\n", clean(v.Display), strings.Join(dates, ", "))
		}
	}
	if section("Recent visits", len(d.Visits)) {
		for _, v := range d.Visits {
			line := fmt.Sprintf("  %s  %s", day(v.Date), clean(v.Type))
			if v.Reason != "" {
				line += " for " + clean(v.Reason)
			}
			if v.Where != "" {
				line += " at " + clean(v.Where)
			}
			fmt.Fprintln(w, line)
		}
	}
	if section("Latest vitals", len(d.Vitals)) {
		for _, it := range d.Vitals {
			fmt.Fprintf(w, "  %s: %s  (%s)\n", clean(it.Display), value(it), day(it.Date))
		}
	}
	if section("Results outside the normal range", len(d.Flagged)) {
		for _, f := range d.Flagged {
			fmt.Fprintf(w, "  %s: %s [%s]  (%s)\n", clean(f.Result.Display), value(f.Result), clean(f.Flag), day(f.Result.Date))
		}
	}
	if section("Care plans", len(d.CarePlans)) {
		for _, it := range d.CarePlans {
			fmt.Fprintf(w, "  %s  (since %s)\n", clean(it.Display), day(it.Date))
		}
	}
	if section("Goals", len(d.Goals)) {
		for _, it := range d.Goals {
			fmt.Fprintf(w, "  %s\n", clean(it.Display))
		}
	}
	if section("Connections", len(d.Connections)) {
		for _, c := range d.Connections {
			last := "never synced"
			if c.LastSynced != "" {
				last = "last synced " + c.LastSynced
			}
			attention := ""
			if c.NeedsAttention {
				attention = "  NEEDS ATTENTION"
			}
			fmt.Fprintf(w, "  %s: %s, %s%s\n", clean(c.Provider), clean(c.StatusText), last, attention)
		}
	}
}

// day is the date part of a FHIR date or dateTime.
func day(d string) string {
	if len(d) >= 10 {
		d = d[:10]
	}
	if d == "" {
		return "no date"
	}
	return clean(d)
}

// value is a result's value with its unit.
func value(it records.Item) string {
	v := it.ValueText
	if it.ValueNum != nil {
		// Two decimals at most: sources store floats like 98.28800000000001.
		v = strconv.FormatFloat(math.Round(*it.ValueNum*100)/100, 'f', -1, 64)
	}
	if it.Unit != "" {
		v += " " + it.Unit
	}
	return clean(v)
}
