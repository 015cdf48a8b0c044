package olderfhir

// STU3 (3.0.x) → R4 field maps, one per resource type, written the same
// way as the DSTU2 ones (see dstu2.go).

var stu3Maps map[string]typeMap

func init() {
	stu3Maps = map[string]typeMap{
		"Patient":             {"Patient", patientSTU3},
		"Practitioner":        {"Practitioner", practitionerSTU3},
		"Organization":        {"Organization", organizationSTU3},
		"Location":            {"Location", locationSTU3},
		"Condition":           {"Condition", conditionSTU3},
		"Observation":         {"Observation", observationSTU3},
		"MedicationRequest":   {"MedicationRequest", medicationRequestSTU3},
		"MedicationStatement": {"MedicationStatement", medicationStatementSTU3},
		"Medication":          {"Medication", medicationSTU3},
		"AllergyIntolerance":  {"AllergyIntolerance", allergySTU3},
		"Immunization":        {"Immunization", immunizationSTU3},
		"Procedure":           {"Procedure", procedureSTU3},
		"Encounter":           {"Encounter", encounterSTU3},
		"DiagnosticReport":    {"DiagnosticReport", diagnosticReportSTU3},
		"DocumentReference":   {"DocumentReference", documentReferenceSTU3},
		"CarePlan":            {"CarePlan", carePlanSTU3},
		"Goal":                {"Goal", goalSTU3},
	}
}

func patientSTU3(r *rc) {
	r.keep("identifier", "active", "name", "telecom", "gender", "birthDate", "address", "maritalStatus", "photo",
		"contact", "communication", "generalPractitioner", "managingOrganization", "link")
	r.keepChoice("deceased", nil)
	r.keepChoice("multipleBirth", nil)
	if _, ok := r.take("animal"); ok {
		r.fail("animal", "an animal patient has no R4 form here")
	}
}

func practitionerSTU3(r *rc) {
	r.keep("identifier", "active", "name", "telecom", "address", "gender", "birthDate", "photo", "qualification",
		"communication")
}

func organizationSTU3(r *rc) {
	r.keep("identifier", "active", "type", "name", "alias", "telecom", "address", "partOf", "contact", "endpoint")
}

func locationSTU3(r *rc) {
	r.keep("identifier", "status", "operationalStatus", "name", "alias", "description", "mode", "telecom", "address",
		"physicalType", "position", "managingOrganization", "partOf", "endpoint")
	r.moveList("type", "type")
}

func conditionSTU3(r *rc) {
	r.keep("identifier", "category", "severity", "code", "bodySite", "subject", "asserter", "evidence", "note")
	statusCC(r, "clinicalStatus", "clinicalStatus", sysConditionClinical, conditionClinical)
	statusCC(r, "verificationStatus", "verificationStatus", sysConditionVer, conditionVerification)
	r.move("context", "encounter")
	r.keepChoice("onset", nil)
	if v, ok := r.in["abatementBoolean"]; ok {
		if b, _ := v.(bool); !b {
			r.take("abatementBoolean")
		} else {
			r.xver("abatementBoolean", "Boolean")
		}
	}
	r.keepChoice("abatement", nil)
	r.move("assertedDate", "recordedDate")
	r.moveList("stage", "stage")
}

func observationComponentSTU3(c *rc) {
	c.keep("code", "dataAbsentReason", "referenceRange")
	c.keepChoice("value", nil)
	c.moveList("interpretation", "interpretation")
}

func observationSTU3(r *rc) {
	r.keep("identifier", "basedOn", "status", "category", "code", "subject", "issued", "performer",
		"dataAbsentReason", "bodySite", "method", "specimen", "device", "referenceRange")
	r.move("context", "encounter")
	r.keepChoice("effective", nil)
	r.xver("valueAttachment", "Attachment") // R4 Observation has no attachment value
	r.keepChoice("value", nil)
	r.moveList("interpretation", "interpretation")
	noteFromString(r, "comment")
	r.each("component", "component", observationComponentSTU3)
	related(r)
}

func medicationRequestSTU3(r *rc) {
	// STU3 statuses, intents and priorities are all R4 codes.
	r.keep("identifier", "basedOn", "groupIdentifier", "status", "intent", "priority", "subject",
		"supportingInformation", "authoredOn", "recorder", "reasonCode", "reasonReference", "note",
		"priorPrescription", "detectedIssue", "eventHistory", "medicationCodeableConcept", "medicationReference",
		"dispenseRequest")
	r.moveList("category", "category")
	r.move("context", "encounter")
	r.xver("definition", "Reference")
	r.one("requester", "", func(q *rc) {
		if v, ok := q.take("agent"); ok {
			r.out["requester"] = v
		}
		q.xver("onBehalfOf", "Reference")
	})
	r.each("dosageInstruction", "dosageInstruction", dosageSTU3)
	r.one("substitution", "substitution", func(s *rc) {
		s.keep("reason")
		s.move("allowed", "allowedBoolean")
	})
}

var medicationStatementStatusSTU3 = map[string]string{
	"active": "active", "completed": "completed", "entered-in-error": "entered-in-error", "intended": "intended",
	"stopped": "stopped", "on-hold": "on-hold",
}

func medicationStatementSTU3(r *rc) {
	r.keep("identifier", "basedOn", "partOf", "category", "medicationCodeableConcept", "medicationReference",
		"dateAsserted", "informationSource", "subject", "derivedFrom", "reasonCode", "reasonReference", "note")
	r.move("context", "context")
	r.keepChoice("effective", nil)
	if s, ok := r.code("status", medicationStatementStatusSTU3); ok {
		r.out["status"] = s
	}
	// 'taken' became part of the status: not taken is R4's not-taken, not
	// known is R4's unknown; yes and not-applicable leave the status.
	if t, ok := r.code("taken", map[string]string{"y": "", "n": "not-taken", "unk": "unknown", "na": ""}); ok && t != "" {
		r.out["status"] = t
	}
	r.move("reasonNotTaken", "statusReason")
	r.each("dosage", "dosage", dosageSTU3)
}

func medicationSTU3(r *rc) {
	r.keep("code", "status", "manufacturer", "form")
	r.xver("isBrand", "Boolean")
	r.xver("isOverTheCounter", "Boolean")
	r.each("ingredient", "ingredient", func(i *rc) {
		i.keepChoice("item", nil)
		i.keep("isActive")
		i.move("amount", "strength")
	})
	if _, ok := r.take("package"); ok {
		r.fail("package", "a package description has no R4 form")
	}
	if _, ok := r.take("image"); ok {
		r.fail("image", "a medication picture has no R4 form")
	}
}

func allergySTU3(r *rc) {
	r.keep("identifier", "type", "category", "criticality", "code", "patient", "recorder", "asserter",
		"lastOccurrence", "note")
	statusCC(r, "clinicalStatus", "clinicalStatus", sysAllergyClinical,
		map[string]string{"active": "active", "inactive": "inactive", "resolved": "resolved"})
	statusCC(r, "verificationStatus", "verificationStatus", sysAllergyVer,
		map[string]string{"unconfirmed": "unconfirmed", "confirmed": "confirmed", "refuted": "refuted", "entered-in-error": "entered-in-error"})
	r.keepChoice("onset", nil)
	r.move("assertedDate", "recordedDate")
	r.each("reaction", "reaction", func(x *rc) {
		x.keep("substance", "manifestation", "description", "onset", "severity", "exposureRoute", "note")
	})
}

func immunizationSTU3(r *rc) {
	r.keep("identifier", "vaccineCode", "patient", "encounter", "primarySource", "location", "manufacturer",
		"lotNumber", "expirationDate", "site", "route", "doseQuantity", "note")
	r.move("reportOrigin", "reportOrigin")
	notGiven := false
	if v, ok := r.take("notGiven"); ok {
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
	r.each("practitioner", "performer", func(p *rc) {
		p.keep("actor")
		p.move("role", "function")
	})
	r.one("explanation", "", func(e *rc) {
		if v, ok := e.take("reason"); ok {
			r.out["reasonCode"] = v
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
		p.keep("authority", "series", "targetDisease")
		if v, ok := p.take("doseSequence"); ok {
			p.out["doseNumberPositiveInt"] = v
		} else {
			p.fail("doseSequence", "R4 requires the dose number")
		}
		p.move("seriesDoses", "seriesDosesPositiveInt")
		p.xver("description", "String")
		p.xver("doseStatus", "CodeableConcept")
		p.xver("doseStatusReason", "CodeableConcept")
	})
}

var procedureStatusSTU3 = map[string]string{
	"preparation": "preparation", "in-progress": "in-progress", "suspended": "on-hold", "aborted": "stopped",
	"completed": "completed", "entered-in-error": "entered-in-error", "unknown": "unknown",
}

func procedureSTU3(r *rc) {
	r.keep("identifier", "basedOn", "partOf", "category", "code", "subject", "location", "reasonCode",
		"bodySite", "outcome", "report", "complication", "complicationDetail", "followUp", "note", "focalDevice",
		"usedReference", "usedCode")
	r.xver("definition", "Reference")
	if s, ok := r.code("status", procedureStatusSTU3); ok {
		r.out["status"] = s
	}
	if v, ok := r.take("notDone"); ok {
		if b, _ := v.(bool); b {
			r.out["status"] = "not-done"
		}
	}
	r.move("notDoneReason", "statusReason")
	r.move("context", "encounter")
	r.keepChoice("performed", nil)
	r.moveList("reasonReference", "reasonReference")
	r.each("performer", "performer", func(p *rc) {
		p.keep("actor", "onBehalfOf")
		p.move("role", "function")
	})
}

func encounterSTU3(r *rc) {
	// STU3 Encounter statuses and class (a Coding) are R4's.
	r.keep("identifier", "status", "statusHistory", "class", "classHistory", "type", "priority", "subject",
		"episodeOfCare", "participant", "period", "length", "account", "location", "serviceProvider", "partOf")
	r.moveList("incomingReferral", "basedOn")
	r.moveList("appointment", "appointment")
	r.moveList("reason", "reasonCode")
	r.each("diagnosis", "diagnosis", func(d *rc) {
		d.keep("condition", "rank")
		d.move("role", "use")
	})
	r.one("hospitalization", "hospitalization", func(h *rc) {
		h.keep("preAdmissionIdentifier", "origin", "admitSource", "reAdmission", "dietPreference",
			"specialCourtesy", "specialArrangement", "destination", "dischargeDisposition")
	})
}

func diagnosticReportSTU3(r *rc) {
	r.keep("identifier", "basedOn", "status", "code", "subject", "issued", "specimen", "result", "imagingStudy",
		"conclusion", "presentedForm")
	r.moveList("category", "category")
	r.move("context", "encounter")
	r.keepChoice("effective", nil)
	r.each("performer", "", func(p *rc) {
		if v, ok := p.take("actor"); ok {
			l, _ := r.out["performer"].([]any)
			r.out["performer"] = append(l, v)
		}
		// R4 keeps who took part, not in which role.
		if _, ok := p.take("role"); ok {
			p.fail("role", "a performer's role has no R4 place")
		}
	})
	r.move("image", "media")
	r.move("codedDiagnosis", "conclusionCode")
}

func documentReferenceSTU3(r *rc) {
	r.keep("masterIdentifier", "identifier", "status", "docStatus", "type", "subject", "author", "authenticator",
		"custodian", "relatesTo", "description", "securityLabel")
	r.moveList("class", "category")
	r.move("indexed", "date")
	created, hasCreated := r.in["created"] // as in DSTU2 (see there)
	placed := 0
	r.each("content", "content", func(c *rc) {
		c.keep("format")
		if a, ok := c.obj("attachment"); ok {
			if _, set := a["creation"]; hasCreated && !set {
				b := map[string]any{"creation": created}
				for k, v := range a {
					b[k] = v
				}
				a = b
				placed++
			}
			c.out["attachment"] = a
		}
	})
	documentCreatedAndContext(r, placed)
}

var carePlanStatusSTU3 = map[string]string{
	"draft": "draft", "active": "active", "suspended": "on-hold", "completed": "completed",
	"entered-in-error": "entered-in-error", "cancelled": "revoked", "unknown": "unknown",
}

func carePlanSTU3(r *rc) {
	r.keep("identifier", "basedOn", "replaces", "partOf", "intent", "category", "title", "description", "subject",
		"period", "careTeam", "addresses", "supportingInfo", "goal", "note")
	r.xver("definition", "Reference")
	if s, ok := r.code("status", carePlanStatusSTU3); ok {
		r.out["status"] = s
	}
	r.move("context", "encounter")
	if v, ok := r.take("author"); ok {
		if l := asList(v); len(l) > 0 {
			r.out["author"] = l[0]
			if len(l) > 1 {
				r.out["contributor"] = l[1:]
			}
		}
	}
	requireSubject(r)
	r.each("activity", "activity", func(a *rc) {
		a.keep("outcomeCodeableConcept", "outcomeReference", "progress", "reference")
		a.one("detail", "detail", func(d *rc) {
			d.keep("code", "reasonCode", "reasonReference", "goal", "location", "performer", "dailyAmount",
				"quantity", "description")
			d.xver("category", "CodeableConcept")
			d.xver("definition", "Reference")
			if s, ok := d.code("status", activityStatus); ok {
				d.out["status"] = s
			}
			if s, ok := d.str("statusReason"); ok {
				d.out["statusReason"] = map[string]any{"text": s} // words in STU3, a concept in R4
			}
			d.move("prohibited", "doNotPerform")
			d.keepChoice("scheduled", nil)
			d.keepChoice("product", nil)
		})
	})
}

func goalSTU3(r *rc) {
	r.keep("identifier", "category", "priority", "description", "subject", "statusDate", "statusReason",
		"expressedBy", "addresses", "note", "outcomeCode", "outcomeReference")
	r.keepChoice("start", nil)
	goalLifecycle(r)
	r.each("target", "target", func(t *rc) {
		t.keep("measure")
		t.keepChoice("detail", nil)
		t.keepChoice("due", nil)
	})
	requireSubject(r)
}
