package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"rolemine/datasets/synth"
)

// nightlySizes are the organisations of BenchmarkNightlyRun, as
// IDENTITIESxENTITLEMENTS; make bench-1m sets 1000000x100000.
var nightlySizes = flag.String("nightly", "20000x5000,100000x20000", "organisations of BenchmarkNightlyRun, IDENTITIESxENTITLEMENTS, comma-separated")

// BenchmarkNightlyRun measures the whole nightly batch on a generated
// organisation: rolemine run --with hygiene,review in a process of its
// own, each stage's peak resident memory its own (run resets the peak
// between stages).
// night=first is the first night (ingest of the whole organisation,
// mining, evaluation with a new policy, triage, outcomes, hygiene, review,
// report); night=next the following one, a day later on the generator's
// clock (hygiene and review measure ages from the newest time in the data), on an
// extract with 1 % of the assignments changed
// (half revoked, half new) and the reviewers' verdicts on the first night:
// roles matched to the first night's, the policy not yet due. Besides the
// time per batch it reports each stage's seconds and peak memory, as the
// README's scaling table shows them. Issue 15's targets at 1,000,000
// identities: the first night under 15 minutes and 16 GiB, the next under
// 8 minutes.
func BenchmarkNightlyRun(b *testing.B) {
	if testing.Short() {
		b.Skip("large: generates organisations of up to 100,000 identities")
	}
	for _, spec := range strings.Split(*nightlySizes, ",") {
		var identities, entitlements int
		if _, err := fmt.Sscanf(spec, "%dx%d", &identities, &entitlements); err != nil {
			b.Fatalf("-nightly %q: want IDENTITIESxENTITLEMENTS", spec)
		}
		work := b.TempDir()
		opts := synth.DefaultOptions
		opts.Identities, opts.Entitlements = identities, entitlements
		org := filepath.Join(work, "org")
		stats, err := synth.Generate(opts, org)
		if err != nil {
			b.Fatal(err)
		}
		assignments := float64(stats.Rows(synth.AssignmentsFile))
		name := fmt.Sprintf("identities=%d", identities)
		base := filepath.Join(work, "base")
		// The nights follow the generator's clock: the first is its "today",
		// the next a day later, with the changes made in between.
		first, next := opts.Now.Format(time.DateOnly), opts.Now.AddDate(0, 0, 1).Format(time.DateOnly)
		b.Run(name+"/night=first", func(b *testing.B) {
			var last nightly
			for b.Loop() {
				os.RemoveAll(base) // the last first night stays, for night=next
				last = runNightly(b, filepath.Join(base, "db.duckdb"), org, filepath.Join(base, "out"), first)
			}
			last.report(b, assignments)
			// The next night needs the database and the policies, not
			// the packets (about 25 GB at a million identities).
			packets, _ := filepath.Glob(filepath.Join(base, "out", "batches", "*", "review"))
			for _, dir := range packets {
				os.RemoveAll(dir)
			}
		})
		b.Run(name+"/night=next", func(b *testing.B) {
			nextOrg := filepath.Join(work, "next")
			copyDir(b, org, nextOrg)
			changeAssignments(b, org, nextOrg, opts.Now.Add(12*time.Hour))
			if _, err := os.Stat(filepath.Join(base, "db.duckdb")); err != nil {
				runNightly(b, filepath.Join(base, "db.duckdb"), org, filepath.Join(base, "out"), first)
			}
			benchRun(b, b.Context(), "simulate", "--db", filepath.Join(base, "db.duckdb"), "--org", org, "--out", filepath.Join(nextOrg, "outcomes.csv"))
			var last nightly
			for b.Loop() {
				b.StopTimer()
				dir := b.TempDir()
				copyInto(b, filepath.Join(base, "db.duckdb"), filepath.Join(dir, "db.duckdb"))
				copyDir(b, filepath.Join(base, "out", "policies"), filepath.Join(dir, "out", "policies"))
				b.StartTimer()
				last = runNightly(b, filepath.Join(dir, "db.duckdb"), nextOrg, filepath.Join(dir, "out"), next)
			}
			last.report(b, assignments)
		})
		os.RemoveAll(work)
	}
}

// nightly is what one batch cost: per stage, the seconds and peak bytes,
// in order.
type nightly struct {
	steps []nightlyStep
	peak  int64 // the largest peak of all stages
}

type nightlyStep struct {
	name    string
	seconds float64
	peak    int64
}

// runNightly runs rolemine run with hygiene and review (--with) in a
// subprocess, logs the stage lines and returns their costs.
func runNightly(b *testing.B, db, input, out, asOf string) nightly {
	b.Helper()
	cmd := rolemineProcess("run", "--db", db, "--input", input, "--out", out, "--as-of", asOf, "--with", "hygiene,review")
	output, err := cmd.CombinedOutput()
	if err != nil {
		b.Fatalf("rolemine run: %v\n%s", err, output)
	}
	// The process's own maximum is only that of the last stage: run's
	// reset of the peak between stages resets it too.
	n := nightly{peak: cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss << 10}
	for _, st := range stageTimes(string(output)) {
		b.Logf("stage %s: %.1f s, peak %.2f GiB", st.name, st.took.Seconds(), st.peakGiB)
		step := nightlyStep{st.name, st.took.Seconds(), int64(st.peakGiB * (1 << 30))}
		n.steps, n.peak = append(n.steps, step), max(n.peak, step.peak)
	}
	return n
}

// report adds the batch's throughput, overall peak, and each step's
// seconds and peak to the benchmark's metrics.
func (n nightly) report(b *testing.B, assignments float64) {
	b.ReportMetric(assignments*float64(b.N)/b.Elapsed().Seconds(), "assignments/s")
	b.ReportMetric(float64(n.peak)/(1<<20), "peak-MiB")
	for _, st := range n.steps {
		b.ReportMetric(st.seconds, st.name+"-s")
		b.ReportMetric(float64(st.peak)/(1<<20), st.name+"-peak-MiB")
	}
}

// changeAssignments writes into next a copy of org's assignments file
// with 1 % of its rows changed: every 200th row revoked (left out) and, at
// every 200th row at another offset, a new grant of that row's identity to
// an entitlement of the catalogue it does not hold, granted at the time
// given. The generator writes an identity's rows together, which is what
// lets one identity's entitlements be known when its new grant is chosen.
func changeAssignments(b *testing.B, org, next string, granted time.Time) {
	b.Helper()
	catalogue := firstColumn(b, filepath.Join(org, synth.EntitlementsFile))
	in, err := os.Open(filepath.Join(org, synth.AssignmentsFile))
	if err != nil {
		b.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(filepath.Join(next, synth.AssignmentsFile))
	if err != nil {
		b.Fatal(err)
	}
	defer out.Close()
	r := bufio.NewReaderSize(in, 1<<20)
	w := bufio.NewWriterSize(out, 1<<20)
	header, err := r.ReadString('\n')
	if err != nil {
		b.Fatal(err)
	}
	w.WriteString(header)
	var identity string
	held := map[string]bool{}
	grants, pick := 0, 0 // new grants owed to identity; catalogue position
	flush := func() {
		for ; grants > 0; grants-- {
			for held[catalogue[pick%len(catalogue)]] {
				pick++
			}
			ent := catalogue[pick%len(catalogue)]
			held[ent] = true
			fmt.Fprintf(w, "%s,%s,%s,direct,\n", identity, ent, granted.Format(time.DateTime))
			pick += 7919
		}
		clear(held)
	}
	for row := 0; ; row++ {
		line, err := r.ReadString('\n')
		if err == io.EOF {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
		fields := strings.SplitN(line, ",", 3)
		if fields[0] != identity {
			flush()
			identity = fields[0]
		}
		held[fields[1]] = true
		switch row % 200 {
		case 0:
			continue // revoked
		case 100:
			grants++
		}
		w.WriteString(line)
	}
	flush()
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
}

// firstColumn returns the first field of every data line of a CSV file.
func firstColumn(b *testing.B, path string) []string {
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n")[1:] {
		out = append(out, strings.SplitN(line, ",", 2)[0])
	}
	return out
}
