package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"rolemine/datasets/synth"
)

// BenchmarkNightlyRun measures rolemine run on a generated organisation,
// run as a separate process so its peak resident memory is its own: the
// first night (ingest of the whole organisation, mining, evaluation with a
// new policy, triage, outcomes, report) and a following night (the whole
// extract loaded again with the reviewers' verdicts on the first night,
// roles matched to the first night's, the policy not yet due, triage with
// the model refitted, outcomes judged). The target: 100,000
// identities and 5,000,000 assignments in under 3 minutes and 4 GiB on 2
// cores.
func BenchmarkNightlyRun(b *testing.B) {
	if testing.Short() {
		b.Skip("large: generates organisations of up to 100,000 identities")
	}
	for _, size := range []struct{ identities, entitlements int }{{20000, 5000}, {100000, 20000}} {
		work := b.TempDir()
		opts := synth.DefaultOptions
		opts.Identities, opts.Entitlements = size.identities, size.entitlements
		org := filepath.Join(work, "org")
		stats, err := synth.Generate(opts, org)
		if err != nil {
			b.Fatal(err)
		}
		assignments := float64(stats.Rows(synth.AssignmentsFile))
		first, next := filepath.Join(work, "first"), filepath.Join(work, "next")
		copyDir(b, org, first)
		copyDir(b, org, next)
		name := fmt.Sprintf("identities=%d", size.identities)
		b.Run(name+"/night=first", func(b *testing.B) {
			var peak int64
			for b.Loop() {
				dir := b.TempDir()
				peak = max(peak, nightlyRun(b, filepath.Join(dir, "db.duckdb"), first, filepath.Join(dir, "out"), "2026-11-29"))
			}
			b.ReportMetric(assignments*float64(b.N)/b.Elapsed().Seconds(), "assignments/s")
			b.ReportMetric(float64(peak)/1024, "peak-MiB")
		})
		b.Run(name+"/night=next", func(b *testing.B) {
			base := b.TempDir()
			nightlyRun(b, filepath.Join(base, "db.duckdb"), first, filepath.Join(base, "out"), "2026-11-29")
			benchRun(b, b.Context(), "simulate", "--db", filepath.Join(base, "db.duckdb"), "--org", org, "--out", filepath.Join(next, "outcomes.csv"))
			var peak int64
			for b.Loop() {
				b.StopTimer()
				dir := b.TempDir()
				copyInto(b, filepath.Join(base, "db.duckdb"), filepath.Join(dir, "db.duckdb"))
				copyDir(b, filepath.Join(base, "out", "policies"), filepath.Join(dir, "out", "policies"))
				b.StartTimer()
				peak = max(peak, nightlyRun(b, filepath.Join(dir, "db.duckdb"), next, filepath.Join(dir, "out"), "2026-11-30"))
			}
			b.ReportMetric(assignments*float64(b.N)/b.Elapsed().Seconds(), "assignments/s")
			b.ReportMetric(float64(peak)/1024, "peak-MiB")
		})
		os.RemoveAll(work)
	}
}

// nightlyRun runs one batch in a subprocess, logs its stage lines and
// returns its peak resident memory in KiB.
func nightlyRun(b *testing.B, db, input, out, asOf string) int64 {
	b.Helper()
	cmd := rolemineProcess("run", "--db", db, "--input", input, "--out", out, "--as-of", asOf)
	output, err := cmd.CombinedOutput()
	if err != nil {
		b.Fatalf("rolemine run: %v\n%s", err, output)
	}
	for _, line := range strings.Split(string(output), "\n") {
		if strings.HasPrefix(line, "== stage") {
			b.Log(line)
		}
	}
	return cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss
}
