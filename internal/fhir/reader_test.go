package fhir

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestReaderFormats(t *testing.T) {
	tests := []struct {
		file       string
		format     Format
		bundleType string
		types      []string
		ids        []string
		indexes    []int
		fullURLs   []string
	}{
		{file: "patients.ndjson", format: FormatNDJSON,
			types: []string{"Patient", "Patient", "Observation"}, ids: []string{"p1", "p2", "o1"}, indexes: []int{0, 1, 3}},
		{file: "patient.json", format: FormatResource,
			types: []string{"Patient"}, ids: []string{"single"}, indexes: []int{0}},
		{file: "searchset.json", format: FormatBundle, bundleType: "searchset",
			types: []string{"Patient", "Observation"}, ids: []string{"123", "abc"}, indexes: []int{0, 1},
			fullURLs: []string{"https://ehr.example/fhir/Patient/123", "https://ehr.example/fhir/Observation/abc"}},
		{file: "entry-first.json", format: FormatBundle, bundleType: "collection",
			types: []string{"Patient", "Bundle"}, ids: []string{"0b4e1c8e-1111-4a5b-9c3d-000000000001", "inner"}, indexes: []int{0, 2}},
		{file: "document.json", format: FormatBundle, bundleType: "document",
			types: []string{"Composition", "Patient"}, indexes: []int{0, 1}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			r := NewReader(bytes.NewReader(data), Limits{})
			got := readAll(t, r)
			if r.Format() != tc.format || r.BundleType() != tc.bundleType {
				t.Errorf("format %v bundle type %q, want %v %q", r.Format(), r.BundleType(), tc.format, tc.bundleType)
			}
			if len(got) != len(tc.types) {
				t.Fatalf("got %d resources, want %d", len(got), len(tc.types))
			}
			for i, res := range got {
				if res.Type != tc.types[i] || res.Index != tc.indexes[i] {
					t.Errorf("resource %d: type %q index %d, want %q %d", i, res.Type, res.Index, tc.types[i], tc.indexes[i])
				}
				if tc.ids != nil && res.ID != tc.ids[i] {
					t.Errorf("resource %d: id %q, want %q", i, res.ID, tc.ids[i])
				}
				if tc.fullURLs != nil && res.FullURL != tc.fullURLs[i] {
					t.Errorf("resource %d: fullUrl %q", i, res.FullURL)
				}
				if !bytes.Contains(data, res.Raw) || res.Raw[0] != '{' || res.Raw[len(res.Raw)-1] != '}' {
					t.Errorf("resource %d: Raw is not a verbatim object from the file", i)
				}
			}
		})
	}
}

func TestReaderMetaAndRefs(t *testing.T) {
	r := NewReader(strings.NewReader(`{"resourceType":"Bundle","type":"collection","entry":[`+
		`{"fullUrl":"urn:uuid:abc-1","resource":{"resourceType":"Patient","id":"abc-1","meta":{"versionId":"7","lastUpdated":"2020-01-01T00:00:00Z"}}},`+
		`{"fullUrl":"http://h/fhir/Practitioner/9","resource":{"resourceType":"Practitioner","id":"9"}},`+
		`{"fullUrl":"urn:uuid:other","resource":{"resourceType":"Device","id":"d1"}}]}`), DefaultLimits())
	got := readAll(t, r)
	if got[0].VersionID != "7" || got[0].LastUpdated != "2020-01-01T00:00:00Z" {
		t.Errorf("meta: %+v", got[0])
	}
	for ref, want := range map[string]string{
		"urn:uuid:abc-1":                          "Patient/abc-1",
		"http://h/fhir/Practitioner/9":            "Practitioner/9",
		"urn:uuid:other":                          "Device/d1",
		"Patient/123":                             "Patient/123",
		"https://x.org/fhir/Patient/5/_history/2": "Patient/5",
		"urn:uuid:unknown":                        "",
		"#contained":                              "",
		"Patient?identifier=x|1":                  "",
		"":                                        "",
	} {
		if g := fullURLsOf(got).Resolve(ref); g != want {
			t.Errorf("Resolve(%q) = %q, want %q", ref, g, want)
		}
	}
}

func TestEmptyBundleIsNotAnError(t *testing.T) {
	for _, in := range []string{`{"resourceType":"Bundle","type":"searchset","total":0}`, `{"resourceType":"Bundle","type":"searchset","entry":[]}`} {
		r := NewReader(strings.NewReader(in), DefaultLimits())
		if res, err := r.Next(); err != io.EOF {
			t.Errorf("%s: got %v, %v; want io.EOF", in, res.Type, err)
		}
		if r.Format() != FormatBundle {
			t.Errorf("format %v", r.Format())
		}
	}
}

// firstFileError reads until an error and insists that it is a *FileError.
func firstFileError(t *testing.T, r io.Reader, lim Limits) (*FileError, int) {
	t.Helper()
	rd := NewReader(r, lim)
	n := 0
	for {
		_, err := rd.Next()
		if err == io.EOF {
			t.Fatalf("no error after %d resources", n)
		}
		if err != nil {
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("error %T %v is not a *FileError", err, err)
			}
			if _, again := rd.Next(); again != err {
				t.Errorf("error is not sticky: %v", again)
			}
			return fe, n
		}
		n++
	}
}

func TestBadFiles(t *testing.T) {
	fixture := firstFixture(t)
	deep := strings.Repeat("[", 10000) + strings.Repeat("]", 10000)
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", "The file is empty"},
		{"whitespace", " \n\t\r\n ", "The file is empty (it contains only blank space)"},
		{"hello", "hello", "This file is not FHIR JSON (it does not start with '{')"},
		{"xml", `<?xml version="1.0"?><Patient/>`, "This file is not FHIR JSON (it looks like XML or HTML)"},
		{"array", `[{"resourceType":"Patient"}]`, "This file holds a JSON list, not a FHIR resource (missing resourceType)"},
		{"number", `42`, "This file holds a single JSON value, not a FHIR resource (missing resourceType)"},
		{"no resourceType", `{"id":"x","name":[{"family":"Secret"}]}`, "The JSON object is not a FHIR resource (missing resourceType)"},
		{"truncated fixture", string(fixture[:len(fixture)/2]), "The file ends early — it looks truncated"},
		{"truncated resource", `{"resourceType":"Patient","id":"a"`, "The file ends early — it looks truncated"},
		{"trailing garbage", `{"resourceType":"Patient","id":"a"} xyz`, "The file has extra data after the end of the JSON"},
		{"trailing garbage after bundle", string(fixture) + "}", "The file has extra data after the end of the JSON"},
		{"two objects one line", `{"resourceType":"Patient"} {"resourceType":"Patient"}`, "The file holds several JSON objects, but not one per line as NDJSON requires"},
		{"bad json in member", `{"resourceType":"Patient","name":[{"family":"X",}]}`, "The file is not valid JSON"},
		{"bad json in entry", `{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Patient",,}}]}`, "The file is not valid JSON"},
		{"missing value", `{"resourceType":"Patient","id":}`, "The file is not valid JSON"},
		{"entry without resourceType", `{"resourceType":"Bundle","entry":[{"resource":{"id":"1"}}]}`, "Bundle entry 0 is not a FHIR resource (missing resourceType)"},
		{"entry not object", `{"resourceType":"Bundle","entry":[1]}`, "Bundle entry 0 is not a JSON object"},
		{"deep whole file", deep, "This file holds a JSON list, not a FHIR resource (missing resourceType)"},
		{"deep object file", strings.Repeat(`{"a":`, 10000) + "1" + strings.Repeat("}", 10000), "A resource is nested more than 64 levels deep"},
		{"deep in resource", `{"resourceType":"Patient","extension":` + deep + `}`, "A resource is nested more than 64 levels deep"},
		{"deep in entry", `{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Basic","x":` + deep + `}}]}`, "A resource is nested more than 64 levels deep"},
		{"65 deep in entry", `{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Basic","x":` + strings.Repeat("[", 64) + strings.Repeat("]", 64) + `}}]}`, "A resource is nested more than 64 levels deep"},
		{"deep ndjson line", "{\"resourceType\":\"Patient\"}\n{\"resourceType\":\"Basic\",\"x\":" + deep + "}\n", "A resource is nested more than 64 levels deep"},
		{"ndjson bad line", "{\"resourceType\":\"Patient\"}\n{\"resourceType\":\"Patient\",}\n", "Line 2 is not valid JSON"},
		{"ndjson non-object line", "{\"resourceType\":\"Patient\"}\n\n[1]\n", "Line 3 is not a JSON object"},
		{"ndjson no resourceType", "{\"resourceType\":\"Patient\"}\n{\"id\":\"x\"}\n", "Line 2 is not a FHIR resource (missing resourceType)"},
		{"bundle then object", "{\"resourceType\":\"Bundle\"}\n{\"resourceType\":\"Patient\"}\n", "The file has extra data after the end of the Bundle"},
		{"entry first not bundle", `{"entry":[{"resource":{"resourceType":"Patient"}}],"resourceType":"List"}`, "The file contains Bundle entries but is not a Bundle"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fe, _ := firstFileError(t, strings.NewReader(tc.in), DefaultLimits())
			if fe.Reason != tc.want {
				t.Errorf("reason %q, want %q", fe.Reason, tc.want)
			}
			if strings.Contains(fe.Error(), "Secret") || strings.Contains(fe.Error(), "xyz") {
				t.Errorf("error echoes file content: %q", fe.Error())
			}
		})
	}
}

func TestSmallLimits(t *testing.T) {
	lim := Limits{MaxResourceBytes: 100, MaxLineBytes: 80, MaxEntries: 2, MaxDepth: 3}
	big := strings.Repeat("x", 200)
	tests := []struct{ name, in, want string }{
		{"resource", `{"resourceType":"Patient","id":"` + big + `"}`, "A single resource is larger than 100 bytes"},
		{"entry", `{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Patient","id":"` + big + `"}}]}`, "A single resource is larger than 100 bytes"},
		{"line", "{\"resourceType\":\"Patient\"}\n{\"resourceType\":\"Patient\",\"id\":\"" + big + "\"}\n", "Line 2 is longer than 80 bytes"},
		{"entries", `{"resourceType":"Bundle","entry":[{},{},{}]}`, "The Bundle has more than 2 entries"},
		{"depth", `{"resourceType":"Patient","a":{"b":{"c":{}}}}`, "A resource is nested more than 3 levels deep"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fe, _ := firstFileError(t, strings.NewReader(tc.in), lim)
			if fe.Reason != tc.want {
				t.Errorf("reason %q, want %q", fe.Reason, tc.want)
			}
		})
	}
	// Exactly at the limits is fine.
	r := NewReader(strings.NewReader(`{"resourceType":"Patient","a":{"b":{}}}`), lim)
	if _, err := r.Next(); err != nil {
		t.Errorf("depth 3: %v", err)
	}
}

// lazyReader yields a prefix and then n filler bytes without ever holding them.
type lazyReader struct {
	prefix []byte
	fill   byte
	n      int64
}

func (l *lazyReader) Read(p []byte) (int, error) {
	if len(l.prefix) > 0 {
		k := copy(p, l.prefix)
		l.prefix = l.prefix[k:]
		return k, nil
	}
	if l.n == 0 {
		return 0, io.EOF
	}
	k := min(int64(len(p)), l.n)
	for i := range p[:k] {
		p[i] = l.fill
	}
	l.n -= k
	return int(k), nil
}

func TestHugeSingleLineFailsFastWithLittleMemory(t *testing.T) {
	for _, tc := range []struct{ name, prefix, want string }{
		{"resource", `{"resourceType":"Patient","note":[{"text":"`, "A single resource is larger than 64 MB"},
		{"ndjson", "{\"resourceType\":\"Patient\"}\n{\"resourceType\":\"Patient\",\"x\":\"", "Line 2 is longer than 64 MB"},
		{"entry", `{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Patient","x":"`, "A single resource is larger than 64 MB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := &lazyReader{prefix: []byte(tc.prefix), fill: 'a', n: 200 << 20}
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			start := time.Now()
			fe, _ := firstFileError(t, src, DefaultLimits())
			elapsed := time.Since(start)
			runtime.ReadMemStats(&after)
			if fe.Reason != tc.want {
				t.Errorf("reason %q, want %q", fe.Reason, tc.want)
			}
			allocated := after.TotalAlloc - before.TotalAlloc
			if allocated > 100<<20 {
				t.Errorf("allocated %d MB to reject the file", allocated>>20)
			}
			if consumed := 200<<20 - src.n; consumed > 70<<20 {
				t.Errorf("read %d MB before rejecting", consumed>>20)
			}
			if elapsed > 10*time.Second {
				t.Errorf("took %v", elapsed)
			}
			t.Logf("rejected after %v, %d MB allocated", elapsed, allocated>>20)
		})
	}
}

func TestDeepTopLevelArrayFailsFast(t *testing.T) {
	src := &lazyReader{fill: '[', n: 1 << 30}
	fe, _ := firstFileError(t, src, DefaultLimits())
	if !strings.Contains(fe.Reason, "JSON list") {
		t.Errorf("reason %q", fe.Reason)
	}
	if consumed := 1<<30 - src.n; consumed > 1<<20 {
		t.Errorf("read %d bytes of an obviously wrong file", consumed)
	}
}

func firstFixture(t testing.TB) []byte {
	t.Helper()
	files := fixtureFiles(t)
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	return data
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

func TestIOErrorIsFileError(t *testing.T) {
	fe, _ := firstFileError(t, io.MultiReader(strings.NewReader(`{"resourceType":"Patient",`), errReader{}), DefaultLimits())
	if fe.Reason != "The file could not be read" || errors.Unwrap(fe) == nil {
		t.Errorf("got %q / %v", fe.Reason, errors.Unwrap(fe))
	}
}

func TestBOMAccepted(t *testing.T) {
	r := NewReader(strings.NewReader("\xEF\xBB\xBF{\"resourceType\":\"Patient\",\"id\":\"b\"}"), DefaultLimits())
	res, err := r.Next()
	if err != nil || res.ID != "b" || string(res.Raw) != `{"resourceType":"Patient","id":"b"}` {
		t.Fatalf("%v %+v", err, res)
	}
}

func FuzzReader(f *testing.F) {
	for _, name := range []string{"patients.ndjson", "patient.json", "searchset.json", "entry-first.json", "document.json"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{"", " ", "{", "[", `{"resourceType":"Bundle","entry":[`, `{"a":"\"}`, "{}\n{}", `{"resourceType":"Patient"}` + "\n\n{\"resourceType\":1}",
		`{"entry":[{"resource":{"resourceType":"X"}}]}`, "\xEF\xBB\xBF{}", `{"resourceType":"Bundle","entry":{"resource":{}}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewReader(bytes.NewReader(data), Limits{MaxResourceBytes: 1 << 16, MaxDepth: 16, MaxEntries: 1000, MaxLineBytes: 1 << 16})
		for i := 0; ; i++ {
			if i > len(data)+1 {
				t.Fatalf("more resources than bytes: reader does not terminate")
			}
			res, err := r.Next()
			if err == io.EOF {
				return
			}
			if err != nil {
				var fe *FileError
				if !errors.As(err, &fe) {
					t.Fatalf("non-FileError %T", err)
				}
				return
			}
			if !bytes.Contains(data, res.Raw) || res.Type == "" {
				t.Fatalf("resource not verbatim or untyped")
			}
			Summarize(res, ResolveLocal)
		}
	})
}

// TestLargeBundleHeap streams ~100 MB of Bundle entries (a fixture's entries
// repeated, fed lazily) and checks the heap stays near one entry's worth.
func TestLargeBundleHeap(t *testing.T) {
	if testing.Short() {
		t.Skip("streams 100 MB")
	}
	data := firstFixture(t)
	open := bytes.Index(data, []byte(`"entry"`))
	lb := open + bytes.IndexByte(data[open:], '[')
	rb := bytes.LastIndexByte(data, ']')
	body := data[lb+1 : rb]
	var parts []io.Reader
	parts = append(parts, strings.NewReader(`{"resourceType":"Bundle","type":"collection","entry":[`))
	total := 0
	for total < 100<<20 {
		if total > 0 {
			parts = append(parts, strings.NewReader(","))
		}
		parts = append(parts, bytes.NewReader(body))
		total += len(body)
	}
	parts = append(parts, strings.NewReader("]}"))
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var peak uint64
	r := NewReader(io.MultiReader(parts...), DefaultLimits())
	n := 0
	for {
		_, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
		if n%2000 == 0 {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
		}
	}
	growth := int64(peak) - int64(base)
	t.Logf("%d resources from %d MB; peak heap growth %d MB", n, r.BytesRead()>>20, growth>>20)
	if growth > 48<<20 {
		t.Errorf("heap grew by %d MB while streaming", growth>>20)
	}
}
