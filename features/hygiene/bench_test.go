package hygiene_test

import (
	"testing"

	"rolemine/features/hygiene"
	"rolemine/features/hygiene/internal/hygienetest"
)

// BenchmarkRun runs every check.
func BenchmarkRun(b *testing.B) {
	hygienetest.BenchEach(b, func(b *testing.B, d *hygiene.Data) {
		for b.Loop() {
			hygiene.Run(d, hygiene.DefaultOptions)
		}
		hygienetest.ReportRate(b, len(d.Assignments), "assignments/s")
		b.ReportMetric(hygienetest.PeakRSSMiB(), "peak-MiB")
	})
}

// BenchmarkFindDuplicates measures duplicate detection alone.
func BenchmarkFindDuplicates(b *testing.B) {
	hygienetest.BenchEach(b, func(b *testing.B, d *hygiene.Data) {
		for b.Loop() {
			hygiene.FindDuplicates(d, hygiene.DefaultDuplicateOptions)
		}
		hygienetest.ReportRate(b, len(d.Identities), "identities/s")
	})
}

// BenchmarkComputePeers measures peer coverage alone.
func BenchmarkComputePeers(b *testing.B) {
	hygienetest.BenchEach(b, func(b *testing.B, d *hygiene.Data) {
		for b.Loop() {
			hygiene.ComputePeers(d, hygiene.DefaultOutlierOptions)
		}
		hygienetest.ReportRate(b, len(d.Assignments), "assignments/s")
	})
}
