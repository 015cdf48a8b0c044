// Package app is the thin façade the Svelte UI calls through Wails bindings:
// each method checks its input, calls the domain (internal/...), and returns
// DTOs. No SQL and no HTTP here.
package app

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wailsapp/wails/v2/pkg/options"
	"github.com/wailsapp/wails/v2/pkg/runtime"

	"github.com/fastenhealth/fasten-desktop/internal/connect"
	"github.com/fastenhealth/fasten-desktop/internal/deeplink"
	"github.com/fastenhealth/fasten-desktop/internal/household"
	"github.com/fastenhealth/fasten-desktop/internal/records"
	"github.com/fastenhealth/fasten-desktop/internal/samplefamily"
	"github.com/fastenhealth/fasten-desktop/internal/smart"
	"github.com/fastenhealth/fasten-desktop/internal/vault"
)

// Events the UI listens to.
const (
	EventLocked         = "vault:locked"
	EventImportProgress = "import:progress"
)

// App is bound to the frontend. Its exported methods are the UI's whole API.
type App struct {
	ctx context.Context
	// home is the household's own vault; every call that reads or writes
	// records goes through hh(), which is the sample family while one is
	// open (sample.go) and home otherwise.
	home *household.Service
	emit func(name string, data ...any)

	sampleOps sync.Mutex // serialises OpenSampleFamily and LeaveSampleFamily
	sampleMu  sync.Mutex // guards sample
	sample    *samplefamily.Sample

	importMu sync.Mutex
	flows    *connect.Flows
	links    deepLinks
	// offline is what the page last said of the network; it outlives each
	// unlock's session so the next one starts knowing it.
	offline atomic.Bool
	// backupFile is the backup ChooseBackupFile picked (backup.go).
	backupFile chosenBackup
}

// Options are the façade's settings from the command line.
type Options struct {
	// AllowInsecure is developer mode: SMART servers over plain http (the
	// loopback sandbox) are allowed.
	AllowInsecure bool
}

// New builds the façade over a household service.
func New(hh *household.Service, o Options) *App {
	a := &App{home: hh, emit: func(string, ...any) {}, flows: connect.NewFlows(smart.Options{AllowInsecure: o.AllowInsecure})}
	hh.OnLock = func(reason household.LockReason) { a.emit(EventLocked, reason) }
	// Each unlock builds one session with the sync schedule; locking drops it.
	hh.SessionOptions = a.sessionOptions()
	return a
}

// Hooks are the window's lifecycle callbacks. They are kept off App's method
// set because every exported App method is callable from the page.
type Hooks struct {
	Startup        func(ctx context.Context)
	Shutdown       func(ctx context.Context)
	SecondInstance func(options.SecondInstanceData)
	// DeepLink takes a sign-in redirect delivered by the OS (macOS
	// OnUrlOpen, a forwarded second process, or the command line).
	DeepLink func(url string)
}

// LifecycleHooks returns the callbacks main wires into wails.Run.
func LifecycleHooks(a *App) Hooks {
	return Hooks{Startup: a.startup, Shutdown: a.shutdown, SecondInstance: a.onSecondInstance, DeepLink: a.deliverDeepLink}
}

// deliverDeepLink may be called before the window exists (macOS can open the
// app with a URL): it queues until startup.
func (a *App) deliverDeepLink(u string) {
	if !deeplink.IsDeepLink(u) {
		return
	}
	if a.ctx == nil {
		a.links.mu.Lock()
		a.links.queued = append(a.links.queued, u)
		a.links.mu.Unlock()
		return
	}
	go a.handleDeepLink(u)
}

func (a *App) startup(ctx context.Context) {
	a.ctx = ctx
	a.emit = func(name string, data ...any) { runtime.EventsEmit(ctx, name, data...) }
	// A sample family left by a process that did not close it cannot be
	// opened again (its key is gone): free the space.
	if err := samplefamily.Sweep(a.home.Status().Path); err != nil {
		log.Printf("sample family: an old sample was not removed: %s", loggable(err))
	}
	a.drainDeepLinks() // links that arrived before the window; they wait for unlock if needed
}

// shutdown locks, so the key leaves memory with the window, and deletes a
// sample family still open.
func (a *App) shutdown(context.Context) {
	a.LeaveSampleFamily()
	a.home.Lock()
}

func (a *App) context() context.Context {
	if a.ctx != nil {
		return a.ctx
	}
	return context.Background()
}

// CreateVault makes the household vault and returns the recovery key to show once.
func (a *App) CreateVault(passphrase, confirm string) (string, error) {
	a.LeaveSampleFamily() // the real vault never opens with the sample beside it
	if passphrase != confirm {
		return "", invalidInput("The two passphrases are different.")
	}
	if err := vault.CheckPassphrase(passphrase); err != nil {
		return "", invalidInput(sentence(err))
	}
	return a.home.Create(passphrase)
}

// Unlock opens the vault with the passphrase.
func (a *App) Unlock(passphrase string) error {
	a.LeaveSampleFamily()
	if err := a.home.Unlock(passphrase); err != nil {
		return err
	}
	a.drainDeepLinks()
	return nil
}

// UnlockWithRecoveryKey opens the vault with the recovery key and sets a new passphrase.
func (a *App) UnlockWithRecoveryKey(recoveryKey, newPassphrase, confirm string) error {
	if newPassphrase != confirm {
		return invalidInput("The two passphrases are different.")
	}
	if err := vault.CheckPassphrase(newPassphrase); err != nil {
		return invalidInput(sentence(err))
	}
	a.LeaveSampleFamily()
	if err := a.home.UnlockWithRecoveryKey(recoveryKey, newPassphrase); err != nil {
		return err
	}
	a.drainDeepLinks()
	return nil
}

// Lock closes the vault now (in the sample family: leaves it).
func (a *App) Lock() { a.hh().Lock() }

// ChangePassphrase replaces the passphrase (the recovery key keeps working).
func (a *App) ChangePassphrase(current, next, confirm string) error {
	if a.inSample() {
		return samplefamily.ErrSampleOpen
	}
	if next != confirm {
		return invalidInput("The two new passphrases are different.")
	}
	if err := vault.CheckPassphrase(next); err != nil {
		return invalidInput(sentence(err))
	}
	return a.home.ChangePassphrase(current, next)
}

// Touch tells the vault the person is active (postpones auto-lock).
func (a *App) Touch() { a.hh().Touch() }

// SetAutoLockMinutes sets the idle time before auto-lock; 0 turns it off.
func (a *App) SetAutoLockMinutes(minutes int) error {
	if minutes < 0 || minutes > 24*60 {
		return invalidInput("Choose between 0 (never) and 1440 minutes.")
	}
	return a.hh().SetAutoLock(a.context(), time.Duration(minutes)*time.Minute)
}

func (a *App) store() (*records.Store, error) { return a.hh().Store() }

// People lists the household.
func (a *App) People() ([]records.Person, error) {
	st, err := a.store()
	if err != nil {
		return nil, err
	}
	return st.People(a.context())
}

// AddPerson adds a household member.
func (a *App) AddPerson(name string) (records.Person, error) {
	st, err := a.store()
	if err != nil {
		return records.Person{}, err
	}
	return st.AddPerson(a.context(), name, "")
}

// RenamePerson renames a household member.
func (a *App) RenamePerson(id int64, name string) error {
	st, err := a.store()
	if err != nil {
		return err
	}
	return st.RenamePerson(a.context(), id, name)
}

// RemovePerson removes a member and their records (the UI confirms first).
func (a *App) RemovePerson(id int64) error {
	st, err := a.store()
	if err != nil {
		return err
	}
	return st.RemovePerson(a.context(), id)
}

// Unmatched lists imported Patient records not yet placed in the household.
func (a *App) Unmatched() ([]records.UnmatchedPatient, error) {
	st, err := a.store()
	if err != nil {
		return nil, err
	}
	return st.Unmatched(a.context())
}

// AssignPatient places an imported Patient record with a household member.
func (a *App) AssignPatient(key string, personID int64) error {
	st, err := a.store()
	if err != nil {
		return err
	}
	return st.AssignPatient(a.context(), key, personID)
}

// AssignPatientToNewPerson creates a member and places the Patient record with them.
func (a *App) AssignPatientToNewPerson(key, name string) (records.Person, error) {
	st, err := a.store()
	if err != nil {
		return records.Person{}, err
	}
	p, err := st.AddPerson(a.context(), name, "")
	if err != nil {
		return p, err
	}
	if err := st.AssignPatient(a.context(), key, p.ID); err != nil {
		// The member was made for this Patient only: do not leave an empty one.
		_, rerr := st.RemovePersonIfEmpty(a.context(), p.ID)
		return records.Person{}, errors.Join(err, rerr)
	}
	return p, nil
}

// ChooseImportFiles opens the system file dialog and imports what is chosen.
func (a *App) ChooseImportFiles(personID int64) (records.ImportReport, error) {
	if a.inSample() {
		return records.ImportReport{}, samplefamily.ErrSampleOpen
	}
	if a.ctx == nil {
		return records.ImportReport{}, errors.New("the file dialog needs the desktop window")
	}
	paths, err := runtime.OpenMultipleFilesDialog(a.ctx, runtime.OpenDialogOptions{
		Title: "Choose FHIR files to import",
		Filters: []runtime.FileFilter{
			{DisplayName: "Health records (FHIR, C-CDA, Apple Health export, health cards)", Pattern: "*.json;*.ndjson;*.jsonl;*.xml;*.XML;*.zip;*.smart-health-card;*.txt;*.png;*.jpg;*.jpeg;*.PNG;*.JPG;*.JPEG"},
			{DisplayName: "All files", Pattern: "*"},
		},
	})
	if err != nil {
		return records.ImportReport{}, err
	}
	if len(paths) == 0 {
		return records.ImportReport{Files: []records.FileResult{}, Unmatched: []records.UnmatchedPatient{}, NewPeople: []records.Person{}}, nil
	}
	return a.ImportFiles(paths, personID)
}

// ImportFiles imports files by path (drag-and-drop onto the window, the
// dialog). personID 0 matches Patients to people by name and birth date.
func (a *App) ImportFiles(paths []string, personID int64) (records.ImportReport, error) {
	if a.inSample() {
		return records.ImportReport{}, samplefamily.ErrSampleOpen
	}
	st, err := a.store()
	if err != nil {
		return records.ImportReport{}, err
	}
	a.importMu.Lock()
	defer a.importMu.Unlock()
	defer a.backupCheck() // many records may have arrived: a backup may be due
	return st.Import(a.context(), paths, records.ImportOptions{PersonID: personID}, a.progress)
}

// ImportFileContent imports one file's bytes sent by the page (a browser
// <input type=file>, where no path is known). data is base64.
func (a *App) ImportFileContent(name, data string, personID int64) (records.ImportReport, error) {
	if a.inSample() {
		return records.ImportReport{}, samplefamily.ErrSampleOpen
	}
	st, err := a.store()
	if err != nil {
		return records.ImportReport{}, err
	}
	if !a.importMu.TryLock() {
		return records.ImportReport{}, errImportRunning
	}
	defer a.importMu.Unlock()
	defer a.backupCheck()
	size := int64(base64.StdEncoding.DecodedLen(len(data)))
	dec := base64.NewDecoder(base64.StdEncoding, strings.NewReader(data))
	res, created := st.ImportReader(a.context(), name, io.Reader(dec), size, 0, 1, records.ImportOptions{PersonID: personID}, a.progress)
	rep := records.ImportReport{Files: []records.FileResult{res}, NewPeople: append([]records.Person{}, created...)}
	rep.Unmatched, err = st.Unmatched(a.context())
	return rep, err
}

func (a *App) progress(p records.Progress) {
	a.hh().Touch()
	a.emit(EventImportProgress, p)
}

// Overview is a person's front page.
func (a *App) Overview(personID int64) (records.Overview, error) {
	st, err := a.store()
	if err != nil {
		return records.Overview{}, err
	}
	return st.Overview(a.context(), personID)
}

// List pages through a person's resources of one type.
func (a *App) List(personID int64, resourceType, query string, offset, limit int) (records.Page, error) {
	st, err := a.store()
	if err != nil {
		return records.Page{}, err
	}
	return st.List(a.context(), personID, resourceType, query, offset, limit)
}

// Search finds records by what was typed — words, misspellings, everyday
// terms, codes — for one person (q.PersonID) or the whole household (0),
// grouped by person and kind.
func (a *App) Search(q records.SearchQuery) (records.SearchResults, error) {
	st, err := a.store()
	if err != nil {
		return records.SearchResults{}, err
	}
	return st.SearchRecords(a.context(), q)
}

// Detail is the readable view of one record.
func (a *App) Detail(id int64) (records.Detail, error) {
	st, err := a.store()
	if err != nil {
		return records.Detail{}, err
	}
	return st.Detail(a.context(), id)
}

// Stats counts what the vault holds.
func (a *App) Stats() (records.Stats, error) {
	st, err := a.store()
	if err != nil {
		return records.Stats{}, err
	}
	return st.Stats(a.context())
}

// ExportTo asks where to save and writes every record as one FHIR Bundle.
func (a *App) ExportTo() (string, error) {
	if a.ctx == nil {
		return "", errors.New("the save dialog needs the desktop window")
	}
	st, err := a.store()
	if err != nil {
		return "", err
	}
	path, err := runtime.SaveFileDialog(a.ctx, runtime.SaveDialogOptions{
		Title:           "Export all records as a FHIR Bundle",
		DefaultFilename: fmt.Sprintf("fasten-export-%s.json", time.Now().Format("2006-01-02")),
	})
	if err != nil || path == "" {
		return "", err
	}
	n, err := st.ExportFile(a.context(), path)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("Exported %d records to %s", n, path), nil
}

// onSecondInstance brings the running window forward when Fasten is started
// again (a second double-click, or later a deep link the OS hands to a new
// process).
func (a *App) onSecondInstance(d options.SecondInstanceData) {
	for _, arg := range d.Args {
		a.deliverDeepLink(arg)
	}
	if a.ctx == nil {
		return
	}
	runtime.WindowUnminimise(a.ctx)
	runtime.Show(a.ctx)
}
