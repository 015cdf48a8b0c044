package cli

import (
	"context"
	"fmt"

	"github.com/fastenhealth/fasten-desktop/internal/vault"
)

// init creates a new vault and prints its recovery key, once.
func (e env) init(ctx context.Context, args []string) error {
	var c common
	fs := e.flags("init", "init [--vault PATH] [--passphrase-file FILE]", &c)
	if err := fs.Parse(args); err != nil {
		return err
	}
	path, err := c.path()
	if err != nil {
		return err
	}
	pass, err := readSecret(c.passFile, "FASTEN_PASSPHRASE", "passphrase")
	if err != nil {
		return err
	}
	v, rk, err := vault.Create(path, pass)
	if err != nil {
		return err
	}
	defer v.Close()
	fmt.Fprintf(e.stdout, "Created the vault at %s\n\nRecovery key (write it down and keep it safe; it is shown only now):\n\n    %s\n", path, rk)
	return nil
}
