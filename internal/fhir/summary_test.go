package fhir

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func f64(f float64) *float64 { return &f }

const alexis = "983561b3-02dd-4227-88a7-835827bd9566"

func TestSummarizeFixtures(t *testing.T) {
	fixtureFiles(t)
	data, err := os.ReadFile(filepath.Join(fixtureDir, "family", "Alexis_Toy_68cd1181-6359-4047-a77f-a165d7912480.json"))
	if err != nil {
		t.Fatal(err)
	}
	r := NewReader(bytes.NewReader(data), DefaultLimits())
	all := readAll(t, r)
	urls := fullURLsOf(all)
	pat := "Patient/" + alexis
	enc := "Encounter/84d85421-ad41-47ff-8fe8-df69c8f78038"
	tests := []struct {
		index int
		want  Summary
	}{
		{0, Summary{PatientRef: pat, Date: "2018-06-22", Display: "Alexis Toy",
			Text: "White Not Hispanic or Latino Medical Record Number Social Security Number Toy Alexis Never Married English Alexis Toy"}},
		{3, Summary{PatientRef: pat, Date: "2018-06-23T03:19:07+00:00", DateEnd: "2018-06-23T03:34:07+00:00", Category: "AMB",
			CodeSystem: "http://snomed.info/sct", Code: "185349003", Display: "Encounter for check up", Status: "finished",
			Text: "Encounter for check up (procedure)",
			Refs: []string{pat, "Practitioner/22d56828-df1d-4739-82b9-45a3757b3a5f", "Organization/c44f361c-2efb-3050-8f97-0354a12e2920"}}},
		{4, Summary{PatientRef: pat, Date: "2018-06-23T03:19:07+00:00", Category: "vital-signs", CodeSystem: "http://loinc.org",
			Code: "8302-2", Display: "Body Height", ValueNum: f64(50.777665927406176), Unit: "cm", Status: "final",
			Text: "vital-signs Body Height", Refs: []string{pat, enc}}},
		{7, Summary{PatientRef: pat, Date: "2018-06-23T03:19:07+00:00", Category: "vital-signs", CodeSystem: "http://loinc.org",
			Code: "55284-4", Display: "Blood Pressure", ValueText: "107.8/80.2", Unit: "mm[Hg]", Status: "final",
			Text: "vital-signs Blood Pressure Diastolic Blood Pressure Systolic Blood Pressure", Refs: []string{pat, enc}}},
		{20, Summary{PatientRef: pat, Date: "2018-06-23T03:19:07+00:00", CodeSystem: "http://hl7.org/fhir/sid/cvx", Code: "08",
			Display: "Hep B, adolescent or pediatric", Status: "completed", Text: "Hep B, adolescent or pediatric", Refs: []string{pat, enc}}},
		{101, Summary{PatientRef: pat, Date: "2019-09-16T03:19:07+00:00", DateEnd: "2019-09-16T07:19:07+00:00",
			CodeSystem: "http://snomed.info/sct", Code: "241929008", Display: "Acute allergic reaction", Status: "resolved",
			Text: "Acute allergic reaction", Refs: []string{pat, "Encounter/b193c2b0-080c-48bd-9bf4-d1dae8ad15ea"}}},
		{112, Summary{PatientRef: pat, Date: "2019-09-30T03:19:07+00:00", Category: "food", CodeSystem: "http://snomed.info/sct",
			Code: "419474003", Display: "Allergy to mould", Status: "active", Text: "Allergy to mould", Refs: []string{pat}}},
	}
	for _, tc := range tests {
		res := all[tc.index]
		got := Summarize(res, urls.Resolve)
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s %d:\n got %+v\nwant %+v", res.Type, tc.index, got, tc.want)
		}
		if got.ValueNum != nil && *got.ValueNum != *tc.want.ValueNum {
			t.Errorf("value %v", *got.ValueNum)
		}
	}
	lab := findLab(all)
	if lab < 0 {
		t.Fatal("no laboratory observation in fixture")
	}
	s := Summarize(all[lab], urls.Resolve)
	if s.Category != "laboratory" || s.ValueNum == nil || s.Unit == "" || s.PatientRef != pat || s.Code == "" {
		t.Errorf("lab summary %+v", s)
	}
}

func findLab(all []Resource) int {
	for i, res := range all {
		if res.Type == "Observation" && bytes.Contains(res.Raw, []byte(`"laboratory"`)) && bytes.Contains(res.Raw, []byte(`valueQuantity`)) {
			return i
		}
	}
	return -1
}

func TestSummarizeAllFixtures(t *testing.T) {
	n := 0
	for _, f := range fixtureFiles(t) {
		data, _ := os.ReadFile(f)
		r := NewReader(bytes.NewReader(data), DefaultLimits())
		all := readAll(t, r)
		urls := fullURLsOf(all)
		for _, res := range all {
			s := Summarize(res, urls.Resolve)
			n++
			switch res.Type {
			case "Organization", "Practitioner":
				if s.Display == "" {
					t.Errorf("%s %d: no name", res.Type, res.Index)
				}
			default:
				if !strings.HasPrefix(s.PatientRef, "Patient/") {
					t.Errorf("%s %d: PatientRef %q", res.Type, res.Index, s.PatientRef)
				}
				if s.Date == "" && res.Type != "Goal" { // Synthea Goals carry no dates at all
					t.Errorf("%s %d: no date", res.Type, res.Index)
				}
				if s.Display == "" && res.Type != "Patient" {
					t.Errorf("%s %d: no display", res.Type, res.Index)
				}
			}
			if strings.Contains(s.Text, `":`) || strings.Contains(s.Text, "<div") {
				t.Errorf("%s %d: text looks like markup: %q", res.Type, res.Index, s.Text)
			}
		}
	}
	t.Logf("%d summaries", n)
}

func TestSummarizeOtherShapes(t *testing.T) {
	tests := []struct {
		name, raw string
		want      Summary
	}{
		{"relative refs no resolver", `{"resourceType":"Observation","id":"o1","status":"final","code":{"text":"Pulse"},"subject":{"reference":"Patient/p2"},"valueQuantity":{"value":72,"code":"/min"},"note":[{"text":"after\nrunning"}]}`,
			Summary{PatientRef: "Patient/p2", Code: "", Display: "Pulse", ValueNum: f64(72), Unit: "/min", Status: "final", Text: "Pulse after running", Refs: []string{"Patient/p2"}}},
		{"value codeable concept", `{"resourceType":"Observation","status":"final","code":{"text":"Smoking"},"valueCodeableConcept":{"coding":[{"code":"266919005","display":"Never smoker"}]},"subject":{"reference":"Group/g"}}`,
			Summary{Display: "Smoking", ValueText: "Never smoker", Status: "final", Text: "Smoking Never smoker", Refs: []string{"Group/g"}}},
		{"organization", `{"resourceType":"Organization","name":"Clinic","meta":{"lastUpdated":"2021-01-01T00:00:00Z"}}`,
			Summary{Date: "2021-01-01T00:00:00Z", Display: "Clinic", Text: "Clinic"}},
		{"generic type", `{"resourceType":"Composition","status":"final","type":{"coding":[{"system":"http://loinc.org","code":"60591-5","display":"Patient summary"}]},"subject":{"reference":"https://x/fhir/Patient/7/_history/1"},"date":"2024-05-01","section":[{"entry":[{"reference":"#c1"}]}]}`,
			Summary{PatientRef: "Patient/7", Date: "2024-05-01", CodeSystem: "http://loinc.org", Code: "60591-5", Display: "Patient summary", Status: "final", Text: "Patient summary", Refs: []string{"Patient/7", "#c1"}}},
		{"medication reference", `{"resourceType":"MedicationRequest","status":"active","medicationReference":{"reference":"Medication/m","display":"Aspirin"},"subject":{"reference":"Patient/p"},"authoredOn":"2020-02-02"}`,
			Summary{PatientRef: "Patient/p", Date: "2020-02-02", Display: "Aspirin", Status: "active", Text: "Aspirin", Refs: []string{"Medication/m", "Patient/p"}}},
		{"contained medication", `{"resourceType":"MedicationRequest","status":"active","contained":[{"resourceType":"Medication","id":"med1","code":{"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":"573621","display":"albuterol 0.09 MG/ACTUAT"}]}}],"medicationReference":{"reference":"#med1"},"subject":{"reference":"Patient/p"},"authoredOn":"2013-07-30"}`,
			Summary{PatientRef: "Patient/p", Date: "2013-07-30", CodeSystem: "http://www.nlm.nih.gov/research/umls/rxnorm", Code: "573621", Display: "albuterol 0.09 MG/ACTUAT", Status: "active", Text: "albuterol 0.09 MG/ACTUAT", Refs: []string{"#med1", "Patient/p"}}},
		{"reference range and flag", `{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"2093-3"}],"text":"Cholesterol"},"valueQuantity":{"value":241,"unit":"mg/dL"},"interpretation":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation","code":"H"}]}],"referenceRange":[{"low":{"value":125,"unit":"mg/dL"},"high":{"value":200,"unit":"mg/dL"},"text":"125-200 mg/dL"},{"high":{"value":9}}]}`,
			Summary{CodeSystem: "http://loinc.org", Code: "2093-3", Display: "Cholesterol", ValueNum: f64(241), Unit: "mg/dL", Status: "final",
				RefLow: f64(125), RefHigh: f64(200), RefText: "125-200 mg/dL", Flag: "H", Text: "Cholesterol 125-200 mg/dL"}},
		{"range without low, flag as a bare code list", `{"resourceType":"Observation","code":{"text":"Glucose"},"valueQuantity":{"value":99},"interpretation":[{"text":"normal","coding":[{"code":"N"}]}],"referenceRange":[{"high":{"value":100}}]}`,
			Summary{Display: "Glucose", ValueNum: f64(99), RefHigh: f64(100), Flag: "N", Text: "Glucose normal"}},
		{"ranges only on results", `{"resourceType":"Condition","code":{"text":"Asthma"},"referenceRange":[{"low":{"value":1}}]}`,
			Summary{Display: "Asthma", Text: "Asthma"}},
		{"garbage", `{"resourceType":`, Summary{}},
		{"not json", `hello`, Summary{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Summarize(Resource{Raw: []byte(tc.raw)}, nil)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("\n got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}
