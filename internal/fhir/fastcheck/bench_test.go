package fastcheck

import "testing"

func BenchmarkCheckFixtures(b *testing.B) {
	rs := fixtureResources(b, 0)
	c, err := New()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if v := c.Check(rs[i%len(rs)]); v.Result != Accept {
			b.Fatal(v.Reason)
		}
	}
}
