package eval_test

import (
	"fmt"

	"rolemine/eval"
)

func ExampleROCAUC() {
	scores := []float64{0.1, 0.4, 0.35, 0.8}
	approved := []bool{false, false, true, true}
	auc, err := eval.ROCAUC(scores, approved)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("roc auc %.2f\n", auc)
	// Output:
	// roc auc 0.75
}

func ExampleClopperPearsonLower() {
	// 299 auto-approved held-out requests, all of which a human approved,
	// are the fewest that bound precision at 0.99 with 95 % confidence.
	fmt.Printf("%.6f\n", eval.ClopperPearsonLower(298, 298, 0.95))
	fmt.Printf("%.6f\n", eval.ClopperPearsonLower(299, 299, 0.95))
	// Output:
	// 0.989998
	// 0.990031
}

func ExampleSelectThresholds() {
	// Held-out (out-of-fold, calibrated) scores of one risk tier: 400
	// requests scored 0.97, all approved; 100 scored 0.6, half approved.
	var scores []float64
	var approved []bool
	for i := range 500 {
		if i < 400 {
			scores, approved = append(scores, 0.97), append(approved, true)
		} else {
			scores, approved = append(scores, 0.6), append(approved, i%2 == 0)
		}
	}
	groups := make([]string, len(scores))
	for i := range groups {
		groups[i] = "low-risk"
	}
	policy, err := eval.SelectThresholds(scores, approved, groups, eval.DefaultThresholdOptions)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, t := range policy.Thresholds {
		fmt.Printf("%s: auto-approve at ≥ %.2f: %d of %d, precision %.3f (≥ %.4f at 95 %%), coverage %.0f %%\n",
			t.Group, t.Value, t.Approved, t.N, t.Precision, t.Lower, 100*t.Coverage)
	}
	fmt.Println(policy.Approve("low-risk", 0.98), policy.Approve("high-risk", 0.99))
	// Output:
	// low-risk: auto-approve at ≥ 0.97: 400 of 500, precision 1.000 (≥ 0.9925 at 95 %), coverage 80 %
	// true false
}

func ExampleFitIsotonic() {
	raw := []float64{-2, -1, 0, 1, 2, 3}
	approved := []bool{false, true, false, true, true, true}
	// Blocks: {−2} at 0, {−1, 0} at 0.5 (centroid −0.5), {1, 2, 3} at 1
	// (centroid 2); between centroids the map interpolates.
	c, err := eval.FitIsotonic(raw, approved)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range []float64{-2, 0, 2.5} {
		fmt.Printf("raw %4.1f → %.2f\n", s, c.Prob(s))
	}
	// Output:
	// raw -2.0 → 0.00
	// raw  0.0 → 0.60
	// raw  2.5 → 1.00
}
