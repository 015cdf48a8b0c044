package records_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fastenhealth/fasten-desktop/internal/records"
)

func TestConvertUnitExactOnly(t *testing.T) {
	for _, c := range []struct {
		v         float64
		from, to  string
		loinc     string
		want      float64
		ok        bool
		what      string
		tolerance float64
	}{
		{1, "[lb_av]", "kg", "29463-7", 0.45359237, true, "pound by definition", 0},
		{70, "kg", "[lb_av]", "29463-7", 70 / 0.45359237, true, "kg to lb", 1e-9},
		{10, "[in_i]", "cm", "8302-2", 25.4, true, "inch by definition", 1e-12},
		{180, "cm", "in", "8302-2", 180 / 2.54, true, "aliases: in", 1e-9},
		{37, "Cel", "[degF]", "8310-5", 98.6, true, "°C to °F", 1e-9},
		{212, "°F", "Cel", "8310-5", 100, true, "°F to °C", 1e-9},
		{180.156, "mg/dL", "mmol/L", "2345-7", 10, true, "glucose by its molar mass", 1e-9},
		{5.5, "mmol/L", "mg/dL", "2339-0", 5.5 * 18.0156, true, "glucose back", 1e-9},
		{386.65, "mg/dL", "mmol/L", "2093-3", 10, true, "cholesterol by its molar mass", 1e-9},
		{1, "mg/dL", "umol/L", "2160-0", 10000 / 113.12, true, "creatinine to µmol/L", 1e-9},
		{2, "mmol/L", "umol/L", "2947-0", 2000, true, "mmol to µmol whatever the analyte", 1e-9},
		{150, "mg/dL", "mmol/L", "2571-8", 0, false, "triglycerides: no molar mass listed", 0},
		{10, "mg/dL", "mmol/L", "", 0, false, "no code: no molar mass", 0},
		{70, "kg", "cm", "29463-7", 0, false, "mass is not length", 0},
		{1, "g/dL", "mg/dL", "718-7", 0, false, "a unit not listed is not guessed", 0},
		{5, "[IU]/L", "ug/L", "", 0, false, "IU never converts", 0},
	} {
		got, ok := records.ConvertUnit(c.v, c.from, c.to, c.loinc)
		if ok != c.ok || (ok && math.Abs(got-c.want) > c.tolerance) {
			t.Errorf("%s: %v %s → %s = %v, %v; want %v, %v", c.what, c.v, c.from, c.to, got, ok, c.want, c.ok)
		}
	}
	if m, ok := records.MolarMassOf("2345-7"); !ok || m.Source == "" {
		t.Errorf("glucose molar mass %+v without its source", m)
	}
}

// fixtureCount counts a fixture's Observations of one LOINC code.
func fixtureCount(t *testing.T, file, code string) int {
	t.Helper()
	n := 0
	for _, r := range readFixture(t, file) {
		if r.ResourceType == "Observation" && len(r.Code.Coding) > 0 && r.Code.Coding[0].Code == code {
			n++
		}
	}
	return n
}

func fileOf(t *testing.T, files []string, given string) string {
	t.Helper()
	for _, f := range files {
		if strings.HasPrefix(filepath.Base(f), given+"_") {
			return f
		}
	}
	t.Fatalf("no fixture for %s", given)
	return ""
}

func seriesOf(t *testing.T, l records.Labs, key string) records.LabSeries {
	t.Helper()
	var found []records.LabSeries
	for _, s := range l.Series {
		if s.Key == key {
			found = append(found, s)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d series %s, want 1 among %d", len(found), key, len(l.Series))
	}
	return found[0]
}

// On the fixtures: a test's series holds every measurement, oldest first,
// in its unit; blood pressure is systolic and diastolic together; a child's
// growth carries their age; the picker lists vitals and results with their
// counts and latest values.
func TestLabsOnFixtures(t *testing.T) {
	ctx := context.Background()
	s, byFile, files := familyStore(t)
	neva := byFile[fileOf(t, files, "Neva")]
	l, err := s.Labs(ctx, neva.ID, records.LabsQuery{Code: "2093-3"})
	if err != nil {
		t.Fatal(err)
	}
	chol := seriesOf(t, l, "loinc:2093-3")
	if want := fixtureCount(t, fileOf(t, files, "Neva"), "2093-3"); len(chol.Points) != want || want == 0 {
		t.Fatalf("cholesterol: %d points, fixture has %d", len(chol.Points), want)
	}
	if chol.Unit != "mg/dL" || chol.Kind != "lab" || chol.System != "http://loinc.org" || chol.Converted || l.BirthDate != "1970-05-28" {
		t.Errorf("cholesterol series %+v (birth %q)", chol, l.BirthDate)
	}
	for i, p := range chol.Points {
		if p.Value == nil || p.Unit != "mg/dL" || len(p.Sources) != 1 || p.Sources[0].Record == 0 || p.Sources[0].Source == "" {
			t.Fatalf("point %d: %+v", i, p)
		}
		if i > 0 && p.Date < chol.Points[i-1].Date {
			t.Fatalf("points out of order at %d", i)
		}
	}

	bp, err := s.Labs(ctx, neva.ID, records.LabsQuery{Code: "loinc:55284-4"})
	if err != nil {
		t.Fatal(err)
	}
	pressure := seriesOf(t, bp, "loinc:55284-4")
	if !pressure.Pair || pressure.Kind != "vital" || pressure.Unit != "mm[Hg]" || len(pressure.Points) == 0 {
		t.Fatalf("blood pressure %+v", pressure)
	}
	for _, p := range pressure.Points {
		if p.Value == nil || p.Value2 == nil || *p.Value <= *p.Value2 {
			t.Fatalf("blood pressure point %+v: want systolic above diastolic", p)
		}
	}

	// Alexis was born in 2018: her height is growth, against her age.
	alexis := byFile[fileOf(t, files, "Alexis")]
	hl, err := s.Labs(ctx, alexis.ID, records.LabsQuery{Code: "8302-2"})
	if err != nil {
		t.Fatal(err)
	}
	height := seriesOf(t, hl, "loinc:8302-2")
	if !height.Growth || height.Kind != "vital" {
		t.Errorf("height %+v", height)
	}
	for i, p := range height.Points {
		if p.Age == nil || *p.Age < 0 || *p.Age > 10 || (i > 0 && *p.Age < *height.Points[i-1].Age) {
			t.Fatalf("height point %d age %v", i, p.Age)
		}
	}

	// The picker says what the series say, for everyone: the list is an
	// aggregate, not the points, and must agree with them.
	for _, f := range files {
		p := byFile[f]
		list, err := s.LabList(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		all, err := s.Labs(ctx, p.ID, records.LabsQuery{})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != len(all.Series) || len(list) < 5 {
			t.Fatalf("%s: list %d series, all %d", p.Name, len(list), len(all.Series))
		}
		vitals := true
		for i, info := range list {
			sr := all.Series[i]
			if info.Kind == "lab" {
				vitals = false
			} else if !vitals {
				t.Fatalf("vital %q listed after results", info.Display)
			}
			last := sr.Points[len(sr.Points)-1]
			if info.Key != sr.Key || info.Display != sr.Display || info.Unit != sr.Unit || info.Kind != sr.Kind || info.Count != len(sr.Points) ||
				info.Latest.Date != last.Date || num(info.Latest.Value) != num(last.Value) || info.Latest.Sources[0].Source == "" {
				t.Errorf("%s: list %s %q %s %s ×%d latest %s; series %s %q %s %s ×%d latest %s", p.Name, info.Key, info.Display, info.Unit, info.Kind, info.Count, info.Latest.Date,
					sr.Key, sr.Display, sr.Unit, sr.Kind, len(sr.Points), last.Date)
			}
			last.Age = nil // the picker draws nothing against age
			if a, b := mustJSON(t, info.Latest), mustJSON(t, last); a != b {
				t.Errorf("%s %s: latest in the list %s, in the series %s", p.Name, info.Key, a, b)
			}
			if info.Key == "loinc:72166-2" {
				t.Error("smoking status (words only) is not a trend")
			}
		}
	}
}

// A person imported twice, from two providers (every id changed, a portal
// source): each measurement is one point listing both sources.
func TestLabsTwoProvidersOnePoint(t *testing.T) {
	ctx := context.Background()
	s, v := openStore(t)
	file := fileOf(t, fixtureFiles(t, "family"), "Neva")
	person := importNewPerson(t, s, file).ID
	before, err := s.LabList(ctx, person)
	if err != nil {
		t.Fatal(err)
	}
	importFromSecondProvider(t, s, v, file, person)
	after, err := s.LabList(ctx, person)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(len(before)) != fmt.Sprint(len(after)) {
		t.Fatalf("%d series before, %d after", len(before), len(after))
	}
	all, err := s.Labs(ctx, person, records.LabsQuery{})
	if err != nil || len(all.Series) != len(after) {
		t.Fatalf("labs: %v, %d series, list %d", err, len(all.Series), len(after))
	}
	for i := range before {
		if before[i].Key != after[i].Key || before[i].Count != after[i].Count {
			t.Errorf("%s: %d measurements before, %s %d after", before[i].Display, before[i].Count, after[i].Key, after[i].Count)
		}
		// The list folds the copies in SQL; its latest point still lists
		// both records, as the series does.
		sr := all.Series[i]
		last := sr.Points[len(sr.Points)-1]
		last.Age = nil
		if a, b := mustJSON(t, after[i].Latest), mustJSON(t, last); a != b || len(after[i].Latest.Sources) != 2 {
			t.Errorf("%s: latest in the list %s, in the series %s", after[i].Key, a, b)
		}
	}
	for _, code := range []string{"2093-3", "55284-4", "29463-7"} {
		l, err := s.Labs(ctx, person, records.LabsQuery{Code: code})
		if err != nil {
			t.Fatal(err)
		}
		sr := seriesOf(t, l, "loinc:"+code)
		if want := fixtureCount(t, file, code); len(sr.Points) != want {
			t.Errorf("%s: %d points, want %d", code, len(sr.Points), want)
		}
		for _, p := range sr.Points {
			if len(p.Sources) != 2 || p.Sources[0].Record == p.Sources[1].Record || p.Sources[0].Source == p.Sources[1].Source {
				t.Fatalf("%s point %s: sources %+v, want two records from two sources", code, p.Date, p.Sources)
			}
		}
	}
}

func obs(id, system, code, display, when string, value float64, unit string, extra string) string {
	return fmt.Sprintf(`{"resourceType":"Observation","id":%q,"status":"final","category":[{"coding":[{"code":"laboratory"}]}],"code":{"coding":[{"system":%q,"code":%q,"display":%q}]},"subject":{"reference":"urn:uuid:p1"},"effectiveDateTime":%q,"valueQuantity":{"value":%v,"unit":%q}%s}`,
		id, system, code, display, when, value, unit, extra)
}

// Grouping and units on crafted results: a result without LOINC joins the
// LOINC test of the same name (and converts into its unit exactly, saying
// so) or makes a series by name; near misses (an hour later, another
// value) stay two points; units that do not convert are two series; each
// point carries its own range and flag.
func TestLabsGroupingUnitsAndNearMisses(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	const loinc, local = "http://loinc.org", "http://example.org/lab-codes"
	rng := `,"referenceRange":[{"low":{"value":70},"high":{"value":99}}]`
	path := writeBundle(t, "labs.json",
		`{"resourceType":"Patient","id":"p1","name":[{"given":["Trend"],"family":"Test"}],"birthDate":"1980-01-01"}`,
		obs("g1", loinc, "2345-7", "Glucose [Mass/volume] in Serum or Plasma", "2020-01-01T08:00:00Z", 120, "mg/dL", rng),
		obs("g2", loinc, "2345-7", "Glucose [Mass/volume] in Serum or Plasma", "2020-01-01T09:00:00Z", 120, "mg/dL", rng),                                         // an hour later
		obs("g3", loinc, "2345-7", "Glucose [Mass/volume] in Serum or Plasma", "2020-01-01T08:00:00Z", 121, "mg/dL", rng),                                         // same time, another value
		obs("g4", local, "GLU", "GLUCOSE [MASS/VOLUME] IN SERUM OR PLASMA", "2021-06-01T08:00:00Z", 5, "mmol/L", `,"interpretation":[{"coding":[{"code":"N"}]}]`), // no LOINC, another unit
		obs("g5", local, "2345-7", "Glucose [Mass/volume] in Serum or Plasma", "2022-01-01T08:00:00Z", 110, "mg/dL", ""),                                          // a local code equal to the LOINC one
		obs("v1", local, "VITD", "Vitamin D, 25-hydroxy", "2020-02-01", 30, "ng/mL", ""),
		obs("v2", local, "VD25", "vitamin d 25 hydroxy", "2021-02-01", 75, "nmol/L", ""),
		obs("v3", local, "VD25", "Vitamin D 25-Hydroxy", "2022-02-01", 80, "nmol/L", ""),
	)
	rep, err := s.Import(ctx, []string{path}, records.ImportOptions{AutoCreatePeople: true}, nil)
	if err != nil || len(rep.NewPeople) != 1 {
		t.Fatalf("%v %+v", err, rep)
	}
	person := rep.NewPeople[0].ID

	l, err := s.Labs(ctx, person, records.LabsQuery{Code: "2345-7"})
	if err != nil {
		t.Fatal(err)
	}
	g := seriesOf(t, l, "loinc:2345-7")
	if len(g.Points) != 5 || g.Unit != "mg/dL" || !g.Converted || g.Display != "Glucose [Mass/volume] in Serum or Plasma" {
		t.Fatalf("glucose %q: %d points in %s (converted %v), want 5 in mg/dL converted", g.Display, len(g.Points), g.Unit, g.Converted)
	}
	if p := g.Points[4]; len(p.Sources) != 1 || *p.Value != 110 {
		t.Errorf("a local code equal to the LOINC one: %+v, want one source", p)
	}
	for i, p := range g.Points[:3] {
		if p.From != nil || p.Flag != "H" || !p.Abnormal || p.Low == nil || *p.Low != 70 || *p.High != 99 || len(p.Sources) != 1 {
			t.Errorf("glucose point %d: %+v", i, p)
		}
	}
	last := g.Points[3]
	if last.From == nil || last.From.Unit != "mmol/L" || last.From.Value != 5 || math.Abs(*last.Value-5*18.0156) > 1e-9 || last.Flag != "N" || last.Abnormal || last.Unit != "mg/dL" {
		t.Errorf("converted point %+v (from %+v)", last, last.From)
	}

	all, err := s.Labs(ctx, person, records.LabsQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var vitD []records.LabSeries
	for _, sr := range all.Series {
		if sr.Key == "text:vitamin d 25 hydroxy" {
			vitD = append(vitD, sr)
		}
	}
	// ng/mL and nmol/L of vitamin D: no molar mass listed, two axes.
	if len(vitD) != 2 || vitD[0].Code != "" || vitD[0].Unit != "nmol/L" || len(vitD[0].Points) != 2 || vitD[1].Unit != "ng/mL" || len(vitD[1].Points) != 1 {
		t.Fatalf("vitamin D series: %+v", vitD)
	}
	if len(all.Series) != 3 {
		t.Errorf("%d series, want glucose and vitamin D in two units", len(all.Series))
	}
	// The picker's aggregate agrees: glucose joined and converted, vitamin D
	// by name in two units.
	list, err := s.LabList(ctx, person)
	if err != nil || len(list) != len(all.Series) {
		t.Fatalf("list: %v, %d series, want %d", err, len(list), len(all.Series))
	}
	for i, info := range list {
		sr := all.Series[i]
		if info.Key != sr.Key || info.Unit != sr.Unit || info.Count != len(sr.Points) || info.Display != sr.Display {
			t.Errorf("list %s %s ×%d %q; series %s %s ×%d %q", info.Key, info.Unit, info.Count, info.Display, sr.Key, sr.Unit, len(sr.Points), sr.Display)
		}
		if a, b := mustJSON(t, info.Latest), mustJSON(t, sr.Points[len(sr.Points)-1]); a != b {
			t.Errorf("%s: latest in the list %s, in the series %s", info.Key, a, b)
		}
	}
	one, err := s.Labs(ctx, person, records.LabsQuery{Code: "text:vitamin d 25 hydroxy"})
	if err != nil || len(one.Series) != 2 {
		t.Fatalf("by name: %v %+v", err, one.Series)
	}
}

// num prints a value, not its pointer.
func num(v *float64) string {
	if v == nil {
		return "none"
	}
	return fmt.Sprint(*v)
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The picker (folded in SQL) and the series (read whole) agree where the
// fold could go wrong: LOINC codings without a code (each groups by its own
// name), and copies of one result at the same minute as another result
// (the latest point is the same one).
func TestLabListAgreesWithLabsOnEdgeCases(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	noCode := func(id, display, when string, v float64) string {
		return fmt.Sprintf(`{"resourceType":"Observation","id":%q,"status":"final","code":{"coding":[{"system":"http://loinc.org","display":%q}]},"subject":{"reference":"urn:uuid:p1"},"effectiveDateTime":%q,"valueQuantity":{"value":%v,"unit":"mg/dL"}}`, id, display, when, v)
	}
	cat := func(c string) string {
		if c == "" {
			return ""
		}
		return `,"category":[{"coding":[{"code":"` + c + `"}]}]`
	}
	coded := func(id, category, when string, v float64) string {
		return fmt.Sprintf(`{"resourceType":"Observation","id":%q,"status":"final"%s,"code":{"coding":[{"system":"http://loinc.org","code":"2345-7","display":"Glucose"}]},"subject":{"reference":"urn:uuid:p1"},"effectiveDateTime":%q,"valueQuantity":{"value":%v,"unit":"mg/dL"}}`, id, cat(category), when, v)
	}
	path := writeBundle(t, "edge.json",
		`{"resourceType":"Patient","id":"p1","name":[{"given":["Edge"],"family":"Case"}],"birthDate":"1980-01-01"}`,
		noCode("u1", "Glucose", "2020-01-01T08:00:00Z", 100),
		noCode("u2", "Glucose", "2021-01-01T08:00:00Z", 101),
		noCode("u3", "Calcium", "2022-01-01T08:00:00Z", 9.5),
		coded("a1", "vital-signs", "2023-01-01T08:00:00Z", 90),
		coded("a2", "", "2023-01-01T08:00:00Z", 90),
		coded("b", "laboratory", "2023-01-01T08:00:00Z", 95),
	)
	person := importNewPerson(t, s, path).ID
	all, err := s.Labs(ctx, person, records.LabsQuery{})
	if err != nil {
		t.Fatal(err)
	}
	list, err := s.LabList(ctx, person)
	if err != nil {
		t.Fatal(err)
	}
	var a, b []string
	for _, sr := range all.Series {
		last := sr.Points[len(sr.Points)-1]
		a = append(a, fmt.Sprintf("%s %q ×%d %s", sr.Key, sr.Display, len(sr.Points), mustJSON(t, last)))
	}
	for _, info := range list {
		b = append(b, fmt.Sprintf("%s %q ×%d %s", info.Key, info.Display, info.Count, mustJSON(t, info.Latest)))
	}
	if strings.Join(a, "\n") != strings.Join(b, "\n") || len(a) != 2 {
		t.Fatalf("series:\n%s\nlist:\n%s", strings.Join(a, "\n"), strings.Join(b, "\n"))
	}
}
