package olderfhir

// documentCreatedAndContext ends DSTU2's and STU3's DocumentReference
// conversion alike: created (no R4 element) is spent once it was copied into
// attachments' creation (placed of them), else kept as a cross-version
// extension; and the context's related {identifier, ref} becomes an R4
// Reference (which holds both).
func documentCreatedAndContext(r *rc, placed int) {
	if placed > 0 {
		r.take("created")
	} else {
		r.xver("created", "DateTime")
	}
	r.one("context", "context", func(c *rc) {
		c.keep("event", "period", "facilityType", "practiceSetting", "sourcePatientInfo")
		c.moveList("encounter", "encounter")
		if v, ok := c.take("related"); ok {
			var refs []any
			for _, x := range asList(v) {
				m, _ := x.(map[string]any)
				ref := map[string]any{}
				for k, y := range m {
					switch k {
					case "ref":
						if rm, isObj := y.(map[string]any); isObj {
							for rk, rv := range rm {
								ref[rk] = rv
							}
						}
					case "identifier":
						ref["identifier"] = y
					default:
						c.fail("related", "this element has no R4 counterpart here")
					}
				}
				refs = append(refs, ref)
			}
			c.out["related"] = refs
		}
	})
}
