package app

import (
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/fastenhealth/fasten-desktop/internal/catalog"
	"github.com/fastenhealth/fasten-desktop/internal/connect"
	"github.com/fastenhealth/fasten-desktop/internal/household"
	"github.com/fastenhealth/fasten-desktop/internal/samplefamily"
)

// lockEvents records the 'vault:locked' events the page would hear.
func lockEvents(a *App) func() int {
	var mu sync.Mutex
	n := 0
	a.emit = func(name string, _ ...any) {
		if name == EventLocked {
			mu.Lock()
			n++
			mu.Unlock()
		}
	}
	return func() int { mu.Lock(); defer mu.Unlock(); return n }
}

// A first run: the welcome's status names the folder, the sample family
// opens without a passphrase and without creating the real vault, refuses
// imports and sign-ins, and leaving it (the Lock button) deletes it and
// tells the page.
func TestSampleFamilyOnAFirstRun(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "Fasten")
	realPath := filepath.Join(dir, "household.fasten")
	a := New(household.New(realPath), Options{})
	t.Cleanup(a.LeaveSampleFamily)
	locks := lockEvents(a)

	st := a.Status()
	if st.Exists || st.Sample || st.Unlocked || st.Folder != dir || st.Path != realPath {
		t.Fatalf("first-run status %+v", st)
	}
	st, err := a.OpenSampleFamily()
	if err != nil {
		t.Fatal(err)
	}
	if !st.Sample || !st.Unlocked || st.Exists || st.Path != realPath {
		t.Fatalf("status with the sample open %+v", st)
	}
	people, err := a.People()
	if err != nil || len(people) != 5 {
		t.Fatalf("sample people: %d, %v", len(people), err)
	}
	ov, err := a.Overview(people[0].ID)
	if err != nil || len(ov.Counts) == 0 {
		t.Fatalf("a sample person's overview: %d kinds of records, %v", len(ov.Counts), err)
	}

	// Nothing of the person's own goes in: it would be deleted with the sample.
	data := base64.StdEncoding.EncodeToString([]byte(`{"resourceType":"Patient","id":"x"}`))
	if _, err := a.ImportFileContent("mine.json", data, 0); !errors.Is(err, samplefamily.ErrSampleOpen) || ToUIError(err).Kind != KindSample {
		t.Fatalf("import into the sample: %v", err)
	}
	if _, err := a.ImportFiles([]string{"/nonexistent/mine.json"}, 0); !errors.Is(err, samplefamily.ErrSampleOpen) {
		t.Fatalf("import by path into the sample: %v", err)
	}
	if _, err := a.StartConnection(people[0].ID, "", "https://fhir.example.org/r4", "Mine"); !errors.Is(err, samplefamily.ErrSampleOpen) {
		t.Fatalf("sign-in from the sample: %v", err)
	}
	if err := a.ChangePassphrase("x", "a new passphrase", "a new passphrase"); !errors.Is(err, samplefamily.ErrSampleOpen) {
		t.Fatalf("passphrase change in the sample: %v", err)
	}
	if n, _ := a.Stats(); n.Total < 1500 {
		t.Fatalf("sample holds %d resources", n.Total)
	}

	sampleDir := filepath.Dir(samplefamily.Path(realPath))
	a.Lock() // the Lock button in the sample leaves it
	if _, err := os.Stat(sampleDir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the sample's folder outlived leaving: %v", err)
	}
	st = a.Status()
	if st.Sample || st.Unlocked || st.Exists {
		t.Fatalf("status after leaving %+v", st)
	}
	if _, err := a.People(); ToUIError(err).Kind != KindLocked {
		t.Fatalf("records after leaving the sample: %v", err)
	}
	if locks() == 0 {
		t.Fatal("leaving the sample did not tell the page")
	}
}

// With a real vault open, the sample locks it first and never shows its
// people; leaving, the real vault unlocks with its own passphrase and holds
// only its own person.
func TestSampleFamilyBesideARealVault(t *testing.T) {
	realPath := filepath.Join(t.TempDir(), "household.fasten")
	a := New(household.New(realPath), Options{})
	t.Cleanup(a.Lock)
	const pass = "app test passphrase"
	if _, err := a.CreateVault(pass, pass); err != nil {
		t.Fatal(err)
	}
	if _, err := a.AddPerson("Real Person"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.OpenSampleFamily(); err != nil {
		t.Fatal(err)
	}
	if a.home.Status().Unlocked {
		t.Fatal("the real vault stayed unlocked under the sample")
	}
	people, _ := a.People()
	for _, p := range people {
		if p.Name == "Real Person" {
			t.Fatal("the sample shows a person of the real vault")
		}
	}
	a.LeaveSampleFamily()
	if st := a.Status(); st.Sample || st.Unlocked || !st.Exists {
		t.Fatalf("status after leaving %+v", st)
	}
	if err := a.Unlock(pass); err != nil {
		t.Fatal(err)
	}
	people, err := a.People()
	if err != nil || len(people) != 1 || people[0].Name != "Real Person" {
		t.Fatalf("real vault after the sample: %d people, %v", len(people), err)
	}
}

// Unlocking (or creating) the real vault while the sample is open closes
// the sample first: the two are never open together.
func TestUnlockLeavesTheSample(t *testing.T) {
	realPath := filepath.Join(t.TempDir(), "household.fasten")
	a := New(household.New(realPath), Options{})
	t.Cleanup(a.Lock)
	if _, err := a.OpenSampleFamily(); err != nil {
		t.Fatal(err)
	}
	const pass = "app test passphrase"
	if _, err := a.CreateVault(pass, pass); err != nil {
		t.Fatal(err)
	}
	if st := a.Status(); st.Sample || !st.Exists || !st.Unlocked {
		t.Fatalf("status after creating the real vault from the sample %+v", st)
	}
	if _, err := os.Stat(filepath.Dir(samplefamily.Path(realPath))); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("the sample survived creating the real vault")
	}
	if people, _ := a.People(); len(people) != 0 {
		t.Fatalf("the new real vault holds %d people", len(people))
	}
}

// Catalog providers say whether a sign-in can start, from the build's
// client ids and Settings' — a typed field the page acts on, not words.
func TestProvidersSayWhetherSignInIsRegistered(t *testing.T) {
	a := New(household.New(filepath.Join(t.TempDir(), "household.fasten")), Options{})
	t.Cleanup(a.Lock)
	found, err := a.SearchProviders("medical center")
	if err != nil || len(found) == 0 {
		t.Fatalf("catalog search: %d, %v", len(found), err)
	}
	builtin := connect.BuiltinRegistrations()
	for _, p := range found {
		if p.Registered != (builtin[p.Vendor].ClientID != "") {
			t.Fatalf("locked: %s (%s) registered=%v, the build says %q", p.ID, p.Vendor, p.Registered, builtin[p.Vendor].ClientID)
		}
	}
	const pass = "app test passphrase"
	if _, err := a.CreateVault(pass, pass); err != nil {
		t.Fatal(err)
	}
	vendor := found[0].Vendor
	if err := a.SetRegistration(vendor, "my-client", ""); err != nil {
		t.Fatal(err)
	}
	found, _ = a.SearchProviders("medical center")
	var mine, others int
	for _, p := range found {
		if p.Vendor == vendor {
			mine++
			if !p.Registered {
				t.Fatalf("%s has a client id in Settings but reads unregistered", catalog.VendorName(vendor))
			}
		} else if p.Registered != (builtin[p.Vendor].ClientID != "") {
			others++
		}
	}
	if mine == 0 || others != 0 {
		t.Fatalf("after Settings: %d of the vendor, %d others wrong", mine, others)
	}
}

// Two opens at once (a double click) build one sample after the other, not
// two in the same folder: the last one is open and whole.
func TestSampleFamilyOpensOneAtATime(t *testing.T) {
	realPath := filepath.Join(t.TempDir(), "household.fasten")
	a := New(household.New(realPath), Options{})
	t.Cleanup(a.LeaveSampleFamily)
	errs := make(chan error, 2)
	for range 2 {
		go func() { _, err := a.OpenSampleFamily(); errs <- err }()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	people, err := a.People()
	if err != nil || len(people) != 5 {
		t.Fatalf("after two opens: %d people, %v", len(people), err)
	}
}
