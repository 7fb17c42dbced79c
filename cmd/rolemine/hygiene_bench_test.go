package main

import (
	"bytes"
	"context"
	"flag"
	"io"
	"path/filepath"
	"testing"

	"rolemine/datasets/synth"
)

// hygieneBenchDB, when set, is an ingested database that
// BenchmarkHygieneReview copies and uses instead of generating the
// enterprises, e.g. -hygiene-db /tmp/big100k.duckdb to profile one size.
var hygieneBenchDB = flag.String("hygiene-db", "", "database for BenchmarkHygieneReview instead of generated enterprises")

// BenchmarkHygieneReview measures the issue 6 target end to end: rolemine
// hygiene and then rolemine review (packets, replay, storing) on a
// generated enterprise, loading from DuckDB each time. At 100k (100,000
// identities, 20,000 entitlements, about 5 million assignments) the pair
// should take under a minute on two cores. Each size generates and ingests
// its enterprise first (about a minute at 100k), outside the timer.
func BenchmarkHygieneReview(b *testing.B) {
	if testing.Short() {
		b.Skip("generates and ingests enterprises of up to 100,000 identities")
	}
	sizes := []struct {
		name                     string
		identities, entitlements int
	}{{"3k", 3_000, 600}, {"20k", 20_000, 4_000}, {"100k", 100_000, 20_000}}
	if *hygieneBenchDB != "" {
		sizes = sizes[:1]
		sizes[0].name = filepath.Base(*hygieneBenchDB)
	}
	ctx := context.Background()
	for _, size := range sizes {
		b.Run(size.name, func(b *testing.B) {
			work := b.TempDir()
			db := filepath.Join(work, "db.duckdb")
			if *hygieneBenchDB != "" {
				copyInto(b, *hygieneBenchDB, db)
			} else {
				opts := synth.DefaultOptions
				opts.Identities, opts.Entitlements, opts.Seed = size.identities, size.entitlements, 1
				if _, err := synth.Generate(opts, filepath.Join(work, "org")); err != nil {
					b.Fatal(err)
				}
				benchRun(b, ctx, "ingest", "--db", db, filepath.Join(work, "org"))
			}
			b.ReportAllocs()
			for b.Loop() {
				benchRun(b, ctx, "hygiene", "--db", db, "--out", filepath.Join(work, "hygiene"))
				benchRun(b, ctx, "review", "--db", db, "--out", filepath.Join(work, "review"))
			}
			b.ReportMetric(peakRSSMiB(), "peak-MiB")
		})
	}
}

func benchRun(b *testing.B, ctx context.Context, args ...string) {
	var stderr bytes.Buffer
	if err := run(ctx, args, io.Discard, &stderr); err != nil {
		b.Fatalf("rolemine %v: %v\n%s", args, err, stderr.String())
	}
}
