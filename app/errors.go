package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log"
	"os"
	"strings"

	"github.com/fastenhealth/fasten-desktop/internal/backup"
	"github.com/fastenhealth/fasten-desktop/internal/connect"
	"github.com/fastenhealth/fasten-desktop/internal/household"
	"github.com/fastenhealth/fasten-desktop/internal/providersync"
	"github.com/fastenhealth/fasten-desktop/internal/records"
	"github.com/fastenhealth/fasten-desktop/internal/samplefamily"
	"github.com/fastenhealth/fasten-desktop/internal/session"
	"github.com/fastenhealth/fasten-desktop/internal/smart"
	"github.com/fastenhealth/fasten-desktop/internal/summary"
	"github.com/fastenhealth/fasten-desktop/internal/vault"
)

// This file is the one place where errors become what a person reads: every
// error a bound method returns reaches the page as a UIError through
// FormatError (main sets it as Wails' ErrorFormatter), and events that carry
// an error use the same mapping.

// ErrorKind tells the page what happened, so it can choose what to show or
// offer (unlock, retry, reconnect) without reading the message.
type ErrorKind string

// Error kinds. The frontend codes against these names.
const (
	KindLocked          ErrorKind = "locked"           // unlock to continue
	KindWrongPassphrase ErrorKind = "wrong_passphrase" // or recovery key
	KindInvalidInput    ErrorKind = "invalid_input"    // what the person entered cannot be used
	KindNotFound        ErrorKind = "not_found"        // the person, record or connection is gone
	KindBusy            ErrorKind = "busy"             // an import is already running, or another process holds the vault's sync
	KindNeedsReconnect  ErrorKind = "needs_reconnect"  // the provider ended access: sign in again
	KindProvider        ErrorKind = "provider"         // the provider or its sign-in failed; the message says what to do
	KindDamaged         ErrorKind = "damaged"          // the vault or its key file is damaged
	KindSample          ErrorKind = "sample"           // refused because the sample family is open: leave it to use your own vault
	KindNotRegistered   ErrorKind = "not_registered"   // the provider's system has no client id in this build: import a downloaded record instead
	KindVaultExists     ErrorKind = "vault_exists"     // a restore would replace the vault there: ask, then call again with replace
	KindBackupDamaged   ErrorKind = "backup_damaged"   // the backup file is cut short, tampered with, not a backup, or from a newer Fasten
	KindBackupFolder    ErrorKind = "backup_folder"    // the backup folder is missing (drive unplugged) or cannot be written
	KindNoSpace         ErrorKind = "no_space"         // the disk is full; nothing changed
	KindInternal        ErrorKind = "internal"         // anything else
)

// UIError is every error the page receives from a bound method.
type UIError struct {
	Kind    ErrorKind `json:"kind"`
	Message string    `json:"message"`
}

func (e *UIError) Error() string { return e.Message }

// inputError is this layer's own rejection of what the person entered.
type inputError struct{ msg string }

func (e *inputError) Error() string { return e.msg }

func invalidInput(msg string) error { return &inputError{msg: msg} }

// errImportRunning: one import at a time, so progress events stay readable.
var errImportRunning = errors.New("an import is already running: wait for it to finish")

// messageInternal is shown when no kind fits and the error has no words
// meant for a person.
const messageInternal = "Something went wrong. Fasten's log has the details."

// ToUIError maps an error to its kind and the words a person reads. It
// looks through wrapping (errors.Is/As); it never matches message text.
func ToUIError(err error) *UIError {
	var ui *UIError
	var in *inputError
	var se *smart.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ui):
		return ui
	case errors.Is(err, household.ErrLocked), errors.Is(err, session.ErrClosed):
		return &UIError{KindLocked, "The vault is locked: unlock it to continue."}
	case errors.Is(err, vault.ErrWrongPassphrase):
		return &UIError{KindWrongPassphrase, "That passphrase does not open this vault."}
	case errors.Is(err, vault.ErrWrongRecoveryKey):
		return &UIError{KindWrongPassphrase, "That recovery key does not open this vault."}
	case errors.As(err, &in):
		return &UIError{KindInvalidInput, in.msg}
	case errors.Is(err, session.ErrIntervalTooShort):
		return &UIError{KindInvalidInput, "Choose between 1 hour and 30 days."}
	case errors.Is(err, records.ErrExportFolderInUse):
		return &UIError{KindInvalidInput, "That folder already holds an export. Choose an empty folder."}
	case errors.Is(err, summary.ErrUnknownKind):
		return &UIError{KindInvalidInput, "Choose the patient summary, its PDF or the vaccine record."}
	case errors.Is(err, summary.ErrInvalid):
		// A defect in Fasten, not in what the person did: nothing was
		// written.
		return &UIError{KindInternal, "Fasten could not make a valid summary from these records, so nothing was saved. Fasten's log has the details."}
	case errors.Is(err, backup.ErrVaultExists):
		return &UIError{KindVaultExists, "A vault is already here. Restoring the backup replaces it (the vault here is kept beside it, renamed)."}
	case errors.Is(err, backup.ErrDamaged):
		return &UIError{KindBackupDamaged, sentence(err)}
	case errors.Is(err, backup.ErrFolderMissing):
		return &UIError{KindBackupFolder, "The backup folder is not there. Is the drive connected? Choose the folder again in Settings → Backups."}
	case errors.Is(err, backup.ErrReadOnly):
		return &UIError{KindBackupFolder, "Fasten cannot write to the backup folder. Choose another folder in Settings → Backups."}
	case errors.Is(err, vault.ErrNoSpace):
		return &UIError{KindNoSpace, "There is not enough free space for the backup. Nothing was changed; free some space or choose another folder."}
	case errors.Is(err, session.ErrNoBackupFolder):
		return &UIError{KindInvalidInput, "Choose a folder for backups first."}
	case errors.Is(err, session.ErrBackupKeep):
		return &UIError{KindInvalidInput, "Keep between 1 and 100 backups."}
	case errors.Is(err, errRestoreUnlocked), errors.Is(err, errNoBackupChosen):
		return &UIError{KindInvalidInput, sentence(err)}
	case errors.Is(err, vault.ErrExists):
		return &UIError{KindInvalidInput, "A vault already exists there."}
	case errors.Is(err, vault.ErrKeyFileMissing), errors.Is(err, vault.ErrKeyFileDamaged),
		errors.Is(err, vault.ErrKeyMismatch), errors.Is(err, vault.ErrNewerSchema), errors.Is(err, vault.ErrSetup):
		// The vault's own words say which file to restore (or to update
		// Fasten); nothing the person typed is wrong.
		return &UIError{KindDamaged, sentence(err)}
	case errors.Is(err, samplefamily.ErrSampleOpen):
		return &UIError{KindSample, "This is the sample family, not your records, and it is deleted when you leave it. Leave the sample family to import or connect your own records in your vault."}
	case errors.Is(err, connect.ErrNotRegistered):
		return &UIError{KindNotRegistered, sentence(err)}
	case errors.Is(err, records.ErrNotEntered):
		return &UIError{KindInvalidInput, "Only records you entered yourself can be changed or deleted. Hide this one, or add a note to it."}
	case errors.Is(err, records.ErrNotForm):
		return &UIError{KindInvalidInput, "This record was added as a FHIR resource, so the form cannot change it. Delete it and add it again instead."}
	case errors.Is(err, records.ErrNotDocumentFile):
		return &UIError{KindInvalidInput, "This is not a photo, scan or PDF: add a PDF, JPEG, PNG or WebP file."}
	case errors.Is(err, records.ErrFileTooLarge):
		return &UIError{KindInvalidInput, fmt.Sprintf("The file is larger than %d MB: scan it at a lower resolution or split it.", records.MaxAttachFile>>20)}
	case errors.Is(err, records.ErrEmptyFile):
		return &UIError{KindInvalidInput, "The file is empty."}
	case errors.Is(err, records.ErrLocationKept):
		return &UIError{KindInvalidInput, "Fasten could not remove this photo's location, so it was not kept."}
	case errors.Is(err, records.ErrNoteTooLong):
		return &UIError{KindInvalidInput, "Keep the note under 10,000 characters."}
	case errors.Is(err, records.ErrNoPerson), errors.Is(err, records.ErrNoResource), errors.Is(err, connect.ErrNoConnection):
		return &UIError{KindNotFound, sentence(err)}
	case errors.Is(err, vault.ErrVaultInUse):
		return &UIError{KindBusy, "Another Fasten has this vault open. Close it, then try again."}
	case errors.Is(err, session.ErrSyncRunning):
		return &UIError{KindBusy, "Another Fasten is syncing this vault. Try again when it has finished."}
	case errors.Is(err, providersync.ErrBusy):
		return &UIError{KindBusy, "This connection is already syncing."}
	case errors.Is(err, errImportRunning):
		return &UIError{KindBusy, "An import is already running. Wait for it to finish."}
	case errors.Is(err, providersync.ErrNeedsReconnect), smart.IsKind(err, smart.NeedsReconnect):
		return &UIError{KindNeedsReconnect, "The provider ended Fasten's access. Reconnect to keep these records up to date."}
	case errors.As(err, &se) && se.Message != "":
		return &UIError{KindProvider, se.Message}
	case errors.Is(err, context.Canceled):
		return &UIError{KindInternal, "Stopped."}
	}
	// No kind fits. The domain writes its errors for people and keeps
	// health data out of them, so the words are shown; the log keeps the
	// same text for whoever debugs it.
	return &UIError{KindInternal, sentence(err)}
}

// sentence capitalises an error's text (Go errors start lower-case).
func sentence(err error) string {
	s := err.Error()
	if s == "" {
		return messageInternal
	}
	if c := s[0]; c >= 'a' && c <= 'z' {
		s = string(c-'a'+'A') + s[1:]
	}
	return s
}

// FormatError is Wails' ErrorFormatter: every error a bound method returns
// reaches the page as a UIError, encoded as a JSON string. A string, because
// the Wails v2 runtime rejects a call with `new Error(message.error)`: an
// object would arrive as "[object Object]", a string arrives as the Error's
// message, which the page decodes (api.ts readError). The technical cause goes to the log
// (errors never carry health data, tokens or keys: the domain keeps them
// out); expected outcomes (locked, wrong passphrase, invalid input) are not
// logged.
func FormatError(err error) any {
	ui := ToUIError(err)
	if ui == nil {
		return nil
	}
	switch ui.Kind {
	case KindLocked, KindWrongPassphrase, KindInvalidInput:
	default:
		log.Printf("error (%s): %s", ui.Kind, loggable(err))
	}
	b, jerr := json.Marshal(ui)
	if jerr != nil { // cannot happen for two strings; the message still reaches the page
		return ui.Message
	}
	return string(b)
}

// loggable is err's text with every file path it carries replaced by
// "<file>": a path names a download ("Neva_Smith_1990.json") or a folder
// under a person's home, and the log must not hold either. Paths are found
// by type (fs.PathError, os.LinkError) anywhere in the chain, joined errors
// included, so the scrubbing does not depend on how a message is worded.
func loggable(err error) string {
	msg := err.Error()
	var paths []string
	var walk func(error)
	walk = func(e error) {
		for e != nil {
			switch x := e.(type) {
			case *fs.PathError:
				paths = append(paths, x.Path)
			case *os.LinkError:
				paths = append(paths, x.Old, x.New)
			}
			if j, ok := e.(interface{ Unwrap() []error }); ok {
				for _, inner := range j.Unwrap() {
					walk(inner)
				}
				return
			}
			e = errors.Unwrap(e)
		}
	}
	walk(err)
	for _, p := range paths {
		if p != "" {
			msg = strings.ReplaceAll(msg, p, "<file>")
		}
	}
	return msg
}
