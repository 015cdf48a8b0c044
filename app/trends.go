package app

import "github.com/fastenhealth/fasten-desktop/internal/records"

// LabList is the Trends picker: every test and vital sign of a person with
// how many measurements and the latest.
func (a *App) LabList(personID int64) ([]records.LabSeriesInfo, error) {
	st, err := a.store()
	if err != nil {
		return nil, err
	}
	return st.LabList(a.context(), personID)
}

// Labs is one test's series (q.Code: a key from LabList or a LOINC code),
// or every series when q.Code is "": each point one measurement with every
// record stating it.
func (a *App) Labs(personID int64, q records.LabsQuery) (records.Labs, error) {
	st, err := a.store()
	if err != nil {
		return records.Labs{Series: []records.LabSeries{}}, err
	}
	return st.Labs(a.context(), personID, q)
}
