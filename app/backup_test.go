package app

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/fastenhealth/fasten-desktop/internal/household"
)

// The backup bindings end to end over a real vault: choose a folder (what
// the dialog leads to), keep N, back up now, then on another "computer"
// choose the file and restore it, unlocking with the passphrase; the
// refusals come back as their kinds.
func TestBackupBindings(t *testing.T) {
	a, _ := summaryApp(t)
	if _, err := a.BackupNow(); ToUIError(err).Kind != KindInvalidInput {
		t.Fatalf("no folder yet: %v", err)
	}
	if _, err := a.setBackupFolderTo(filepath.Join(t.TempDir(), "unplugged")); ToUIError(err).Kind != KindBackupFolder {
		t.Fatalf("missing folder: %v", err)
	}
	if _, err := a.SetBackupKeep(0); ToUIError(err).Kind != KindInvalidInput {
		t.Fatalf("keep 0: %v", err)
	}
	dir := t.TempDir()
	st, err := a.setBackupFolderTo(dir)
	if err != nil || st.Folder != dir {
		t.Fatalf("folder: %v %+v", err, st)
	}
	if st, err = a.SetBackupKeep(3); err != nil || st.Keep != 3 {
		t.Fatalf("keep: %v %+v", err, st)
	}
	st, err = a.BackupNow()
	if err != nil || st.LastOK.IsZero() || st.Stale || st.LastError != "" || time.Since(st.LastOK) > time.Minute {
		t.Fatalf("backup now: %v %+v", err, st)
	}
	stats, err := a.Stats()
	if err != nil {
		t.Fatal(err)
	}

	// The new computer: no vault yet.
	b := New(household.New(filepath.Join(t.TempDir(), "household.fasten")), Options{})
	t.Cleanup(b.Lock)
	if _, err := b.RestoreFromBackup("app test passphrase", false); !errors.Is(err, errNoBackupChosen) {
		t.Fatalf("nothing chosen: %v", err)
	}
	notBackup := filepath.Join(t.TempDir(), "holiday.jpg")
	os.WriteFile(notBackup, []byte("\xff\xd8\xff\xe0 not a backup at all, just a photo"), 0o600)
	if _, err := b.chooseBackupPath(notBackup); ToUIError(err).Kind != KindBackupDamaged {
		t.Fatalf("not a backup: %v", err)
	}
	info, err := b.chooseBackupPath(st.LastPath)
	if err != nil || info.VaultExists || info.Records == 0 || info.People != int64(stats.People) {
		t.Fatalf("chosen: %v %+v", err, info)
	}
	if _, err := b.RestoreFromBackup("not the passphrase", false); ToUIError(err).Kind != KindWrongPassphrase {
		t.Fatalf("wrong passphrase: %v", err)
	}
	r, err := b.RestoreFromBackup("app test passphrase", false)
	if err != nil || !r.Unlocked || r.Records != info.Records {
		t.Fatalf("restore: %v %+v", err, r)
	}
	got, err := b.Stats()
	if err != nil || got.Total != stats.Total || got.People != stats.People || got.Versions != stats.Versions {
		t.Fatalf("restored stats %+v, want %+v (%v)", got, stats, err)
	}
	// Over an unlocked vault: refused; locked, without replace: its kind.
	if _, err := b.chooseBackupPath(st.LastPath); err != nil {
		t.Fatal(err)
	}
	if _, err := b.RestoreFromBackup("app test passphrase", true); ToUIError(err).Kind != KindInvalidInput {
		t.Fatalf("unlocked: %v", err)
	}
	b.Lock()
	if _, err := b.RestoreFromBackup("app test passphrase", false); ToUIError(err).Kind != KindVaultExists {
		t.Fatalf("existing: %v", err)
	}
	if r, err := b.RestoreFromBackup("app test passphrase", true); err != nil || !r.Replaced {
		t.Fatalf("replace: %v %+v", err, r)
	}
}
