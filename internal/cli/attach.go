package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/fastenhealth/fasten-desktop/internal/records"
)

// attach keeps a photo, scan or PDF for a member: `fasten attach --person
// NAME FILE --title … --kind …`. The file is read through the store's
// size limit (never whole into memory first); what cannot be kept is named
// by its flag (exit 2) and nothing is stored.
func (e env) attach(ctx context.Context, args []string) error {
	var person, title, kind, date string
	var visit int64
	var strip bool
	var file string
	kinds := make([]string, len(records.DocKinds))
	for i, k := range records.DocKinds {
		kinds[i] = string(k)
	}
	return e.withVault("attach", "attach [flags] --person NAME FILE --kind KIND [--title WORDS] [--date DATE] [--visit ID] [--strip-location]", args, func(fs *flag.FlagSet) {
		fs.StringVar(&person, "person", "", "the household member (a name, or part of one)")
		fs.StringVar(&title, "title", "", "what the document is called (default: the file's name)")
		fs.StringVar(&kind, "kind", "", "what it is: "+strings.Join(kinds, ", "))
		fs.StringVar(&date, "date", "", "the date it is from: YYYY, YYYY-MM or YYYY-MM-DD (default: today)")
		fs.Int64Var(&visit, "visit", 0, "the ID of the visit it belongs to (from fasten timeline)")
		fs.BoolVar(&strip, "strip-location", false, "remove a photo's GPS location before keeping it")
	}, func(fs *flag.FlagSet) error {
		// FILE may come before the remaining flags.
		if fs.NArg() == 0 {
			return usageError{"give the FILE to keep (a PDF, JPEG, PNG or WebP)"}
		}
		file = fs.Arg(0)
		if err := fs.Parse(fs.Args()[1:]); err != nil {
			return err
		}
		if fs.NArg() > 0 {
			return usageError{"one FILE at a time"}
		}
		if strings.TrimSpace(person) == "" {
			return usageError{"--person is required"}
		}
		if kind == "" {
			return usageError{"--kind is required: " + strings.Join(kinds, ", ")}
		}
		return nil
	}, func(u *unlocked) error {
		p, err := findPerson(ctx, u.records(), person)
		if err != nil {
			return err
		}
		f, err := os.Open(file)
		if err != nil {
			return err
		}
		defer f.Close()
		if st, err := f.Stat(); err != nil {
			return err
		} else if !st.Mode().IsRegular() {
			return usageError{clean(file) + " is not a file"}
		}
		r, err := u.records().AttachDocument(ctx, p.ID, records.Attachment{FileName: filepath.Base(file), Content: f, Title: title, Date: date,
			Kind: records.DocKind(kind), VisitID: visit, StripLocation: strip})
		if err != nil {
			return attachProblems(err)
		}
		fmt.Fprintf(e.stdout, "attached record %d for %s (entered by you)\n", r.ID, clean(p.Name))
		return nil
	})
}

// attachProblems says each field's problem as the flag a person typed.
func attachProblems(err error) error {
	var ee *records.EntryError
	if !errors.As(err, &ee) {
		return err
	}
	flagOf := map[string]string{"file": "FILE", "title": "--title", "date": "--date", "kind": "--kind", "visit": "--visit"}
	lines := make([]string, 0, len(ee.Problems))
	for _, p := range ee.Problems {
		name := flagOf[p.Field]
		if name == "" {
			name = p.Field
		}
		lines = append(lines, name+": "+p.Reason)
	}
	return usageError{"the document cannot be kept:\n  " + strings.Join(lines, "\n  ")}
}
