package ccda

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// normalise mends what the converter gets wrong, before the importer's
// FHIR R4 validation sees it:
//   - FHIR JSON has no empty values, and the converter writes some
//     ("category": [], a result without a value as "valueQuantity": {}):
//     empty strings, arrays and objects are dropped, recursively;
//   - a document that reuses an entry's id makes two resources with one id:
//     the same resource twice is kept once, two different ones get the
//     second its own id (id-2, id-3…), as the importer would otherwise take
//     the second for a new version of the first.
//
// Resources that are not JSON objects are kept as they are (the importer
// reports them).
func normalise(resources []json.RawMessage) []json.RawMessage {
	out := make([]json.RawMessage, 0, len(resources))
	seen := map[string][]byte{}
	taken := map[string]bool{}
	for _, raw := range resources {
		var v map[string]any
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber() // decimals keep their digits
		if d.Decode(&v) != nil {
			out = append(out, raw)
			continue
		}
		prune(v)
		typ, _ := v["resourceType"].(string)
		id, _ := v["id"].(string)
		b, err := json.Marshal(v)
		if err != nil {
			out = append(out, raw)
			continue
		}
		key := typ + "/" + id
		if prev, ok := seen[key]; ok {
			if bytes.Equal(prev, b) {
				continue
			}
			for n := 2; ; n++ {
				alt := fmt.Sprintf("%s-%d", id, n)
				if !taken[typ+"/"+alt] {
					v["id"] = alt
					key = typ + "/" + alt
					break
				}
			}
			if b, err = json.Marshal(v); err != nil {
				continue
			}
		}
		seen[key], taken[key] = b, true
		out = append(out, b)
	}
	return out
}

// prune drops empty strings, arrays and objects from v, depth first: it
// returns what is left of v, and false when nothing is.
func prune(v any) (any, bool) {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			if y, ok := prune(x); ok {
				t[k] = y
			} else {
				delete(t, k)
			}
		}
		return t, len(t) > 0
	case []any:
		kept := make([]any, 0, len(t))
		for _, x := range t {
			if y, ok := prune(x); ok {
				kept = append(kept, y)
			}
		}
		return kept, len(kept) > 0
	case string:
		return t, t != ""
	case nil:
		return nil, false
	}
	return v, true
}
