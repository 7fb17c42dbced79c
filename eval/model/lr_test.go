package model

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/optimize"
)

// fitLR's own gradient check stops every fit where gonum's
// GradientThreshold setting stops it, with the same weights: the fits are
// run with both, on problems that end by each kind of convergence and by
// the iteration limit.
func TestFitLRGradientCheck(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 9))
	for _, tc := range []struct {
		n, nf, nd int
		lambda    float64
		iters     int
	}{{400, 30, 3, 1, 200}, {2000, 200, 5, 0.1, 200}, {3000, 50, 2, 10, 200}, {1000, 100, 4, 0.01, 7}, {3000, 400, 1, 1e-9, 2000}, {500, 300, 1, 1e-12, 2000}} {
		rowPtr, cols, dense, y := randomLRProblem(rng, tc.n, tc.nf, tc.nd)
		opts := Options{Lambda: tc.lambda, MaxIterations: tc.iters}
		got, gotIters, gotConv, err := fitLR(rowPtr, cols, tc.nf, dense, tc.nd, y, opts)
		if err != nil {
			t.Fatal(err)
		}
		want := gonumGradientFit(t, rowPtr, cols, tc.nf, dense, tc.nd, y, opts)
		if !slices.Equal(got, want.X) || gotIters != want.Stats.MajorIterations {
			t.Errorf("n=%d nf=%d λ=%g: %d iterations, weights differ from gonum's check (%d iterations, %v)",
				tc.n, tc.nf, tc.lambda, gotIters, want.Stats.MajorIterations, want.Status)
		}
		t.Logf("n=%d: %v after %d iterations", tc.n, want.Status, want.Stats.MajorIterations)
		wantConv := want.Status == optimize.GradientThreshold || want.Status == optimize.FunctionConvergence
		if gotConv != wantConv {
			t.Errorf("n=%d nf=%d λ=%g: converged %v, gonum's check %v (%v)", tc.n, tc.nf, tc.lambda, gotConv, wantConv, want.Status)
		}
	}
}

// gonumGradientFit is fitLR as it was with gonum's GradientThreshold.
func gonumGradientFit(t *testing.T, rowPtr []int, cols []int32, nf int, dense []float64, nd int, y []float64, opts Options) *optimize.Result {
	o, w := startLR(rowPtr, cols, nf, dense, nd, y, opts)
	function := lrFunctionConverge()
	settings := &optimize.Settings{
		MajorIterations:   opts.MaxIterations,
		GradientThreshold: lrGradientThreshold(len(y)),
		Converger:         &function,
	}
	res, err := optimize.Minimize(optimize.Problem{Func: o.f, Grad: o.grad}, w, settings, &optimize.LBFGS{Store: 10})
	if res == nil {
		t.Fatal(err)
	}
	return res
}

// randomLRProblem draws n rows of 1–4 binary features among nf and nd
// dense signals, labelled by a noisy linear rule.
func randomLRProblem(rng *rand.Rand, n, nf, nd int) (rowPtr []int, cols []int32, dense, y []float64) {
	truth := make([]float64, nf+nd)
	for j := range truth {
		truth[j] = rng.NormFloat64()
	}
	rowPtr = []int{0}
	for range n {
		z := 0.0
		for range 1 + rng.IntN(4) {
			j := rng.IntN(nf)
			cols = append(cols, int32(j))
			z += truth[j]
		}
		for k := range nd {
			v := rng.NormFloat64()
			dense = append(dense, v)
			z += truth[nf+k] * v
		}
		rowPtr = append(rowPtr, len(cols))
		label := 0.0
		if rng.Float64() < 1/(1+math.Exp(-z)) {
			label = 1
		}
		y = append(y, label)
	}
	return rowPtr, cols, dense, y
}

func TestAllBelow(t *testing.T) {
	for _, tc := range []struct {
		g    []float64
		want bool
	}{{nil, true}, {[]float64{0.5, -0.9}, true}, {[]float64{0.5, -1}, false}, {[]float64{0.1, math.NaN()}, false}, {[]float64{math.Inf(-1)}, false}} {
		if got := allBelow(tc.g, 1); got != tc.want {
			t.Errorf("allBelow(%v, 1) = %v, want %v", tc.g, got, tc.want)
		}
	}
}
