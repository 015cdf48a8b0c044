package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strings"

	"github.com/fastenhealth/fasten-desktop/internal/records"
)

// documents lists a person's documents (PDFs, images, notes, C-CDA).
func (e env) documents(ctx context.Context, args []string) error {
	var person string
	var asJSON bool
	return e.withVault("documents", "documents [flags] --person NAME [--json]", args, func(fs *flag.FlagSet) {
		fs.StringVar(&person, "person", "", "the household member whose documents to list")
		fs.BoolVar(&asJSON, "json", false, "print JSON")
	}, func(*flag.FlagSet) error {
		if strings.TrimSpace(person) == "" {
			return usageError{"--person NAME is required"}
		}
		return nil
	}, func(u *unlocked) error {
		st := u.records()
		p, err := personByName(ctx, st, person)
		if err != nil {
			return err
		}
		docs, err := st.Documents(ctx, p.ID)
		if err != nil {
			return err
		}
		if asJSON {
			return json.NewEncoder(e.stdout).Encode(struct {
				Documents []records.Document `json:"documents"`
			}{docs})
		}
		if len(docs) == 0 {
			fmt.Fprintf(e.stdout, "%s has no documents\n", clean(p.Name))
			return nil
		}
		for _, d := range docs {
			// Titles, kinds and content types come from the records.
			fmt.Fprintf(e.stdout, "%d\t%s\t%s\t%s\t%s\t%d bytes\n", d.ID, clean(dateOnlyText(d.Date)), clean(d.Kind), clean(d.Title), clean(d.ContentType), d.Size)
		}
		return nil
	})
}

// personByName finds the household member called name (any case). Unlike
// findOrAddPerson it never adds one: reading commands must not change the
// household.
func personByName(ctx context.Context, st *records.Store, name string) (records.Person, error) {
	people, err := st.People(ctx)
	if err != nil {
		return records.Person{}, err
	}
	var found []records.Person
	for _, p := range people {
		if strings.EqualFold(p.Name, strings.Join(strings.Fields(name), " ")) {
			found = append(found, p)
		}
	}
	switch len(found) {
	case 0:
		return records.Person{}, fmt.Errorf("nobody called %q in the household (see 'fasten people')", name)
	case 1:
		return found[0], nil
	}
	return records.Person{}, fmt.Errorf("%d people are called %q; rename one in the window first", len(found), name)
}

// dateOnlyText is the date part of a FHIR date or dateTime, for a listing.
func dateOnlyText(d string) string {
	if len(d) > 10 {
		return d[:10]
	}
	return d
}
