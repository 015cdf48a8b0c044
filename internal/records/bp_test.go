package records_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/fastenhealth/fasten-desktop/internal/records"
)

// Blood pressure sent as two results (systolic and diastolic apart, as
// C-CDA vital signs are) is one pair when taken in the same minute: it
// joins the panel's series, listing both records; a panel stating the
// same reading absorbs it; a part without its other half, or taken another
// minute, stays in its own series. The picker agrees with the series.
func TestBloodPressureSentAsTwoResultsIsOnePair(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	const loinc = "http://loinc.org"
	part := func(id, code, display, when string, v float64) string {
		return fmt.Sprintf(`{"resourceType":"Observation","id":%q,"status":"final","category":[{"coding":[{"code":"vital-signs"}]}],"code":{"coding":[{"system":%q,"code":%q,"display":%q}]},"subject":{"reference":"urn:uuid:p1"},"effectiveDateTime":%q,"valueQuantity":{"value":%v,"unit":"mm[Hg]"}}`,
			id, loinc, code, display, when, v)
	}
	panel := func(id, when string, sys, dia float64) string {
		return fmt.Sprintf(`{"resourceType":"Observation","id":%q,"status":"final","category":[{"coding":[{"code":"vital-signs"}]}],"code":{"coding":[{"system":%q,"code":"85354-9","display":"Blood pressure panel"}]},"subject":{"reference":"urn:uuid:p1"},"effectiveDateTime":%q,
"component":[{"code":{"coding":[{"system":%q,"code":"8480-6"}]},"valueQuantity":{"value":%v,"unit":"mm[Hg]"}},{"code":{"coding":[{"system":%q,"code":"8462-4"}]},"valueQuantity":{"value":%v,"unit":"mm[Hg]"}}]}`,
			id, loinc, when, loinc, sys, loinc, dia)
	}
	path := writeBundle(t, "bp.json",
		`{"resourceType":"Patient","id":"p1","name":[{"given":["Pressure"],"family":"Test"}],"birthDate":"1980-01-01"}`,
		// 2020: a panel.
		panel("bp1", "2020-01-01T08:00:00Z", 120, 80),
		// 2021: the same reading twice, as a panel and as two results (seconds apart).
		panel("bp2", "2021-01-01T08:00:00Z", 130, 85),
		part("s2", "8480-6", "Systolic blood pressure", "2021-01-01T08:00:20Z", 130),
		part("d2", "8462-4", "Diastolic blood pressure", "2021-01-01T08:00:40Z", 85),
		// 2022: only as two results, in another time zone's writing.
		part("s3", "8480-6", "Systolic blood pressure", "2022-01-01T09:00:00+01:00", 150),
		part("d3", "8462-4", "Diastolic blood pressure", "2022-01-01T08:00:00Z", 95),
		// 2023: a systolic alone, and a diastolic an hour later: no pair.
		part("s4", "8480-6", "Systolic blood pressure", "2023-01-01T08:00:00Z", 125),
		part("d4", "8462-4", "Diastolic blood pressure", "2023-01-01T09:00:00Z", 82),
	)
	rep, err := s.Import(ctx, []string{path}, records.ImportOptions{AutoCreatePeople: true}, nil)
	if err != nil || len(rep.NewPeople) != 1 {
		t.Fatalf("%v %+v", err, rep)
	}
	person := rep.NewPeople[0].ID
	for _, code := range []string{"85354-9", "8480-6"} {
		l, err := s.Labs(ctx, person, records.LabsQuery{Code: code})
		if err != nil {
			t.Fatal(err)
		}
		if len(l.Series) != 1 {
			t.Fatalf("%s: %d series", code, len(l.Series))
		}
	}
	all, err := s.Labs(ctx, person, records.LabsQuery{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, sr := range all.Series {
		for _, p := range sr.Points {
			v := num(p.Value)
			if sr.Pair {
				v += "/" + num(p.Value2)
			}
			got[sr.Key] = append(got[sr.Key], fmt.Sprintf("%s %s ×%d", p.Date[:4], v, len(p.Sources)))
		}
	}
	want := map[string][]string{
		"loinc:85354-9": {"2020 120/80 ×1", "2021 130/85 ×3", "2022 150/95 ×2"},
		"loinc:8480-6":  {"2023 125 ×1"},
		"loinc:8462-4":  {"2023 82 ×1"},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("series:\n got %v\nwant %v", got, want)
	}
	list, err := s.LabList(ctx, person)
	if err != nil || len(list) != len(all.Series) {
		t.Fatalf("list: %v %d", err, len(list))
	}
	for i, info := range list {
		sr := all.Series[i]
		last := sr.Points[len(sr.Points)-1]
		if info.Key != sr.Key || info.Count != len(sr.Points) || mustJSON(t, info.Latest) != mustJSON(t, last) {
			t.Errorf("list %s ×%d %s; series %s ×%d %s", info.Key, info.Count, mustJSON(t, info.Latest), sr.Key, len(sr.Points), mustJSON(t, last))
		}
	}
}
