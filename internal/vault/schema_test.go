package vault

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// Every pooled connection, not only the first, must carry the settings the
// format relies on. Before the connect hook, cache_size was set with one
// db.Exec and so only on whichever connection ran it.
func TestEveryConnectionIsSetUp(t *testing.T) {
	path, _ := newVault(t)
	v, err := Open(path, secret)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	ctx := context.Background()
	var conns []*sql.Conn
	for range MaxConns {
		c, err := v.DB().Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	for i, c := range conns {
		for _, p := range wantPragmas {
			var got string
			if err := c.QueryRowContext(ctx, "PRAGMA "+p.name).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != p.want {
				t.Errorf("connection %d: %s = %q, want %q", i, p.name, got, p.want)
			}
		}
		c.Close()
	}
}

// checkPragmas must notice a connection that is not set up: a plain
// connection to the same driver without Fasten's DSN has SQLite's defaults
// (rollback journal, no foreign keys).
func TestCheckPragmasRefusesDefaults(t *testing.T) {
	db, err := sql.Open("sqlite3", filepath.Join(t.TempDir(), "plain.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	q := func(query string) (string, error) {
		var s string
		err := db.QueryRow(query).Scan(&s)
		return s, err
	}
	err = checkPragmas(q)
	if !errors.Is(err, ErrSetup) {
		t.Fatalf("checkPragmas on defaults = %v, want ErrSetup", err)
	}
}

func TestTimestampSortsAsText(t *testing.T) {
	base := time.Date(2024, 3, 9, 8, 7, 5, 0, time.FixedZone("X", 2*3600))
	var times []time.Time
	for _, d := range []time.Duration{0, time.Microsecond, 500 * time.Millisecond, time.Second, 10 * time.Hour, 24 * time.Hour * 400} {
		times = append(times, base.Add(d))
	}
	var texts []string
	for _, tm := range times {
		s := Timestamp(tm)
		if len(s) != len(TimestampLayout) {
			t.Fatalf("%q is not fixed width", s)
		}
		back, err := ParseTimestamp(s)
		if err != nil || !back.Equal(tm) {
			t.Fatalf("round trip %v -> %q -> %v %v", tm, s, back, err)
		}
		texts = append(texts, s)
	}
	if !sort.StringsAreSorted(texts) {
		t.Fatalf("text order differs from time order: %v", texts)
	}
	if _, err := ParseTimestamp(""); err == nil {
		t.Fatal("empty string parsed")
	}
	// What earlier builds wrote still reads as the same instant.
	for _, old := range []string{"2024-03-09T08:07:05Z", "2024-03-09T10:07:05+02:00", "2024-03-09T08:07:05.000000001Z"} {
		got, err := ParseTimestamp(old)
		if err != nil || !got.Truncate(time.Second).Equal(time.Date(2024, 3, 9, 8, 7, 5, 0, time.UTC)) {
			t.Errorf("ParseTimestamp(%q) = %v %v", old, got, err)
		}
	}
}

// A vault at schema 3 holding the formats earlier versions wrote (connect:
// RFC 3339 seconds; records: RFC 3339 trimmed nanoseconds; sync: the fixed
// layout; migration 1's own strftime default) is rewritten to one format
// at open, keeping each instant to the microsecond.
func TestMigrationRewritesOldTimestamps(t *testing.T) {
	saved := migrations
	migrations = migrations[:3]
	path, _ := newVault(t) // also writes people.created_at = 'now'
	v, err := Open(path, secret)
	if err != nil {
		migrations = saved
		t.Fatal(err)
	}
	old := []string{
		`INSERT INTO people(id, name, created_at) VALUES (2, 'Ottoline Fairweather', '2024-03-09T08:07:05.5Z')`,
		`INSERT INTO sources(id, kind, label, created_at) VALUES (2, 'connection', 'Clinic', '2024-03-09T08:07:05Z')`,
		`INSERT INTO imports(id, source_id, file_name, sha256, bytes, imported_at, added, updated, unchanged, skipped) VALUES (1, 1, 'f.json', '', 0, '2024-03-09T08:07:05.123456789Z', 0, 0, 0, 0)`,
		`INSERT INTO resources(id, source_id, resource_type, resource_id, last_updated, received_at, sha256, raw) VALUES (1, 2, 'Patient', 'p', '2020-01-01T00:00:00+02:00', '2024-03-09T08:07:05.1Z', x'00', '{}')`,
		`INSERT INTO resource_versions(resource, version, fhir_version_id, last_updated, full_url, received_at, superseded_at, sha256, raw) VALUES (1, 1, '', '', '', '2024-03-09T08:07:04Z', '2024-03-09T08:07:05.1Z', x'00', '{}')`,
		`INSERT INTO connections(id, source_id, provider_name, fhir_base, client_id, redirect_uri, patient_id, token_expiry, created_at, updated_at) VALUES (1, 2, 'Clinic', 'https://x', 'c', 'r', 'p', '2024-03-09T09:07:05Z', '2024-03-09T08:07:05Z', '2024-03-09T08:07:06Z')`,
		`INSERT INTO connections(id, source_id, provider_name, fhir_base, client_id, redirect_uri, patient_id, token_expiry, created_at, updated_at) VALUES (2, 1, 'Other', 'https://x', 'c', 'r', 'p', '', '2024-03-09T08:07:05Z', '2024-03-09T08:07:06Z')`,
		`INSERT INTO sync_runs(connection_id, started_at, finished_at) VALUES (1, '2024-03-09T08:07:05.000001Z', '')`,
		`INSERT INTO sync_checkpoints(connection_id, task, since, pass_started) VALUES (1, 'everything', '2024-03-09T08:07:05.000+00:00', '2024-03-09T08:07:05.000+00:00')`,
		`INSERT INTO sync_seen(resource, connection_id, last_run, gone_at) VALUES (1, 1, 1, '2024-03-09T08:07:05Z')`,
		`INSERT INTO sync_files(resource, resource_sha, checked_at) VALUES (1, x'00', '2024-03-09T08:07:05.25Z')`,
	}
	for _, q := range old {
		if _, err := v.DB().Exec(q); err != nil {
			migrations = saved
			t.Fatalf("%s: %v", q, err)
		}
	}
	v.Close()
	migrations = saved

	v, err = Open(path, secret)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	want := map[string]string{
		"SELECT created_at FROM people WHERE id = 2":        "2024-03-09T08:07:05.500000Z",
		"SELECT created_at FROM people WHERE id = 1":        "now", // not a time: left alone
		"SELECT created_at FROM sources WHERE id = 2":       "2024-03-09T08:07:05.000000Z",
		"SELECT imported_at FROM imports":                   "2024-03-09T08:07:05.123456Z",
		"SELECT received_at FROM resources":                 "2024-03-09T08:07:05.100000Z",
		"SELECT last_updated FROM resources":                "2020-01-01T00:00:00+02:00", // provider data: as received
		"SELECT received_at FROM resource_versions":         "2024-03-09T08:07:04.000000Z",
		"SELECT superseded_at FROM resource_versions":       "2024-03-09T08:07:05.100000Z",
		"SELECT token_expiry FROM connections WHERE id = 1": "2024-03-09T09:07:05.000000Z",
		"SELECT token_expiry FROM connections WHERE id = 2": "",
		"SELECT created_at FROM connections WHERE id = 1":   "2024-03-09T08:07:05.000000Z",
		"SELECT updated_at FROM connections WHERE id = 1":   "2024-03-09T08:07:06.000000Z",
		"SELECT started_at FROM sync_runs":                  "2024-03-09T08:07:05.000001Z",
		"SELECT finished_at FROM sync_runs":                 "",
		"SELECT since FROM sync_checkpoints":                "2024-03-09T08:07:05.000+00:00",
		"SELECT gone_at FROM sync_seen":                     "2024-03-09T08:07:05.000000Z",
		"SELECT checked_at FROM sync_files":                 "2024-03-09T08:07:05.250000Z",
	}
	for q, w := range want {
		var got string
		if err := v.DB().QueryRow(q).Scan(&got); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if got != w {
			t.Errorf("%s = %q, want %q", q, got, w)
		}
	}
	// Migration 1's default source row, written by strftime at creation.
	var src1 string
	v.DB().QueryRow("SELECT created_at FROM sources WHERE id = 1").Scan(&src1)
	if _, err := ParseTimestamp(src1); err != nil {
		t.Errorf("sources 1 created_at %q: %v", src1, err)
	}
	var ver int
	v.DB().QueryRow("PRAGMA user_version").Scan(&ver)
	if ver != SchemaVersion() {
		t.Fatalf("user_version %d", ver)
	}
}

// A vault whose user_version is beyond this build's migrations is refused
// with its own error kind, untouched.
func TestNewerSchemaRefused(t *testing.T) {
	path, _ := newVault(t)
	v, err := Open(path, secret)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.DB().Exec("PRAGMA user_version = 999"); err != nil {
		t.Fatal(err)
	}
	v.Close()
	if _, err := Open(path, secret); !errors.Is(err, ErrNewerSchema) {
		t.Fatalf("Open = %v, want ErrNewerSchema", err)
	}
}

// Migration 5: attachments a vault already holds were all downloaded by
// sync (inline data was not extracted before), so they become 'fetched'
// rows, raw data that reindex keeps; only 'fetched' and 'inline' are allowed.
func TestMigrationMarksExistingAttachmentsFetched(t *testing.T) {
	saved := migrations
	migrations = migrations[:4]
	path, _ := newVault(t)
	v, err := Open(path, secret)
	if err != nil {
		migrations = saved
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO resources(id, source_id, resource_type, resource_id, received_at, sha256, raw) VALUES (1, 1, 'DocumentReference', 'd', '', x'00', '{}')`,
		`INSERT INTO attachments(resource, content_type, title, sha256, data) VALUES (1, 'application/pdf', 'Summary', x'01', x'255044462d')`,
	} {
		if _, err := v.DB().Exec(q); err != nil {
			migrations = saved
			t.Fatalf("%s: %v", q, err)
		}
	}
	v.Close()
	migrations = saved
	v, err = Open(path, secret)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	var origin, p, title, head string
	var size int
	if err := v.DB().QueryRow("SELECT origin, path, title, size, head, data FROM attachments WHERE id = 1 AND resource = 1 AND sha256 = x'01' AND data = x'255044462d'").Scan(&origin, &p, &title, &size, &head, new([]byte)); err != nil {
		t.Fatal(err)
	}
	if origin != "fetched" || p != "" || title != "Summary" || size != 5 || head != "%PDF-" {
		t.Fatalf("after migration: %q %q %q %d %q", origin, p, title, size, head)
	}
	// Still cascades with its resource, still indexed.
	if _, err := v.DB().Exec("DELETE FROM resources WHERE id = 1"); err != nil {
		t.Fatal(err)
	}
	var n int
	v.DB().QueryRow("SELECT count(*) FROM attachments").Scan(&n)
	if n != 0 {
		t.Fatal("the attachment outlived its resource")
	}
	v.DB().QueryRow("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'attachments_resource'").Scan(&n)
	if n != 1 {
		t.Fatal("the resource index is gone")
	}
	v.DB().Exec(`INSERT INTO resources(id, source_id, resource_type, resource_id, received_at, sha256, raw) VALUES (1, 1, 'DocumentReference', 'd', '', x'00', '{}')`)
	if _, err := v.DB().Exec(`INSERT INTO attachments(resource, sha256, data, origin) VALUES (1, x'02', x'00', 'guessed')`); err == nil {
		t.Fatal("an unknown origin was accepted")
	}
}

// Migration 9 fills summaries.fhir_id from the resources an older vault
// already holds, so copies are recognised without a reindex.
func TestMigrationFillsSummaryFHIRIDs(t *testing.T) {
	saved := migrations
	migrations = migrations[:8]
	path, _ := newVault(t)
	v, err := Open(path, secret)
	if err != nil {
		migrations = saved
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO resources(id, source_id, resource_type, resource_id, last_updated, received_at, sha256, raw) VALUES (7, 1, 'Condition', 'cond-1', '', '2024-03-09T08:07:05.000000Z', x'00', '{}')`,
		`INSERT INTO summaries(resource, source_id, resource_type) VALUES (7, 1, 'Condition')`,
	} {
		if _, err := v.DB().Exec(q); err != nil {
			migrations = saved
			t.Fatalf("%s: %v", q, err)
		}
	}
	v.Close()
	migrations = saved
	v, err = Open(path, secret)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	var id string
	if err := v.DB().QueryRow("SELECT fhir_id FROM summaries WHERE resource = 7").Scan(&id); err != nil || id != "cond-1" {
		t.Fatalf("fhir_id %q %v", id, err)
	}
}

// Migration 13 gives every search row its person's token, keeps words out
// of it, and keeps it right when a record changes person.
func TestMigrationPutsThePersonInSearch(t *testing.T) {
	saved := migrations
	migrations = migrations[:11]
	path, _ := newVault(t)
	v, err := Open(path, secret)
	if err != nil {
		migrations = saved
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO people(id, name, created_at) VALUES (4, 'A', ''), (5, 'B', '')`,
		`INSERT INTO resources(id, source_id, resource_type, resource_id, received_at, sha256, raw) VALUES
		  (7, 1, 'Condition', 'c1', '', x'00', '{}'), (8, 1, 'Practitioner', 'd1', '', x'00', '{}')`,
		`INSERT INTO summaries(resource, source_id, resource_type, person_id) VALUES (7, 1, 'Condition', 4), (8, 1, 'Practitioner', NULL)`,
		`INSERT INTO search(rowid, text) VALUES (7, 'Asthma'), (8, 'Doctor Asthma')`,
	} {
		if _, err := v.DB().Exec(q); err != nil {
			migrations = saved
			t.Fatalf("%s: %v", q, err)
		}
	}
	v.Close()
	migrations = saved
	v, err = Open(path, secret)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	find := func(match string) []int64 {
		t.Helper()
		rows, err := v.DB().Query("SELECT rowid FROM search WHERE search MATCH ? ORDER BY rowid", match)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []int64
		for rows.Next() {
			var id int64
			rows.Scan(&id)
			out = append(out, id)
		}
		return out
	}
	if got := find(`text : asthma`); len(got) != 2 {
		t.Fatalf("text kept: %v", got)
	}
	if got := find(`person : "p4" AND text : asthma`); len(got) != 1 || got[0] != 7 {
		t.Fatalf("person 4: %v", got)
	}
	if _, err := v.DB().Exec("UPDATE summaries SET person_id = 5 WHERE resource = 7"); err != nil {
		t.Fatal(err)
	}
	if got := find(`person : "p4"`); len(got) != 0 {
		t.Fatalf("person 4 after the move: %v", got)
	}
	if got := find(`person : "p5" AND text : asthma`); len(got) != 1 || got[0] != 7 {
		t.Fatalf("person 5 after the move: %v", got)
	}
	var terms int
	if err := v.DB().QueryRow("SELECT count(*) FROM search_terms WHERE col = 'text'").Scan(&terms); err != nil || terms != 2 {
		t.Fatalf("vocabulary: %d %v", terms, err)
	}
}

// Migration 12 gives every summary of an older vault a fact key of its own
// (nothing folds until the records are re-derived: records.RefreshDerived)
// and empty ranges, and the status index ends with the fact.
func TestMigrationGivesEachOldSummaryItsOwnFact(t *testing.T) {
	saved := migrations
	migrations = migrations[:11]
	path, _ := newVault(t)
	v, err := Open(path, secret)
	if err != nil {
		migrations = saved
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO resources(id, source_id, resource_type, resource_id, last_updated, received_at, sha256, raw) VALUES (7, 1, 'Condition', 'cond-1', '', '2024-03-09T08:07:05.000000Z', x'00', '{}')`,
		`INSERT INTO resources(id, source_id, resource_type, resource_id, last_updated, received_at, sha256, raw) VALUES (8, 1, 'Condition', 'cond-2', '', '2024-03-09T08:07:05.000000Z', x'01', '{}')`,
		`INSERT INTO summaries(resource, source_id, resource_type, code, date, fhir_id) VALUES (7, 1, 'Condition', '44054006', '2020-01-01', 'cond-1'), (8, 1, 'Condition', '44054006', '2020-01-01', 'cond-2')`,
	} {
		if _, err := v.DB().Exec(q); err != nil {
			migrations = saved
			t.Fatalf("%s: %v", q, err)
		}
	}
	v.Close()
	migrations = saved
	v, err = Open(path, secret)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	var facts, distinct int
	var ranged int
	if err := v.DB().QueryRow("SELECT count(*), count(DISTINCT fact), count(ref_low) + count(ref_high) + sum(flag != '') FROM summaries WHERE fact < 0").Scan(&facts, &distinct, &ranged); err != nil {
		t.Fatal(err)
	}
	if facts != 2 || distinct != 2 || ranged != 0 {
		t.Fatalf("%d rows with %d own facts, %d ranges", facts, distinct, ranged)
	}
	var sql string
	if err := v.DB().QueryRow("SELECT sql FROM sqlite_master WHERE name = 'summaries_person_type_status'").Scan(&sql); err != nil || !strings.Contains(sql, "date, fact)") {
		t.Fatalf("index %q %v", sql, err)
	}
}

// Migration 16 leaves every existing record as received R4: no release, no
// separate received copy, its versions likewise.
func TestMigrationKeepsExistingRecordsAsReceived(t *testing.T) {
	saved := migrations
	migrations = migrations[:15]
	path, _ := newVault(t)
	v, err := Open(path, secret)
	if err != nil {
		migrations = saved
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO resources(id, source_id, resource_type, resource_id, last_updated, received_at, sha256, raw) VALUES (7, 1, 'Condition', 'cond-1', '', '2024-03-09T08:07:05.000000Z', x'00', '{"resourceType":"Condition"}')`,
		`INSERT INTO resource_versions(resource, version, fhir_version_id, last_updated, full_url, received_at, superseded_at, sha256, raw) VALUES (7, 1, '', '', '', '2024-03-09T08:07:05.000000Z', '2024-03-10T08:07:05.000000Z', x'00', '{}')`,
	} {
		if _, err := v.DB().Exec(q); err != nil {
			migrations = saved
			t.Fatalf("%s: %v", q, err)
		}
	}
	v.Close()
	migrations = saved
	v, err = Open(path, secret)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	for _, table := range []string{"resources WHERE id = 7", "resource_versions WHERE resource = 7"} {
		var rel string
		var received []byte
		if err := v.DB().QueryRow("SELECT received_release, received FROM "+table).Scan(&rel, &received); err != nil || rel != "" || received != nil {
			t.Fatalf("%s: release %q received %v err %v", table, rel, received != nil, err)
		}
	}
	var raw string
	if err := v.DB().QueryRow("SELECT raw FROM resources WHERE id = 7").Scan(&raw); err != nil || raw != `{"resourceType":"Condition"}` {
		t.Fatalf("raw %q %v", raw, err)
	}
}

// Migration 18 widens sources.kind in place: a vault made at schema 17,
// with a connection and records, takes 'entered' sources afterwards on
// every connection, still refuses kinds it never allowed, keeps its rows,
// and passes the integrity check.
func TestMigrationLetsSourcesBeEntered(t *testing.T) {
	saved := migrations
	migrations = migrations[:17]
	path, _ := newVault(t)
	v, err := Open(path, secret)
	if err != nil {
		migrations = saved
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO sources(id, kind, label, created_at) VALUES (5, 'connection', 'City Clinic', '2024-03-09T08:07:05.000000Z')`,
		`INSERT INTO resources(id, source_id, resource_type, resource_id, last_updated, received_at, sha256, raw) VALUES (7, 5, 'Condition', 'cond-1', '', '2024-03-09T08:07:05.000000Z', x'00', '{"resourceType":"Condition"}')`,
	} {
		if _, err := v.DB().Exec(q); err != nil {
			migrations = saved
			t.Fatalf("%s: %v", q, err)
		}
	}
	if _, err := v.DB().Exec(`INSERT INTO sources(kind, label, created_at) VALUES ('entered', 'x', 'y')`); err == nil {
		migrations = saved
		t.Fatal("schema 17 took an entered source")
	}
	v.Close()
	migrations = saved
	v, err = Open(path, secret)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	db := v.DB()
	db.SetMaxOpenConns(3)
	// Several connections at once: each must see the widened CHECK.
	conns := make([]*sql.Conn, 3)
	for i := range conns {
		if conns[i], err = db.Conn(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	for i, c := range conns {
		if _, err := c.ExecContext(context.Background(), `INSERT INTO sources(kind, label, created_at) VALUES ('entered', ?, '2024-03-09T08:07:05.000000Z')`, fmt.Sprint("Entered ", i)); err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
	}
	for _, c := range conns {
		c.Close()
	}
	if _, err := db.Exec(`INSERT INTO sources(kind, label, created_at) VALUES ('carrier pigeon', 'x', 'y')`); err == nil {
		t.Fatal("a kind never allowed was taken")
	}
	var n int
	if err := db.QueryRow("SELECT count(*) FROM resources WHERE source_id = 5").Scan(&n); err != nil || n != 1 {
		t.Fatalf("records of the connection: %d %v", n, err)
	}
	var ok string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&ok); err != nil || ok != "ok" {
		t.Fatalf("integrity %q %v", ok, err)
	}
	if _, err := db.Exec(`INSERT INTO record_marks(resource, hidden, note, updated_at) VALUES (7, 1, 'seen it', '2024-03-09T08:07:05.000000Z')`); err != nil {
		t.Fatal(err)
	}
}
