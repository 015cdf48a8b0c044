package healthcard

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// A card's Bundle is made small to fit a QR code: its resources have no ids
// and point at each other as "resource:N". A vault keeps records by type
// and id, so Records gives each resource an id of its own, derived from the
// card (the same card gives the same ids: importing it twice changes
// nothing), points the references at them, and adds the card itself, as
// issued, in a DocumentReference: what the family can show again, and what
// a later check of the signature reads.

// ContentType is the media type of a .smart-health-card file, as the
// DocumentReference keeping the card names it.
const ContentType = "application/smart-health-card"

// Records returns the card as a FHIR R4 collection Bundle ready to store:
// the card's own resources with ids, and a DocumentReference holding the
// card as a .smart-health-card file.
func (c Card) Records() ([]byte, error) {
	var b struct {
		Entry []struct {
			FullURL  string         `json:"fullUrl"`
			Resource map[string]any `json:"resource"`
		} `json:"entry"`
	}
	dec := json.NewDecoder(bytes.NewReader(c.Bundle))
	dec.UseNumber() // decimals stay as written (FHIR keeps 1.50 apart from 1.5)
	if err := dec.Decode(&b); err != nil {
		return nil, malformed("the card's records are not valid JSON")
	}
	sum := sha256.Sum256([]byte(c.JWS))
	base := "shc-" + hex.EncodeToString(sum[:8])
	refs := map[string]string{}
	patient := ""
	for i, e := range b.Entry {
		if e.Resource == nil {
			return nil, malformed("an entry of the card holds no record")
		}
		typ, _ := e.Resource["resourceType"].(string)
		if typ == "" {
			return nil, malformed("a record of the card has no type")
		}
		id := base + "-" + strconv.Itoa(i)
		e.Resource["id"] = id
		if e.FullURL != "" {
			refs[e.FullURL] = typ + "/" + id
		}
		if typ == "Patient" && patient == "" {
			patient = typ + "/" + id
		}
	}
	entries := make([]any, 0, len(b.Entry)+1)
	for _, e := range b.Entry {
		relink(e.Resource, refs)
		entries = append(entries, map[string]any{"resource": e.Resource})
	}
	file, err := json.Marshal(map[string]any{"verifiableCredential": []string{c.JWS}})
	if err != nil {
		return nil, err
	}
	doc := map[string]any{
		"resourceType": "DocumentReference",
		"id":           base,
		"status":       "current",
		"type":         map[string]any{"text": "SMART Health Card"},
		"description":  c.describe(),
		"content": []any{map[string]any{"attachment": map[string]any{
			"contentType": ContentType,
			"data":        base64.StdEncoding.EncodeToString(file),
			"title":       "SMART Health Card",
		}}},
	}
	if !c.IssuedAt.IsZero() {
		doc["date"] = c.IssuedAt.UTC().Format(time.RFC3339)
	}
	if patient != "" {
		doc["subject"] = map[string]any{"reference": patient}
	}
	entries = append(entries, map[string]any{"resource": doc})
	return json.Marshal(map[string]any{"resourceType": "Bundle", "type": "collection", "entry": entries})
}

// describe says what the card is and whether its signature was checked.
func (c Card) describe() string {
	kind := "Health card"
	for _, t := range c.Types {
		switch {
		case strings.HasSuffix(t, "#immunization"):
			kind = "Vaccination card"
		case strings.HasSuffix(t, "#laboratory"):
			kind = "Lab result card"
		}
	}
	if c.Status == Verified {
		return fmt.Sprintf("%s issued by %s; its signature was verified.", kind, c.IssuerName)
	}
	return fmt.Sprintf("%s naming %s as its issuer; its signature could not be checked offline (not verified).", kind, c.IssuerName)
}

// Source is how the records of the card are labelled: by their issuer, and
// never as verified when the signature was not checked.
func (c Card) Source() string {
	if c.Status == Verified {
		return "SMART Health Card from " + c.IssuerName
	}
	return "SMART Health Card from " + c.IssuerName + " (not verified)"
}

// relink points every reference at the ids Records gave.
func relink(v any, refs map[string]string) {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			if s, ok := val.(string); ok && k == "reference" {
				if to, ok := refs[s]; ok {
					x[k] = to
				}
				continue
			}
			relink(val, refs)
		}
	case []any:
		for _, val := range x {
			relink(val, refs)
		}
	}
}
