// Package codenames names codes that arrive without words. A SMART Health
// Card writes a vaccine as {"system":"http://hl7.org/fhir/sid/cvx",
// "code":"207"} and a test result as a bare LOINC and SNOMED CT code, so
// the issuer's card stays small enough for a QR code; some portals do the
// same. Without a name a family sees "207". The tables are embedded, so
// naming works offline, and each is a published list (README.md says
// which, from where, under what licence, and how many codes).
package codenames

import (
	"bufio"
	"bytes"
	_ "embed"
	"strings"
	"sync"
)

// The code systems the tables cover, as FHIR writes them. A system may also
// arrive as its OID (C-CDA converted, or a sender that prefers OIDs).
const (
	CVX    = "http://hl7.org/fhir/sid/cvx"
	LOINC  = "http://loinc.org"
	SNOMED = "http://snomed.info/sct"
)

var oids = map[string]string{
	"urn:oid:2.16.840.1.113883.12.292": CVX,
	"urn:oid:2.16.840.1.113883.6.1":    LOINC,
	"urn:oid:2.16.840.1.113883.6.96":   SNOMED,
}

var (
	//go:embed data/cvx.tsv
	cvxTSV []byte
	//go:embed data/loinc.tsv
	loincTSV []byte
	//go:embed data/snomed.tsv
	snomedTSV []byte
)

// tables is parsed on first use: most sessions name nothing (sources that
// write displays need no table), and the parse is a few hundred lines.
var tables = sync.OnceValue(func() map[string]map[string]string {
	return map[string]map[string]string{
		CVX:    parse(cvxTSV, 1),
		LOINC:  parse(loincTSV, 1),
		SNOMED: parse(snomedTSV, 1),
	}
})

// parse reads a tab-separated table whose first line names its columns:
// code in the first column, the name in column col.
func parse(data []byte, col int) map[string]string {
	m := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	first := true
	for sc.Scan() {
		if first {
			first = false
			continue
		}
		f := strings.Split(sc.Text(), "\t")
		if len(f) > col && f[0] != "" && f[col] != "" {
			m[f[0]] = f[col]
		}
	}
	return m
}

// Name is the published name of code in system: a CVX code's full vaccine
// name, a LOINC code's long common name, a SNOMED CT result's preferred
// term (without the semantic tag). It is "" for a system or code the tables
// do not hold; the caller then shows what it showed before.
func Name(system, code string) string {
	system = strings.TrimSpace(system)
	if s, ok := oids[system]; ok {
		system = s
	}
	t := tables()[system]
	if t == nil {
		return ""
	}
	// Senders pad codes ("208 " is in a CDC export) and some drop CVX's
	// leading zero ("8" for "08").
	code = strings.TrimSpace(code)
	if n, ok := t[code]; ok {
		return n
	}
	if system == CVX && len(code) == 1 && code[0] >= '0' && code[0] <= '9' {
		return t["0"+code]
	}
	return ""
}
