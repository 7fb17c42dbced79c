package main

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"rolemine/datasets"
)

// BenchmarkIngestAndMatrix measures the foundation's throughput target:
// loading an assignment CSV into a fresh DuckDB file and building the
// identity × entitlement matrix from it through Arrow. It reports
// assignments/s and the process's peak resident memory.
func BenchmarkIngestAndMatrix(b *testing.B) {
	for _, size := range []struct {
		name                 string
		identities, perIdent int
	}{{"500k", 10_000, 50}, {"5M", 100_000, 50}} {
		b.Run(size.name, func(b *testing.B) {
			dir := b.TempDir()
			csvPath := filepath.Join(dir, "assignments.csv")
			n := writeAssignments(b, csvPath, size.identities, size.perIdent, 20_000)
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				dbPath := filepath.Join(dir, "bench.duckdb")
				os.Remove(dbPath)
				store, err := datasets.Open(ctx, dbPath)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := store.Ingest(ctx, []datasets.Source{{Path: csvPath}}, datasets.DefaultIngestOptions); err != nil {
					b.Fatal(err)
				}
				m, err := loadMatrix(ctx, store)
				if err != nil {
					b.Fatal(err)
				}
				if m.NNZ() != n {
					b.Fatalf("matrix has %d cells, want %d", m.NNZ(), n)
				}
				store.Close()
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
			b.ReportMetric(peakRSSMiB(), "peak-MiB")
		})
	}
}

// writeAssignments writes identities × perIdent distinct assignments drawn
// from ents entitlements and returns how many it wrote.
func writeAssignments(b *testing.B, path string, identities, perIdent, ents int) int {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	rng := rand.New(rand.NewPCG(7, 7))
	w.WriteString("identity_id,entitlement_id,granted_at,source\n")
	n := 0
	for i := 0; i < identities; i++ {
		seen := map[int]bool{}
		for len(seen) < perIdent {
			e := rng.IntN(ents)
			if seen[e] {
				continue
			}
			seen[e] = true
			fmt.Fprintf(w, "id%06d,ent%05d,2024-01-%02d,role\n", i, e, 1+e%28)
			n++
		}
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	return n
}

// peakRSSMiB is the process's peak resident set size (VmHWM) in MiB, or 0
// where /proc is unavailable.
func peakRSSMiB() float64 {
	peak, _ := peakMemory()
	return float64(peak) / (1 << 20)
}
