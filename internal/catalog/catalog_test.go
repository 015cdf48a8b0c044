package catalog

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"
)

// sourceDir is the vendor directories the data file is generated from; it
// lives outside the module, so tests that need it skip when it is absent.
const sourceDir = "../../../shared/catalog"

func mustLoad(t testing.TB) *Catalog {
	t.Helper()
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func embeddedJSON(t testing.TB) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(embedded))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// The committed data must be exactly what the generator makes from the
// directories today, or a refresh (or a hand edit) has silently drifted.
// The comparison is on the JSON, not the gzip bytes, so a Go upgrade that
// changes compressor output does not fail it.
func TestDataFileUpToDate(t *testing.T) {
	if _, err := os.Stat(sourceDir); err != nil {
		t.Fatalf("source directories not present (%v)", err)
	}
	ps, err := FromDirectory(sourceDir)
	if err != nil {
		t.Fatal(err)
	}
	want, err := EncodeJSON(ps)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(embeddedJSON(t), want) {
		t.Fatal("data/providers.json.gz is stale: run go run ./internal/catalog/gen -in ../shared/catalog -out internal/catalog/data/providers.json.gz")
	}
	lic, err := os.ReadFile(filepath.Join(sourceDir, "LICENSE-mere-medical.txt"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("data/LICENSE-mere-medical.txt")
	if err != nil || !bytes.Equal(got, lic) {
		t.Fatalf("data/LICENSE-mere-medical.txt missing or different from upstream (%v)", err)
	}
}

// The source directories contain no duplicates today, so every record
// survives: counts must equal the vendor files exactly.
func TestVendorCounts(t *testing.T) {
	c := mustLoad(t)
	want := map[string]int{VendorEpic: 807, VendorOracle: 1454, VendorECW: 6919, VendorAthena: 21757}
	if _, err := os.Stat(sourceDir); err == nil {
		for file, v := range map[string]string{epicFile: VendorEpic, oracleFile: VendorOracle, ecwFile: VendorECW, athenaFile: VendorAthena} {
			raw, err := os.ReadFile(filepath.Join(sourceDir, file))
			if err != nil {
				t.Fatal(err)
			}
			var n int
			if v == VendorAthena {
				var m map[string]string
				err = json.Unmarshal(raw, &m)
				n = len(m)
			} else {
				var l []json.RawMessage
				err = json.Unmarshal(raw, &l)
				n = len(l)
			}
			if err != nil {
				t.Fatal(err)
			}
			want[v] = n
		}
	}
	got := map[string]int{}
	for _, p := range c.providers {
		got[p.Vendor]++
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("per-vendor counts = %v, want %v", got, want)
	}
	if c.Len() != 807+1454+6919+21757 {
		t.Fatalf("Len = %d", c.Len())
	}
}

func TestEntriesWellFormed(t *testing.T) {
	c := mustLoad(t)
	for _, p := range c.providers {
		if !strings.HasPrefix(p.FHIRBase, "https://") || strings.HasSuffix(p.FHIRBase, "/") {
			t.Errorf("%s: bad fhirBase %q", p.ID, p.FHIRBase)
		}
		if p.Name == "" || p.Name != strings.TrimSpace(p.Name) {
			t.Errorf("%s: bad name %q", p.ID, p.Name)
		}
		if !strings.HasPrefix(p.ID, p.Vendor+":") || len(p.ID) == len(p.Vendor)+1 {
			t.Errorf("%s: id not <vendor>:<vendor id>", p.ID)
		}
		if VendorName(p.Vendor) == p.Vendor {
			t.Errorf("%s: unknown vendor %q", p.ID, p.Vendor)
		}
		if p.Vendor != VendorAthena && (!strings.HasPrefix(p.Authorize, "https://") || !strings.HasPrefix(p.Token, "https://")) {
			t.Errorf("%s: missing OAuth endpoints", p.ID)
		}
	}
}

func TestGetRoundTrip(t *testing.T) {
	c := mustLoad(t)
	for _, p := range c.providers {
		got, ok := c.Get(p.ID)
		if !ok || got != p {
			t.Fatalf("Get(%q) = %v, %v", p.ID, got, ok)
		}
	}
	if _, ok := c.Get("epic:does-not-exist"); ok {
		t.Fatal("Get of unknown id succeeded")
	}
	if _, ok := c.Get(""); ok {
		t.Fatal("Get of empty id succeeded")
	}
}

func TestVendorName(t *testing.T) {
	for v, want := range map[string]string{
		"epic": "Epic (MyChart)", "oracle": "Oracle Health (Cerner)",
		"ecw": "eClinicalWorks (healow)", "athena": "athenahealth", "other": "other",
	} {
		if got := VendorName(v); got != want {
			t.Errorf("VendorName(%q) = %q, want %q", v, got, want)
		}
	}
}

// The hand-written decoder must agree with encoding/json on the real data,
// and unusual-but-valid JSON must still load through the fallback.
func TestDecodeMatchesEncodingJSON(t *testing.T) {
	raw := embeddedJSON(t)
	fast, err := fastDecode(raw)
	if err != nil {
		t.Fatalf("fast path rejected the generator's own output: %v", err)
	}
	var std []Provider
	if err := json.Unmarshal(raw, &std); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(fast, std) {
		t.Fatal("fast decoder disagrees with encoding/json")
	}
	for _, in := range []string{
		`[]`,
		` [ { "name" : "A\u00e9\"b" , "id":"x:1", "vendor":"epic", "fhirBase":"https:\/\/h" } ] `,
		`[{"id":"x:1","extra":7,"name":"n"}]`,
		`[{"id":"x:1","name":"n"},{"id":"x:2","name":"m","location":"Boston, MA"}]`,
	} {
		got, err := decodeProviders([]byte(in))
		var want []Provider
		werr := json.Unmarshal([]byte(in), &want)
		if (err != nil) != (werr != nil) || !reflect.DeepEqual(got, want) {
			t.Errorf("decode %s = %v, %v; encoding/json gives %v, %v", in, got, err, want, werr)
		}
	}
	for _, bad := range []string{``, `{`, `[{"id":1}]`, `[{"id":"a"`, `[{"id":"a"}] x`} {
		if _, err := decodeProviders([]byte(bad)); err == nil {
			t.Errorf("decode %q: want error", bad)
		}
	}
}

func TestLoadIsSharedAndConcurrentSafe(t *testing.T) {
	a, b := mustLoad(t), mustLoad(t)
	if a != b {
		t.Fatal("Load parsed the data twice")
	}
	done := make(chan bool)
	for g := 0; g < 4; g++ {
		go func() {
			for _, q := range []string{"kaiser", "stanfrod", "st marys", "m"} {
				if len(a.Search(q, 5)) == 0 {
					t.Errorf("no results for %q", q)
				}
			}
			done <- true
		}()
	}
	for g := 0; g < 4; g++ {
		<-done
	}
}

// TestLoadCost records start-up time and resident heap of a fresh catalog.
// The bound is loose so a busy CI box does not flake; the logged figure is
// the one to watch (about 150 ms and 14 MB on a 2-core Xeon).
func TestLoadCost(t *testing.T) {
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	c, err := LoadFrom(bytes.NewReader(embedded))
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	heap := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("load %v, heap %.1f MB for %d providers, %d terms, %d postings, %d typo variants; data file %d bytes",
		took, float64(heap)/1e6, c.Len(), len(c.idx.terms), len(c.idx.post), len(c.idx.dels.ent), len(embedded))
	if took > time.Second {
		t.Errorf("load took %v", took)
	}
	runtime.KeepAlive(c)
}
