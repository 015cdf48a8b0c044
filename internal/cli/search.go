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

// search finds records the way the window's search box does: one person
// or the whole household, grouped by person and kind, typos, everyday
// words and codes understood. --json prints records.SearchResults, the
// same shape the window gets.
func (e env) search(ctx context.Context, args []string) error {
	var (
		person string
		q      records.SearchQuery
		asJSON bool
	)
	return e.withVault("search", "search [flags] [--person NAME] [--insurance] [--limit N] [--json] QUERY", args, func(fs *flag.FlagSet) {
		fs.StringVar(&person, "person", "", "only this household member (a name, or part of one); default: everyone")
		fs.BoolVar(&q.Insurance, "insurance", false, "include bills and coverage (otherwise only counted)")
		fs.IntVar(&q.Limit, "limit", 0, "most records shown per person and kind (1-500; default 20 for one person, 5 for everyone)")
		fs.BoolVar(&asJSON, "json", false, `print {"query","total","people":[{"personId","name","total","groups":[{"resourceType","category","total","hits":[{"item","segments"}]}]}],"insuranceHidden","understood"}`)
	}, func(fs *flag.FlagSet) error {
		// Flags may follow the words too (`fasten search flu shot --json`):
		// the flag package stops at the first word, so parse on after each.
		var words []string
		for rest := fs.Args(); len(rest) > 0; rest = fs.Args() {
			words = append(words, rest[0])
			if err := fs.Parse(rest[1:]); err != nil {
				return err // as withVault's own Parse: the flag package said why
			}
		}
		q.Text = strings.TrimSpace(strings.Join(words, " "))
		if q.Text == "" {
			return usageError{"say what to search for"}
		}
		if q.Limit < 0 || q.Limit > 500 {
			return usageError{"--limit must be between 1 and 500"}
		}
		return nil
	}, func(u *unlocked) error {
		if strings.TrimSpace(person) != "" {
			p, err := findPerson(ctx, u.records(), person)
			if err != nil {
				return err
			}
			q.PersonID = p.ID
		}
		res, err := u.records().SearchRecords(ctx, q)
		if err != nil {
			return err
		}
		if asJSON {
			return json.NewEncoder(e.stdout).Encode(res)
		}
		printSearch(e.stdout, res)
		return nil
	})
}

// printSearch writes the results as plain text, matches in [brackets];
// every string came from a file or provider, so each is cleaned.
func printSearch(w io.Writer, res records.SearchResults) {
	for _, t := range res.Understood {
		fmt.Fprintf(w, "%q also searched as: %s\n", clean(t.Typed), clean(strings.Join(t.Means, ", ")))
	}
	if len(res.Understood) > 0 {
		fmt.Fprintln(w)
	}
	for _, p := range res.People {
		fmt.Fprintf(w, "%s (%d)\n", clean(p.Name), p.Total)
		for _, g := range p.Groups {
			fmt.Fprintf(w, "  %s (%d)\n", searchKindLabel(g.ResourceType, g.Category), g.Total)
			for _, h := range g.Hits {
				var b strings.Builder
				for _, s := range h.Segments {
					if s.Match {
						b.WriteString("[" + clean(s.Text) + "]")
					} else {
						b.WriteString(clean(s.Text))
					}
				}
				text := b.String()
				if h.InDocument {
					// The words are from its document: name the record first.
					name := clean(h.Item.Display)
					if name == "" {
						name = "Record"
					}
					text = name + ": in its document \u201c" + text + "\u201d"
				}
				line := fmt.Sprintf("    %s  %s", day(h.Item.Date), text)
				if h.ByCode {
					line += "  (code " + clean(h.Item.Code) + ")"
				}
				fmt.Fprintf(w, "%s  #%d\n", line, h.Item.ID)
			}
			if g.Total > len(g.Hits) {
				fmt.Fprintf(w, "    … %d more\n", g.Total-len(g.Hits))
			}
		}
	}
	if res.Total == 0 {
		fmt.Fprintln(w, "Nothing found. Try another word, such as a medicine or a test name.")
	}
	if res.InsuranceHidden > 0 {
		fmt.Fprintf(w, "\n%d insurance record(s) also match: add --insurance to see them.\n", res.InsuranceHidden)
	}
}

// searchKindLabel names a group in plain words, as the window does.
func searchKindLabel(typ, category string) string {
	if typ == "Observation" {
		switch category {
		case "laboratory":
			return "Lab results"
		case "vital-signs":
			return "Vital signs"
		case "social-history":
			return "Social history"
		case "survey":
			return "Questionnaires"
		}
		return "Results"
	}
	if l, ok := map[string]string{
		"Condition": "Problems", "AllergyIntolerance": "Allergies", "MedicationRequest": "Medicines",
		"MedicationStatement": "Medicines taken", "Immunization": "Vaccines", "DiagnosticReport": "Reports",
		"Procedure": "Procedures", "Encounter": "Visits", "DocumentReference": "Documents", "CarePlan": "Care plans",
		"Goal": "Goals", "Device": "Devices", "ImagingStudy": "Imaging", "Claim": "Bills", "ExplanationOfBenefit": "Insurance statements",
		"Coverage": "Coverage", "Patient": "Patient details", "CareTeam": "Care teams",
	}[typ]; ok {
		return l
	}
	return clean(typ)
}
