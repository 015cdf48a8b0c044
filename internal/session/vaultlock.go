package session

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/fastenhealth/fasten-desktop/internal/providersync"
)

// ErrSyncRunning is returned when another process (the window, or a
// `fasten sync`) is already syncing this vault.
var ErrSyncRunning = errors.New("a sync of this vault is already running in another Fasten")

// LockPath is the file beside a vault whose lock says a sync pass is
// running. It holds nothing; the lock is the OS's, so a crashed process
// never leaves the vault locked.
func LockPath(vaultPath string) string { return vaultPath + ".sync.lock" }

type vaultLock struct{ f *os.File }

func (l *vaultLock) release() {
	unlockFile(l.f)
	l.f.Close()
}

// tryVaultLock takes the vault's sync lock, or returns ErrSyncRunning.
func tryVaultLock(vaultPath string) (*vaultLock, error) {
	f, err := os.OpenFile(LockPath(vaultPath), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("cannot open the vault's sync lock: %w", err)
	}
	ok, err := tryLockFile(f)
	if err != nil || !ok {
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("cannot take the vault's sync lock: %w", err)
		}
		return nil, ErrSyncRunning
	}
	return &vaultLock{f: f}, nil
}

// lockVault takes the vault's sync lock, waiting (and saying so) while
// another process holds it when the session is set to wait.
func (s *Session) lockVault(ctx context.Context, progress func(providersync.Progress)) (*vaultLock, error) {
	told := false
	for {
		l, err := tryVaultLock(s.v.Path())
		if !errors.Is(err, ErrSyncRunning) || !s.opts.WaitForOtherSync {
			return l, err
		}
		if !told && progress != nil {
			told = true
			progress(providersync.Progress{Phase: providersync.PhaseWaiting, Message: "Another Fasten is syncing this vault; this sync starts when it ends."})
		}
		t := time.NewTimer(s.opts.LockPoll)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}
