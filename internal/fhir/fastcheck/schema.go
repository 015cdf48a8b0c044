// Package fastcheck decides whether a FHIR R4 resource is one that
// google/fhir/go's validating jsonformat.Unmarshaller accepts, without
// building the protobuf message: it walks the JSON once against a schema
// derived at run time from google/fhir/go's own R4 proto descriptors and
// their FHIR annotations, and mirrors the rules jsonformat applies to them
// (unmarshaller.go, fhirvalidate, jsonpbhelper of v0.7.4).
//
// It answers Accept, Reject or Unsure. Accept must imply that jsonformat
// accepts; the caller runs jsonformat whenever the answer is not Accept, so
// anything this package does not model exactly (duplicate keys, upper-case
// field names, nulls in most places, escapes it does not decode, …) is
// answered Unsure rather than guessed.
package fastcheck

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/google/fhir/go/fhirversion"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	apb "github.com/google/fhir/go/proto/google/fhir/proto/annotations_go_proto"
	d4pb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/datatypes_go_proto"
	rpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/bundle_and_contained_resource_go_proto"
	d3pb "github.com/google/fhir/go/proto/google/fhir/proto/stu3/datatypes_go_proto"
)

// Version is the FHIR release the schema is derived for.
const Version = fhirversion.R4

type primKind uint8

// Primitive kinds, named after the proto message names jsonformat's
// parsePrimitiveType switches on.
const (
	pNone primKind = iota
	pString
	pCode
	pID
	pOid
	pUuid
	pURI
	pURL
	pCanonical
	pMarkdown
	pXhtml
	pBoolean
	pInteger
	pPositiveInt
	pUnsignedInt
	pDecimal
	pDate
	pDateTime
	pInstant
	pTime
	pBase64
	pEnumCode   // specialised code with an enum value (required binding)
	pStringCode // specialised code whose value is a plain string
	pUnsupported
)

var primByName = map[string]primKind{
	"String": pString, "Code": pCode, "Id": pID, "Oid": pOid, "Uuid": pUuid,
	"Uri": pURI, "Url": pURL, "Canonical": pCanonical, "Markdown": pMarkdown,
	"Xhtml": pXhtml, "Boolean": pBoolean, "Integer": pInteger,
	"PositiveInt": pPositiveInt, "UnsignedInt": pUnsignedInt, "Decimal": pDecimal,
	"Date": pDate, "DateTime": pDateTime, "Instant": pInstant, "Time": pTime,
	"Base64Binary": pBase64, "ReferenceId": pUnsupported,
}

// isJSONString reports the kinds jsonformat decodes with jsoniter into a Go
// string (so a JSON null decodes to "" without error).
func (k primKind) isJSONString() bool {
	switch k {
	case pString, pCode, pID, pOid, pUuid, pURI, pURL, pCanonical, pMarkdown, pXhtml:
		return true
	}
	return false
}

// message is the schema of one proto message type.
type message struct {
	name     string
	fields   map[string]*key // JSON key → what it means
	nfields  int
	required []int // indexes of REQUIRED_BY_FHIR fields
	reqNames []string

	prim          primKind
	regex         *regexp.Regexp // value_regex for the types jsonformat checks with it
	emptyOK       bool           // a value-less primitive passes fhirvalidate
	valueRequired bool           // REQUIRED_BY_FHIR on the scalar value (Xhtml)
	noExtension   bool           // no "extension" field: the object form fails (Xhtml)
	enum          *enumSet
	reference     bool // the Reference datatype (fhir_reference_type)
	contained     bool // ContainedResource
	anyMsg        bool // google.protobuf.Any (only "contained")
	resource      bool
}

// key is one JSON property name of a message.
type key struct {
	idx      int // field index within the message, for presence
	repeated bool
	msg      *message // the field's message type (the option's, for choices)
	scalar   bool     // a non-message proto field: "invalid field" in JSON
	unsure   bool     // a key the fast path does not model
	under    bool     // "_name": the primitive-extension form
	choice   bool
	opt      int // choice option index
	refTypes []string
	refAny   bool
	refURI   bool // Reference.reference (the uri member of its oneof)
}

type enumSet struct {
	names map[string]struct{} // enum value names with a non-zero number
	orig  map[string]struct{} // fhir_original_code values
}

// Schema is the derived R4 schema; build it once with Load.
type Schema struct {
	resources map[string]*message
	msgs      map[protoreflect.FullName]*message
	refTypes  map[string]struct{} // resource types a typed reference can name
	refBad    map[string]struct{} // STU3-only types: "Type/id" is refused
	idRegex   *regexp.Regexp

	BuildTime time.Duration
	Messages  int
	Keys      int
}

var (
	loadOnce sync.Once
	loaded   *Schema
	loadErr  error
)

// Load returns the process-wide schema, deriving it on first use.
func Load() (*Schema, error) {
	loadOnce.Do(func() {
		loaded, loadErr = Build()
	})
	return loaded, loadErr
}

// Build derives a fresh schema; use Load, which builds it once per process.
// Build is exported for measuring (the bench reports its time and size).
func Build() (*Schema, error) {
	start := time.Now()
	s := &Schema{
		resources: map[string]*message{},
		msgs:      map[protoreflect.FullName]*message{},
		refTypes:  map[string]struct{}{},
		refBad:    map[string]struct{}{},
	}
	// Typed reference fields, as jsonpbhelper.initReferenceTypes reads them:
	// from the STU3 Reference as well as the R4 one, into one map. A type
	// only STU3 has (ProcedureRequest, ReferralRequest, …) names a field the
	// R4 Reference lacks, so NormalizeReference fails on it: refused.
	r4ref := (&d4pb.Reference{}).ProtoReflect().Descriptor()
	for _, ref := range []protoreflect.MessageDescriptor{(&d3pb.Reference{}).ProtoReflect().Descriptor(), r4ref} {
		oneof := ref.Oneofs().ByName("reference")
		for i := 0; i < oneof.Fields().Len(); i++ {
			f := oneof.Fields().Get(i)
			if t, _ := proto.GetExtension(f.Options(), apb.E_ReferencedFhirType).(string); t != "" {
				if r4ref.Fields().ByName(f.Name()) != nil {
					s.refTypes[t] = struct{}{}
				} else {
					s.refBad[t] = struct{}{}
				}
			}
		}
	}
	for t := range s.refTypes {
		delete(s.refBad, t)
	}
	cr := (&rpb.ContainedResource{}).ProtoReflect().Descriptor()
	oneof := cr.Oneofs().ByName("oneof_resource")
	if oneof == nil {
		return nil, fmt.Errorf("fastcheck: ContainedResource has no oneof_resource")
	}
	for i := 0; i < oneof.Fields().Len(); i++ {
		f := oneof.Fields().Get(i)
		m, err := s.message(f.Message())
		if err != nil {
			return nil, err
		}
		m.resource = true
		s.resources[string(f.Message().Name())] = m
	}
	idm, err := s.message((&d4pb.Id{}).ProtoReflect().Descriptor())
	if err != nil {
		return nil, err
	}
	s.idRegex = idm.regex
	s.Messages = len(s.msgs)
	for _, m := range s.msgs {
		s.Keys += len(m.fields)
	}
	s.BuildTime = time.Since(start)
	return s, nil
}

// regexTypes are the primitives jsonformat checks with their value_regex
// annotation (jsonpbhelper.RegexValues): Decimal when parsing, the others
// in fhirvalidate.
var regexTypes = map[protoreflect.FullName]bool{}

func init() {
	for _, m := range []proto.Message{&d4pb.Decimal{}, &d4pb.Oid{}, &d4pb.Id{}, &d4pb.Uuid{}, &d4pb.Code{}} {
		regexTypes[m.ProtoReflect().Descriptor().FullName()] = true
	}
}

func isPrimitive(d protoreflect.MessageDescriptor) bool {
	k, _ := proto.GetExtension(d.Options(), apb.E_StructureDefinitionKind).(apb.StructureDefinitionKindValue)
	return k == apb.StructureDefinitionKindValue_KIND_PRIMITIVE_TYPE
}

func isChoice(d protoreflect.MessageDescriptor) bool {
	return d != nil && proto.HasExtension(d.Options(), apb.E_IsChoiceType)
}

func (s *Schema) message(d protoreflect.MessageDescriptor) (*message, error) {
	if m, ok := s.msgs[d.FullName()]; ok {
		return m, nil
	}
	m := &message{name: string(d.Name()), fields: map[string]*key{}}
	s.msgs[d.FullName()] = m
	switch {
	case d.FullName() == "google.protobuf.Any":
		m.anyMsg = true
		return m, nil
	case d.Name() == "ContainedResource":
		m.contained = true
		return m, nil
	}
	m.reference = proto.HasExtension(d.Options(), apb.E_FhirReferenceType)
	if isPrimitive(d) {
		if err := s.primitive(d, m); err != nil {
			return nil, err
		}
	}
	fields := d.Fields()
	m.nfields = fields.Len()
	for i := 0; i < fields.Len(); i++ {
		f := fields.Get(i)
		if r, _ := proto.GetExtension(f.Options(), apb.E_ValidationRequirement).(apb.Requirement); r == apb.Requirement_REQUIRED_BY_FHIR {
			m.required = append(m.required, i)
			m.reqNames = append(m.reqNames, f.JSONName())
		}
		base := key{idx: i, repeated: f.Cardinality() == protoreflect.Repeated}
		if f.Message() == nil {
			base.scalar = true
			if base.repeated {
				base.unsure = true
			}
			m.fields[f.JSONName()] = &base
			continue
		}
		if vr, ok := proto.GetExtension(f.Options(), apb.E_ValidReferenceType).([]string); ok {
			base.refTypes = vr
			for _, t := range vr {
				if t == "Resource" {
					base.refAny = true
				}
			}
		}
		if m.reference && f.ContainingOneof() != nil && f.ContainingOneof().Name() == "reference" {
			if f.JSONName() == "reference" {
				base.refURI = true
			} else {
				base.unsure = true // fragment, typed ids: not FHIR JSON
			}
		}
		if f.Message().FullName() == "google.protobuf.Any" && f.JSONName() != "contained" {
			base.unsure = true // jsonformat reads Any as a resource only under "contained"
		}
		if isChoice(f.Message()) {
			if err := s.choice(m, f, base); err != nil {
				return nil, err
			}
			continue
		}
		fm, err := s.message(f.Message())
		if err != nil {
			return nil, err
		}
		base.msg = fm
		k := base
		m.fields[f.JSONName()] = &k
		if isPrimitive(f.Message()) {
			u := base
			u.under = true
			m.fields["_"+f.JSONName()] = &u
		}
	}
	if m.prim != pNone && len(m.required) > 0 {
		// Xhtml requires its scalar value: proto3 presence, so "" is missing.
		if len(m.required) == 1 && m.reqNames[0] == "value" && m.prim.isJSONString() {
			m.valueRequired, m.emptyOK = true, false
			m.required = nil
		} else {
			m.prim = pUnsupported
		}
	}
	return m, nil
}

// choice adds the keys of a choice field (valueString, _valueString, …) as
// jsonpbhelper.buildFieldMap names them.
func (s *Schema) choice(m *message, f protoreflect.FieldDescriptor, base key) error {
	cd := f.Message()
	cf := cd.Fields()
	for j := 0; j < cf.Len(); j++ {
		c := cf.Get(j)
		k := base
		k.choice = true
		k.opt = j
		if c.Message() == nil || c.ContainingOneof() == nil || isChoice(c.Message()) || c.Cardinality() == protoreflect.Repeated {
			k.unsure = true
		} else {
			cm, err := s.message(c.Message())
			if err != nil {
				return err
			}
			k.msg = cm
			if vr, ok := proto.GetExtension(c.Options(), apb.E_ValidReferenceType).([]string); ok {
				k.refTypes, k.refAny = vr, false
				for _, t := range vr {
					if t == "Resource" {
						k.refAny = true
					}
				}
			} else {
				k.refTypes, k.refAny = nil, false
			}
		}
		//lint:ignore SA1019 strings.Title is what jsonformat uses to build these names
		name := f.JSONName() + strings.Title(c.JSONName()) //nolint:staticcheck
		kk := k
		m.fields[name] = &kk
		if c.Message() != nil && isPrimitive(c.Message()) {
			u := k
			u.under = true
			m.fields["_"+name] = &u
		}
	}
	return nil
}

func (s *Schema) primitive(d protoreflect.MessageDescriptor, m *message) error {
	kind, ok := primByName[string(d.Name())]
	if ok && d.Parent() != (&d4pb.String{}).ProtoReflect().Descriptor().Parent() && kind != pUnsupported {
		kind = pUnsupported // a base name outside the core datatypes
	}
	if !ok {
		kind = pUnsupported
		if proto.HasExtension(d.Options(), apb.E_FhirValuesetUrl) {
			if vf := d.Fields().ByName("value"); vf != nil {
				switch vf.Kind() {
				case protoreflect.StringKind:
					kind = pStringCode
				case protoreflect.EnumKind:
					kind = pEnumCode
					e := &enumSet{names: map[string]struct{}{}, orig: map[string]struct{}{}}
					vals := vf.Enum().Values()
					for i := 0; i < vals.Len(); i++ {
						v := vals.Get(i)
						if v.Number() != 0 {
							e.names[string(v.Name())] = struct{}{}
						}
						// UnmarshalCode compares with GetExtension's answer,
						// which is "" for a value without the annotation
						// (INVALID_UNINITIALIZED at least): so "" (and null)
						// is an accepted code.
						oc, _ := proto.GetExtension(v.Options(), apb.E_FhirOriginalCode).(string)
						e.orig[oc] = struct{}{}
					}
					m.enum = e
				}
			}
		}
	}
	m.prim = kind
	// parsePrimitiveType's object form appends to the "extension" list.
	if ext := d.Fields().ByName("extension"); ext == nil || ext.Cardinality() != protoreflect.Repeated || ext.Message() == nil {
		m.noExtension = true
	}
	if regexTypes[d.FullName()] {
		re, _ := proto.GetExtension(d.Options(), apb.E_ValueRegex).(string)
		if re == "" {
			return fmt.Errorf("fastcheck: %s has no value_regex", d.FullName())
		}
		rx, err := regexp.Compile("^" + re + "$")
		if err != nil {
			return fmt.Errorf("fastcheck: %s value_regex: %w", d.FullName(), err)
		}
		m.regex = rx
	}
	// What fhirvalidate.validatePrimitives says of a primitive without a value.
	switch kind {
	case pCode, pID, pOid, pUuid:
		m.emptyOK = m.regex.MatchString("")
	default:
		m.emptyOK = true
	}
	return nil
}

// Describe is a one-line summary of the schema for logs and the bench.
func (s *Schema) Describe() string {
	return fmt.Sprintf("%d resource types, %d message types, %d JSON keys, built in %v",
		len(s.resources), s.Messages, s.Keys, s.BuildTime.Round(time.Millisecond))
}
