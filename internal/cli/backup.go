package cli

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/fastenhealth/fasten-desktop/internal/backup"
	"github.com/fastenhealth/fasten-desktop/internal/session"
)

// backupCmd writes one encrypted backup file into a folder and keeps the
// newest --keep of this household's there.
func (e env) backupCmd(ctx context.Context, args []string) error {
	var to string
	var keep int
	return e.withVault("backup", "backup [flags] --to DIR [--keep N]", args, func(fs *flag.FlagSet) {
		fs.StringVar(&to, "to", "", "the folder to write the backup into (an external drive, a synced folder)")
		fs.IntVar(&keep, "keep", backup.DefaultKeep, "how many of this household's backups to keep in the folder")
	}, func(fs *flag.FlagSet) error {
		if to == "" {
			return usageError{"give the folder: --to DIR"}
		}
		if keep < 1 || keep > session.MaxBackupKeep {
			return usageError{fmt.Sprintf("--keep must be between 1 and %d", session.MaxBackupKeep)}
		}
		if fs.NArg() > 0 {
			return usageError{"unexpected arguments (did you mean --to DIR?)"}
		}
		return nil
	}, func(u *unlocked) error {
		res, err := u.session(session.Options{}).BackupTo(ctx, to, keep)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "backed up %d records of %d people to %s (%.1f MB, %s, checked)\n",
			res.Records, res.People, clean(res.Path), float64(res.Bytes)/(1<<20), res.Took.Round(10*time.Millisecond))
		for _, p := range res.Pruned {
			fmt.Fprintf(e.stdout, "  removed the older backup %s\n", clean(p))
		}
		return nil
	})
}

// restore puts a backup file's vault at --vault, opening it with the
// passphrase or the recovery key; an existing vault is replaced only with
// --replace (and then kept beside it, renamed).
func (e env) restore(ctx context.Context, args []string) error {
	var c common
	var from string
	var replace bool
	fs := e.flags("restore", "restore [flags] --from FILE [--vault PATH] [--replace]", &c)
	fs.StringVar(&from, "from", "", "the backup file (.fastenbackup)")
	fs.BoolVar(&replace, "replace", false, "replace a vault already at --vault (it is kept beside it, renamed)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if from == "" {
		return usageError{"give the backup file: --from FILE"}
	}
	if fs.NArg() > 0 {
		return usageError{"unexpected arguments"}
	}
	path, err := c.path()
	if err != nil {
		return err
	}
	if _, err := os.Stat(from); err != nil {
		return fmt.Errorf("cannot read the backup file: %w", err)
	}
	var secret string
	if c.recoveryFile != "" {
		secret, err = readSecret(c.recoveryFile, "", "recovery key")
	} else {
		secret, err = readSecret(c.passFile, "FASTEN_PASSPHRASE", "passphrase")
	}
	if err != nil {
		return err
	}
	r, err := backup.Restore(ctx, from, path, secret, backup.RestoreOptions{Replace: replace})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "restored %d records of %d people (backup of %s) to %s\n",
		r.Records, r.People, r.Created.Local().Format("2006-01-02 15:04"), clean(r.Path))
	if r.Replaced != "" {
		fmt.Fprintf(e.stdout, "the vault that was there is kept as %s\n", clean(r.Replaced))
	}
	return nil
}
