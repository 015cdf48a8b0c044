package records

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/fastenhealth/fasten-desktop/internal/vault"
)

// SummaryRecord is one record chosen for a patient summary: its summary
// row, where it came from, and its raw JSON as stored (unpacked).
type SummaryRecord struct {
	Item
	FHIRID   string `json:"fhirId"`
	SourceID int64  `json:"sourceId"`
	FullURL  string `json:"fullUrl"`
	Raw      []byte `json:"-"`
}

// SummaryInput is what a patient summary (internal/summary) of one person
// is made from. The choice of records is made here, where the folding of
// copies is known (one record per fact however many sources hold it, the
// newest received kept, as the dashboard shows them):
//   - Problems: conditions whose clinical status is active, recurrence or
//     relapse (what the dashboard calls problems; resolved ones are history).
//   - Medications: medication requests and statements that are active.
//   - Allergies: every allergy or intolerance except those entered in error
//     (a summary for a new doctor must not hide an allergy, even an
//     inactive one; its status is shown).
//   - Immunizations: every dose given (not "not-done", not entered in
//     error): a vaccine history is read dose by dose.
//   - Results: the latest laboratory result per code with a value.
//   - Vitals: the latest vital-sign observation per code (a blood-pressure
//     panel has its readings in components, so no value is required).
//   - Procedures: the latest of each kind of procedure (per code), not
//     every repetition: a lifetime of yearly screenings would bury the
//     operations a doctor needs to see.
type SummaryInput struct {
	Person Person
	// Patients are every Patient record that is this person (one per file
	// or portal, or several ids from one source), newest received first.
	Patients      []SummaryRecord
	Problems      []SummaryRecord
	Medications   []SummaryRecord
	Allergies     []SummaryRecord
	Immunizations []SummaryRecord
	Results       []SummaryRecord
	Vitals        []SummaryRecord
	Procedures    []SummaryRecord
}

// SummaryInput gathers one person's records for a patient summary (see
// SummaryInput for what is chosen). ErrNoPerson if there is no such person.
func (s *Store) SummaryInput(ctx context.Context, personID int64) (SummaryInput, error) {
	var in SummaryInput
	p, err := s.Person(ctx, personID)
	if err != nil {
		return in, err
	}
	if p.BirthDate == "" {
		// As the dashboard: a member made by name alone has the birth date
		// of the Patient records linked to them.
		if err := s.db.QueryRowContext(ctx, `SELECT coalesce(min(date), '') FROM summaries
WHERE person_id = ? AND resource_type = 'Patient' AND length(date) >= 10`, personID).Scan(&p.BirthDate); err != nil {
			return in, err
		}
	}
	in.Person = p
	// Patients are not folded: each one is an identity the summary's single
	// subject stands for.
	patients, err := s.readDashRows(ctx, false, "s.person_id = ? AND s.resource_type = 'Patient' ORDER BY s.resource DESC", personID)
	if err != nil {
		return in, err
	}
	if in.Patients, err = s.summaryRecords(ctx, patients); err != nil {
		return in, err
	}
	pick := func(dst *[]SummaryRecord, filter string) error {
		rows, _, err := s.current(ctx, personID, filter, -1)
		if err != nil {
			return err
		}
		*dst, err = s.summaryRecords(ctx, rows)
		return err
	}
	if err := pick(&in.Problems, "resource_type = 'Condition' AND status IN ('active', 'recurrence', 'relapse')"); err != nil {
		return in, err
	}
	if err := pick(&in.Medications, "resource_type IN ('MedicationRequest', 'MedicationStatement') AND status = 'active'"); err != nil {
		return in, err
	}
	if err := pick(&in.Allergies, "resource_type = 'AllergyIntolerance' AND status != 'entered-in-error'"); err != nil {
		return in, err
	}
	if err := pick(&in.Immunizations, "resource_type = 'Immunization' AND status NOT IN ('not-done', 'entered-in-error')"); err != nil {
		return in, err
	}
	// The latest observation per code, as the dashboard's vitals and
	// flagged results read it, then split by category.
	latest, err := s.dashRows(ctx, "s.resource IN (SELECT resource FROM (SELECT resource, max(date) FROM summaries WHERE person_id = ? AND resource_type = 'Observation' AND status NOT IN ('entered-in-error', 'cancelled') GROUP BY code)) ORDER BY s.date DESC, s.resource DESC", personID)
	if err != nil {
		return in, err
	}
	var labs, vitals []dashRow
	for _, r := range latest {
		switch {
		case r.Category == "vital-signs":
			vitals = append(vitals, r)
		case r.Category == "laboratory" && valued(r):
			labs = append(labs, r)
		}
	}
	if in.Results, err = s.summaryRecords(ctx, labs); err != nil {
		return in, err
	}
	if in.Vitals, err = s.summaryRecords(ctx, vitals); err != nil {
		return in, err
	}
	procs, err := s.dashRows(ctx, "s.resource IN (SELECT resource FROM (SELECT resource, max(date) FROM summaries WHERE person_id = ? AND resource_type = 'Procedure' AND status NOT IN ('entered-in-error', 'not-done') GROUP BY code_system, code, CASE WHEN code = '' THEN lower(display) ELSE '' END)) ORDER BY s.date DESC, s.resource DESC", personID)
	if err != nil {
		return in, err
	}
	in.Procedures, err = s.summaryRecords(ctx, procs)
	return in, err
}

// summaryRecords adds the raw JSON and fullUrl to rows, keeping their order.
func (s *Store) summaryRecords(ctx context.Context, rows []dashRow) ([]SummaryRecord, error) {
	out := make([]SummaryRecord, 0, len(rows))
	if len(rows) == 0 {
		return out, nil
	}
	raw, err := s.raws(ctx, ids(rows))
	if err != nil {
		return nil, err
	}
	urls, err := s.fullURLs(ctx, ids(rows))
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		out = append(out, SummaryRecord{Item: r.Item, FHIRID: r.fhirID, SourceID: r.sourceID, FullURL: urls[r.ID], Raw: raw[r.ID]})
	}
	return out, nil
}

func (s *Store) fullURLs(ctx context.Context, ids []int64) (map[int64]string, error) {
	out := make(map[int64]string, len(ids))
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := s.db.QueryContext(ctx, "SELECT id, full_url FROM resources WHERE id IN (?"+strings.Repeat(",?", len(ids)-1)+")", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var u string
		if err := rows.Scan(&id, &u); err != nil {
			return nil, err
		}
		out[id] = u
	}
	return out, rows.Err()
}

// Referenced finds the resource of type typ that a record from source
// names by id (a "Type/id", "urn:uuid:id" or absolute reference reduced to
// its id by the caller): a medication product a prescription points to.
// ok is false when the vault does not hold it.
func (s *Store) Referenced(ctx context.Context, source int64, typ, id string) (rec SummaryRecord, ok bool, err error) {
	var stored []byte
	err = s.db.QueryRowContext(ctx, "SELECT id, resource_type, resource_id, source_id, full_url, raw FROM resources WHERE source_id = ? AND resource_id = ? AND resource_type = ?", source, id, typ).
		Scan(&rec.ID, &rec.ResourceType, &rec.FHIRID, &rec.SourceID, &rec.FullURL, &stored)
	if errors.Is(err, sql.ErrNoRows) {
		return rec, false, nil
	}
	if err != nil {
		return rec, false, err
	}
	if rec.Raw, err = vault.UnpackRaw(nil, stored); err != nil {
		return rec, false, err
	}
	return rec, true, nil
}
