package ccda

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
)

// Formats of the original document Fasten keeps (DocumentReference
// content.format, from the C-CDA on FHIR implementation guide).
const ccdaFormat = "http://ihe.net/fhir/ihe.formatcode.fhir/CodeSystem/formatcode"

// Bundle reads a C-CDA document into a FHIR R4 collection Bundle ready for
// import:
//   - the converter's resources, mended (normalise);
//   - the original document, byte for byte, as a DocumentReference with
//     the document inline, so the person can always read what the
//     hospital sent;
//   - a Provenance naming every converted resource as made from it.
//
// Everything is derived from the document's bytes, so importing the same
// document again yields the same bundle (and changes nothing).
func Bundle(ctx context.Context, doc []byte, fileName string) ([]byte, error) {
	c, err := Shared()
	if err != nil {
		return nil, err
	}
	converted, invented, err := c.convert(ctx, doc)
	if err != nil {
		return nil, err
	}
	var in struct {
		Entry []struct {
			Resource json.RawMessage `json:"resource"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(converted, &in); err != nil {
		return nil, fmt.Errorf("%w (its result is not JSON)", ErrConvert)
	}
	resources := make([]json.RawMessage, 0, len(in.Entry)+2)
	for _, e := range in.Entry {
		resources = append(resources, e.Resource)
	}
	resources = normalise(stableIDs(resources, invented))

	sum := sha256.Sum256(doc)
	docID := "ccda-" + hex.EncodeToString(sum[:16])
	var comp composition
	var patientRef string
	var targets []map[string]string
	for _, r := range resources {
		var h header
		if json.Unmarshal(r, &h) != nil {
			continue
		}
		switch h.ResourceType {
		case "Composition":
			json.Unmarshal(r, &comp)
		case "Patient":
			if patientRef == "" {
				patientRef = "Patient/" + h.ID
			}
		}
		targets = append(targets, map[string]string{"reference": h.ResourceType + "/" + h.ID})
	}
	title := strings.TrimSpace(comp.Title)
	if title == "" {
		title = fileName
	}
	original := map[string]any{
		"resourceType": "DocumentReference",
		"id":           docID,
		"status":       "current",
		"description":  title,
		"content": []any{map[string]any{
			"attachment": map[string]any{
				"contentType": "application/xml",
				"data":        base64.StdEncoding.EncodeToString(doc),
				"title":       title,
				"size":        len(doc),
				"hash":        base64.StdEncoding.EncodeToString(sha1Of(doc)),
			},
			"format": map[string]string{"system": ccdaFormat, "code": "urn:hl7-org:sdwg:ccda-structuredBody:2.1", "display": "C-CDA R2.1 structured body"},
		}},
	}
	if comp.Type != nil {
		original["type"] = comp.Type
	}
	if patientRef != "" {
		original["subject"] = map[string]string{"reference": patientRef}
	}
	if comp.Date != "" {
		original["date"] = instant(comp.Date)
	}
	out := append(resources, mustJSON(original))
	if len(targets) > 0 {
		prov := map[string]any{
			"resourceType": "Provenance",
			"id":           docID + "-provenance",
			"target":       targets,
			"recorded":     instant(comp.Date),
			"activity": map[string]any{"coding": []any{map[string]string{
				"system": "http://terminology.hl7.org/CodeSystem/v3-DataOperation", "code": "CREATE", "display": "create"}},
				"text": "Converted from a C-CDA document"},
			"agent":  []any{map[string]any{"who": map[string]string{"display": "Fasten (C-CDA converter)"}}},
			"entity": []any{map[string]any{"role": "source", "what": map[string]string{"reference": "DocumentReference/" + docID}}},
		}
		out = append(out, mustJSON(prov))
	}
	var b bytes.Buffer
	b.WriteString(`{"resourceType":"Bundle","type":"collection","entry":[`)
	for i, r := range out {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"resource":`)
		b.Write(r)
		b.WriteByte('}')
	}
	b.WriteString("]}")
	return b.Bytes(), nil
}

type header struct {
	ResourceType string `json:"resourceType"`
	ID           string `json:"id"`
}

type composition struct {
	Title string          `json:"title"`
	Date  string          `json:"date"`
	Type  json.RawMessage `json:"type"`
}

// instant is a FHIR instant for a dateTime: a date alone is its midnight
// UTC; "" (no date in the document) is the Unix epoch, so the result stays
// the same on every import.
func instant(d string) string {
	switch {
	case d == "":
		return "1970-01-01T00:00:00Z"
	case len(d) == 4:
		return d + "-01-01T00:00:00Z"
	case len(d) == 7:
		return d + "-01T00:00:00Z"
	case len(d) == 10:
		return d + "T00:00:00Z"
	}
	return d
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only maps of strings and numbers are marshalled here
	}
	return b
}
