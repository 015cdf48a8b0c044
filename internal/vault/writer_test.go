package vault

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
)

// A held writer has the larger cache, writes through its transactions,
// and once released every connection of the pool is back to the pool's
// cache: no reader keeps 64 MB of pages after an import.
func TestHoldWriterCacheAndRelease(t *testing.T) {
	v, _, err := Create(filepath.Join(t.TempDir(), "w.fasten"), secret)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	ctx := context.Background()
	cacheOf := func(c *sql.Conn) string {
		t.Helper()
		var n string
		if err := c.QueryRowContext(ctx, "PRAGMA cache_size").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	w, err := HoldWriter(ctx, v.DB())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := cacheOf(w.conn), fmt.Sprint(-writerCacheKiB); got != want {
		t.Fatalf("held writer's cache_size = %s, want %s", got, want)
	}
	tx, err := w.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec("INSERT INTO people(name, created_at) VALUES ('Held Writer', 'now')"); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	w.Release()
	w.Release() // a second release does nothing

	// Take every connection the pool can give: the released one is among
	// them, and none may keep the writer's cache.
	var conns []*sql.Conn
	for range MaxConns {
		c, err := v.DB().Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		if got, want := cacheOf(c), fmt.Sprint(-cacheKiB); got != want {
			t.Errorf("pool connection %d after release: cache_size = %s, want %s", len(conns), got, want)
		}
	}
	var n int
	if err := conns[0].QueryRowContext(ctx, "SELECT count(*) FROM people WHERE name = 'Held Writer'").Scan(&n); err != nil || n != 1 {
		t.Fatalf("the held writer's row: %d, %v", n, err)
	}
	for _, c := range conns {
		c.Close()
	}
}

// Holding waits for the caller's context like any query: with the pool
// exhausted, a cancelled hold gives up instead of waiting forever.
func TestHoldWriterGivesUpWithItsContext(t *testing.T) {
	v, _, err := Create(filepath.Join(t.TempDir(), "w.fasten"), secret)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	var held []*Writer
	for range MaxConns {
		w, err := HoldWriter(context.Background(), v.DB())
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, w)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if w, err := HoldWriter(ctx, v.DB()); err == nil {
		w.Release()
		t.Fatal("HoldWriter with every connection held and a cancelled context succeeded")
	}
	for _, w := range held {
		w.Release()
	}
}

// A vault closed (locked) while a writer is held takes no more of its
// transactions.
func TestHoldWriterStopsAfterClose(t *testing.T) {
	v, _, err := Create(filepath.Join(t.TempDir(), "w.fasten"), secret)
	if err != nil {
		t.Fatal(err)
	}
	w, err := HoldWriter(context.Background(), v.DB())
	if err != nil {
		t.Fatal(err)
	}
	defer w.Release()
	v.Close()
	if tx, err := w.BeginTx(context.Background(), nil); err == nil {
		tx.Rollback()
		t.Fatal("a held writer began a transaction after the vault was closed")
	}
}
