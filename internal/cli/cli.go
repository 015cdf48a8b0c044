// Package cli is Fasten's headless interface, in the same binary as the
// window: the same household vault and records services, for power users,
// backups and tests.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"

	"github.com/fastenhealth/fasten-desktop/internal/deeplink"
	"github.com/fastenhealth/fasten-desktop/internal/smart"
	"github.com/fastenhealth/fasten-desktop/internal/version"
)

// Commands lists the subcommands Run understands; main uses it to decide
// between the window and the CLI.
var Commands = []string{"init", "import", "stats", "export", "verify", "reindex", "passwd", "people", "household", "dashboard", "timeline", "insurance", "search", "labs", "documents", "document", "connect", "connections", "sync", "summary", "add", "attach", "edit", "delete", "hide", "note", "backup", "restore", "help"}

// IsCommand reports whether arg names a CLI subcommand.
func IsCommand(arg string) bool {
	for _, c := range Commands {
		if arg == c {
			return true
		}
	}
	return arg == "-h" || arg == "--help" || arg == "--version" || arg == "version"
}

const usage = `Fasten keeps your family's medical records in an encrypted vault on this computer.

Usage:
  fasten [--vault PATH]                 open the Fasten window
  fasten init     [flags]               create a new vault (prints the recovery key)
  fasten import   [flags] FILE...       import FHIR files (R4, STU3, DSTU2: Bundles, single resources, NDJSON), C-CDA
                                        documents, an Apple Health export.zip, SMART Health Cards (QR photo, shc:/, file)
  fasten stats    [flags] [--json]      count the records in the vault
  fasten people   [flags] [--json]      list the household
  fasten household [flags] [--json]     everyone at a glance: problems, allergies, what is new, connections needing attention
  fasten dashboard [flags] --person NAME [--json]
                                        one person's problems, medicines, allergies, vaccines, visits, vitals, flagged results
  fasten timeline [flags] --person NAME [--type T]... [--since DATE] [--until DATE] [--limit N] [--after CURSOR] [--json]
                                        a person's records newest first, a page at a time ("next" continues)
  fasten insurance [flags] --person NAME [--limit N] [--after CURSOR] [--json]
                                        a person's coverage and bills: what was billed, what insurance paid, what they owed
  fasten search   [flags] [--person NAME] [--insurance] [--json] QUERY
                                        find records by words, misspellings, everyday terms ("flu shot", "bp") or codes
  fasten labs     [flags] --person NAME [--code LOINC] [--json]
                                        a person's lab results and vital signs over time, one test or all
  fasten documents [flags] --person NAME [--json]
                                        list a person's documents (PDFs, images, notes, C-CDA)
  fasten document [flags] ID --out FILE write one document's original bytes to FILE
  fasten summary  [flags] --person NAME --ips FILE [--pdf FILE] [--vaccines FILE]
                                        a summary to hand a doctor: International Patient Summary (FHIR),
                                        a printable PDF of it, a vaccine record PDF
  fasten add      [flags] --person NAME --type KIND --display WORDS --date DATE [--code SYSTEM|CODE] [...]
  fasten add      [flags] --person NAME --json FILE
                                        keep a record yourself (condition, medication, allergy, immunization,
                                        vital, lab, procedure, note, family-history), or a FHIR resource
  fasten attach   [flags] --person NAME FILE --kind KIND [--title WORDS] [--date DATE] [--visit ID] [--strip-location]
                                        keep a photo, scan or PDF (lab-report, vaccine-card, discharge-papers,
                                        insurance-card, other); --strip-location removes a photo's GPS position
  fasten edit     [flags] ID --type KIND ...   change a record you entered (the earlier version is kept)
  fasten delete   [flags] [--undo] ID   delete a record you entered (--undo brings it back)
  fasten hide     [flags] [--undo] ID   hide any record from every view (kept in the vault)
  fasten note     [flags] ID --text WORDS
                                        keep a note of your own on any record
  fasten export   [flags] [--person NAME] (--out FILE | --ndjson DIR)
                                        write every record (or one person's) as one FHIR Bundle, or NDJSON per type
  fasten backup   [flags] --to DIR [--keep N]
                                        write an encrypted, checked backup file into DIR (keeps the newest N, default 7)
  fasten restore  [flags] --from FILE [--vault PATH] [--replace]
                                        put a backup's vault at PATH (passphrase or --recovery-key-file);
                                        an existing vault is replaced only with --replace (and kept, renamed)
  fasten verify   [flags]               check the vault's integrity and every record's bytes
  fasten reindex  [flags]               rebuild summaries, search and inline documents from the raw records
  fasten passwd   [flags]               change the passphrase
  fasten connect  [flags] --person NAME (--provider ID | --fhir-base URL) [--redirect scheme|loopback]
                                        connect a household member to a patient portal (SMART on FHIR)
  fasten connections [flags] [--json]   list provider connections and their status
  fasten sync     [flags] [--connection ID]
                                        pull new records from connected providers (resumes where it stopped)
  fasten 'org.fastenhealth.desktop:/callback?…'
                                        hand a sign-in redirect to the Fasten that is waiting for it
  fasten --version                      which Fasten this is

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
	if args[0] == "--version" || args[0] == "version" {
		fmt.Fprintln(stdout, version.String())
		return 0
	}
	if deeplink.IsDeepLink(args[0]) {
		// Nothing after a deep link is parsed: see Main.
		if err := forwardDeepLink(args[0]); err != nil {
			fmt.Fprintf(stderr, "fasten: %s\n", clean(err.Error()))
			return 1
		}
		return 0
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	cmds := map[string]func(context.Context, []string) error{
		"init": e.init, "import": e.importCmd, "stats": e.stats, "export": e.export,
		"verify": e.verify, "reindex": e.reindex, "passwd": e.passwd, "people": e.people,
		"household": e.household, "dashboard": e.dashboard, "timeline": e.timeline, "insurance": e.insurance,
		"search": e.search, "labs": e.labs,
		"documents": e.documents, "document": e.document,
		"connect": e.connect, "connections": e.connections, "sync": e.sync,
		"summary": e.summaryCmd,
		"add":     e.add, "attach": e.attach, "edit": e.edit, "delete": e.markCmd("delete"), "hide": e.markCmd("hide"), "note": e.markCmd("note"),
		"backup": e.backupCmd, "restore": e.restore,
	}
	fn, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "fasten: unknown command %q\n\n%s", clean(args[0]), usage)
		return 2
	}
	if err := fn(ctx, args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return e.report(args[0], err)
	}
	return 0
}

// report prints a command's failure on stderr and returns the exit status:
// 2 for a usage error, else 1. Errors can quote provider or file text, so
// what is printed is cleaned.
func (e env) report(cmd string, err error) int {
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(e.stderr, "fasten %s: %s\n", cmd, clean(err.Error()))
		return 2
	}
	fmt.Fprintf(e.stderr, "fasten %s: %s\n", cmd, clean(errorText(err)))
	return 1
}

// errorText is what a person reads for err. A SMART failure carries its own
// plain-language message; when the provider explained an OAuth error in its
// own words (e.g. "invalid client_id"), those words follow, because they are
// often the only clue to what is misconfigured.
func errorText(err error) string {
	var se *smart.Error
	if !errors.As(err, &se) || se.Message == "" {
		return err.Error()
	}
	if se.ProviderWords() == "" {
		return se.Message
	}
	return fmt.Sprintf("%s (the provider said: %q)", se.Message, clean(se.ProviderWords()))
}

type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }
