package mining

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"

	"rolemine/datasets/synth"
)

// miningSizes are the enterprises of the scale benchmarks, as
// IDENTITIESxENTITLEMENTS, with synth's defaults (5 % noise) otherwise. The
// largest default has about 5 million assignments; make bench-1m sets
// 1000000x100000 (about 52 million).
var miningSizes = flag.String("mining-sizes", "10000x3000,30000x6000,100000x20000",
	"enterprises of the synthetic mining benchmarks, IDENTITIESxENTITLEMENTS, comma-separated")

type benchSize struct{ identities, entitlements int }

// benchSizes parses -mining-sizes.
func benchSizes(b *testing.B) []benchSize {
	var sizes []benchSize
	for _, spec := range strings.Split(*miningSizes, ",") {
		var s benchSize
		if _, err := fmt.Sscanf(spec, "%dx%d", &s.identities, &s.entitlements); err != nil {
			b.Fatalf("-mining-sizes %q: want IDENTITIESxENTITLEMENTS", spec)
		}
		sizes = append(sizes, s)
	}
	return sizes
}

// benchOrg keeps the last enterprise generated, so that the methods share
// it and only one is held in memory.
var benchOrg struct {
	identities int
	org        *synthOrg
}

func benchSynth(b *testing.B, identities, entitlements int) *synthOrg {
	if identities >= 100_000 && testing.Short() {
		b.Skip("100,000 identities skipped with -short")
	}
	if benchOrg.identities != identities {
		benchOrg.org = nil
		runtime.GC()
		opts := synth.DefaultOptions
		opts.Identities, opts.Entitlements = identities, entitlements
		benchOrg.identities, benchOrg.org = identities, generateSynth(b, opts)
	}
	return benchOrg.org
}

// BenchmarkApproxSynth mines the synthetic enterprise at 10k, 30k and 100k
// identities and reports, besides time, the roles mined, the share of the
// assignments covered, the share of planted roles recovered with Jaccard
// ≥ 0.9, and the peak resident memory of the process while mining (the
// matrix included; Linux only). Run it alone for the memory figure:
//
//	go test ./mining -run '^$' -bench 'ApproxSynth/identities=100000/method=cluster' -benchtime 1x
func BenchmarkApproxSynth(b *testing.B) {
	for _, size := range benchSizes(b) {
		for _, method := range []Method{Cluster, Asso} {
			b.Run(fmt.Sprintf("identities=%d/method=%s", size.identities, method), func(b *testing.B) {
				org := benchSynth(b, size.identities, size.entitlements)
				opts := DefaultApproxOptions
				opts.Method = method
				resetPeakRSS()
				b.ReportAllocs()
				var r *Result
				for b.Loop() {
					var err error
					if r, err = Approx(context.Background(), org.m, opts); err != nil {
						b.Fatal(err)
					}
				}
				reportMining(b, org, r)
			})
		}
	}
}

func reportMining(b *testing.B, org *synthOrg, r *Result) {
	mt := Measure(r)
	b.ReportMetric(float64(org.m.Rows())*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(mt.Roles), "roles")
	b.ReportMetric(float64(mt.PartialRoles), "partial-roles")
	b.ReportMetric(100*mt.Coverage, "coverage-%")
	b.ReportMetric(float64(mt.OverAssignments), "over-assigned")
	b.ReportMetric(100*float64(recoveredRoles(org, r.Roles))/float64(len(org.planted)), "recovered-%")
	if rss, ok := peakRSS(); ok {
		b.ReportMetric(float64(rss)/(1<<20), "peak-RSS-MiB")
	}
}

// BenchmarkExplainSynth explains the roles mined from the synthetic
// enterprise, reporting the share of base roles proposed for mapping.
func BenchmarkExplainSynth(b *testing.B) {
	for _, size := range benchSizes(b) {
		b.Run(fmt.Sprintf("identities=%d", size.identities), func(b *testing.B) {
			org := benchSynth(b, size.identities, size.entitlements)
			r, err := Approx(context.Background(), org.m, DefaultApproxOptions)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			var ex []Explanation
			for b.Loop() {
				ex = Explain(r, org.attrs, org.risk, DefaultExplainOptions)
			}
			base, mapped := 0, 0
			for _, e := range ex {
				if e.Parent == 0 {
					base++
					if e.Mapping {
						mapped++
					}
				}
			}
			b.ReportMetric(float64(len(r.Roles))*float64(b.N)/b.Elapsed().Seconds(), "roles/s")
			b.ReportMetric(100*float64(mapped)/float64(max(base, 1)), "mapped-%")
		})
	}
}

// resetPeakRSS returns what it can to the operating system and resets the
// process's peak resident set size (Linux: clear_refs 5), so that VmHWM
// then measures what follows.
func resetPeakRSS() {
	runtime.GC()
	debug.FreeOSMemory()
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// peakRSS returns VmHWM of the process in bytes, when /proc tells it.
func peakRSS() (int64, bool) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10, err == nil
		}
	}
	return 0, false
}

// BenchmarkGeneralisationSynth hides a tenth of each identity's access in
// the synthetic enterprise, mines the rest with the defaults and reports
// how well the roles predict what was hidden.
func BenchmarkGeneralisationSynth(b *testing.B) {
	for _, size := range benchSizes(b) {
		b.Run(fmt.Sprintf("identities=%d", size.identities), func(b *testing.B) {
			org := benchSynth(b, size.identities, size.entitlements)
			b.ReportAllocs()
			var g GeneralisationMetrics
			for b.Loop() {
				var err error
				g, err = Generalisation(context.Background(), org.m, org.attrs, approxMiner(DefaultApproxOptions), DefaultGeneralisationOptions, rand.NewPCG(1, 2))
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(100*g.Precision, "precision-%")
			b.ReportMetric(100*g.Recall, "recall-%")
			b.ReportMetric(100*g.RulePrecision, "rule-precision-%")
			b.ReportMetric(100*g.FitPrecision, "fit-precision-%")
		})
	}
}
