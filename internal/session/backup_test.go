package session

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/fastenhealth/fasten-desktop/internal/backup"
	"github.com/fastenhealth/fasten-desktop/internal/records"
)

const familyDir = "../../../shared/fixtures/synthea/family"

// backupSession opens a session with the backup scheduler driven by the
// test: its timer never fires on its own (BackupCheck or the first look
// at Open drive it) and every outcome arrives on done.
func backupSession(t *testing.T, now func() time.Time) (*Session, chan BackupStatus) {
	t.Helper()
	done := make(chan BackupStatus, 8)
	s := Open(openVault(t, newVault(t)), Options{
		Backups:     true,
		Now:         now,
		BackupAfter: func(time.Duration) <-chan time.Time { return nil },
		BackupDone:  func(b BackupStatus) { done <- b },
	})
	t.Cleanup(func() { s.Close() })
	return s, done
}

func waitBackup(t *testing.T, done chan BackupStatus) BackupStatus {
	t.Helper()
	select {
	case b := <-done:
		return b
	case <-time.After(20 * time.Second):
		t.Fatal("no backup ran")
		return BackupStatus{}
	}
}

func noBackup(t *testing.T, done chan BackupStatus) {
	t.Helper()
	select {
	case b := <-done:
		t.Fatalf("a backup ran: %+v", b)
	case <-time.After(300 * time.Millisecond):
	}
}

func TestBackupSettingsRefuseBadInput(t *testing.T) {
	s, _ := backupSession(t, time.Now)
	ctx := context.Background()
	if _, err := s.BackupNow(ctx); !errors.Is(err, ErrNoBackupFolder) {
		t.Fatalf("no folder: %v", err)
	}
	if err := s.SetBackupFolder(ctx, filepath.Join(t.TempDir(), "gone")); !errors.Is(err, backup.ErrFolderMissing) {
		t.Fatalf("missing folder: %v", err)
	}
	for _, n := range []int{0, -1, MaxBackupKeep + 1} {
		if err := s.SetBackupKeep(ctx, n); !errors.Is(err, ErrBackupKeep) {
			t.Fatalf("keep %d: %v", n, err)
		}
	}
	if err := s.SetBackupKeep(ctx, 3); err != nil || s.BackupStatus(ctx).Keep != 3 {
		t.Fatalf("keep 3: %v %+v", err, s.BackupStatus(ctx))
	}
	if b := s.BackupStatus(ctx); !b.Stale || !b.LastOK.IsZero() || b.Keep != 3 {
		t.Fatalf("status before any backup %+v", b)
	}
}

// Choosing a folder makes the first backup due; afterwards none is due
// until a day has passed or many records arrived (an import of the family,
// over 1,000 records), which BackupCheck — what the window calls after an
// import — finds.
func TestScheduledBackups(t *testing.T) {
	clock := newFakeTime(time.Date(2026, 12, 1, 5, 30, 0, 0, time.UTC))
	s, done := backupSession(t, clock.Now)
	ctx := context.Background()
	dir := t.TempDir()
	if err := s.SetBackupFolder(ctx, dir); err != nil {
		t.Fatal(err)
	}
	b := waitBackup(t, done)
	if b.LastError != "" || b.LastOK.IsZero() || b.Stale || b.Folder != dir {
		t.Fatalf("first backup %+v", b)
	}
	if l, _ := backup.List(dir); len(l) != 1 {
		t.Fatalf("%d backups", len(l))
	}
	s.BackupCheck()
	noBackup(t, done)

	files, _ := filepath.Glob(filepath.Join(familyDir, "*.json"))
	rep, err := s.Records().Import(ctx, files, records.ImportOptions{AutoCreatePeople: true}, nil)
	if err != nil || len(rep.Files) != len(files) {
		t.Fatal(err)
	}
	clock.Advance(time.Hour) // a second backup gets its own name
	s.BackupCheck()
	if b := waitBackup(t, done); b.LastError != "" {
		t.Fatalf("after the import: %+v", b)
	}
	// A week and a day later, with no backup: stale.
	clock.Advance(8 * 24 * time.Hour)
	if b := s.BackupStatus(ctx); !b.Stale {
		t.Fatalf("not stale after 8 days: %+v", b)
	}
}

// A backup that fails (the drive was unplugged) is recorded and shown;
// the session carries on, and the next try waits an hour.
func TestScheduledBackupFailureRecorded(t *testing.T) {
	clock := newFakeTime(time.Date(2026, 12, 1, 5, 30, 0, 0, time.UTC))
	s, done := backupSession(t, clock.Now)
	ctx := context.Background()
	dir := t.TempDir()
	drive := filepath.Join(dir, "drive")
	os.Mkdir(drive, 0o700)
	// Chosen while it was there, then gone: the setting is written
	// directly so the scheduler's first look finds it missing.
	if err := s.Records().SetSetting(ctx, settingBackupFolder, drive); err != nil {
		t.Fatal(err)
	}
	os.Remove(drive)
	s.BackupCheck()
	b := waitBackup(t, done)
	if b.LastError == "" || b.LastErrorAt.IsZero() || !b.Stale {
		t.Fatalf("failure not recorded: %+v", b)
	}
	if _, err := s.BackupNow(ctx); !errors.Is(err, backup.ErrFolderMissing) {
		t.Fatalf("BackupNow: %v", err)
	}
	<-done
	s.BackupCheck()
	noBackup(t, done) // within the hour: not tried again
	if _, err := s.Records().People(ctx); err != nil {
		t.Fatalf("the session stopped working: %v", err)
	}
	os.Mkdir(drive, 0o700)
	clock.Advance(BackupRetry + time.Minute)
	s.BackupCheck()
	if b := waitBackup(t, done); b.LastError != "" || b.LastOK.IsZero() {
		t.Fatalf("after the drive came back: %+v", b)
	}
}
