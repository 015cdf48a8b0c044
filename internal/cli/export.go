package cli

import (
	"context"
	"flag"
	"fmt"
)

// export writes every record as one FHIR Bundle.
func (e env) export(ctx context.Context, args []string) error {
	var out string
	return e.withVault("export", "export [flags] --out FILE", args, func(fs *flag.FlagSet) {
		fs.StringVar(&out, "out", "", "where to write the FHIR Bundle")
	}, func(*flag.FlagSet) error {
		if out == "" {
			return usageError{"--out FILE is required"}
		}
		return nil
	}, func(u *unlocked) error {
		n, err := u.records().ExportFile(ctx, out)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "exported %d resources to %s\n", n, clean(out))
		return nil
	})
}
