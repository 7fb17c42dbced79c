package hygiene_test

import (
	"testing"

	"rolemine/features/hygiene"
	"rolemine/features/hygiene/internal/hygienetest"
)

// benchSizes are generated enterprises of these many identities (n/5
// entitlements, about 50 assignments each); 100k is the target scale.
var benchSizes = []struct {
	name string
	n    int
}{{"3k", 3_000}, {"20k", 20_000}, {"100k", 100_000}}

// BenchmarkRun runs every check.
func BenchmarkRun(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(size.name, func(b *testing.B) {
			d, _ := hygienetest.Generate(b, size.n)
			b.ReportAllocs()
			for b.Loop() {
				hygiene.Run(d, hygiene.DefaultOptions)
			}
			b.ReportMetric(float64(len(d.Assignments))*float64(b.N)/b.Elapsed().Seconds(), "assignments/s")
			b.ReportMetric(hygienetest.PeakRSSMiB(), "peak-MiB")
		})
	}
}

// BenchmarkFindDuplicates measures duplicate detection alone.
func BenchmarkFindDuplicates(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(size.name, func(b *testing.B) {
			d, _ := hygienetest.Generate(b, size.n)
			b.ReportAllocs()
			for b.Loop() {
				hygiene.FindDuplicates(d, hygiene.DefaultDuplicateOptions)
			}
			b.ReportMetric(float64(len(d.Identities))*float64(b.N)/b.Elapsed().Seconds(), "identities/s")
		})
	}
}
