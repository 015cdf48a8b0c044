package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strings"

	"github.com/fastenhealth/fasten-desktop/internal/records"
)

// importCmd imports FHIR files; it fails when any file was rejected.
func (e env) importCmd(ctx context.Context, args []string) error {
	var person string
	var asJSON bool
	var files []string
	return e.withVault("import", "import [flags] FILE...", args, func(fs *flag.FlagSet) {
		fs.StringVar(&person, "person", "", "link every patient in these files to this household member (created if new); default: match by name and birth date, else add a member")
		fs.BoolVar(&asJSON, "json", false, "print the report as JSON")
	}, func(fs *flag.FlagSet) error {
		if fs.NArg() == 0 {
			return usageError{"name at least one file to import"}
		}
		files = fs.Args()
		return nil
	}, func(u *unlocked) error {
		st := u.records()
		opts := records.ImportOptions{AutoCreatePeople: true}
		if person != "" {
			p, _, err := findOrAddPerson(ctx, st, person)
			if err != nil {
				return err
			}
			opts.PersonID = p.ID
		}
		rep, err := st.Import(ctx, files, opts, nil)
		if err != nil {
			return err
		}
		return e.printImport(rep, asJSON)
	})
}

func (e env) printImport(rep records.ImportReport, asJSON bool) error {
	failed := 0
	for _, f := range rep.Files {
		if f.Status == records.FileRejected {
			failed++
		}
	}
	if asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		enc.Encode(rep)
	} else {
		// File names, reasons, resource types, paths and people's names all
		// come from the files: cleaned before they reach the terminal.
		for _, f := range rep.Files {
			switch f.Status {
			case records.FileRejected:
				fmt.Fprintf(e.stdout, "%s: rejected — %s\n", clean(f.File), clean(f.Error))
			default:
				fmt.Fprintf(e.stdout, "%s: %s — %d added, %d updated, %d unchanged, %d skipped\n", clean(f.File), clean(string(f.Status)), f.Added, f.Updated, f.Unchanged, f.Skipped)
				if f.Attachments > 0 {
					fmt.Fprintf(e.stdout, "    %d documents kept from attachments inside the records\n", f.Attachments)
				}
			}
			listed, listedKept, kinds := 0, 0, false
			for _, is := range f.Issues {
				if is.Kept {
					// The record was stored; one of its attachments was not.
					listedKept++
					fmt.Fprintf(e.stdout, "    %s: %s\n", issueWhere(is), clean(is.Reason))
					continue
				}
				listed++
				kinds = kinds || is.Entry < 0
				fmt.Fprintf(e.stdout, "    skipped %s: %s\n", issueWhere(is), clean(is.Reason))
			}
			// A kind of data left out (an Apple Health type) is one line
			// saying how many: the count below would repeat them.
			if f.Skipped > listed && !kinds {
				fmt.Fprintf(e.stdout, "    … and %d more skipped\n", f.Skipped-listed)
			}
			if f.AttachmentsSkipped > listedKept {
				fmt.Fprintf(e.stdout, "    … and %d more attachments not kept\n", f.AttachmentsSkipped-listedKept)
			}
		}
		for _, p := range rep.NewPeople {
			fmt.Fprintf(e.stdout, "added household member %q\n", clean(p.Name))
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d files were rejected (nothing from them was stored)", failed, len(rep.Files))
	}
	return nil
}

// issueWhere says where in a file an issue is: its part (an Apple Health
// export's provider), its entry, type and path, as far as known.
func issueWhere(is records.FileIssue) string {
	var parts []string
	if is.Part != "" {
		parts = append(parts, clean(is.Part)+":")
	}
	if is.Entry >= 0 {
		parts = append(parts, fmt.Sprintf("entry %d", is.Entry))
	}
	if is.Type != "" {
		if is.Entry >= 0 {
			parts = append(parts, "("+clean(is.Type)+")")
		} else {
			parts = append(parts, clean(is.Type))
		}
	}
	if is.Path != "" {
		parts = append(parts, "at "+clean(is.Path))
	}
	return strings.Join(parts, " ")
}
