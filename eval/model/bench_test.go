package model

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// nineTokens returns n requests with nine categorical attributes of
// realistic cardinality (like the Amazon sample), cycling through at most
// 50,000 distinct token lists to bound memory.
func nineTokens(n int, src rand.Source) []Instance {
	rng := rand.New(src)
	card := []int{5000, 3000, 120, 170, 440, 330, 2000, 70, 330}
	names := []string{"RESOURCE", "MGR_ID", "ROLLUP_1", "ROLLUP_2", "DEPT", "TITLE", "FAMILY_DESC", "FAMILY", "CODE"}
	distinct := min(n, 50000)
	pool := make([]Instance, distinct)
	for i := range pool {
		toks := make([]string, len(card))
		for j, c := range card {
			// Zipf-like: small ids are common.
			v := int(float64(c) * rng.Float64() * rng.Float64())
			toks[j] = fmt.Sprintf("%s=%d", names[j], v)
		}
		pool[i] = Instance{Tokens: toks, Label: rng.Float64() < 0.94}
	}
	xs := make([]Instance, n)
	for i := range xs {
		xs[i] = pool[i%distinct]
	}
	return xs
}

func BenchmarkFit(b *testing.B) {
	xs := nineTokens(20000, rand.NewPCG(1, 1))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Fit(xs, DefaultOptions, rand.NewPCG(2, 2)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(xs))*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkScoreTo(b *testing.B) {
	m, err := Fit(nineTokens(20000, rand.NewPCG(1, 1)), DefaultOptions, rand.NewPCG(2, 2))
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{10_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			xs := nineTokens(n, rand.NewPCG(3, 3))
			dst := make([]float64, n)
			b.ReportAllocs()
			for b.Loop() {
				m.ScoreTo(dst, xs)
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "pairs/s")
		})
	}
}
