package olderfhir

import "strings"

// nameDSTU2: a DSTU2 HumanName may hold several family names (a list); R4
// holds one string, so they are joined with spaces in their order.
func nameDSTU2(n *rc) {
	n.keep("use", "text", "given", "prefix", "suffix", "period")
	if v, ok := n.take("family"); ok {
		var parts []string
		for _, x := range asList(v) {
			s, isStr := x.(string)
			if !isStr {
				n.fail("family", "expected text")
				return
			}
			parts = append(parts, s)
		}
		if len(parts) > 0 {
			n.out["family"] = strings.Join(parts, " ")
		}
	}
}

// timingDSTU2: DSTU2 Timing.repeat says durationUnits/periodUnits and one
// 'when'; R4 says durationUnit/periodUnit and a list.
func timingDSTU2(t *rc) {
	t.keep("event", "code")
	t.one("repeat", "repeat", func(p *rc) {
		p.keepChoice("bounds", map[string]string{"boundsQuantity": "boundsDuration"})
		p.keep("count", "duration", "durationMax", "frequency", "frequencyMax", "period", "periodMax")
		p.move("durationUnits", "durationUnit")
		p.move("periodUnits", "periodUnit")
		p.moveList("when", "when")
	})
}

// doseAndRate gathers dose[x] and rate[x] into R4's doseAndRate list.
func doseAndRate(d *rc, doses, rates map[string]string) {
	dr := map[string]any{}
	for _, table := range []map[string]string{doses, rates} {
		for from, to := range table {
			if v, ok := d.take(from); ok {
				dr[to] = v
			}
		}
	}
	if len(dr) > 0 {
		d.out["doseAndRate"] = []any{dr}
	}
}

// dosageDSTU2 maps MedicationOrder.dosageInstruction and
// MedicationStatement.dosage (DSTU2 backbones) to R4 Dosage.
func dosageDSTU2(d *rc) {
	d.keep("text", "route", "method", "maxDosePerPeriod")
	d.keepChoice("asNeeded", nil)
	d.moveList("additionalInstructions", "additionalInstruction")
	d.one("timing", "timing", timingDSTU2)
	d.move("siteCodeableConcept", "site")
	if _, ok := d.take("siteReference"); ok {
		d.fail("siteReference", "a body site given as a reference has no R4 form")
	}
	doseAndRate(d,
		map[string]string{"doseQuantity": "doseQuantity", "doseRange": "doseRange", "quantityQuantity": "doseQuantity", "quantityRange": "doseRange"},
		map[string]string{"rateRatio": "rateRatio", "rateRange": "rateRange"})
}

// dosageSTU3 maps STU3 Dosage to R4 (dose[x] and rate[x] moved into
// doseAndRate).
func dosageSTU3(d *rc) {
	d.keep("sequence", "text", "additionalInstruction", "patientInstruction", "timing", "site", "route", "method",
		"maxDosePerPeriod", "maxDosePerAdministration", "maxDosePerLifetime")
	d.keepChoice("asNeeded", nil)
	doseAndRate(d,
		map[string]string{"doseQuantity": "doseQuantity", "doseSimpleQuantity": "doseQuantity", "doseRange": "doseRange"},
		map[string]string{"rateRatio": "rateRatio", "rateRange": "rateRange", "rateQuantity": "rateQuantity", "rateSimpleQuantity": "rateQuantity"})
}

// noteFromString: DSTU2 free-text notes (a string) become R4 Annotations.
func noteFromString(r *rc, from string) {
	s, ok := r.str(from)
	if ok && s != "" {
		r.out["note"] = []any{map[string]any{"text": s}}
	}
}

// related maps Observation.related to R4's hasMember/derivedFrom; the other
// relations (sequel-to, replaces, qualified-by, interfered-by) have no R4
// element and are reported.
func related(r *rc) {
	v, ok := r.take("related")
	if !ok {
		return
	}
	for _, x := range asList(v) {
		m, isObj := x.(map[string]any)
		if !isObj {
			r.fail("related", "expected an object")
			return
		}
		t, _ := m["type"].(string)
		to := map[string]string{"has-member": "hasMember", "derived-from": "derivedFrom"}[t]
		if to == "" {
			r.fail("related.type", "this relation has no R4 counterpart")
			return
		}
		target, isRef := m["target"].(map[string]any)
		for k := range m {
			if k != "type" && k != "target" && k != "id" {
				isRef = false
			}
		}
		if !isRef {
			r.fail("related", "this relation has no R4 form")
			return
		}
		l, _ := r.out[to].([]any)
		r.out[to] = append(l, target)
	}
}

// referenceRangeDSTU2: 'meaning' became 'type'.
func referenceRangeDSTU2(rr *rc) {
	rr.keep("low", "high", "age", "text")
	rr.move("meaning", "type")
}

// statusCC writes a status code as an R4 CodeableConcept of system.
func statusCC(r *rc, from, to, system string, table map[string]string) {
	if c, ok := r.code(from, table); ok && c != "" {
		r.out[to] = cc(system, c)
	}
}

var conditionClinical = map[string]string{
	"active": "active", "relapse": "relapse", "recurrence": "recurrence", "remission": "remission",
	"resolved": "resolved", "inactive": "inactive",
}

// conditionVerification: DSTU2/STU3 'unknown' says nothing, which in R4 is
// said by leaving verificationStatus out (R4's codes do not include it).
var conditionVerification = map[string]string{
	"provisional": "provisional", "differential": "differential", "confirmed": "confirmed",
	"refuted": "refuted", "entered-in-error": "entered-in-error", "unknown": "",
}
