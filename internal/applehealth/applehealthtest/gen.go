// Package applehealthtest writes synthetic Apple Health exports in the
// documented layout of the iPhone Health app's "Export All Health Data"
// (export.zip: apple_health_export/export.xml with its internal DTD,
// export_cda.xml, clinical-records/*.json), for tests, the benchmark and the
// browser test. Everything is deterministic: the same Options give the same
// bytes. It returns what it wrote (Stats) so tests check the reader's counts
// against the source.
package applehealthtest

import (
	"archive/zip"
	"bufio"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strings"
	"time"
)

// Options shape an export. Zero values take the defaults noted.
type Options struct {
	Start           time.Time // first day (default 2020-01-01 in a fixed -05:00 zone)
	Days            int       // days of samples (default 3; with TargetBytes, the least)
	HeartRatePerDay int       // heart rate samples a day (default 24)
	StepsPerDay     int       // step samples a day from the phone (default 12; the watch adds half as many)
	TargetBytes     int64     // keep adding days until export.xml is at least this big
	// Clinical adds health records from two providers: an R4 Patient and
	// Observation from "Example Hospital", a DSTU2 Condition from "Old Clinic".
	Clinical bool
	// MissingClinical lists one more record in export.xml with no file.
	MissingClinical bool
	// CDA is a C-CDA document's path copied as export_cda.xml ("" for none).
	CDA string
	// XMLName is export.xml's name in the zip (the phone's language changes
	// it: exportar.xml, eksport.xml…). Default "export.xml".
	XMLName string
}

// Stats is what was written.
type Stats struct {
	Records       map[string]int // top-level <Record>s per type
	Correlations  int            // blood pressure <Correlation>s
	OrphanBP      int            // blood pressure pairs written only as top-level records
	Skipped       map[string]int // elements the reader does not import (per type or element name)
	Days          int            // days with samples
	HeartRateDays int
	StepDays      int
	SleepNights   int
	// DailySteps is the expected daily total per day (the phone's, the
	// larger source).
	DailySteps map[string]int
	// Sleep is the expected hours asleep per night, by the day it ends.
	Sleep map[string]float64
	// ClinicalFiles maps each clinical-records file path in the zip to its bytes.
	ClinicalFiles map[string][]byte
	// ClinicalListed is how many <ClinicalRecord>s export.xml lists.
	ClinicalListed int
	XMLBytes       int64
}

// Observations is how many Observations the reader should make of the
// samples: one per weight, height, BMI, resting heart rate, SpO2,
// temperature, respiratory rate and glucose sample, one per blood pressure
// reading, and one per day of heart rate, steps and sleep.
func (s Stats) Observations() int {
	n := s.Correlations + s.OrphanBP + s.HeartRateDays + s.StepDays + s.SleepNights
	for _, t := range []string{"HKQuantityTypeIdentifierBodyMass", "HKQuantityTypeIdentifierHeight", "HKQuantityTypeIdentifierBodyMassIndex",
		"HKQuantityTypeIdentifierRestingHeartRate", "HKQuantityTypeIdentifierOxygenSaturation", "HKQuantityTypeIdentifierBodyTemperature",
		"HKQuantityTypeIdentifierRespiratoryRate", "HKQuantityTypeIdentifierBloodGlucose"} {
		n += s.Records[t]
	}
	return n
}

func (o *Options) defaults() {
	if o.Start.IsZero() {
		o.Start = time.Date(2020, 1, 1, 0, 0, 0, 0, time.FixedZone("EST", -5*3600))
	}
	if o.Days <= 0 {
		o.Days = 3
	}
	if o.HeartRatePerDay <= 0 {
		o.HeartRatePerDay = 24
	}
	if o.StepsPerDay <= 0 {
		o.StepsPerDay = 12
	}
	if o.XMLName == "" {
		o.XMLName = "export.xml"
	}
}

// The DTD Apple writes at the top of export.xml (abridged to the elements
// written here, same shape: <!ELEMENT> and <!ATTLIST> only).
const dtd = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE HealthData [
<!-- HealthKit Export Version: 14 -->
<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation|Workout|ActivitySummary|ClinicalRecord|Audiogram|VisionPrescription)*)>
<!ATTLIST HealthData
  locale CDATA #REQUIRED
>
<!ELEMENT ExportDate EMPTY>
<!ATTLIST ExportDate
  value CDATA #REQUIRED
>
<!ELEMENT Me EMPTY>
<!ATTLIST Me
  HKCharacteristicTypeIdentifierDateOfBirth         CDATA #REQUIRED
  HKCharacteristicTypeIdentifierBiologicalSex       CDATA #REQUIRED
  HKCharacteristicTypeIdentifierBloodType           CDATA #REQUIRED
  HKCharacteristicTypeIdentifierFitzpatrickSkinType CDATA #REQUIRED
  HKCharacteristicTypeIdentifierCardioFitnessMedicationsUse CDATA #REQUIRED
>
<!ELEMENT Record ((MetadataEntry|HeartRateVariabilityMetadataList)*)>
<!ATTLIST Record
  type          CDATA #REQUIRED
  unit          CDATA #IMPLIED
  value         CDATA #IMPLIED
  sourceName    CDATA #REQUIRED
  sourceVersion CDATA #IMPLIED
  device        CDATA #IMPLIED
  creationDate  CDATA #IMPLIED
  startDate     CDATA #REQUIRED
  endDate       CDATA #REQUIRED
>
<!-- Note: Any Records that appear as children of a correlation also appear as top-level records in this document. -->
<!ELEMENT Correlation ((MetadataEntry|Record)*)>
<!ATTLIST Correlation
  type          CDATA #REQUIRED
  sourceName    CDATA #REQUIRED
  sourceVersion CDATA #IMPLIED
  device        CDATA #IMPLIED
  creationDate  CDATA #IMPLIED
  startDate     CDATA #REQUIRED
  endDate       CDATA #REQUIRED
>
<!ELEMENT MetadataEntry EMPTY>
<!ATTLIST MetadataEntry
  key   CDATA #REQUIRED
  value CDATA #REQUIRED
>
<!ELEMENT Workout ((MetadataEntry|WorkoutEvent|WorkoutRoute|WorkoutStatistics)*)>
<!ATTLIST Workout
  workoutActivityType   CDATA #REQUIRED
  duration              CDATA #IMPLIED
  durationUnit          CDATA #IMPLIED
  sourceName            CDATA #REQUIRED
  sourceVersion         CDATA #IMPLIED
  creationDate          CDATA #IMPLIED
  startDate             CDATA #REQUIRED
  endDate               CDATA #REQUIRED
>
<!ELEMENT WorkoutStatistics EMPTY>
<!ATTLIST WorkoutStatistics
  type      CDATA #REQUIRED
  startDate CDATA #REQUIRED
  endDate   CDATA #REQUIRED
  average   CDATA #IMPLIED
  minimum   CDATA #IMPLIED
  maximum   CDATA #IMPLIED
  sum       CDATA #IMPLIED
  unit      CDATA #IMPLIED
>
<!ELEMENT ActivitySummary EMPTY>
<!ATTLIST ActivitySummary
  dateComponents           CDATA #IMPLIED
  activeEnergyBurned       CDATA #IMPLIED
  activeEnergyBurnedGoal   CDATA #IMPLIED
  activeEnergyBurnedUnit   CDATA #IMPLIED
  appleExerciseTime        CDATA #IMPLIED
  appleExerciseTimeGoal    CDATA #IMPLIED
  appleStandHours          CDATA #IMPLIED
  appleStandHoursGoal      CDATA #IMPLIED
>
<!ELEMENT ClinicalRecord EMPTY>
<!ATTLIST ClinicalRecord
  type              CDATA #REQUIRED
  identifier        CDATA #REQUIRED
  sourceName        CDATA #REQUIRED
  sourceURL         CDATA #REQUIRED
  fhirVersion       CDATA #REQUIRED
  receivedDate      CDATA #REQUIRED
  resourceFilePath  CDATA #REQUIRED
>
]>
`

const (
	phone   = "Jane’s iPhone"
	watch   = "Jane’s Apple Watch"
	dateFmt = "2006-01-02 15:04:05 -0700"
	// Apple's device attribute: escaped angle brackets, commas and colons.
	watchDevice = "&lt;&lt;HKDevice: 0x283f4a1c0&gt;, name:Apple Watch, manufacturer:Apple Inc., model:Watch, hardware:Watch6,2, software:10.1&gt;"
)

// ExportDOB and ExportSex are the <Me> characteristics written.
const (
	ExportDOB = "1980-04-12"
	ExportSex = "HKBiologicalSexFemale"
)

// Provider names and addresses of the clinical records written.
const (
	HospitalName = "Example Hospital"
	HospitalURL  = "https://fhir.example-hospital.test/api/FHIR/R4"
	ClinicName   = "Old Clinic"
	ClinicURL    = "https://ehr.old-clinic.test/fhir/dstu2"
)

type xmlWriter struct {
	w     *bufio.Writer
	n     int64
	stats *Stats
}

func (x *xmlWriter) printf(format string, a ...any) {
	n, _ := fmt.Fprintf(x.w, format, a...)
	x.n += int64(n)
}

var escaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")

func esc(s string) string { return escaper.Replace(s) }

func (x *xmlWriter) record(typ, src, unit, value string, start, end time.Time, children string) {
	x.stats.Records[typ]++
	dev := ""
	if src == watch {
		dev = ` device="` + watchDevice + `"`
	}
	unitAttr := ""
	if unit != "" {
		unitAttr = ` unit="` + esc(unit) + `"`
	}
	x.printf(` <Record type="%s" sourceName="%s" sourceVersion="17.1"%s%s creationDate="%s" startDate="%s" endDate="%s" value="%s"`,
		typ, esc(src), dev, unitAttr, end.Add(time.Minute).Format(dateFmt), start.Format(dateFmt), end.Format(dateFmt), esc(value))
	if children == "" {
		x.printf("/>\n")
		return
	}
	x.printf(">\n%s </Record>\n", children)
}

// WriteExportXML writes export.xml alone.
func WriteExportXML(w io.Writer, opts Options) (Stats, error) {
	opts.defaults()
	st := Stats{Records: map[string]int{}, Skipped: map[string]int{}, DailySteps: map[string]int{}, Sleep: map[string]float64{}, ClinicalFiles: map[string][]byte{}}
	x := &xmlWriter{w: bufio.NewWriterSize(w, 1<<20), stats: &st}
	x.printf("%s", dtd)
	x.printf(`<HealthData locale="en_US">` + "\n")
	x.printf(` <ExportDate value="%s"/>`+"\n", opts.Start.AddDate(10, 0, 0).Format(dateFmt))
	x.printf(` <Me HKCharacteristicTypeIdentifierDateOfBirth="%s" HKCharacteristicTypeIdentifierBiologicalSex="%s" HKCharacteristicTypeIdentifierBloodType="HKBloodTypeNotSet" HKCharacteristicTypeIdentifierFitzpatrickSkinType="HKFitzpatrickSkinTypeNotSet" HKCharacteristicTypeIdentifierCardioFitnessMedicationsUse="None"/>`+"\n", ExportDOB, ExportSex)
	for d := 0; d < opts.Days || x.n < opts.TargetBytes; d++ {
		writeDay(x, opts, d)
		st.Days++
	}
	if opts.Clinical {
		for _, c := range clinicalRecords(opts) {
			st.ClinicalListed++
			x.printf(` <ClinicalRecord type="%s" identifier="%s" sourceName="%s" sourceURL="%s" fhirVersion="%s" receivedDate="%s" resourceFilePath="/clinical-records/%s"/>`+"\n",
				c.hkType, c.id, esc(c.provider), esc(c.url+"/"+c.resource), c.version, opts.Start.Format(dateFmt), c.file)
			if c.body != nil {
				st.ClinicalFiles["apple_health_export/clinical-records/"+c.file] = c.body
			}
		}
	}
	x.printf("</HealthData>\n")
	st.XMLBytes = x.n
	return st, x.w.Flush()
}

func writeDay(x *xmlWriter, opts Options, d int) {
	st := x.stats
	base := opts.Start.AddDate(0, 0, d)
	at := func(h, m int) time.Time { return base.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute) }
	dayKey := base.Format("2006-01-02")
	// Sleep first: the night ending this morning (Apple sorts records by
	// type, then date; the reader must not depend on any order).
	prev := base.Add(-90 * time.Minute) // 22:30 the evening before
	x.record("HKCategoryTypeIdentifierSleepAnalysis", phone, "", "HKCategoryValueSleepAnalysisInBed", prev, at(6, 30), "")
	x.record("HKCategoryTypeIdentifierSleepAnalysis", watch, "", "HKCategoryValueSleepAnalysisAsleepCore", base.Add(-60*time.Minute), at(2, 0), "")
	x.record("HKCategoryTypeIdentifierSleepAnalysis", watch, "", "HKCategoryValueSleepAnalysisAsleepDeep", at(2, 0), at(3, 0), "")
	x.record("HKCategoryTypeIdentifierSleepAnalysis", watch, "", "HKCategoryValueSleepAnalysisAwake", at(3, 0), at(3, 10), "")
	x.record("HKCategoryTypeIdentifierSleepAnalysis", watch, "", "HKCategoryValueSleepAnalysisAsleepREM", at(3, 10), at(6, 0), "")
	st.Sleep[dayKey] = 3 + 1 + 170.0/60 // 23:00–02:00, 02:00–03:00, 03:10–06:00
	st.SleepNights++
	// Weight: kg on even days, lb on odd ones.
	if d%2 == 0 {
		x.record("HKQuantityTypeIdentifierBodyMass", phone, "kg", fmt.Sprintf("%.1f", 70+float64(d%7)/10), at(7, 0), at(7, 0), "")
	} else {
		x.record("HKQuantityTypeIdentifierBodyMass", "Withings", "lb", fmt.Sprintf("%.1f", 154+float64(d%5)/10), at(7, 0), at(7, 0), "")
	}
	if d == 0 {
		x.record("HKQuantityTypeIdentifierHeight", "Health", "ft", "5.75", at(7, 1), at(7, 1), "")
		x.record("HKQuantityTypeIdentifierBodyMassIndex", "Health", "count", "22.9", at(7, 1), at(7, 1), "")
	}
	x.record("HKQuantityTypeIdentifierRestingHeartRate", watch, "count/min", fmt.Sprint(55+d%6), base, at(23, 59), "")
	x.record("HKQuantityTypeIdentifierOxygenSaturation", watch, "%", fmt.Sprintf("%.2f", 0.95+float64(d%5)/100), at(3, 30), at(3, 30), "")
	x.record("HKQuantityTypeIdentifierOxygenSaturation", watch, "%", "0.97", at(15, 30), at(15, 30), "")
	if d%2 == 0 {
		x.record("HKQuantityTypeIdentifierBodyTemperature", phone, "degF", "98.6", at(8, 5), at(8, 5), "")
		x.record("HKQuantityTypeIdentifierBloodGlucose", "Contour", "mmol<180.15588000005408>/L", "5.5", at(8, 10), at(8, 10), "")
	} else {
		x.record("HKQuantityTypeIdentifierBodyTemperature", phone, "degC", "36.8", at(8, 5), at(8, 5), "")
		x.record("HKQuantityTypeIdentifierBloodGlucose", "Contour", "mg/dL", "97", at(8, 10), at(8, 10), "")
	}
	x.record("HKQuantityTypeIdentifierRespiratoryRate", watch, "count/min", "14.5", at(4, 0), at(4, 0), "")
	// Heart rate through the day, with the metadata Apple writes.
	step := 24 * 60 / opts.HeartRatePerDay
	for i := 0; i < opts.HeartRatePerDay; i++ {
		t := base.Add(time.Duration(i*step) * time.Minute)
		x.record("HKQuantityTypeIdentifierHeartRate", watch, "count/min", fmt.Sprint(HeartRate(d, i)), t, t,
			`  <MetadataEntry key="HKMetadataKeyHeartRateMotionContext" value="0"/>`+"\n")
	}
	st.HeartRateDays++
	// Steps from the phone, and fewer from the watch over the same walks.
	phoneTotal := 0
	stepGap := 16 * 60 / opts.StepsPerDay
	for i := 0; i < opts.StepsPerDay; i++ {
		t := at(7, 0).Add(time.Duration(i*stepGap) * time.Minute)
		n := 100 + (d*7+i*13)%400
		phoneTotal += n
		x.record("HKQuantityTypeIdentifierStepCount", phone, "count", fmt.Sprint(n), t, t.Add(5*time.Minute), "")
		if i%2 == 0 {
			x.record("HKQuantityTypeIdentifierStepCount", watch, "count", fmt.Sprint(n/2), t, t.Add(5*time.Minute), "")
		}
	}
	st.DailySteps[dayKey] = phoneTotal
	st.StepDays++
	// Blood pressure: a correlation whose records are repeated at the top
	// level, as Apple does; on the first day also a pair with no correlation.
	sys, dia := 118+d%9, 76+d%5
	x.record("HKQuantityTypeIdentifierBloodPressureSystolic", "Omron", "mmHg", fmt.Sprint(sys), at(8, 0), at(8, 0), "")
	x.record("HKQuantityTypeIdentifierBloodPressureDiastolic", "Omron", "mmHg", fmt.Sprint(dia), at(8, 0), at(8, 0), "")
	x.printf(` <Correlation type="HKCorrelationTypeIdentifierBloodPressure" sourceName="Omron" sourceVersion="7.2" creationDate="%s" startDate="%s" endDate="%s">`+"\n",
		at(8, 1).Format(dateFmt), at(8, 0).Format(dateFmt), at(8, 0).Format(dateFmt))
	x.printf(`  <MetadataEntry key="HKWasUserEntered" value="0"/>` + "\n")
	x.printf(`  <Record type="HKQuantityTypeIdentifierBloodPressureDiastolic" sourceName="Omron" sourceVersion="7.2" unit="mmHg" creationDate="%s" startDate="%s" endDate="%s" value="%d"/>`+"\n",
		at(8, 1).Format(dateFmt), at(8, 0).Format(dateFmt), at(8, 0).Format(dateFmt), dia)
	x.printf(`  <Record type="HKQuantityTypeIdentifierBloodPressureSystolic" sourceName="Omron" sourceVersion="7.2" unit="mmHg" creationDate="%s" startDate="%s" endDate="%s" value="%d"/>`+"\n",
		at(8, 1).Format(dateFmt), at(8, 0).Format(dateFmt), at(8, 0).Format(dateFmt), sys)
	x.printf(" </Correlation>\n")
	st.Correlations++
	if d == 0 {
		x.record("HKQuantityTypeIdentifierBloodPressureSystolic", phone, "mmHg", "131", at(20, 0), at(20, 0), "")
		x.record("HKQuantityTypeIdentifierBloodPressureDiastolic", phone, "mmHg", "84", at(20, 0), at(20, 0), "")
		st.OrphanBP++
	}
	// Data the reader does not import: energy, a workout, the rings.
	for i := 0; i < 3; i++ {
		x.record("HKQuantityTypeIdentifierActiveEnergyBurned", watch, "Cal", fmt.Sprintf("%.2f", 12.5+float64(i)), at(9+i, 0), at(9+i, 10), "")
		st.Skipped["HKQuantityTypeIdentifierActiveEnergyBurned"]++
	}
	x.printf(` <Workout workoutActivityType="HKWorkoutActivityTypeWalking" duration="30" durationUnit="min" sourceName="%s" creationDate="%s" startDate="%s" endDate="%s">`+"\n", esc(watch), at(18, 31).Format(dateFmt), at(18, 0).Format(dateFmt), at(18, 30).Format(dateFmt))
	x.printf(`  <WorkoutStatistics type="HKQuantityTypeIdentifierHeartRate" startDate="%s" endDate="%s" average="109" minimum="100" maximum="117" unit="count/min"/>`+"\n", at(18, 0).Format(dateFmt), at(18, 30).Format(dateFmt))
	x.printf(" </Workout>\n")
	st.Skipped["Workout"]++
	x.printf(` <ActivitySummary dateComponents="%s" activeEnergyBurned="410" activeEnergyBurnedGoal="500" activeEnergyBurnedUnit="Cal" appleExerciseTime="31" appleExerciseTimeGoal="30" appleStandHours="10" appleStandHoursGoal="12"/>`+"\n", dayKey)
	st.Skipped["ActivitySummary"]++
}

// HeartRate is the generated heart rate of sample i of day d.
func HeartRate(d, i int) int {
	return 60 + int(30*(1+math.Sin(float64(i)/3+float64(d))))/2 + (i*7+d)%11
}

type clinical struct {
	hkType, id, provider, url, version, file string
	resource                                 string // Type/id: real exports give each record's own URL
	body                                     []byte
}

// clinicalRecords are the health records: a Patient and a lab result in R4
// from one provider, a condition in DSTU2 from another. The files are
// indented and keep their own key order, so a test sees that their bytes
// reach the Bundle unchanged.
func clinicalRecords(opts Options) []clinical {
	recs := []clinical{
		{hkType: "HKClinicalTypeIdentifierLabResultRecord", id: "lab-1", provider: HospitalName, url: HospitalURL, version: "4.0.1", file: "Observation-eHbA1c1.json", resource: "Observation/eHbA1c1", body: []byte(`{
  "resourceType" : "Observation",
  "id" : "eHbA1c1",
  "status" : "final",
  "category" : [ { "coding" : [ { "system" : "http://terminology.hl7.org/CodeSystem/observation-category", "code" : "laboratory" } ] } ],
  "code" : { "coding" : [ { "system" : "http://loinc.org", "code" : "4548-4", "display" : "Hemoglobin A1c/Hemoglobin.total in Blood" } ], "text" : "HbA1c" },
  "subject" : { "reference" : "Patient/eJane1", "display" : "Jane Q Doe" },
  "effectiveDateTime" : "2019-11-04T09:30:00-05:00",
  "valueQuantity" : { "value" : 5.4, "unit" : "%", "system" : "http://unitsofmeasure.org", "code" : "%" }
}
`)},
		{hkType: "HKClinicalTypeIdentifierConditionRecord", id: "cond-1", provider: ClinicName, url: ClinicURL, version: "1.0.2", file: "Condition-c42.json", resource: "Condition/c42", body: []byte(`{"resourceType":"Condition","id":"c42","patient":{"reference":"Patient/p7","display":"Jane Doe"},"code":{"coding":[{"system":"http://snomed.info/sct","code":"195967001","display":"Asthma"}],"text":"Asthma"},"clinicalStatus":"active","verificationStatus":"confirmed","onsetDateTime":"2012-05-01"}`)},
		// Apple lists no type for a Patient; the generator uses a
		// placeholder (the reader does not use the type).
		{hkType: "HKClinicalTypeIdentifierPatientRecord", id: "pat-1", provider: HospitalName, url: HospitalURL, version: "4.0.1", file: "Patient-eJane1.json", resource: "Patient/eJane1", body: []byte(`{
  "resourceType" : "Patient",
  "id" : "eJane1",
  "name" : [ { "use" : "official", "family" : "Doe", "given" : [ "Jane", "Q" ] } ],
  "gender" : "female",
  "birthDate" : "1980-04-12"
}
`)},
	}
	if opts.MissingClinical {
		recs = append(recs, clinical{hkType: "HKClinicalTypeIdentifierMedicationRecord", id: "med-1", provider: HospitalName, url: HospitalURL, version: "4.0.1", file: "MedicationRequest-gone.json", resource: "MedicationRequest/gone"})
	}
	return recs
}

// WriteExport writes export.zip: apple_health_export/ with export.xml
// (streamed into the zip), clinical-records/ and export_cda.xml as asked.
func WriteExport(w io.Writer, opts Options) (Stats, error) {
	opts.defaults()
	zw := zip.NewWriter(w)
	f, err := zw.CreateHeader(&zip.FileHeader{Name: "apple_health_export/" + opts.XMLName, Method: zip.Deflate, Modified: opts.Start})
	if err != nil {
		return Stats{}, err
	}
	st, err := WriteExportXML(f, opts)
	if err != nil {
		return st, err
	}
	if opts.CDA != "" {
		doc, err := os.ReadFile(opts.CDA)
		if err != nil {
			return st, err
		}
		f, err := zw.CreateHeader(&zip.FileHeader{Name: "apple_health_export/export_cda.xml", Method: zip.Deflate, Modified: opts.Start})
		if err != nil {
			return st, err
		}
		if _, err := f.Write(doc); err != nil {
			return st, err
		}
	}
	names := make([]string, 0, len(st.ClinicalFiles))
	for name := range st.ClinicalFiles {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		f, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: opts.Start})
		if err != nil {
			return st, err
		}
		if _, err := f.Write(st.ClinicalFiles[name]); err != nil {
			return st, err
		}
	}
	return st, zw.Close()
}
