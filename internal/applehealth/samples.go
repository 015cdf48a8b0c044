package applehealth

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// HealthKit type identifiers read.
const (
	hkBodyMass      = "HKQuantityTypeIdentifierBodyMass"
	hkHeight        = "HKQuantityTypeIdentifierHeight"
	hkBMI           = "HKQuantityTypeIdentifierBodyMassIndex"
	hkHeartRate     = "HKQuantityTypeIdentifierHeartRate"
	hkRestingHR     = "HKQuantityTypeIdentifierRestingHeartRate"
	hkSpO2          = "HKQuantityTypeIdentifierOxygenSaturation"
	hkBodyTemp      = "HKQuantityTypeIdentifierBodyTemperature"
	hkRespRate      = "HKQuantityTypeIdentifierRespiratoryRate"
	hkGlucose       = "HKQuantityTypeIdentifierBloodGlucose"
	hkSteps         = "HKQuantityTypeIdentifierStepCount"
	hkSystolic      = "HKQuantityTypeIdentifierBloodPressureSystolic"
	hkDiastolic     = "HKQuantityTypeIdentifierBloodPressureDiastolic"
	hkSleep         = "HKCategoryTypeIdentifierSleepAnalysis"
	hkBloodPressure = "HKCorrelationTypeIdentifierBloodPressure"
)

// single is a type written as one Observation per sample.
type single struct {
	loinc, display, text string
	extra                []coding // further codes the vital-signs profile names
	profile              string
	category             []codeableConcept
	units                map[string]func(float64) (float64, bool) // Apple unit → value in ucum
	ucumUnit, ucumCode   string
	places               int
}

func scale(f float64) func(float64) (float64, bool) {
	return func(v float64) (float64, bool) { return v * f, true }
}

func positive(f func(float64) (float64, bool)) func(float64) (float64, bool) {
	return func(v float64) (float64, bool) {
		if v <= 0 {
			return 0, false
		}
		return f(v)
	}
}

const vsProfile = "http://hl7.org/fhir/StructureDefinition/"

var singles = map[string]*single{
	hkBodyMass: {loinc: "29463-7", display: "Body weight", text: "Body weight", profile: vsProfile + "bodyweight", category: vitalSigns,
		units:    map[string]func(float64) (float64, bool){"kg": positive(scale(1)), "g": positive(scale(0.001)), "lb": positive(scale(0.45359237)), "oz": positive(scale(0.028349523125)), "st": positive(scale(6.35029318))},
		ucumUnit: "kg", ucumCode: "kg", places: 2},
	hkHeight: {loinc: "8302-2", display: "Body height", text: "Body height", profile: vsProfile + "bodyheight", category: vitalSigns,
		units:    map[string]func(float64) (float64, bool){"cm": positive(scale(1)), "m": positive(scale(100)), "mm": positive(scale(0.1)), "in": positive(scale(2.54)), "ft": positive(scale(30.48))},
		ucumUnit: "cm", ucumCode: "cm", places: 1},
	hkBMI: {loinc: "39156-5", display: "Body mass index (BMI) [Ratio]", text: "Body mass index", profile: vsProfile + "bmi", category: vitalSigns,
		units:    map[string]func(float64) (float64, bool){"count": positive(scale(1))},
		ucumUnit: "kg/m2", ucumCode: "kg/m2", places: 1},
	hkRestingHR: {loinc: "40443-4", display: "Heart rate --resting", text: "Resting heart rate", profile: vsProfile + "heartrate", category: vitalSigns,
		units:    map[string]func(float64) (float64, bool){"count/min": positive(scale(1))},
		ucumUnit: "beats/minute", ucumCode: "/min", places: 0},
	// Apple stores oxygen saturation as a fraction (0.97) with unit "%".
	hkSpO2: {loinc: "59408-5", display: "Oxygen saturation in Arterial blood by Pulse oximetry", text: "Oxygen saturation",
		extra:   []coding{{System: loincSystem, Code: "2708-6", Display: "Oxygen saturation in Arterial blood"}},
		profile: vsProfile + "oxygensat", category: vitalSigns,
		units: map[string]func(float64) (float64, bool){"%": func(v float64) (float64, bool) {
			if v <= 0 || v > 1 {
				return 0, false
			}
			return v * 100, true
		}},
		ucumUnit: "%", ucumCode: "%", places: 1},
	hkBodyTemp: {loinc: "8310-5", display: "Body temperature", text: "Body temperature", profile: vsProfile + "bodytemp", category: vitalSigns,
		units: map[string]func(float64) (float64, bool){"degC": scale(1), "degF": func(v float64) (float64, bool) { return (v - 32) * 5 / 9, true },
			"K": func(v float64) (float64, bool) { return v - 273.15, v > 0 }},
		ucumUnit: "°C", ucumCode: "Cel", places: 2},
	hkRespRate: {loinc: "9279-1", display: "Respiratory rate", text: "Respiratory rate", profile: vsProfile + "resprate", category: vitalSigns,
		units:    map[string]func(float64) (float64, bool){"count/min": positive(scale(1))},
		ucumUnit: "breaths/minute", ucumCode: "/min", places: 1},
	// A meter's or sensor's reading of blood glucose: LOINC's blood glucose
	// by mass concentration, the laboratory category (as HL7's CGM guide).
	hkGlucose: {loinc: "2339-0", display: "Glucose [Mass/volume] in Blood", text: "Blood glucose", category: laboratory,
		units:    map[string]func(float64) (float64, bool){"mg/dL": positive(scale(1))},
		ucumUnit: "mg/dL", ucumCode: "mg/dL", places: 1},
}

// glucoseMolar converts Apple's molar glucose units: "mmol<180.1558800000541>/L"
// names the molar mass in g/mol, so mg/dL = mmol/L × molar mass / 10.
func glucoseMolar(unit string) (func(float64) (float64, bool), bool) {
	if unit == "mmol/L" {
		return positive(scale(180.156 / 10)), true
	}
	rest, ok := strings.CutPrefix(unit, "mmol<")
	if !ok {
		return nil, false
	}
	mass, ok := strings.CutSuffix(rest, ">/L")
	if !ok {
		return nil, false
	}
	m, err := strconv.ParseFloat(mass, 64)
	if err != nil || m < 170 || m > 190 {
		return nil, false
	}
	return positive(scale(m / 10)), true
}

// Apple's sleep stages counted as asleep; InBed and Awake are not sleep.
var asleep = map[string]bool{
	"HKCategoryValueSleepAnalysisAsleep":            true,
	"HKCategoryValueSleepAnalysisAsleepUnspecified": true,
	"HKCategoryValueSleepAnalysisAsleepCore":        true,
	"HKCategoryValueSleepAnalysisAsleepDeep":        true,
	"HKCategoryValueSleepAnalysisAsleepREM":         true,
	"HKCategoryValueSleepAnalysisInBed":             false,
	"HKCategoryValueSleepAnalysisAwake":             false,
}

// dayStat is a day's heart rate.
type dayStat struct {
	n             int
	sum, min, max float64
}

// sourceTotals is a day's sum per source (steps, seconds asleep): sources
// overlap (an iPhone and a Watch both count the same walk), so the day's
// figure is the largest source's, never the sum of all.
type sourceTotals struct {
	n   int
	per map[string]float64
}

func (s *sourceTotals) add(src string, v float64) {
	if s.per == nil {
		s.per = map[string]float64{}
	}
	s.n++
	s.per[src] += v
}

func (s *sourceTotals) best() float64 {
	b := 0.0
	for _, v := range s.per {
		b = math.Max(b, v)
	}
	return b
}

// bpReading is a blood pressure pair.
type bpReading struct {
	sys, dia         *float64
	start, end       string
	source, creation string
}

// converter turns export.xml's elements into Observations.
type converter struct {
	w      *bufio.Writer
	first  bool
	person string // the Patient's id: every id below derives from it
	probs  *problems

	heart     map[string]*dayStat
	steps     map[string]*sourceTotals
	sleep     map[string]*sourceTotals
	bpDone    map[string]bool
	bpPending map[string]*bpReading

	clinicalListed int
}

func (c *converter) emit(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if !c.first {
		c.w.WriteByte(',')
	}
	c.first = false
	c.w.WriteString(`{"resource":`)
	c.w.Write(b)
	c.w.WriteByte('}')
	return nil
}

func samplesPart(src *source, m me, clinical []*zip.File, listed int) Part {
	var read atomic.Int64
	probs := &problems{}
	return Part{
		Kind:  Samples,
		Label: "Apple Health",
		Size:  src.size,
		Open: func(ctx context.Context) (io.ReadCloser, error) {
			read.Store(0)
			probs.reset()
			name := ownerName(clinical)
			return pipeStream(ctx, func(ctx context.Context, w io.Writer) error {
				return convertSamples(ctx, src, &read, w, m, name, listed, probs)
			}), nil
		},
		Read:     read.Load,
		Problems: probs.get,
	}
}

// ownerPatient is the phone owner's Patient: the id from <Me>'s date of
// birth and sex, so every export of the same phone owner gives the same id
// (two people sharing both would share it: the export names no one), and the
// name the providers' records give, so the importer matches the same person.
func ownerPatient(m me, name *humanName) patient {
	p := patient{ResourceType: "Patient", ID: hashID("apple-health-patient", m.dob, m.sex)}
	switch m.sex {
	case "HKBiologicalSexFemale":
		p.Gender = "female"
	case "HKBiologicalSexMale":
		p.Gender = "male"
	case "HKBiologicalSexOther":
		p.Gender = "other"
	}
	if _, err := time.Parse("2006-01-02", m.dob); err == nil {
		p.BirthDate = m.dob
	}
	if name != nil {
		p.Name = []humanName{*name}
	}
	return p
}

func convertSamples(ctx context.Context, src *source, read *atomic.Int64, w io.Writer, m me, name *humanName, listed int, probs *problems) error {
	rc, err := src.open()
	if err != nil {
		return fmt.Errorf("%w (export.xml cannot be opened)", ErrMalformed)
	}
	defer rc.Close()
	ahead := newReadAhead(zipErrors{rc})
	defer ahead.Close() // before rc.Close: it stops the goroutine reading rc
	g := &guard{r: ahead, n: read}
	sc, err := openBody(g)
	if err != nil {
		return decodeErr(g, err)
	}
	pat := ownerPatient(m, name)
	c := &converter{
		w: bufio.NewWriterSize(w, 64<<10), first: true, person: pat.ID, probs: probs,
		heart: map[string]*dayStat{}, steps: map[string]*sourceTotals{}, sleep: map[string]*sourceTotals{},
		bpDone: map[string]bool{}, bpPending: map[string]*bpReading{},
	}
	c.w.WriteString(`{"resourceType":"Bundle","type":"collection","entry":[`)
	if err := c.emit(pat); err != nil {
		return err
	}
	var corr *bpReading // inside a blood pressure <Correlation>
	for n := 0; ; n++ {
		if n&4095 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		ev, err := sc.next()
		if err != nil {
			return decodeErr(g, err)
		}
		if ev.kind == evEOF {
			if sc.depth() != 0 {
				return fmt.Errorf("%w (export.xml ends too early)", ErrMalformed)
			}
			break
		}
		depth := sc.depth() // after a start tag, it counts the element itself
		if ev.selfClose {
			depth++
		}
		switch {
		case ev.kind == evStart && depth == 2:
			switch ev.name.Local {
			case "Record":
				if err := c.record(ev.attrs); err != nil {
					return err
				}
			case "Correlation":
				if typ := attr(ev.attrs, "type"); typ == hkBloodPressure {
					corr = &bpReading{start: attr(ev.attrs, "startDate"), end: attr(ev.attrs, "endDate"), source: attr(ev.attrs, "sourceName"), creation: attr(ev.attrs, "creationDate")}
				} else {
					c.skip(typ, "Apple data of this kind is not imported")
				}
			case "ClinicalRecord":
				c.clinicalListed++
			case "ExportDate", "Me":
			default:
				// Workouts, activity rings, audiograms…
				c.skip(ev.name.Local, "Apple data of this kind is not imported")
			}
			if ev.selfClose && corr != nil && ev.name.Local == "Correlation" {
				if err := c.correlation(corr); err != nil {
					return err
				}
				corr = nil
			}
		case ev.kind == evStart && depth == 3 && corr != nil && ev.name.Local == "Record":
			v, err := strconv.ParseFloat(attr(ev.attrs, "value"), 64)
			ok := err == nil && attr(ev.attrs, "unit") == "mmHg" && v > 0 && v < 400
			switch typ := attr(ev.attrs, "type"); {
			case typ == hkSystolic && ok:
				corr.sys = &v
			case typ == hkDiastolic && ok:
				corr.dia = &v
			default:
				c.skip(hkBloodPressure, "a blood pressure value not understood")
			}
		case ev.kind == evEnd && sc.depth() == 1 && ev.name.Local == "Correlation" && corr != nil:
			if err := c.correlation(corr); err != nil {
				return err
			}
			corr = nil
		}
	}
	if err := c.finish(listed); err != nil {
		return err
	}
	c.w.WriteString("]}")
	return c.w.Flush()
}

func attr(attrs []xml.Attr, name string) string {
	for _, a := range attrs {
		if a.Name.Local == name && a.Name.Space == "" {
			return a.Value
		}
	}
	return ""
}

// skip counts what is not imported by its Apple type: a type identifier is
// Apple's vocabulary, not the person's data; anything else is "other".
func (c *converter) skip(item, reason string) {
	if !appleName(item) {
		item = "other"
	}
	c.probs.add(item, reason, 1)
}

func appleName(s string) bool {
	if len(s) == 0 || len(s) > 100 {
		return false
	}
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9') {
			return false
		}
	}
	return true
}

func (c *converter) record(attrs []xml.Attr) error {
	var typ, unit, value, src, start, end, created string
	for _, a := range attrs {
		switch a.Name.Local {
		case "type":
			typ = a.Value
		case "unit":
			unit = a.Value
		case "value":
			value = a.Value
		case "sourceName":
			src = a.Value
		case "startDate":
			start = a.Value
		case "endDate":
			end = a.Value
		case "creationDate":
			created = a.Value
		}
	}
	switch typ {
	case hkHeartRate:
		v, err := strconv.ParseFloat(value, 64)
		dayKey, ok := day(start)
		if err != nil || !ok || unit != "count/min" || v <= 0 || v > 400 {
			c.skip(typ, "a reading not understood (date, unit or value)")
			return nil
		}
		s := c.heart[dayKey]
		if s == nil {
			s = &dayStat{min: v, max: v}
			c.heart[dayKey] = s
		}
		s.n++
		s.sum += v
		s.min, s.max = math.Min(s.min, v), math.Max(s.max, v)
	case hkSteps:
		v, err := strconv.ParseFloat(value, 64)
		dayKey, ok := day(start)
		if err != nil || !ok || unit != "count" || v < 0 || v > 1e6 {
			c.skip(typ, "a reading not understood (date, unit or value)")
			return nil
		}
		s := c.steps[dayKey]
		if s == nil {
			s = &sourceTotals{}
			c.steps[dayKey] = s
		}
		s.add(src, v)
	case hkSleep:
		isAsleep, known := asleep[value]
		if !known {
			c.skip(typ, "a sleep stage not understood")
			return nil
		}
		t0, err0 := time.Parse("2006-01-02 15:04:05 -0700", start)
		t1, err1 := time.Parse("2006-01-02 15:04:05 -0700", end)
		dayKey, ok := day(end)
		if err0 != nil || err1 != nil || !ok || t1.Before(t0) || t1.Sub(t0) > 24*time.Hour {
			c.skip(typ, "a reading not understood (date, unit or value)")
			return nil
		}
		if !isAsleep {
			return nil // in bed or awake: part of the night, not sleep
		}
		// A night counts on the day it ends (the morning the person woke).
		s := c.sleep[dayKey]
		if s == nil {
			s = &sourceTotals{}
			c.sleep[dayKey] = s
		}
		s.add(src, t1.Sub(t0).Seconds())
	case hkSystolic, hkDiastolic:
		// Apple writes a blood pressure's two values both inside its
		// <Correlation> and again as top-level records: these are paired
		// here and written only when no correlation gave the same reading.
		v, err := strconv.ParseFloat(value, 64)
		if err != nil || unit != "mmHg" || v <= 0 || v >= 400 || !validDate(start) || !validDate(end) {
			c.skip(typ, "a reading not understood (date, unit or value)")
			return nil
		}
		key := start + "\x00" + end + "\x00" + src
		r := c.bpPending[key]
		if r == nil {
			r = &bpReading{start: start, end: end, source: src, creation: created}
			c.bpPending[key] = r
		}
		if typ == hkSystolic {
			r.sys = &v
		} else {
			r.dia = &v
		}
	default:
		spec := singles[typ]
		if spec == nil {
			c.skip(typ, "Apple data of this kind is not imported")
			return nil
		}
		conv := spec.units[unit]
		if conv == nil && typ == hkGlucose {
			conv, _ = glucoseMolar(unit)
		}
		v, err := strconv.ParseFloat(value, 64)
		if conv == nil || err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			c.skip(typ, "a reading not understood (date, unit or value)")
			return nil
		}
		out, ok := conv(v)
		effStart, ok0 := fhirDateTime(start)
		effEnd, ok1 := fhirDateTime(end)
		if !ok || !ok0 || !ok1 {
			c.skip(typ, "a reading not understood (date, unit or value)")
			return nil
		}
		o := c.base(hashID(c.person, typ, start, end, src), spec.loinc, spec.display, spec.text, spec.profile, spec.category, spec.extra...)
		setEffective(&o, effStart, effEnd)
		o.Issued, _ = fhirDateTime(created)
		o.Device = device(src)
		o.ValueQuantity = ucum(out, spec.places, spec.ucumUnit, spec.ucumCode)
		return c.emit(o)
	}
	return nil
}

func setEffective(o *observation, start, end string) {
	if start == end {
		o.EffectiveDateTime = start
	} else {
		o.EffectivePeriod = &period{Start: start, End: end}
	}
}

// device names the app or device that recorded a sample (a display-only
// reference: the export has no Device resource).
func device(src string) *reference {
	if src == "" {
		return nil
	}
	return &reference{Display: src}
}

func (c *converter) base(id, loinc, display, text, profile string, category []codeableConcept, extra ...coding) observation {
	o := observation{
		ResourceType: "Observation",
		ID:           id,
		Status:       "final",
		Category:     category,
		Code:         codeableConcept{Coding: append([]coding{{System: loincSystem, Code: loinc, Display: display}}, extra...), Text: text},
		Subject:      reference{Reference: "Patient/" + c.person},
	}
	if profile != "" {
		o.Meta = &meta{Profile: []string{profile}}
	}
	return o
}

// correlation writes a blood pressure panel from a <Correlation>.
func (c *converter) correlation(r *bpReading) error {
	if !validDate(r.start) || !validDate(r.end) || r.sys == nil && r.dia == nil {
		c.skip(hkBloodPressure, "a reading not understood (date, unit or value)")
		return nil
	}
	key := r.start + "\x00" + r.end + "\x00" + r.source
	if c.bpDone[key] {
		return nil
	}
	c.bpDone[key] = true
	return c.bloodPressure(r)
}

func (c *converter) bloodPressure(r *bpReading) error {
	o := c.base(hashID(c.person, hkBloodPressure, r.start, r.end, r.source), "85354-9", "Blood pressure panel with all children optional", "Blood pressure", vsProfile+"bp", vitalSigns)
	s, _ := fhirDateTime(r.start)
	e, _ := fhirDateTime(r.end)
	setEffective(&o, s, e)
	o.Issued, _ = fhirDateTime(r.creation)
	o.Device = device(r.source)
	if r.sys != nil {
		o.Component = append(o.Component, component{Code: codeableConcept{Coding: []coding{{System: loincSystem, Code: "8480-6", Display: "Systolic blood pressure"}}, Text: "Systolic"}, ValueQuantity: ucum(*r.sys, 0, "mmHg", "mm[Hg]")})
	}
	if r.dia != nil {
		o.Component = append(o.Component, component{Code: codeableConcept{Coding: []coding{{System: loincSystem, Code: "8462-4", Display: "Diastolic blood pressure"}}, Text: "Diastolic"}, ValueQuantity: ucum(*r.dia, 0, "mmHg", "mm[Hg]")})
	}
	return c.emit(o)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// finish writes what needs the whole file: blood pressure readings no
// correlation gave, then the daily summaries, in day order.
func (c *converter) finish(listed int) error {
	for _, key := range sortedKeys(c.bpPending) {
		if c.bpDone[key] {
			continue
		}
		c.bpDone[key] = true
		if err := c.bloodPressure(c.bpPending[key]); err != nil {
			return err
		}
	}
	// Heart rate: one Observation a day, the day's mean as its value and
	// the lowest, mean and highest as components.
	for _, d := range sortedKeys(c.heart) {
		s := c.heart[d]
		mean := s.sum / float64(s.n)
		o := c.base(hashID(c.person, "daily", hkHeartRate, d), "8867-4", "Heart rate", "Heart rate (daily summary)", vsProfile+"heartrate", vitalSigns)
		o.EffectiveDateTime = d
		o.ValueQuantity = ucum(mean, 0, "beats/minute", "/min")
		stat := func(code, display, text string, v float64) component {
			return component{Code: codeableConcept{Coding: []coding{{System: statsSystem, Code: code, Display: display}}, Text: text}, ValueQuantity: ucum(v, 0, "beats/minute", "/min")}
		}
		o.Component = []component{
			stat("minimum", "Minimum", "Lowest heart rate of the day", s.min),
			stat("average", "Average", "Average heart rate of the day", mean),
			stat("maximum", "Maximum", "Highest heart rate of the day", s.max),
		}
		o.Note = []annotation{{Text: "Daily summary of " + plural(s.n, "reading", "readings") + " from Apple Health (lowest, average and highest of the day)."}}
		if err := c.emit(o); err != nil {
			return err
		}
	}
	// Steps: the day's total.
	for _, d := range sortedKeys(c.steps) {
		s := c.steps[d]
		o := c.base(hashID(c.person, "daily", hkSteps, d), "55423-8", "Number of steps in unspecified time Pedometer", "Steps (daily total)", "", activity)
		o.EffectiveDateTime = d
		o.ValueQuantity = ucum(s.best(), 0, "steps/day", "/d")
		o.Note = []annotation{{Text: "Daily total of " + plural(s.n, "reading", "readings") + " from Apple Health" + sourcesNote(s) + "."}}
		if err := c.emit(o); err != nil {
			return err
		}
	}
	// Sleep: hours asleep in the night ending that day, as LOINC 93832-4
	// "Sleep duration" (a quantity of time, unit h: the code used for a
	// measured night's sleep; the sleep questionnaires' codes are answers
	// to questions, not measurements).
	for _, d := range sortedKeys(c.sleep) {
		s := c.sleep[d]
		o := c.base(hashID(c.person, "daily", hkSleep, d), "93832-4", "Sleep duration", "Sleep (hours asleep)", "", activity)
		o.EffectiveDateTime = d
		o.ValueQuantity = ucum(s.best()/3600, 2, "h", "h")
		o.Note = []annotation{{Text: "Time asleep in the night ending this day, from " + plural(s.n, "sleep period", "sleep periods") + " in Apple Health (time in bed and awake not counted)" + sourcesNote(s) + "."}}
		if err := c.emit(o); err != nil {
			return err
		}
	}
	if missing := c.clinicalListed - listed; missing > 0 {
		c.probs.add("clinical-records", fmt.Sprintf("%s listed in export.xml but their files were not given (import the whole export.zip)", plural(missing, "health record", "health records")), 1)
	}
	return nil
}

func sourcesNote(s *sourceTotals) string {
	if len(s.per) < 2 {
		return ""
	}
	return "; " + strconv.Itoa(len(s.per)) + " apps or devices recorded it, the one with the most is counted so the same time is not counted twice"
}

// ownerName is the phone owner's name as the providers' records give it:
// from a Patient among the clinical records (files in name order), else a
// record's subject display. nil when none.
func ownerName(files []*zip.File) *humanName {
	var fallback *humanName
	for _, f := range files {
		if f.UncompressedSize64 > uint64(MaxClinicalFile) {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			continue
		}
		data, err := io.ReadAll(io.LimitReader(rc, MaxClinicalFile))
		rc.Close()
		if err != nil {
			continue
		}
		data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
		var res struct {
			ResourceType string `json:"resourceType"`
			Name         []struct {
				Use    string          `json:"use"`
				Text   string          `json:"text"`
				Family json.RawMessage `json:"family"` // DSTU2: a list
				Given  []string        `json:"given"`
				Prefix []string        `json:"prefix"`
				Suffix []string        `json:"suffix"`
			} `json:"name"`
			Subject *reference `json:"subject"`
			Patient *reference `json:"patient"`
		}
		if json.Unmarshal(data, &res) != nil {
			continue
		}
		if res.ResourceType == "Patient" && len(res.Name) > 0 {
			n := res.Name[0]
			h := humanName{Use: n.Use, Text: n.Text, Given: n.Given, Prefix: n.Prefix, Suffix: n.Suffix}
			var fam string
			var fams []string
			if json.Unmarshal(n.Family, &fam) == nil {
				h.Family = fam
			} else if json.Unmarshal(n.Family, &fams) == nil {
				h.Family = strings.Join(fams, " ")
			}
			switch h.Use {
			case "usual", "official", "temp", "nickname", "anonymous", "old", "maiden":
			default:
				h.Use = ""
			}
			if h.Text != "" || h.Family != "" || len(h.Given) > 0 {
				return &h
			}
		}
		if fallback == nil {
			for _, ref := range []*reference{res.Subject, res.Patient} {
				if ref != nil && strings.HasPrefix(ref.Reference, "Patient/") && strings.TrimSpace(ref.Display) != "" {
					fallback = &humanName{Text: strings.TrimSpace(ref.Display)}
					break
				}
			}
		}
	}
	return fallback
}
