package main

import (
	"bytes"
	"context"
	"flag"
	"io"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"rolemine/datasets/synth"
)

// hygieneBenchDB, when set, is an ingested database that
// BenchmarkHygieneReview copies and uses instead of generating the
// enterprises, e.g. -hygiene-db /tmp/big100k.duckdb to profile one size.
var hygieneBenchDB = flag.String("hygiene-db", "", "database for BenchmarkHygieneReview instead of generated enterprises")

// BenchmarkHygieneReview measures the issue 15 target end to end: rolemine
// hygiene and then rolemine review (packets, replay, storing) on a
// generated enterprise, loading from DuckDB each time. Each command runs
// as a process of its own, as in the nightly batch, so that its peak RSS
// (hygiene-MiB, review-MiB) is its own (though never below the RSS of the
// benchmark process, which Linux counts for a child it starts); hygiene-s
// and review-s are their wall times. At 1,000,000 identities the pair should take about four
// minutes and each stay well under 16 GiB. Each size generates and
// ingests its enterprise first (about a minute at 100k), outside the
// timer.
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
			var hygiene, review commandCost
			for b.Loop() {
				hygiene.add(b, "hygiene", "--db", db, "--out", filepath.Join(work, "hygiene"))
				review.add(b, "review", "--db", db, "--out", filepath.Join(work, "review"))
			}
			hygiene.report(b, "hygiene")
			review.report(b, "review")
		})
	}
}

// commandCost sums the wall time and keeps the highest peak RSS of runs
// of one command as a process of its own.
type commandCost struct {
	runs    int
	elapsed time.Duration
	peak    int64 // bytes
}

// add runs rolemine with args in a process of its own.
func (c *commandCost) add(b *testing.B, args ...string) {
	var out bytes.Buffer
	cmd := rolemineProcess(args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Run(); err != nil {
		b.Fatalf("rolemine %v: %v\n%s", args, err, out.String())
	}
	c.runs++
	c.elapsed += time.Since(start)
	c.peak = max(c.peak, cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss<<10)
}

func (c *commandCost) report(b *testing.B, name string) {
	b.ReportMetric(c.elapsed.Seconds()/float64(c.runs), name+"-s")
	b.ReportMetric(float64(c.peak)/(1<<20), name+"-MiB")
}

func benchRun(b *testing.B, ctx context.Context, args ...string) {
	var stderr bytes.Buffer
	if err := run(ctx, args, io.Discard, &stderr); err != nil {
		b.Fatalf("rolemine %v: %v\n%s", args, err, stderr.String())
	}
}
