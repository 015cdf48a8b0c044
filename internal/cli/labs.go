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
)

// labsOutput is the --json form: every series (or the one test asked for),
// each point one measurement with every source that reported it.
type labsOutput struct {
	Series []records.LabSeries `json:"series"`
}

// labs prints a person's lab and vital trends: with --code, that test's
// results oldest first; without, every test with how many results and the
// latest (--json: every series with its points).
func (e env) labs(ctx context.Context, args []string) error {
	var (
		person, code string
		asJSON       bool
	)
	return e.withVault("labs", "labs [flags] --person NAME [--code LOINC] [--json]", args, func(fs *flag.FlagSet) {
		fs.StringVar(&person, "person", "", "the household member (a name, or part of one)")
		fs.StringVar(&code, "code", "", `one test: its LOINC code (e.g. 2093-3), or a series key from --json ("text:…" for a test without LOINC)`)
		fs.BoolVar(&asJSON, "json", false, `print {"series":[{"code","system","display","unit","points":[{"date","value","unit","low","high","flag","sources":[...]}]}]}`)
	}, func(fs *flag.FlagSet) error {
		if strings.TrimSpace(person) == "" {
			return usageError{"--person is required"}
		}
		if fs.NArg() > 0 {
			return usageError{"labs takes no arguments"}
		}
		return nil
	}, func(u *unlocked) error {
		p, err := findPerson(ctx, u.records(), person)
		if err != nil {
			return err
		}
		l, err := u.records().Labs(ctx, p.ID, records.LabsQuery{Code: code})
		if err != nil {
			return err
		}
		if asJSON {
			return json.NewEncoder(e.stdout).Encode(labsOutput{Series: l.Series})
		}
		printLabs(e.stdout, l, code != "")
		return nil
	})
}

// printLabs writes the series as plain text; every string came from a file
// or provider, so each is cleaned.
func printLabs(w io.Writer, l records.Labs, points bool) {
	if len(l.Series) == 0 {
		if points {
			fmt.Fprintln(w, "No results for this test.")
		} else {
			fmt.Fprintln(w, "No lab results or vital signs yet.")
		}
		return
	}
	for i, s := range l.Series {
		head := clean(s.Display)
		if s.Unit != "" {
			head += " (" + clean(s.Unit) + ")"
		}
		if s.Code != "" {
			head += "  LOINC " + clean(s.Code)
		}
		if !points {
			last := s.Points[len(s.Points)-1]
			fmt.Fprintf(w, "%s: %d results, latest %s on %s%s\n", head, len(s.Points), labValue(last), day(last.Date), flagNote(last))
			continue
		}
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintln(w, head)
		for _, p := range s.Points {
			line := "  " + day(p.Date) + "  " + labValue(p)
			if r := labRange(p); r != "" {
				line += "  normal " + r
			}
			line += flagNote(p)
			if p.From != nil {
				line += fmt.Sprintf("  (converted from %s %s)", num(p.From.Value), clean(p.From.Unit))
			}
			srcs := make([]string, len(p.Sources))
			for j, src := range p.Sources {
				srcs[j] = clean(src.Source)
			}
			line += "  from " + strings.Join(srcs, ", ")
			fmt.Fprintln(w, line)
		}
	}
}

func num(f float64) string {
	return strconv.FormatFloat(math.Round(f*100)/100, 'f', -1, 64)
}

func labValue(p records.LabPoint) string {
	v := clean(p.Text)
	if p.Value != nil {
		v = num(*p.Value)
		if p.Value2 != nil {
			v += "/" + num(*p.Value2)
		}
	}
	if p.Unit != "" && p.Value != nil {
		v += " " + clean(p.Unit)
	}
	return v
}

func labRange(p records.LabPoint) string {
	switch {
	case p.Low != nil && p.High != nil:
		return num(*p.Low) + "–" + num(*p.High)
	case p.Low != nil:
		return "≥ " + num(*p.Low)
	case p.High != nil:
		return "≤ " + num(*p.High)
	}
	return clean(p.Range)
}

func flagNote(p records.LabPoint) string {
	if !p.Abnormal {
		return ""
	}
	switch p.Flag {
	case "H", "HH", "HU", ">":
		return "  HIGH"
	case "L", "LL", "LU", "<":
		return "  LOW"
	}
	return "  ABNORMAL"
}
