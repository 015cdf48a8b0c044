package samplefamily_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/fastenhealth/fasten-desktop/internal/household"
	"github.com/fastenhealth/fasten-desktop/internal/records"
	"github.com/fastenhealth/fasten-desktop/internal/samplefamily"
	"github.com/fastenhealth/fasten-desktop/internal/session"
	"github.com/fastenhealth/fasten-desktop/internal/vault"
)

const realPass = "a real family passphrase"

// The sample opens beside a real vault holding one person: it is another
// file, filled with the five fictional people, encrypted, and leaving it
// deletes it while the real vault keeps exactly what it had.
func TestSampleIsSeparateFilledAndGoneAfterClose(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	realPath := filepath.Join(dir, vault.FileName)
	real := household.New(realPath)
	if _, err := real.Create(realPass); err != nil {
		t.Fatal(err)
	}
	st, err := real.Store()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddPerson(ctx, "Only Real Person", ""); err != nil {
		t.Fatal(err)
	}
	real.Lock()
	realBefore, err := os.ReadFile(realPath)
	if err != nil {
		t.Fatal(err)
	}

	var progressed int
	s, err := samplefamily.Open(ctx, realPath, session.Options{}, func(records.Progress) { progressed++ })
	if err != nil {
		t.Fatal(err)
	}
	samplePath := samplefamily.Path(realPath)
	if samplePath == realPath || filepath.Dir(samplePath) == filepath.Dir(realPath) {
		t.Fatalf("the sample must have a folder of its own, got %s for vault %s", samplePath, realPath)
	}
	if filepath.Dir(samplePath) != s.Dir() || !vault.Exists(samplePath) {
		t.Fatalf("no sample vault at %s", samplePath)
	}
	if got := s.Household().Status().Path; got != samplePath {
		t.Fatalf("sample service on %s, want %s", got, samplePath)
	}
	sst, err := s.Household().Store()
	if err != nil {
		t.Fatal(err)
	}
	people, err := sst.People(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range people {
		names = append(names, p.Name)
		if p.Records == 0 {
			t.Errorf("a sample person has no records")
		}
	}
	sort.Strings(names)
	want := []string{"Alexis Toy", "Amiee Buckridge", "Kristie Effertz", "Neva Hyatt", "Tom Goodwin"}
	if len(names) != len(want) {
		t.Fatalf("sample people: %d, want %d", len(names), len(want))
	}
	for i := range want {
		if !bytes.HasPrefix([]byte(names[i]), []byte(want[i])) {
			t.Fatalf("sample person %d is not %s", i, want[i])
		}
	}
	stats, err := sst.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Total < 1500 {
		t.Fatalf("sample holds %d resources, want the whole family (≈1,700)", stats.Total)
	}
	if progressed == 0 {
		t.Error("no progress reported while filling the sample")
	}
	if st := s.Household().Status(); st.AutoLockMinutes != 0 {
		t.Errorf("sample auto-lock %d min: a locked sample could never be reopened", st.AutoLockMinutes)
	}
	// Encrypted like a real vault: no name in the file's bytes.
	raw, err := os.ReadFile(samplePath)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte("Hyatt")) || bytes.Contains(raw, []byte("Goodwin")) {
		t.Fatal("the sample vault file holds a name in plain text")
	}

	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(s.Dir()); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the sample folder outlived Close: %v", err)
	}
	if _, err := s.Household().Store(); !errors.Is(err, household.ErrLocked) {
		t.Fatalf("the sample's session is still open after Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}

	// The real vault: same bytes, opens with its passphrase, one person.
	realAfter, err := os.ReadFile(realPath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(realBefore, realAfter) {
		t.Fatal("opening the sample changed the real vault's file")
	}
	if err := real.Unlock(realPass); err != nil {
		t.Fatal(err)
	}
	defer real.Lock()
	st, _ = real.Store()
	people, err = st.People(ctx)
	if err != nil || len(people) != 1 || people[0].Name != "Only Real Person" {
		t.Fatalf("real vault after the sample: %d people, err %v", len(people), err)
	}
}

// With no real vault yet (a first run), the sample still opens, and
// creates no real vault.
func TestSampleOnAFirstRunCreatesNoRealVault(t *testing.T) {
	realPath := filepath.Join(t.TempDir(), "Fasten", vault.FileName)
	// A crash left an earlier sample: Open clears it.
	stale := samplefamily.Path(realPath) + ".stale" // ours by its name, and not written again by the new sample
	if err := os.MkdirAll(filepath.Dir(stale), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(stale, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := samplefamily.Open(context.Background(), realPath, session.Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("an earlier sample's files survived Open")
	}
	if vault.Exists(realPath) {
		t.Fatal("opening the sample created the real vault")
	}
	if _, err := os.Stat(realPath); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("opening the sample wrote at the real vault's path")
	}
}

// A vault file named like the sample's folder (--vault …/sample-family)
// would be deleted by Open and Sweep: both refuse, and the file stays.
func TestSampleRefusesToDeleteAVaultNamedLikeItsFolder(t *testing.T) {
	realPath := filepath.Join(t.TempDir(), samplefamily.DirName)
	if err := os.WriteFile(realPath, []byte("not really a vault"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := samplefamily.Open(context.Background(), realPath, session.Options{}, nil); !errors.Is(err, samplefamily.ErrSamePath) {
		t.Fatalf("Open: %v, want ErrSamePath", err)
	}
	if err := samplefamily.Sweep(realPath); !errors.Is(err, samplefamily.ErrSamePath) {
		t.Fatalf("Sweep: %v, want ErrSamePath", err)
	}
	if _, err := os.Stat(realPath); err != nil {
		t.Fatalf("the vault in the sample's folder was deleted: %v", err)
	}
}

// A folder named like the sample's beside a vault kept among the person's
// own files (--vault ~/Documents/…) may be theirs: with anything in it a
// sample never writes, Open and Sweep delete nothing.
func TestSampleLeavesAFolderThatIsNotItsOwn(t *testing.T) {
	realPath := filepath.Join(t.TempDir(), "household.fasten")
	theirs := filepath.Join(filepath.Dir(samplefamily.Path(realPath)), "holiday.jpg")
	if err := os.MkdirAll(filepath.Dir(theirs), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(theirs, []byte("a photo"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := samplefamily.Open(context.Background(), realPath, session.Options{}, nil); !errors.Is(err, samplefamily.ErrNotOurs) {
		t.Fatalf("Open: %v, want ErrNotOurs", err)
	}
	if err := samplefamily.Sweep(realPath); !errors.Is(err, samplefamily.ErrNotOurs) {
		t.Fatalf("Sweep: %v, want ErrNotOurs", err)
	}
	if _, err := os.Stat(theirs); err != nil {
		t.Fatalf("a file of the person's was deleted: %v", err)
	}
}
