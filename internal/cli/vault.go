package cli

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/fastenhealth/fasten-desktop/internal/records"
	"github.com/fastenhealth/fasten-desktop/internal/session"
	"github.com/fastenhealth/fasten-desktop/internal/vault"
)

// This file is the one place where the CLI unlocks a vault and builds the
// services over it. Commands get an *unlocked and ask it for what they need,
// so moving to one session per unlock changes only this file.

// common holds the flags every command shares.
type common struct {
	vault, passFile, recoveryFile string
}

func (e env) flags(name, synopsis string, c *common) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.StringVar(&c.vault, "vault", "", "the vault file (default: $FASTEN_VAULT, else the profile folder)")
	fs.StringVar(&c.passFile, "passphrase-file", "", "read the passphrase from this file (default: $FASTEN_PASSPHRASE)")
	fs.StringVar(&c.recoveryFile, "recovery-key-file", "", "unlock with the recovery key in this file")
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "Usage: fasten %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// unlocked is an open vault and the one session (records store, connection
// service, sync engine) a command uses over it. The session is opened on
// first use, with the options of the command that needs them (developer
// mode, waiting for another process's sync); withVault closes it.
type unlocked struct {
	v    *vault.Vault
	sess *session.Session
}

// session opens the vault's session with o, or returns the one already
// open (o is then ignored: a command opens it once).
func (u *unlocked) session(o session.Options) *session.Session {
	if u.sess == nil {
		u.sess = session.Open(u.v, o)
	}
	return u.sess
}

// records is the household's records store.
func (u *unlocked) records() *records.Store { return u.session(session.Options{}).Records() }

// changePassphrase re-wraps the vault key under a new passphrase.
func (u *unlocked) changePassphrase(next string) error { return u.v.ChangePassphrase(next) }

// dir is the folder beside the vault where sign-in redirects are awaited.
func (u *unlocked) dir() string { return filepath.Dir(u.v.Path()) }

// close ends the session, which closes the vault, or the vault alone.
func (u *unlocked) close() error {
	if u.sess != nil {
		return u.sess.Close()
	}
	return u.v.Close()
}

// withVault parses a command's flags, runs check (usage errors come before
// any unlocking), unlocks the vault and hands it to fn, closing it after.
func (e env) withVault(name, synopsis string, args []string, define func(*flag.FlagSet), check func(*flag.FlagSet) error, fn func(*unlocked) error) error {
	var c common
	fs := e.flags(name, synopsis, &c)
	if define != nil {
		define(fs)
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if check != nil {
		if err := check(fs); err != nil {
			return err
		}
	}
	v, err := c.open()
	if err != nil {
		return err
	}
	e.packPending(v)
	u := &unlocked{v: v}
	err = fn(u)
	// Closing checkpoints the WAL: a failure there is the command's failure
	// too (what it wrote may not be in the vault file yet).
	if cerr := u.close(); err == nil && cerr != nil {
		err = fmt.Errorf("closing the vault: %w", cerr)
	}
	return err
}

func (c *common) path() (string, error) {
	if c.vault != "" {
		return c.vault, nil
	}
	return vault.DefaultPath()
}

func readSecret(file, envName, what string) (string, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("cannot read the %s file: %w", what, err)
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	}
	if v, ok := os.LookupEnv(envName); ok {
		return v, nil
	}
	return "", usageError{fmt.Sprintf("no %s given: set %s or use --%s-file", what, envName, strings.ReplaceAll(what, " ", "-"))}
}

func (c *common) open() (*vault.Vault, error) {
	path, err := c.path()
	if err != nil {
		return nil, err
	}
	if !vault.Exists(path) {
		return nil, fmt.Errorf("there is no vault at %s (create one with 'fasten init')", path)
	}
	if c.recoveryFile != "" {
		rk, err := readSecret(c.recoveryFile, "", "recovery key")
		if err != nil {
			return nil, err
		}
		return vault.OpenWithRecoveryKey(path, rk)
	}
	pass, err := readSecret(c.passFile, "FASTEN_PASSPHRASE", "passphrase")
	if err != nil {
		return nil, err
	}
	return vault.Open(path, pass)
}
