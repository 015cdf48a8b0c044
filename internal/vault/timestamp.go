package vault

import (
	"fmt"
	"time"
)

// TimestampLayout is the one way Fasten writes its own times into the vault
// (created_at, received_at, started_at, token_expiry, …): UTC, fixed width,
// microseconds. Fixed width makes text order equal time order, so SQL can
// compare and sort these columns as plain TEXT (e.g. started_at >= ?), which
// RFC 3339 with trimmed fractions does not guarantee ("…:05Z" sorts after
// "…:05.5Z").
//
// Times that come from a provider or a file (FHIR dates, meta.lastUpdated,
// a server's clock kept for _since) are stored as received, not in this
// layout: they are data, not Fasten's bookkeeping.
const TimestampLayout = "2006-01-02T15:04:05.000000Z"

// Timestamp renders t in TimestampLayout.
func Timestamp(t time.Time) string { return t.UTC().Format(TimestampLayout) }

// ParseTimestamp reads a value written by Timestamp. It also reads any
// RFC 3339 form, which is what builds before migration 4 wrote: a token
// expiry misread as "not set" would make an expired token look valid
// forever, so a reader must not be stricter than the writers ever were.
// An empty string (the columns' "not set") is an error; callers that allow
// it check first.
func ParseTimestamp(s string) (time.Time, error) {
	t, err := time.Parse(TimestampLayout, s)
	if err != nil {
		if t, err2 := time.Parse(time.RFC3339Nano, s); err2 == nil {
			return t.UTC(), nil
		}
		return time.Time{}, fmt.Errorf("not a vault timestamp: %w", err)
	}
	return t, nil
}
