package app

import (
	"errors"

	"github.com/fastenhealth/fasten-desktop/internal/records"
)

// Records a family adds themselves, and what they decide about any record
// (hide it, note on it). What was typed and cannot be kept is not an
// error: it comes back as Problems, one per field, for the form to show
// at each field.

// EntryResult is what adding or editing a record gave: the record, or why
// each field cannot be kept.
type EntryResult struct {
	ID       int64                  `json:"id"`
	Version  int                    `json:"version"`
	Problems []records.FieldProblem `json:"problems"`
}

// EntryForms is what the add-a-record form offers: the kinds, the vital
// signs with their units, and whose family history can be kept.
type EntryForms struct {
	Kinds         []records.EntryKind `json:"kinds"`
	Vitals        []records.VitalSign `json:"vitals"`
	Relationships []string            `json:"relationships"`
}

// RecordForms lists what the form offers.
func (a *App) RecordForms() EntryForms {
	rel := []string{"mother", "father", "sister", "brother", "daughter", "son", "grandmother", "grandfather", "aunt", "uncle", "cousin", "child", "sibling", "parent"}
	return EntryForms{Kinds: records.EntryKinds, Vitals: records.VitalSigns, Relationships: rel}
}

func entryResult(r records.EnteredRecord, err error) (EntryResult, error) {
	var ee *records.EntryError
	if errors.As(err, &ee) {
		return EntryResult{Problems: ee.Problems}, nil
	}
	if err != nil {
		return EntryResult{}, err
	}
	return EntryResult{ID: r.ID, Version: r.Version, Problems: []records.FieldProblem{}}, nil
}

// AddRecord keeps a record the family typed in for one member.
func (a *App) AddRecord(personID int64, e records.Entry) (EntryResult, error) {
	st, err := a.store()
	if err != nil {
		return EntryResult{}, err
	}
	return entryResult(st.AddEntered(a.context(), personID, e))
}

// EditRecord replaces a record the family entered (the earlier version is kept).
func (a *App) EditRecord(id int64, e records.Entry) (EntryResult, error) {
	st, err := a.store()
	if err != nil {
		return EntryResult{}, err
	}
	return entryResult(st.EditEntered(a.context(), id, e))
}

// DeleteRecord takes a record the family entered out of every view.
func (a *App) DeleteRecord(id int64) error {
	st, err := a.store()
	if err != nil {
		return err
	}
	return st.DeleteEntered(a.context(), id)
}

// RestoreRecord brings a deleted entered record back.
func (a *App) RestoreRecord(id int64) error {
	st, err := a.store()
	if err != nil {
		return err
	}
	return st.RestoreEntered(a.context(), id)
}

// SetRecordHidden hides any record from every view, or shows it again.
func (a *App) SetRecordHidden(id int64, hidden bool) error {
	st, err := a.store()
	if err != nil {
		return err
	}
	return st.SetHidden(a.context(), id, hidden)
}

// SetRecordNote keeps the family's own note on any record ("" removes it).
func (a *App) SetRecordNote(id int64, note string) error {
	st, err := a.store()
	if err != nil {
		return err
	}
	return st.SetNote(a.context(), id, note)
}

// RecordMark says whether a record is hidden or deleted, and its note.
func (a *App) RecordMark(id int64) (records.Mark, error) {
	st, err := a.store()
	if err != nil {
		return records.Mark{}, err
	}
	return st.RecordMark(a.context(), id)
}

// RecordEntry reads back what a record the family entered was made from,
// for the form to edit.
func (a *App) RecordEntry(id int64) (records.Entry, error) {
	st, err := a.store()
	if err != nil {
		return records.Entry{}, err
	}
	return st.EnteredEntry(a.context(), id)
}

// SetAsideRecords lists a member's hidden records and deleted entries, to
// bring them back.
func (a *App) SetAsideRecords(personID int64) ([]records.SetAside, error) {
	st, err := a.store()
	if err != nil {
		return nil, err
	}
	return st.SetAsideRecords(a.context(), personID)
}
