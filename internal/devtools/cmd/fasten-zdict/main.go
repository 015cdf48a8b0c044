// Command fasten-zdict measures how the vault's raw-resource codec
// compresses FHIR resources one by one (as the vault stores them), with and
// without a dictionary, and writes the training samples a dictionary is made
// from. It documents how internal/vault's embedded dictionaries were chosen:
//
//	go run ./internal/devtools/cmd/fasten-zdict -samples /tmp/zsamples ../shared/fixtures/synthea/family
//	zstd --train -r /tmp/zsamples --maxdict=65536 -o dict.zstd
//	go run ./internal/devtools/cmd/fasten-zdict -dict dict.zstd ../shared/fixtures/synthea/more
//
// Training and test sets must differ (family trains, more measures), or the
// figure flatters the dictionary.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/klauspost/compress/zstd"
)

func main() {
	samples := flag.String("samples", "", "write each resource to its own file in this directory (training input for zstd --train)")
	dictPath := flag.String("dict", "", "also measure with this dictionary")
	flag.Parse()
	var res [][]byte
	for _, dir := range flag.Args() {
		filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
			if err != nil || fi.IsDir() || !strings.HasSuffix(p, ".json") {
				return nil
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return nil
			}
			var bundle struct {
				Entry []struct {
					Resource json.RawMessage `json:"resource"`
				} `json:"entry"`
			}
			if json.Unmarshal(b, &bundle) != nil {
				return nil
			}
			for _, e := range bundle.Entry {
				if len(e.Resource) > 0 {
					res = append(res, e.Resource)
				}
			}
			return nil
		})
	}
	if *samples != "" {
		os.MkdirAll(*samples, 0o755)
		for i, r := range res {
			os.WriteFile(filepath.Join(*samples, fmt.Sprintf("%06d.json", i)), r, 0o644)
		}
	}
	var total int
	for _, r := range res {
		total += len(r)
	}
	fmt.Printf("%d resources, %d bytes (%.0f bytes each)\n", len(res), total, float64(total)/float64(len(res)))
	measure := func(name string, opts ...zstd.EOption) {
		enc, _ := zstd.NewWriter(nil, append([]zstd.EOption{zstd.WithEncoderConcurrency(1)}, opts...)...)
		var out int
		t := time.Now()
		var buf []byte
		comp := make([][]byte, len(res))
		for i, r := range res {
			buf = enc.EncodeAll(r, buf[:0])
			out += len(buf)
			comp[i] = append([]byte(nil), buf...)
		}
		el := time.Since(t)
		fmt.Printf("%-28s ratio %.3f  %6.0f MB/s compress", name, float64(out)/float64(total), float64(total)/el.Seconds()/1e6)
		var dopts []zstd.DOption
		if *dictPath != "" && strings.Contains(name, "dict") {
			d, _ := os.ReadFile(*dictPath)
			dopts = append(dopts, zstd.WithDecoderDicts(d))
		}
		dec, _ := zstd.NewReader(nil, append([]zstd.DOption{zstd.WithDecoderConcurrency(1)}, dopts...)...)
		t = time.Now()
		for _, c := range comp {
			var err error
			if buf, err = dec.DecodeAll(c, buf[:0]); err != nil {
				panic(err)
			}
		}
		fmt.Printf("  %6.0f MB/s decompress\n", float64(total)/time.Since(t).Seconds()/1e6)
	}
	for _, l := range []zstd.EncoderLevel{zstd.SpeedFastest, zstd.SpeedDefault, zstd.SpeedBetterCompression} {
		measure("no dict "+l.String(), zstd.WithEncoderLevel(l))
	}
	if *dictPath != "" {
		d, err := os.ReadFile(*dictPath)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		for _, l := range []zstd.EncoderLevel{zstd.SpeedFastest, zstd.SpeedDefault, zstd.SpeedBetterCompression} {
			measure("dict "+l.String(), zstd.WithEncoderLevel(l), zstd.WithEncoderDict(d))
		}
	}
}
