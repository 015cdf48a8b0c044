package records

import "strings"

// Unit conversion for trends. A series is drawn on one axis only when every
// point is in one unit; a point in another unit joins it only when the
// conversion is exact — a definition (1 lb = 0.45359237 kg, 1 in = 2.54 cm,
// °F = °C × 9/5 + 32) or, between mass and amount concentrations, the
// analyte's molar mass listed below. Anything else (mg/dL of an analyte not
// listed, IU against mg, a unit we do not know) stays a series of its own.

// unitKey is a unit's canonical UCUM spelling, so "kg", "Kg" and "kilogram"
// compare equal; a unit not known here is kept as written.
func unitKey(u string) string {
	t := strings.TrimSpace(u)
	if k, ok := unitAliases[strings.ToLower(t)]; ok {
		return k
	}
	return t
}

var unitAliases = map[string]string{
	"kg": "kg", "kilogram": "kg", "kilograms": "kg",
	"g": "g", "gram": "g", "grams": "g",
	"[lb_av]": "[lb_av]", "lb": "[lb_av]", "lbs": "[lb_av]", "pound": "[lb_av]", "pounds": "[lb_av]",
	"[oz_av]": "[oz_av]", "oz": "[oz_av]",
	"cm": "cm", "centimeter": "cm", "centimeters": "cm",
	"m": "m", "meter": "m", "metre": "m",
	"[in_i]": "[in_i]", "in": "[in_i]", "inch": "[in_i]", "inches": "[in_i]", "[in_us]": "[in_i]",
	"cel": "Cel", "°c": "Cel", "degc": "Cel",
	"[degf]": "[degF]", "°f": "[degF]", "degf": "[degF]",
	"mg/dl": "mg/dL", "mmol/l": "mmol/L", "umol/l": "umol/L", "µmol/l": "umol/L", "μmol/l": "umol/L",
	"mm[hg]": "mm[Hg]", "mmhg": "mm[Hg]",
	"/min": "/min", "{beats}/min": "/min", "beats/min": "/min", "bpm": "/min",
	"%": "%", "kg/m2": "kg/m2", "kg/m^2": "kg/m2",
}

// linear units of one dimension, as a factor to a base unit (exact by
// definition).
var linearUnits = map[string]struct {
	dim    string
	factor float64
}{
	"kg":      {"mass", 1000},
	"g":       {"mass", 1},
	"[lb_av]": {"mass", 453.59237},
	"[oz_av]": {"mass", 28.349523125},
	"m":       {"length", 100},
	"cm":      {"length", 1},
	"[in_i]":  {"length", 2.54},
}

// MolarMass is an analyte's molar mass in g/mol, with where it is from: the
// one fact that makes mg/dL ↔ mmol/L exact for that analyte.
type MolarMass struct {
	Analyte string
	GPerMol float64
	Source  string
}

// molarMasses by LOINC code. Only analytes whose laboratory unit
// conversion is the plain molar mass are listed: triglycerides (a mixture,
// reported against triolein by convention) and urea nitrogen (reported as
// nitrogen) are not, so they are never converted.
var molarMasses = func() map[string]MolarMass {
	glucose := MolarMass{"glucose", 180.156, "PubChem CID 5793 (D-glucose), molecular weight 180.16 g/mol"}
	cholesterol := MolarMass{"cholesterol", 386.65, "PubChem CID 5997 (cholesterol), molecular weight 386.7 g/mol"}
	creatinine := MolarMass{"creatinine", 113.12, "PubChem CID 588 (creatinine), molecular weight 113.12 g/mol"}
	m := map[string]MolarMass{}
	for _, c := range []string{"2339-0", "2345-7", "41653-7", "2340-8", "14749-6", "15074-8", "14743-9"} {
		m[c] = glucose // glucose in blood, serum/plasma, capillary blood
	}
	for _, c := range []string{"2093-3", "14647-2", "2085-9", "14646-4", "18262-6", "13457-7", "2089-1", "22748-8", "43396-1", "2090-9"} {
		m[c] = cholesterol // total, HDL, LDL (measured and calculated), non-HDL cholesterol
	}
	for _, c := range []string{"2160-0", "38483-4", "14682-9", "59826-8"} {
		m[c] = creatinine
	}
	return m
}()

// MolarMassOf is the listed molar mass for a LOINC code.
func MolarMassOf(loinc string) (MolarMass, bool) {
	m, ok := molarMasses[loinc]
	return m, ok
}

// ConvertUnit converts v from one unit to another when the conversion is
// exact, for the test with the given LOINC code (which matters only for
// mass ↔ amount concentrations). ok is false when it is not: the caller
// keeps the value in its own unit, on its own axis.
func ConvertUnit(v float64, from, to, loinc string) (float64, bool) {
	f, t := unitKey(from), unitKey(to)
	if f == t {
		return v, true
	}
	if a, ok := linearUnits[f]; ok {
		if b, ok := linearUnits[t]; ok && a.dim == b.dim {
			return v * a.factor / b.factor, true
		}
		return 0, false
	}
	switch f + ">" + t {
	case "Cel>[degF]":
		return v*9/5 + 32, true
	case "[degF]>Cel":
		return (v - 32) * 5 / 9, true
	}
	// Amount concentrations: 1 mmol/L = 1000 µmol/L, whatever the analyte.
	perL := map[string]float64{"mmol/L": 1, "umol/L": 1000}
	a, fromAmount := perL[f]
	b, toAmount := perL[t]
	if fromAmount && toAmount {
		return v / a * b, true
	}
	// Mass to amount concentration: mg/dL is 10 mg/L and mg per mmol is g
	// per mol, so mmol/L = mg/dL × 10 / M. Exact only with the analyte's
	// molar mass.
	mm, ok := molarMasses[loinc]
	switch {
	case !ok:
		return 0, false
	case f == "mg/dL" && toAmount:
		return v * 10 / mm.GPerMol * b, true
	case fromAmount && t == "mg/dL":
		return v / a * mm.GPerMol / 10, true
	}
	return 0, false
}
