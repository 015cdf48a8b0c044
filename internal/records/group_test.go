package records_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/fastenhealth/fasten-desktop/internal/records"
)

// Files imported together share a transaction (a savepoint each): a file
// refused in the middle takes back only itself, and what the group keeps
// is exactly what importing the good files one call each keeps.
func TestFilesSharingATransactionStayAllOrNothing(t *testing.T) {
	ctx := context.Background()
	family := fixtureFiles(t, "family")
	good, _ := os.ReadFile(family[1])
	bad := filepath.Join(t.TempDir(), "cut-short.json")
	if err := os.WriteFile(bad, good[:len(good)/2], 0o600); err != nil {
		t.Fatal(err)
	}

	together, _ := openStore(t)
	rep, err := together.Import(ctx, []string{family[0], bad, family[1], family[0], family[2]}, records.ImportOptions{AutoCreatePeople: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []records.FileStatus{records.FileImported, records.FileRejected, records.FileImported, records.FileUnchanged, records.FileImported}
	for i, f := range rep.Files {
		if f.Status != want[i] {
			t.Errorf("file %d (%s): %s %s, want %s", i, f.File, f.Status, f.Error, want[i])
		}
	}

	apart, _ := openStore(t)
	for _, f := range []string{family[0], family[1], family[2]} {
		if _, err := apart.Import(ctx, []string{f}, records.ImportOptions{AutoCreatePeople: true}, nil); err != nil {
			t.Fatal(err)
		}
	}
	st1, _ := together.Stats(ctx)
	st2, _ := apart.Stats(ctx)
	if !reflect.DeepEqual(st1, st2) {
		t.Fatalf("imported together: %+v; one by one: %+v", st1, st2)
	}
	p1, _ := together.People(ctx)
	p2, _ := apart.People(ctx)
	if len(p1) != 3 || len(p1) != len(p2) || len(rep.NewPeople) != 3 {
		t.Fatalf("people together %d, apart %d, reported new %d", len(p1), len(p2), len(rep.NewPeople))
	}
}

// Cancelling an import gives up the file being written, and keeps every
// file reported stored, though they had not been committed yet.
func TestCancelledImportKeepsTheFilesItReportedStored(t *testing.T) {
	family := fixtureFiles(t, "family")
	if len(family) < 4 {
		t.Fatal("needs four fixture files")
	}
	s, v := openStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rep, err := s.Import(ctx, family[:4], records.ImportOptions{AutoCreatePeople: true}, func(p records.Progress) {
		if p.FileIndex == 2 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want cancelled", err)
	}
	stored := 0
	for _, f := range rep.Files {
		switch f.Status {
		case records.FileImported:
			stored += f.Added
		case records.FileRejected:
			if f.Reason != records.RejectCancelled {
				t.Errorf("%s: %s %s", f.File, f.Reason, f.Error)
			}
		}
	}
	if len(rep.Files) != 3 || rep.Files[0].Status != records.FileImported || rep.Files[1].Status != records.FileImported {
		t.Fatalf("files: %+v", rep.Files)
	}
	// Read through a connection of its own: committed, not merely visible
	// to the import's.
	var n int
	if err := v.DB().QueryRow("SELECT count(*) FROM resources").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != stored {
		t.Fatalf("%d resources in the vault, the report says %d were stored", n, stored)
	}
}

// CommitIn stores a page inside the caller's transaction: what it stores
// commits or rolls back with the caller's own rows, and a refused page
// takes back only itself.
func TestCommitInSharesTheCallersTransaction(t *testing.T) {
	ctx := context.Background()
	s, v := openStore(t)
	good := `{"resourceType":"Bundle","type":"searchset","entry":[{"resource":{"resourceType":"Patient","id":"p1","name":[{"family":"Ngata"}],"birthDate":"1980-01-01"}}]}`
	bad := `{"resourceType":"Bundle","type":"searchset","entry":[{"resource":{"resourceType":"Patient","id":"p2","birthDate":"never"}}]}`
	prep := func(body string) *records.Prepared {
		return s.Prepare(ctx, "page", strings.NewReader(body), int64(len(body)), records.ImportOptions{AutoCreatePeople: true})
	}
	count := func() int {
		var n int
		v.DB().QueryRow("SELECT count(*) FROM resources").Scan(&n)
		return n
	}
	for _, commit := range []bool{false, true} {
		tx, err := v.DB().BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if fr, _ := s.CommitIn(ctx, tx, prep(bad), records.ImportOptions{AutoCreatePeople: true}); fr.Status != records.FileRejected {
			t.Fatalf("bad page: %+v", fr)
		}
		if fr, _ := s.CommitIn(ctx, tx, prep(good), records.ImportOptions{AutoCreatePeople: true}); fr.Status != records.FileImported {
			t.Fatalf("good page: %+v", fr)
		}
		if _, err := tx.Exec("INSERT INTO settings(key, value) VALUES ('probe', 'x') ON CONFLICT(key) DO NOTHING"); err != nil {
			t.Fatal(err)
		}
		if count() != 0 {
			t.Fatal("stored before the caller committed")
		}
		if commit {
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
			if count() != 1 {
				t.Fatalf("%d resources after the commit, want the good page's 1", count())
			}
		} else {
			tx.Rollback()
			if count() != 0 {
				t.Fatal("the caller rolled back, yet records stayed")
			}
		}
	}
}
