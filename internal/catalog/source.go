package catalog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Source directory files, as compiled by the Mere Medical project.
const (
	epicFile   = "epic-r4-endpoints.json"
	oracleFile = "oracle-cerner-r4-endpoints.json"
	ecwFile    = "healow-eclinicalworks-r4-endpoints.json"
	athenaFile = "athenahealth-organizations.json"

	// AthenaFHIRBase is shared by every athenahealth practice; the practice
	// is chosen at login. The directory gives no authorize/token URLs, so
	// athena entries leave them empty and rely on SMART discovery.
	AthenaFHIRBase = "https://api.platform.athenahealth.com/fhir/r4"
)

type endpointRecord struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	URL       string `json:"url"`
	Authorize string `json:"authorize"`
	Token     string `json:"token"`
}

// FromDirectory normalises the four vendor directories in dir into one
// provider list. It lives in this package (not only in ./gen) so the test
// can prove the embedded data is what the generator would produce today.
//
// Normalisation: whitespace trimmed and collapsed, U+FFFD dropped from names,
// trailing "/" dropped from URLs (callers append "/metadata" etc.), exact
// duplicate records collapsed. An ID that repeats with different content is
// an error rather than a silent pick, because saved connections refer to IDs.
// Location stays empty: the directories carry no address, and parsing one
// out of names misreads "Frank Martinez, MD" as Maryland.
func FromDirectory(dir string) ([]Provider, error) {
	var out []Provider
	seen := map[string]Provider{}
	add := func(p Provider) error {
		p = cleanProvider(p)
		if prev, ok := seen[p.ID]; ok {
			if prev == p {
				return nil // exact duplicate
			}
			return fmt.Errorf("conflicting records for id %q: %q vs %q", p.ID, prev.Name, p.Name)
		}
		if p.Name == "" {
			return fmt.Errorf("%s: empty name", p.ID)
		}
		if !strings.HasPrefix(p.FHIRBase, "https://") {
			return fmt.Errorf("%s: FHIR base %q is not https", p.ID, p.FHIRBase)
		}
		seen[p.ID] = p
		out = append(out, p)
		return nil
	}
	for _, src := range []struct{ file, vendor string }{
		{epicFile, VendorEpic}, {oracleFile, VendorOracle}, {ecwFile, VendorECW},
	} {
		raw, err := os.ReadFile(filepath.Join(dir, src.file))
		if err != nil {
			return nil, err
		}
		var recs []endpointRecord
		if err := json.Unmarshal(raw, &recs); err != nil {
			return nil, fmt.Errorf("%s: %w", src.file, err)
		}
		for _, r := range recs {
			err := add(Provider{
				ID: src.vendor + ":" + strings.TrimSpace(r.ID), Name: r.Name, Vendor: src.vendor,
				FHIRBase: r.URL, Authorize: r.Authorize, Token: r.Token,
			})
			if err != nil {
				return nil, fmt.Errorf("%s: %w", src.file, err)
			}
		}
	}
	raw, err := os.ReadFile(filepath.Join(dir, athenaFile))
	if err != nil {
		return nil, err
	}
	// Stream the object so entries keep the directory's order (a map would
	// shuffle them and make the data file churn on every regeneration).
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("%s: want a JSON object", athenaFile)
	}
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", athenaFile, err)
		}
		var name string
		if err := dec.Decode(&name); err != nil {
			return nil, fmt.Errorf("%s: %w", athenaFile, err)
		}
		id := strings.TrimSpace(kt.(string))
		if err := add(Provider{ID: VendorAthena + ":" + id, Name: name, Vendor: VendorAthena, FHIRBase: AthenaFHIRBase}); err != nil {
			return nil, fmt.Errorf("%s: %w", athenaFile, err)
		}
	}
	return out, nil
}

func cleanProvider(p Provider) Provider {
	p.ID = strings.TrimSpace(p.ID)
	p.Name = strings.Join(strings.Fields(strings.ReplaceAll(p.Name, "\uFFFD", "")), " ")
	p.FHIRBase = strings.TrimRight(strings.TrimSpace(p.FHIRBase), "/")
	p.Authorize = strings.TrimSpace(p.Authorize)
	p.Token = strings.TrimSpace(p.Token)
	p.Location = strings.TrimSpace(p.Location)
	return p
}

// EncodeJSON renders providers as the data file's JSON array, one record per
// line so that a directory refresh produces a readable diff once unzipped.
func EncodeJSON(ps []Provider) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("[\n")
	for i, p := range ps {
		line, err := json.Marshal(p)
		if err != nil {
			return nil, err
		}
		b.Write(line)
		if i < len(ps)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("]\n")
	return b.Bytes(), nil
}
