// Package household is the unlocked-or-locked state of one household vault as
// the desktop app sees it: create, unlock (passphrase or recovery key), lock,
// auto-lock after idle time, and the session (records, connections, sync)
// while unlocked.
package household

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"time"

	"github.com/fastenhealth/fasten-desktop/internal/records"
	"github.com/fastenhealth/fasten-desktop/internal/session"
	"github.com/fastenhealth/fasten-desktop/internal/vault"
)

// ErrLocked is returned by anything that needs records while the vault is
// locked. It is the session's own "closed" error, so one errors.Is covers a
// call that raced with the lock.
var ErrLocked = session.ErrClosed

// LockReason says why the vault locked; the UI binds these as an enum.
type LockReason string

// Lock reasons.
const (
	LockManual LockReason = "manual" // the person locked it (or the window closed)
	LockIdle   LockReason = "idle"   // auto-lock after idle time
)

// DefaultAutoLock is the idle time after which an unlocked vault locks itself.
const DefaultAutoLock = 15 * time.Minute

// Status describes the vault for the start screen.
type Status struct {
	Path            string `json:"path"`
	Exists          bool   `json:"exists"`
	Unlocked        bool   `json:"unlocked"`
	AutoLockMinutes int    `json:"autoLockMinutes"`
}

// Service owns the vault handle. Safe for concurrent use.
type Service struct {
	path string
	// OnLock is called (outside the lock) whenever the vault locks.
	OnLock func(reason LockReason)
	// SessionOptions build each unlock's session (the window sets its
	// sync schedule and event sinks here).
	SessionOptions session.Options

	mu       sync.Mutex
	sess     *session.Session
	idle     time.Duration
	lastSeen time.Time
	timer    *time.Timer
	now      func() time.Time
}

// New returns a locked service for the vault at path.
func New(path string) *Service {
	return &Service{path: path, idle: DefaultAutoLock, now: time.Now}
}

// Status reports where the vault is and whether it is open.
func (s *Service) Status() Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Status{Path: s.path, Exists: vault.Exists(s.path), Unlocked: s.sess != nil, AutoLockMinutes: int(s.idle / time.Minute)}
}

// Create makes the vault and leaves it unlocked; it returns the recovery key.
func (s *Service) Create(passphrase string) (string, error) {
	v, rk, err := vault.Create(s.path, passphrase)
	if err != nil {
		return "", err
	}
	s.opened(v)
	return rk, nil
}

// Unlock opens the vault with the passphrase.
func (s *Service) Unlock(passphrase string) error {
	if s.Status().Unlocked {
		return nil
	}
	v, err := vault.Open(s.path, passphrase)
	if err != nil {
		return err
	}
	s.opened(v)
	return nil
}

// UnlockWithRecoveryKey opens the vault with the recovery key and sets a new
// passphrase, which is what someone who forgot theirs needs.
func (s *Service) UnlockWithRecoveryKey(recoveryKey, newPassphrase string) error {
	if err := vault.CheckPassphrase(newPassphrase); err != nil {
		return err
	}
	v, err := vault.OpenWithRecoveryKey(s.path, recoveryKey)
	if err != nil {
		return err
	}
	if err := v.ChangePassphrase(newPassphrase); err != nil {
		v.Close()
		return err
	}
	s.opened(v)
	return nil
}

// ChangePassphrase checks the current passphrase, then rewraps the vault key.
func (s *Service) ChangePassphrase(current, next string) error {
	s.mu.Lock()
	sess := s.sess
	s.mu.Unlock()
	if sess == nil {
		return ErrLocked
	}
	v := sess.Vault()
	probe, err := vault.Open(s.path, current)
	if err != nil {
		return err
	}
	probe.Close()
	return v.ChangePassphrase(next)
}

func (s *Service) opened(v *vault.Vault) {
	sess := session.Open(v, s.SessionOptions)
	idle := DefaultAutoLock
	if val, err := sess.Records().Setting(context.Background(), "autolock_minutes"); err == nil && val != "" {
		if m, err := strconv.Atoi(val); err == nil && m >= 0 {
			idle = time.Duration(m) * time.Minute
		}
	}
	s.mu.Lock()
	old := s.sess
	s.sess, s.idle = sess, idle
	s.lastSeen = s.now()
	s.armLocked()
	s.mu.Unlock()
	if old != nil {
		old.Close()
	}
}

// armLocked (re)starts the idle timer; s.mu must be held.
func (s *Service) armLocked() {
	if s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
	if s.sess == nil || s.idle <= 0 {
		return
	}
	wait := s.idle - s.now().Sub(s.lastSeen)
	if wait < 0 {
		wait = 0
	}
	s.timer = time.AfterFunc(wait, s.checkIdle)
}

func (s *Service) checkIdle() {
	s.mu.Lock()
	if s.sess == nil || s.idle <= 0 {
		s.mu.Unlock()
		return
	}
	if s.now().Sub(s.lastSeen) < s.idle {
		s.armLocked()
		s.mu.Unlock()
		return
	}
	s.mu.Unlock()
	s.lock(LockIdle)
}

// Touch records activity from the person, postponing auto-lock.
func (s *Service) Touch() {
	s.mu.Lock()
	s.lastSeen = s.now()
	s.mu.Unlock()
}

// SetAutoLock sets the idle time before auto-lock (0 disables it) and keeps it in the vault.
func (s *Service) SetAutoLock(ctx context.Context, d time.Duration) error {
	if d < 0 {
		return errors.New("the auto-lock time cannot be negative")
	}
	st, err := s.Store()
	if err != nil {
		return err
	}
	if err := st.SetSetting(ctx, "autolock_minutes", strconv.Itoa(int(d/time.Minute))); err != nil {
		return err
	}
	s.mu.Lock()
	s.idle = d
	s.lastSeen = s.now()
	s.armLocked()
	s.mu.Unlock()
	return nil
}

// Lock closes the vault and forgets its key.
func (s *Service) Lock() { s.lock(LockManual) }

// lock drops the session: its scheduler stops, a running sync stops at its
// checkpoint (Close waits for it), then the vault closes.
func (s *Service) lock(reason LockReason) {
	s.mu.Lock()
	sess := s.sess
	s.sess = nil
	if s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
	s.mu.Unlock()
	if sess == nil {
		return
	}
	sess.Close()
	if s.OnLock != nil {
		s.OnLock(reason)
	}
}

// Session is the unlocked vault's services. Every call counts as activity.
func (s *Service) Session() (*session.Session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sess == nil {
		return nil, ErrLocked
	}
	s.lastSeen = s.now()
	return s.sess, nil
}

// Store is the records store while unlocked. Every call counts as activity.
func (s *Service) Store() (*records.Store, error) {
	sess, err := s.Session()
	if err != nil {
		return nil, err
	}
	return sess.Records(), nil
}
