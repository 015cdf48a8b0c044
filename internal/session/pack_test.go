package session

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"github.com/fastenhealth/fasten-desktop/internal/records"
	"github.com/fastenhealth/fasten-desktop/internal/vault"
)

// A vault an earlier Fasten stored unpacked is packed in the background
// from Open, and a sync asked for meanwhile waits for it (packing's closing
// rewrite holds the write lock longer than a sync's writer would wait):
// when the pass returns, packing has finished, and the window heard every
// phase.
func TestSyncWaitsForPacking(t *testing.T) {
	path := newVault(t)
	v := openVault(t, path)
	s := Open(v, Options{})
	if _, err := s.Records().Import(context.Background(), []string{filepath.Join(fixtureRoot, "Tom_Goodwin_e20de9eb-6f2d-4871-a43f-bbede53293ed.json")},
		records.ImportOptions{AutoCreatePeople: true}, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	v = openVault(t, path)
	if err := v.UnpackAll(context.Background()); err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	var phases []string
	s = Open(v, Options{Packing: func(p vault.PackProgress) {
		mu.Lock()
		defer mu.Unlock()
		if len(phases) == 0 || phases[len(phases)-1] != p.Phase {
			phases = append(phases, p.Phase)
		}
	}})
	defer s.Close()
	p := s.SyncNow(context.Background(), 0, nil)
	if p.Err != nil {
		t.Fatal(p.Err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(phases) == 0 || phases[len(phases)-1] != "done" {
		t.Fatalf("the sync pass ended before packing did: phases %v", phases)
	}
	if need, err := v.PackNeeded(context.Background()); err != nil || need {
		t.Fatalf("still to pack: %v %v", need, err)
	}
}
