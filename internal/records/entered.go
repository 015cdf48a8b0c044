package records

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/fastenhealth/fasten-desktop/internal/fhir"
	"github.com/fastenhealth/fasten-desktop/internal/vault"
)

// Records a family keeps themselves: the allergy the clinic never wrote
// down, a reading taken at home, a vaccine given abroad. Each is built as
// the FHIR R4 resource a clinic would send, validated like any import, and
// stored under the vault's one "entered" source (migration 18) through the
// same writer as imports, so it is shown, searched and exported like every
// other record. Only these can be edited (each edit a new version, the
// earlier kept) or deleted (marked, so it can be brought back).

// EntryKind is what can be added by hand.
type EntryKind string

const (
	EntryCondition     EntryKind = "condition"
	EntryMedication    EntryKind = "medication"
	EntryAllergy       EntryKind = "allergy"
	EntryImmunization  EntryKind = "immunization"
	EntryVital         EntryKind = "vital"
	EntryLab           EntryKind = "lab"
	EntryProcedure     EntryKind = "procedure"
	EntryNote          EntryKind = "note"
	EntryFamilyHistory EntryKind = "family-history"
)

// EntryKinds lists them in the order forms offer them.
var EntryKinds = []EntryKind{EntryCondition, EntryMedication, EntryAllergy, EntryImmunization, EntryVital, EntryLab, EntryProcedure, EntryNote, EntryFamilyHistory}

// Entry is one record as typed. Which fields count depends on Kind; the
// rest must be empty.
type Entry struct {
	Kind EntryKind `json:"kind"`
	// Display is the words: "Peanut allergy", "Ibuprofen", "MMR". Required,
	// except for vitals (named by Vital) and notes (which may have only Text).
	Display string `json:"display"`
	// Date is when it began, was given, measured or seen: YYYY, YYYY-MM or
	// YYYY-MM-DD. Required. EndDate (conditions, medications) when it ended.
	Date    string `json:"date"`
	EndDate string `json:"endDate,omitempty"`
	// Code is optional (families often know only the words): System is a
	// URI or one of snomed, loinc, rxnorm, cvx, icd10.
	CodeSystem string `json:"codeSystem,omitempty"`
	Code       string `json:"code,omitempty"`
	// Status: conditions active|resolved, medications active|stopped,
	// allergies active|inactive. Empty means active.
	Status string `json:"status,omitempty"`
	// Vital names the measurement (see VitalSigns); Value, Value2 (blood
	// pressure's diastolic) and Unit are the reading. Labs have Value and
	// Unit too, and optionally their reference range.
	Vital   string   `json:"vital,omitempty"`
	Value   *float64 `json:"value,omitempty"`
	Value2  *float64 `json:"value2,omitempty"`
	Unit    string   `json:"unit,omitempty"`
	RefLow  *float64 `json:"refLow,omitempty"`
	RefHigh *float64 `json:"refHigh,omitempty"`
	// Allergies: what happened and how bad (mild|moderate|severe).
	Reaction string `json:"reaction,omitempty"`
	Severity string `json:"severity,omitempty"`
	// Family history: whose (see Relationships).
	Relationship string `json:"relationship,omitempty"`
	// Medications: how it is taken, as words ("200 mg when needed").
	Dose string `json:"dose,omitempty"`
	// Lot number of a vaccine; Performer who gave it or did it.
	Lot       string `json:"lot,omitempty"`
	Performer string `json:"performer,omitempty"`
	// Text: a note's body, or a note on any other entry.
	Text string `json:"text,omitempty"`
}

// FieldProblem is what is wrong with one field, in the person's words.
type FieldProblem struct {
	Field  string `json:"field"` // Entry's JSON name
	Reason string `json:"reason"`
}

// EntryError lists every field that must change before the entry can be
// kept; forms show each at its field.
type EntryError struct{ Problems []FieldProblem }

func (e *EntryError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.Field + ": " + p.Reason
	}
	return "the entry cannot be kept: " + strings.Join(parts, "; ")
}

var (
	// ErrNotEntered: only records a family entered can be edited or deleted.
	ErrNotEntered = errors.New("only records you entered yourself can be edited or deleted")
)

// EnteredSourceLabel is how the entered source is named wherever sources are.
const EnteredSourceLabel = "Entered by you"

// enteredSource returns the vault's entered source, made on first use.
func (s *Store) enteredSource(ctx context.Context, tx *sql.Tx) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, "SELECT id FROM sources WHERE kind = 'entered' ORDER BY id LIMIT 1").Scan(&id)
	if err == nil {
		return id, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, err
	}
	res, err := tx.ExecContext(ctx, "INSERT INTO sources(kind, label, created_at) VALUES ('entered', ?, ?)", EnteredSourceLabel, s.stamp())
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// VitalSign is one measurement a vital entry can be: its LOINC code and
// the units it may be typed in (UCUM codes; the first is what forms offer).
type VitalSign struct {
	Name  string   `json:"name"`
	Label string   `json:"label"`
	Code  string   `json:"code"`
	Units []string `json:"units"`
}

// VitalSigns are the FHIR vital-signs profile's measurements.
var VitalSigns = []VitalSign{
	{"blood-pressure", "Blood pressure", "85354-9", []string{"mm[Hg]"}},
	{"weight", "Weight", "29463-7", []string{"kg", "[lb_av]", "g"}},
	{"height", "Height", "8302-2", []string{"cm", "[in_i]", "m"}},
	{"bmi", "Body mass index", "39156-5", []string{"kg/m2"}},
	{"heart-rate", "Heart rate", "8867-4", []string{"/min"}},
	{"temperature", "Body temperature", "8310-5", []string{"Cel", "[degF]"}},
	{"respiratory-rate", "Breathing rate", "9279-1", []string{"/min"}},
	{"oxygen-saturation", "Oxygen saturation", "2708-6", []string{"%"}},
	{"head-circumference", "Head circumference", "9843-4", []string{"cm", "[in_i]"}},
}

func vitalSign(name string) *VitalSign {
	for i := range VitalSigns {
		if VitalSigns[i].Name == name {
			return &VitalSigns[i]
		}
	}
	return nil
}

// unitSpellings maps what people type to UCUM. Lab units are many; these
// are the ones lab reports use most. A unit not here is refused with the
// reason, rather than stored in a form no chart can convert.
var unitSpellings = map[string]string{
	"kg": "kg", "kgs": "kg", "kilograms": "kg", "g": "g", "grams": "g", "lb": "[lb_av]", "lbs": "[lb_av]", "pounds": "[lb_av]", "[lb_av]": "[lb_av]",
	"cm": "cm", "m": "m", "in": "[in_i]", "inch": "[in_i]", "inches": "[in_i]", "[in_i]": "[in_i]",
	"mmhg": "mm[Hg]", "mm hg": "mm[Hg]", "mm[hg]": "mm[Hg]",
	"kg/m2": "kg/m2", "kg/m²": "kg/m2",
	"/min": "/min", "bpm": "/min", "beats/min": "/min", "breaths/min": "/min", "per minute": "/min",
	"cel": "Cel", "c": "Cel", "°c": "Cel", "celsius": "Cel", "[degf]": "[degF]", "f": "[degF]", "°f": "[degF]", "fahrenheit": "[degF]",
	"%": "%", "percent": "%",
	"mg/dl": "mg/dL", "mmol/l": "mmol/L", "umol/l": "umol/L", "µmol/l": "umol/L", "nmol/l": "nmol/L", "pmol/l": "pmol/L",
	"g/dl": "g/dL", "g/l": "g/L", "mg/l": "mg/L", "ug/dl": "ug/dL", "µg/dl": "ug/dL", "ug/l": "ug/L", "µg/l": "ug/L", "ng/ml": "ng/mL", "ng/dl": "ng/dL", "pg/ml": "pg/mL", "ng/l": "ng/L",
	"meq/l": "meq/L", "u/l": "U/L", "iu/l": "[IU]/L", "miu/l": "m[IU]/L", "uiu/ml": "u[IU]/mL", "µiu/ml": "u[IU]/mL", "miu/ml": "m[IU]/mL", "iu/ml": "[IU]/mL",
	"10*3/ul": "10*3/uL", "10^3/ul": "10*3/uL", "k/ul": "10*3/uL", "x10^9/l": "10*9/L", "10*9/l": "10*9/L", "10^9/l": "10*9/L",
	"10*6/ul": "10*6/uL", "10^6/ul": "10*6/uL", "m/ul": "10*6/uL", "x10^12/l": "10*12/L", "10*12/l": "10*12/L", "10^12/l": "10*12/L",
	"fl": "fL", "pg": "pg", "s": "s", "sec": "s", "seconds": "s", "ratio": "{ratio}", "{ratio}": "{ratio}", "inr": "{INR}", "{inr}": "{INR}",
	"ml/min/1.73m2": "mL/min/{1.73_m2}", "ml/min/{1.73_m2}": "mL/min/{1.73_m2}", "ml/min": "mL/min", "mg/g": "mg/g", "mg/mmol": "mg/mmol",
	"mm/h": "mm/h", "mm/hr": "mm/h", "cells/ul": "/uL", "/ul": "/uL", "mosm/kg": "mosm/kg", "ng/ml feu": "ng/mL{FEU}",
}

// ucumUnit returns the UCUM code for a typed unit, or "" if unknown.
func ucumUnit(typed string) string {
	t := strings.ToLower(strings.TrimSpace(typed))
	if u, ok := unitSpellings[t]; ok {
		return u
	}
	return ""
}

// Relationships are the family members history can name (HL7 v3 RoleCode).
var Relationships = map[string]struct{ Code, Label string }{
	"mother": {"MTH", "Mother"}, "father": {"FTH", "Father"}, "sister": {"SIS", "Sister"}, "brother": {"BRO", "Brother"},
	"daughter": {"DAU", "Daughter"}, "son": {"SONC", "Son"}, "child": {"CHILD", "Child"}, "sibling": {"SIB", "Sibling"},
	"parent": {"PRN", "Parent"}, "grandmother": {"GRMTH", "Grandmother"}, "grandfather": {"GRFTH", "Grandfather"},
	"aunt": {"AUNT", "Aunt"}, "uncle": {"UNCLE", "Uncle"}, "cousin": {"COUSN", "Cousin"},
}

var codeSystems = map[string]string{
	"snomed": "http://snomed.info/sct", "sct": "http://snomed.info/sct", "loinc": "http://loinc.org", "rxnorm": "http://www.nlm.nih.gov/research/umls/rxnorm",
	"cvx": "http://hl7.org/fhir/sid/cvx", "icd10": "http://hl7.org/fhir/sid/icd-10-cm", "icd-10": "http://hl7.org/fhir/sid/icd-10-cm", "icd-10-cm": "http://hl7.org/fhir/sid/icd-10-cm",
}

// entryDate checks a typed date: a real calendar date, not in the future,
// not before the person was born.
func entryDate(d string, born string, today time.Time) (string, string) {
	d = strings.TrimSpace(d)
	var t time.Time
	var err error
	switch len(d) {
	case 4:
		t, err = time.Parse("2006", d)
	case 7:
		t, err = time.Parse("2006-01", d)
	case 10:
		t, err = time.Parse("2006-01-02", d)
	default:
		return "", "use a date like 2024-03-09 (or 2024-03, or 2024)"
	}
	if err != nil {
		return "", "this is not a date on the calendar: use a date like 2024-03-09"
	}
	if t.After(today) {
		return "", "this date is in the future"
	}
	if born != "" && len(born) >= len(d) && d < born[:len(d)] {
		return "", "this date is before the person was born (" + born + ")"
	}
	return d, ""
}

// build checks the entry and returns the FHIR R4 resource it becomes (as
// JSON), its type, and every problem found.
func (e Entry) build(id, patientRef, born string, today time.Time) ([]byte, string, []FieldProblem) {
	var probs []FieldProblem
	bad := func(field, reason string) { probs = append(probs, FieldProblem{field, reason}) }
	words := strings.TrimSpace(e.Display)
	if len(words) > 500 {
		bad("display", "keep it under 500 characters")
	}
	if len(e.Text) > 100_000 {
		bad("text", "keep notes under 100,000 characters")
	}
	date, why := entryDate(e.Date, born, today)
	if strings.TrimSpace(e.Date) == "" {
		bad("date", "say when (a year is enough)")
	} else if why != "" {
		bad("date", why)
	}
	end := ""
	if strings.TrimSpace(e.EndDate) != "" {
		if e.Kind != EntryCondition && e.Kind != EntryMedication {
			bad("endDate", "only conditions and medications have an end date")
		} else if end, why = entryDate(e.EndDate, born, today); why != "" {
			bad("endDate", why)
		} else if date != "" && end < date[:min(len(date), len(end))] {
			bad("endDate", "it ends before it began")
		}
	}
	var coding []any
	if c := strings.TrimSpace(e.Code); c != "" || strings.TrimSpace(e.CodeSystem) != "" {
		sys := strings.TrimSpace(e.CodeSystem)
		if u, ok := codeSystems[strings.ToLower(sys)]; ok {
			sys = u
		}
		switch {
		case c == "":
			bad("code", "give the code, or leave the code system empty")
		case !strings.Contains(sys, ":"):
			bad("codeSystem", "name the code system: snomed, loinc, rxnorm, cvx, icd10, or its URI")
		case len(c) > 64 || strings.ContainsAny(c, " \t\n"):
			bad("code", "a code is one word, like 195967001")
		default:
			cd := map[string]any{"system": sys, "code": c}
			if words != "" {
				cd["display"] = words
			}
			coding = []any{cd}
		}
	}
	named := func() map[string]any {
		cc := map[string]any{"text": words}
		if coding != nil {
			cc["coding"] = coding
		}
		return cc
	}
	needWords := func() {
		if words == "" {
			bad("display", "say what it is, in your own words")
		}
	}
	status := strings.ToLower(strings.TrimSpace(e.Status))
	notes := func(r map[string]any) {
		if t := strings.TrimSpace(e.Text); t != "" {
			r["note"] = []any{map[string]any{"text": t}}
		}
	}
	subject := map[string]any{"reference": patientRef}
	r := map[string]any{"id": id}
	typ := ""
	switch e.Kind {
	case EntryCondition:
		typ = "Condition"
		needWords()
		clinical := map[string]string{"": "active", "active": "active", "resolved": "resolved"}[status]
		if clinical == "" {
			bad("status", "a condition is active or resolved")
		}
		if end != "" {
			clinical = "resolved"
			r["abatementDateTime"] = end
		}
		r["clinicalStatus"] = map[string]any{"coding": []any{map[string]any{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": clinical}}}
		r["verificationStatus"] = map[string]any{"coding": []any{map[string]any{"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": "confirmed"}}}
		r["category"] = []any{map[string]any{"coding": []any{map[string]any{"system": "http://terminology.hl7.org/CodeSystem/condition-category", "code": "problem-list-item"}}}}
		r["code"], r["subject"], r["onsetDateTime"], r["recordedDate"] = named(), subject, date, today.Format("2006-01-02")
		notes(r)
	case EntryMedication:
		typ = "MedicationStatement"
		needWords()
		st := map[string]string{"": "active", "active": "active", "stopped": "stopped", "completed": "completed"}[status]
		if st == "" {
			bad("status", "a medication is active or stopped")
		}
		if end != "" && st == "active" {
			st = "completed"
		}
		r["status"], r["medicationCodeableConcept"], r["subject"], r["dateAsserted"] = st, named(), subject, today.Format("2006-01-02")
		if end != "" {
			r["effectivePeriod"] = map[string]any{"start": date, "end": end}
		} else {
			r["effectiveDateTime"] = date
		}
		if d := strings.TrimSpace(e.Dose); d != "" {
			r["dosage"] = []any{map[string]any{"text": d}}
		}
		notes(r)
	case EntryAllergy:
		typ = "AllergyIntolerance"
		needWords()
		clinical := map[string]string{"": "active", "active": "active", "inactive": "inactive", "resolved": "resolved"}[status]
		if clinical == "" {
			bad("status", "an allergy is active or inactive")
		}
		r["clinicalStatus"] = map[string]any{"coding": []any{map[string]any{"system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical", "code": clinical}}}
		r["verificationStatus"] = map[string]any{"coding": []any{map[string]any{"system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification", "code": "confirmed"}}}
		r["code"], r["patient"], r["onsetDateTime"], r["recordedDate"] = named(), subject, date, today.Format("2006-01-02")
		sev := strings.ToLower(strings.TrimSpace(e.Severity))
		if sev != "" && sev != "mild" && sev != "moderate" && sev != "severe" {
			bad("severity", "mild, moderate or severe")
		}
		if rx := strings.TrimSpace(e.Reaction); rx != "" || sev != "" {
			reaction := map[string]any{"manifestation": []any{map[string]any{"text": cmpOr(rx, "reaction")}}}
			if sev != "" {
				reaction["severity"] = sev
			}
			r["reaction"] = []any{reaction}
		}
		notes(r)
	case EntryImmunization:
		typ = "Immunization"
		needWords()
		r["status"], r["vaccineCode"], r["patient"], r["occurrenceDateTime"] = "completed", named(), subject, date
		// Told by the family, not recorded where it was given.
		r["primarySource"] = false
		if lot := strings.TrimSpace(e.Lot); lot != "" {
			r["lotNumber"] = lot
		}
		notes(r)
	case EntryVital, EntryLab:
		typ = "Observation"
		category, code := "laboratory", named()
		var vs *VitalSign
		if e.Kind == EntryVital {
			category = "vital-signs"
			if vs = vitalSign(e.Vital); vs == nil {
				bad("vital", "choose what was measured")
				break
			}
			code = map[string]any{"coding": []any{map[string]any{"system": "http://loinc.org", "code": vs.Code, "display": vs.Label}}, "text": vs.Label}
		} else {
			needWords()
		}
		unit := ucumUnit(e.Unit)
		switch {
		case strings.TrimSpace(e.Unit) == "":
			bad("unit", "give the unit, like mg/dL")
		case unit == "":
			bad("unit", fmt.Sprintf("%q is not a unit Fasten knows; write it as on the report, like mg/dL, mmol/L or 10*3/uL", strings.TrimSpace(e.Unit)))
		case vs != nil && !contains(vs.Units, unit):
			bad("unit", vs.Label+" is measured in "+strings.Join(vs.Units, ", "))
		}
		num := func(field string, v *float64) {
			if v == nil {
				bad(field, "give the number")
			} else if math.IsNaN(*v) || math.IsInf(*v, 0) || *v < 0 || *v > 1e9 {
				bad(field, "this is not a reading")
			}
		}
		qty := func(v float64) map[string]any {
			return map[string]any{"value": v, "unit": unitLabel(unit), "system": "http://unitsofmeasure.org", "code": unit}
		}
		r["status"], r["subject"], r["effectiveDateTime"] = "final", subject, date
		r["category"] = []any{map[string]any{"coding": []any{map[string]any{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": category}}}}
		r["code"] = code
		if vs != nil && vs.Name == "blood-pressure" {
			num("value", e.Value)
			num("value2", e.Value2)
			if len(probs) == 0 {
				r["component"] = []any{
					map[string]any{"code": map[string]any{"coding": []any{map[string]any{"system": "http://loinc.org", "code": "8480-6", "display": "Systolic blood pressure"}}}, "valueQuantity": qty(*e.Value)},
					map[string]any{"code": map[string]any{"coding": []any{map[string]any{"system": "http://loinc.org", "code": "8462-4", "display": "Diastolic blood pressure"}}}, "valueQuantity": qty(*e.Value2)},
				}
				if *e.Value2 >= *e.Value {
					bad("value2", "the lower number (diastolic) must be below the upper one")
				}
			}
		} else {
			num("value", e.Value)
			if e.Value2 != nil {
				bad("value2", "only blood pressure has two numbers")
			}
			if len(probs) == 0 {
				r["valueQuantity"] = qty(*e.Value)
			}
		}
		if e.Kind == EntryLab && (e.RefLow != nil || e.RefHigh != nil) {
			rr := map[string]any{}
			if e.RefLow != nil {
				rr["low"] = qty(*e.RefLow)
			}
			if e.RefHigh != nil {
				rr["high"] = qty(*e.RefHigh)
			}
			if e.RefLow != nil && e.RefHigh != nil && *e.RefLow > *e.RefHigh {
				bad("refHigh", "the top of the range is below its bottom")
			}
			if unit != "" {
				r["referenceRange"] = []any{rr}
			}
		} else if e.RefLow != nil || e.RefHigh != nil {
			bad("refLow", "only lab results have a reference range")
		}
		notes(r)
	case EntryProcedure:
		typ = "Procedure"
		needWords()
		r["status"], r["code"], r["subject"], r["performedDateTime"] = "completed", named(), subject, date
		notes(r)
	case EntryNote:
		typ = "DocumentReference"
		body := strings.TrimSpace(e.Text)
		if body == "" {
			bad("text", "write the note")
		}
		title := cmpOr(words, "Visit note")
		// A progress note, kept as a text document: its words are searched
		// and it shows with the person's other documents.
		r["status"] = "current"
		r["type"] = map[string]any{"coding": []any{map[string]any{"system": "http://loinc.org", "code": "11506-3", "display": "Progress note"}}, "text": title}
		r["subject"], r["date"] = subject, instant(date)
		r["description"] = title
		r["content"] = []any{map[string]any{"attachment": map[string]any{
			"contentType": "text/plain; charset=utf-8", "title": title, "creation": date,
			"data": base64.StdEncoding.EncodeToString([]byte(body)),
		}}}
		r["context"] = map[string]any{"period": map[string]any{"start": date}}
	case EntryFamilyHistory:
		typ = "FamilyMemberHistory"
		needWords()
		rel, ok := Relationships[strings.ToLower(strings.TrimSpace(e.Relationship))]
		if !ok {
			bad("relationship", "choose whose history it is (mother, father, sister…)")
		}
		r["status"], r["patient"], r["date"] = "completed", subject, date
		r["relationship"] = map[string]any{"coding": []any{map[string]any{"system": "http://terminology.hl7.org/CodeSystem/v3-RoleCode", "code": rel.Code, "display": rel.Label}}, "text": rel.Label}
		r["condition"] = []any{map[string]any{"code": named()}}
		notes(r)
	default:
		bad("kind", "choose what to add")
	}
	if p := strings.TrimSpace(e.Performer); p != "" {
		switch typ {
		case "Immunization", "Procedure":
			r["performer"] = []any{map[string]any{"actor": map[string]any{"display": p}}}
		case "Observation":
			r["performer"] = []any{map[string]any{"display": p}}
		default:
			bad("performer", "only vaccines, procedures and readings name who did them")
		}
	}
	if len(probs) > 0 {
		return nil, typ, probs
	}
	r["resourceType"] = typ
	raw, err := json.Marshal(r)
	if err != nil {
		return nil, typ, []FieldProblem{{"kind", err.Error()}}
	}
	return raw, typ, nil
}

// instant makes a date a FHIR instant (DocumentReference.date must be one).
func instant(d string) string {
	switch len(d) {
	case 4:
		d += "-01-01"
	case 7:
		d += "-01"
	}
	return d + "T00:00:00Z"
}

// unitLabel is how a UCUM unit reads.
func unitLabel(u string) string {
	switch u {
	case "[lb_av]":
		return "lb"
	case "[in_i]":
		return "in"
	case "Cel":
		return "°C"
	case "[degF]":
		return "°F"
	case "mm[Hg]":
		return "mmHg"
	case "/min":
		return "/min"
	}
	return u
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// EnteredRecord is what adding or editing gave: the record's id (as every
// view names records) and its version.
type EnteredRecord struct {
	ID      int64 `json:"id"`
	Version int   `json:"version"`
}

// AddEntered keeps a new record for a member. A problem with what was
// typed is an *EntryError naming each field.
func (s *Store) AddEntered(ctx context.Context, personID int64, e Entry) (EnteredRecord, error) {
	var b [8]byte
	rand.Read(b[:])
	return s.keepEntered(ctx, personID, "entered-"+hex.EncodeToString(b[:]), 0, e)
}

// EditEntered replaces a record the family entered with what e says; the
// earlier version is kept (resource_versions). Records from providers and
// files cannot be edited (ErrNotEntered): hide or annotate them instead.
func (s *Store) EditEntered(ctx context.Context, id int64, e Entry) (EnteredRecord, error) {
	row, err := s.enteredRow(ctx, id)
	if err != nil {
		return EnteredRecord{}, err
	}
	if err := sameKind(row.typ, e.Kind); err != nil {
		return EnteredRecord{}, err
	}
	return s.keepEntered(ctx, row.person, row.fhirID, id, e)
}

// sameKind: an edit keeps the record's kind (a condition stays one).
func sameKind(typ string, k EntryKind) error {
	want := map[EntryKind]string{EntryCondition: "Condition", EntryMedication: "MedicationStatement", EntryAllergy: "AllergyIntolerance",
		EntryImmunization: "Immunization", EntryVital: "Observation", EntryLab: "Observation", EntryProcedure: "Procedure",
		EntryNote: "DocumentReference", EntryFamilyHistory: "FamilyMemberHistory"}[k]
	if want != typ {
		return &EntryError{Problems: []FieldProblem{{"kind", "an edit keeps what the record is; delete it and add a new one instead"}}}
	}
	return nil
}

// entered is a live record the family entered: its person (through the
// entered source's link of the Patient it names, which follows the member
// through merges), FHIR id, type and bytes.
type entered struct {
	person      int64
	fhirID, typ string
	raw         []byte
}

// enteredRow finds a live record the family entered.
func (s *Store) enteredRow(ctx context.Context, id int64) (entered, error) {
	var e entered
	var kind string
	var src int64
	var stored []byte
	var deleted sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT src.kind, r.source_id, r.resource_id, r.resource_type, r.raw, m.deleted
FROM resources r JOIN sources src ON src.id = r.source_id LEFT JOIN record_marks m ON m.resource = r.id
WHERE r.id = ?`, id).Scan(&kind, &src, &e.fhirID, &e.typ, &stored, &deleted)
	if errors.Is(err, sql.ErrNoRows) || deleted.Int64 == 1 {
		return e, ErrNoResource
	}
	if err != nil {
		return e, err
	}
	if kind != "entered" {
		return e, ErrNotEntered
	}
	if e.raw, err = vault.UnpackRaw(nil, stored); err != nil {
		return e, err
	}
	ref := fhir.Summarize(fhir.Resource{Type: e.typ, ID: e.fhirID, Raw: e.raw}, localRef).PatientRef
	var pid sql.NullInt64
	err = s.db.QueryRowContext(ctx, "SELECT person_id FROM patient_links WHERE source_id = ? AND patient_id = ?", src, patientID(ref)).Scan(&pid)
	if errors.Is(err, sql.ErrNoRows) || err == nil && !pid.Valid {
		return e, ErrNoPerson
	}
	if err != nil {
		return e, err
	}
	e.person = pid.Int64
	return e, nil
}

// member is what storing an entered record needs of the person: the
// Patient made for them carries their name and birth date, and entry dates
// are checked against the birth date.
type member struct {
	id         int64
	name, born string
}

func (s *Store) member(ctx context.Context, id int64) (member, error) {
	m := member{id: id}
	err := s.db.QueryRowContext(ctx, "SELECT name, birth_date FROM people WHERE id = ?", id).Scan(&m.name, &m.born)
	if errors.Is(err, sql.ErrNoRows) {
		return m, ErrNoPerson
	}
	return m, err
}

// keepEntered validates and stores one entered record (new when existing
// is 0) with the writer imports use, in one transaction.
func (s *Store) keepEntered(ctx context.Context, personID int64, fhirID string, existing int64, e Entry) (EnteredRecord, error) {
	m, err := s.member(ctx, personID)
	if err != nil {
		return EnteredRecord{}, err
	}
	raw, typ, probs := e.build(fhirID, fmt.Sprintf("Patient/person-%d", personID), m.born, s.now().UTC())
	if len(probs) > 0 {
		return EnteredRecord{}, &EntryError{Problems: probs}
	}
	v, err := fhir.NewValidator()
	if err != nil {
		return EnteredRecord{}, err
	}
	res := fhir.Resource{Type: typ, ID: fhirID, Raw: raw}
	if inv := v.Validate(res); inv != nil {
		// What build makes should always be valid R4: a refusal here is a
		// fault in build, reported without the entry's words.
		return EnteredRecord{}, fmt.Errorf("the entry did not make valid FHIR (%s %s)", inv.Type, inv.Path)
	}
	return s.keepResource(ctx, m, res, existing)
}

// keepResource stores a valid resource under the entered source for a
// member (existing: the record it replaces, 0 for a new one).
func (s *Store) keepResource(ctx context.Context, m member, res fhir.Resource, existing int64) (EnteredRecord, error) {
	patientID := fmt.Sprintf("person-%d", m.id)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return EnteredRecord{}, err
	}
	defer tx.Rollback()
	src, err := s.enteredSource(ctx, tx)
	if err != nil {
		return EnteredRecord{}, err
	}
	w, err := newWriter(ctx, tx, s.stamp(), src)
	if err != nil {
		return EnteredRecord{}, err
	}
	defer w.close()
	links := linker{ctx: ctx, tx: tx, store: s, source: src, cache: map[string]sql.NullInt64{}}
	// The person's Patient in the entered source: what entries refer to,
	// linked to the member once.
	if p, err := links.person(patientID); err != nil {
		return EnteredRecord{}, err
	} else if !p.Valid {
		pr := map[string]any{"resourceType": "Patient", "id": patientID, "name": []any{map[string]any{"text": m.name}}}
		if m.born != "" {
			pr["birthDate"] = m.born
		}
		praw, _ := json.Marshal(pr)
		if err := links.link(patientID, m.id); err != nil {
			return EnteredRecord{}, err
		}
		if _, err := s.storeEntered(w, &links, fhir.Resource{Type: "Patient", ID: patientID, Raw: praw}); err != nil {
			return EnteredRecord{}, err
		}
	}
	id, err := s.storeEntered(w, &links, res)
	if err != nil {
		return EnteredRecord{}, err
	}
	if existing != 0 && id != existing {
		return EnteredRecord{}, ErrNoResource
	}
	var version int
	if err := tx.QueryRowContext(ctx, "SELECT version FROM resources WHERE id = ?", id).Scan(&version); err != nil {
		return EnteredRecord{}, err
	}
	if err := tx.Commit(); err != nil {
		return EnteredRecord{}, err
	}
	return EnteredRecord{ID: id, Version: version}, nil
}

// storeEntered writes one resource and its derived rows as an import would.
func (s *Store) storeEntered(w *writer, links *linker, r fhir.Resource) (int64, error) {
	p := pending{res: r}
	p.hash = sha256.Sum256(r.Raw)
	p.sum = fhir.Summarize(r, localRef)
	p.packed = vault.PackRaw(nil, r.Raw)
	id, outcome, err := w.upsert(&p)
	if err != nil || outcome == unchanged {
		return id, err
	}
	atts, err := newAttachmentWriter(w.ctx, w.tx)
	if err != nil {
		return 0, err
	}
	defer atts.close()
	if outcome == updated {
		if err := atts.forget(id); err != nil {
			return 0, err
		}
	}
	n, _, err := atts.extract(id, r.Type, r.Raw)
	if err != nil {
		return 0, err
	}
	if err := w.derive(id, r.Type, r.ID, &p.sum, links); err != nil {
		return 0, err
	}
	if n > 0 || outcome == updated {
		if err := writeDocText(w.ctx, w.tx, id); err != nil {
			return 0, err
		}
	}
	return id, nil
}

// patientField names the field through which a resource type points at its
// patient (most use subject).
func patientField(typ string) string {
	switch typ {
	case "AllergyIntolerance", "Immunization", "FamilyMemberHistory", "Account", "Coverage", "Claim", "ExplanationOfBenefit":
		if typ == "Coverage" {
			return "beneficiary"
		}
		return "patient"
	}
	return "subject"
}

// AddEnteredJSON keeps a FHIR R4 resource the family wrote or got outside a
// portal (fasten add --json) as one of their entered records: it is
// validated like any import, gets an id of its own when it has none, and
// is pointed at the member. A resource that is not valid FHIR R4 is an
// *EntryError at field "json" with the validator's path and reason.
func (s *Store) AddEnteredJSON(ctx context.Context, personID int64, raw []byte) (EnteredRecord, error) {
	who, err := s.member(ctx, personID)
	if err != nil {
		return EnteredRecord{}, err
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return EnteredRecord{}, &EntryError{Problems: []FieldProblem{{"json", "this is not a JSON object"}}}
	}
	typ, _ := m["resourceType"].(string)
	switch typ {
	case "":
		return EnteredRecord{}, &EntryError{Problems: []FieldProblem{{"json", "it has no resourceType"}}}
	case "Bundle", "Patient":
		return EnteredRecord{}, &EntryError{Problems: []FieldProblem{{"json", "give one record; import a Bundle or a Patient with fasten import"}}}
	}
	id, _ := m["id"].(string)
	if id == "" {
		var b [8]byte
		rand.Read(b[:])
		id = "entered-" + hex.EncodeToString(b[:])
	}
	m["id"] = id
	m[patientField(typ)] = map[string]any{"reference": fmt.Sprintf("Patient/person-%d", personID)}
	out, err := json.Marshal(m)
	if err != nil {
		return EnteredRecord{}, err
	}
	v, err := fhir.NewValidator()
	if err != nil {
		return EnteredRecord{}, err
	}
	if inv := v.Validate(fhir.Resource{Type: typ, ID: id, Raw: out}); inv != nil {
		return EnteredRecord{}, &EntryError{Problems: []FieldProblem{{"json", strings.TrimSpace(inv.Path + " " + inv.Reason)}}}
	}
	return s.keepResource(ctx, who, fhir.Resource{Type: typ, ID: id, Raw: out}, 0)
}

// ErrNotForm: the record was entered as a FHIR resource (fasten add --json),
// not through the form, so the form cannot edit it.
var ErrNotForm = errors.New("this record was added as a FHIR resource: the form cannot change it")

// EnteredEntry reads back the Entry a record the family entered was made
// from, for the form to edit.
func (s *Store) EnteredEntry(ctx context.Context, id int64) (Entry, error) {
	row, err := s.enteredRow(ctx, id)
	if err != nil {
		return Entry{}, err
	}
	typ, raw := row.typ, row.raw
	var r struct {
		ID             string `json:"id"`
		Code           entConcept
		ClinicalStatus entConcept                  `json:"clinicalStatus"`
		Status         string                      `json:"status"`
		Medication     entConcept                  `json:"medicationCodeableConcept"`
		VaccineCode    entConcept                  `json:"vaccineCode"`
		Onset          string                      `json:"onsetDateTime"`
		Abatement      string                      `json:"abatementDateTime"`
		Effective      string                      `json:"effectiveDateTime"`
		Period         struct{ Start, End string } `json:"effectivePeriod"`
		Occurrence     string                      `json:"occurrenceDateTime"`
		Performed      string                      `json:"performedDateTime"`
		Date           string                      `json:"date"`
		Lot            string                      `json:"lotNumber"`
		Dosage         []struct{ Text string }     `json:"dosage"`
		Note           []struct{ Text string }     `json:"note"`
		Category       []entConcept                `json:"category"`
		ValueQuantity  *entQuantity                `json:"valueQuantity"`
		Component      []struct {
			Code          entConcept
			ValueQuantity *entQuantity `json:"valueQuantity"`
		} `json:"component"`
		ReferenceRange []struct{ Low, High *entQuantity } `json:"referenceRange"`
		Reaction       []struct {
			Manifestation []entConcept
			Severity      string
		} `json:"reaction"`
		Performer    json.RawMessage                         `json:"performer"`
		Relationship entConcept                              `json:"relationship"`
		Condition    []struct{ Code entConcept }             `json:"condition"`
		Description  string                                  `json:"description"`
		Context      struct{ Period struct{ Start string } } `json:"context"`
		Content      []struct {
			Attachment struct{ Data string } `json:"attachment"`
		} `json:"content"`
	}
	if err := json.Unmarshal(raw, &r); err != nil || !strings.HasPrefix(r.ID, "entered-") {
		return Entry{}, ErrNotForm
	}
	e := Entry{}
	if len(r.Note) > 0 {
		e.Text = r.Note[0].Text
	}
	setCode := func(c entConcept) {
		e.Display = c.Text
		if len(c.Coding) > 0 {
			e.CodeSystem, e.Code = c.Coding[0].System, c.Coding[0].Code
			// The names the form offers for the systems it knows.
			for _, short := range []string{"snomed", "loinc", "rxnorm", "cvx", "icd10"} {
				if codeSystems[short] == e.CodeSystem {
					e.CodeSystem = short
				}
			}
		}
	}
	performer := func() {
		var ps []struct {
			Actor   struct{ Display string }
			Display string
		}
		if json.Unmarshal(r.Performer, &ps) == nil && len(ps) > 0 {
			e.Performer = cmpOr(ps[0].Actor.Display, ps[0].Display)
		}
	}
	switch typ {
	case "Condition":
		e.Kind, e.Date, e.EndDate, e.Status = EntryCondition, r.Onset, r.Abatement, r.ClinicalStatus.code()
		setCode(r.Code)
	case "MedicationStatement":
		e.Kind, e.Date, e.EndDate, e.Status = EntryMedication, cmpOr(r.Effective, r.Period.Start), r.Period.End, r.Status
		if e.Status == "completed" {
			e.Status = "stopped"
		}
		setCode(r.Medication)
		if len(r.Dosage) > 0 {
			e.Dose = r.Dosage[0].Text
		}
	case "AllergyIntolerance":
		e.Kind, e.Date, e.Status = EntryAllergy, r.Onset, r.ClinicalStatus.code()
		setCode(r.Code)
		if len(r.Reaction) > 0 {
			e.Severity = r.Reaction[0].Severity
			if len(r.Reaction[0].Manifestation) > 0 && r.Reaction[0].Manifestation[0].Text != "reaction" {
				e.Reaction = r.Reaction[0].Manifestation[0].Text
			}
		}
	case "Immunization":
		e.Kind, e.Date, e.Lot = EntryImmunization, r.Occurrence, r.Lot
		setCode(r.VaccineCode)
		performer()
	case "Procedure":
		e.Kind, e.Date = EntryProcedure, r.Performed
		setCode(r.Code)
		performer()
	case "Observation":
		e.Date = r.Effective
		performer()
		vital := len(r.Category) > 0 && r.Category[0].code() == "vital-signs"
		if vital {
			e.Kind = EntryVital
			for _, v := range VitalSigns {
				if len(r.Code.Coding) > 0 && r.Code.Coding[0].Code == v.Code {
					e.Vital = v.Name
				}
			}
		} else {
			e.Kind = EntryLab
			setCode(r.Code)
		}
		if r.ValueQuantity != nil {
			e.Value, e.Unit = r.ValueQuantity.Value, r.ValueQuantity.Code
		}
		if len(r.Component) == 2 && r.Component[0].ValueQuantity != nil && r.Component[1].ValueQuantity != nil {
			e.Value, e.Value2, e.Unit = r.Component[0].ValueQuantity.Value, r.Component[1].ValueQuantity.Value, r.Component[0].ValueQuantity.Code
		}
		if len(r.ReferenceRange) > 0 {
			if q := r.ReferenceRange[0].Low; q != nil {
				e.RefLow = q.Value
			}
			if q := r.ReferenceRange[0].High; q != nil {
				e.RefHigh = q.Value
			}
		}
	case "DocumentReference":
		e.Kind, e.Display, e.Date = EntryNote, r.Description, r.Context.Period.Start
		if len(r.Content) > 0 {
			if b, err := base64.StdEncoding.DecodeString(r.Content[0].Attachment.Data); err == nil {
				e.Text = string(b)
			}
		}
	case "FamilyMemberHistory":
		e.Kind, e.Date = EntryFamilyHistory, r.Date
		if len(r.Condition) > 0 {
			setCode(r.Condition[0].Code)
		}
		for name, rel := range Relationships {
			if rel.Code == r.Relationship.code() {
				e.Relationship = name
			}
		}
	default:
		return Entry{}, ErrNotForm
	}
	if e.Kind == "" || (e.Kind == EntryVital && e.Vital == "") {
		return Entry{}, ErrNotForm
	}
	return e, nil
}

type entConcept struct {
	Coding []struct{ System, Code string } `json:"coding"`
	Text   string                          `json:"text"`
}

func (c entConcept) code() string {
	if len(c.Coding) > 0 {
		return c.Coding[0].Code
	}
	return ""
}

type entQuantity struct {
	Value *float64 `json:"value"`
	Code  string   `json:"code"`
}
