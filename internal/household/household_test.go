package household

import (
	"context"
	"errors"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fastenhealth/fasten-desktop/internal/vault"
)

func init() { vault.DefaultKDF = vault.KDFParams{Time: 1, Memory: 8 * 1024, Threads: 1} }

func TestLifecycleAndAutoLock(t *testing.T) {
	s := New(filepath.Join(t.TempDir(), "household.fasten"))
	var locks atomic.Int32
	var lastReason atomic.Value
	s.OnLock = func(reason LockReason) { locks.Add(1); lastReason.Store(reason) }
	if st := s.Status(); st.Exists || st.Unlocked {
		t.Fatalf("fresh status %+v", st)
	}
	if _, err := s.Store(); !errors.Is(err, ErrLocked) {
		t.Fatalf("store while locked: %v", err)
	}
	rk, err := s.Create("household passphrase")
	if err != nil || rk == "" {
		t.Fatal(err)
	}
	st, err := s.Store()
	if err != nil {
		t.Fatal(err)
	}
	sess, err := s.Session()
	if err != nil || sess.Records() != st {
		t.Fatalf("session %v: one records store per unlock", err)
	}
	if _, err := st.AddPerson(context.Background(), "Ada", ""); err != nil {
		t.Fatal(err)
	}
	// Auto-lock after idle; activity postpones it.
	if err := s.SetAutoLock(context.Background(), time.Minute); err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	s.idle = 300 * time.Millisecond
	s.armLocked()
	s.mu.Unlock()
	for i := 0; i < 5; i++ {
		time.Sleep(100 * time.Millisecond)
		s.Touch()
	}
	if !s.Status().Unlocked {
		t.Fatal("locked despite activity")
	}
	time.Sleep(700 * time.Millisecond)
	if s.Status().Unlocked || locks.Load() != 1 || lastReason.Load() != LockIdle {
		t.Fatalf("not auto-locked: %+v locks=%d", s.Status(), locks.Load())
	}
	if _, err := s.Store(); !errors.Is(err, ErrLocked) {
		t.Fatalf("store after auto-lock: %v", err)
	}
	// The unlock's session was dropped with the lock: it takes no more work.
	if _, err := s.Session(); !errors.Is(err, ErrLocked) {
		t.Fatalf("session after auto-lock: %v", err)
	}
	if err := sess.Request(0); !errors.Is(err, ErrLocked) {
		t.Fatalf("the locked session still takes sync requests: %v", err)
	}
	// Wrong passphrase, then right; the auto-lock setting persisted in the vault.
	if err := s.Unlock("wrong passphrase!"); !errors.Is(err, vault.ErrWrongPassphrase) {
		t.Fatalf("wrong: %v", err)
	}
	if err := s.Unlock("household passphrase"); err != nil {
		t.Fatal(err)
	}
	if st := s.Status(); st.AutoLockMinutes != 1 {
		t.Fatalf("auto-lock minutes %d", st.AutoLockMinutes)
	}
	if err := s.ChangePassphrase("not the current one", "another passphrase"); err == nil {
		t.Fatal("changed passphrase without the current one")
	}
	if err := s.ChangePassphrase("household passphrase", "another passphrase"); err != nil {
		t.Fatal(err)
	}
	s.Lock()
	if err := s.UnlockWithRecoveryKey(rk, "third passphrase"); err != nil {
		t.Fatal(err)
	}
	s.Lock()
	if err := s.Unlock("third passphrase"); err != nil {
		t.Fatal(err)
	}
	people, _ := func() (int, error) { st, _ := s.Store(); p, err := st.People(context.Background()); return len(p), err }()
	if people != 1 {
		t.Fatalf("people after relock: %d", people)
	}
	s.Lock()
}
