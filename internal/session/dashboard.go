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
	states, err := s.connectionStates(ctx)
	if err != nil {
		return d, err
	}
	for _, c := range states {
		if c.PersonID == personID {
			d.Connections = append(d.Connections, c.Connection)
		}
	}
	return d, nil
}

// Household is records' household view with each member's connections and,
// across the household, those needing attention (in the members' order).
func (s *Session) Household(ctx context.Context) (records.Household, error) {
	h, err := s.records.Household(ctx)
	if err != nil {
		return h, err
	}
	states, err := s.connectionStates(ctx)
	if err != nil {
		return h, err
	}
	member := map[int64]bool{}
	for i := range h.Members {
		m := &h.Members[i]
		member[m.Person.ID] = true
		for _, c := range states {
			if c.PersonID != m.Person.ID {
				continue
			}
			m.Connections = append(m.Connections, c.Connection)
			if c.Connection.NeedsAttention {
				h.Attention = append(h.Attention, c)
			}
		}
	}
	// A connection whose person is gone is still the household's to fix
	// (or disconnect).
	for _, c := range states {
		if !member[c.PersonID] && c.Connection.NeedsAttention {
			h.Attention = append(h.Attention, c)
		}
	}
	return h, nil
}

// connectionStates is every connection's state with whose it is, in
// connect's list order.
func (s *Session) connectionStates(ctx context.Context) ([]records.MemberConnection, error) {
	conns, err := s.connect.List(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]records.MemberConnection, 0, len(conns))
	for _, c := range conns {
		cs := records.ConnectionState{ID: c.ID, Provider: c.ProviderName, Status: string(c.Status), StatusText: c.StatusText,
			NeedsAttention: c.Action != connect.ActionNone || c.Status == connect.StatusNeedsReconnect || c.Status == connect.StatusError}
		runs, err := s.History(ctx, c.ID, 20)
		if err != nil {
			return nil, err
		}
		for _, r := range runs {
			// "Last synced" is the last pass that brought the records up to
			// date, wholly or in part; a failed or interrupted one did not.
			if r.FinishedAt != "" && (r.Status == providersync.StatusComplete || r.Status == providersync.StatusPartial) {
				cs.LastSynced = r.FinishedAt
				break
			}
		}
		out = append(out, records.MemberConnection{PersonID: c.PersonID, PersonName: c.PersonName, Connection: cs})
	}
	return out, nil
}
