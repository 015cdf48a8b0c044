package sandbox

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// TestStandaloneLaunchFullSync is the end-to-end path Fasten takes: login
// page, PKCE exchange, then every resource type with paging, checked against
// an independent count of the fixture.
func TestStandaloneLaunchFullSync(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(familyDir(t), "*.json"))
	s := start(t, Options{Clock: newClock().Now, PageSize: 20})
	for _, f := range files {
		pid, want := fixtureCounts(t, f)
		want["DocumentReference"]++ // the synthetic note
		t.Run(filepath.Base(f)[:12], func(t *testing.T) {
			l := launch(t, s, pid)
			if got := l.tok.Extra("patient"); got != pid {
				t.Fatalf("patient in token response = %v, want %s", got, pid)
			}
			if l.tok.RefreshToken == "" || l.tok.Extra("id_token") == nil {
				t.Fatal("offline_access/openid requested but refresh_token/id_token missing")
			}
			at := l.tok.AccessToken

			var p map[string]any
			if code, h := get(t, at, s.FHIRBase+"/Patient/"+pid, &p); code != 200 || h.Get("ETag") != `W/"1"` {
				t.Fatalf("read patient: %d etag %q", code, h.Get("ETag"))
			}
			meta := p["meta"].(map[string]any)
			if meta["versionId"] != "1" || meta["lastUpdated"] != "2025-03-01T12:00:00.000Z" {
				t.Fatalf("meta = %v", meta)
			}

			union := map[string]bool{}
			for typ, n := range want {
				u := s.FHIRBase + "/" + typ + "?patient=" + pid + "&_count=7"
				if typ == "Patient" {
					u = s.FHIRBase + "/Patient?_id=" + pid
				}
				entries, total, pages := fetchAll(t, at, u)
				if len(entries) != n || total != n {
					t.Errorf("%s: got %d entries (total %d), fixture has %d", typ, len(entries), total, n)
				}
				if n > 7 && pages != (n+6)/7 {
					t.Errorf("%s: %d pages for %d at _count=7", typ, pages, n)
				}
				for _, e := range entries {
					if union[e.key] {
						t.Errorf("duplicate %s across pages", e.key)
					}
					union[e.key] = true
					if bytes.Contains(e.raw, []byte("urn:uuid:")) {
						t.Fatalf("%s still has urn:uuid references", e.key)
					}
				}
			}

			ev, total, _ := fetchAll(t, at, s.FHIRBase+"/Patient/"+pid+"/$everything?_count=100")
			matched := map[string]bool{}
			for _, e := range ev {
				if e.mode == "match" {
					matched[e.key] = true
				} else if typ, _, _ := strings.Cut(e.key, "/"); !sharedTypes[typ] || e.mode != "include" {
					t.Errorf("$everything unexpected %s mode %s", e.key, e.mode)
				}
			}
			if total != len(ev) || len(matched) != len(union) {
				t.Fatalf("$everything: %d matches, union of searches %d (total %d/%d)", len(matched), len(union), total, len(ev))
			}
			for k := range union {
				if !matched[k] {
					t.Fatalf("$everything lacks %s", k)
				}
			}

			// Shared resources are readable when referenced; the attachment
			// resolves relative to the FHIR base and yields a PDF.
			for _, e := range ev {
				if e.mode == "include" {
					if code, _ := get(t, at, s.FHIRBase+"/"+e.key, nil); code != 200 {
						t.Fatalf("read referenced %s: %d", e.key, code)
					}
					break
				}
			}
			var doc struct {
				Content []struct{ Attachment struct{ URL string } }
			}
			get(t, at, s.FHIRBase+"/DocumentReference/doc-"+pid, &doc)
			req, _ := http.NewRequest("GET", s.FHIRBase+"/"+doc.Content[0].Attachment.URL, nil)
			req.Header.Set("Authorization", "Bearer "+at)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			pdf, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
				t.Fatalf("binary: %d %s %.10q", resp.StatusCode, resp.Header.Get("Content-Type"), pdf)
			}
		})
	}
	for _, p := range s.Patients() {
		if p.Name == "" || p.BirthDate == "" || p.Resources == 0 {
			t.Errorf("PatientInfo incomplete: %+v", p)
		}
	}
}

func TestAllFixturesLoadAndCount(t *testing.T) {
	familyDir(t)
	s := start(t, Options{FixtureFiles: []string{fixtureRoot + "/family", fixtureRoot + "/more"}})
	ps := s.Patients()
	if len(ps) != 40 {
		t.Fatalf("%d patients, want 40", len(ps))
	}
	files, _ := filepath.Glob(fixtureRoot + "/*/*.json")
	want := map[string]map[string]int{}
	for _, f := range files {
		pid, c := fixtureCounts(t, f)
		c["DocumentReference"]++
		want[pid] = c
	}
	for _, p := range ps {
		a, _ := json.Marshal(p.CountsByType)
		b, _ := json.Marshal(want[p.ID])
		if !bytes.Equal(a, b) {
			t.Errorf("%s: counts %s, fixture %s", p.ID, a, b)
		}
	}
}

// TestIncrementalSync checks _lastUpdated and _since against Touch, the
// mechanism a client's incremental sync depends on.
func TestIncrementalSync(t *testing.T) {
	clk := newClock()
	s := start(t, Options{Clock: clk.Now, AutoApprovePatient: firstPatient(t)})
	pid := s.opts.AutoApprovePatient
	at := launch(t, s, pid).tok.AccessToken
	t0 := clk.Now()
	clk.Advance(time.Hour)
	var obs bundle
	get(t, at, s.FHIRBase+"/Observation?patient="+pid+"&_count=1", &obs)
	var o struct{ ID string }
	json.Unmarshal(obs.Entry[0].Resource, &o)
	s.Touch("Observation", o.ID)

	since := t0.Add(time.Minute).Format(time.RFC3339)
	e, _, _ := fetchAll(t, at, s.FHIRBase+"/Observation?patient="+pid+"&_lastUpdated=gt"+since)
	if len(e) != 1 || e[0].key != "Observation/"+o.ID || !bytes.Contains(e[0].raw, []byte(`"versionId":"2"`)) {
		t.Fatalf("_lastUpdated=gt: %v", e)
	}
	e, _, _ = fetchAll(t, at, s.FHIRBase+"/Patient/"+pid+"/$everything?_since="+since)
	if len(e) != 1 {
		t.Fatalf("$everything _since: %d entries", len(e))
	}
	// Day precision: gt the fixture day excludes everything not touched later.
	e, _, _ = fetchAll(t, at, s.FHIRBase+"/Observation?patient="+pid+"&_lastUpdated=gt2025-03-01")
	if len(e) != 0 {
		t.Fatalf("gt whole day should exclude same-day resources, got %d", len(e))
	}
	e, _, _ = fetchAll(t, at, s.FHIRBase+"/Observation?patient="+pid+"&category=vital-signs")
	for _, x := range e {
		if !bytes.Contains(x.raw, []byte(`"vital-signs"`)) {
			t.Fatal("category filter let through", x.key)
		}
	}
	if len(e) == 0 {
		t.Fatal("no vital-signs observations")
	}
}

func firstPatient(t testing.TB) string {
	files, _ := filepath.Glob(filepath.Join(familyDir(t), "*.json"))
	sort.Strings(files)
	pid, _ := fixtureCounts(t, files[0])
	return pid
}
