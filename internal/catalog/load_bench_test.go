package catalog

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"testing"
)

func BenchmarkLoad(b *testing.B) {
	for b.Loop() {
		if _, err := LoadFrom(bytes.NewReader(embedded)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLoadParts(b *testing.B) {
	zr, _ := gzip.NewReader(bytes.NewReader(embedded))
	raw, _ := io.ReadAll(zr)
	var ps []Provider
	ps, _ = decodeProviders(raw)
	b.Run("gunzip", func(b *testing.B) {
		for b.Loop() {
			zr, _ := gzip.NewReader(bytes.NewReader(embedded))
			io.ReadAll(zr)
		}
	})
	b.Run("fastdecode", func(b *testing.B) {
		for b.Loop() {
			decodeProviders(raw)
		}
	})
	b.Run("json", func(b *testing.B) {
		for b.Loop() {
			var ps []Provider
			json.Unmarshal(raw, &ps)
		}
	})
	b.Run("index", func(b *testing.B) {
		for b.Loop() {
			buildIndex(ps)
		}
	})
	b.Run("dels", func(b *testing.B) {
		ix := buildIndex(ps)
		for b.Loop() {
			buildDeletions(ix.terms)
		}
	})
}
