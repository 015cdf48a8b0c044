package connect

import (
	"context"
	"time"

	"github.com/fastenhealth/fasten-desktop/internal/vault"
)

// Target is what the sync engine needs to know about a connection to fetch
// its records. It carries no tokens: those stay behind AccessToken.
type Target struct {
	ConnectionID   int64
	SourceID       int64
	PersonID       int64
	FHIRBase       string
	PatientID      string
	Vendor         string
	AthenaPractice string // ah-practice value for athenahealth, else ""
	Status         Status
}

// SyncTarget returns the FHIR base, patient and source of a connection, so
// the sync engine can plan requests without reading secrets itself.
func (s *Service) SyncTarget(ctx context.Context, id int64) (Target, error) {
	sc, err := s.loadSecrets(ctx, id)
	if err != nil {
		return Target{}, err
	}
	t := Target{ConnectionID: id, SourceID: sc.sourceID, FHIRBase: sc.fhirBase, PatientID: sc.patientID, Vendor: sc.vendor}
	t.AthenaPractice, _ = sc.extra["ah_practice_param"].(string)
	var person int64
	if err := s.db.QueryRowContext(ctx, "SELECT coalesce(person_id, 0), status FROM connections WHERE id = ?", id).Scan(&person, &t.Status); err != nil {
		return Target{}, err
	}
	t.PersonID = person
	return t, nil
}

// RejectAccessToken records that the provider refused token (401) although
// it has not reached its recorded expiry — servers revoke or rotate early —
// so the next AccessToken call refreshes. It is compare-and-set on the token
// so that several requests refused at once cause a single refresh.
func (s *Service) RejectAccessToken(ctx context.Context, id int64, token string) error {
	past := vault.Timestamp(s.now().Add(-time.Hour))
	_, err := s.db.ExecContext(ctx, "UPDATE connections SET token_expiry = ? WHERE id = ? AND access_token = ?", past, id, token)
	return err
}
