package ccda

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const fixtures = "../../../shared/fixtures/ccda/Documents"

func readFixture(t *testing.T, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtures, rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSniffAndCheckRefuseWhatIsNotASafeCCDA(t *testing.T) {
	doc := readFixture(t, "Progress Note/Progress_Note.xml")
	if !Sniff(doc[:4096]) || Sniff([]byte(`{"resourceType":"Bundle"}`)) || Sniff([]byte(`<html><body>hi</body></html>`)) {
		t.Fatal("sniff")
	}
	bomb := `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><ClinicalDocument xmlns="urn:hl7-org:v3">&lol2;</ClinicalDocument>`
	xxe := `<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><ClinicalDocument xmlns="urn:hl7-org:v3">&x;</ClinicalDocument>`
	for _, c := range []struct {
		name string
		doc  string
		want error
	}{
		{"billion laughs", bomb, ErrUnsafeXML},
		{"external entity", xxe, ErrUnsafeXML},
		{"not well-formed", `<ClinicalDocument xmlns="urn:hl7-org:v3"><title>x</ClinicalDocument>`, ErrMalformed},
		{"another root", `<html xmlns="urn:hl7-org:v3"></html>`, ErrNotCCDA},
		{"too large", `<ClinicalDocument xmlns="urn:hl7-org:v3">` + strings.Repeat(" ", MaxDocument) + `</ClinicalDocument>`, ErrTooLarge},
	} {
		if err := check([]byte(c.doc)); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
		// The converter is never reached, and the message quotes nothing.
		_, err := Bundle(context.Background(), []byte(c.doc), "x.xml")
		if !errors.Is(err, c.want) || strings.Contains(err.Error(), "passwd") || strings.Contains(err.Error(), "lol") {
			t.Errorf("%s: Bundle: %v", c.name, err)
		}
	}
	if err := check(doc); err != nil {
		t.Fatalf("a real document: %v", err)
	}
}

type bundle struct {
	Type  string `json:"type"`
	Entry []struct {
		Resource json.RawMessage `json:"resource"`
	} `json:"entry"`
}

func resourcesOf(t *testing.T, b []byte) map[string][]map[string]any {
	t.Helper()
	var bb bundle
	if err := json.Unmarshal(b, &bb); err != nil || bb.Type != "collection" {
		t.Fatalf("bundle: %v %q", err, bb.Type)
	}
	out := map[string][]map[string]any{}
	for _, e := range bb.Entry {
		var r map[string]any
		if err := json.Unmarshal(e.Resource, &r); err != nil {
			t.Fatal(err)
		}
		out[r["resourceType"].(string)] = append(out[r["resourceType"].(string)], r)
	}
	return out
}

// A document becomes its resources, the original byte for byte (a
// DocumentReference), and a Provenance naming every converted resource;
// the same document gives the same bundle every time.
func TestBundleKeepsTheOriginalAndIsDeterministic(t *testing.T) {
	doc := readFixture(t, "CCD/CCD 1/CCD.XML")
	a, err := Bundle(context.Background(), doc, "CCD.XML")
	if err != nil {
		t.Fatal(err)
	}
	b, err := Bundle(context.Background(), doc, "CCD.XML")
	if err != nil || !bytes.Equal(a, b) {
		t.Fatalf("two conversions differ (%v)", err)
	}
	rs := resourcesOf(t, a)
	// Conditions: its 4 problems and a visit's reason.
	for typ, n := range map[string]int{"Patient": 1, "AllergyIntolerance": 2, "Immunization": 5, "Condition": 5, "MedicationRequest": 2, "DocumentReference": 1, "Provenance": 1} {
		if len(rs[typ]) != n {
			t.Errorf("%s: %d, want %d", typ, len(rs[typ]), n)
		}
	}
	ref := rs["DocumentReference"][0]
	att := ref["content"].([]any)[0].(map[string]any)["attachment"].(map[string]any)
	data, err := base64.StdEncoding.DecodeString(att["data"].(string))
	if err != nil || !bytes.Equal(data, doc) || att["contentType"] != "application/xml" {
		t.Fatalf("the original is not kept byte for byte (%v)", err)
	}
	if ref["subject"].(map[string]any)["reference"] != "Patient/"+rs["Patient"][0]["id"].(string) {
		t.Errorf("the document is not about the patient: %v", ref["subject"])
	}
	targets := rs["Provenance"][0]["target"].([]any)
	total := 0
	for typ, list := range rs {
		if typ != "Provenance" && typ != "DocumentReference" {
			total += len(list)
		}
	}
	if len(targets) != total {
		t.Errorf("provenance names %d resources of %d", len(targets), total)
	}
	// No empty values anywhere (FHIR JSON has none), ids unique per type.
	seen := map[string]bool{}
	for typ, list := range rs {
		for _, r := range list {
			k := typ + "/" + r["id"].(string)
			if seen[k] {
				t.Errorf("%s twice", k)
			}
			seen[k] = true
		}
	}
	for _, empty := range []string{`""`, `[]`, `{}`} {
		if bytes.Contains(a, []byte(":"+empty)) {
			t.Errorf("an empty value %s in the bundle", empty)
		}
	}
}

func TestNormaliseDropsEmptiesAndSeparatesReusedIDs(t *testing.T) {
	in := []json.RawMessage{
		json.RawMessage(`{"resourceType":"Observation","id":"a","category":[],"valueQuantity":{},"code":{"text":"x","coding":[{"code":""}]},"value":1.50}`),
		json.RawMessage(`{"resourceType":"Observation","id":"a","category":[],"valueQuantity":{},"code":{"text":"x","coding":[{"code":""}]},"value":1.50}`),
		json.RawMessage(`{"resourceType":"Observation","id":"a","code":{"text":"y"}}`),
		json.RawMessage(`{"resourceType":"Condition","id":"a"}`),
	}
	var got []string
	for _, r := range normalise(in) {
		got = append(got, string(r))
	}
	want := []string{
		`{"code":{"text":"x"},"id":"a","resourceType":"Observation","value":1.50}`,
		`{"code":{"text":"y"},"id":"a-2","resourceType":"Observation"}`,
		`{"id":"a","resourceType":"Condition"}`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// A conversion stops when asked to: the caller's context, or Timeout.
func TestConvertStops(t *testing.T) {
	doc := readFixture(t, "Referral Note/Referral_Note.xml")
	c, err := New()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Convert(ctx, doc); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
	old := Timeout
	Timeout = time.Millisecond
	_, err = c.Convert(context.Background(), doc)
	Timeout = old
	if !errors.Is(err, ErrConvert) {
		t.Fatalf("timeout: %v", err)
	}
	// And the converter still works afterwards.
	if _, err := c.Convert(context.Background(), doc); err != nil {
		t.Fatalf("after a stop: %v", err)
	}
}
