// Package olderfhir converts FHIR DSTU2 (1.0.2) and STU3 (3.0.x) resources
// to R4, for the views Fasten derives from records (summaries, search,
// detail, dashboard). The original bytes are kept by the caller as received;
// this package only makes their R4 reading.
//
// No maintained Go library converts between FHIR releases: HL7's converters
// are Java (HAPI's VersionConvertor) or FHIR Mapping Language StructureMaps
// that need a mapping engine, and google/fhir/go, the project's source of
// truth for valid FHIR, reads STU3 and R4 but does not convert. So the
// conversion is written here as explicit per-type field maps over decoded
// JSON (dstu2.go, stu3.go): each source element is either copied, renamed,
// reshaped, kept as an HL7 cross-version extension, or reported — an element
// no map names makes the resource Unconvertible rather than vanish.
//
// STU3 input is first read by google/fhir's STU3 unmarshaller and refused
// with its path and reason when it is not valid STU3; google/fhir has no
// DSTU2, so DSTU2 input is checked by validating the R4 made of it.
//
// Use: DetectFile on a file's first MaxHead bytes gives its release (Unknown
// when nothing in the head is decisive — e.g. only Patients — which is best
// read as R4); then ToR4With per resource, with the file's one Patient as
// Options.Subject, and R4Reference for Bundle fullUrls so that references
// rewritten by the conversion (MedicationOrder → MedicationRequest) still
// resolve. ReleaseOf reads a CapabilityStatement's fhirVersion.
//
// What R4 has no element for is kept as HL7's cross-version extension
// (http://hl7.org/fhir/1.0|3.0/StructureDefinition/extension-<Path>):
// Condition.abatementBoolean (true), Observation.valueAttachment,
// MedicationOrder.dateEnded/reasonEnded, Medication.isBrand/isOverTheCounter,
// AllergyIntolerance.reaction.certainty, Immunization.vaccinationProtocol
// description/doseStatus/doseStatusReason, CarePlan.modified, CarePlan
// activity.detail.category/definition, and the STU3 definition references.
//
// Documented choices where R4 requires what the source did not say (never a
// clinical guess): a MedicationOrder's intent is "order", a DSTU2 CarePlan's
// "plan"; an Encounter without class gets v3 NullFlavor UNK (DSTU2 'other'
// is OTH); a care plan activity without status is "unknown"; Goal and
// CarePlan without a person take Options.Subject. Codes that say nothing
// are left out as R4 says nothing by absence: Condition verification
// 'unknown', allergy category 'other', Condition.abatementBoolean false.
//
// Reported (Unconvertible), not converted: types outside the maps unless R4
// reads them unchanged; Immunization status in-progress/on-hold/stopped (R4
// has only completed/entered-in-error/not-done); Practitioner.practitionerRole,
// CarePlan.participant, relatedPlan other than 'replaces', Observation.related
// other than has-member/derived-from, Patient.animal, Medication.package/image,
// a DSTU2 dispenseRequest medication, a dosage site given as a reference, an
// STU3 DiagnosticReport performer role; and anything R4 then refuses, such as
// a reference to a type R4 no longer has where R4 restricts the target.
package olderfhir

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/fastenhealth/fasten-desktop/internal/fhir"
)

// Release is a FHIR release a resource's shape belongs to.
type Release int

const (
	Unknown Release = iota
	DSTU2           // 1.0.2
	STU3            // 3.0.x
	R4              // 4.0.x
)

func (r Release) String() string {
	switch r {
	case DSTU2:
		return "DSTU2"
	case STU3:
		return "STU3"
	case R4:
		return "R4"
	}
	return "unknown"
}

// Unconvertible says why one resource has no R4 form. Path names the source
// element (e.g. "Immunization.status"), or, when google/fhir refused the
// STU3 input or the R4 made of it (Reason says which), the element it
// named; Reason is plain and never quotes a value from the resource, so
// both can be stored and shown beside the entry.
type Unconvertible struct {
	From   Release
	Type   string // the source resourceType
	Path   string
	Reason string
}

func (e *Unconvertible) Error() string {
	where := e.Path
	if where == "" {
		where = e.Type
	}
	return fmt.Sprintf("%s %s cannot be converted to R4 at %s: %s", e.From, e.Type, where, e.Reason)
}

// Options carry what a resource's file knows about it.
type Options struct {
	// Subject is a reference to the file's one person (e.g. "urn:uuid:…" or
	// "Patient/1"). R4 requires a Goal and a CarePlan to name their person
	// where DSTU2 and STU3 did not (Synthea's goals do not); it is used
	// only then. Leave it empty when the file holds more than one person:
	// such a goal is then Unconvertible rather than given to someone.
	Subject string
}

// Converter holds google/fhir's STU3 and R4 unmarshallers. Upstream does not
// promise they are safe for concurrent use, so neither is a Converter: use
// one per goroutine (ToR4 keeps a pool).
type Converter struct {
	stu3, r4 *fhir.Validator
}

func NewConverter() (*Converter, error) {
	s, err := fhir.NewSTU3Validator()
	if err != nil {
		return nil, err
	}
	r, err := fhir.NewValidator()
	if err != nil {
		return nil, err
	}
	return &Converter{stu3: s, r4: r}, nil
}

var pool = sync.Pool{New: func() any {
	c, err := NewConverter()
	if err != nil {
		return err
	}
	return c
}}

// ToR4 converts one resource and validates the result as R4: r4 is compact
// JSON that internal/fhir's validator accepts, newType its resourceType
// (DSTU2 MedicationOrder becomes MedicationRequest). Otherwise err is an
// *Unconvertible. The same input always gives the same bytes.
func ToR4(from Release, resourceType string, raw []byte) (r4 []byte, newType string, err error) {
	return ToR4With(from, resourceType, raw, Options{})
}

// ToR4With is ToR4 with what the file knows (see Options).
func ToR4With(from Release, resourceType string, raw []byte, opt Options) ([]byte, string, error) {
	v := pool.Get()
	c, ok := v.(*Converter)
	if !ok {
		return nil, "", v.(error)
	}
	defer pool.Put(c)
	out, typ, err := c.Convert(from, resourceType, raw, opt)
	if err != nil {
		return nil, "", err
	}
	if inv := c.r4.Validate(fhir.Resource{Type: typ, Raw: out}); inv != nil {
		return nil, "", &Unconvertible{From: from, Type: resourceType, Path: inv.Path, Reason: "the converted resource is not valid R4: " + inv.Reason}
	}
	return out, typ, nil
}

// Convert maps one resource to R4 without validating the result (the
// caller's import validates every resource anyway; ToR4 does both). STU3
// input is checked as STU3 first, and a type with no map here is passed
// through only when it is already valid R4 as it is.
func (c *Converter) Convert(from Release, resourceType string, raw []byte, opt Options) ([]byte, string, error) {
	if from != DSTU2 && from != STU3 {
		return nil, "", &Unconvertible{From: from, Type: resourceType, Reason: "only DSTU2 and STU3 resources are converted"}
	}
	if from == STU3 {
		var inv *fhir.Invalid
		if raw, inv = c.checkSTU3(resourceType, raw); inv != nil {
			return nil, "", &Unconvertible{From: from, Type: resourceType, Path: inv.Path, Reason: "not valid STU3: " + inv.Reason}
		}
	}
	m, err := decode(raw)
	if err != nil {
		return nil, "", &Unconvertible{From: from, Type: resourceType, Reason: "not a JSON object"}
	}
	if t, _ := m["resourceType"].(string); t != resourceType {
		return nil, "", &Unconvertible{From: from, Type: resourceType, Path: "resourceType", Reason: "does not match the type given"}
	}
	out, typ, uerr := c.convertMap(from, m, opt)
	if uerr != nil {
		return nil, "", uerr
	}
	b, err := encodeResource(typ, out)
	if err != nil {
		return nil, "", &Unconvertible{From: from, Type: resourceType, Reason: "could not be written as JSON"}
	}
	return b, typ, nil
}

// convertMap converts one decoded resource (also used for contained ones).
func (c *Converter) convertMap(from Release, m map[string]any, opt Options) (map[string]any, string, *Unconvertible) {
	typ, _ := m["resourceType"].(string)
	maps := stu3Maps
	if from == DSTU2 {
		maps = dstu2Maps
	}
	fm, ok := maps[typ]
	if !ok {
		return c.passThrough(from, typ, m)
	}
	r := newRC(c, from, typ, m, opt)
	r.out["resourceType"] = fm.to
	r.base()
	fm.fn(r)
	out, err := r.finish()
	if err != nil {
		return nil, "", err
	}
	if from == DSTU2 {
		renameRefs(out)
	}
	return out, fm.to, nil
}

// passThrough keeps a resource of a type with no map here when R4 reads it
// unchanged (many infrastructure types did not change), else reports it.
func (c *Converter) passThrough(from Release, typ string, m map[string]any) (map[string]any, string, *Unconvertible) {
	b, err := encode(m)
	if err == nil {
		if inv := c.r4.Validate(fhir.Resource{Type: typ, Raw: b}); inv == nil {
			return m, typ, nil
		}
	}
	return nil, "", &Unconvertible{From: from, Type: typ, Reason: fmt.Sprintf("%s %s is not converted", from, safeType(typ))}
}

// safeType keeps a resourceType in a message only when it looks like one.
func safeType(t string) string {
	if t == "" || len(t) > 64 || t[0] < 'A' || t[0] > 'Z' {
		return "resource"
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return "resource"
		}
	}
	return t
}

func decode(raw []byte) (map[string]any, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber() // numbers are written back exactly as received
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		return nil, err
	}
	if m == nil {
		return nil, errors.New("null")
	}
	return m, nil
}

// encode writes compact JSON with sorted keys (deterministic) and without
// escaping <, > and & in narratives.
func encode(v any) ([]byte, error) {
	var buf bytes.Buffer
	e := json.NewEncoder(&buf)
	e.SetEscapeHTML(false)
	if err := e.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// encodeResource writes resourceType first (as FHIR's own examples do, and
// cheap sniffers expect), then the other elements in sorted order.
func encodeResource(typ string, m map[string]any) ([]byte, error) {
	delete(m, "resourceType")
	body, err := encode(m)
	if err != nil {
		return nil, err
	}
	head, err := encode(typ)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(body)+len(head)+20)
	out = append(out, `{"resourceType":`...)
	out = append(out, head...)
	if len(body) > 2 {
		out = append(out, ',')
	}
	return append(out, body[1:]...), nil
}

// renamedDSTU2 are DSTU2 resource types whose R4 successor this package
// writes; references to them are rewritten so that they still resolve
// inside the same file.
var renamedDSTU2 = map[string]string{"MedicationOrder": "MedicationRequest"}

// R4Reference rewrites a DSTU2 reference or fullUrl naming a renamed type
// ("MedicationOrder/1", "https://x/fhir/MedicationOrder/1") to its R4 name;
// anything else is returned unchanged. Callers use it for Bundle fullUrls.
func R4Reference(from Release, ref string) string {
	if from != DSTU2 {
		return ref
	}
	for old, nu := range renamedDSTU2 {
		if len(ref) > len(old) && ref[:len(old)+1] == old+"/" {
			return nu + ref[len(old):]
		}
		if i := bytes.Index([]byte(ref), []byte("/"+old+"/")); i >= 0 {
			return ref[:i+1] + nu + ref[i+1+len(old):]
		}
	}
	return ref
}

func renameRefs(v any) {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			if s, ok := x.(string); ok && k == "reference" {
				t[k] = R4Reference(DSTU2, s)
				continue
			}
			renameRefs(x)
		}
	case []any:
		for _, x := range t {
			renameRefs(x)
		}
	}
}

// checkSTU3 validates raw as STU3 with google/fhir. One writer's slip is
// mended first, because it changes no meaning and is common (Synthea's STU3
// Procedure.reasonReference): a single object where STU3 has a list is
// read as a list of one. google/fhir reports it only as text (its error
// type is internal), so its constant detail "expected array" is what is
// matched; any other problem refuses the resource.
func (c *Converter) checkSTU3(typ string, raw []byte) ([]byte, *fhir.Invalid) {
	for i := 0; ; i++ {
		inv := c.stu3.Validate(fhir.Resource{Type: typ, Raw: raw})
		if inv == nil || i == 8 || !strings.HasPrefix(inv.Reason, "expected array") {
			return raw, inv
		}
		m, err := decode(raw)
		if err != nil || !wrapAt(m, typ, inv.Path) {
			return raw, inv
		}
		if raw, err = encode(m); err != nil {
			return raw, inv
		}
	}
}

// wrapAt turns the object at path ("Type.a[0].b") into a list of one.
func wrapAt(m map[string]any, typ, path string) bool {
	rest, ok := strings.CutPrefix(path, typ+".")
	if !ok {
		return false
	}
	cur := m
	parts := strings.Split(rest, ".")
	for i, p := range parts {
		name, idx := p, -1
		if j := strings.IndexByte(p, '['); j >= 0 && strings.HasSuffix(p, "]") {
			n, err := strconv.Atoi(p[j+1 : len(p)-1])
			if err != nil {
				return false
			}
			name, idx = p[:j], n
		}
		v, ok := cur[name]
		if !ok {
			return false
		}
		if i == len(parts)-1 {
			if _, isObj := v.(map[string]any); !isObj || idx >= 0 {
				return false
			}
			cur[name] = []any{v}
			return true
		}
		if idx >= 0 {
			l, _ := v.([]any)
			if idx >= len(l) {
				return false
			}
			v = l[idx]
		}
		if cur, ok = v.(map[string]any); !ok {
			return false
		}
	}
	return false
}
