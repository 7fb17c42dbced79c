package review_test

import (
	"os"
	"testing"

	"rolemine/features/hygiene"
	"rolemine/features/hygiene/internal/hygienetest"
	"rolemine/features/hygiene/review"
)

// BenchmarkCampaign is the review target: every hygiene check, the packets
// of every reviewer written as HTML and CSV, and the replay of the past
// campaigns, on generated enterprises (100k: 100,000 identities, about 5
// million assignments).
func BenchmarkCampaign(b *testing.B) {
	for _, size := range []struct {
		name string
		n    int
	}{{"3k", 3_000}, {"20k", 20_000}, {"100k", 100_000}} {
		b.Run(size.name, func(b *testing.B) {
			d, _ := hygienetest.Generate(b, size.n)
			dir := b.TempDir()
			items := 0
			b.ReportAllocs()
			for b.Loop() {
				rep := hygiene.Run(d, hygiene.DefaultOptions)
				c := review.Prepare(d, rep, review.DefaultOptions)
				if err := c.WriteDir(dir, review.RunReplay(d, review.DefaultOptions)); err != nil {
					b.Fatal(err)
				}
				items = c.Totals["items"]
				os.RemoveAll(dir)
			}
			b.ReportMetric(float64(items)*float64(b.N)/b.Elapsed().Seconds(), "items/s")
			b.ReportMetric(hygienetest.PeakRSSMiB(), "peak-MiB")
		})
	}
}
