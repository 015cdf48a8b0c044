package session

import (
	"context"

	"github.com/fastenhealth/fasten-desktop/internal/connect"
	"github.com/fastenhealth/fasten-desktop/internal/providersync"
	"github.com/fastenhealth/fasten-desktop/internal/records"
)

// Dashboard is records' dashboard for one person with their portal
// connections added: records cannot see connections (connect builds on
// records), so the session, which holds both, joins them.
func (s *Session) Dashboard(ctx context.Context, personID int64) (records.Dashboard, error) {
	d, err := s.records.Dashboard(ctx, personID)
	if err != nil {
		return d, err
	}
	conns, err := s.connect.List(ctx)
	if err != nil {
		return d, err
	}
	for _, c := range conns {
		if c.PersonID != personID {
			continue
		}
		cs := records.ConnectionState{ID: c.ID, Provider: c.ProviderName, Status: string(c.Status), StatusText: c.StatusText,
			NeedsAttention: c.Action != connect.ActionNone || c.Status == connect.StatusNeedsReconnect || c.Status == connect.StatusError}
		runs, err := s.History(ctx, c.ID, 20)
		if err != nil {
			return d, err
		}
		for _, r := range runs {
			// "Last synced" is the last pass that brought the records up to
			// date, wholly or in part; a failed or interrupted one did not.
			if r.FinishedAt != "" && (r.Status == providersync.StatusComplete || r.Status == providersync.StatusPartial) {
				cs.LastSynced = r.FinishedAt
				break
			}
		}
		d.Connections = append(d.Connections, cs)
	}
	return d, nil
}
