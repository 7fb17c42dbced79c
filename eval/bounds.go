package eval

import (
	"fmt"

	"gonum.org/v1/gonum/stat/distuv"
)

func checkBinomial(k, n int, confidence float64) {
	if n < 0 || k < 0 || k > n {
		panic(fmt.Sprintf("eval: %d successes of %d trials", k, n))
	}
	if !(confidence > 0 && confidence < 1) {
		panic(fmt.Sprintf("eval: confidence %v outside (0, 1)", confidence))
	}
}

// ClopperPearsonLower returns the exact one-sided lower confidence bound for
// a binomial proportion after k successes in n trials: the p with
// P(X ≥ k | n, p) = 1 − confidence, i.e. the (1 − confidence) quantile of
// Beta(k, n − k + 1). It is 0 when k is 0 (and when n is 0).
//
// It panics unless 0 ≤ k ≤ n and 0 < confidence < 1.
func ClopperPearsonLower(k, n int, confidence float64) float64 {
	checkBinomial(k, n, confidence)
	if k == 0 {
		return 0
	}
	return distuv.Beta{Alpha: float64(k), Beta: float64(n - k + 1)}.Quantile(1 - confidence)
}

// ClopperPearsonUpper returns the exact one-sided upper confidence bound for
// a binomial proportion after k successes in n trials, the confidence
// quantile of Beta(k + 1, n − k). It is 1 when k equals n.
//
// It panics unless 0 ≤ k ≤ n and 0 < confidence < 1.
func ClopperPearsonUpper(k, n int, confidence float64) float64 {
	checkBinomial(k, n, confidence)
	if k == n {
		return 1
	}
	return distuv.Beta{Alpha: float64(k + 1), Beta: float64(n - k)}.Quantile(confidence)
}
