package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"

	"github.com/fastenhealth/fasten-desktop/internal/session"
)

// connections lists provider connections and their status.
func (e env) connections(ctx context.Context, args []string) error {
	var asJSON bool
	return e.withVault("connections", "connections [flags] [--json]", args, func(fs *flag.FlagSet) {
		fs.BoolVar(&asJSON, "json", false, "print JSON")
	}, nil, func(u *unlocked) error {
		svc := u.session(session.Options{}).Connect()
		list, err := svc.List(ctx)
		if err != nil {
			return err
		}
		if asJSON {
			return json.NewEncoder(e.stdout).Encode(list)
		}
		for _, c := range list {
			fmt.Fprintf(e.stdout, "%d\t%s\t%s\t%s\n", c.ID, clean(c.PersonName), clean(c.ProviderName), clean(c.StatusText))
		}
		return nil
	})
}
