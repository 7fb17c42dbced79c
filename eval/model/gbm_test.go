package model

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"rolemine/eval"
)

func TestBinner(t *testing.T) {
	for _, c := range []struct {
		name string
		col  []float64
		bins int
		want []float64
	}{
		// Few distinct values: a cut halfway between neighbours.
		{"distinct", []float64{3, 1, 2, 1, 3}, 8, []float64{1.5, 2.5}},
		{"constant", []float64{4, 4, 4}, 8, nil},
		// Many values: equal-frequency cuts, at most bins−1 of them.
		{"quantiles", []float64{0, 1, 2, 3, 4, 5, 6, 7}, 4, []float64{1.5, 3.5, 5.5}},
		// A heavy value is not split.
		{"heavy", []float64{0, 0, 0, 0, 0, 0, 1, 2}, 4, []float64{0.5, 1.5}},
	} {
		b := newBinner(c.col, 1, c.bins)
		if diff := cmp.Diff(c.want, b.cuts[0]); diff != "" {
			t.Errorf("%s: cuts (-want +got):\n%s", c.name, diff)
		}
		// bin ≤ k exactly when the value is at most cuts[k].
		bins := b.bin(c.col, 1)[0]
		for i, v := range c.col {
			for k, cut := range b.cuts[0] {
				if (int(bins[i]) <= k) != (v <= cut) {
					t.Errorf("%s: value %v in bin %d, cut %d at %v", c.name, v, bins[i], k, cut)
				}
			}
		}
	}
}

// xorData returns n rows of two uniform features and a noise feature; the
// label is the exclusive or of the first two halves, flipped with
// probability noise, so the Bayes accuracy is 1 − noise.
func xorData(n int, noise float64, src rand.Source) (x, y []float64) {
	rng := rand.New(src)
	x = make([]float64, 3*n)
	y = make([]float64, n)
	for i := range n {
		a, b := rng.Float64(), rng.Float64()
		x[3*i], x[3*i+1], x[3*i+2] = a, b, rng.Float64()
		if (a > 0.5) != (b > 0.5) {
			y[i] = 1
		}
		if rng.Float64() < noise {
			y[i] = 1 - y[i]
		}
	}
	return x, y
}

func TestForestXOR(t *testing.T) {
	const noise = 0.1
	x, y := xorData(4000, noise, rand.NewPCG(1, 1))
	o := DefaultBoost
	o.Trees, o.LearningRate, o.MaxDepth, o.ColSample = 100, 0.1, 3, 1
	f := fitForest(x, 3, y, o, rand.NewPCG(2, 2))
	tx, ty := xorData(2000, noise, rand.NewPCG(3, 3))
	correct := 0
	dst := make([]float64, 3)
	for i := range ty {
		row := tx[3*i : 3*i+3]
		z := f.predict(row)
		if (z > 0) == (ty[i] == 1) {
			correct++
		}
		// The decomposition adds up to the prediction.
		clear(dst)
		rest := f.contributeTo(dst, row)
		if sum := rest + dst[0] + dst[1] + dst[2]; math.Abs(sum-z) > 1e-9 {
			t.Fatalf("row %d: contributions sum to %v, prediction %v", i, sum, z)
		}
	}
	// Each half of the first feature holds both labels equally, so no
	// single split helps: the trees must find the interaction. Within
	// 0.03 of the Bayes accuracy.
	if acc := float64(correct) / float64(len(ty)); acc < 1-noise-0.03 {
		t.Errorf("held-out accuracy %.3f, Bayes %.3f", acc, 1-noise)
	}
	var used []int
	need := make([]bool, 3)
	f.uses(need)
	for j, u := range need {
		if u {
			used = append(used, j)
		}
	}
	if !slices.Contains(used, 0) || !slices.Contains(used, 1) {
		t.Errorf("features used %v, want 0 and 1", used)
	}
}

func TestForestDeterministic(t *testing.T) {
	x, y := xorData(1000, 0.2, rand.NewPCG(4, 4))
	o := DefaultBoost
	o.Trees, o.Holdout, o.Patience, o.Bags = 40, 0.2, 5, 2
	a := fitForest(x, 3, y, o, rand.NewPCG(5, 5))
	b := fitForest(x, 3, y, o, rand.NewPCG(5, 5))
	if diff := cmp.Diff(a, b, cmp.AllowUnexported(forest{}, node{})); diff != "" {
		t.Errorf("two fits differ (-a +b):\n%s", diff)
	}
	if len(a.roots) == 0 || len(a.roots) > 2*o.Trees*2 {
		t.Errorf("%d trees", len(a.roots))
	}
}

// predictBlock gives exactly predict's log-odds for every row, whatever the
// block size, including rows with a NaN signal.
func TestForestPredictBlock(t *testing.T) {
	x, y := xorData(500, 0.2, rand.NewPCG(6, 6))
	o := DefaultBoost
	o.Trees, o.MaxDepth, o.Bags = 30, 5, 2
	f := fitForest(x, 3, y, o, rand.NewPCG(7, 7))
	x[3*7+1] = math.NaN()
	for _, size := range []int{1, 7, 64} {
		block := make([]float64, size*4)
		z, at := make([]float64, size), make([]int32, size)
		for lo := 0; lo+size <= 500; lo += size {
			for r := range size {
				copy(block[r*4:r*4+3], x[(lo+r)*3:(lo+r+1)*3])
			}
			f.predictBlock(block, z, at)
			for r := range size {
				want := f.predict(x[(lo+r)*3 : (lo+r+1)*3])
				if math.Float64bits(z[r]) != math.Float64bits(want) {
					t.Fatalf("block of %d, row %d: %v, predict %v", size, lo+r, z[r], want)
				}
			}
		}
	}
}

// xorInstances returns requests whose approval depends on the exclusive or
// of two attributes (each value of either alone is approved half the time)
// plus a noise attribute; p is the true approval probability.
func xorInstances(n int, src rand.Source) ([]Instance, []float64) {
	rng := rand.New(src)
	xs := make([]Instance, n)
	ps := make([]float64, n)
	for i := range xs {
		a, b := rng.IntN(6), rng.IntN(6)
		p := 0.2
		if (a < 3) != (b < 3) {
			p = 0.95
		}
		xs[i] = Instance{
			Tokens: []string{fmt.Sprintf("A=%d", a), fmt.Sprintf("B=%d", b), fmt.Sprintf("C=%d", rng.IntN(20))},
			Label:  rng.Float64() < p,
		}
		ps[i] = p
	}
	return xs, ps
}

// TestBoostLearnsXOR checks that the trees learn an interaction that a
// regression over single tokens cannot: with Order 1 the trees see only
// per-attribute rates and counts, and must combine A's and B's.
func TestBoostLearnsXOR(t *testing.T) {
	xs, ps := xorInstances(5000, rand.NewPCG(6, 6))
	train, test := xs[:3000], xs[3000:]
	labels := labelsOf(test)
	oracle, err := eval.ROCAUC(ps[3000:], labels)
	if err != nil {
		t.Fatal(err)
	}
	tokens := Options{Lambda: 1, MaxIterations: 200}
	boosted := tokens
	boosted.RateSmoothing, boosted.RateFolds = 2, 5
	boosted.Boost = DefaultBoost
	boosted.Boost.Order = 1
	boosted.Boost.Weight = 0.9
	auc := map[string]float64{}
	for name, o := range map[string]Options{"tokens": tokens, "boosted": boosted} {
		m, err := Fit(train, o, rand.NewPCG(7, 7))
		if err != nil {
			t.Fatal(err)
		}
		if auc[name], err = eval.ROCAUC(m.ScoreTo(nil, test), labels); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("held-out auc: oracle %.4f, %v", oracle, auc)
	if auc["tokens"] > 0.6 {
		t.Errorf("tokens alone reach auc %.4f on an exclusive or", auc["tokens"])
	}
	if auc["boosted"] < oracle-0.02 {
		t.Errorf("boosted auc %.4f, oracle %.4f", auc["boosted"], oracle)
	}
}

func TestBoostOptionsPanic(t *testing.T) {
	for _, c := range []struct {
		name string
		f    func(*Boost)
	}{
		{"weight 1", func(b *Boost) { b.Weight = 1 }},
		{"order 4", func(b *Boost) { b.Order = 4 }},
		{"bins 300", func(b *Boost) { b.Bins = 300 }},
		{"row sample 0", func(b *Boost) { b.RowSample = 0 }},
		{"no bags", func(b *Boost) { b.Bags = 0 }},
	} {
		func() {
			defer func() {
				if r := recover(); r == nil {
					t.Errorf("%s: no panic", c.name)
				}
			}()
			o := DefaultOptions
			c.f(&o.Boost)
			Fit(synthetic(10, rand.NewPCG(1, 1)), o, rand.NewPCG(1, 1))
		}()
	}
}
