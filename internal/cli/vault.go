package cli

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/fastenhealth/fasten-desktop/internal/connect"
	"github.com/fastenhealth/fasten-desktop/internal/providersync"
	"github.com/fastenhealth/fasten-desktop/internal/records"
	"github.com/fastenhealth/fasten-desktop/internal/smart"
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

// unlocked is an open vault and the services a command may use over it.
type unlocked struct {
	v *vault.Vault
}

// records is the household's records store.
func (u *unlocked) records() *records.Store { return records.New(u.v.DB()) }

// connections is the provider-connection service; insecure is developer
// mode (plain-http SMART servers allowed).
func (u *unlocked) connections(insecure bool) (*connect.Service, *connect.Flows) {
	flows := connect.NewFlows(smart.Options{AllowInsecure: insecure})
	return connect.New(u.v.DB(), flows), flows
}

// syncEngine pulls records for the connections of svc.
func (u *unlocked) syncEngine(svc *connect.Service) *providersync.Engine {
	return providersync.New(u.v.DB(), svc, providersync.Options{})
}

// changePassphrase re-wraps the vault key under a new passphrase.
func (u *unlocked) changePassphrase(next string) error { return u.v.ChangePassphrase(next) }

// dir is the folder beside the vault where sign-in redirects are awaited.
func (u *unlocked) dir() string { return filepath.Dir(u.v.Path()) }

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
	defer v.Close()
	return fn(&unlocked{v: v})
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
