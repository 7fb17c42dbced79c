package main

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// amazonPending is how many pending requests BenchmarkTriageAmazon
// triages: the 13,000.
const amazonPending = 13000

// BenchmarkTriageAmazon measures a nightly triage of 13,000 pending
// requests of the Amazon shape with the model evaluate stored: loading the
// policy and its model, the requests and their facts, scoring, explaining
// and routing every request, and storing and writing the decisions. The
// history is the whole Amazon sample (19,725 decisions); the pending
// requests are its first 13,000 rows without ACTION, under new ids.
// Ingesting and evaluating are outside the timed loop. The target:
// under 5 s (it took about 30 s when triage refitted the model).
func BenchmarkTriageAmazon(b *testing.B) {
	if testing.Short() {
		b.Skip("slow: evaluates the Amazon sample before triaging")
	}
	if _, err := os.Stat(amazonFile); err != nil {
		b.Skipf("amazon sample not available: %v", err)
	}
	ctx := context.Background()
	work := b.TempDir()
	db, pol, pending := filepath.Join(work, "db.duckdb"), filepath.Join(work, "policy.json"), filepath.Join(work, "pending.csv")
	writeAmazonPending(b, pending, amazonPending)
	benchRun(b, ctx, "ingest", "--db", db, "--table", "requests", "--map", "entitlement_id=RESOURCE", "--map", "decision=ACTION",
		"--approved-values", "1", "--denied-values", "0", amazonFile)
	benchRun(b, ctx, "ingest", "--db", db, "--table", "requests", "--map", "entitlement_id=RESOURCE", pending)
	benchRun(b, ctx, "evaluate", "--db", db, "--default-risk", "low", "--policy-out", pol)
	out := filepath.Join(work, "triage")
	b.ReportAllocs()
	for b.Loop() {
		benchRun(b, ctx, "triage", "--db", db, "--policy", pol, "--out", out)
	}
	b.ReportMetric(float64(amazonPending)*float64(b.N)/b.Elapsed().Seconds(), "requests/s")
	b.ReportMetric(peakRSSMiB(), "peak-MiB")
}

// writeAmazonPending writes the first n rows of the Amazon sample as
// pending requests: without ACTION, each request id prefixed with "p".
func writeAmazonPending(b *testing.B, path string, n int) {
	f, err := os.Open(amazonFile)
	if err != nil {
		b.Fatal(err)
	}
	recs, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		b.Fatal(err)
	}
	action := slices.Index(recs[0], "ACTION")
	if action < 0 || len(recs) <= n {
		b.Fatalf("%s: %d rows, header %v: want more than %d rows and an ACTION column", amazonFile, len(recs)-1, recs[0], n)
	}
	out, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := csv.NewWriter(out)
	for k, r := range recs[:n+1] {
		r = slices.Delete(slices.Clone(r), action, action+1)
		if k > 0 {
			r[0] = "p" + r[0]
		}
		w.Write(r)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		b.Fatal(err)
	}
	if err := out.Close(); err != nil {
		b.Fatal(err)
	}
}
