package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/fastenhealth/fasten-desktop/internal/records"
)

// Records a family keeps themselves, from the command line: add one
// (typed, or a FHIR resource from a file), edit or delete one they added,
// and hide or note any record.

// entryFlags are the fields of a typed entry.
type entryFlags struct {
	kind, display, date, end, code, status, vital, unit, reaction, severity, relationship, dose, lot, performer, text string
	value, value2, low, high                                                                                          string
}

func (f *entryFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.kind, "type", "", "what it is: "+kindList())
	fs.StringVar(&f.display, "display", "", "what it is, in words (\"Peanut allergy\", \"Ibuprofen\")")
	fs.StringVar(&f.date, "date", "", "when it began, was given or measured: YYYY, YYYY-MM or YYYY-MM-DD")
	fs.StringVar(&f.end, "end", "", "when it ended (conditions, medications)")
	fs.StringVar(&f.code, "code", "", "optional code as SYSTEM|CODE (snomed, loinc, rxnorm, cvx, icd10 or a URI)")
	fs.StringVar(&f.status, "status", "", "active, resolved (conditions), stopped (medications), inactive (allergies)")
	fs.StringVar(&f.vital, "vital", "", "for --type vital: "+vitalList())
	fs.StringVar(&f.value, "value", "", "the reading (vital, lab); blood pressure's upper number")
	fs.StringVar(&f.value2, "value2", "", "blood pressure's lower number")
	fs.StringVar(&f.unit, "unit", "", "the reading's unit (mg/dL, mmol/L, kg, lb, mmHg…)")
	fs.StringVar(&f.low, "low", "", "lab: bottom of the normal range")
	fs.StringVar(&f.high, "high", "", "lab: top of the normal range")
	fs.StringVar(&f.reaction, "reaction", "", "allergy: what happens")
	fs.StringVar(&f.severity, "severity", "", "allergy: mild, moderate or severe")
	fs.StringVar(&f.relationship, "relationship", "", "family history: mother, father, sister…")
	fs.StringVar(&f.dose, "dose", "", "medication: how it is taken")
	fs.StringVar(&f.lot, "lot", "", "vaccine: lot number")
	fs.StringVar(&f.performer, "performer", "", "vaccine, procedure: who gave or did it")
	fs.StringVar(&f.text, "text", "", "a note (a visit note's body)")
}

func kindList() string {
	ks := make([]string, len(records.EntryKinds))
	for i, k := range records.EntryKinds {
		ks[i] = string(k)
	}
	return strings.Join(ks, ", ")
}

func vitalList() string {
	vs := make([]string, len(records.VitalSigns))
	for i, v := range records.VitalSigns {
		vs[i] = v.Name
	}
	return strings.Join(vs, ", ")
}

// entry builds the Entry; numbers that do not parse are usage errors.
func (f *entryFlags) entry() (records.Entry, error) {
	e := records.Entry{Kind: records.EntryKind(f.kind), Display: f.display, Date: f.date, EndDate: f.end, Status: f.status, Vital: f.vital,
		Unit: f.unit, Reaction: f.reaction, Severity: f.severity, Relationship: f.relationship, Dose: f.dose, Lot: f.lot, Performer: f.performer, Text: f.text}
	if f.code != "" {
		sys, code, ok := strings.Cut(f.code, "|")
		if !ok {
			return e, usageError{"--code is SYSTEM|CODE, e.g. snomed|195967001"}
		}
		e.CodeSystem, e.Code = sys, code
	}
	for _, n := range []struct {
		name, s string
		dst     **float64
	}{{"--value", f.value, &e.Value}, {"--value2", f.value2, &e.Value2}, {"--low", f.low, &e.RefLow}, {"--high", f.high, &e.RefHigh}} {
		if n.s == "" {
			continue
		}
		v, err := strconv.ParseFloat(strings.ReplaceAll(n.s, ",", "."), 64)
		if err != nil {
			return e, usageError{n.name + " is a number, like 7.2"}
		}
		*n.dst = &v
	}
	return e, nil
}

// entryProblems says each field's problem as the flag a person typed.
func entryProblems(err error) error {
	var ee *records.EntryError
	if !errors.As(err, &ee) {
		return err
	}
	flagOf := map[string]string{"display": "--display", "date": "--date", "endDate": "--end", "codeSystem": "--code", "code": "--code", "status": "--status",
		"vital": "--vital", "value": "--value", "value2": "--value2", "unit": "--unit", "refLow": "--low", "refHigh": "--high", "reaction": "--reaction",
		"severity": "--severity", "relationship": "--relationship", "dose": "--dose", "lot": "--lot", "performer": "--performer", "text": "--text",
		"kind": "--type", "json": "--json"}
	lines := make([]string, 0, len(ee.Problems))
	for _, p := range ee.Problems {
		name := flagOf[p.Field]
		if name == "" {
			name = p.Field
		}
		lines = append(lines, name+": "+p.Reason)
	}
	return usageError{"the record cannot be kept:\n  " + strings.Join(lines, "\n  ")}
}

// add keeps a record for a member.
func (e env) add(ctx context.Context, args []string) error {
	var person, jsonFile string
	var f entryFlags
	return e.withVault("add", "add [flags] --person NAME (--type KIND --display WORDS --date DATE [...] | --json FILE)", args, func(fs *flag.FlagSet) {
		fs.StringVar(&person, "person", "", "the household member (a name, or part of one)")
		fs.StringVar(&jsonFile, "json", "", "a FHIR R4 resource (JSON) to keep as entered by you")
		f.register(fs)
	}, func(fs *flag.FlagSet) error {
		if strings.TrimSpace(person) == "" {
			return usageError{"--person is required"}
		}
		if (jsonFile == "") == (f.kind == "") {
			return usageError{"give --type KIND (with its fields) or --json FILE"}
		}
		if fs.NArg() > 0 {
			return usageError{"add takes no arguments"}
		}
		return nil
	}, func(u *unlocked) error {
		p, err := findPerson(ctx, u.records(), person)
		if err != nil {
			return err
		}
		var r records.EnteredRecord
		if jsonFile != "" {
			raw, err := readLimited(jsonFile, 8<<20)
			if err != nil {
				return err
			}
			r, err = u.records().AddEnteredJSON(ctx, p.ID, raw)
			if err != nil {
				return entryProblems(err)
			}
		} else {
			en, err := f.entry()
			if err != nil {
				return err
			}
			if r, err = u.records().AddEntered(ctx, p.ID, en); err != nil {
				return entryProblems(err)
			}
		}
		fmt.Fprintf(e.stdout, "added record %d for %s (entered by you)\n", r.ID, clean(p.Name))
		return nil
	})
}

// readLimited reads a small file whole, refusing one over max bytes.
func readLimited(path string, max int64) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.Size() > max {
		return nil, usageError{fmt.Sprintf("%s is over %d MB: give one record", clean(path), max>>20)}
	}
	return os.ReadFile(path)
}

// edit replaces a record the family entered.
func (e env) edit(ctx context.Context, args []string) error {
	var f entryFlags
	var id int64
	return e.withVault("edit", "edit [flags] ID --type KIND --display WORDS --date DATE [...]", args, f.register, func(fs *flag.FlagSet) error {
		var err error
		if id, err = recordID(fs); err != nil {
			return err
		}
		if f.kind == "" {
			return usageError{"--type is required (the record's own: an edit keeps what it is)"}
		}
		return nil
	}, func(u *unlocked) error {
		en, err := f.entry()
		if err != nil {
			return err
		}
		r, err := u.records().EditEntered(ctx, id, en)
		if err != nil {
			return entryProblems(err)
		}
		fmt.Fprintf(e.stdout, "record %d is now version %d (the earlier one is kept)\n", r.ID, r.Version)
		return nil
	})
}

// markCmd deletes or restores an entered record, hides or shows any
// record, or sets its note.
func (e env) markCmd(name string) func(context.Context, []string) error {
	return func(ctx context.Context, args []string) error {
		var note string
		var undo bool
		var id int64
		usage := map[string]string{"delete": "delete [--undo] ID", "hide": "hide [--undo] ID", "note": "note ID --text WORDS"}[name]
		return e.withVault(name, usage, args, func(fs *flag.FlagSet) {
			if name == "note" {
				fs.StringVar(&note, "text", "", "your note ('' removes it)")
			} else {
				fs.BoolVar(&undo, "undo", false, map[string]string{"delete": "bring a deleted record back", "hide": "show a hidden record again"}[name])
			}
		}, func(fs *flag.FlagSet) error {
			var err error
			id, err = recordID(fs)
			return err
		}, func(u *unlocked) error {
			st := u.records()
			var err error
			var did string
			switch {
			case name == "delete" && undo:
				err, did = st.RestoreEntered(ctx, id), "brought back"
			case name == "delete":
				err, did = st.DeleteEntered(ctx, id), "deleted (fasten delete --undo brings it back)"
			case name == "hide" && undo:
				err, did = st.SetHidden(ctx, id, false), "shown again"
			case name == "hide":
				err, did = st.SetHidden(ctx, id, true), "hidden from every view (kept in the vault)"
			default:
				err, did = st.SetNote(ctx, id, note), "noted"
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "record %d %s\n", id, did)
			return nil
		})
	}
}

// recordID reads the one record ID a command takes; flags written after it
// are parsed too (the flag package stops at the first argument).
func recordID(fs *flag.FlagSet) (int64, error) {
	rest := fs.Args()
	if len(rest) == 0 {
		return 0, usageError{"give the record's ID (from fasten timeline, search or dashboard --json)"}
	}
	id, err := strconv.ParseInt(rest[0], 10, 64)
	if err != nil || id <= 0 {
		return 0, usageError{fmt.Sprintf("%q is not a record ID", rest[0])}
	}
	if err := fs.Parse(rest[1:]); err != nil {
		return 0, err
	}
	if fs.NArg() > 0 {
		return 0, usageError{"one record ID at a time"}
	}
	return id, nil
}
