package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/fastenhealth/fasten-desktop/internal/records"
	"github.com/fastenhealth/fasten-desktop/internal/session"
)

// household prints everyone at a glance. It only reads: "new since last
// looked" is counted from when the window last opened each person, and
// this command does not move that mark.
func (e env) household(ctx context.Context, args []string) error {
	var asJSON bool
	return e.withVault("household", "household [flags] [--json]", args, func(fs *flag.FlagSet) {
		fs.BoolVar(&asJSON, "json", false, "print one JSON object")
	}, func(fs *flag.FlagSet) error {
		if fs.NArg() > 0 {
			return usageError{"household takes no arguments"}
		}
		return nil
	}, func(u *unlocked) error {
		h, err := u.session(session.Options{}).Household(ctx)
		if err != nil {
			return err
		}
		if asJSON {
			return json.NewEncoder(e.stdout).Encode(h)
		}
		printHousehold(e.stdout, h)
		return nil
	})
}

// printHousehold writes the household as plain text; every string from the
// records is cleaned.
func printHousehold(w io.Writer, h records.Household) {
	if len(h.Members) == 0 {
		fmt.Fprintln(w, "Nobody in the household yet: import a record or add a person.")
	}
	for i, m := range h.Members {
		if i > 0 {
			fmt.Fprintln(w)
		}
		head := clean(m.Person.Name)
		if m.Person.BirthDate != "" {
			head += ", born " + day(m.Person.BirthDate)
		}
		if m.Age != nil {
			head += fmt.Sprintf(" (%d)", *m.Age)
		}
		fmt.Fprintf(w, "%s: %d records\n", head, m.Person.Records)
		if m.ProblemCount == 0 {
			fmt.Fprintln(w, "  Active problems: none recorded")
		} else {
			names := make([]string, len(m.Problems))
			for i, p := range m.Problems {
				names[i] = clean(p.Display)
			}
			more := ""
			if n := m.ProblemCount - len(m.Problems); n > 0 {
				more = fmt.Sprintf(" and %d more", n)
			}
			fmt.Fprintf(w, "  Active problems (%d): %s%s\n", m.ProblemCount, strings.Join(names, "; "), more)
		}
		if len(m.Allergies) == 0 {
			fmt.Fprintln(w, "  Allergies: none recorded")
		} else {
			names := make([]string, len(m.Allergies))
			for i, a := range m.Allergies {
				names[i] = clean(a.Display)
				var how []string
				if a.Severity != "" {
					how = append(how, clean(a.Severity))
				}
				if a.Criticality != "" && a.Criticality != "unable-to-assess" {
					how = append(how, clean(a.Criticality)+" risk")
				}
				if len(how) > 0 {
					names[i] += " (" + strings.Join(how, ", ") + ")"
				}
			}
			fmt.Fprintf(w, "  Allergies (%d): %s\n", len(m.Allergies), strings.Join(names, "; "))
		}
		if m.LatestVisit != "" {
			fmt.Fprintf(w, "  Latest visit: %s\n", day(m.LatestVisit))
		}
		switch {
		case m.LastViewed == "":
			fmt.Fprintln(w, "  Not opened in Fasten yet")
		case m.NewCount == 0:
			fmt.Fprintln(w, "  Nothing new since last opened")
		default:
			kinds := make([]string, len(m.NewKinds))
			for i, k := range m.NewKinds {
				kinds[i] = fmt.Sprintf("%d %s", k.Count, kindLabel(k))
			}
			fmt.Fprintf(w, "  New since last opened: %s\n", strings.Join(kinds, ", "))
		}
		for _, c := range m.Connections {
			fmt.Fprintf(w, "  Connection %s: %s%s\n", clean(c.Provider), clean(c.StatusText), attentionMark(c))
		}
	}
	if len(h.Attention) > 0 {
		fmt.Fprintf(w, "\nConnections needing attention (%d)\n", len(h.Attention))
		for _, a := range h.Attention {
			who := clean(a.PersonName)
			if who == "" {
				who = "no one (person removed)"
			}
			fmt.Fprintf(w, "  %s, for %s: %s (fasten connect to sign in again)\n", clean(a.Connection.Provider), who, clean(a.Connection.StatusText))
		}
	}
}

func attentionMark(c records.ConnectionState) string {
	if c.NeedsAttention {
		return "  NEEDS ATTENTION"
	}
	return ""
}

// kindLabel names a kind of record in words, plural.
func kindLabel(k records.NewKind) string {
	if k.ResourceType == "Observation" {
		switch k.Category {
		case "laboratory":
			return "lab results"
		case "vital-signs":
			return "vital signs"
		}
		return "results"
	}
	if l, ok := kindLabels[k.ResourceType]; ok {
		return l
	}
	return "other records"
}

var kindLabels = map[string]string{
	"Condition": "problems", "AllergyIntolerance": "allergies", "MedicationRequest": "medications",
	"MedicationStatement": "medications", "Immunization": "vaccines", "Encounter": "visits",
	"Procedure": "procedures", "DiagnosticReport": "reports", "DocumentReference": "documents",
	"CarePlan": "care plans", "Goal": "goals", "Claim": "insurance claims", "ExplanationOfBenefit": "insurance statements",
	"Coverage": "insurance plans", "Patient": "patient records", "CareTeam": "care teams", "ImagingStudy": "imaging studies",
	"Device": "devices", "Media": "images", "Provenance": "provenance records",
}
