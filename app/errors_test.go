package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fastenhealth/fasten-desktop/internal/backup"
	"github.com/fastenhealth/fasten-desktop/internal/connect"
	"github.com/fastenhealth/fasten-desktop/internal/household"
	"github.com/fastenhealth/fasten-desktop/internal/providersync"
	"github.com/fastenhealth/fasten-desktop/internal/records"
	"github.com/fastenhealth/fasten-desktop/internal/session"
	"github.com/fastenhealth/fasten-desktop/internal/smart"
	"github.com/fastenhealth/fasten-desktop/internal/vault"
)

// Every domain error kind reaches the page as its UIError kind, however
// deeply it was wrapped on the way up; the mapping never reads the text.
func TestErrorKindsThroughWrapping(t *testing.T) {
	wrap := func(err error) error {
		return fmt.Errorf("outer: %w", fmt.Errorf("connection 7: %w", err))
	}
	cases := []struct {
		err  error
		kind ErrorKind
	}{
		{household.ErrLocked, KindLocked},
		{session.ErrClosed, KindLocked},
		{vault.ErrWrongPassphrase, KindWrongPassphrase},
		{vault.ErrWrongRecoveryKey, KindWrongPassphrase},
		{invalidInput("The two passphrases are different."), KindInvalidInput},
		{session.ErrIntervalTooShort, KindInvalidInput},
		{records.ErrNoPerson, KindNotFound},
		{records.ErrNotDocumentFile, KindInvalidInput},
		{records.ErrFileTooLarge, KindInvalidInput},
		{records.ErrEmptyFile, KindInvalidInput},
		{records.ErrLocationKept, KindInvalidInput},
		{records.ErrNoResource, KindNotFound},
		{connect.ErrNoConnection, KindNotFound},
		{session.ErrSyncRunning, KindBusy},
		{providersync.ErrBusy, KindBusy},
		{errImportRunning, KindBusy},
		{providersync.ErrNeedsReconnect, KindNeedsReconnect},
		{&smart.Error{Kind: smart.NeedsReconnect, Message: "Reconnect.", Cause: errors.New("invalid_grant")}, KindNeedsReconnect},
		{&smart.Error{Kind: smart.AccessDenied, Message: "You chose not to share."}, KindProvider},
		{vault.ErrKeyFileDamaged, KindDamaged},
		{vault.ErrKeyFileMissing, KindDamaged},
		{vault.ErrKeyMismatch, KindDamaged},
		{vault.ErrNewerSchema, KindDamaged},
		{backup.ErrVaultExists, KindVaultExists},
		{&backup.DamagedError{Reason: backup.ReasonTruncated}, KindBackupDamaged},
		{&backup.DamagedError{Reason: backup.ReasonNewerFormat}, KindBackupDamaged},
		{backup.ErrFolderMissing, KindBackupFolder},
		{backup.ErrReadOnly, KindBackupFolder},
		{vault.ErrNoSpace, KindNoSpace},
		{vault.ErrVaultInUse, KindBusy},
		{session.ErrNoBackupFolder, KindInvalidInput},
		{session.ErrBackupKeep, KindInvalidInput},
		{errors.New("disk I/O error"), KindInternal},
	}
	for _, c := range cases {
		for _, err := range []error{c.err, wrap(c.err), errors.Join(errors.New("other"), wrap(c.err))} {
			ui := ToUIError(err)
			if ui == nil || ui.Kind != c.kind || ui.Message == "" {
				t.Errorf("%v: got %+v, want kind %s", err, ui, c.kind)
			}
		}
	}
	// A wrapped smart error shows the provider's person-facing message,
	// never the technical cause.
	se := &smart.Error{Kind: smart.AccessDenied, Message: "You chose not to share.", Cause: errors.New("error=access_denied&state=abc")}
	if ui := ToUIError(wrap(se)); ui.Message != "You chose not to share." {
		t.Errorf("smart message: %q", ui.Message)
	}
	// Locked says so the same way whatever the wrapping said.
	if ui := ToUIError(wrap(household.ErrLocked)); strings.Contains(ui.Message, "outer") {
		t.Errorf("locked message carries the wrapping: %q", ui.Message)
	}
	if ToUIError(nil) != nil || FormatError(nil) != nil {
		t.Error("nil error formatted")
	}
}

// The page receives {kind, message}: the JSON names the frontend codes
// against.
// The formatted error is a JSON string: the Wails runtime turns whatever it
// gets into `new Error(it)`, so only a string survives as the message.
func TestFormatErrorJSON(t *testing.T) {
	s, ok := FormatError(fmt.Errorf("unlock: %w", vault.ErrWrongPassphrase)).(string)
	if !ok {
		t.Fatal("FormatError must return a string for the Wails runtime")
	}
	b := []byte(s)
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if got["kind"] != "wrong_passphrase" || got["message"] == "" || len(got) != 2 {
		t.Fatalf("formatted error %s", b)
	}
}

// Bound methods return kinds end to end: a locked vault, input the layer
// rejects, and a wrong passphrase.
func TestMethodsReturnKinds(t *testing.T) {
	a := New(household.New(t.TempDir()+"/household.fasten"), Options{})
	kind := func(err error) ErrorKind {
		if ui := ToUIError(err); ui != nil {
			return ui.Kind
		}
		return ""
	}
	if _, err := a.People(); kind(err) != KindLocked {
		t.Errorf("people while locked: %v", err)
	}
	if err := a.SyncNow(0); kind(err) != KindLocked {
		t.Errorf("sync while locked: %v", err)
	}
	if _, err := a.CreateVault("a good passphrase", "another one"); kind(err) != KindInvalidInput {
		t.Errorf("different passphrases: %v", err)
	}
	if _, err := a.CreateVault("short", "short"); kind(err) != KindInvalidInput {
		t.Errorf("short passphrase: %v", err)
	}
	if _, err := a.CreateVault("a good passphrase", "a good passphrase"); err != nil {
		t.Fatal(err)
	}
	defer a.Lock()
	if err := a.SetSyncIntervalHours(0); kind(err) != KindInvalidInput {
		t.Errorf("interval 0: %v", err)
	}
	if err := a.RenamePerson(999, "Nobody"); kind(err) != KindNotFound {
		t.Errorf("rename a missing person: %v", err)
	}
	if err := a.Disconnect(999, false); kind(err) != KindNotFound {
		t.Errorf("disconnect a missing connection: %v", err)
	}
	if err := a.ChangePassphrase("not the passphrase", "a new passphrase", "a new passphrase"); kind(err) != KindWrongPassphrase {
		t.Errorf("wrong current passphrase: %v", err)
	}
	a.Lock()
	if err := a.Unlock("not the passphrase"); kind(err) != KindWrongPassphrase {
		t.Errorf("wrong passphrase: %v", err)
	}
	// An edited key file: the person is told to restore it, not that the
	// passphrase is wrong.
	keys := a.Status().Path + ".keys"
	raw, err := os.ReadFile(keys)
	if err != nil {
		t.Fatal(err)
	}
	var kf map[string]any
	if err := json.Unmarshal(raw, &kf); err != nil {
		t.Fatal(err)
	}
	for _, slot := range kf["slots"].([]any) {
		if p, ok := slot.(map[string]any)["params"].(map[string]any); ok {
			p["memory_kib"] = 4000000000 // ~4 TiB of Argon2 memory
		}
	}
	raw, _ = json.Marshal(kf)
	if err := os.WriteFile(keys, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := a.Unlock("a good passphrase"); kind(err) != KindDamaged {
		t.Errorf("damaged key file: %v", err)
	}
}

// A pass that could not run at all tells the page why (sync:failed); one
// that ran, or was stopped by a lock, does not.
func TestPassError(t *testing.T) {
	if ui := passError(session.Pass{Err: fmt.Errorf("waiting for the vault: %w", session.ErrSyncRunning)}); ui == nil || ui.Kind != KindBusy || ui.Message == "" {
		t.Fatalf("another process's sync: %+v", ui)
	}
	if ui := passError(session.Pass{Err: errors.New("disk I/O error")}); ui == nil || ui.Kind != KindInternal {
		t.Fatalf("unexpected failure: %+v", ui)
	}
	if ui := passError(session.Pass{Err: context.Canceled}); ui != nil {
		t.Fatalf("a stopped pass is no failure: %+v", ui)
	}
	if ui := passError(session.Pass{Outcomes: []session.Outcome{{ConnectionID: 1, Err: errors.New("x")}}}); ui != nil {
		t.Fatalf("a pass that ran reports per connection: %+v", ui)
	}
}

// A file path in an error (a download named after a person, a home folder)
// never reaches the log, however deep in the chain the path error sits.
func TestFormatErrorLogsNoFilePaths(t *testing.T) {
	var buf bytes.Buffer
	log.SetOutput(&buf)
	defer log.SetOutput(os.Stderr)
	path := filepath.Join(t.TempDir(), "Neva_Smith_1990.json")
	_, openErr := os.Open(path)
	linkErr := os.Rename(path, path+".bak")
	err := errors.Join(fmt.Errorf("import: %w", openErr), fmt.Errorf("move: %w", linkErr))
	if FormatError(err) == nil {
		t.Fatal("no UI error")
	}
	if strings.Contains(buf.String(), "Neva") || !strings.Contains(buf.String(), "<file>") {
		t.Fatalf("log line keeps the path: %q", buf.String())
	}
}
