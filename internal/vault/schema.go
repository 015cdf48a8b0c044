package vault

import (
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// A migration step is SQL, Go, or both (SQL first), applied in one
// transaction together with the PRAGMA user_version bump that records it.
// Go steps exist for rewrites SQL cannot do exactly (e.g. parsing times).
type step struct {
	sql string
	run func(tx *sql.Tx) error
}

// migrations are applied in order, each in its own transaction, and recorded
// in PRAGMA user_version. Never edit a released step: append a new one (and
// describe it in docs/vault-format.md).
var migrations = []step{
	// 1: households, raw resources with provenance and history, derived summaries and search.
	{sql: `
CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

CREATE TABLE people (
  id         INTEGER PRIMARY KEY,
  name       TEXT NOT NULL,
  birth_date TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL
);

-- Where resources come from: 'file' (imports) or, later, 'connection' (a provider).
CREATE TABLE sources (
  id         INTEGER PRIMARY KEY,
  kind       TEXT NOT NULL CHECK (kind IN ('file', 'connection')),
  label      TEXT NOT NULL,
  created_at TEXT NOT NULL
);
INSERT INTO sources (id, kind, label, created_at) VALUES (1, 'file', 'Imported files', strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));

-- One row per file import that changed or checked the vault. No health data:
-- the file's base name is the person's own choice and stays in the encrypted vault.
CREATE TABLE imports (
  id          INTEGER PRIMARY KEY,
  source_id   INTEGER NOT NULL REFERENCES sources(id),
  file_name   TEXT NOT NULL,
  sha256      TEXT NOT NULL,
  bytes       INTEGER NOT NULL,
  imported_at TEXT NOT NULL,
  added       INTEGER NOT NULL,
  updated     INTEGER NOT NULL,
  unchanged   INTEGER NOT NULL,
  skipped     INTEGER NOT NULL
);
CREATE INDEX imports_sha ON imports (sha256);

-- The source of truth: each resource byte-for-byte as received, latest version.
CREATE TABLE resources (
  id              INTEGER PRIMARY KEY,
  source_id       INTEGER NOT NULL REFERENCES sources(id),
  resource_type   TEXT NOT NULL,
  resource_id     TEXT NOT NULL,
  version         INTEGER NOT NULL DEFAULT 1,
  fhir_version_id TEXT NOT NULL DEFAULT '',
  last_updated    TEXT NOT NULL DEFAULT '',
  full_url        TEXT NOT NULL DEFAULT '',
  received_at     TEXT NOT NULL,
  import_id       INTEGER REFERENCES imports(id),
  sha256          BLOB NOT NULL,
  raw             BLOB NOT NULL,
  -- id before type: references written as urn:uuid:<id> are found by id alone.
  UNIQUE (source_id, resource_id, resource_type)
);

-- Earlier versions of a resource that changed, kept retrievable.
CREATE TABLE resource_versions (
  id              INTEGER PRIMARY KEY,
  resource        INTEGER NOT NULL REFERENCES resources(id) ON DELETE CASCADE,
  version         INTEGER NOT NULL,
  fhir_version_id TEXT NOT NULL,
  last_updated    TEXT NOT NULL,
  full_url        TEXT NOT NULL,
  received_at     TEXT NOT NULL,
  import_id       INTEGER,
  superseded_at   TEXT NOT NULL,
  sha256          BLOB NOT NULL,
  raw             BLOB NOT NULL,
  UNIQUE (resource, version)
);

-- Which person a Patient record (from one source) belongs to.
CREATE TABLE patient_links (
  source_id  INTEGER NOT NULL REFERENCES sources(id),
  patient_id TEXT NOT NULL,
  person_id  INTEGER REFERENCES people(id) ON DELETE SET NULL,
  PRIMARY KEY (source_id, patient_id)
);

-- Derived and rebuildable (reindex): what lists, overviews and search read.
CREATE TABLE summaries (
  resource      INTEGER PRIMARY KEY REFERENCES resources(id) ON DELETE CASCADE,
  source_id     INTEGER NOT NULL,
  resource_type TEXT NOT NULL,
  patient_id    TEXT NOT NULL DEFAULT '',
  person_id     INTEGER,
  date          TEXT NOT NULL DEFAULT '',
  date_end      TEXT NOT NULL DEFAULT '',
  category      TEXT NOT NULL DEFAULT '',
  code_system   TEXT NOT NULL DEFAULT '',
  code          TEXT NOT NULL DEFAULT '',
  display       TEXT NOT NULL DEFAULT '',
  value_num     REAL,
  value_text    TEXT NOT NULL DEFAULT '',
  unit          TEXT NOT NULL DEFAULT '',
  status        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX summaries_person_type_date ON summaries (person_id, resource_type, date DESC);
CREATE INDEX summaries_patient ON summaries (source_id, patient_id);
CREATE INDEX summaries_person_code ON summaries (person_id, code, date);

-- Full-text search over summary text; rowid = resources.id.
CREATE VIRTUAL TABLE search USING fts5 (text, tokenize = 'unicode61 remove_diacritics 2');

-- Attachment bytes (documents, images) live apart from resource rows.
CREATE TABLE attachments (
  id           INTEGER PRIMARY KEY,
  resource     INTEGER NOT NULL REFERENCES resources(id) ON DELETE CASCADE,
  content_type TEXT NOT NULL DEFAULT '',
  title        TEXT NOT NULL DEFAULT '',
  sha256       BLOB NOT NULL,
  data         BLOB NOT NULL
);
CREATE INDEX attachments_resource ON attachments (resource);
`},
	// 2: provider connections (SMART on FHIR). Tokens and device keys live
	// here, inside the encrypted vault, and nowhere else.
	{sql: `
CREATE TABLE connections (
  id                   INTEGER PRIMARY KEY,
  source_id            INTEGER NOT NULL UNIQUE REFERENCES sources(id),
  person_id            INTEGER REFERENCES people(id) ON DELETE SET NULL,
  provider_id          TEXT NOT NULL DEFAULT '',
  provider_name        TEXT NOT NULL,
  vendor               TEXT NOT NULL DEFAULT '',
  fhir_base            TEXT NOT NULL,
  client_id            TEXT NOT NULL,
  redirect_uri         TEXT NOT NULL,
  patient_id           TEXT NOT NULL,
  scope                TEXT NOT NULL DEFAULT '',
  access_token         TEXT NOT NULL DEFAULT '',
  refresh_token        TEXT NOT NULL DEFAULT '',
  token_expiry         TEXT NOT NULL DEFAULT '',
  device_key           BLOB,
  registered_client_id TEXT NOT NULL DEFAULT '',
  extra                TEXT NOT NULL DEFAULT '{}',
  status               TEXT NOT NULL DEFAULT 'connected',
  last_error           TEXT NOT NULL DEFAULT '',
  created_at           TEXT NOT NULL,
  updated_at           TEXT NOT NULL
);

-- Client ids entered in Settings override the ones compiled into the build.
CREATE TABLE client_registrations (
  vendor        TEXT PRIMARY KEY,
  client_id     TEXT NOT NULL,
  redirect_mode TEXT NOT NULL DEFAULT 'scheme' CHECK (redirect_mode IN ('scheme', 'loopback'))
);
`},
	// 3: provider sync. Runs are the history a person sees (times, counts,
	// outcome — never health data); checkpoints let an interrupted sync
	// continue at the next page; seen marks records a provider stopped
	// returning (kept, never deleted); files remembers which resource
	// versions had their attachments fetched.
	{sql: `
CREATE TABLE sync_runs (
  id            INTEGER PRIMARY KEY,
  connection_id INTEGER NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
  started_at    TEXT NOT NULL,
  finished_at   TEXT NOT NULL DEFAULT '',
  status        TEXT NOT NULL DEFAULT 'running',
  full          INTEGER NOT NULL DEFAULT 0,
  counts        TEXT NOT NULL DEFAULT '{}',
  errors        TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX sync_runs_connection ON sync_runs (connection_id, id DESC);

CREATE TABLE sync_checkpoints (
  connection_id INTEGER NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
  task          TEXT NOT NULL,
  run_id        INTEGER NOT NULL DEFAULT 0,
  next_url      TEXT NOT NULL DEFAULT '',
  done          INTEGER NOT NULL DEFAULT 0,
  since         TEXT NOT NULL DEFAULT '',
  pass_started  TEXT NOT NULL DEFAULT '',
  pages         INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (connection_id, task)
);

CREATE TABLE sync_seen (
  resource      INTEGER PRIMARY KEY REFERENCES resources(id) ON DELETE CASCADE,
  connection_id INTEGER NOT NULL,
  last_run      INTEGER NOT NULL,
  gone_at       TEXT
);
CREATE INDEX sync_seen_connection ON sync_seen (connection_id, last_run);

CREATE TABLE sync_files (
  resource     INTEGER PRIMARY KEY REFERENCES resources(id) ON DELETE CASCADE,
  resource_sha BLOB NOT NULL,
  checked_at   TEXT NOT NULL
);
`},
	// 4: one timestamp format. Earlier versions wrote RFC 3339 with seconds
	// (connect), RFC 3339 with trimmed nanoseconds (records) or the fixed
	// layout (sync runs); rewrite them all to TimestampLayout.
	{run: migrateTimestamps},
	// 5: attachments say where their bytes came from. 'fetched' rows were
	// downloaded by sync from an attachment's URL and are raw (nothing else
	// holds them); 'inline' rows are decoded from base64 Attachment.data
	// inside a resource's raw JSON and are derived: reindex deletes and
	// rebuilds them. path is where in the resource the attachment sits
	// ("content[0].attachment"), so a rebuild is deterministic; size and
	// head (the first bytes, which tell a C-CDA or an unlabelled PDF) let a
	// list be read without touching data.
	//
	// The table is rebuilt rather than altered: SQLite stores columns in
	// order and an added column lands after data, so reading it would walk
	// every overflow page of the blob (a list of one 40 MB PDF took 0.7 s).
	{sql: `
CREATE TABLE attachments_v5 (
  id           INTEGER PRIMARY KEY,
  resource     INTEGER NOT NULL REFERENCES resources(id) ON DELETE CASCADE,
  origin       TEXT NOT NULL DEFAULT 'fetched' CHECK (origin IN ('fetched', 'inline')),
  path         TEXT NOT NULL DEFAULT '',
  content_type TEXT NOT NULL DEFAULT '',
  title        TEXT NOT NULL DEFAULT '',
  size         INTEGER NOT NULL DEFAULT 0,
  head         BLOB NOT NULL DEFAULT x'',
  sha256       BLOB NOT NULL,
  data         BLOB NOT NULL
);
INSERT INTO attachments_v5 (id, resource, content_type, title, size, head, sha256, data)
  SELECT id, resource, content_type, title, length(data), substr(data, 1, 4096), sha256, data FROM attachments;
DROP TABLE attachments;
ALTER TABLE attachments_v5 RENAME TO attachments;
CREATE INDEX attachments_resource ON attachments (resource);
`},
	// 6: lists and the timeline page by (date, resource) descending. An
	// index's implicit rowid (= resource) follows its columns ascending, so
	// walked backwards (person_id, resource_type, date) gives exactly that
	// order for one type, and (person_id, date) for every type (the
	// timeline, keyset-paged). The DESC index of step 1 could not serve the
	// tie-break; with only the new all-types index beside it, SQLite would
	// pick that one for one-type lists too and scan the person's whole record.
	{sql: `
DROP INDEX IF EXISTS summaries_person_type_date;
CREATE INDEX summaries_person_type_date ON summaries (person_id, resource_type, date);
CREATE INDEX summaries_person_date ON summaries (person_id, date);
`},
	// 7: the latest result of each test (dashboard vitals and flags, the
	// overview's labs, and trends by code) groups one type's rows by code and
	// takes the newest date. With resource_type ahead of code the grouping
	// reads the index alone; the old (person_id, code, date) index made
	// SQLite visit every row of the person to test its type (measured on one
	// person of 12,568 records: that query 19 ms → 4 ms, the dashboard
	// about a quarter faster). It is replaced, not kept beside: one index's
	// cost on every import, not two.
	{sql: `
DROP INDEX IF EXISTS summaries_person_code;
CREATE INDEX summaries_person_type_code ON summaries (person_id, resource_type, code, date);
`},
	// 8: what is current (active problems and medications, allergies, care
	// plans) is one type's rows of a few statuses. Found through
	// (person_id, resource_type, date) each status had to be read from the
	// table row, scattered across the vault: the household view (every
	// member's active problems) took 0.4–0.5 s on a 150,000-record vault,
	// 80–90 ms with this index.
	{sql: `
CREATE INDEX summaries_person_type_status ON summaries (person_id, resource_type, status, date);
`},
	// 9: summaries keep the resource's FHIR id. The same record from a file
	// and a portal is recognised by (type, FHIR id); reading that id from
	// resources meant one scattered page read per row (a resources row is
	// its raw JSON), which dominated the dashboard and household views of
	// anyone with copies. Filled here once from resources; ingest and
	// reindex write it from then on.
	{sql: `
ALTER TABLE summaries ADD COLUMN fhir_id TEXT NOT NULL DEFAULT '';
UPDATE summaries SET fhir_id = (SELECT r.resource_id FROM resources r WHERE r.id = summaries.resource);
`},
	// 10: how many records each person has (the sidebar, every person's
	// header, the household) is a count over the person's index entries.
	// The narrowest index that starts with person_id was (person_id, date):
	// about 1,500 pages to decrypt for 150,000 records, 100 ms a call. This
	// one holds only person_id and the rowid, a few bytes an entry.
	{sql: `
CREATE INDEX summaries_person ON summaries (person_id);
`},
	// 11: the status index also carries the FHIR id (last, so each status
	// still reads in date order): counting a person's bills once however
	// many sources hold them (count(DISTINCT fhir_id)) read every claim's
	// table row, 37% of a dashboard's time for a person with copies.
	{sql: `
DROP INDEX IF EXISTS summaries_person_type_status;
CREATE INDEX summaries_person_type_status ON summaries (person_id, resource_type, status, date, fhir_id);
`},
	// 12: summaries say which clinical fact each record states (fact: the
	// same result, vaccine dose or problem from two sources has one key;
	// see records.factKey) and keep a result's reference range and flag.
	// Views fold a person's records by fact in the index before reading any
	// row (the status index now ends with it instead of the FHIR id: for
	// insurance records, which have no fact rule, a fact is one FHIR id, and
	// the 36-byte id made every dashboard read of this index 40% more
	// pages), and flag results without reading their raw JSON. (person_id, fact) replaces (person_id): it
	// counts a person's records as facts from the index alone, in fact
	// order, and finds a record's other sources (or that an earlier record
	// states its fact) in one probe. Rules written in Go cannot run here: each row
	// gets a key of its own (-resource: no two rows share one, nothing is
	// folded) and records.RefreshDerived reindexes the vault once, at the
	// next open, to write the real ones.
	{sql: `
ALTER TABLE summaries ADD COLUMN fact INTEGER NOT NULL DEFAULT 0;
ALTER TABLE summaries ADD COLUMN ref_low REAL;
ALTER TABLE summaries ADD COLUMN ref_high REAL;
ALTER TABLE summaries ADD COLUMN ref_text TEXT NOT NULL DEFAULT '';
ALTER TABLE summaries ADD COLUMN flag TEXT NOT NULL DEFAULT '';
UPDATE summaries SET fact = -resource;
DROP INDEX IF EXISTS summaries_person_type_status;
CREATE INDEX summaries_person_type_status ON summaries (person_id, resource_type, status, date, fact);
DROP INDEX IF EXISTS summaries_person;
CREATE INDEX summaries_person_fact ON summaries (person_id, fact);
`},
	// 13: search within one person. The search table gains a person column
	// holding one token, "p<people.id>" ('' for records about nobody), so a
	// person's search is one FTS5 query that intersects their token with
	// the words typed instead of matching the whole vault and then
	// discarding everyone else's rows (110–170 ms on 150,000 records).
	// A trigger keeps the token right wherever summaries.person_id changes
	// (a Patient linked to another member, references resolved late), so
	// no code path can forget it. search_terms reads the index's vocabulary
	// (typo tolerance), stored as a view over search: it holds no rows.
	// summaries_search is what a search needs of each match to place it
	// (person, kind, date) and show each fact once (fact), keyed by resource: a few bytes an entry, so a
	// query matching thousands of records reads a small index that stays
	// in the page cache instead of thousands of scattered table rows
	// (a 5,000-match household search spent 0.2–0.7 s decrypting them).
	{sql: `
CREATE VIRTUAL TABLE search_v13 USING fts5 (text, person, tokenize = 'unicode61 remove_diacritics 2');
INSERT INTO search_v13 (rowid, text, person)
  SELECT f.rowid, f.text, coalesce('p' || s.person_id, '') FROM search f LEFT JOIN summaries s ON s.resource = f.rowid;
DROP TABLE search;
ALTER TABLE search_v13 RENAME TO search;
CREATE VIRTUAL TABLE search_terms USING fts5vocab (search, col);
CREATE TRIGGER summaries_search_person AFTER UPDATE OF person_id ON summaries
WHEN OLD.person_id IS NOT NEW.person_id
BEGIN
  UPDATE search SET person = coalesce('p' || NEW.person_id, '') WHERE rowid = NEW.resource;
END;
CREATE INDEX summaries_search ON summaries (resource, person_id, resource_type, category, date, fact);
`},
	// 14: the Trends picker from the index. summaries_lab holds, for each
	// result coded in LOINC, what the picker folds (test, unit, fact, date,
	// kind, value), in fact order so SQLite folds copies as it walks, and
	// listing a person's tests reads a few bytes an entry instead of every
	// result's row (76–125 ms p95 for a bench person, 1.3 s for one
	// holding 150,000 records). It is partial: only results with a value,
	// only LOINC.
	// It ends with the two columns its WHERE names: SQLite 3.33 counts an
	// index covering only if it holds every column a query names, and the
	// query must name them to use a partial index. summaries_lab_named
	// finds the results a source sent without LOINC (grouped by name, so
	// their rows are read) without walking everyone else's.
	{sql: `
CREATE INDEX summaries_lab ON summaries (person_id, code, unit, fact, date, resource, category, value_num, value_text, resource_type, code_system)
  WHERE resource_type = 'Observation' AND code_system = 'http://loinc.org' AND (value_num IS NOT NULL OR value_text != '');
CREATE INDEX summaries_lab_named ON summaries (person_id, date)
  WHERE resource_type = 'Observation' AND code_system != 'http://loinc.org';
`},
	// 15: documents' words in search. search_docs holds the words of a
	// record's text documents (a visit note, a report's text), one row per
	// record (rowid = resources.id) with its person token as in search. A
	// table of their own, not a column of search: reading search's
	// vocabulary for typo correction walks every doclist of the table, so
	// free prose in it would slow every first search after a write (a
	// model with 21,000 notes: 0.05 → 1 s) and correct typos towards the
	// notes' own. search_docs_terms finds whether a document uses a word.
	// The person trigger is made again to keep both tokens right. Rows
	// start empty; records.RefreshDerived fills them at the next open.
	{sql: `
CREATE VIRTUAL TABLE search_docs USING fts5 (docs, person, tokenize = 'unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE search_docs_terms USING fts5vocab (search_docs, row);
DROP TRIGGER summaries_search_person;
CREATE TRIGGER summaries_search_person AFTER UPDATE OF person_id ON summaries
WHEN OLD.person_id IS NOT NEW.person_id
BEGIN
  UPDATE search SET person = coalesce('p' || NEW.person_id, '') WHERE rowid = NEW.resource;
  UPDATE search_docs SET person = coalesce('p' || NEW.person_id, '') WHERE rowid = NEW.resource;
END;
`},
	// 16: records received in an older FHIR release (DSTU2, STU3: older
	// portals, exports and Apple Health clinical records) are kept as they
	// came in received, with the release in received_release, while raw
	// holds their R4 conversion, which everything else reads: derived views,
	// detail and export keep one shape to understand, and the original is
	// never lost. A row received as R4 has received_release '' and no
	// received copy (raw is as received); sha256 is always of the bytes as
	// received, so a re-import is recognised whatever the converter does.
	{sql: `
ALTER TABLE resources ADD COLUMN received_release TEXT NOT NULL DEFAULT '';
ALTER TABLE resources ADD COLUMN received BLOB;
ALTER TABLE resource_versions ADD COLUMN received_release TEXT NOT NULL DEFAULT '';
ALTER TABLE resource_versions ADD COLUMN received BLOB;
`},
	// 17: resources' bytes are stored packed (raw and received, in
	// resources and resource_versions): a header byte naming the codec,
	// then a zstd frame made with an embedded dictionary (see PackRaw).
	// Rows written before are JSON as received; they stay readable as they
	// are (a packed value starts with a byte JSON cannot start with) and
	// are packed in batches by PackPending, which resumes from the ids
	// these settings hold and deletes them when done; pack_vacuum stays
	// until the file has been rewritten (VACUUM) to give the space back. An older Fasten
	// cannot read packed rows: this version number makes it refuse the
	// vault instead (ErrNewerSchema).
	{sql: `
INSERT OR REPLACE INTO settings(key, value) VALUES ('pack_resources_after', '0'), ('pack_versions_after', '0'), ('pack_vacuum', '1');
`},
	// 18: records a family keeps themselves. A source of kind 'entered'
	// holds what they type in (one per vault, made on first use); the
	// CHECK on sources.kind is widened in place (writable_schema, as
	// SQLite documents for changes that leave stored rows valid: every
	// row allowed before is allowed after), since rebuilding sources would
	// mean switching foreign keys off under every table that names it.
	// record_marks is what a person decided about one record: hidden from
	// the views, a note of their own, or (records they entered) deleted.
	// It is not derived: reindex reads it, never rebuilds it. A hidden or
	// deleted record has no summary or search row, so no view can show it,
	// while its bytes and versions stay.
	{run: widenSourceKinds, sql: `
CREATE TABLE record_marks (
  resource   INTEGER PRIMARY KEY REFERENCES resources(id) ON DELETE CASCADE,
  hidden     INTEGER NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1)),
  deleted    INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
  note       TEXT NOT NULL DEFAULT '',
  updated_at TEXT NOT NULL
);
`},
}

// widenSourceKinds lets sources.kind be 'entered' (migration 18).
func widenSourceKinds(tx *sql.Tx) error {
	const from, to = "CHECK (kind IN ('file', 'connection'))", "CHECK (kind IN ('file', 'connection', 'entered'))"
	var ddl string
	if err := tx.QueryRow("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'sources'").Scan(&ddl); err != nil {
		return err
	}
	if !strings.Contains(ddl, from) {
		return fmt.Errorf("sources is not as schema 1 made it")
	}
	var version int
	if err := tx.QueryRow("PRAGMA schema_version").Scan(&version); err != nil {
		return err
	}
	for _, q := range []string{
		"PRAGMA writable_schema = ON",
		"UPDATE sqlite_master SET sql = '" + strings.ReplaceAll(strings.Replace(ddl, from, to, 1), "'", "''") + "' WHERE type = 'table' AND name = 'sources'",
		fmt.Sprintf("PRAGMA schema_version = %d", version+1),
		"PRAGMA writable_schema = OFF",
	} {
		if _, err := tx.Exec(q); err != nil {
			return err
		}
	}
	return nil
}

// SchemaVersion is the version a fully migrated vault has.
func SchemaVersion() int { return len(migrations) }

func migrate(db *sql.DB) error {
	var current int
	if err := db.QueryRow("PRAGMA user_version").Scan(&current); err != nil {
		return fmt.Errorf("reading the schema version: %w", err)
	}
	if current > len(migrations) {
		return fmt.Errorf("%w (schema %d, this one knows %d)", ErrNewerSchema, current, len(migrations))
	}
	for v := current; v < len(migrations); v++ {
		tx, err := db.Begin()
		if err != nil {
			return fmt.Errorf("schema migration %d: %w", v+1, err)
		}
		if err := applyStep(tx, migrations[v]); err != nil {
			tx.Rollback()
			return fmt.Errorf("schema migration %d: %w", v+1, err)
		}
		if _, err := tx.Exec(fmt.Sprintf("PRAGMA user_version = %d", v+1)); err != nil {
			tx.Rollback()
			return fmt.Errorf("schema migration %d: recording the version: %w", v+1, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("schema migration %d: commit: %w", v+1, err)
		}
	}
	return nil
}

func applyStep(tx *sql.Tx, s step) error {
	if s.sql != "" {
		if _, err := tx.Exec(s.sql); err != nil {
			return err
		}
	}
	if s.run != nil {
		return s.run(tx)
	}
	return nil
}

// timestampColumns are every column that holds a time Fasten itself wrote.
// Provider and file times (resources.last_updated, summaries.date,
// sync_checkpoints.since/pass_started) are data and keep their own form.
var timestampColumns = []struct{ table, column string }{
	{"people", "created_at"},
	{"sources", "created_at"},
	{"imports", "imported_at"},
	{"resources", "received_at"},
	{"resource_versions", "received_at"},
	{"resource_versions", "superseded_at"},
	{"connections", "token_expiry"},
	{"connections", "created_at"},
	{"connections", "updated_at"},
	{"sync_runs", "started_at"},
	{"sync_runs", "finished_at"},
	{"sync_seen", "gone_at"},
	{"sync_files", "checked_at"},
}

// migrateTimestamps rewrites every stored time in timestampColumns to
// TimestampLayout. Empty and NULL mean "not set" and stay. A value that is
// not RFC 3339 is left as it is (nothing Fasten wrote looks like that, and
// refusing to open the vault over one odd bookkeeping value would be worse).
func migrateTimestamps(tx *sql.Tx) error {
	for _, c := range timestampColumns {
		// Already fixed-width values (sync runs) are skipped by the GLOB.
		q := fmt.Sprintf(`SELECT rowid, %[2]s FROM %[1]s WHERE %[2]s != '' AND %[2]s NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'`, c.table, c.column)
		rows, err := tx.Query(q)
		if err != nil {
			return fmt.Errorf("%s.%s: %w", c.table, c.column, err)
		}
		type fix struct {
			rowid int64
			value string
		}
		var fixes []fix
		for rows.Next() {
			var id int64
			var v string
			if err := rows.Scan(&id, &v); err != nil {
				rows.Close()
				return fmt.Errorf("%s.%s: %w", c.table, c.column, err)
			}
			if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
				fixes = append(fixes, fix{id, Timestamp(t)})
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("%s.%s: %w", c.table, c.column, err)
		}
		if len(fixes) == 0 {
			continue
		}
		st, err := tx.Prepare(fmt.Sprintf("UPDATE %s SET %s = ? WHERE rowid = ?", c.table, c.column))
		if err != nil {
			return fmt.Errorf("%s.%s: %w", c.table, c.column, err)
		}
		for _, f := range fixes {
			if _, err := st.Exec(f.value, f.rowid); err != nil {
				st.Close()
				return fmt.Errorf("%s.%s: %w", c.table, c.column, err)
			}
		}
		if err := st.Close(); err != nil {
			return fmt.Errorf("%s.%s: %w", c.table, c.column, err)
		}
	}
	return nil
}
