package records

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/fastenhealth/fasten-desktop/internal/vault"
)

// Store reads and writes one unlocked vault's records.
type Store struct {
	db    *sql.DB
	now   func() time.Time
	vocab searchVocab // search's vocabulary, gone with the Store (search.go)
}

// New wraps an open vault database.
func New(db *sql.DB) *Store { return &Store{db: db, now: time.Now} }

// FileSource is the id of the source every file import belongs to.
const FileSource = 1

// stamp is "now" as the vault stores times (see vault.Timestamp).
func (s *Store) stamp() string { return vault.Timestamp(s.now()) }

// Setting reads a value from the vault's settings ("" if unset).
func (s *Store) Setting(ctx context.Context, key string) (string, error) {
	var v string
	err := s.db.QueryRowContext(ctx, "SELECT value FROM settings WHERE key = ?", key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, err
}

// SetSetting stores a value in the vault's settings.
func (s *Store) SetSetting(ctx context.Context, key, value string) error {
	_, err := s.db.ExecContext(ctx, "INSERT INTO settings(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", key, value)
	return err
}

// People lists the household with each person's record count.
func (s *Store) People(ctx context.Context) ([]Person, error) {
	rows, err := s.db.QueryContext(ctx, `
SELECT p.id, p.name, p.birth_date, (SELECT count(*) FROM summaries WHERE person_id = p.id)
FROM people p ORDER BY p.name COLLATE NOCASE, p.id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Person{}
	for rows.Next() {
		var p Person
		if err := rows.Scan(&p.ID, &p.Name, &p.BirthDate, &p.Records); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// Person returns one household member.
func (s *Store) Person(ctx context.Context, id int64) (Person, error) {
	var p Person
	err := s.db.QueryRowContext(ctx, `SELECT p.id, p.name, p.birth_date, (SELECT count(*) FROM summaries WHERE person_id = p.id) FROM people p WHERE p.id = ?`, id).
		Scan(&p.ID, &p.Name, &p.BirthDate, &p.Records)
	if errors.Is(err, sql.ErrNoRows) {
		return p, ErrNoPerson
	}
	return p, err
}

// ErrNoPerson is returned for a person id that is not in the household.
var ErrNoPerson = errors.New("that person is not in this household")

func cleanName(name string) (string, error) {
	name = strings.Join(strings.Fields(name), " ")
	if name == "" {
		return "", errors.New("a name is needed")
	}
	if len(name) > 200 {
		return "", errors.New("that name is too long (200 characters at most)")
	}
	return name, nil
}

// AddPerson adds a household member.
func (s *Store) AddPerson(ctx context.Context, name, birthDate string) (Person, error) {
	name, err := cleanName(name)
	if err != nil {
		return Person{}, err
	}
	res, err := s.db.ExecContext(ctx, "INSERT INTO people(name, birth_date, created_at) VALUES (?, ?, ?)", name, birthDate, s.stamp())
	if err != nil {
		return Person{}, err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return Person{}, err
	}
	return Person{ID: id, Name: name, BirthDate: birthDate}, nil
}

// RenamePerson changes a member's name.
func (s *Store) RenamePerson(ctx context.Context, id int64, name string) error {
	name, err := cleanName(name)
	if err != nil {
		return err
	}
	res, err := s.db.ExecContext(ctx, "UPDATE people SET name = ? WHERE id = ?", name, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNoPerson
	}
	return nil
}

// RemovePerson removes a member and every record linked to them (the UI asks
// for confirmation first, showing how many). Records of other people stay.
func (s *Store) RemovePerson(ctx context.Context, id int64) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := s.Person(ctx, id); err != nil {
		return err
	}
	stmts := []string{
		"DELETE FROM search WHERE rowid IN (SELECT resource FROM summaries WHERE person_id = ?1)",
		"DELETE FROM search_docs WHERE rowid IN (SELECT resource FROM summaries WHERE person_id = ?1)",
		"DELETE FROM resources WHERE id IN (SELECT resource FROM summaries WHERE person_id = ?1)",
		"DELETE FROM patient_links WHERE person_id = ?1",
		"DELETE FROM people WHERE id = ?1",
		// A later person may get this id: they must not inherit "last viewed".
		"DELETE FROM settings WHERE key = '" + viewedPrefix + "' || ?1",
	}
	for _, q := range stmts {
		if _, err := tx.ExecContext(ctx, q, id); err != nil {
			return fmt.Errorf("removing person: %w", err)
		}
	}
	return tx.Commit()
}

// RemovePersonIfEmpty removes a household member only while nothing is
// theirs: no records, no linked Patient, no provider connection. It is how
// a member made for one action (a connection that then failed) is tidied
// away; the check and the delete are one transaction, so records that
// arrive for them in the meantime (the window importing) keep them.
func (s *Store) RemovePersonIfEmpty(ctx context.Context, id int64) (removed bool, err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	r, err := tx.ExecContext(ctx, `DELETE FROM people WHERE id = ?1
  AND NOT EXISTS (SELECT 1 FROM summaries WHERE person_id = ?1)
  AND NOT EXISTS (SELECT 1 FROM patient_links WHERE person_id = ?1)
  AND NOT EXISTS (SELECT 1 FROM connections WHERE person_id = ?1)`, id)
	if err != nil {
		return false, fmt.Errorf("removing an empty person: %w", err)
	}
	n, err := r.RowsAffected()
	if err != nil {
		return false, err
	}
	return n == 1, tx.Commit()
}

// Unmatched lists Patient records that no household member is linked to.
// Records of one name and birth date are one entry (their keys joined): an
// Apple Health export names its owner once per provider and once for the
// phone, and the person places them all at once.
func (s *Store) Unmatched(ctx context.Context) ([]UnmatchedPatient, error) {
	rows, err := s.db.QueryContext(ctx, `
SELECT s.source_id, s.patient_id, s.display, s.date,
       (SELECT count(*) FROM summaries x WHERE x.source_id = s.source_id AND x.patient_id = s.patient_id)
FROM summaries s
LEFT JOIN patient_links l ON l.source_id = s.source_id AND l.patient_id = s.patient_id
WHERE s.resource_type = 'Patient' AND l.person_id IS NULL
ORDER BY s.display`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []UnmatchedPatient{}
	same := map[string]int{} // normalised name + birth date → index in out
	for rows.Next() {
		var u UnmatchedPatient
		var src int64
		var pid string
		if err := rows.Scan(&src, &pid, &u.Name, &u.BirthDate, &u.Records); err != nil {
			return nil, err
		}
		u.Key = patientKey(src, pid)
		who := normaliseName(u.Name)
		if who != "" && u.BirthDate != "" {
			k := who + "|" + dateOnly(u.BirthDate)
			if i, ok := same[k]; ok {
				out[i].Key += keySep + u.Key
				out[i].Records += u.Records
				continue
			}
			same[k] = len(out)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// keySep joins the keys of one unmatched entry; a FHIR id never holds it.
const keySep = "\n"

func patientKey(source int64, patientID string) string {
	return fmt.Sprintf("%d/%s", source, patientID)
}

func parsePatientKey(key string) (int64, string, error) {
	var src int64
	i := strings.IndexByte(key, '/')
	if i <= 0 {
		return 0, "", errors.New("unknown patient record")
	}
	if _, err := fmt.Sscan(key[:i], &src); err != nil {
		return 0, "", errors.New("unknown patient record")
	}
	return src, key[i+1:], nil
}

// AssignPatient links a Patient record (and everything about it) to a
// person; an Unmatched entry of several records, all of them.
func (s *Store) AssignPatient(ctx context.Context, key string, personID int64) error {
	type patient struct {
		src int64
		pid string
	}
	var each []patient
	for _, k := range strings.Split(key, keySep) {
		src, pid, err := parsePatientKey(k)
		if err != nil {
			return err
		}
		each = append(each, patient{src, pid})
	}
	if _, err := s.Person(ctx, personID); err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, p := range each {
		if err := linkPatient(ctx, tx, p.src, p.pid, personID); err != nil {
			return err
		}
	}
	return tx.Commit()
}

func linkPatient(ctx context.Context, tx *sql.Tx, source int64, patientID string, personID int64) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO patient_links(source_id, patient_id, person_id) VALUES (?, ?, ?)
ON CONFLICT(source_id, patient_id) DO UPDATE SET person_id = excluded.person_id`, source, patientID, personID); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, "UPDATE summaries SET person_id = ? WHERE source_id = ? AND patient_id = ?", personID, source, patientID)
	return err
}
