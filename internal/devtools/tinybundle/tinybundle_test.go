package tinybundle

import (
	"bytes"
	"encoding/json"
	"testing"
)

func TestWrite(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, 25); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		ResourceType string
		Entry        []struct {
			FullURL  string `json:"fullUrl"`
			Resource struct {
				ResourceType, ID string
				Subject          *struct{ Reference string }
			}
		}
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.ResourceType != "Bundle" || len(doc.Entry) != 25 {
		t.Fatalf("%s with %d entries", doc.ResourceType, len(doc.Entry))
	}
	e1, e12 := doc.Entry[1], doc.Entry[12]
	if e1.FullURL != "urn:uuid:b1" || e1.Resource.ID != "b1" || e12.Resource.Subject == nil || e12.Resource.Subject.Reference != "urn:uuid:p12" {
		t.Fatalf("entries %+v %+v", e1, e12)
	}
}
