package applehealth_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"strings"
	"testing"

	"github.com/fastenhealth/fasten-desktop/internal/applehealth"
	"github.com/fastenhealth/fasten-desktop/internal/applehealth/applehealthtest"
	"github.com/fastenhealth/fasten-desktop/internal/fhir"
)

const ccdPath = "../../../shared/fixtures/ccda/Documents/CCD/CCD 1/CCD.XML"

func writeZip(t testing.TB, opts applehealthtest.Options) ([]byte, applehealthtest.Stats) {
	t.Helper()
	var buf bytes.Buffer
	st, err := applehealthtest.WriteExport(&buf, opts)
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), st
}

func open(t testing.TB, data []byte) *applehealth.Export {
	t.Helper()
	e, err := applehealth.Open(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// readPart reads a part's whole stream.
func readPart(t testing.TB, p applehealth.Part) []byte {
	t.Helper()
	rc, err := p.Open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// resources reads a Bundle with the import's own reader.
func resources(t testing.TB, bundle []byte) []fhir.Resource {
	t.Helper()
	r := fhir.NewReader(bytes.NewReader(bundle), fhir.DefaultLimits())
	var out []fhir.Resource
	for {
		res, err := r.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, res)
	}
}

type obs struct {
	ResourceType string
	ID           string
	Meta         struct{ Profile []string }
	Category     []struct{ Coding []struct{ Code string } }
	Code         struct {
		Coding []struct{ System, Code string }
	}
	Subject           struct{ Reference string }
	EffectiveDateTime string
	EffectivePeriod   *struct{ Start, End string }
	ValueQuantity     *struct {
		Value        float64
		Unit, System string
		Code         string
	}
	Component []struct {
		Code struct {
			Coding []struct{ System, Code string }
		}
		ValueQuantity struct {
			Value float64
			Code  string
		}
	}
	Note   []struct{ Text string }
	Device *struct{ Display string }
	// Patient
	Name []struct {
		Family string
		Given  []string
	}
	Gender, BirthDate string
}

func decode(t testing.TB, raw []byte) obs {
	t.Helper()
	var o obs
	if err := json.Unmarshal(raw, &o); err != nil {
		t.Fatal(err)
	}
	return o
}

// Every part of a generated export: the samples' counts per type match what
// the generator wrote, every resource is valid FHIR R4 for the project's
// validator, and what is not imported is counted per type.
func TestExportPartsCountsAndValidity(t *testing.T) {
	data, st := writeZip(t, applehealthtest.Options{Days: 6, Clinical: true, MissingClinical: true, CDA: ccdPath})
	if !applehealth.Sniff(data[:4096]) {
		t.Fatal("Sniff refused the export.zip")
	}
	parts := open(t, data).Parts()
	if len(parts) != 4 {
		t.Fatalf("%d parts, want samples, two providers and CDA", len(parts))
	}
	want := []struct {
		kind              applehealth.PartKind
		label, url, fhirV string
	}{
		{applehealth.Samples, "Apple Health", "", ""},
		{applehealth.ClinicalRecords, applehealthtest.HospitalName, applehealthtest.HospitalURL, "4.0.1"},
		{applehealth.ClinicalRecords, applehealthtest.ClinicName, applehealthtest.ClinicURL, "1.0.2"},
		{applehealth.CDA, "Apple Health", "", ""},
	}
	for i, w := range want {
		p := parts[i]
		if p.Kind != w.kind || p.Label != w.label || p.URL != w.url || p.FHIRVersion != w.fhirV || p.Size <= 0 {
			t.Fatalf("part %d: %v %q %q %q size %d, want %+v", i, p.Kind, p.Label, p.URL, p.FHIRVersion, p.Size, w)
		}
	}
	if parts[0].Size != st.XMLBytes {
		t.Fatalf("samples size %d, export.xml is %d bytes", parts[0].Size, st.XMLBytes)
	}

	samples := readPart(t, parts[0])
	if got := parts[0].Read(); got != st.XMLBytes {
		t.Fatalf("progress %d of %d bytes at the end", got, st.XMLBytes)
	}
	res := resources(t, samples)
	v, err := fhir.NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	byCode := map[string]int{}
	ids := map[string]bool{}
	for _, r := range res {
		if inv := v.Validate(r); inv != nil {
			t.Fatalf("%s %s not valid R4: %v", r.Type, r.ID, inv)
		}
		if ids[r.Type+"/"+r.ID] {
			t.Fatalf("id %s/%s twice", r.Type, r.ID)
		}
		ids[r.Type+"/"+r.ID] = true
		o := decode(t, r.Raw)
		if r.Type == "Observation" {
			byCode[o.Code.Coding[0].Code]++
			if o.Subject.Reference != "Patient/"+res[0].ID {
				t.Fatalf("observation subject %q", o.Subject.Reference)
			}
		}
	}
	if res[0].Type != "Patient" {
		t.Fatalf("first resource %s, want the owner's Patient", res[0].Type)
	}
	p := decode(t, res[0].Raw)
	if p.Gender != "female" || p.BirthDate != applehealthtest.ExportDOB || len(p.Name) != 1 || p.Name[0].Family != "Doe" || strings.Join(p.Name[0].Given, " ") != "Jane Q" {
		t.Fatalf("patient: %+v", p)
	}
	if len(res)-1 != st.Observations() {
		t.Fatalf("%d observations, want %d", len(res)-1, st.Observations())
	}
	wantCodes := map[string]int{
		"29463-7": st.Records["HKQuantityTypeIdentifierBodyMass"],
		"8302-2":  st.Records["HKQuantityTypeIdentifierHeight"],
		"39156-5": st.Records["HKQuantityTypeIdentifierBodyMassIndex"],
		"40443-4": st.Records["HKQuantityTypeIdentifierRestingHeartRate"],
		"59408-5": st.Records["HKQuantityTypeIdentifierOxygenSaturation"],
		"8310-5":  st.Records["HKQuantityTypeIdentifierBodyTemperature"],
		"9279-1":  st.Records["HKQuantityTypeIdentifierRespiratoryRate"],
		"2339-0":  st.Records["HKQuantityTypeIdentifierBloodGlucose"],
		"85354-9": st.Correlations + st.OrphanBP,
		"8867-4":  st.HeartRateDays,
		"55423-8": st.StepDays,
		"93832-4": st.SleepNights,
	}
	for code, n := range wantCodes {
		if n == 0 || byCode[code] != n {
			t.Errorf("LOINC %s: %d observations, want %d", code, byCode[code], n)
		}
	}
	// What is not imported is counted per type, never dropped silently.
	probs := map[string]int{}
	for _, pr := range parts[0].Problems() {
		probs[pr.Item] += pr.Count
	}
	for item, n := range st.Skipped {
		if probs[item] != n {
			t.Errorf("problems: %s counted %d, want %d", item, probs[item], n)
		}
	}
	if len(probs) != len(st.Skipped) {
		t.Errorf("problems %v, want only %v", probs, st.Skipped)
	}

	// The CDA part is export_cda.xml's bytes.
	cda := readPart(t, parts[3])
	if !bytes.HasPrefix(bytes.TrimSpace(cda), []byte("<?xml")) || int64(len(cda)) != parts[3].Size {
		t.Fatalf("CDA part: %d bytes of %d", len(cda), parts[3].Size)
	}
}

// Clinical records reach their provider's Bundle byte for byte, in
// export.xml's order; one listed without its file is reported by name.
func TestClinicalRecordsBytesUnchanged(t *testing.T) {
	data, st := writeZip(t, applehealthtest.Options{Days: 1, Clinical: true, MissingClinical: true})
	parts := open(t, data).Parts()
	hospital := resources(t, readPart(t, parts[1]))
	clinic := resources(t, readPart(t, parts[2]))
	// The clinic sent no Patient (Apple exports none): its records' patient
	// is written as the phone's owner, in the clinic's release (DSTU2), and
	// marked as Fasten's.
	if len(hospital) != 2 || hospital[0].Type != "Observation" || hospital[1].Type != "Patient" || len(clinic) != 2 || clinic[0].Type != "Condition" ||
		clinic[1].Type != "Patient" || clinic[1].ID != "p7" {
		t.Fatalf("hospital %d, clinic %d resources", len(hospital), len(clinic))
	}
	var owner struct {
		BirthDate string
		Name      []struct {
			Family []string
			Given  []string
		}
		Meta struct {
			Tag []struct{ System, Code string }
		}
	}
	if err := json.Unmarshal(clinic[1].Raw, &owner); err != nil || owner.BirthDate == "" || len(owner.Name) != 1 || len(owner.Name[0].Family) != 1 ||
		len(owner.Meta.Tag) != 1 || owner.Meta.Tag[0].Code != "owner" {
		t.Fatalf("the clinic's patient: %s %v", clinic[1].Raw, err)
	}
	for _, c := range []struct {
		r    fhir.Resource
		file string
	}{{hospital[0], "Observation-eHbA1c1.json"}, {hospital[1], "Patient-eJane1.json"}, {clinic[0], "Condition-c42.json"}} {
		want := st.ClinicalFiles["apple_health_export/clinical-records/"+c.file]
		// The reader's Raw is the resource object; the file's trailing
		// newline is white space between tokens.
		if !bytes.Equal(c.r.Raw, bytes.TrimRight(want, "\n")) {
			t.Fatalf("%s changed on its way through the Bundle", c.file)
		}
	}
	probs := parts[1].Problems()
	if len(probs) != 1 || probs[0].Item != "/clinical-records/MedicationRequest-gone.json" || probs[0].Count != 1 {
		t.Fatalf("hospital problems: %+v", probs)
	}
	if len(parts[2].Problems()) != 0 {
		t.Fatalf("clinic problems: %+v", parts[2].Problems())
	}
}

func byID(t testing.TB, bundle []byte) map[string][]byte {
	out := map[string][]byte{}
	for _, r := range resources(t, bundle) {
		out[r.Type+"/"+r.ID] = r.Raw
	}
	return out
}

// Two runs over one export give the same bytes; a newer export (more days)
// gives every resource of the older one unchanged, and new ones for the new
// days only.
func TestDeterministicAndIdempotent(t *testing.T) {
	older, _ := writeZip(t, applehealthtest.Options{Days: 4, Clinical: true})
	a := readPart(t, open(t, older).Parts()[0])
	b := readPart(t, open(t, older).Parts()[0])
	if !bytes.Equal(a, b) {
		t.Fatal("two runs over the same export differ")
	}
	newer, _ := writeZip(t, applehealthtest.Options{Days: 6, Clinical: true})
	oldRes, newRes := byID(t, a), byID(t, readPart(t, open(t, newer).Parts()[0]))
	for id, raw := range oldRes {
		if !bytes.Equal(newRes[id], raw) {
			t.Fatalf("%s differs in the newer export", id)
		}
	}
	if len(newRes) <= len(oldRes) {
		t.Fatalf("newer export: %d resources, older %d", len(newRes), len(oldRes))
	}
}

// The daily summaries: heart rate's lowest, mean and highest; steps the
// larger source's total (phone and watch count the same walks); sleep the
// hours asleep in the night ending that day.
func TestDailySummaries(t *testing.T) {
	const perDay = 48
	data, st := writeZip(t, applehealthtest.Options{Days: 3, HeartRatePerDay: perDay})
	res := resources(t, readPart(t, open(t, data).Parts()[0]))
	seen := map[string]int{}
	for _, r := range res[1:] {
		o := decode(t, r.Raw)
		switch code := o.Code.Coding[0].Code; code {
		case "8867-4":
			d := dayIndex(t, o.EffectiveDateTime)
			lo, hi, sum := math.MaxInt, 0, 0
			for i := 0; i < perDay; i++ {
				hr := applehealthtest.HeartRate(d, i)
				lo, hi, sum = min(lo, hr), max(hi, hr), sum+hr
			}
			mean := math.Round(float64(sum) / perDay)
			if len(o.Component) != 3 || o.Component[0].ValueQuantity.Value != float64(lo) || o.Component[1].ValueQuantity.Value != mean ||
				o.Component[2].ValueQuantity.Value != float64(hi) || o.ValueQuantity.Value != mean || o.ValueQuantity.Code != "/min" {
				t.Fatalf("heart rate day %d: %+v (want %d/%v/%d)", d, o, lo, mean, hi)
			}
			if len(o.Note) != 1 || !strings.Contains(o.Note[0].Text, "Daily summary of 48 readings") {
				t.Fatalf("heart rate note: %+v", o.Note)
			}
			seen[code]++
		case "55423-8":
			if o.ValueQuantity.Value != float64(st.DailySteps[o.EffectiveDateTime]) || o.ValueQuantity.Code != "/d" {
				t.Fatalf("steps %s: %v, want %d", o.EffectiveDateTime, o.ValueQuantity.Value, st.DailySteps[o.EffectiveDateTime])
			}
			seen[code]++
		case "93832-4":
			want := math.Round(st.Sleep[o.EffectiveDateTime]*100) / 100
			if o.ValueQuantity.Value != want || o.ValueQuantity.Code != "h" {
				t.Fatalf("sleep %s: %v h, want %v", o.EffectiveDateTime, o.ValueQuantity.Value, want)
			}
			seen[code]++
		}
	}
	if seen["8867-4"] != 3 || seen["55423-8"] != 3 || seen["93832-4"] != 3 {
		t.Fatalf("daily summaries: %v", seen)
	}
}

func dayIndex(t testing.TB, d string) int {
	switch d {
	case "2020-01-01":
		return 0
	case "2020-01-02":
		return 1
	case "2020-01-03":
		return 2
	}
	t.Fatalf("unexpected day %q", d)
	return 0
}

const head = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE HealthData [
<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation)*)>
<!ATTLIST HealthData locale CDATA #REQUIRED>
]>
<HealthData locale="en_US">
 <ExportDate value="2024-01-01 10:00:00 -0500"/>
 <Me HKCharacteristicTypeIdentifierDateOfBirth="1975-02-03" HKCharacteristicTypeIdentifierBiologicalSex="HKBiologicalSexMale"/>
`

func rec(typ, unit, value string) string {
	return ` <Record type="` + typ + `" sourceName="Scale" unit="` + strings.NewReplacer("<", "&lt;", ">", "&gt;").Replace(unit) + `" creationDate="2024-01-01 08:00:00 -0500" startDate="2024-01-01 08:00:00 -0500" endDate="2024-01-01 08:00:00 -0500" value="` + value + `"/>` + "\n"
}

// A bare export.xml (no zip): unit conversions to UCUM, one at a time.
func TestBareXMLUnitConversions(t *testing.T) {
	cases := []struct {
		typ, unit, value string
		loinc, ucum      string
		want             float64
	}{
		{"HKQuantityTypeIdentifierBodyMass", "lb", "154", "29463-7", "kg", 69.85},
		{"HKQuantityTypeIdentifierBodyMass", "kg", "70.2", "29463-7", "kg", 70.2},
		{"HKQuantityTypeIdentifierBodyMass", "g", "70200", "29463-7", "kg", 70.2},
		{"HKQuantityTypeIdentifierHeight", "ft", "5.75", "8302-2", "cm", 175.3},
		{"HKQuantityTypeIdentifierHeight", "in", "69", "8302-2", "cm", 175.3},
		{"HKQuantityTypeIdentifierHeight", "m", "1.8", "8302-2", "cm", 180},
		{"HKQuantityTypeIdentifierBodyMassIndex", "count", "22.94", "39156-5", "kg/m2", 22.9},
		{"HKQuantityTypeIdentifierOxygenSaturation", "%", "0.97", "59408-5", "%", 97},
		{"HKQuantityTypeIdentifierBodyTemperature", "degF", "98.6", "8310-5", "Cel", 37},
		{"HKQuantityTypeIdentifierBodyTemperature", "degF", "101.3", "8310-5", "Cel", 38.5},
		{"HKQuantityTypeIdentifierBodyTemperature", "degC", "36.6", "8310-5", "Cel", 36.6},
		{"HKQuantityTypeIdentifierBloodGlucose", "mmol<180.15588000005408>/L", "5.5", "2339-0", "mg/dL", 99.1},
		{"HKQuantityTypeIdentifierBloodGlucose", "mmol<180.15588000005408>/L", "10", "2339-0", "mg/dL", 180.2},
		{"HKQuantityTypeIdentifierBloodGlucose", "mg/dL", "97", "2339-0", "mg/dL", 97},
		{"HKQuantityTypeIdentifierRespiratoryRate", "count/min", "14.5", "9279-1", "/min", 14.5},
		{"HKQuantityTypeIdentifierRestingHeartRate", "count/min", "58", "40443-4", "/min", 58},
	}
	v, err := fhir.NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		doc := []byte(head + rec(c.typ, c.unit, c.value) + "</HealthData>\n")
		if !applehealth.Sniff(doc) {
			t.Fatal("Sniff refused export.xml")
		}
		parts := open(t, doc).Parts()
		if len(parts) != 1 || parts[0].Kind != applehealth.Samples {
			t.Fatalf("bare export.xml: %d parts", len(parts))
		}
		res := resources(t, readPart(t, parts[0]))
		if len(res) != 2 {
			t.Fatalf("%s %s: %d resources", c.typ, c.unit, len(res))
		}
		for _, r := range res {
			if inv := v.Validate(r); inv != nil {
				t.Fatalf("%s: %v", c.typ, inv)
			}
		}
		o := decode(t, res[1].Raw)
		if o.Code.Coding[0].Code != c.loinc || o.ValueQuantity.Code != c.ucum || o.ValueQuantity.System != "http://unitsofmeasure.org" || o.ValueQuantity.Value != c.want {
			t.Errorf("%s %s %s: got %s %v %s, want %s %v %s", c.typ, c.value, c.unit, o.Code.Coding[0].Code, o.ValueQuantity.Value, o.ValueQuantity.Code, c.loinc, c.want, c.ucum)
		}
		if o.EffectiveDateTime != "2024-01-01T08:00:00-05:00" || o.Device == nil || o.Device.Display != "Scale" {
			t.Errorf("%s: effective %q device %+v", c.typ, o.EffectiveDateTime, o.Device)
		}
		if c.loinc != "2339-0" && (len(o.Category) == 0 || o.Category[0].Coding[0].Code != "vital-signs" || len(o.Meta.Profile) == 0) {
			t.Errorf("%s: not a vital sign: %+v", c.typ, o)
		}
	}
}

// A value or unit the reader does not understand is counted per type, not
// converted wrongly and not dropped silently.
func TestUnknownUnitsCounted(t *testing.T) {
	doc := []byte(head +
		rec("HKQuantityTypeIdentifierBodyMass", "furlong", "3") +
		rec("HKQuantityTypeIdentifierOxygenSaturation", "%", "97") + // a percentage where Apple writes a fraction
		rec("HKQuantityTypeIdentifierBodyMass", "kg", "abc") +
		rec("HKQuantityTypeIdentifierVO2Max", "mL/min·kg", "40") +
		"</HealthData>\n")
	p := open(t, doc).Parts()[0]
	res := resources(t, readPart(t, p))
	if len(res) != 1 {
		t.Fatalf("%d resources, want only the Patient", len(res))
	}
	got := map[string]int{}
	for _, pr := range p.Problems() {
		got[pr.Item] += pr.Count
		if strings.Contains(pr.Reason, "97") || strings.Contains(pr.Reason, "abc") {
			t.Fatalf("a problem quotes a value: %q", pr.Reason)
		}
	}
	if got["HKQuantityTypeIdentifierBodyMass"] != 2 || got["HKQuantityTypeIdentifierOxygenSaturation"] != 1 || got["HKQuantityTypeIdentifierVO2Max"] != 1 {
		t.Fatalf("problems: %v", got)
	}
}

// The phone's language names export.xml (exportar.xml in Spanish): it is
// found by its content.
func TestLocalisedXMLName(t *testing.T) {
	data, st := writeZip(t, applehealthtest.Options{Days: 1, XMLName: "exportar.xml"})
	res := resources(t, readPart(t, open(t, data).Parts()[0]))
	if len(res)-1 != st.Observations() {
		t.Fatalf("%d observations, want %d", len(res)-1, st.Observations())
	}
}

func zipOf(t testing.TB, files map[string][]byte, method uint16) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, data := range files {
		f, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: method})
		if err != nil {
			t.Fatal(err)
		}
		f.Write(data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func openErr(data []byte) error {
	_, err := applehealth.Open(bytes.NewReader(data), int64(len(data)))
	return err
}

func samplesErr(t *testing.T, data []byte) error {
	e, err := applehealth.Open(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return err
	}
	rc, err := e.Parts()[0].Open(context.Background())
	if err != nil {
		return err
	}
	defer rc.Close()
	_, err = io.Copy(io.Discard, rc)
	return err
}

func TestRefusals(t *testing.T) {
	xmlDoc := []byte(head + rec("HKQuantityTypeIdentifierBodyMass", "kg", "70") + "</HealthData>\n")
	// A zip bomb: an entry compressing far beyond any export.
	bomb := zipOf(t, map[string][]byte{"apple_health_export/export.xml": append(append([]byte{}, xmlDoc...), make([]byte, 50<<20)...)}, zip.Deflate)
	if err := openErr(bomb); !errors.Is(err, applehealth.ErrUnsafe) {
		t.Errorf("zip bomb: %v", err)
	}
	// A name leaving its folder.
	trav := zipOf(t, map[string][]byte{"apple_health_export/export.xml": xmlDoc, "apple_health_export/../../evil.json": []byte("{}")}, zip.Deflate)
	if err := openErr(trav); !errors.Is(err, applehealth.ErrUnsafe) {
		t.Errorf("path traversal: %v", err)
	}
	abs := zipOf(t, map[string][]byte{"apple_health_export/export.xml": xmlDoc, "/etc/evil": []byte("{}")}, zip.Deflate)
	if err := openErr(abs); !errors.Is(err, applehealth.ErrUnsafe) {
		t.Errorf("absolute name: %v", err)
	}
	// Too many entries.
	old := applehealth.MaxEntries
	applehealth.MaxEntries = 3
	many := zipOf(t, map[string][]byte{"apple_health_export/export.xml": xmlDoc, "a": nil, "b": nil, "c": nil}, zip.Store)
	err := openErr(many)
	applehealth.MaxEntries = old
	if !errors.Is(err, applehealth.ErrUnsafe) {
		t.Errorf("too many entries: %v", err)
	}
	// Entity declarations, in the internal subset (billion laughs, external
	// entities), are refused; an undefined entity is malformed.
	laughs := strings.Replace(head, "]>", `<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>`, 1) + "</HealthData>"
	if err := openErr([]byte(laughs)); !errors.Is(err, applehealth.ErrUnsafe) {
		t.Errorf("entity declaration: %v", err)
	}
	external := strings.Replace(head, "]>", `<!ENTITY xxe SYSTEM "file:///etc/passwd">]>`, 1) + "</HealthData>"
	if err := openErr([]byte(external)); !errors.Is(err, applehealth.ErrUnsafe) {
		t.Errorf("external entity: %v", err)
	}
	inZip := zipOf(t, map[string][]byte{"apple_health_export/export.xml": []byte(laughs)}, zip.Deflate)
	if err := openErr(inZip); !errors.Is(err, applehealth.ErrUnsafe) {
		t.Errorf("entity declaration in a zip: %v", err)
	}
	undefined := []byte(head + strings.Replace(rec("HKQuantityTypeIdentifierBodyMass", "kg", "70"), `sourceName="Scale"`, `sourceName="&secret;"`, 1) + "</HealthData>")
	if err := samplesErr(t, undefined); !errors.Is(err, applehealth.ErrMalformed) || strings.Contains(err.Error(), "secret") {
		t.Errorf("undefined entity: %v", err)
	}
	// Not well-formed, truncated.
	if err := samplesErr(t, []byte(head+"<Record type=\"x\"></Correlation></HealthData>")); !errors.Is(err, applehealth.ErrMalformed) {
		t.Errorf("mismatched tags: %v", err)
	}
	if err := samplesErr(t, []byte(head+rec("HKQuantityTypeIdentifierBodyMass", "kg", "70"))); !errors.Is(err, applehealth.ErrMalformed) {
		t.Errorf("truncated: %v", err)
	}
	// A 2 MB "line": an attribute with no end in sight.
	long := []byte(head + `<Record type="` + strings.Repeat("A", 2<<20) + `"/></HealthData>`)
	if err := samplesErr(t, long); !errors.Is(err, applehealth.ErrTooLarge) {
		t.Errorf("long line: %v", err)
	}
	// Neither an export nor a zip of one.
	if err := openErr([]byte(`{"resourceType":"Bundle"}`)); !errors.Is(err, applehealth.ErrNotExport) {
		t.Errorf("JSON: %v", err)
	}
	other := zipOf(t, map[string][]byte{"notes/readme.xml": []byte("<root/>")}, zip.Deflate)
	if err := openErr(other); !errors.Is(err, applehealth.ErrNotExport) {
		t.Errorf("other zip: %v", err)
	}
	if err := openErr([]byte("<?xml version=\"1.0\"?><ClinicalDocument/>")); !errors.Is(err, applehealth.ErrNotExport) {
		t.Errorf("other XML: %v", err)
	}
	if err := openErr([]byte("PK\x03\x04 damaged")); !errors.Is(err, applehealth.ErrMalformed) {
		t.Errorf("damaged zip: %v", err)
	}
}

func TestSniff(t *testing.T) {
	for _, c := range []struct {
		head string
		want bool
	}{
		{"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE HealthData [\n<!ELEMENT", true},
		{"\xef\xbb\xbf<HealthData locale=\"en_US\">", true},
		{"<?xml version=\"1.0\"?>\n<!-- c -->\n<HealthData>", true},
		{"<?xml version=\"1.0\"?><ClinicalDocument xmlns=\"urn:hl7-org:v3\">", false},
		{"<HealthDataX>", false},
		{`{"resourceType":"Bundle"}`, false},
	} {
		if got := applehealth.Sniff([]byte(c.head)); got != c.want {
			t.Errorf("Sniff(%q) = %v", c.head, got)
		}
	}
	other := zipOf(t, map[string][]byte{"notes/a.xml": []byte("<a/>")}, zip.Deflate)
	if applehealth.Sniff(other) {
		t.Error("Sniff took another zip for an export")
	}
}

// A part closed early stops its producer, and a cancelled context stops it.
func TestCloseEarly(t *testing.T) {
	data, _ := writeZip(t, applehealthtest.Options{Days: 30})
	p := open(t, data).Parts()[0]
	ctx, cancel := context.WithCancel(context.Background())
	rc, err := p.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 100)
	if _, err := io.ReadFull(rc, buf); err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := io.Copy(io.Discard, rc); err == nil {
		t.Fatal("a cancelled stream ended without error")
	}
	rc.Close()
}

// Zip bombs of the other shapes: entries sharing their compressed data (the
// non-recursive bombs), and declared sizes beyond MaxTotal.
func TestZipBombShapes(t *testing.T) {
	xmlDoc := []byte(head + rec("HKQuantityTypeIdentifierBodyMass", "kg", "70") + "</HealthData>\n")
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range []string{"apple_health_export/export.xml", "apple_health_export/export_cda.xml"} {
		f, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate})
		if err != nil {
			t.Fatal(err)
		}
		f.Write(xmlDoc)
	}
	zw.Close()
	data := buf.Bytes()
	if err := openErr(data); err != nil {
		t.Fatalf("the untouched zip: %v", err)
	}
	// Point the second central directory entry at the first entry's data.
	cd := bytes.Index(data, []byte("PK\x01\x02"))
	second := cd + 4 + bytes.Index(data[cd+4:], []byte("PK\x01\x02"))
	shared := append([]byte{}, data...)
	copy(shared[second+42:second+46], []byte{0, 0, 0, 0})
	if err := openErr(shared); !errors.Is(err, applehealth.ErrUnsafe) {
		t.Errorf("entries sharing data: %v", err)
	}
	old := applehealth.MaxTotal
	applehealth.MaxTotal = int64(len(xmlDoc)) + 10
	err := openErr(data)
	applehealth.MaxTotal = old
	if !errors.Is(err, applehealth.ErrUnsafe) {
		t.Errorf("declared sizes beyond the total: %v", err)
	}
}

// The clinical records' list comes from elements, not from text that looks
// like one in a comment; their attributes are read as the samples' are
// (references, vertical tabs).
func TestClinicalListSkipsComments(t *testing.T) {
	xmlDoc := head + `<!-- <ClinicalRecord sourceName="Ghost" sourceURL="https://ghost.test/fhir" fhirVersion="4.0.1" resourceFilePath="/clinical-records/Ghost.json"/> -->
 <ClinicalRecord type="HKClinicalTypeIdentifierLabResultRecord" identifier="1" sourceName="Re&#97;l` + "\v" + `" sourceURL="https://real.test/fhir/Observation/1" fhirVersion="4.0.1" receivedDate="2024-01-01 08:00:00 -0500" resourceFilePath="/clinical-records/Observation-1.json"/>
</HealthData>`
	data := zipOf(t, map[string][]byte{
		"apple_health_export/export.xml":                          []byte(xmlDoc),
		"apple_health_export/clinical-records/Observation-1.json": []byte(`{"resourceType":"Observation","id":"1","status":"final","code":{"text":"x"}}`),
		"apple_health_export/clinical-records/Ghost.json":         []byte(`{"resourceType":"Observation","id":"g","status":"final","code":{"text":"g"}}`),
	}, zip.Deflate)
	parts := open(t, data).Parts()
	if len(parts) != 2 || parts[1].Label != "Real" || parts[1].URL != "https://real.test/fhir" {
		t.Fatalf("parts: %d", len(parts))
	}
	if res := resources(t, readPart(t, parts[1])); len(res) != 1 || res[0].ID != "1" {
		t.Fatalf("real provider: %d resources", len(res))
	}
	if probs := parts[0].Problems(); len(probs) != 0 {
		t.Fatalf("samples problems before reading: %+v", probs)
	}
	readPart(t, parts[0])
	if probs := parts[0].Problems(); len(probs) != 0 {
		t.Fatalf("samples problems: %+v", probs)
	}
}

// What real exports carry: iOS 16's DTD with an <!ATTLIST> missing its '>'
// (XML parsers refuse it; the tools reading exports skip the DTD), vertical
// tabs in values, a comment holding "]>" in the DTD, no DOCTYPE at all.
func TestRealWorldQuirks(t *testing.T) {
	weight := rec("HKQuantityTypeIdentifierBodyMass", "kg", "70")
	ios16 := `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE HealthData [
<!-- HealthKit Export Version: 12 -->
<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation|Workout|ActivitySummary|ClinicalRecord|Audiogram|VisionPrescription)*)>
<!ATTLIST HealthData
  locale CDATA #REQUIRED
>
<!ELEMENT VisionPrescription EMPTY>
<!ATTLIST VisionPrescription
  type             CDATA #REQUIRED
  dateIssued       CDATA #REQUIRED
<!-- a comment with ]> inside -->
<!ELEMENT Me EMPTY>
]>
<HealthData locale="en_US">
 <Me HKCharacteristicTypeIdentifierDateOfBirth="1975-02-03" HKCharacteristicTypeIdentifierBiologicalSex="HKBiologicalSexMale"/>
` + strings.Replace(weight, `sourceName="Scale"`, "sourceName=\"Jane\x0bs Scale\"", 1) + "</HealthData>\n"
	for name, doc := range map[string]string{
		"iOS 16 DTD, vertical tab": ios16,
		"no DOCTYPE":               "<?xml version=\"1.0\"?>\n<HealthData locale=\"en_US\">\n" + weight + "</HealthData>",
		"no declaration":           "<HealthData locale=\"en_US\">" + weight + "</HealthData>",
	} {
		p := open(t, []byte(doc)).Parts()[0]
		res := resources(t, readPart(t, p))
		if len(res) != 2 {
			t.Fatalf("%s: %d resources", name, len(res))
		}
		o := decode(t, res[1].Raw)
		if o.ValueQuantity == nil || o.ValueQuantity.Value != 70 || o.Device == nil || strings.ContainsRune(o.Device.Display, '\v') {
			t.Fatalf("%s: %+v", name, o)
		}
	}
	utf16 := strings.Replace(ios16, `encoding="UTF-8"`, `encoding="UTF-16"`, 1)
	if err := openErr([]byte(utf16)); !errors.Is(err, applehealth.ErrMalformed) {
		t.Errorf("UTF-16: %v", err)
	}
	withEntity := strings.Replace(ios16, "<!ELEMENT Me EMPTY>", `<!ENTITY a "b">`, 1)
	if err := openErr([]byte(withEntity)); !errors.Is(err, applehealth.ErrUnsafe) {
		t.Errorf("entity in a broken DTD: %v", err)
	}
}
