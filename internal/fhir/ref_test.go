package fhir

import (
	"encoding/json"
	"errors"
	"net/url"
	"reflect"
	"testing"
)

// One row per reference form FHIR R4 allows (and the near misses that must
// not be read as one), in the spirit of medplum's reference helper tests.
func TestParseReference(t *testing.T) {
	tests := []struct {
		in   string
		want Reference
		key  string
	}{
		{"Patient/123", Reference{Kind: RefRelative, Type: "Patient", ID: "123"}, "Patient/123"},
		{"Observation/a-b.c", Reference{Kind: RefRelative, Type: "Observation", ID: "a-b.c"}, "Observation/a-b.c"},
		{"Patient/123/_history/2", Reference{Kind: RefRelative, Type: "Patient", ID: "123", Version: "2"}, "Patient/123"},
		{"https://h.example/fhir/Patient/5", Reference{Kind: RefAbsolute, Type: "Patient", ID: "5", Base: "https://h.example/fhir"}, "Patient/5"},
		{"https://h.example/fhir/r4/Patient/5/_history/9", Reference{Kind: RefAbsolute, Type: "Patient", ID: "5", Version: "9", Base: "https://h.example/fhir/r4"}, "Patient/5"},
		{"http://h:8080/Practitioner/9/", Reference{Kind: RefAbsolute, Type: "Practitioner", ID: "9", Base: "http://h:8080"}, "Practitioner/9"},
		{"urn:uuid:0b5a6d2e-6c1a-4e0f-9d57-1d4f1c7a2b3c", Reference{Kind: RefUUID, ID: "0b5a6d2e-6c1a-4e0f-9d57-1d4f1c7a2b3c"}, ""},
		{"URN:UUID:abc", Reference{Kind: RefUUID, ID: "abc"}, ""},
		{"urn:oid:1.2.840.113619.2", Reference{Kind: RefOID, ID: "1.2.840.113619.2"}, ""},
		{"#med1", Reference{Kind: RefContained, ID: "med1"}, ""},
		{"Patient?identifier=http://x|1", Reference{Kind: RefConditional, Type: "Patient"}, ""},
		{"https://h.example/fhir/Patient?identifier=1", Reference{Kind: RefConditional, Type: "Patient", Base: "https://h.example/fhir"}, ""},
		// Near misses: none of these names a resource.
		{"", Reference{}, ""},
		{"#", Reference{}, ""},
		{"urn:uuid:", Reference{}, ""},
		{"urn:isbn:0451450523", Reference{}, ""},
		{"patient/123", Reference{}, ""},
		{"Patient/", Reference{}, ""},
		{"Patient/12 3", Reference{}, ""},
		{"Patient/a_b", Reference{}, ""},
		{"fhir/Patient/1", Reference{}, ""},
		{"Patient/1/_history/", Reference{}, ""},
		{"Patient/_history/2", Reference{}, ""},
		{"123", Reference{}, ""},
		{"ftp://h/Patient/1", Reference{}, ""},
		{"https://user@h/fhir/Patient/1", Reference{}, ""},
		{"https://h/fhir/Patient/1#x", Reference{}, ""},
		{"https://h/", Reference{}, ""},
		{"mailto:someone@example.org", Reference{}, ""},
	}
	for _, tc := range tests {
		got := ParseReference(tc.in)
		tc.want.Raw = tc.in
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseReference(%q) =\n %+v, want\n %+v", tc.in, got, tc.want)
		}
		if k := got.Key(); k != tc.key {
			t.Errorf("ParseReference(%q).Key() = %q, want %q", tc.in, k, tc.key)
		}
		if ParseRef(tc.in) != tc.key {
			t.Errorf("ParseRef(%q) = %q, want %q", tc.in, ParseRef(tc.in), tc.key)
		}
		if bl := got.BundleLocal(); bl != (got.Kind == RefUUID || got.Kind == RefOID) {
			t.Errorf("BundleLocal(%q) = %v", tc.in, bl)
		}
	}
}

func TestReferenceOnServer(t *testing.T) {
	base, _ := url.Parse("https://ehr.example/fhir/r4")
	tests := []struct {
		ref  string
		want bool
	}{
		{"Patient/1", true},
		{"Practitioner/2/_history/3", true},
		{"https://ehr.example/fhir/r4/Patient/1", true},
		{"HTTPS://EHR.EXAMPLE/fhir/r4/Patient/1", true},
		{"https://ehr.example/fhir/r4/Patient/1/_history/2", true},
		{"https://ehr.example/fhir/Patient/1", false},         // same host, another base
		{"https://ehr.example/fhir/r4/x/Patient/1", false},    // deeper path is another base
		{"https://other.example/fhir/r4/Patient/1", false},    // foreign server
		{"http://ehr.example/fhir/r4/Patient/1", false},       // scheme differs: the token stays on https
		{"https://ehr.example.evil/fhir/r4/Patient/1", false}, // look-alike host
		{"https://ehr.example:444/fhir/r4/Patient/1", false},  // other port
		{"urn:uuid:1", false},
		{"#c", false},
		{"Patient?identifier=1", false},
		{"", false},
	}
	for _, tc := range tests {
		if got := ParseReference(tc.ref).OnServer(base); got != tc.want {
			t.Errorf("OnServer(%q) = %v, want %v", tc.ref, got, tc.want)
		}
	}
}

func TestResolveLocalAndFullURLs(t *testing.T) {
	for in, want := range map[string]string{
		"Patient/1":                "Patient/1",
		"https://h/fhir/Patient/1": "Patient/1",
		"Patient/1/_history/4":     "Patient/1",
		"urn:uuid:abc":             "urn:uuid:abc", // left for the Bundle's fullUrls
		"#c":                       "#c",
		"Patient?identifier=x":     "Patient?identifier=x",
	} {
		if got := ResolveLocal(in); got != want {
			t.Errorf("ResolveLocal(%q) = %q, want %q", in, got, want)
		}
	}
	for _, tc := range []struct{ fullURL, typ, id, want string }{
		{"urn:uuid:abc", "Patient", "abc", "Patient/abc"}, // the type is not in the name
		{"urn:uuid:abc", "Patient", "p1", "Patient/p1"},   // nor the id
		{"urn:oid:1.2.3", "Device", "d", "Device/d"},
		{"https://h/fhir/Patient/1", "Patient", "1", ""},          // says it all already
		{"https://h/fhir/Patient/1", "Patient", "2", "Patient/2"}, // says something else
		{"", "Patient", "1", ""},
		{"urn:uuid:abc", "Patient", "", ""},
	} {
		if got := FullURLKey(tc.fullURL, tc.typ, tc.id); got != tc.want {
			t.Errorf("FullURLKey(%q, %q, %q) = %q, want %q", tc.fullURL, tc.typ, tc.id, got, tc.want)
		}
	}
	m := FullURLs{}
	m.Add("urn:uuid:abc", "Patient", "p1")
	m.Add("https://h/fhir/Practitioner/9", "Practitioner", "9")
	if len(m) != 1 {
		t.Errorf("a self-describing fullUrl was stored: %v", m)
	}
	for ref, want := range map[string]string{
		"urn:uuid:abc":                  "Patient/p1",
		"https://h/fhir/Practitioner/9": "Practitioner/9",
		"urn:uuid:unknown":              "",
		"Encounter/e":                   "Encounter/e",
	} {
		if got := m.Resolve(ref); got != want {
			t.Errorf("Resolve(%q) = %q, want %q", ref, got, want)
		}
	}
}

func TestReferences(t *testing.T) {
	raw := []byte(`{"resourceType":"Observation","id":"o",
 "text":{"div":"<div>\"reference\":\"Patient/narrative\"</div>"},
 "note":[{"text":"see \"reference\": \"Patient/in-a-string\""}],
 "subject":{"reference":"Patient/1","display":"x"},
 "performer":[{"reference":"https://h/fhir/Practitioner/2"},{"reference":"urn:uuid:u"},{"display":"no ref"}],
 "contained":[{"resourceType":"Medication","id":"m","manufacturer":{"reference":"Organization/3"}}],
 "hasMember":[{"reference":"Observation/4\u002f"}],
 "extension":[{"url":"x","valueReference":{"reference":"#m"}}],
 "reference":{"reference":"Location/5"},
 "code":{"reference":42}}`)
	var got []string
	References(raw, func(ref string) { got = append(got, ref) })
	want := []string{"Patient/1", "https://h/fhir/Practitioner/2", "urn:uuid:u", "Organization/3", "Observation/4/", "#m", "Location/5"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("References =\n %q, want\n %q", got, want)
	}
	// Not an object, cut short, or hostile: no panic, no loop.
	for _, bad := range []string{"", "[]", `{"a":`, `{"reference":"Patient/1"`, `{"x":[[[[[[`, `"reference"`} {
		References([]byte(bad), func(string) {})
	}
}

func TestIdentify(t *testing.T) {
	for in, want := range map[string]Identity{
		`{"resourceType":"Patient","id":"p","meta":{"versionId":"3","lastUpdated":"2024-01-02T03:04:05Z"}}`: {Type: "Patient", ID: "p", VersionID: "3", LastUpdated: "2024-01-02T03:04:05Z"},
		`{"id":"x","resourceType":"Observation","contained":[{"resourceType":"Patient","id":"c"}]}`:         {Type: "Observation", ID: "x"},
		`{"resourceType":"Basic"}`:     {Type: "Basic"},
		`{"resourceType":7,"id":null}`: {},
		`not json`:                     {},
		`[]`:                           {},
	} {
		if got := Identify([]byte(in)); got != want {
			t.Errorf("Identify(%s) = %+v, want %+v", in, got, want)
		}
	}
	if k := (Identity{Type: "Patient", ID: "1"}).Key(); k != "Patient/1" {
		t.Errorf("Key %q", k)
	}
	if k := (Identity{Type: "Patient"}).Key(); k != "" {
		t.Errorf("Key without id %q", k)
	}
}

func TestParsePage(t *testing.T) {
	body := []byte(`{"resourceType":"Bundle","type":"searchset","meta":{"lastUpdated":"2024-05-01T00:00:00Z"},
 "link":[{"relation":"self","url":"https://h/fhir/Observation?patient=1"},{"relation":"next","url":"https://h/fhir/Observation?page=2"}],
 "entry":[
  {"fullUrl":"https://h/fhir/Observation/o1","resource":{"resourceType":"Observation","id":"o1","meta":{"versionId":"2"}},"search":{"mode":"match"}},
  {"fullUrl":"urn:uuid:x","resource":{"resourceType":"Patient","id":"1"},"search":{"mode":"include"}},
  {"resource":{"resourceType":"OperationOutcome","issue":[]},"search":{"mode":"outcome"}},
  {"resource":{"resourceType":"Observation","id":"o2"},"search":{"mode":"outcome"}},
  {"request":{"method":"DELETE","url":"Observation/o3"}}
 ]}`)
	p, err := ParsePage(body)
	if err != nil {
		t.Fatal(err)
	}
	if p.Type != "searchset" || p.LastUpdated != "2024-05-01T00:00:00Z" || p.Next != "https://h/fhir/Observation?page=2" || len(p.Entries) != 5 {
		t.Fatalf("page %+v", p)
	}
	e := p.Entries[0]
	if e.FullURL != "https://h/fhir/Observation/o1" || e.SearchMode != "match" || e.Identity != (Identity{Type: "Observation", ID: "o1", VersionID: "2"}) || string(e.Resource[:2]) != `{"` {
		t.Errorf("entry 0 %+v", e)
	}
	var records []string
	for _, e := range p.Entries {
		if e.Record() {
			records = append(records, e.Key())
		}
	}
	if !reflect.DeepEqual(records, []string{"Observation/o1", "Patient/1"}) {
		t.Errorf("records %v", records)
	}
	if p.Entries[4].Resource != nil {
		t.Errorf("an entry without a resource has one")
	}

	// The kept entries written back as a collection are one valid Bundle
	// that the streaming Reader reads the same way.
	out := CollectionBundle(p.Entries[:2])
	if !json.Valid(out) {
		t.Fatalf("collection not JSON: %s", out)
	}
	q, err := ParsePage(out)
	if err != nil || q.Type != "collection" || len(q.Entries) != 2 || q.Entries[1].FullURL != "urn:uuid:x" || string(q.Entries[0].Resource) != string(p.Entries[0].Resource) {
		t.Fatalf("round trip %+v %v", q, err)
	}
	if empty := CollectionBundle(nil); !json.Valid(empty) {
		t.Errorf("empty collection %s", empty)
	}

	for in, want := range map[string]error{
		`<html>502</html>`:                    ErrNotJSON,
		`{"resourceType":"Bundle","entry":[`:  ErrNotJSON,
		`{"resourceType":"OperationOutcome"}`: ErrNotBundle,
		`[{"resourceType":"Bundle"}]`:         ErrNotBundle,
		`{"type":"searchset","entry":[]}`:     ErrNotBundle,
	} {
		if _, err := ParsePage([]byte(in)); !errors.Is(err, want) {
			t.Errorf("ParsePage(%s) = %v, want %v", in, err, want)
		}
	}
	if p, err := ParsePage([]byte(`{"resourceType":"Bundle","type":"searchset","total":0}`)); err != nil || len(p.Entries) != 0 || p.Next != "" {
		t.Errorf("empty page %+v %v", p, err)
	}
}
