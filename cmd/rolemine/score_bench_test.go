package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"rolemine/datasets/synth"
	"rolemine/eval/score"
	"rolemine/features"
)

// BenchmarkScorePairs measures scoring 1,000,000 random (identity,
// entitlement) pairs of a generated organisation of 100,000 identities
// with a policy's model: binding the pairs to the matrix, computing every
// pair's peer, neighbour and role-fit signals, the model's score and the
// calibrated probability. Reading the pairs, fitting the model and the
// per-pair explanations are outside the timed loop (explanations:
// BenchmarkScorePairs/explain, per 10,000 pairs). The target:
// under 10 s for 1,000,000 pairs on 2 cores.
func BenchmarkScorePairs(b *testing.B) {
	if testing.Short() {
		b.Skip("large: generates and evaluates an organisation of 100,000 identities")
	}
	ctx := context.Background()
	work := b.TempDir()
	opts := synth.DefaultOptions
	opts.Identities, opts.Entitlements = 100000, 20000
	org, db, polPath := filepath.Join(work, "org"), filepath.Join(work, "db.duckdb"), filepath.Join(work, "policy.json")
	if _, err := synth.Generate(opts, org); err != nil {
		b.Fatal(err)
	}
	benchRun(b, ctx, "ingest", "--db", db, org)
	benchRun(b, ctx, "evaluate", "--db", db, "--policy-out", polPath)
	store, pol, err := openWithPolicy(ctx, openReadOnly, "score", db, polPath, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	s, err := loadScorer(ctx, &env{stdout: io.Discard, stderr: io.Discard}, store, pol)
	if err != nil {
		b.Fatal(err)
	}
	const n = 1_000_000
	pairs := filepath.Join(work, "pairs.csv")
	writePairs(b, pairs, s.data.m, n)
	reqs, err := readPairs(ctx, store, pairs, pol.DefaultRisk)
	if err != nil {
		b.Fatal(err)
	}
	probs := make([]float64, n)
	b.Run("score", func(b *testing.B) {
		raw := make([]float64, n)
		var featurize, model time.Duration
		for b.Loop() {
			start := time.Now()
			s.feat.Bind(reqs)
			xs := s.feat.Instances(reqs, func(int) int64 { return features.Now })
			featurize += time.Since(start)
			start = time.Now()
			s.model.ScoreTo(raw, xs)
			for k, r := range raw {
				probs[k] = pol.Probability(r)
			}
			model += time.Since(start)
		}
		b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "pairs/s")
		b.ReportMetric(featurize.Seconds()/float64(b.N), "signals-s/op")
		b.ReportMetric(model.Seconds()/float64(b.N), "model-s/op")
	})
	b.Run("explain", func(b *testing.B) {
		few := reqs[:10_000]
		s.feat.Bind(few)
		xs := s.feat.Instances(few, func(int) int64 { return features.Now })
		lastUse, err := loadLastUse(ctx, store, few)
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			for k, r := range few {
				s.evidence(s.model.Explain(xs[k], score.ReasonsPerScore).Reasons, r, lastUse)
			}
		}
		b.ReportMetric(float64(len(few))*float64(b.N)/b.Elapsed().Seconds(), "pairs/s")
	})
}

// writePairs writes n random identity_id,entitlement_id pairs of m.
func writePairs(b *testing.B, path string, m *features.Matrix, n int) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "identity_id,entitlement_id")
	rng := rand.New(rand.NewPCG(9, 9))
	for range n {
		fmt.Fprintf(w, "%s,%s\n", m.RowID(rng.IntN(m.Rows())), m.ColID(rng.IntN(m.Cols())))
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
}
