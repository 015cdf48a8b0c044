// Command gen rebuilds internal/catalog/data/providers.json.gz from the
// vendor endpoint directories. Run it when the directories are refreshed:
//
//	go run ./internal/catalog/gen -in ../shared/catalog -out internal/catalog/data/providers.json.gz
//
// It also copies the upstream MIT licence beside the data, because the
// compiled lists come from the Mere Medical project and the licence must
// travel with them.
package main

import (
	"bytes"
	"compress/gzip"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/fastenhealth/fasten-desktop/internal/catalog"
)

func main() {
	in := flag.String("in", "../shared/catalog", "directory holding the vendor endpoint files")
	out := flag.String("out", "internal/catalog/data/providers.json.gz", "gzip'd JSON output")
	flag.Parse()

	ps, err := catalog.FromDirectory(*in)
	if err != nil {
		log.Fatal(err)
	}
	js, err := catalog.EncodeJSON(ps)
	if err != nil {
		log.Fatal(err)
	}
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		log.Fatal(err)
	}
	// No name or mtime in the header, so identical data gives identical bytes.
	if _, err := zw.Write(js); err != nil {
		log.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
	lic, err := os.ReadFile(filepath.Join(*in, "LICENSE-mere-medical.txt"))
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(filepath.Dir(*out), "LICENSE-mere-medical.txt"), lic, 0o644); err != nil {
		log.Fatal(err)
	}
	counts := map[string]int{}
	for _, p := range ps {
		counts[p.Vendor]++
	}
	fmt.Printf("wrote %s: %d providers %v, %d bytes (%d uncompressed)\n", *out, len(ps), counts, buf.Len(), len(js))
}
