// Package catalog is the searchable directory of provider patient-access
// endpoints (Epic, Oracle Health, eClinicalWorks, athenahealth) a user picks
// from when connecting a new source.
//
// The directory is data, not code: vendors republish their endpoint lists
// every quarter, so the list ships as a gzip'd JSON file (data/providers.json.gz,
// produced by ./gen from the vendor directories) embedded in the binary, and
// LoadFrom accepts a newer copy at run time without a rebuild.
package catalog

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
	"io"
	"sync"
)

// Provider is one connectable endpoint. Authorize/Token are the directory's
// hints; callers should still prefer <FHIRBase>/.well-known/smart-configuration
// and fall back to these (they are empty for athenahealth, whose directory
// gives none).
type Provider struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Vendor    string `json:"vendor"`
	FHIRBase  string `json:"fhirBase"`
	Authorize string `json:"authorize,omitempty"`
	Token     string `json:"token,omitempty"`
	Location  string `json:"location,omitempty"`
}

// Vendor identifiers as stored in Provider.Vendor.
const (
	VendorEpic   = "epic"
	VendorOracle = "oracle"
	VendorECW    = "ecw"
	VendorAthena = "athena"
)

// VendorName is the label a person recognises, which is usually the patient
// portal brand rather than the EHR company.
func VendorName(v string) string {
	switch v {
	case VendorEpic:
		return "Epic (MyChart)"
	case VendorOracle:
		return "Oracle Health (Cerner)"
	case VendorECW:
		return "eClinicalWorks (healow)"
	case VendorAthena:
		return "athenahealth"
	}
	return v
}

// Catalog is immutable once built, so one instance is shared by every
// goroutine and Search needs no locking.
type Catalog struct {
	providers []Provider
	byID      map[string]int32
	idx       index
}

//go:embed data/providers.json.gz
var embedded []byte

var (
	loadOnce sync.Once
	loaded   *Catalog
	loadErr  error
)

// Load returns the catalog built from the embedded directory. Parsing and
// indexing cost tens of milliseconds and several MB, so it happens once per
// process and every caller shares the result.
func Load() (*Catalog, error) {
	loadOnce.Do(func() {
		loaded, loadErr = LoadFrom(bytes.NewReader(embedded))
	})
	return loaded, loadErr
}

// LoadFrom builds a fresh catalog from a gzip'd providers JSON array, for
// refreshing the directory without shipping a new binary.
func LoadFrom(r io.Reader) (*Catalog, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("catalog: open data: %w", err)
	}
	defer zr.Close()
	var buf bytes.Buffer
	buf.Grow(8 << 20) // the data inflates ~10x; avoid regrowing through 5.8 MB
	if _, err := buf.ReadFrom(zr); err != nil {
		return nil, fmt.Errorf("catalog: read data: %w", err)
	}
	ps, err := decodeProviders(buf.Bytes())
	if err != nil {
		return nil, fmt.Errorf("catalog: decode data: %w", err)
	}
	return New(ps)
}

// New indexes an in-memory provider list; IDs must be unique because Get and
// saved connections refer to providers by ID.
func New(ps []Provider) (*Catalog, error) {
	c := &Catalog{providers: ps, byID: make(map[string]int32, len(ps))}
	for i, p := range ps {
		if _, dup := c.byID[p.ID]; dup {
			return nil, fmt.Errorf("catalog: duplicate provider id %q", p.ID)
		}
		c.byID[p.ID] = int32(i)
	}
	c.idx = buildIndex(ps)
	return c, nil
}

// Len is the number of providers.
func (c *Catalog) Len() int { return len(c.providers) }

// Get looks a provider up by the ID stored with a saved connection.
func (c *Catalog) Get(id string) (Provider, bool) {
	i, ok := c.byID[id]
	if !ok {
		return Provider{}, false
	}
	return c.providers[i], true
}

// All returns a copy of every provider, in data-file order.
func (c *Catalog) All() []Provider {
	return append([]Provider(nil), c.providers...)
}
