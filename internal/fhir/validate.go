package fhir

import (
	"fmt"
	"strings"

	"github.com/fastenhealth/fasten-desktop/internal/fhir/fastcheck"
	"github.com/google/fhir/go/fhirversion"
	"github.com/google/fhir/go/jsonformat"
)

// Validator checks resources against the FHIR R4 definitions using
// google/fhir's validating unmarshaller.
//
// For R4 it first runs fastcheck, which walks the JSON against a schema
// derived from the same google/fhir R4 definitions without building the
// protobuf message (about a hundred times cheaper). Only when fastcheck does
// not accept a resource (it rejects it, or meets something it does not model)
// does the full unmarshal run, so the Path and Reason of every refusal are
// still google/fhir's own. fastcheck's tests prove that it never accepts what
// the unmarshaller refuses.
//
// The upstream Unmarshaller keeps no per-call state, so a Validator is in
// practice safe for concurrent use, but upstream does not promise that; the
// ingest creates one per worker goroutine, which costs nothing measurable.
type Validator struct {
	u    *jsonformat.Unmarshaller
	fast *fastcheck.Checker // nil: always the full unmarshal (STU3)
}

func NewValidator() (*Validator, error) {
	u, err := jsonformat.NewUnmarshaller("UTC", fhirversion.R4)
	if err != nil {
		return nil, fmt.Errorf("fhir: creating R4 unmarshaller: %w", err)
	}
	fast, err := fastcheck.New()
	if err != nil {
		return nil, fmt.Errorf("fhir: deriving the R4 schema: %w", err)
	}
	return &Validator{u: u, fast: fast}, nil
}

// NewFullValidator is an R4 Validator that always runs the full unmarshal:
// the reference the fast path is compared against in tests and the bench.
func NewFullValidator() (*Validator, error) {
	v, err := NewValidator()
	if err != nil {
		return nil, err
	}
	v.fast = nil
	return v, nil
}

// NewSTU3Validator checks resources against FHIR STU3 (3.0.x) instead:
// internal/olderfhir refuses STU3 input google/fhir does not accept before
// converting it. Its Invalid values carry the same value-free Path and
// Reason (their Error text names R4; read the fields).
func NewSTU3Validator() (*Validator, error) {
	u, err := jsonformat.NewUnmarshaller("UTC", fhirversion.STU3)
	if err != nil {
		return nil, fmt.Errorf("fhir: creating STU3 unmarshaller: %w", err)
	}
	return &Validator{u: u}, nil
}

// Invalid describes why one resource was refused. It is meant to be stored
// and shown next to the entry, so it carries the location of the problem but
// never the offending value.
type Invalid struct {
	Index  int
	Type   string
	Path   string // FHIRPath-like location, e.g. "Patient.birthDate"
	Reason string // e.g. "expected date"
}

func (e *Invalid) Error() string {
	where := e.Path
	if where == "" {
		where = e.Type
	}
	if where == "" {
		return fmt.Sprintf("resource %d is not valid FHIR R4: %s", e.Index, e.Reason)
	}
	return fmt.Sprintf("resource %d is not valid FHIR R4 at %s: %s", e.Index, where, e.Reason)
}

// Validate returns nil when res parses and validates as FHIR R4.
func (v *Validator) Validate(res Resource) *Invalid {
	if v.fast != nil && v.fast.Check(res.Raw).Result == fastcheck.Accept {
		return nil
	}
	_, err := v.u.Unmarshal(res.Raw)
	if err == nil {
		return nil
	}
	path, reason := splitJSONFormatError(err.Error())
	return &Invalid{Index: res.Index, Type: res.Type, Path: path, Reason: reason}
}

// splitJSONFormatError turns `error at "Patient.birthDate": expected date`
// (one such line per problem) into a path and a value-free reason. jsonformat's
// Details are library-written, but a few quote names and unexpected errors
// from lower layers could quote input, so quoted text is kept only when it
// looks like a field name.
func splitJSONFormatError(msg string) (path, reason string) {
	lines := strings.Split(strings.TrimSpace(msg), "\n")
	line := lines[0]
	if rest, ok := strings.CutPrefix(line, `error at "`); ok {
		if i := strings.Index(rest, `": `); i >= 0 {
			path, line = rest[:i], rest[i+3:]
		}
	}
	if !safeText(path) {
		path = ""
	}
	reason = sanitizeReason(line)
	if reason == "" {
		reason = "not valid FHIR"
	}
	if n := len(lines) - 1; n > 0 {
		reason += fmt.Sprintf(" (and %d more problem%s)", n, plural(n))
	}
	return path, reason
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// safeText accepts FHIRPath-ish text: field names, dots, brackets and indexes.
func safeText(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '[' || c == ']' || c == '_') {
			return false
		}
	}
	return true
}

func sanitizeReason(s string) string {
	// jsoniter errors quote a window of the input after these markers; keep
	// only the plain-English head.
	for _, cut := range []string{", error found in", "|", "..."} {
		if i := strings.Index(s, cut); i >= 0 {
			s = s[:i]
		}
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '"')
		if i < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		j := strings.IndexByte(s[i+1:], '"')
		if j < 0 {
			break // unbalanced: drop the rest rather than risk echoing input
		}
		// Upstream quotes element names (lowerCamel); anything else is dropped.
		if q := s[i+1 : i+1+j]; q != "" && q[0] >= 'a' && q[0] <= 'z' && safeText(q) && len(q) <= 64 {
			b.WriteString(`"` + q + `"`)
		} else {
			b.WriteString("(value)")
		}
		s = s[i+2+j:]
	}
	out := strings.TrimSpace(b.String())
	if len(out) > 160 {
		out = out[:160]
	}
	return out
}
