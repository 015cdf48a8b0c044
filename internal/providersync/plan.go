package providersync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/fastenhealth/fasten-desktop/internal/olderfhir"
)

// usCoreTypes are the US Core 6.1 resource types, plus ExplanationOfBenefit
// (CARIN Blue Button, for insurers).
var usCoreTypes = []string{
	"AllergyIntolerance", "CarePlan", "CareTeam", "Condition", "Coverage", "Device", "DiagnosticReport",
	"DocumentReference", "Encounter", "Goal", "Immunization", "Location", "Medication", "MedicationDispense",
	"MedicationRequest", "Observation", "Organization", "Patient", "Practitioner", "PractitionerRole",
	"Procedure", "Provenance", "QuestionnaireResponse", "RelatedPerson", "ServiceRequest", "Specimen",
	"ExplanationOfBenefit",
}

// sharedTypes live outside the patient compartment: searching them without
// a patient filter would return the whole directory of a health system, so
// they are read by reference instead.
var sharedTypes = map[string]bool{
	"Location": true, "Medication": true, "Organization": true, "Practitioner": true, "PractitionerRole": true,
	"Substance": true, "HealthcareService": true, "Endpoint": true,
}

// epicObservationCategories: Epic refuses Observation searches without a
// category, so each category is its own task.
var epicObservationCategories = []string{
	"laboratory", "vital-signs", "social-history", "survey", "exam", "imaging", "procedure", "activity",
	"therapy", "core-characteristics", "functional-mental-status", "genomics", "smartdata", "obstetrics-gynecology",
	"lda", "sdoh", "symptom", "newborn-delivery",
}

// capability is what the CapabilityStatement says the server can do.
type capability struct {
	known      bool
	everything bool
	release    olderfhir.Release          // what fhirVersion says; Unknown when it says nothing we know
	search     map[string]map[string]bool // type -> search params offered (may be empty)
}

// capability reads the CapabilityStatement, with the retries of any request.
// A read that keeps failing is an error (ErrCapabilities), never a silent
// switch from $everything to per-type searches. Only a server that
// definitely has none (404, 405, 410, 501) is planned without one.
func (c *conn) capability(ctx context.Context) (capability, error) {
	resp, err := c.get(ctx, c.t.FHIRBase+"/metadata", "application/fhir+json", 16<<20, c.e.opts.RequestTimeout, func(r *response) error {
		if !json.Valid(r.body) {
			return &transientErr{msg: "the CapabilityStatement was not JSON"}
		}
		return nil
	})
	cap := capability{search: map[string]map[string]bool{}}
	if err != nil {
		switch statusOf(err) {
		case 404, 405, 410, 501:
			return cap, nil
		}
		if errors.Is(err, ErrRateLimited) || errors.Is(err, ErrUnavailable) {
			// Keep the kind: the person is told the provider is throttling
			// or down, not that it lacks a capability statement.
			return cap, fmt.Errorf("%w: %s: %w", ErrCapabilities, reason(err), kindErr(err))
		}
		return cap, fmt.Errorf("%w: %s", ErrCapabilities, reason(err))
	}
	var cs struct {
		ResourceType string `json:"resourceType"`
		FHIRVersion  string `json:"fhirVersion"`
		Rest         []struct {
			Mode     string `json:"mode"`
			Resource []struct {
				Type        string `json:"type"`
				Interaction []struct {
					Code string `json:"code"`
				} `json:"interaction"`
				SearchParam []struct {
					Name string `json:"name"`
				} `json:"searchParam"`
				Operation []struct {
					Name       string `json:"name"`
					Definition string `json:"definition"`
				} `json:"operation"`
			} `json:"resource"`
			Operation []struct {
				Name       string `json:"name"`
				Definition string `json:"definition"`
			} `json:"operation"`
		} `json:"rest"`
	}
	// A DSTU2 server answers with a Conformance, its name for the same thing.
	if json.Unmarshal(resp.body, &cs) != nil || (cs.ResourceType != "CapabilityStatement" && cs.ResourceType != "Conformance") {
		return cap, fmt.Errorf("%w: the answer was not a CapabilityStatement", ErrCapabilities)
	}
	cap.known = true
	// The server's pages are then converted from that release
	// (records.ImportOptions.Release); without one, each page's shape tells.
	cap.release = olderfhir.ReleaseOf(cs.FHIRVersion)
	for _, rest := range cs.Rest {
		if rest.Mode != "" && rest.Mode != "server" {
			continue
		}
		for _, r := range rest.Resource {
			for _, in := range r.Interaction {
				if in.Code == "search-type" {
					ps := map[string]bool{}
					for _, p := range r.SearchParam {
						ps[p.Name] = true
					}
					cap.search[r.Type] = ps
				}
			}
			if r.Type == "Patient" {
				for _, op := range r.Operation {
					if isEverything(op.Name, op.Definition) {
						cap.everything = true
					}
				}
			}
		}
	}
	return cap, nil
}

func isEverything(name, def string) bool {
	name = strings.TrimPrefix(name, "$")
	return name == "everything" || strings.HasSuffix(def, "/Patient-everything")
}

// plan lists the tasks of a pass. $everything when offered (one task the
// server optimises); otherwise one search per supported type: the US Core
// types plus any other type the server can search by patient, so records
// outside US Core (claims, imaging studies...) are not left behind.
func (c *conn) plan(cap capability) []string {
	if cap.everything {
		return []string{"$everything"}
	}
	types := map[string]bool{}
	for _, t := range usCoreTypes {
		if !cap.known {
			if !sharedTypes[t] {
				types[t] = true
			}
			continue
		}
		if ps, ok := cap.search[t]; ok && searchable(t, ps) {
			types[t] = true
		}
	}
	for t, ps := range cap.search {
		if t != "Binary" && ps["patient"] && !sharedTypes[t] {
			types[t] = true
		}
	}
	var out []string
	for t := range types {
		if t == "Observation" && c.t.Vendor == "epic" {
			for _, cat := range epicObservationCategories {
				out = append(out, "Observation/"+cat)
			}
			continue
		}
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// searchable: Patient by _id; compartment types by patient (servers that
// list no parameters at all are trusted for compartment types).
func searchable(t string, ps map[string]bool) bool {
	if t == "Patient" {
		return true
	}
	if sharedTypes[t] {
		return false
	}
	return ps["patient"] || ps["subject"] || len(ps) == 0
}

// firstURL is where a task's pass starts; since (an instant) asks only for
// what changed after it.
func (c *conn) firstURL(task, since string) string {
	q := url.Values{}
	var path string
	typ, cat, _ := strings.Cut(task, "/")
	switch {
	case task == "$everything":
		path = "/Patient/" + url.PathEscape(c.t.PatientID) + "/$everything"
		if since != "" {
			q.Set("_since", since)
		}
	case typ == "Patient":
		path = "/Patient"
		q.Set("_id", c.t.PatientID)
	default:
		path = "/" + typ
		q.Set("patient", c.t.PatientID)
		if cat != "" {
			q.Set("category", cat)
		}
	}
	if since != "" && task != "$everything" {
		q.Set("_lastUpdated", "gt"+since)
	}
	if c.e.opts.PageSize > 0 {
		q.Set("_count", strconv.Itoa(c.e.opts.PageSize))
	}
	if c.t.AthenaPractice != "" {
		q.Set("ah-practice", c.t.AthenaPractice)
	}
	return c.t.FHIRBase + path + "?" + q.Encode()
}
