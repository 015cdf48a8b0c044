package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
)

// verify checks the vault's integrity and every record's bytes; it fails
// when anything is wrong.
func (e env) verify(ctx context.Context, args []string) error {
	var asJSON bool
	return e.withVault("verify", "verify [flags] [--json]", args, func(fs *flag.FlagSet) {
		fs.BoolVar(&asJSON, "json", false, "print JSON")
	}, nil, func(u *unlocked) error {
		rep, err := u.records().Verify(ctx)
		if err != nil {
			return err
		}
		if asJSON {
			json.NewEncoder(e.stdout).Encode(rep)
		} else {
			// The report can quote resource ids and types from the files.
			fmt.Fprintln(e.stdout, cleanLines(rep.String()))
		}
		if !rep.OK {
			return errors.New("the vault has problems (see above)")
		}
		return nil
	})
}
