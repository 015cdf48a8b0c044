package app

import (
	"log"
	"path/filepath"

	"github.com/fastenhealth/fasten-desktop/internal/household"
	"github.com/fastenhealth/fasten-desktop/internal/samplefamily"
	"github.com/fastenhealth/fasten-desktop/internal/session"
)

// Status tells the UI which screen to show first. Path, Folder and Exists
// are always the household's own vault (the welcome screen names the
// folder); Sample says the sample family is open in its place.
type Status struct {
	// Path is the real vault's file.
	Path string `json:"path"`
	// Folder is where the family's records will live (the vault's folder).
	Folder string `json:"folder"`
	// Exists: the real vault has been created.
	Exists bool `json:"exists"`
	// Unlocked: a vault is open and the main screens can show (the real
	// one, or the sample when Sample is set).
	Unlocked bool `json:"unlocked"`
	// Sample: the sample family is open; the real vault is locked.
	Sample          bool `json:"sample"`
	AutoLockMinutes int  `json:"autoLockMinutes"`
}

// Status describes the real vault and whether the sample family is open.
func (a *App) Status() Status {
	hs := a.home.Status()
	st := Status{Path: hs.Path, Folder: filepath.Dir(hs.Path), Exists: hs.Exists, Unlocked: hs.Unlocked, AutoLockMinutes: hs.AutoLockMinutes}
	if s := a.openSample(); s != nil {
		ss := s.Household().Status()
		st.Sample, st.Unlocked, st.AutoLockMinutes = true, ss.Unlocked, ss.AutoLockMinutes
	}
	return st
}

// OpenSampleFamily locks the real vault (if open) and opens a new sample
// family vault beside it: five fictional people, unlocked without a
// passphrase, deleted when left. Importing or connecting a portal is
// refused while it is open (samplefamily.ErrSampleOpen): the sample is not
// kept, so real records put there would be lost.
func (a *App) OpenSampleFamily() (Status, error) {
	// One open or leave at a time: two opens would build in the same folder.
	a.sampleOps.Lock()
	defer a.sampleOps.Unlock()
	a.leaveSample()
	a.home.Lock()
	s, err := samplefamily.Open(a.context(), a.home.Status().Path, session.Options{Flows: a.flows}, nil)
	if err != nil {
		return a.Status(), err
	}
	// Locking the sample (the Lock button) leaves it: its key is gone, so
	// it is deleted, and the page goes where a lock sends it.
	s.Household().OnLock = func(reason household.LockReason) {
		a.dropSample(s)
		a.emit(EventLocked, reason)
	}
	a.sampleMu.Lock()
	a.sample = s
	a.sampleMu.Unlock()
	return a.Status(), nil
}

// LeaveSampleFamily closes the sample family's session and deletes it; the
// page then shows the welcome (no vault yet) or the unlock screen. Nothing
// happens when no sample is open.
func (a *App) LeaveSampleFamily() {
	a.sampleOps.Lock()
	defer a.sampleOps.Unlock()
	a.leaveSample()
}

func (a *App) leaveSample() {
	if s := a.openSample(); s != nil {
		s.Household().Lock() // OnLock drops and deletes it
		a.dropSample(s)      // in case OnLock was never set
	}
}

// dropSample forgets s if it is the open sample and deletes its files.
func (a *App) dropSample(s *samplefamily.Sample) {
	a.sampleMu.Lock()
	if a.sample == s {
		a.sample = nil
	}
	a.sampleMu.Unlock()
	if err := s.Close(); err != nil {
		log.Printf("sample family: not removed: %s", loggable(err))
	}
}

func (a *App) openSample() *samplefamily.Sample {
	a.sampleMu.Lock()
	defer a.sampleMu.Unlock()
	return a.sample
}

func (a *App) inSample() bool { return a.openSample() != nil }

// hh is the vault the page is working in: the sample family while it is
// open, the household's own otherwise.
func (a *App) hh() *household.Service {
	if s := a.openSample(); s != nil {
		return s.Household()
	}
	return a.home
}
