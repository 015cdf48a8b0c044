package olderfhir

// DSTU2 (1.0.2) → R4 field maps, one per resource type. Each names every
// DSTU2 element of its type: kept, renamed, reshaped, kept as a
// cross-version extension, or reported. Status codes go through explicit
// tables; a code with no R4 counterpart is reported, never guessed.

var dstu2Maps map[string]typeMap

func init() {
	dstu2Maps = map[string]typeMap{
		"Patient":             {"Patient", patientDSTU2},
		"Practitioner":        {"Practitioner", practitionerDSTU2},
		"Organization":        {"Organization", organizationDSTU2},
		"Location":            {"Location", locationDSTU2},
		"Condition":           {"Condition", conditionDSTU2},
		"Observation":         {"Observation", observationDSTU2},
		"MedicationOrder":     {"MedicationRequest", medicationOrderDSTU2},
		"MedicationStatement": {"MedicationStatement", medicationStatementDSTU2},
		"Medication":          {"Medication", medicationDSTU2},
		"AllergyIntolerance":  {"AllergyIntolerance", allergyDSTU2},
		"Immunization":        {"Immunization", immunizationDSTU2},
		"Procedure":           {"Procedure", procedureDSTU2},
		"Encounter":           {"Encounter", encounterDSTU2},
		"DiagnosticReport":    {"DiagnosticReport", diagnosticReportDSTU2},
		"DocumentReference":   {"DocumentReference", documentReferenceDSTU2},
		"CarePlan":            {"CarePlan", carePlanDSTU2},
		"Goal":                {"Goal", goalDSTU2},
	}
}

func contactDSTU2(c *rc) {
	c.keep("relationship", "purpose", "telecom", "address", "gender", "organization", "period")
	c.one("name", "name", nameDSTU2)
}

func patientDSTU2(r *rc) {
	r.keep("identifier", "active", "telecom", "gender", "birthDate", "address", "maritalStatus", "photo",
		"communication", "managingOrganization")
	r.keepChoice("deceased", nil)
	r.keepChoice("multipleBirth", nil)
	r.each("name", "name", nameDSTU2)
	r.each("contact", "contact", contactDSTU2)
	r.move("careProvider", "generalPractitioner")
	r.each("link", "link", func(l *rc) {
		l.keep("other")
		if c, ok := l.code("type", map[string]string{"replace": "replaced-by", "refer": "refer", "seealso": "seealso"}); ok {
			l.out["type"] = c
		}
	})
	if _, ok := r.take("animal"); ok {
		r.fail("animal", "an animal patient has no R4 form here")
	}
}

func practitionerDSTU2(r *rc) {
	r.keep("identifier", "active", "telecom", "address", "gender", "birthDate", "photo", "qualification", "communication")
	r.each("name", "name", nameDSTU2) // DSTU2 has one name; R4 a list
	if _, ok := r.take("practitionerRole"); ok {
		r.fail("practitionerRole", "roles are a resource of their own in R4")
	}
}

func organizationDSTU2(r *rc) {
	r.keep("identifier", "active", "name", "telecom", "address", "partOf")
	r.moveList("type", "type")
	r.each("contact", "contact", contactDSTU2)
}

func locationDSTU2(r *rc) {
	r.keep("identifier", "status", "name", "description", "mode", "telecom", "address", "physicalType", "position",
		"managingOrganization", "partOf")
	r.moveList("type", "type")
}

func conditionDSTU2(r *rc) {
	r.keep("identifier", "encounter", "asserter", "code", "severity", "bodySite")
	r.move("patient", "subject")
	r.move("dateRecorded", "recordedDate")
	r.moveList("category", "category")
	statusCC(r, "clinicalStatus", "clinicalStatus", sysConditionClinical, conditionClinical)
	statusCC(r, "verificationStatus", "verificationStatus", sysConditionVer, conditionVerification)
	r.keepChoice("onset", map[string]string{"onsetQuantity": "onsetAge"})
	if v, ok := r.in["abatementBoolean"]; ok {
		// R4 dropped the yes/no form: 'not abated' is what leaving it out
		// says; 'abated' is kept as the cross-version extension.
		if b, _ := v.(bool); !b {
			r.take("abatementBoolean")
		} else {
			r.xver("abatementBoolean", "Boolean")
		}
	}
	r.keepChoice("abatement", map[string]string{"abatementQuantity": "abatementAge"})
	r.one("stage", "stage", func(s *rc) {
		s.keep("summary", "assessment")
	})
	if s, ok := r.out["stage"]; ok {
		r.out["stage"] = []any{s}
	}
	r.each("evidence", "evidence", func(e *rc) {
		e.moveList("code", "code")
		e.keep("detail")
	})
	noteFromString(r, "notes")
}

func observationComponentDSTU2(c *rc) {
	c.keep("code", "dataAbsentReason")
	c.keepChoice("value", map[string]string{"valueAttachment": ""})
	c.each("referenceRange", "referenceRange", referenceRangeDSTU2)
}

func observationDSTU2(r *rc) {
	r.keep("identifier", "status", "code", "subject", "encounter", "issued", "performer", "dataAbsentReason",
		"bodySite", "method", "specimen", "device")
	r.moveList("category", "category")
	r.moveList("interpretation", "interpretation")
	r.keepChoice("effective", nil)
	r.xver("valueAttachment", "Attachment") // R4 Observation has no attachment value
	r.keepChoice("value", nil)
	noteFromString(r, "comments")
	r.each("referenceRange", "referenceRange", referenceRangeDSTU2)
	r.each("component", "component", observationComponentDSTU2)
	related(r)
}

// medicationOrderStatus: DSTU2 MedicationOrder statuses all exist in R4.
var medicationOrderStatus = map[string]string{
	"active": "active", "on-hold": "on-hold", "completed": "completed", "entered-in-error": "entered-in-error",
	"stopped": "stopped", "draft": "draft",
}

func medicationOrderDSTU2(r *rc) {
	r.keep("identifier", "encounter", "medicationCodeableConcept", "medicationReference", "priorPrescription")
	// A DSTU2 MedicationOrder is a prescription: R4 requires the intent
	// and 'order' is what a prescription is.
	r.out["intent"] = "order"
	if s, ok := r.code("status", medicationOrderStatus); ok {
		r.out["status"] = s
	}
	r.move("dateWritten", "authoredOn")
	r.move("patient", "subject")
	r.move("prescriber", "requester")
	r.moveList("reasonCodeableConcept", "reasonCode")
	r.moveList("reasonReference", "reasonReference")
	noteFromString(r, "note")
	r.xver("dateEnded", "DateTime")
	r.xver("reasonEnded", "CodeableConcept")
	r.each("dosageInstruction", "dosageInstruction", dosageDSTU2)
	r.one("dispenseRequest", "dispenseRequest", func(d *rc) {
		d.keep("validityPeriod", "numberOfRepeatsAllowed", "quantity", "expectedSupplyDuration")
		// The medication to dispense is the order's own in R4.
		if _, ok := d.take("medicationCodeableConcept"); ok {
			d.fail("medicationCodeableConcept", "a dispensed medication other than the prescribed one has no R4 form")
		}
		if _, ok := d.take("medicationReference"); ok {
			d.fail("medicationReference", "a dispensed medication other than the prescribed one has no R4 form")
		}
	})
	r.one("substitution", "substitution", func(s *rc) {
		s.keep("reason")
		// DSTU2 named the substitution allowed (v3 ActSubstanceAdminSubstitutionCode),
		// which is R4's allowedCodeableConcept binding.
		s.move("type", "allowedCodeableConcept")
	})
}

var medicationStatementStatus = map[string]string{
	"active": "active", "completed": "completed", "entered-in-error": "entered-in-error", "intended": "intended",
}

func medicationStatementDSTU2(r *rc) {
	r.keep("identifier", "informationSource", "dateAsserted", "medicationCodeableConcept", "medicationReference")
	r.move("patient", "subject")
	if s, ok := r.code("status", medicationStatementStatus); ok {
		r.out["status"] = s
	}
	if v, ok := r.take("wasNotTaken"); ok {
		if b, _ := v.(bool); b {
			r.out["status"] = "not-taken"
		}
	}
	r.moveList("reasonNotTaken", "statusReason") // a list in both
	r.moveList("reasonForUseCodeableConcept", "reasonCode")
	r.moveList("reasonForUseReference", "reasonReference")
	r.keepChoice("effective", nil)
	noteFromString(r, "note")
	r.moveList("supportingInformation", "derivedFrom")
	r.each("dosage", "dosage", dosageDSTU2)
}

func medicationDSTU2(r *rc) {
	r.keep("code", "manufacturer")
	r.xver("isBrand", "Boolean")
	r.one("product", "", func(p *rc) {
		if v, ok := p.take("form"); ok {
			r.out["form"] = v
		}
		p.each("ingredient", "ingredient", func(i *rc) {
			i.move("item", "itemReference")
			i.move("amount", "strength")
		})
		if v, ok := p.out["ingredient"]; ok {
			r.out["ingredient"] = v
		}
		p.each("batch", "batch", func(b *rc) { b.keep("lotNumber", "expirationDate") })
		if v, ok := p.out["batch"].([]any); ok {
			if len(v) > 1 {
				p.fail("batch", "R4 holds only one of these")
			} else if len(v) == 1 {
				r.out["batch"] = v[0]
			}
		}
		delete(p.out, "ingredient")
		delete(p.out, "batch")
	})
	if _, ok := r.take("package"); ok {
		r.fail("package", "a package description has no R4 form")
	}
}

// allergyStatusDSTU2 splits DSTU2's one status into R4's clinical and
// verification statuses, each only where DSTU2 said it.
var allergyStatusDSTU2 = map[string][2]string{
	"active": {"active", ""}, "inactive": {"inactive", ""}, "resolved": {"resolved", ""},
	"unconfirmed": {"", "unconfirmed"}, "confirmed": {"", "confirmed"}, "refuted": {"", "refuted"},
	"entered-in-error": {"", "entered-in-error"},
}

// criticality: DSTU2 said CRITL/CRITH/CRITU; some DSTU2 writers (Synthea)
// already wrote the later words.
var criticality = map[string]string{
	"CRITL": "low", "CRITH": "high", "CRITU": "unable-to-assess",
	"low": "low", "high": "high", "unable-to-assess": "unable-to-assess",
}

// allergyCategory: DSTU2 'other' has no R4 code and says nothing, which R4
// says by leaving category out.
var allergyCategory = map[string]string{"food": "food", "medication": "medication", "environment": "environment", "other": ""}

func allergyDSTU2(r *rc) {
	r.keep("identifier", "recordedDate", "recorder", "patient", "type")
	r.move("onset", "onsetDateTime")
	r.move("reporter", "asserter")
	r.move("substance", "code")
	r.move("lastOccurence", "lastOccurrence")
	if s, ok := r.str("status"); ok {
		st, known := allergyStatusDSTU2[s]
		if !known {
			r.fail("status", "this code has no R4 counterpart")
		}
		if st[0] != "" {
			r.out["clinicalStatus"] = cc(sysAllergyClinical, st[0])
		}
		if st[1] != "" {
			r.out["verificationStatus"] = cc(sysAllergyVer, st[1])
		}
	}
	if c, ok := r.code("criticality", criticality); ok {
		r.out["criticality"] = c
	}
	if c, ok := r.code("category", allergyCategory); ok && c != "" {
		r.out["category"] = []any{c}
	}
	r.moveList("note", "note")
	r.each("reaction", "reaction", func(x *rc) {
		x.keep("substance", "manifestation", "description", "onset", "severity", "exposureRoute")
		x.moveList("note", "note")
		x.xver("certainty", "Code")
	})
}

// immunizationStatusDSTU2: R4 knows only completed, entered-in-error and
// not-done; DSTU2's in-progress, on-hold and stopped say the dose may not
// have been given in full, which R4 cannot say: they are reported.
var immunizationStatusDSTU2 = map[string]string{"completed": "completed", "entered-in-error": "entered-in-error"}

func immunizationDSTU2(r *rc) {
	r.keep("identifier", "vaccineCode", "patient", "encounter", "manufacturer", "location", "lotNumber",
		"expirationDate", "site", "route", "doseQuantity", "note")
	notGiven := false
	if v, ok := r.take("wasNotGiven"); ok {
		notGiven, _ = v.(bool)
	}
	if notGiven {
		r.take("status")
		r.out["status"] = "not-done"
	} else if s, ok := r.code("status", immunizationStatusDSTU2); ok {
		r.out["status"] = s
	}
	if d, ok := r.take("date"); ok {
		r.out["occurrenceDateTime"] = d
	} else {
		r.fail("date", "R4 requires the date the vaccine was given")
	}
	if v, ok := r.take("reported"); ok {
		b, _ := v.(bool)
		r.out["primarySource"] = !b // reported by someone else = not a primary source
	}
	var performers []any
	for _, p := range []struct{ key, fn string }{{"performer", "AP"}, {"requester", "OP"}} {
		if v, ok := r.take(p.key); ok {
			performers = append(performers, map[string]any{"actor": v, "function": cc(sysPerformerFunction, p.fn)})
		}
	}
	if performers != nil {
		r.out["performer"] = performers
	}
	r.one("explanation", "", func(e *rc) {
		if v, ok := e.take("reason"); ok {
			r.out["reasonCode"] = asList(v)
		}
		if v, ok := e.take("reasonNotGiven"); ok {
			l := asList(v)
			if len(l) > 1 {
				e.fail("reasonNotGiven", "R4 holds only one of these")
			} else if len(l) == 1 {
				r.out["statusReason"] = l[0]
			}
		}
	})
	r.each("reaction", "reaction", func(x *rc) { x.keep("date", "detail", "reported") })
	r.each("vaccinationProtocol", "protocolApplied", func(p *rc) {
		p.keep("authority", "series")
		p.moveList("targetDisease", "targetDisease")
		if v, ok := p.take("doseSequence"); ok {
			p.out["doseNumberPositiveInt"] = v
		} else {
			// R4 requires the dose number; DSTU2 may leave it out.
			p.fail("doseSequence", "R4 requires the dose number")
		}
		p.move("seriesDoses", "seriesDosesPositiveInt")
		p.xver("description", "String")
		p.xver("doseStatus", "CodeableConcept")
		p.xver("doseStatusReason", "CodeableConcept")
	})
}

var procedureStatusDSTU2 = map[string]string{
	"in-progress": "in-progress", "aborted": "stopped", "completed": "completed", "entered-in-error": "entered-in-error",
}

func procedureDSTU2(r *rc) {
	r.keep("identifier", "subject", "category", "code", "bodySite", "encounter", "location", "outcome", "report",
		"complication", "followUp", "focalDevice")
	r.keepChoice("performed", nil)
	if s, ok := r.code("status", procedureStatusDSTU2); ok {
		r.out["status"] = s
	}
	if v, ok := r.take("notPerformed"); ok {
		if b, _ := v.(bool); b {
			r.out["status"] = "not-done"
		}
	}
	r.moveFirst("reasonNotPerformed", "statusReason")
	r.moveList("reasonCodeableConcept", "reasonCode")
	r.moveList("reasonReference", "reasonReference")
	r.each("performer", "performer", func(p *rc) {
		p.keep("actor")
		p.move("role", "function")
	})
	r.moveList("request", "basedOn")
	r.move("notes", "note")
	r.move("used", "usedReference")
}

var encounterStatusDSTU2 = map[string]string{
	"planned": "planned", "arrived": "arrived", "in-progress": "in-progress", "onleave": "onleave",
	"finished": "finished", "cancelled": "cancelled",
}

// encounterClassDSTU2 maps DSTU2's class words to HL7 v3 ActCode, R4's
// class system; 'other' is v3 NullFlavor OTH. R4 requires a class: when
// DSTU2 gave none it is NullFlavor UNK ('unknown'), never a guess.
var encounterClassDSTU2 = map[string][2]string{
	"inpatient": {sysActCode, "IMP"}, "outpatient": {sysActCode, "AMB"}, "ambulatory": {sysActCode, "AMB"},
	"emergency": {sysActCode, "EMER"}, "home": {sysActCode, "HH"}, "field": {sysActCode, "FLD"},
	"daytime": {sysActCode, "SS"}, "virtual": {sysActCode, "VR"}, "other": {sysNullFlavor, "OTH"},
}

func encounterDSTU2(r *rc) {
	r.keep("identifier", "statusHistory", "type", "priority", "episodeOfCare", "participant", "period", "length",
		"location", "serviceProvider", "partOf")
	if s, ok := r.code("status", encounterStatusDSTU2); ok {
		r.out["status"] = s
	}
	cls := [2]string{sysNullFlavor, "UNK"}
	if s, ok := r.str("class"); ok {
		c, known := encounterClassDSTU2[s]
		if !known {
			r.fail("class", "this code has no R4 counterpart")
		}
		cls = c
	}
	r.out["class"] = map[string]any{"system": cls[0], "code": cls[1]}
	r.move("patient", "subject")
	r.moveList("incomingReferral", "basedOn")
	r.moveList("appointment", "appointment")
	r.moveList("reason", "reasonCode")
	var diagnoses []any
	addDiagnoses := func(v any, use string) {
		for _, ref := range asList(v) {
			d := map[string]any{"condition": ref}
			if use != "" {
				d["use"] = cc(sysDiagnosisRole, use)
			}
			diagnoses = append(diagnoses, d)
		}
	}
	if v, ok := r.take("indication"); ok {
		addDiagnoses(v, "")
	}
	r.one("hospitalization", "hospitalization", func(h *rc) {
		h.keep("preAdmissionIdentifier", "origin", "admitSource", "reAdmission", "specialCourtesy",
			"specialArrangement", "destination", "dischargeDisposition")
		h.moveList("dietPreference", "dietPreference")
		if v, ok := h.take("admittingDiagnosis"); ok {
			addDiagnoses(v, "AD")
		}
		if v, ok := h.take("dischargeDiagnosis"); ok {
			addDiagnoses(v, "DD")
		}
	})
	if diagnoses != nil {
		r.out["diagnosis"] = diagnoses
	}
}

var diagnosticReportStatus = map[string]string{
	"registered": "registered", "partial": "partial", "preliminary": "preliminary", "final": "final",
	"amended": "amended", "corrected": "corrected", "appended": "appended", "cancelled": "cancelled",
	"entered-in-error": "entered-in-error", "unknown": "unknown",
}

func diagnosticReportDSTU2(r *rc) {
	r.keep("identifier", "code", "subject", "encounter", "issued", "specimen", "result", "imagingStudy",
		"conclusion", "presentedForm")
	if s, ok := r.code("status", diagnosticReportStatus); ok {
		r.out["status"] = s
	}
	r.moveList("category", "category")
	r.keepChoice("effective", nil)
	r.moveList("performer", "performer")
	r.moveList("request", "basedOn")
	r.move("image", "media")
	r.move("codedDiagnosis", "conclusionCode")
}

var docStatus = map[string]string{"preliminary": "preliminary", "final": "final", "amended": "amended", "entered-in-error": "entered-in-error"}

func documentReferenceDSTU2(r *rc) {
	r.keep("masterIdentifier", "identifier", "subject", "type", "author", "custodian", "authenticator", "status",
		"relatesTo", "description", "securityLabel")
	r.moveList("class", "category")
	r.move("indexed", "date")
	// DSTU2's document creation time is R4's attachment creation; an
	// attachment that says its own keeps it, and when none took it, it
	// stays as the cross-version extension.
	created, hasCreated := r.in["created"]
	placed := 0
	if v, ok := r.obj("docStatus"); ok {
		// DSTU2 coded it (composition-status); R4 takes the code.
		code := ""
		if l, _ := v["coding"].([]any); len(l) == 1 {
			if c, _ := l[0].(map[string]any); c != nil {
				code, _ = c["code"].(string)
			}
		}
		if s, known := docStatus[code]; known {
			r.out["docStatus"] = s
		} else {
			r.fail("docStatus", "this code has no R4 counterpart")
		}
	}
	r.each("content", "content", func(c *rc) {
		if a, ok := c.obj("attachment"); ok {
			if hasCreated {
				if _, set := a["creation"]; !set {
					b := map[string]any{}
					for k, v := range a {
						b[k] = v
					}
					b["creation"] = created
					a = b
					placed++
				}
			}
			c.out["attachment"] = a
		}
		c.moveFirst("format", "format")
	})
	documentCreatedAndContext(r, placed)
}

var carePlanStatusDSTU2 = map[string]string{
	"proposed": "draft", "draft": "draft", "active": "active", "completed": "completed", "cancelled": "revoked",
}

var activityStatus = map[string]string{
	"not-started": "not-started", "scheduled": "scheduled", "in-progress": "in-progress", "on-hold": "on-hold",
	"completed": "completed", "cancelled": "cancelled", "stopped": "stopped", "unknown": "unknown",
	"entered-in-error": "entered-in-error",
}

func carePlanDSTU2(r *rc) {
	r.keep("identifier", "subject", "period", "category", "description", "addresses", "goal")
	// DSTU2 care plans had no intent; R4 requires one and a care plan is a
	// plan.
	r.out["intent"] = "plan"
	if s, ok := r.code("status", carePlanStatusDSTU2); ok {
		r.out["status"] = s
	}
	r.move("context", "encounter")
	if v, ok := r.take("author"); ok {
		// R4 has one author; the others are its contributors.
		if l := asList(v); len(l) > 0 {
			r.out["author"] = l[0]
			if len(l) > 1 {
				r.out["contributor"] = l[1:]
			}
		}
	}
	r.xver("modified", "DateTime")
	r.move("support", "supportingInfo")
	r.moveList("note", "note")
	if v, ok := r.take("relatedPlan"); ok {
		for _, x := range asList(v) {
			m, _ := x.(map[string]any)
			if c, _ := m["code"].(string); c != "replaces" || m["plan"] == nil {
				r.fail("relatedPlan", "this relation has no R4 counterpart")
				break
			}
			l, _ := r.out["replaces"].([]any)
			r.out["replaces"] = append(l, m["plan"])
		}
	}
	if _, ok := r.take("participant"); ok {
		r.fail("participant", "participants are a care team resource in R4")
	}
	requireSubject(r)
	r.each("activity", "activity", func(a *rc) {
		a.keep("reference")
		a.move("actionResulting", "outcomeReference")
		a.move("progress", "progress")
		a.one("detail", "detail", func(d *rc) {
			d.keep("code", "reasonReference", "goal", "statusReason", "location", "performer", "dailyAmount",
				"quantity", "description")
			d.xver("category", "CodeableConcept")
			d.moveList("reasonCode", "reasonCode")
			if s, ok := d.code("status", activityStatus); ok {
				d.out["status"] = s
			} else if !d.failed() {
				// R4 requires it; DSTU2 may leave it out.
				d.out["status"] = "unknown"
			}
			d.move("prohibited", "doNotPerform")
			d.one("scheduledTiming", "scheduledTiming", timingDSTU2)
			d.keepChoice("scheduled", nil)
			d.keepChoice("product", nil)
		})
	})
}

// goalStatus splits DSTU2/STU3's one status into R4's lifecycle and
// achievement statuses (the R3→R4 map's reading).
var goalStatus = map[string][2]string{
	"proposed": {"proposed", ""}, "planned": {"planned", ""}, "accepted": {"accepted", ""},
	"rejected": {"rejected", ""}, "on-hold": {"on-hold", ""}, "cancelled": {"cancelled", ""},
	"entered-in-error": {"entered-in-error", ""},
	"in-progress":      {"active", "in-progress"}, "on-target": {"active", "in-progress"},
	"ahead-of-target": {"active", "in-progress"}, "behind-target": {"active", "in-progress"},
	"sustaining": {"active", "sustaining"}, "achieved": {"completed", "achieved"},
}

func goalLifecycle(r *rc) {
	if s, ok := r.str("status"); ok {
		st, known := goalStatus[s]
		if !known {
			r.fail("status", "this code has no R4 counterpart")
			return
		}
		r.out["lifecycleStatus"] = st[0]
		if st[1] != "" {
			r.out["achievementStatus"] = cc(sysGoalAchievement, st[1])
		}
	}
}

// requireSubject: R4 requires a goal's or a care plan's person, where
// DSTU2 and STU3 did not; the file's one person (Options.Subject) is it.
func requireSubject(r *rc) {
	if _, ok := r.out["subject"]; ok {
		return
	}
	if r.opt.Subject == "" {
		r.fail("subject", "R4 requires the person this is for, which it does not name")
		return
	}
	r.out["subject"] = map[string]any{"reference": r.opt.Subject}
}

func goalDSTU2(r *rc) {
	r.keep("identifier", "subject", "statusDate", "category", "priority", "addresses", "note")
	r.keepChoice("start", nil)
	target := map[string]any{}
	if v, ok := r.take("targetDate"); ok {
		target["dueDate"] = v
	}
	if v, ok := r.take("targetQuantity"); ok {
		target["dueDuration"] = v
	}
	if len(target) > 0 {
		r.out["target"] = []any{target}
	}
	if v, ok := r.take("description"); ok {
		// DSTU2 says words; some DSTU2 writers (Synthea) already wrote the
		// later CodeableConcept, which is kept.
		switch d := v.(type) {
		case string:
			r.out["description"] = map[string]any{"text": d}
		case map[string]any:
			r.out["description"] = d
		default:
			r.fail("description", "expected text")
		}
	}
	goalLifecycle(r)
	if v, ok := r.in["statusReason"].(map[string]any); ok {
		// R4 says the reason in words: the concept's text, else a display;
		// its codes stay as the cross-version extension.
		if t := ccText(v); t != "" {
			r.out["statusReason"] = t
		}
		if _, coded := v["coding"]; coded {
			r.xver("statusReason", "CodeableConcept")
		} else {
			r.take("statusReason")
		}
	}
	r.move("author", "expressedBy")
	r.each("outcome", "", func(o *rc) {
		if v, ok := o.take("resultCodeableConcept"); ok {
			l, _ := r.out["outcomeCode"].([]any)
			r.out["outcomeCode"] = append(l, v)
		}
		if v, ok := o.take("resultReference"); ok {
			l, _ := r.out["outcomeReference"].([]any)
			r.out["outcomeReference"] = append(l, v)
		}
	})
	requireSubject(r)
}

func ccText(m map[string]any) string {
	if t, _ := m["text"].(string); t != "" {
		return t
	}
	if l, _ := m["coding"].([]any); len(l) > 0 {
		if c, _ := l[0].(map[string]any); c != nil {
			d, _ := c["display"].(string)
			return d
		}
	}
	return ""
}
