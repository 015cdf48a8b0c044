package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strings"

	"github.com/fastenhealth/fasten-desktop/internal/records"
)

// people lists the household.
func (e env) people(ctx context.Context, args []string) error {
	var asJSON bool
	return e.withVault("people", "people [flags] [--json]", args, func(fs *flag.FlagSet) {
		fs.BoolVar(&asJSON, "json", false, "print JSON")
	}, nil, func(u *unlocked) error {
		people, err := u.records().People(ctx)
		if err != nil {
			return err
		}
		if asJSON {
			return json.NewEncoder(e.stdout).Encode(people)
		}
		for _, p := range people {
			// Names and birth dates come from imported Patient records.
			fmt.Fprintf(e.stdout, "%d\t%s\t%s\t%d records\n", p.ID, clean(p.Name), clean(p.BirthDate), p.Records)
		}
		return nil
	})
}

// findOrAddPerson returns the household member called name (any case),
// adding one when there is none; added says which happened.
func findOrAddPerson(ctx context.Context, st *records.Store, name string) (p records.Person, added bool, err error) {
	people, err := st.People(ctx)
	if err != nil {
		return records.Person{}, false, err
	}
	for _, p := range people {
		if strings.EqualFold(p.Name, strings.TrimSpace(name)) {
			return p, false, nil
		}
	}
	p, err = st.AddPerson(ctx, name, "")
	return p, err == nil, err
}
