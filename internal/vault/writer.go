package vault

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
)

// writerCacheKiB is the page cache of a connection held for a run of
// writes (HoldWriter). An import's or a sync's rows land all over the
// resources' unique index — resource ids are mostly UUIDs, so each insert
// is a random place in an index that grows with the vault — and over the
// search index's segments, which merging reads back. With the pool's
// cacheKiB those pages fell out between one file's group and the next
// and each came back through a read and a decryption (AES and
// HMAC-SHA512 in software, the writer's largest cost). Measured with
// fasten-bench -phase import on 150k resources (one writer, 2 cores):
// 16 MB 23.3 s, 32 MB 20.7 s, 64 MB 18.8 s, 128 MB 18.3 s at 270 MB peak
// RSS; 64 MB keeps the import's peak at about 200 MB.
const writerCacheKiB = 64000

// Writer is one of the pool's connections, held for a run of write
// transactions (an import's files, a sync's pages) with a page cache
// larger than the pool's. Holding it keeps that cache warm from one
// transaction to the next: the pool hands its idle connections out in
// turn, so transactions begun on the pool rarely find the pages the last
// one read. The other connections stay for readers.
type Writer struct {
	db   *sql.DB
	conn *sql.Conn
}

// HoldWriter takes a connection from db's pool (waiting for one, as any
// query would) and gives it the writer's cache. Release gives it back.
func HoldWriter(ctx context.Context, db *sql.DB) (*Writer, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("PRAGMA cache_size = %d", -writerCacheKiB)); err != nil {
		conn.Close()
		return nil, err
	}
	return &Writer{db: db, conn: conn}, nil
}

// BeginTx begins a transaction on the held connection, unless the vault
// has been closed (locked) meanwhile: closing the pool leaves a held
// connection open, and an import must not write on after the lock.
func (w *Writer) BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error) {
	if err := w.db.PingContext(ctx); err != nil {
		return nil, err
	}
	return w.conn.BeginTx(ctx, opts)
}

// Release shrinks the connection's cache back to the pool's (SQLite frees
// the pages beyond it) and returns it to the pool. Every transaction
// begun on it must have ended. A connection whose cache could not be
// shrunk is closed instead, so no reader inherits the larger cache.
func (w *Writer) Release() {
	if w == nil || w.conn == nil {
		return
	}
	conn := w.conn
	w.conn = nil
	if _, err := conn.ExecContext(context.Background(), fmt.Sprintf("PRAGMA cache_size = %d", -cacheKiB)); err != nil {
		// Raw's ErrBadConn makes database/sql discard the connection.
		conn.Raw(func(any) error { return driver.ErrBadConn })
	}
	conn.Close()
}
