package vault

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"strings"

	sqlite3 "github.com/mutecomm/go-sqlcipher/v4"
)

// driverName is the SQLCipher driver with Fasten's per-connection checks.
// database/sql opens connections lazily and may replace them at any time;
// the DSN's _pragma settings are applied to each, and so is this hook, so
// every connection in the pool is known to be set up as below — not only
// the first one the vault happened to test.
const driverName = "sqlcipher-fasten"

// fastenDriver is that driver; the vault's pool opens its connections
// through it directly (see connector), tests and tools by driverName.
var fastenDriver = &sqlite3.SQLiteDriver{ConnectHook: setUpConn}

func init() {
	sql.Register(driverName, fastenDriver)
}

// cacheKiB bounds each connection's page cache of decrypted pages (negative
// = KiB in SQLite's PRAGMA cache_size).
const cacheKiB = 16000

// busyTimeoutMS is how long a writer waits for another's lock.
const busyTimeoutMS = 10000

// ErrSetup is wrapped by errors from a connection whose SQLite settings did
// not take: e.g. a file system without shared memory refuses WAL and SQLite
// silently stays in its rollback journal. Writing then would be correct but
// not what the format promises (readers alongside a writer), so the vault
// refuses to open instead.
var ErrSetup = errors.New("the vault's database settings could not be applied")

// wantPragmas are read back on every new connection. Values are as SQLite
// reports them: synchronous NORMAL is 1.
var wantPragmas = []struct{ name, want string }{
	{"journal_mode", "wal"},
	{"foreign_keys", "1"},
	{"synchronous", "1"},
	{"busy_timeout", fmt.Sprint(busyTimeoutMS)},
	{"cache_size", fmt.Sprint(-cacheKiB)},
	{"cipher_memory_security", "0"},
}

// querier is one connection's "run this pragma, give me its single value".
type querier func(q string) (string, error)

func setUpConn(c *sqlite3.SQLiteConn) error {
	q := func(query string) (string, error) { return queryOne(c, query) }
	// SQLCipher 4.4's memory security mlock()s every block SQLite allocates
	// and wipes and munlock()s it on free: two system calls per malloc. It
	// cost an import two thirds of its time in the kernel (perf: 67% kernel,
	// mostly mlock/munlock; 50,744 resources 38.9 s, see issue 12), and it
	// protects little here: RLIMIT_MEMLOCK (8 MB by default on Linux) is
	// far below the page caches, so most blocks are never locked, realloc'd
	// blocks never are, and the records' plaintext lives in Go's heap too,
	// which nothing wipes. SQLCipher itself turned it off by default in
	// 4.5.0 (sqlcipher/sqlcipher#452). The setting is process-wide: every
	// connection sets it so no open order matters.
	if _, err := c.Exec("PRAGMA cipher_memory_security = OFF", nil); err != nil {
		return fmt.Errorf("%w: cipher_memory_security: %w", ErrSetup, err)
	}
	if _, err := c.Exec(fmt.Sprintf("PRAGMA cache_size = %d", -cacheKiB), nil); err != nil {
		return fmt.Errorf("%w: cache_size: %w", ErrSetup, err)
	}
	// SQLCipher answers cipher_version; plain SQLite (a build without the
	// cipher) answers nothing and would write the records in clear.
	if v, err := q("PRAGMA cipher_version"); err != nil || v == "" {
		return fmt.Errorf("%w: this build has no SQLCipher (cipher_version %q, %v)", ErrSetup, v, err)
	}
	// unpack_raw(x): a stored resource's bytes as received (see PackRaw),
	// for the few queries that look inside them in SQL (instr).
	if err := c.RegisterFunc("unpack_raw", unpackRawSQL, true); err != nil {
		return fmt.Errorf("%w: unpack_raw: %w", ErrSetup, err)
	}
	return checkPragmas(q)
}

// checkPragmas compares each setting with what the vault needs.
func checkPragmas(q querier) error {
	for _, p := range wantPragmas {
		got, err := q("PRAGMA " + p.name)
		if err != nil {
			return fmt.Errorf("%w: reading %s: %w", ErrSetup, p.name, err)
		}
		if !strings.EqualFold(got, p.want) {
			return fmt.Errorf("%w: %s is %q, want %q", ErrSetup, p.name, got, p.want)
		}
	}
	return nil
}

// queryOne runs a pragma on the raw connection and returns its first column
// of its first row ("" when it returns no row).
func queryOne(c *sqlite3.SQLiteConn, query string) (string, error) {
	rows, err := c.Query(query, nil)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	vals := make([]driver.Value, len(rows.Columns()))
	if err := rows.Next(vals); err != nil {
		if errors.Is(err, io.EOF) {
			return "", nil
		}
		return "", err
	}
	if len(vals) == 0 {
		return "", nil
	}
	switch v := vals[0].(type) {
	case []byte:
		return string(v), nil
	case nil:
		return "", nil
	default:
		return fmt.Sprint(v), nil
	}
}
