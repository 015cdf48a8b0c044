package applehealth

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math"
	"strconv"
	"strings"
)

// The FHIR R4 shapes written. Struct field order fixes the JSON's, so two
// runs over the same export give the same bytes.

type coding struct {
	System  string `json:"system"`
	Code    string `json:"code"`
	Display string `json:"display,omitempty"`
}

type codeableConcept struct {
	Coding []coding `json:"coding,omitempty"`
	Text   string   `json:"text,omitempty"`
}

type quantity struct {
	Value  json.Number `json:"value"`
	Unit   string      `json:"unit"`
	System string      `json:"system"`
	Code   string      `json:"code"`
}

type reference struct {
	Reference string `json:"reference,omitempty"`
	Display   string `json:"display,omitempty"`
}

type annotation struct {
	Text string `json:"text"`
}

type component struct {
	Code          codeableConcept `json:"code"`
	ValueQuantity *quantity       `json:"valueQuantity,omitempty"`
}

type meta struct {
	Profile []string `json:"profile,omitempty"`
}

type period struct {
	Start string `json:"start,omitempty"`
	End   string `json:"end,omitempty"`
}

type observation struct {
	ResourceType      string            `json:"resourceType"`
	ID                string            `json:"id"`
	Meta              *meta             `json:"meta,omitempty"`
	Status            string            `json:"status"`
	Category          []codeableConcept `json:"category,omitempty"`
	Code              codeableConcept   `json:"code"`
	Subject           reference         `json:"subject"`
	EffectiveDateTime string            `json:"effectiveDateTime,omitempty"`
	EffectivePeriod   *period           `json:"effectivePeriod,omitempty"`
	Issued            string            `json:"issued,omitempty"`
	Device            *reference        `json:"device,omitempty"`
	ValueQuantity     *quantity         `json:"valueQuantity,omitempty"`
	Note              []annotation      `json:"note,omitempty"`
	Component         []component       `json:"component,omitempty"`
}

type humanName struct {
	Use    string   `json:"use,omitempty"`
	Text   string   `json:"text,omitempty"`
	Family string   `json:"family,omitempty"`
	Given  []string `json:"given,omitempty"`
	Prefix []string `json:"prefix,omitempty"`
	Suffix []string `json:"suffix,omitempty"`
}

type patient struct {
	ResourceType string      `json:"resourceType"`
	ID           string      `json:"id"`
	Name         []humanName `json:"name,omitempty"`
	Gender       string      `json:"gender,omitempty"`
	BirthDate    string      `json:"birthDate,omitempty"`
}

const (
	loincSystem    = "http://loinc.org"
	ucumSystem     = "http://unitsofmeasure.org"
	categorySystem = "http://terminology.hl7.org/CodeSystem/observation-category"
	statsSystem    = "http://terminology.hl7.org/CodeSystem/observation-statistics"
)

var (
	vitalSigns = []codeableConcept{{Coding: []coding{{System: categorySystem, Code: "vital-signs", Display: "Vital Signs"}}, Text: "Vital signs"}}
	activity   = []codeableConcept{{Coding: []coding{{System: categorySystem, Code: "activity", Display: "Activity"}}, Text: "Activity"}}
	laboratory = []codeableConcept{{Coding: []coding{{System: categorySystem, Code: "laboratory", Display: "Laboratory"}}, Text: "Laboratory"}}
)

// ucum builds a UCUM quantity of v rounded to places decimals.
func ucum(v float64, places int, unit, code string) *quantity {
	p := math.Pow(10, float64(places))
	r := math.Round(v*p) / p
	if r == 0 {
		r = 0 // no "-0"
	}
	return &quantity{Value: json.Number(strconv.FormatFloat(r, 'f', -1, 64)), Unit: unit, System: ucumSystem, Code: code}
}

// hashID is a FHIR id (≤64 of [A-Za-z0-9-.]) from parts: the same parts
// give the same id in every export, so re-importing changes nothing.
func hashID(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return "ah-" + hex.EncodeToString(h.Sum(nil))[:40]
}

// fhirDateTime turns Apple's "2020-01-01 08:00:00 -0500" into FHIR's
// "2020-01-01T08:00:00-05:00"; ok is false for anything else.
func fhirDateTime(s string) (string, bool) {
	if !validDate(s) {
		return "", false
	}
	var b strings.Builder
	b.Grow(25)
	b.WriteString(s[:10])
	b.WriteByte('T')
	b.WriteString(s[11:19])
	b.WriteString(s[20:23])
	b.WriteByte(':')
	b.WriteString(s[23:25])
	return b.String(), true
}

// validDate: Apple's "YYYY-MM-DD hh:mm:ss ±hhmm" with plausible fields.
func validDate(s string) bool {
	if len(s) != 25 || s[10] != ' ' || s[19] != ' ' || (s[20] != '+' && s[20] != '-') {
		return false
	}
	for _, i := range []int{0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 21, 22, 23, 24} {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	if s[4] != '-' || s[7] != '-' || s[13] != ':' || s[16] != ':' {
		return false
	}
	mo, d, hh, mm, ss := atoi2(s[5:7]), atoi2(s[8:10]), atoi2(s[11:13]), atoi2(s[14:16]), atoi2(s[17:19])
	if mo < 1 || mo > 12 || d < 1 || d > monthDays[mo-1] {
		return false
	}
	if y := int(s[0]-'0')*1000 + int(s[1]-'0')*100 + atoi2(s[2:4]); mo == 2 && d == 29 && (y%4 != 0 || y%100 == 0 && y%400 != 0) {
		return false
	}
	return hh <= 23 && mm <= 59 && ss <= 59 && atoi2(s[21:23]) <= 14 && atoi2(s[23:25]) <= 59
}

var monthDays = [12]int{31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}

func atoi2(s string) int { return int(s[0]-'0')*10 + int(s[1]-'0') }

// day is the local calendar day of an Apple date ("2020-01-01 …" →
// "2020-01-01"), the day the person saw on their phone.
func day(s string) (string, bool) {
	if !validDate(s) {
		return "", false
	}
	return s[:10], true
}
