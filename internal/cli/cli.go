// Package cli is Fasten's headless interface, in the same binary as the
// window: the same household vault and records services, for power users,
// backups and tests.
package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"

	"github.com/fastenhealth/fasten-desktop/internal/deeplink"
	"github.com/fastenhealth/fasten-desktop/internal/records"
	"github.com/fastenhealth/fasten-desktop/internal/smart"
	"github.com/fastenhealth/fasten-desktop/internal/vault"
)

// Commands lists the subcommands Run understands; main uses it to decide
// between the window and the CLI.
var Commands = []string{"init", "import", "stats", "export", "verify", "reindex", "passwd", "people", "connect", "connections", "sync", "help"}

// IsCommand reports whether arg names a CLI subcommand.
func IsCommand(arg string) bool {
	for _, c := range Commands {
		if arg == c {
			return true
		}
	}
	return arg == "-h" || arg == "--help"
}

const usage = `Fasten keeps your family's medical records in an encrypted vault on this computer.

Usage:
  fasten [--vault PATH]                 open the Fasten window
  fasten init     [flags]               create a new vault (prints the recovery key)
  fasten import   [flags] FILE...       import FHIR R4 files (Bundles, single resources, NDJSON)
  fasten stats    [flags] [--json]      count the records in the vault
  fasten people   [flags] [--json]      list the household
  fasten export   [flags] --out FILE    write every record as one FHIR Bundle
  fasten verify   [flags]               check the vault's integrity and every record's bytes
  fasten reindex  [flags]               rebuild summaries and the search index from the raw records
  fasten passwd   [flags]               change the passphrase
  fasten connect  [flags] --person NAME (--provider ID | --fhir-base URL) [--redirect scheme|loopback]
                                        connect a household member to a patient portal (SMART on FHIR)
  fasten connections [flags] [--json]   list provider connections and their status
  fasten sync     [flags] [--connection ID]
                                        pull new records from connected providers (resumes where it stopped)
  fasten 'org.fastenhealth.desktop:/callback?…'
                                        hand a sign-in redirect to the Fasten that is waiting for it

Common flags:
  --vault PATH            the vault file (default: $FASTEN_VAULT, else your profile's Fasten folder)
  --passphrase-file FILE  read the passphrase from FILE (default: $FASTEN_PASSPHRASE)
  --recovery-key-file F   unlock with the recovery key in F instead of the passphrase

Run 'fasten COMMAND --help' for a command's own flags.
`

type env struct {
	stdout, stderr io.Writer
	stdin          io.Reader
}

// Run executes one subcommand and returns the process exit status.
func Run(args []string, stdout, stderr io.Writer) int {
	e := env{stdout: stdout, stderr: stderr, stdin: os.Stdin}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stdout, usage)
		return 0
	}
	if deeplink.IsDeepLink(args[0]) {
		if err := ForwardDeepLink(args[0]); err != nil {
			fmt.Fprintf(stderr, "fasten: %v\n", err)
			return 1
		}
		return 0
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	cmds := map[string]func(context.Context, []string) error{
		"init": e.init, "import": e.importCmd, "stats": e.stats, "export": e.export,
		"verify": e.verify, "reindex": e.reindex, "passwd": e.passwd, "people": e.people,
		"connect": e.connect, "connections": e.connections, "sync": e.sync,
	}
	fn, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "fasten: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	if err := fn(ctx, args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintf(stderr, "fasten %s: %v\n", args[0], err)
			return 2
		}
		var se *smart.Error
		if errors.As(err, &se) && se.Message != "" {
			fmt.Fprintf(stderr, "fasten %s: %s\n", args[0], se.Message)
			return 1
		}
		fmt.Fprintf(stderr, "fasten %s: %v\n", args[0], err)
		return 1
	}
	return 0
}

// ForwardDeepLink hands a sign-in redirect to the Fasten (window or `fasten
// connect`) waiting for it beside the vault named by FASTEN_VAULT or the
// default location.
func ForwardDeepLink(u string) error {
	path, err := vault.DefaultPath()
	if err != nil {
		return err
	}
	if err := deeplink.Forward(filepath.Dir(path), u); err != nil {
		if errors.Is(err, deeplink.ErrNoListener) {
			return errors.New("no Fasten is waiting for this sign-in: start the connection again from Fasten")
		}
		return err
	}
	return nil
}

type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

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

// withVault parses a command's flags, runs check (usage errors come before
// any unlocking), opens the vault and hands it to fn, closing it after.
func (e env) withVault(name, synopsis string, args []string, define func(*flag.FlagSet), check func(*flag.FlagSet) error, fn func(*vault.Vault) error) error {
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
	return fn(v)
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

func (e env) importCmd(ctx context.Context, args []string) error {
	var c common
	var person string
	var asJSON bool
	fs := e.flags("import", "import [flags] FILE...", &c)
	fs.StringVar(&person, "person", "", "link every patient in these files to this household member (created if new); default: match by name and birth date, else add a member")
	fs.BoolVar(&asJSON, "json", false, "print the report as JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usageError{"name at least one file to import"}
	}
	v, err := c.open()
	if err != nil {
		return err
	}
	defer v.Close()
	st := records.New(v.DB())
	opts := records.ImportOptions{AutoCreatePeople: true}
	if person != "" {
		p, err := findOrAddPerson(ctx, st, person)
		if err != nil {
			return err
		}
		opts.PersonID = p.ID
	}
	rep, err := st.Import(ctx, fs.Args(), opts, nil)
	if err != nil {
		return err
	}
	failed := 0
	for _, f := range rep.Files {
		if f.Status == "rejected" {
			failed++
		}
	}
	if asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		enc.Encode(rep)
	} else {
		for _, f := range rep.Files {
			switch f.Status {
			case "rejected":
				fmt.Fprintf(e.stdout, "%s: rejected — %s\n", f.File, f.Error)
			default:
				fmt.Fprintf(e.stdout, "%s: %s — %d added, %d updated, %d unchanged, %d skipped\n", f.File, f.Status, f.Added, f.Updated, f.Unchanged, f.Skipped)
			}
			for _, is := range f.Issues {
				fmt.Fprintf(e.stdout, "    skipped entry %d (%s) at %s: %s\n", is.Entry, is.Type, is.Path, is.Reason)
			}
			if f.Skipped > len(f.Issues) {
				fmt.Fprintf(e.stdout, "    … and %d more skipped\n", f.Skipped-len(f.Issues))
			}
		}
		for _, p := range rep.NewPeople {
			fmt.Fprintf(e.stdout, "added household member %q\n", p.Name)
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d files were rejected (nothing from them was stored)", failed, len(rep.Files))
	}
	return nil
}

func findOrAddPerson(ctx context.Context, st *records.Store, name string) (records.Person, error) {
	people, err := st.People(ctx)
	if err != nil {
		return records.Person{}, err
	}
	for _, p := range people {
		if strings.EqualFold(p.Name, strings.TrimSpace(name)) {
			return p, nil
		}
	}
	return st.AddPerson(ctx, name, "")
}

func (e env) stats(ctx context.Context, args []string) error {
	var asJSON bool
	return e.withVault("stats", "stats [flags] [--json]", args, func(fs *flag.FlagSet) {
		fs.BoolVar(&asJSON, "json", false, "print one JSON object")
	}, nil, func(v *vault.Vault) error {
		s, err := records.New(v.DB()).Stats(ctx)
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
			fmt.Fprintf(e.stdout, "%-28s %8d\n", t, s.Resources[t])
		}
		fmt.Fprintf(e.stdout, "%-28s %8d\n%-28s %8d\n%-28s %8d\n%-28s %8d\n", "total", s.Total, "people", s.People, "earlier versions", s.Versions, "imports", s.Imports)
		return nil
	})
}

func (e env) people(ctx context.Context, args []string) error {
	var asJSON bool
	return e.withVault("people", "people [flags] [--json]", args, func(fs *flag.FlagSet) {
		fs.BoolVar(&asJSON, "json", false, "print JSON")
	}, nil, func(v *vault.Vault) error {
		people, err := records.New(v.DB()).People(ctx)
		if err != nil {
			return err
		}
		if asJSON {
			return json.NewEncoder(e.stdout).Encode(people)
		}
		for _, p := range people {
			fmt.Fprintf(e.stdout, "%d\t%s\t%s\t%d records\n", p.ID, p.Name, p.BirthDate, p.Records)
		}
		return nil
	})
}

func (e env) export(ctx context.Context, args []string) error {
	var out string
	return e.withVault("export", "export [flags] --out FILE", args, func(fs *flag.FlagSet) {
		fs.StringVar(&out, "out", "", "where to write the FHIR Bundle")
	}, func(*flag.FlagSet) error {
		if out == "" {
			return usageError{"--out FILE is required"}
		}
		return nil
	}, func(v *vault.Vault) error {
		n, err := records.New(v.DB()).ExportFile(ctx, out)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "exported %d resources to %s\n", n, out)
		return nil
	})
}

func (e env) verify(ctx context.Context, args []string) error {
	var asJSON bool
	return e.withVault("verify", "verify [flags] [--json]", args, func(fs *flag.FlagSet) {
		fs.BoolVar(&asJSON, "json", false, "print JSON")
	}, nil, func(v *vault.Vault) error {
		rep, err := records.New(v.DB()).Verify(ctx)
		if err != nil {
			return err
		}
		if asJSON {
			json.NewEncoder(e.stdout).Encode(rep)
		} else {
			fmt.Fprintln(e.stdout, rep.String())
		}
		if !rep.OK {
			return errors.New("the vault has problems (see above)")
		}
		return nil
	})
}

func (e env) reindex(ctx context.Context, args []string) error {
	return e.withVault("reindex", "reindex [flags]", args, nil, nil, func(v *vault.Vault) error {
		n, err := records.New(v.DB()).Reindex(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "reindexed %d resources\n", n)
		return nil
	})
}

func (e env) passwd(ctx context.Context, args []string) error {
	var c common
	var newFile string
	fs := e.flags("passwd", "passwd [flags] [--new-passphrase-file FILE]", &c)
	fs.StringVar(&newFile, "new-passphrase-file", "", "read the new passphrase from this file (default: $FASTEN_NEW_PASSPHRASE)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	next, err := readSecret(newFile, "FASTEN_NEW_PASSPHRASE", "new passphrase")
	if err != nil {
		return err
	}
	v, err := c.open()
	if err != nil {
		return err
	}
	defer v.Close()
	if err := v.ChangePassphrase(next); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "passphrase changed (the recovery key still works)")
	return nil
}
