package app

import (
	"errors"
	"os"
	"sync"
	"time"

	"github.com/wailsapp/wails/v2/pkg/runtime"

	"github.com/fastenhealth/fasten-desktop/internal/backup"
	"github.com/fastenhealth/fasten-desktop/internal/samplefamily"
	"github.com/fastenhealth/fasten-desktop/internal/session"
	"github.com/fastenhealth/fasten-desktop/internal/vault"
)

// Backups: Settings → Backups, and "Restore from a backup" on the
// create/unlock screen. Folders and backup files are chosen in the
// system's dialogs, opened here in Go: the page never hands a path.

// EventBackupDone carries a session.BackupStatus after every backup,
// scheduled or asked for.
const EventBackupDone = "backup:done"

// errRestoreUnlocked: a restore replaces the vault file, so not while it is open.
var errRestoreUnlocked = errors.New("lock the vault before restoring a backup over it")

// errNoBackupChosen: RestoreFromBackup before ChooseBackupFile.
var errNoBackupChosen = errors.New("choose a backup file first")

// chosenBackup is the file ChooseBackupFile picked, for RestoreFromBackup.
type chosenBackup struct {
	mu   sync.Mutex
	path string
}

// BackupSettings is the backup folder, how many are kept, the last
// success (with Stale after a week) and the last error.
func (a *App) BackupSettings() (session.BackupStatus, error) {
	sess, err := a.session()
	if err != nil {
		return session.BackupStatus{}, err
	}
	return sess.BackupStatus(a.context()), nil
}

func (a *App) session() (*session.Session, error) {
	if a.inSample() {
		return nil, samplefamily.ErrSampleOpen
	}
	return a.home.Session()
}

// SetBackupFolder asks for the folder in the system's dialog and keeps it;
// a backup is then due at once if none was made yet. Cancelling changes
// nothing.
func (a *App) SetBackupFolder() (session.BackupStatus, error) {
	sess, err := a.session()
	if err != nil {
		return session.BackupStatus{}, err
	}
	if a.ctx == nil {
		return session.BackupStatus{}, errors.New("the folder dialog needs the desktop window")
	}
	cur := sess.BackupStatus(a.context())
	dir, err := runtime.OpenDirectoryDialog(a.ctx, runtime.OpenDialogOptions{
		Title:                "Choose a folder for Fasten's backups (an external drive, or a folder a cloud drive syncs)",
		DefaultDirectory:     cur.Folder,
		CanCreateDirectories: true,
	})
	if err != nil || dir == "" {
		return cur, err
	}
	return a.setBackupFolderTo(dir)
}

func (a *App) setBackupFolderTo(dir string) (session.BackupStatus, error) {
	sess, err := a.session()
	if err != nil {
		return session.BackupStatus{}, err
	}
	if err := sess.SetBackupFolder(a.context(), dir); err != nil {
		return session.BackupStatus{}, err
	}
	return sess.BackupStatus(a.context()), nil
}

// SetBackupKeep keeps how many backups the folder keeps (1–100).
func (a *App) SetBackupKeep(n int) (session.BackupStatus, error) {
	sess, err := a.session()
	if err != nil {
		return session.BackupStatus{}, err
	}
	if err := sess.SetBackupKeep(a.context(), n); err != nil {
		return session.BackupStatus{}, err
	}
	return sess.BackupStatus(a.context()), nil
}

// BackupNow writes and checks a backup now, and returns the new status
// (its failure is also kept in the status, for Settings to show).
func (a *App) BackupNow() (session.BackupStatus, error) {
	sess, err := a.session()
	if err != nil {
		return session.BackupStatus{}, err
	}
	if _, err := sess.BackupNow(a.context()); err != nil {
		return session.BackupStatus{}, err
	}
	return sess.BackupStatus(a.context()), nil
}

// BackupFile describes the backup file chosen for a restore (from its
// header: no names, no health data).
type BackupFile struct {
	Name        string    `json:"name"`
	Created     time.Time `json:"created"`
	Records     int64     `json:"records"`
	People      int64     `json:"people"`
	VaultExists bool      `json:"vaultExists"` // restoring replaces the vault here (confirm first)
}

// ChooseBackupFile asks for a backup file in the system's dialog and
// remembers it for RestoreFromBackup. Cancelling returns an empty Name.
func (a *App) ChooseBackupFile() (BackupFile, error) {
	if a.ctx == nil {
		return BackupFile{}, errors.New("the file dialog needs the desktop window")
	}
	path, err := runtime.OpenFileDialog(a.ctx, runtime.OpenDialogOptions{
		Title:   "Choose a Fasten backup to restore",
		Filters: []runtime.FileFilter{{DisplayName: "Fasten backups (*.fastenbackup)", Pattern: "*.fastenbackup"}, {DisplayName: "All files", Pattern: "*"}},
	})
	if err != nil || path == "" {
		return BackupFile{}, err
	}
	return a.chooseBackupPath(path)
}

func (a *App) chooseBackupPath(path string) (BackupFile, error) {
	info, err := backup.Describe(path)
	if err != nil {
		return BackupFile{}, err
	}
	a.backupFile.mu.Lock()
	a.backupFile.path = path
	a.backupFile.mu.Unlock()
	return BackupFile{Name: info.Name, Created: info.Created, Records: info.Records, People: info.People,
		VaultExists: vault.Exists(a.home.Status().Path)}, nil
}

// Restored is what a restore did.
type Restored struct {
	Records  int64 `json:"records"`
	People   int64 `json:"people"`
	Unlocked bool  `json:"unlocked"` // the secret was the passphrase: the vault is open
	Replaced bool  `json:"replaced"` // an existing vault was kept aside, renamed
}

// RestoreFromBackup puts the chosen backup's vault where this app keeps
// its vault, opened with secret (the passphrase or the recovery key). An
// existing vault is replaced only with replace (it is kept beside,
// renamed), and never while unlocked. With the passphrase the vault is
// then unlocked.
func (a *App) RestoreFromBackup(secret string, replace bool) (Restored, error) {
	a.backupFile.mu.Lock()
	file := a.backupFile.path
	a.backupFile.mu.Unlock()
	if file == "" {
		return Restored{}, errNoBackupChosen
	}
	if secret == "" {
		return Restored{}, invalidInput("Enter the household's passphrase or its recovery key.")
	}
	a.LeaveSampleFamily()
	st := a.home.Status()
	if st.Unlocked {
		return Restored{}, errRestoreUnlocked
	}
	if _, err := os.Stat(file); err != nil {
		return Restored{}, err
	}
	r, err := backup.Restore(a.context(), file, st.Path, secret, backup.RestoreOptions{Replace: replace})
	if err != nil {
		return Restored{}, err
	}
	a.backupFile.mu.Lock()
	a.backupFile.path = ""
	a.backupFile.mu.Unlock()
	out := Restored{Records: r.Records, People: r.People, Replaced: r.Replaced != ""}
	out.Unlocked = a.home.Unlock(secret) == nil
	return out, nil
}

// backupCheck tells the backup scheduler records arrived (after an import).
func (a *App) backupCheck() {
	if sess, err := a.session(); err == nil {
		sess.BackupCheck()
	}
}
