package olderfhir

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/fastenhealth/fasten-desktop/internal/fhir"
)

// The releases a shape is compatible with, as a set.
type releases uint8

const (
	d2 releases = 1 << iota
	s3
	r4
	older = d2 | s3
	all   = d2 | s3 | r4
)

// ReleaseOf reads a fhirVersion (a CapabilityStatement's, as provider sync
// sees it, or a StructureDefinition's): 1.0.x is DSTU2, 3.0.x STU3, 4.0.x
// R4; anything else (ballots, R4B, R5) is Unknown.
func ReleaseOf(fhirVersion string) Release {
	switch v := strings.TrimSpace(fhirVersion); {
	case strings.HasPrefix(v, "1.0."):
		return DSTU2
	case strings.HasPrefix(v, "3.0."):
		return STU3
	case strings.HasPrefix(v, "4.0."):
		return R4
	}
	return Unknown
}

// Detect says which release a resource's shape belongs to, or Unknown when
// it is not decisive (a Patient looks alike in all three). Each feature a
// resource shows narrows the releases it can be; one left is the answer,
// none (contradicting features) or several is Unknown.
//
// It runs on every resource an import reads, so it decodes nothing: it
// looks at the top-level members where they lie in raw (and into the few
// nested values it needs: meta.profile, requester, name[].family).
// Decoding whole resources into maps made it cost three times what
// validating them does. raw has been checked as JSON (fhir.Reader) or is
// refused later: on bytes that are not JSON it merely says Unknown.
func Detect(resourceType string, raw []byte) Release {
	m := members(raw)
	if m == nil {
		return Unknown
	}
	return detectMap(resourceType, m)
}

// field is one member of a JSON object: its key as sent and its raw value.
type field struct{ key, val []byte }

// fields are a JSON object's members, in order. Resources have a few dozen
// at most, so a lookup walks them.
type fields []field

// members lists the members of the JSON object raw (nil when it is not one).
func members(raw []byte) fields {
	m := make(fields, 0, 24)
	for k, v := range fhir.Members(raw) {
		m = append(m, field{k, v})
	}
	if len(m) == 0 {
		return nil
	}
	return m
}

func (m fields) get(k string) ([]byte, bool) {
	for i := len(m) - 1; i >= 0; i-- { // the last of duplicate keys wins, as in encoding/json
		if string(m[i].key) == k {
			return m[i].val, true
		}
	}
	return nil, false
}

// kind is the first byte of a member's value ('"', '{', '['; 0 when absent).
func (m fields) kind(k string) byte {
	if v, _ := m.get(k); len(v) > 0 {
		return v[0]
	}
	return 0
}

// object lists the members of a member that is an object (nil when not).
func (m fields) object(k string) fields {
	if m.kind(k) != '{' {
		return nil
	}
	v, _ := m.get(k)
	return members(v)
}

// list is the elements of a member that is an array (nil when it is not).
func (m fields) list(k string) [][]byte {
	if m.kind(k) != '[' {
		return nil
	}
	v, _ := m.get(k)
	var l [][]byte
	for e := range fhir.Elements(v) {
		l = append(l, e)
	}
	return l
}

func detectMap(typ string, m fields) Release {
	set := all
	narrow := func(s releases) { set &= s }
	has := func(k string) bool { _, ok := m.get(k); return ok }
	isStr := func(k string) bool { return m.kind(k) == '"' }
	isObj := func(k string) bool { return m.kind(k) == '{' }
	isList := func(k string) bool { return m.kind(k) == '[' }

	if v, ok := m.str("fhirVersion"); ok {
		// CapabilityStatement (Conformance in DSTU2), StructureDefinition…
		switch ReleaseOf(v) {
		case DSTU2:
			narrow(d2)
		case STU3:
			narrow(s3)
		case R4:
			narrow(r4)
		}
	}
	if meta := m.object("meta"); meta != nil {
		profiles := meta.list("profile")
		if p, ok := meta.get("profile"); ok && profiles == nil {
			profiles = [][]byte{p}
		}
		for _, p := range profiles {
			s, _ := decodeString(p)
			switch {
			case strings.Contains(s, "hl7.org/fhir/DSTU2/"), strings.HasPrefix(s, "http://fhir.org/guides/argonaut/"):
				narrow(d2)
			case strings.Contains(s, "hl7.org/fhir/STU3/"), strings.HasPrefix(s, "http://standardhealthrecord.org/"):
				// The Standard Health Record profiles were written on STU3 only.
				narrow(s3)
			case strings.Contains(s, "hl7.org/fhir/R4/"):
				narrow(r4)
			}
		}
	}

	switch typ {
	case "MedicationOrder", "DiagnosticOrder", "DeviceUseRequest", "Order", "OrderResponse", "Conformance":
		narrow(d2)
	case "Condition":
		if has("patient") || has("dateRecorded") || has("notes") {
			narrow(d2)
		}
		if has("context") || has("assertedDate") {
			narrow(s3)
		}
		if isStr("clinicalStatus") || isStr("verificationStatus") {
			narrow(older)
		}
		if isObj("clinicalStatus") || isObj("verificationStatus") || has("recordedDate") {
			narrow(r4)
		}
		if has("encounter") {
			narrow(d2 | r4)
		}
	case "Encounter":
		if has("patient") || isStr("class") || has("indication") {
			narrow(d2)
		}
		if isObj("class") {
			narrow(s3 | r4)
		}
		if has("reason") || has("incomingReferral") {
			narrow(older)
		}
		if has("reasonCode") || has("basedOn") || has("serviceType") {
			narrow(r4)
		}
	case "Observation":
		if isObj("category") || has("comments") {
			narrow(d2)
		}
		if isList("category") || has("basedOn") {
			narrow(s3 | r4)
		}
		if has("context") || has("comment") {
			narrow(s3)
		}
		if has("encounter") {
			narrow(d2 | r4)
		}
		if isObj("interpretation") || has("related") {
			narrow(older)
		}
		if isList("interpretation") || has("note") || has("hasMember") || has("derivedFrom") || has("partOf") {
			narrow(r4)
		}
	case "Immunization":
		if has("wasNotGiven") || has("reported") || has("requester") {
			narrow(d2)
		}
		if has("notGiven") || has("practitioner") {
			narrow(s3)
		}
		if has("date") || has("explanation") || has("vaccinationProtocol") {
			narrow(older)
		}
		if has("occurrenceDateTime") || has("occurrenceString") || has("protocolApplied") || has("statusReason") {
			narrow(r4)
		}
	case "AllergyIntolerance":
		if has("substance") || has("status") || has("reporter") || isStr("category") {
			narrow(d2)
		}
		if isStr("clinicalStatus") || isStr("verificationStatus") || has("assertedDate") {
			narrow(s3)
		}
		if isObj("clinicalStatus") || isObj("verificationStatus") || has("recordedDate") && has("code") {
			narrow(r4)
		}
	case "MedicationRequest":
		narrow(s3 | r4)
		if has("context") || has("definition") || isObj("category") {
			narrow(s3)
		}
		if req := m.object("requester"); req != nil {
			if _, agent := req.get("agent"); agent {
				narrow(s3)
			} else if _, ref := req.get("reference"); ref {
				narrow(r4)
			}
		}
		if has("encounter") || isList("category") || has("reported") || has("reportedBoolean") || has("reportedReference") {
			narrow(r4)
		}
	case "MedicationStatement":
		if has("patient") || has("wasNotTaken") || has("reasonForUseCodeableConcept") || has("reasonForUseReference") {
			narrow(d2)
		}
		if has("taken") || has("reasonNotTaken") && !has("patient") {
			narrow(s3)
		}
		if has("statusReason") {
			narrow(r4)
		}
	case "CarePlan":
		if has("modified") || has("support") || has("relatedPlan") || has("participant") {
			narrow(d2)
		}
		if has("context") {
			narrow(older)
			if has("intent") {
				narrow(s3) // intent came with STU3
			} else {
				narrow(d2)
			}
		}
		if has("encounter") || has("instantiatesCanonical") || isObj("author") || has("contributor") {
			narrow(r4)
		}
	case "Procedure":
		if has("notPerformed") || has("reasonNotPerformed") || has("request") || has("notes") || has("used") {
			narrow(d2)
		}
		if has("notDone") || has("context") || has("definition") {
			narrow(s3)
		}
		if isObj("reasonReference") || isObj("reasonCodeableConcept") {
			narrow(older)
			if has("encounter") {
				narrow(d2)
			}
		}
		if has("statusReason") || has("instantiatesCanonical") || has("recorder") || has("asserter") {
			narrow(r4)
		}
	case "DiagnosticReport":
		if isObj("performer") || has("request") {
			narrow(d2)
		}
		if has("context") {
			narrow(s3)
		}
		if isObj("category") || has("codedDiagnosis") || has("image") {
			narrow(older)
		}
		if isList("category") || has("conclusionCode") || has("media") {
			narrow(r4)
		}
		if has("encounter") {
			narrow(d2 | r4)
		}
	case "DocumentReference":
		if has("class") || has("indexed") || has("created") {
			narrow(older)
		}
		if isObj("docStatus") {
			narrow(d2)
		}
		if isStr("docStatus") {
			narrow(s3 | r4)
		}
		if has("date") || has("category") {
			narrow(r4)
		}
	case "Goal":
		if isStr("description") || has("author") || has("targetDate") || has("targetQuantity") || has("outcome") {
			narrow(d2)
		}
		// A description concept is not decisive: Synthea's DSTU2 goals
		// already write the STU3 form.
		if has("status") {
			narrow(older)
		}
		if isObj("target") {
			narrow(s3)
		}
		if has("lifecycleStatus") || has("achievementStatus") || isList("target") {
			narrow(r4)
		}
	case "Organization", "Location":
		if isObj("type") {
			narrow(older)
			if typ == "Organization" {
				narrow(d2) // STU3 Organization.type is a list already
			}
		}
		if isList("type") && typ == "Location" {
			narrow(r4)
		}
	case "Practitioner":
		if isObj("name") || has("practitionerRole") {
			narrow(d2)
		}
		if isList("name") {
			narrow(s3 | r4)
		}
	case "Patient":
		if has("careProvider") {
			narrow(d2)
		}
		if has("generalPractitioner") {
			narrow(s3 | r4)
		}
		if has("animal") {
			narrow(older)
		}
	}
	if typ == "Patient" || typ == "Practitioner" {
		for _, n := range m.list("name") {
			if nm := members(n); nm != nil {
				switch nm.kind("family") {
				case '[':
					narrow(d2)
				case '"':
					narrow(s3 | r4)
				}
			}
		}
	}
	switch set {
	case d2:
		return DSTU2
	case s3:
		return STU3
	case r4:
		return R4
	}
	return Unknown
}

// MaxHead is how much of a file DetectFile is meant to see.
const MaxHead = 256 << 10

// DetectFile looks at the resources at the head of a file (a Bundle, one
// resource, or NDJSON; a bounded prefix, so the last resource may be cut
// off) and returns the release of the first one whose shape is decisive.
func DetectFile(head []byte) Release {
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")) // a UTF-8 byte order mark
	d := json.NewDecoder(bytes.NewReader(head))
	for {
		r, more := detectValue(d)
		if r != Unknown || !more {
			return r
		}
	}
}

// detectValue reads one top-level JSON object; more is false when the
// input ended or broke off.
func detectValue(d *json.Decoder) (rel Release, more bool) {
	tok, err := d.Token()
	if err != nil || tok != json.Delim('{') {
		return Unknown, false
	}
	var top fields
	entriesSeen := false
	for d.More() {
		kt, err := d.Token()
		if err != nil {
			return Unknown, false
		}
		key, _ := kt.(string)
		if key == "entry" {
			entriesSeen = true
			if t, err := d.Token(); err != nil || t != json.Delim('[') {
				return Unknown, false
			}
			for d.More() {
				var e struct {
					Resource json.RawMessage `json:"resource"`
				}
				if err := d.Decode(&e); err != nil {
					return Unknown, false // cut off: what was read was not decisive
				}
				if r := detectResource(e.Resource); r != Unknown {
					return r, false
				}
			}
			if _, err := d.Token(); err != nil {
				return Unknown, false
			}
			continue
		}
		var raw json.RawMessage
		if err := d.Decode(&raw); err != nil {
			return Unknown, false
		}
		top = append(top, field{[]byte(key), raw})
	}
	if _, err := d.Token(); err != nil {
		return Unknown, false
	}
	if !entriesSeen {
		typ, _ := top.str("resourceType")
		if typ != "" && typ != "Bundle" {
			if r := detectMap(typ, top); r != Unknown {
				return r, false
			}
		}
	}
	return Unknown, true
}

func detectResource(raw json.RawMessage) Release {
	m := members(raw)
	if m == nil {
		return Unknown
	}
	typ, _ := m.str("resourceType")
	return detectMap(typ, m)
}

// str decodes a member that is a string (false when absent or not one).
func (m fields) str(k string) (string, bool) {
	v, _ := m.get(k)
	return decodeString(v)
}

// decodeString decodes a JSON string value (false when it is not one).
func decodeString(raw []byte) (string, bool) {
	if len(raw) == 0 || raw[0] != '"' {
		return "", false
	}
	var s string
	return s, json.Unmarshal(raw, &s) == nil
}
