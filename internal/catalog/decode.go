package catalog

import (
	"encoding/json"
	"errors"
)

// decodeProviders parses the data file. encoding/json spends ~150 ms on the
// 5.8 MB array on a slow 2-core laptop, more than half of the start-up
// budget, so the flat all-string records the generator writes are scanned
// directly; anything else (a hand-edited file, an unexpected value type)
// falls back to encoding/json, so the format stays plain JSON.
//
// Consecutive records usually share FHIR base and OAuth URLs (every athena
// practice, every healow tenant's auth server), so a value equal to the
// previous record's is reused rather than copied, which keeps tens of
// thousands of identical strings out of the heap.
func decodeProviders(data []byte) ([]Provider, error) {
	if ps, err := fastDecode(data); err == nil {
		return ps, nil
	}
	var ps []Provider
	if err := json.Unmarshal(data, &ps); err != nil {
		return nil, err
	}
	return ps, nil
}

var errSlowPath = errors.New("catalog: not in the generator's layout")

func fastDecode(data []byte) ([]Provider, error) {
	p := 0
	ws := func() {
		for p < len(data) && (data[p] == ' ' || data[p] == '\n' || data[p] == '\r' || data[p] == '\t') {
			p++
		}
	}
	// str reads a JSON string at p, without allocating when prev already
	// holds the same text.
	str := func(prev string) (string, bool) {
		if p >= len(data) || data[p] != '"' {
			return "", false
		}
		start := p
		p++
		escaped := false
		for p < len(data) && data[p] != '"' {
			if data[p] == '\\' {
				escaped = true
				p++
			} else if data[p] < 0x20 {
				return "", false
			}
			p++
		}
		if p >= len(data) {
			return "", false
		}
		p++
		raw := data[start+1 : p-1]
		if !escaped {
			if string(raw) == prev {
				return prev, true
			}
			return string(raw), true
		}
		var s string
		if json.Unmarshal(data[start:p], &s) != nil {
			return "", false
		}
		return s, true
	}
	ws()
	if p >= len(data) || data[p] != '[' {
		return nil, errSlowPath
	}
	p++
	ps := make([]Provider, 0, len(data)/180)
	var prev Provider
	for {
		ws()
		if p < len(data) && data[p] == ']' && len(ps) == 0 {
			p++
			break
		}
		if p >= len(data) || data[p] != '{' {
			return nil, errSlowPath
		}
		p++
		var cur Provider
		for first := true; ; first = false {
			ws()
			if p < len(data) && data[p] == '}' && first {
				break
			}
			key, ok := str("")
			if !ok {
				return nil, errSlowPath
			}
			ws()
			if p >= len(data) || data[p] != ':' {
				return nil, errSlowPath
			}
			p++
			ws()
			var field *string
			var before string
			switch key {
			case "id":
				field = &cur.ID
			case "name":
				field = &cur.Name
			case "vendor":
				field, before = &cur.Vendor, prev.Vendor
			case "fhirBase":
				field, before = &cur.FHIRBase, prev.FHIRBase
			case "authorize":
				field, before = &cur.Authorize, prev.Authorize
			case "token":
				field, before = &cur.Token, prev.Token
			case "location":
				field, before = &cur.Location, prev.Location
			default:
				return nil, errSlowPath // unknown field: let encoding/json decide
			}
			if *field, ok = str(before); !ok {
				return nil, errSlowPath
			}
			ws()
			if p < len(data) && data[p] == ',' {
				p++
				continue
			}
			if p < len(data) && data[p] == '}' {
				break
			}
			return nil, errSlowPath
		}
		p++ // '}'
		ps = append(ps, cur)
		prev = cur
		ws()
		if p < len(data) && data[p] == ',' {
			p++
			continue
		}
		if p < len(data) && data[p] == ']' {
			p++
			break
		}
		return nil, errSlowPath
	}
	ws()
	if p != len(data) {
		return nil, errSlowPath
	}
	return ps, nil
}
