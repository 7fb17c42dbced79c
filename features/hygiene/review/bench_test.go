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
	hygienetest.BenchEach(b, func(b *testing.B, d *hygiene.Data) {
		dir := b.TempDir()
		items := 0
		for b.Loop() {
			rep := hygiene.Run(d, hygiene.DefaultOptions)
			c := review.Prepare(d, rep, review.DefaultOptions)
			if err := c.WriteDir(dir, review.RunReplay(d, review.DefaultOptions)); err != nil {
				b.Fatal(err)
			}
			items = c.Totals["items"]
			os.RemoveAll(dir)
		}
		hygienetest.ReportRate(b, items, "items/s")
		b.ReportMetric(hygienetest.PeakRSSMiB(), "peak-MiB")
	})
}

// BenchmarkRunReplay measures the replay of the past campaigns alone.
func BenchmarkRunReplay(b *testing.B) {
	hygienetest.BenchEach(b, func(b *testing.B, d *hygiene.Data) {
		items := 0
		for b.Loop() {
			items = review.RunReplay(d, review.DefaultOptions).Overall.Items
		}
		hygienetest.ReportRate(b, items, "items/s")
		b.ReportMetric(hygienetest.PeakRSSMiB(), "peak-MiB")
	})
}
