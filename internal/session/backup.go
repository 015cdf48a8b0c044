package session

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/fastenhealth/fasten-desktop/internal/backup"
	"github.com/fastenhealth/fasten-desktop/internal/vault"
)

// Backups while the vault is unlocked: once a day (BackupEvery) into the
// folder the person chose, and sooner when many records arrived since the
// last one (BackupAfterRecords: the scheduler looks every BackupPoll, and
// at once when told with BackupCheck, which the window calls after an
// import). A failure is kept in the settings for Settings to show and
// tried again an hour later; it never stops the session.

// Settings the backup scheduler keeps in the vault (the settings table is
// internal/records'; written through its store).
const (
	settingBackupFolder  = "backup_folder"
	settingBackupKeep    = "backup_keep"
	settingBackupLastOK  = "backup_last_ok"
	settingBackupLastErr = "backup_last_error"
	settingBackupErrAt   = "backup_last_error_at"
	settingBackupPath    = "backup_last_path"
	settingBackupMark    = "backup_records_mark" // highest resources.id in the last backup
)

// Backup defaults.
const (
	DefaultBackupEvery        = 24 * time.Hour
	DefaultBackupAfterRecords = 1000
	DefaultBackupPoll         = 10 * time.Minute
	BackupRetry               = time.Hour
	// BackupStaleAfter: older than this, the last backup is shown with a
	// warning.
	BackupStaleAfter = 7 * 24 * time.Hour
	MaxBackupKeep    = 100
)

// ErrBackupKeep: keep between 1 and MaxBackupKeep backups.
var ErrBackupKeep = fmt.Errorf("keep between 1 and %d backups", MaxBackupKeep)

// ErrNoBackupFolder: no backup folder has been chosen.
var ErrNoBackupFolder = errors.New("choose a folder for backups first")

// BackupStatus is what Settings and the household view show.
type BackupStatus struct {
	Folder      string    `json:"folder"`
	Keep        int       `json:"keep"`
	LastOK      time.Time `json:"lastOk"` // zero: never
	LastPath    string    `json:"lastPath"`
	LastError   string    `json:"lastError"` // the last attempt's failure, "" when it succeeded
	LastErrorAt time.Time `json:"lastErrorAt"`
	// Stale: no successful backup in BackupStaleAfter (or never).
	Stale   bool `json:"stale"`
	Running bool `json:"running"`
}

// BackupStatus reads the backup settings.
func (s *Session) BackupStatus(ctx context.Context) BackupStatus {
	st := s.records
	var b BackupStatus
	b.Folder, _ = st.Setting(ctx, settingBackupFolder)
	b.Keep = s.backupKeep(ctx)
	if v, _ := st.Setting(ctx, settingBackupLastOK); v != "" {
		b.LastOK, _ = vault.ParseTimestamp(v)
	}
	b.LastPath, _ = st.Setting(ctx, settingBackupPath)
	b.LastError, _ = st.Setting(ctx, settingBackupLastErr)
	if v, _ := st.Setting(ctx, settingBackupErrAt); v != "" && b.LastError != "" {
		b.LastErrorAt, _ = vault.ParseTimestamp(v)
	}
	b.Stale = b.LastOK.IsZero() || s.opts.Now().Sub(b.LastOK) > BackupStaleAfter
	s.mu.Lock()
	b.Running = s.backingUp
	s.mu.Unlock()
	return b
}

func (s *Session) backupKeep(ctx context.Context) int {
	v, _ := s.records.Setting(ctx, settingBackupKeep)
	if n, err := strconv.Atoi(v); err == nil && n >= 1 && n <= MaxBackupKeep {
		return n
	}
	return backup.DefaultKeep
}

// SetBackupFolder keeps the folder backups go to ("" turns scheduled
// backups off). The folder must exist (backup.ErrFolderMissing).
func (s *Session) SetBackupFolder(ctx context.Context, dir string) error {
	if dir != "" {
		fi, err := os.Stat(dir)
		if err != nil || !fi.IsDir() {
			return fmt.Errorf("%w: %s", backup.ErrFolderMissing, dir)
		}
	}
	if err := s.records.SetSetting(ctx, settingBackupFolder, dir); err != nil {
		return err
	}
	s.BackupCheck()
	return nil
}

// SetBackupKeep keeps how many backups the folder keeps.
func (s *Session) SetBackupKeep(ctx context.Context, n int) error {
	if n < 1 || n > MaxBackupKeep {
		return ErrBackupKeep
	}
	return s.records.SetSetting(ctx, settingBackupKeep, strconv.Itoa(n))
}

// BackupCheck asks the scheduler to look now whether a backup is due
// (many records arrived, a folder was just chosen). It returns at once.
func (s *Session) BackupCheck() {
	select {
	case s.backupNudge <- struct{}{}:
	default:
	}
}

// BackupNow writes a backup into the chosen folder now and waits for it.
// The outcome is recorded (last success or last error) either way.
func (s *Session) BackupNow(ctx context.Context) (backup.Result, error) {
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	go func() {
		select {
		case <-s.ctx.Done():
			stop()
		case <-ctx.Done():
		}
	}()
	return s.backupOnce(ctx, "", 0)
}

// BackupTo writes a backup into dir now (the CLI's `fasten backup --to`),
// keeping keep (0: the setting); the outcome is recorded like a
// scheduled backup's.
func (s *Session) BackupTo(ctx context.Context, dir string, keep int) (backup.Result, error) {
	if dir == "" {
		return backup.Result{}, ErrNoBackupFolder
	}
	return s.backupOnce(ctx, dir, keep)
}

// backupOnce runs one backup under backupMu, into dir (""): the chosen
// folder) keeping keep (0: the setting), and records its outcome.
func (s *Session) backupOnce(ctx context.Context, dir string, keep int) (res backup.Result, err error) {
	s.backupMu.Lock()
	defer s.backupMu.Unlock()
	if s.isClosed() {
		return backup.Result{}, ErrClosed
	}
	if dir == "" {
		if dir, err = s.records.Setting(ctx, settingBackupFolder); err != nil {
			return backup.Result{}, err
		}
	}
	if keep == 0 {
		keep = s.backupKeep(ctx)
	}
	if dir == "" {
		return backup.Result{}, ErrNoBackupFolder
	}
	mark := s.recordsMark(ctx)
	s.mu.Lock()
	s.backingUp = true
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.backingUp = false
		if err != nil {
			s.backupFailedAt = s.opts.Now()
		} else {
			s.backupFailedAt = time.Time{}
		}
		s.mu.Unlock()
	}()
	res, err = backup.Backup(ctx, s.v, dir, backup.Options{Keep: keep, Now: s.opts.Now, Settings: s.records})
	// Recorded even when the caller gave up: the outcome is the vault's.
	rctx := context.WithoutCancel(ctx)
	now := vault.Timestamp(s.opts.Now().UTC())
	if err != nil {
		if errors.Is(err, context.Canceled) && s.isClosed() {
			return res, err // locked mid-way: not a failure to show
		}
		_ = s.records.SetSetting(rctx, settingBackupLastErr, err.Error())
		_ = s.records.SetSetting(rctx, settingBackupErrAt, now)
	} else {
		_ = s.records.SetSetting(rctx, settingBackupLastOK, now)
		_ = s.records.SetSetting(rctx, settingBackupPath, res.Path)
		_ = s.records.SetSetting(rctx, settingBackupLastErr, "")
		_ = s.records.SetSetting(rctx, settingBackupMark, strconv.FormatInt(mark, 10))
	}
	if s.opts.BackupDone != nil {
		s.opts.BackupDone(s.BackupStatus(rctx))
	}
	return res, err
}

// recordsMark is the highest record id: ids rise with arrival, so the
// difference from the last backup's is how many records arrived since.
func (s *Session) recordsMark(ctx context.Context) int64 {
	var n int64
	_ = s.v.DB().QueryRowContext(ctx, "SELECT coalesce(max(id), 0) FROM resources").Scan(&n)
	return n
}

// backupDue says whether a scheduled backup should run now, and if not
// how long until one is due by time.
func (s *Session) backupDue(ctx context.Context) (bool, time.Duration) {
	b := s.BackupStatus(ctx)
	if b.Folder == "" {
		return false, -1
	}
	now := s.opts.Now()
	s.mu.Lock()
	failed := s.backupFailedAt
	s.mu.Unlock()
	if !failed.IsZero() && now.Sub(failed) < BackupRetry {
		return false, BackupRetry - now.Sub(failed) // a failure waits before trying again
	}
	due := b.LastOK.Add(s.opts.BackupEvery)
	if b.LastOK.IsZero() || !now.Before(due) {
		return true, 0
	}
	markStr, _ := s.records.Setting(ctx, settingBackupMark)
	mark, _ := strconv.ParseInt(markStr, 10, 64)
	if s.recordsMark(ctx)-mark >= int64(s.opts.BackupAfterRecords) {
		return true, 0
	}
	return false, due.Sub(now)
}

// backupSchedule runs backups when due, until the session closes.
func (s *Session) backupSchedule() {
	defer s.wg.Done()
	for {
		run, wait := s.backupDue(s.ctx)
		if s.ctx.Err() != nil {
			return
		}
		if run {
			// After a pass or packing under way (packing holds passMu
			// from Open): the backup is then of the packed vault, and its
			// copy does not hold a connection that packing's closing
			// rewrite would wait for.
			s.passMu.Lock()
			s.passMu.Unlock()
			_, _ = s.backupOnce(s.ctx, "", 0)
			continue
		}
		var timer <-chan time.Time
		if wait >= 0 {
			timer = s.opts.BackupAfter(min(wait, s.opts.BackupPoll))
		}
		select {
		case <-s.ctx.Done():
			return
		case <-s.backupNudge:
		case <-timer:
		}
	}
}
