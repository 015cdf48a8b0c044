package fastcheck_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fastenhealth/fasten-desktop/internal/ccda"
	"github.com/fastenhealth/fasten-desktop/internal/fhir/fastcheck"
	"github.com/fastenhealth/fasten-desktop/internal/olderfhir"
	"github.com/google/fhir/go/fhirversion"
	"github.com/google/fhir/go/jsonformat"
)

// TestOtherCorporaAgree runs both validators over R4 made by the app's own
// converters, whose shapes differ from Synthea R4: DSTU2 and STU3 Synthea
// converted by olderfhir (accepted or not: the converter's output is
// checked, refused ones included) and the HL7 C-CDA examples converted by
// ccda (contained resources, narrative, identifiers, …).
func TestOtherCorporaAgree(t *testing.T) {
	u, err := jsonformat.NewUnmarshaller("UTC", fhirversion.R4)
	if err != nil {
		t.Fatal(err)
	}
	c, err := fastcheck.New()
	if err != nil {
		t.Fatal(err)
	}
	var n, accepted, rejected, unsure int
	judge := func(what string, raw []byte) {
		v := c.Check(raw)
		_, err := u.Unmarshal(raw)
		n++
		switch v.Result {
		case fastcheck.Accept:
			accepted++
			if err != nil {
				t.Errorf("%s: fast check accepts what jsonformat refuses", what)
			}
		case fastcheck.Reject:
			rejected++
			if err == nil {
				t.Errorf("%s: fast check rejects (%s) what jsonformat accepts", what, v.Reason)
			}
		default:
			unsure++
		}
	}
	conv, err := olderfhir.NewConverter()
	if err != nil {
		t.Fatal(err)
	}
	for _, rel := range []struct {
		dir string
		r   olderfhir.Release
	}{{"synthea-dstu2", olderfhir.DSTU2}, {"synthea-stu3", olderfhir.STU3}} {
		files, _ := filepath.Glob(filepath.Join("../../../../shared/fixtures", rel.dir, "*.json"))
		if len(files) == 0 {
			t.Fatalf("no fixtures in %s", rel.dir)
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var bu struct {
				Entry []struct {
					FullURL  string          `json:"fullUrl"`
					Resource json.RawMessage `json:"resource"`
				} `json:"entry"`
			}
			if err := json.Unmarshal(b, &bu); err != nil {
				t.Fatal(err)
			}
			var subject string
			for _, e := range bu.Entry {
				if strings.Contains(string(e.Resource[:min(len(e.Resource), 200)]), `"Patient"`) {
					subject = e.FullURL
				}
			}
			for i, e := range bu.Entry {
				var h struct{ ResourceType string }
				_ = json.Unmarshal(e.Resource, &h)
				out, _, err := conv.Convert(rel.r, h.ResourceType, e.Resource, olderfhir.Options{Subject: subject})
				if err != nil {
					continue // unconvertible: nothing to validate
				}
				judge(rel.dir+" "+filepath.Base(f)+" entry "+itoa(i), out)
			}
		}
	}
	var docs []string
	_ = filepath.Walk("../../../../shared/fixtures/ccda", func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() && strings.EqualFold(filepath.Ext(p), ".xml") {
			docs = append(docs, p)
		}
		return nil
	})
	if len(docs) == 0 {
		t.Fatal("no C-CDA fixtures")
	}
	for _, d := range docs {
		doc, err := os.ReadFile(d)
		if err != nil {
			t.Fatal(err)
		}
		b, err := ccda.Bundle(context.Background(), doc, filepath.Base(d))
		if err != nil {
			continue // not every example converts
		}
		judge(filepath.Base(d)+" bundle", b)
		var bu struct {
			Entry []struct {
				Resource json.RawMessage `json:"resource"`
			} `json:"entry"`
		}
		if err := json.Unmarshal(b, &bu); err != nil {
			t.Fatal(err)
		}
		for i, e := range bu.Entry {
			judge(filepath.Base(d)+" entry "+itoa(i), e.Resource)
		}
	}
	t.Logf("%d converted resources: %d accepted, %d rejected, %d unsure", n, accepted, rejected, unsure)
	if accepted < n/2 {
		t.Errorf("fast path accepted only %d of %d", accepted, n)
	}
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}
