package olderfhir

import "testing"

// BenchmarkConvertDSTU2 converts every resource of one DSTU2 person (no R4
// validation): the mapping's own cost.
func BenchmarkConvertDSTU2(b *testing.B) {
	bu := readBundle(b, fixtures+"/synthea-dstu2/Abshire_Cary_26.json")
	c, err := NewConverter()
	if err != nil {
		b.Fatal(err)
	}
	opt := Options{Subject: subjectOf(bu)}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, e := range bu.Entry {
			if _, _, err := c.Convert(DSTU2, typeOf(e.Resource), e.Resource, opt); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.N*len(bu.Entry))/b.Elapsed().Seconds(), "resources/s")
}
