package eval

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestIsotonic(t *testing.T) {
	// By hand: scores 1..4 with labels T F T T. Pool-adjacent-violators
	// merges {1, 2} (mean 0.5, centroid 1.5) and {3, 4} (mean 1, centroid
	// 3.5).
	c, err := FitIsotonic([]float64{3, 1, 4, 2}, []bool{true, true, true, false})
	if err != nil {
		t.Fatal(err)
	}
	want := &Isotonic{X: []float64{1.5, 3.5}, Y: []float64{0.5, 1}, N: []int{2, 2}}
	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("fit (-want +got):\n%s", diff)
	}
	for _, p := range []struct{ s, want float64 }{{0, 0.5}, {1.5, 0.5}, {2.5, 0.75}, {3.5, 1}, {9, 1}} {
		if got := c.Prob(p.s); math.Abs(got-p.want) > tol {
			t.Errorf("Prob(%v) = %v, want %v", p.s, got, p.want)
		}
	}
}

// TestIsotonicMonotone checks that the fitted map never decreases and
// reproduces the observed approval share overall.
func TestIsotonicMonotone(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	n := 2000
	scores := make([]float64, n)
	labels := make([]bool, n)
	var pos float64
	for i := range scores {
		scores[i] = rng.NormFloat64()
		labels[i] = rng.Float64() < 1/(1+math.Exp(-2*scores[i]))
		if labels[i] {
			pos++
		}
	}
	c, err := FitIsotonic(scores, labels)
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for i, y := range c.Y {
		if i > 0 && (y <= c.Y[i-1] || c.X[i] <= c.X[i-1]) {
			t.Fatalf("block %d not increasing", i)
		}
		sum += y * float64(c.N[i])
	}
	if math.Abs(sum-pos) > 1e-9 {
		t.Errorf("blocks hold %v approvals, data %v", sum, pos)
	}
}

func TestPlatt(t *testing.T) {
	// Labels drawn from P(approve | s) = σ(2s − 1): the fit must recover
	// A ≈ 2, B ≈ −1 within sampling error (n = 20000: ± 0.1).
	rng := rand.New(rand.NewPCG(4, 4))
	n := 20000
	scores := make([]float64, n)
	labels := make([]bool, n)
	for i := range scores {
		scores[i] = 2 * rng.NormFloat64()
		labels[i] = rng.Float64() < 1/(1+math.Exp(-(2*scores[i]-1)))
	}
	c, err := FitPlatt(scores, labels)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(c.A-2) > 0.1 || math.Abs(c.B+1) > 0.1 {
		t.Errorf("fit A %v B %v, want 2, −1", c.A, c.B)
	}
	if _, err := FitPlatt([]float64{math.Inf(1)}, []bool{true}); err == nil {
		t.Error("infinite score: no error")
	}
}
