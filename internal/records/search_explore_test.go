package records_test

import (
	"context"
	"encoding/json"
	"os"
	"testing"

	"github.com/fastenhealth/fasten-desktop/internal/records"
)

func TestSearchExplore(t *testing.T) {
	if os.Getenv("EXPLORE") == "" {
		t.Skip()
	}
	ctx := context.Background()
	s, _ := openStore(t)
	if _, err := s.Import(ctx, fixtureFiles(t, "family"), records.ImportOptions{AutoCreatePeople: true}, nil); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"cholestrol", "diabetis", "hemoglobn", "flu shot", "sugar", "a1c", "bp", "shots", "2093-3", "\"NEAR(", "medicare"} {
		r, err := s.SearchRecords(ctx, records.SearchQuery{Text: q, Limit: 2})
		if err != nil {
			t.Fatal(q, err)
		}
		b, _ := json.Marshal(r)
		if len(b) > 1500 {
			b = b[:1500]
		}
		t.Logf("%s: total %d hidden %d\n%s", q, r.Total, r.InsuranceHidden, b)
	}
}
