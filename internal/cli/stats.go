package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"sort"
)

// stats counts the records in the vault by resource type.
func (e env) stats(ctx context.Context, args []string) error {
	var asJSON bool
	return e.withVault("stats", "stats [flags] [--json]", args, func(fs *flag.FlagSet) {
		fs.BoolVar(&asJSON, "json", false, "print one JSON object")
	}, nil, func(u *unlocked) error {
		s, err := u.records().Stats(ctx)
		if err != nil {
			return err
		}
		if asJSON {
			return json.NewEncoder(e.stdout).Encode(s)
		}
		types := make([]string, 0, len(s.Resources))
		for t := range s.Resources {
			types = append(types, t)
		}
		sort.Strings(types)
		for _, t := range types {
			fmt.Fprintf(e.stdout, "%-28s %8d\n", clean(t), s.Resources[t])
		}
		fmt.Fprintf(e.stdout, "%-28s %8d\n%-28s %8d\n%-28s %8d\n%-28s %8d\n", "total", s.Total, "people", s.People, "earlier versions", s.Versions, "imports", s.Imports)
		return nil
	})
}
