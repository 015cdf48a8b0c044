package cli

import (
	"context"
	"flag"
	"fmt"
	"sort"
	"strings"
)

// export writes every record, or one person's (--person), as one FHIR
// Bundle (--out) or as NDJSON, one file per resource type (--ndjson DIR).
func (e env) export(ctx context.Context, args []string) error {
	var out, ndjson, person string
	return e.withVault("export", "export [flags] [--person NAME] (--out FILE | --ndjson DIR)", args, func(fs *flag.FlagSet) {
		fs.StringVar(&out, "out", "", "where to write the FHIR Bundle")
		fs.StringVar(&ndjson, "ndjson", "", "write NDJSON instead, one <Type>.ndjson per resource type, into this folder (made if missing; must hold no earlier export)")
		fs.StringVar(&person, "person", "", "only this household member's records (a name, or part of one), with the clinicians and organisations they name")
	}, func(fs *flag.FlagSet) error {
		if (out == "") == (ndjson == "") {
			return usageError{"give one of --out FILE or --ndjson DIR"}
		}
		if fs.NArg() > 0 {
			return usageError{"unexpected arguments (did you mean --out FILE?)"}
		}
		return nil
	}, func(u *unlocked) error {
		st := u.records()
		var personID int64
		if strings.TrimSpace(person) != "" {
			p, err := findPerson(ctx, st, person)
			if err != nil {
				return err
			}
			personID = p.ID
		}
		if ndjson != "" {
			counts, err := st.ExportNDJSON(ctx, personID, ndjson)
			if err != nil {
				return err
			}
			types := make([]string, 0, len(counts))
			total := 0
			for t, n := range counts {
				types = append(types, t)
				total += n
			}
			sort.Strings(types)
			fmt.Fprintf(e.stdout, "exported %d resources as %d NDJSON files to %s\n", total, len(types), clean(ndjson))
			for _, t := range types {
				fmt.Fprintf(e.stdout, "  %s.ndjson  %d\n", t, counts[t])
			}
			return nil
		}
		var n int
		var err error
		if personID != 0 {
			n, err = st.ExportPersonFile(ctx, personID, out)
		} else {
			n, err = st.ExportFile(ctx, out)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "exported %d resources to %s\n", n, clean(out))
		return nil
	})
}
