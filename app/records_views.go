package app

import (
	"errors"
	"strings"

	"github.com/fastenhealth/fasten-desktop/internal/records"
)

// Dashboard is one person's health record at a glance, with their portal
// connections and when each last synced.
func (a *App) Dashboard(personID int64) (records.Dashboard, error) {
	sess, err := a.hh().Session()
	if err != nil {
		return records.Dashboard{}, err
	}
	return sess.Dashboard(a.context(), personID)
}

// Timeline is one page of a person's records, newest first. The page's
// Next goes back as q.After for the page after it.
func (a *App) Timeline(personID int64, q records.TimelineQuery) (records.TimelinePage, error) {
	st, err := a.store()
	if err != nil {
		return records.TimelinePage{}, err
	}
	pg, err := st.Timeline(a.context(), personID, q)
	if errors.Is(err, records.ErrBadTimelineQuery) {
		// The page built the query: say what is wrong in its words
		// ("since must be YYYY, YYYY-MM or YYYY-MM-DD").
		msg := strings.TrimPrefix(err.Error(), records.ErrBadTimelineQuery.Error()+": ")
		return records.TimelinePage{Items: []records.TimelineItem{}}, invalidInput("That timeline filter cannot be used: " + msg + ".")
	}
	return pg, err
}

// DetailVersion is one version of a record (an earlier one from the
// detail's history, or the current), readable like the detail itself.
func (a *App) DetailVersion(id int64, version int) (records.VersionDetail, error) {
	st, err := a.store()
	if err != nil {
		return records.VersionDetail{}, err
	}
	return st.DetailVersion(a.context(), id, version)
}

// Insurance is one page of a person's Insurance section: coverages (first
// page only), bills newest first with what was billed, paid and owed, and
// the totals of the page's years. cursor is the previous page's Next ("" or
// nil for the first page); limit is 1–500 (default 50).
func (a *App) Insurance(personID int64, cursor *records.Cursor, limit int) (records.InsurancePage, error) {
	st, err := a.store()
	if err != nil {
		return records.InsurancePage{}, err
	}
	var after records.Cursor
	if cursor != nil {
		after = *cursor
	}
	return st.Insurance(a.context(), personID, after, limit)
}

// Household is everyone at a glance: per member their problems, allergies
// and what arrived since their record was last opened, and the connections
// needing attention.
func (a *App) Household() (records.Household, error) {
	sess, err := a.hh().Session()
	if err != nil {
		return records.Household{}, err
	}
	return sess.Household(a.context())
}

// MarkViewed records that a person's record was opened (the window calls it
// when their dashboard opens): "new since you last looked" counts from now.
func (a *App) MarkViewed(personID int64) error {
	st, err := a.store()
	if err != nil {
		return err
	}
	return st.MarkViewed(a.context(), personID)
}
