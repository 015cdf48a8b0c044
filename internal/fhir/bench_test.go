package fhir

import (
	"bytes"
	"os"
	"testing"
)

// loadFixtureResources reads every fixture resource once, outside the timer.
func loadFixtureResources(b *testing.B) ([]Resource, func(string) string, int64) {
	var all []Resource
	var size int64
	resolvers := map[string]string{}
	for _, f := range fixtureFiles(b) {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		r := NewReader(bytes.NewReader(data), DefaultLimits())
		got := readAll(b, r)
		for _, res := range got {
			size += int64(len(res.Raw))
			if res.FullURL != "" {
				resolvers[res.FullURL] = res.Type + "/" + res.ID
			}
		}
		all = append(all, got...)
	}
	resolve := func(ref string) string {
		if s, ok := resolvers[ref]; ok {
			return s
		}
		return ParseRef(ref)
	}
	return all, resolve, size
}

func BenchmarkReader(b *testing.B) {
	var files [][]byte
	var size int64
	for _, f := range fixtureFiles(b) {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		files = append(files, data)
		size += int64(len(data))
	}
	b.SetBytes(size)
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		for _, data := range files {
			n += len(readAll(b, NewReader(bytes.NewReader(data), DefaultLimits())))
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "resources/s")
}

func BenchmarkValidate(b *testing.B) {
	all, _, size := loadFixtureResources(b)
	v, err := NewValidator()
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(size)
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		for _, res := range all {
			if inv := v.Validate(res); inv != nil {
				b.Fatal(inv)
			}
		}
		n += len(all)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "resources/s")
}

func BenchmarkSummarize(b *testing.B) {
	all, resolve, size := loadFixtureResources(b)
	b.SetBytes(size)
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		for _, res := range all {
			Summarize(res, resolve)
		}
		n += len(all)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "resources/s")
}
