package eval

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"
)

func TestClopperPearson(t *testing.T) {
	for _, test := range []struct {
		k, n   int
		conf   float64
		lo, hi float64
	}{
		// k = n: the lower bound solves p^n = 1 − conf.
		{k: 299, n: 299, conf: 0.95, lo: math.Pow(0.05, 1.0/299), hi: 1},
		{k: 10, n: 10, conf: 0.9, lo: math.Pow(0.1, 0.1), hi: 1},
		// k = 0: the upper bound solves (1 − p)^n = 1 − conf.
		{k: 0, n: 10, conf: 0.95, lo: 0, hi: 1 - math.Pow(0.05, 0.1)},
	} {
		lo := ClopperPearsonLower(test.k, test.n, test.conf)
		hi := ClopperPearsonUpper(test.k, test.n, test.conf)
		if math.Abs(lo-test.lo) > 1e-9 || math.Abs(hi-test.hi) > 1e-9 {
			t.Errorf("%d of %d at %v: [%v, %v], want [%v, %v]", test.k, test.n, test.conf, lo, hi, test.lo, test.hi)
		}
	}
}

// TestClopperPearsonTail checks the defining property against the binomial
// tail summed directly: P(X ≥ k | n, lower) = 1 − conf and
// P(X ≤ k | n, upper) = 1 − conf.
func TestClopperPearsonTail(t *testing.T) {
	for _, c := range [][2]int{{8, 10}, {195, 200}, {1, 3}, {990, 1000}} {
		k, n := c[0], c[1]
		lo := ClopperPearsonLower(k, n, 0.95)
		hi := ClopperPearsonUpper(k, n, 0.95)
		var geK, leK float64
		for x := 0; x <= n; x++ {
			if x >= k {
				geK += distuv.Binomial{N: float64(n), P: lo}.Prob(float64(x))
			}
			if x <= k {
				leK += distuv.Binomial{N: float64(n), P: hi}.Prob(float64(x))
			}
		}
		if math.Abs(geK-0.05) > 1e-6 || math.Abs(leK-0.05) > 1e-6 {
			t.Errorf("%d of %d: tails %v, %v, want 0.05", k, n, geK, leK)
		}
	}
}
