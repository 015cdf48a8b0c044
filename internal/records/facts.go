package records

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/fastenhealth/fasten-desktop/internal/fhir"
)

// The same clinical fact often reaches a family from several places: the
// hospital's portal and the clinic's both list the flu shot of 3 October;
// a file downloaded from a portal and the portal's own sync hold the same
// lab result. Each arrives as its own record and stays in the vault as
// received. What a person reads — the dashboard, the household, counts,
// trends, the timeline — shows each fact once, with every source listed.
//
// factKey is the one rule deciding which records state the same fact
// (docs/vault-format.md, "Facts", says it in prose). Two records are one fact when:
//
//   - results (Observation): the same code, the same effective time to the
//     minute (times compared in UTC), the same value and unit;
//   - vaccines (Immunization): the same vaccine code on the same day;
//   - problems (Condition): the same code with the same onset day;
//   - allergies (AllergyIntolerance): the same substance code recorded on
//     the same day;
//   - visits, procedures, prescriptions, medication statements and
//     administrations, care plans: the same code at the same time to the
//     minute;
//   - anything else, or a record without a code or a date: the same resource
//     type and FHIR id (a copy of one record, as a file and a portal give).
//     Reports (DiagnosticReport) are here: two blood counts drawn in the same
//     minute are two panels with their own results (a fixture has them), and
//     a report's summary row does not hold its results to compare.
//
// The rule errs toward showing two: a near miss (the same test an hour
// later, the same time with another value) is two facts. Two records of one
// source that meet the rule are one fact too: a source that says the same
// thing twice has said it once.
//
// The key is stored in summaries.fact as the first 8 bytes of a SHA-256 of
// the rule's parts: a fixed 8-byte integer keeps the index that folds facts
// small, whatever the codes' and units' lengths.
func factKey(typ, fhirID string, s *fhir.Summary) int64 {
	parts := factParts(typ, fhirID, s)
	h := sha256.Sum256([]byte(strings.Join(parts, "\x1f")))
	return int64(binary.BigEndian.Uint64(h[:8]))
}

// firstOfFact keeps, of a person's records stating one fact, the one that
// arrived first (the lowest row id), for lists that page through rows in
// SQL: one probe of summaries_person_fact per row.
const firstOfFact = "NOT EXISTS (SELECT 1 FROM summaries f WHERE f.person_id = s.person_id AND f.fact = s.fact AND f.resource < s.resource)"

// factParts are the parts of factKey's rule, before hashing.
func factParts(typ, fhirID string, s *fhir.Summary) []string {
	copyOf := []string{"copy", typ, fhirID}
	if s.Code == "" || s.Date == "" {
		return copyOf
	}
	code := []string{typ, s.CodeSystem, s.Code}
	switch typ {
	case "Observation":
		at, ok := factMinute(s.Date)
		if !ok {
			return copyOf
		}
		value := "text:" + s.ValueText
		if s.ValueNum != nil {
			value = "number:" + strconv.FormatFloat(*s.ValueNum, 'g', -1, 64)
		}
		return append(code, at, value, s.Unit)
	case "Immunization", "Condition", "AllergyIntolerance":
		if len(s.Date) < 10 {
			return copyOf
		}
		return append(code, s.Date[:10])
	case "Encounter", "Procedure", "MedicationRequest", "MedicationStatement", "MedicationAdministration", "CarePlan":
		at, ok := factMinute(s.Date)
		if !ok {
			return copyOf
		}
		return append(code, at)
	}
	return copyOf
}

// factMinute is a FHIR date or dateTime to the minute, in UTC when it has
// a time ("2021-03-12T00:14:49+01:00" → "2021-03-11T23:14Z"); a date alone
// is kept as written. ok is false for text that is neither.
func factMinute(d string) (string, bool) {
	for _, layout := range []string{"2006", "2006-01", "2006-01-02"} {
		if _, err := time.Parse(layout, d); err == nil {
			return d, true
		}
	}
	// FHIR requires a zone with a time; a source that leaves it out is read
	// as UTC, as its copies elsewhere would be.
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00", "2006-01-02T15:04:05.999999999", "2006-01-02T15:04"} {
		if t, err := time.Parse(layout, d); err == nil {
			return t.UTC().Format("2006-01-02T15:04Z"), true
		}
	}
	return "", false
}

// DerivedVersion is the version of the rules that derive summaries from raw
// records (fhir.Summarize, factKey). A vault whose derived rows were written
// by an older version is reindexed once when a session opens it
// (RefreshDerived). Raise it whenever a change to those rules must reach
// records already stored.
//
// 12: summaries gained fact and the result's reference range and flag.
// 13: search rows gained their documents' words (docs).
// 14: codes sent without words (a health card's CVX, LOINC and SNOMED CT)
// are named from internal/codenames.
const DerivedVersion = 14

const derivedVersionKey = "derived_version"

// RefreshDerived brings the derived rows up to DerivedVersion: nothing when
// they are, a stamp alone for a vault with no records yet, else a full
// Reindex (one transaction: readers see the old rows until it commits, and
// a failure leaves them, to be tried again at the next open). It reports
// whether it reindexed.
func (s *Store) RefreshDerived(ctx context.Context) (bool, error) {
	v, err := s.Setting(ctx, derivedVersionKey)
	if err != nil {
		return false, err
	}
	n, _ := strconv.Atoi(v)
	if n >= DerivedVersion {
		return false, nil
	}
	var any int
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM (SELECT 1 FROM resources LIMIT 1)").Scan(&any); err != nil {
		return false, err
	}
	if any == 0 {
		return false, s.SetSetting(ctx, derivedVersionKey, strconv.Itoa(DerivedVersion))
	}
	if n == 12 && DerivedVersion == 13 {
		// Only documents' words are new: a pass over the records holding
		// a text document, not a reindex of every record.
		if err := s.refreshDocText(ctx); err != nil {
			return false, fmt.Errorf("updating the vault's indexes: %w", err)
		}
		return true, nil
	}
	if _, err := s.Reindex(ctx); err != nil {
		return false, fmt.Errorf("updating the vault's indexes: %w", err)
	}
	return true, nil
}
