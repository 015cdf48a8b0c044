package connect

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/fastenhealth/fasten-desktop/internal/vault"
)

// Connection is one provider connection as the UI and CLI see it. Tokens are
// never part of it.
type Connection struct {
	ID           int64  `json:"id"`
	PersonID     int64  `json:"personId"`
	PersonName   string `json:"personName"`
	ProviderID   string `json:"providerId"`
	ProviderName string `json:"providerName"`
	Vendor       string `json:"vendor"`
	FHIRBase     string `json:"fhirBase"`
	PatientID    string `json:"patientId"`
	Status       Status `json:"status"`
	StatusText   string `json:"statusText"`
	Action       Action `json:"action"` // the one thing that fixes it, if any
	LastError    string `json:"lastError"`
	Created      string `json:"created"`
	Records      int    `json:"records"`
}

// Status is where a connection stands; the UI binds these names as an enum.
type Status string

// Statuses a connection moves through.
const (
	StatusConnected      Status = "connected"
	StatusExpiresSoon    Status = "expires_soon"
	StatusNeedsReconnect Status = "needs_reconnect"
	StatusError          Status = "error"
	StatusDisconnected   Status = "disconnected"
)

// Action is the one thing the person can do about a connection's status.
type Action string

// Actions.
const (
	ActionNone      Action = ""
	ActionReconnect Action = "reconnect"
	ActionRetry     Action = "retry"
)

// secrets is what the vault keeps of a connection's credentials.
type secrets struct {
	id                   int64
	sourceID             int64
	fhirBase, vendor     string
	clientID             string
	redirectURI          string
	patientID            string
	accessToken, refresh string
	expiry               time.Time
	deviceKey            *rsa.PrivateKey
	registeredClientID   string
	extra                map[string]any
}

func (s *Service) list(ctx context.Context) ([]Connection, error) {
	rows, err := s.db.QueryContext(ctx, `
SELECT c.id, coalesce(c.person_id, 0), coalesce(p.name, ''), c.provider_id, c.provider_name, c.vendor, c.fhir_base, c.patient_id,
       c.status, c.last_error, c.created_at, c.refresh_token != '', c.token_expiry,
       (SELECT count(*) FROM resources r WHERE r.source_id = c.source_id)
FROM connections c LEFT JOIN people p ON p.id = c.person_id ORDER BY c.id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Connection{}
	for rows.Next() {
		var c Connection
		var hasRefresh bool
		var expiry string
		if err := rows.Scan(&c.ID, &c.PersonID, &c.PersonName, &c.ProviderID, &c.ProviderName, &c.Vendor, &c.FHIRBase, &c.PatientID,
			&c.Status, &c.LastError, &c.Created, &hasRefresh, &expiry, &c.Records); err != nil {
			return nil, err
		}
		s.describe(&c, hasRefresh, expiry)
		out = append(out, c)
	}
	return out, rows.Err()
}

// describe turns the stored status into what a person reads and can do.
func (s *Service) describe(c *Connection, hasRefresh bool, expiry string) {
	if c.Status == StatusConnected && !hasRefresh {
		// Without a refresh token the connection ends with the access token.
		if t, err := vault.ParseTimestamp(expiry); err == nil {
			switch left := t.Sub(s.now()); {
			case left <= 0:
				c.Status = StatusNeedsReconnect
			case left < 24*time.Hour:
				c.Status = StatusExpiresSoon
			}
		}
	}
	switch c.Status {
	case StatusConnected:
		c.StatusText, c.Action = "Connected", ActionNone
	case StatusExpiresSoon:
		c.StatusText, c.Action = "Connected — expires soon; reconnect to keep records coming", ActionReconnect
	case StatusNeedsReconnect:
		c.StatusText, c.Action = "Needs you to sign in again", ActionReconnect
	case StatusError:
		c.StatusText, c.Action = "Something went wrong", ActionRetry
	case StatusDisconnected:
		c.StatusText, c.Action = "Disconnected (records kept)", ActionReconnect
	}
}

func (s *Service) loadSecrets(ctx context.Context, id int64) (*secrets, error) {
	var sc secrets
	var expiry, extra string
	var key []byte
	err := s.db.QueryRowContext(ctx, `SELECT id, source_id, fhir_base, vendor, client_id, redirect_uri, patient_id, access_token, refresh_token,
 token_expiry, device_key, registered_client_id, extra FROM connections WHERE id = ?`, id).
		Scan(&sc.id, &sc.sourceID, &sc.fhirBase, &sc.vendor, &sc.clientID, &sc.redirectURI, &sc.patientID, &sc.accessToken, &sc.refresh,
			&expiry, &key, &sc.registeredClientID, &extra)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNoConnection
	}
	if err != nil {
		return nil, err
	}
	sc.expiry, _ = vault.ParseTimestamp(expiry) // "" (no expiry) stays zero
	if len(key) > 0 {
		if k, err := x509.ParsePKCS1PrivateKey(key); err == nil {
			sc.deviceKey = k
		}
	}
	json.Unmarshal([]byte(extra), &sc.extra)
	return &sc, nil
}

// ErrNoConnection is returned for an unknown connection id.
var ErrNoConnection = errors.New("that connection is not in this vault")
