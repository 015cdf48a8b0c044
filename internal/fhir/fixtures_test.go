package fhir

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

const fixtureDir = "../../../shared/fixtures/synthea"

// fixtureFiles lists the shared Synthea bundles; tests skip only when the
// shared directory is absent (e.g. a checkout outside the workspace).
func fixtureFiles(t testing.TB) []string {
	t.Helper()
	if _, err := os.Stat(fixtureDir); errors.Is(err, os.ErrNotExist) {
		t.Fatal("shared Synthea fixtures not present (../shared beside the checkout)")
	}
	files, err := filepath.Glob(filepath.Join(fixtureDir, "*", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	if len(files) == 0 {
		t.Fatal("no fixture files found")
	}
	return files
}

func readAll(t testing.TB, r *Reader) []Resource {
	t.Helper()
	var out []Resource
	for {
		res, err := r.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("Next after %d resources: %v", len(out), err)
		}
		out = append(out, res)
	}
}

func TestFixturesStreamExactly(t *testing.T) {
	files := fixtureFiles(t)
	v, err := NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var plain struct {
			Type  string `json:"type"`
			Entry []struct {
				FullURL  string          `json:"fullUrl"`
				Resource json.RawMessage `json:"resource"`
			} `json:"entry"`
		}
		if err := json.Unmarshal(data, &plain); err != nil {
			t.Fatal(err)
		}
		r := NewReader(bytes.NewReader(data), DefaultLimits())
		got := readAll(t, r)
		urls := fullURLsOf(got)
		if r.Format() != FormatBundle || r.BundleType() != plain.Type {
			t.Errorf("%s: format %v type %q", f, r.Format(), r.BundleType())
		}
		if r.BytesRead() != int64(len(data)) {
			t.Errorf("%s: BytesRead %d, want %d", f, r.BytesRead(), len(data))
		}
		if len(got) != len(plain.Entry) {
			t.Fatalf("%s: %d resources, want %d", f, len(got), len(plain.Entry))
		}
		want := map[string]int{}
		have := map[string]int{}
		for i, e := range plain.Entry {
			var head struct {
				ResourceType string `json:"resourceType"`
				ID           string `json:"id"`
			}
			json.Unmarshal(e.Resource, &head)
			want[head.ResourceType]++
			res := got[i]
			have[res.Type]++
			if !bytes.Equal(res.Raw, e.Resource) {
				t.Fatalf("%s entry %d: Raw differs from the entry's resource bytes", f, i)
			}
			if res.Index != i || res.FullURL != e.FullURL || res.ID != head.ID || res.Type != head.ResourceType {
				t.Fatalf("%s entry %d: got index %d fullUrl %q id %q type %q", f, i, res.Index, res.FullURL, res.ID, res.Type)
			}
			if urls.Resolve(e.FullURL) != head.ResourceType+"/"+head.ID {
				t.Fatalf("%s entry %d: Resolve(fullUrl) = %q", f, i, urls.Resolve(e.FullURL))
			}
			if inv := v.Validate(res); inv != nil {
				t.Errorf("%s entry %d (%s): %v", filepath.Base(f), i, res.Type, inv)
			}
		}
		for k, n := range want {
			if have[k] != n {
				t.Errorf("%s: %d %s, want %d", f, have[k], k, n)
			}
		}
		total += len(got)
	}
	t.Logf("%d files, %d resources", len(files), total)
}

// fullURLsOf indexes a whole file's fullUrls, for resolving its references.
func fullURLsOf(all []Resource) FullURLs {
	m := FullURLs{}
	for _, r := range all {
		m.Add(r.FullURL, r.Type, r.ID)
	}
	return m
}
