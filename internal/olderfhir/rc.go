package olderfhir

import (
	"sort"
	"strings"
)

// typeMap is one resource type's field map.
type typeMap struct {
	to string    // the R4 resourceType
	fn func(*rc) // reads r.in, writes r.out
}

// rc converts one element (a resource or a backbone element inside it):
// every key of in must be consumed by a rule, or finish reports it.
type rc struct {
	c    *Converter
	rel  Release
	typ  string // the source resourceType
	path string // the source path of this element, e.g. "Condition" or "Immunization.reaction"
	in   map[string]any
	out  map[string]any
	used map[string]bool
	opt  Options
	err  *Unconvertible // the first problem; shared with children
	errp **Unconvertible
}

func newRC(c *Converter, rel Release, typ string, in map[string]any, opt Options) *rc {
	r := &rc{c: c, rel: rel, typ: typ, path: typ, in: in, out: map[string]any{}, used: map[string]bool{"resourceType": true}, opt: opt}
	r.errp = &r.err
	return r
}

// child makes an rc for a backbone element m found at key.
func (r *rc) child(key string, m map[string]any) *rc {
	return &rc{c: r.c, rel: r.rel, typ: r.typ, path: r.path + "." + key, in: m, out: map[string]any{}, used: map[string]bool{}, opt: r.opt, errp: r.errp}
}

func (r *rc) failed() bool { return *r.errp != nil }

// fail records the first problem. reason must never contain a value.
func (r *rc) fail(key, reason string) {
	if *r.errp != nil {
		return
	}
	p := r.path
	if key != "" {
		// Keys come from the input: one that is not an element name is not
		// repeated in a message.
		if !elementName(key) {
			key = "(element)"
		}
		p += "." + key
	}
	*r.errp = &Unconvertible{From: r.rel, Type: r.typ, Path: p, Reason: reason}
}

func (r *rc) take(k string) (any, bool) {
	v, ok := r.in[k]
	if ok {
		r.used[k] = true
	}
	return v, ok
}

// keep copies elements whose R4 form is the same.
func (r *rc) keep(keys ...string) {
	for _, k := range keys {
		if v, ok := r.take(k); ok {
			r.out[k] = v
		}
	}
}

// keepPrefix copies every choice element name[x] whose type exists in R4
// under the same name; types in renames are renamed ("onsetQuantity" →
// "onsetAge"), types mapped to "" are reported.
func (r *rc) keepChoice(name string, renames map[string]string) {
	for _, k := range r.sortedKeys() {
		if r.used[k] || !strings.HasPrefix(k, name) || len(k) == len(name) || k[len(name)] < 'A' || k[len(name)] > 'Z' {
			continue // a rule before this one took it (e.g. as an extension)
		}
		v, _ := r.take(k)
		if nk, ok := renames[k]; ok {
			if nk == "" {
				r.fail(k, "this kind of value has no R4 form")
				continue
			}
			r.out[nk] = v
			if x, ok := r.take("_" + k); ok {
				r.out["_"+nk] = x
			}
			continue
		}
		r.out[k] = v
	}
}

// move copies an element under its R4 name, with its primitive
// extensions (_from) if any.
func (r *rc) move(from, to string) {
	if v, ok := r.take(from); ok {
		r.out[to] = v
		if x, ok := r.take("_" + from); ok {
			r.out["_"+to] = x
		}
	}
}

// moveList copies an element whose R4 form is a list (a DSTU2/STU3 single
// value becomes a list of one; a list stays).
func (r *rc) moveList(from, to string) {
	if v, ok := r.take(from); ok {
		r.out[to] = asList(v)
	}
}

// moveFirst copies a list element whose R4 form is single: one item is
// taken, more are reported rather than dropped.
func (r *rc) moveFirst(from, to string) {
	v, ok := r.take(from)
	if !ok {
		return
	}
	l := asList(v)
	switch len(l) {
	case 0:
	case 1:
		r.out[to] = l[0]
	default:
		r.fail(from, "R4 holds only one of these")
	}
}

// str takes a string element; a non-string is reported.
func (r *rc) str(k string) (string, bool) {
	v, ok := r.take(k)
	if !ok {
		return "", false
	}
	s, isStr := v.(string)
	if !isStr {
		r.fail(k, "expected text")
		return "", false
	}
	return s, true
}

// code maps a code through table; a code the table lacks is reported.
func (r *rc) code(k string, table map[string]string) (string, bool) {
	s, ok := r.str(k)
	if !ok {
		return "", false
	}
	m, known := table[s]
	if !known {
		r.fail(k, "this code has no R4 counterpart")
		return "", false
	}
	return m, true
}

// obj takes an object element.
func (r *rc) obj(k string) (map[string]any, bool) {
	v, ok := r.take(k)
	if !ok {
		return nil, false
	}
	m, isObj := v.(map[string]any)
	if !isObj {
		r.fail(k, "expected an object")
		return nil, false
	}
	return m, true
}

// each calls fn with an rc for every object in the list (or single object)
// at key and collects their outputs as a list under to.
func (r *rc) each(key, to string, fn func(*rc)) {
	v, ok := r.take(key)
	if !ok {
		return
	}
	var outs []any
	for _, x := range asList(v) {
		m, isObj := x.(map[string]any)
		if !isObj {
			r.fail(key, "expected an object")
			return
		}
		c := r.child(key, m)
		c.keep("id", "extension", "modifierExtension")
		fn(c)
		if o := c.finishChild(); to == "" {
			if len(o) > 0 {
				r.fail(key, "this element's extensions have no R4 place")
			}
		} else if o != nil {
			outs = append(outs, o)
		}
	}
	if len(outs) > 0 {
		r.out[to] = outs
	}
}

// one is each for a single backbone element.
func (r *rc) one(key, to string, fn func(*rc)) {
	m, ok := r.obj(key)
	if !ok {
		return
	}
	c := r.child(key, m)
	c.keep("id", "extension", "modifierExtension")
	fn(c)
	if o := c.finishChild(); to == "" {
		// fn moved the element's parts into r.out itself
		if len(o) > 0 {
			r.fail(key, "this element's extensions have no R4 place")
		}
	} else if len(o) > 0 {
		r.out[to] = o
	}
}

// xver keeps an element R4 has no place for as HL7's cross-version
// extension (http://hl7.org/fhir/{1.0|3.0}/StructureDefinition/extension-
// {Path}), so nothing the source said is lost; valueType is its FHIR type.
func (r *rc) xver(key, valueType string) {
	v, ok := r.take(key)
	if !ok {
		return
	}
	ver := "1.0"
	if r.rel == STU3 {
		ver = "3.0"
	}
	var vals []any
	if l, isList := v.([]any); isList {
		vals = l
	} else {
		vals = []any{v}
	}
	// base and each keep the element's own extensions first; the slice is
	// copied so that the decoded input is never written through.
	exts, _ := r.out["extension"].([]any)
	exts = append([]any(nil), exts...)
	for _, x := range vals {
		exts = append(exts, map[string]any{
			"url":               "http://hl7.org/fhir/" + ver + "/StructureDefinition/extension-" + r.path + "." + key,
			"value" + valueType: x,
		})
	}
	r.out["extension"] = exts
}

// base handles the elements every resource has.
func (r *rc) base() {
	r.keep("id", "implicitRules", "language", "text", "extension", "modifierExtension")
	if m, ok := r.obj("meta"); ok {
		meta := map[string]any{}
		for k, v := range m {
			// A profile claims conformance to a DSTU2/STU3 definition, which
			// the R4 resource does not meet: it is left out (the caller
			// records the release the resource came in).
			if k != "profile" {
				meta[k] = v
			}
		}
		if len(meta) > 0 {
			r.out["meta"] = meta
		}
	}
	if v, ok := r.take("contained"); ok {
		var out []any
		for _, x := range asList(v) {
			m, isObj := x.(map[string]any)
			if !isObj {
				r.fail("contained", "expected a resource")
				return
			}
			cm, _, err := r.c.convertMap(r.rel, m, r.opt)
			if err != nil {
				if *r.errp == nil {
					*r.errp = err
				}
				return
			}
			out = append(out, cm)
		}
		r.out["contained"] = out
	}
}

// finish reports the first element no rule consumed.
func (r *rc) finish() (map[string]any, *Unconvertible) {
	r.checkUnused()
	if *r.errp != nil {
		return nil, *r.errp
	}
	return r.out, nil
}

func (r *rc) finishChild() map[string]any {
	r.checkUnused()
	if *r.errp != nil {
		return nil
	}
	return r.out
}

func (r *rc) checkUnused() {
	for _, k := range r.sortedKeys() {
		if r.used[k] {
			continue
		}
		if strings.HasPrefix(k, "_") {
			// Primitive extensions (_status etc.) follow their element only
			// when its name did not change; others are reported.
			if _, ok := r.out[k[1:]]; ok && r.used[k[1:]] {
				r.out[k] = r.in[k]
				continue
			}
		}
		r.fail(k, "this element has no R4 counterpart here")
		return
	}
}

func (r *rc) sortedKeys() []string {
	ks := make([]string, 0, len(r.in))
	for k := range r.in {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func asList(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	return []any{v}
}

// cc is a CodeableConcept of one coding.
func cc(system, code string) map[string]any {
	return map[string]any{"coding": []any{map[string]any{"system": system, "code": code}}}
}

const (
	sysConditionClinical = "http://terminology.hl7.org/CodeSystem/condition-clinical"
	sysConditionVer      = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
	sysAllergyClinical   = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
	sysAllergyVer        = "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification"
	sysActCode           = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
	sysNullFlavor        = "http://terminology.hl7.org/CodeSystem/v3-NullFlavor"
	sysPerformerFunction = "http://terminology.hl7.org/CodeSystem/v2-0443"
	sysDiagnosisRole     = "http://terminology.hl7.org/CodeSystem/diagnosis-role"
	sysGoalAchievement   = "http://terminology.hl7.org/CodeSystem/goal-achievement"
)

func elementName(k string) bool {
	if k == "" || len(k) > 64 {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}
