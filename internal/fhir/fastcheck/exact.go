package fastcheck

import (
	"encoding/json"
	"math"
	"regexp"
	"time"

	jsoniter "github.com/json-iterator/go"
)

// The exact paths: for values the fast parsers do not recognise, the same
// decoders, regular expressions and time layouts jsonformat v0.7.4 applies
// (jsonformat/unmarshaller.go, date_time.go, primitive.go and
// internal/jsonpbhelper/fhirutil.go, which is internal and so cannot be
// imported: its expressions are copied here verbatim).
var (
	jsp    = jsoniter.Config{ValidateJsonRawMessage: true}.Froze() // unmarshaller.go
	jspStd = jsoniter.ConfigCompatibleWithStandardLibrary          // jsonpbhelper.JSP

	dateRe        = regexp.MustCompile(`^-?[0-9]{4}(-(0[1-9]|1[0-2])(-(0[0-9]|[1-2][0-9]|3[0-1]))?)?$`)
	dateTimeRe    = regexp.MustCompile(`^-?[0-9]{4}(-(0[1-9]|1[0-2])(-(0[0-9]|[1-2][0-9]|3[0-1])(T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00)))?)?)?$`)
	timeRe        = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?$`)
	instantRe     = regexp.MustCompile(`^-?[0-9]{4}-(0[1-9]|1[0-2])-(0[0-9]|[1-2][0-9]|3[0-1])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))$`)
	positiveIntRe = regexp.MustCompile(`^[+]?[1-9][0-9]*$`)
	unsignedIntRe = regexp.MustCompile(`^(0|([1-9][0-9]*))$`)
)

const (
	layoutYear        = "2006"
	layoutMonth       = "2006-01"
	layoutDay         = "2006-01-02"
	layoutSeconds     = "2006-01-02T15:04:05-07:00"
	layoutSecondsUTC  = "2006-01-02T15:04:05Z"
	layoutTimeSeconds = "15:04:05"
)

// exactDate is parseDateFromStr with the UTC location the app uses.
func exactDate(s string) bool {
	if !dateRe.MatchString(s) {
		return false
	}
	for _, l := range []string{layoutDay, layoutMonth, layoutYear} {
		if _, err := time.ParseInLocation(l, s, time.UTC); err == nil {
			return true
		}
	}
	return false
}

// exactDateTime is parseDateTimeFromStr.
func exactDateTime(s string) bool {
	if !dateTimeRe.MatchString(s) {
		return false
	}
	if _, err := time.Parse(layoutSeconds, s); err == nil {
		return true
	}
	if _, err := time.Parse(layoutSecondsUTC, s); err == nil {
		return true
	}
	for _, l := range []string{layoutDay, layoutMonth, layoutYear} {
		if _, err := time.ParseInLocation(l, s, time.UTC); err == nil {
			return true
		}
	}
	return false
}

// exactInstant is parseInstant.
func exactInstant(s string) bool {
	if !instantRe.MatchString(s) {
		return false
	}
	if _, err := time.Parse(layoutSecondsUTC, s); err == nil {
		return true
	}
	_, err := time.Parse(layoutSeconds, s)
	return err == nil
}

// exactTime is jsonpbhelper.ParseTime.
func exactTime(s string) bool {
	if !timeRe.MatchString(s) {
		return false
	}
	_, err := time.Parse(layoutTimeSeconds, s)
	return err == nil
}

// exactPrimitive decides a scalar token the fast paths left alone, as
// parsePrimitiveType (and, when full, fhirvalidate) would.
func exactPrimitive(m *message, raw []byte, full bool) bool {
	switch m.prim {
	case pBoolean:
		var v bool
		return jsp.Unmarshal(raw, &v) == nil
	case pInteger:
		var v int32
		return jsp.Unmarshal(raw, &v) == nil
	case pPositiveInt, pUnsignedInt:
		re := positiveIntRe
		if m.prim == pUnsignedInt {
			re = unsignedIntRe
		}
		if !re.Match(raw) {
			return false
		}
		var v uint32
		if jsp.Unmarshal(raw, &v) != nil {
			return false
		}
		return !full || v <= math.MaxInt32
	case pDecimal:
		return m.regex.Match(raw)
	case pDate, pDateTime, pInstant, pTime:
		var s string
		if jspStd.Unmarshal(raw, &s) != nil {
			return false
		}
		switch m.prim {
		case pDate:
			return exactDate(s)
		case pDateTime:
			return exactDateTime(s)
		case pInstant:
			return exactInstant(s)
		}
		return exactTime(s)
	case pEnumCode, pStringCode:
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return false
		}
		if m.prim == pStringCode {
			return true
		}
		return enumOK(m.enum, []byte(s))
	case pBase64:
		return len(raw) >= 2 && raw[0] == '"' && raw[len(raw)-1] == '"' && base64Exact(raw[1:len(raw)-1])
	}
	return false
}

func base64Exact(raw []byte) bool {
	w := walker{}
	return w.base64(raw)
}

func digits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(b) > 0
}

func num2(b []byte) int { return int(b[0]-'0')*10 + int(b[1]-'0') }

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// fastDate recognises YYYY, YYYY-MM and YYYY-MM-DD with a real calendar day
// (years 1000–9999): a subset of what exactDate accepts. false means "ask
// exactDate", not "invalid".
func fastDate(v []byte) bool {
	if len(v) != 4 && len(v) != 7 && len(v) != 10 {
		return false
	}
	if !digits(v[:4]) || v[0] == '0' {
		return false
	}
	if len(v) == 4 {
		return true
	}
	if v[4] != '-' || !digits(v[5:7]) {
		return false
	}
	mo := num2(v[5:7])
	if mo < 1 || mo > 12 {
		return false
	}
	if len(v) == 7 {
		return true
	}
	if v[7] != '-' || !digits(v[8:10]) {
		return false
	}
	year := int(v[0]-'0')*1000 + int(v[1]-'0')*100 + num2(v[2:4])
	d := num2(v[8:10])
	return d >= 1 && d <= daysIn(mo, year)
}

// fastClock recognises "hh:mm:ss", optional ".f+", then "Z" or "±hh:mm"
// within the offsets jsonformat's regex allows.
func fastClock(v []byte) bool {
	if len(v) < 9 || v[2] != ':' || v[5] != ':' || !digits(v[0:2]) || !digits(v[3:5]) || !digits(v[6:8]) {
		return false
	}
	if num2(v[0:2]) > 23 || num2(v[3:5]) > 59 || num2(v[6:8]) > 59 {
		return false
	}
	v = v[8:]
	if v[0] == '.' {
		i := 1
		for i < len(v) && v[i] >= '0' && v[i] <= '9' {
			i++
		}
		if i == 1 {
			return false
		}
		v = v[i:]
	}
	if len(v) == 1 {
		return v[0] == 'Z'
	}
	if len(v) != 6 || (v[0] != '+' && v[0] != '-') || v[3] != ':' || !digits(v[1:3]) || !digits(v[4:6]) {
		return false
	}
	h, mi := num2(v[1:3]), num2(v[4:6])
	return (h <= 13 && mi <= 59) || (h == 14 && mi == 0)
}

func fastDateTime(v []byte) bool {
	if len(v) <= 10 {
		return fastDate(v)
	}
	return v[10] == 'T' && fastDate(v[:10]) && fastClock(v[11:])
}

func fastInstant(v []byte) bool {
	return len(v) > 10 && fastDateTime(v)
}
