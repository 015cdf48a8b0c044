package cli

import (
	"context"
	"flag"
	"fmt"
)

// passwd changes the passphrase; the recovery key keeps working.
func (e env) passwd(ctx context.Context, args []string) error {
	var newFile, next string
	return e.withVault("passwd", "passwd [flags] [--new-passphrase-file FILE]", args, func(fs *flag.FlagSet) {
		fs.StringVar(&newFile, "new-passphrase-file", "", "read the new passphrase from this file (default: $FASTEN_NEW_PASSPHRASE)")
	}, func(*flag.FlagSet) error {
		// Read the new passphrase before unlocking: a missing one is a usage error.
		var err error
		next, err = readSecret(newFile, "FASTEN_NEW_PASSPHRASE", "new passphrase")
		return err
	}, func(u *unlocked) error {
		if err := u.changePassphrase(next); err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, "passphrase changed (the recovery key still works)")
		return nil
	})
}
