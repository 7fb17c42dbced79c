package model_test

import (
	"fmt"
	"math/rand/v2"

	"rolemine/eval"
	"rolemine/eval/model"
)

// Example trains on past decisions, calibrates out-of-fold scores, chooses
// an auto-approval threshold and explains a pending request.
func Example() {
	rng := rand.New(rand.NewPCG(1, 1))
	var past []model.Instance
	for range 5000 {
		res, dept := rng.IntN(20), rng.IntN(5)
		p := 0.7
		if res%5 == dept {
			p = 1
		}
		past = append(past, model.Instance{
			Tokens: []string{fmt.Sprintf("RESOURCE=%d", res), fmt.Sprintf("DEPT=%d", dept)},
			Label:  rng.Float64() < p,
		})
	}
	labels := make([]bool, len(past))
	for i, x := range past {
		labels[i] = x.Label
	}
	splits := eval.StratifiedKFold(labels, 5, rand.NewPCG(2, 2))
	oof, err := model.CrossValidate(past, splits, model.DefaultOptions, rand.NewPCG(3, 3))
	if err != nil {
		fmt.Println(err)
		return
	}
	cal, _ := eval.FitIsotonic(oof, labels)
	policy, _ := eval.SelectThresholds(eval.ProbTo(nil, cal, oof), labels, nil, eval.DefaultThresholdOptions)
	m, err := model.Fit(past, model.DefaultOptions, rand.NewPCG(4, 4))
	if err != nil {
		fmt.Println(err)
		return
	}
	req := model.Instance{Tokens: []string{"RESOURCE=7", "DEPT=2"}}
	conf := cal.Prob(m.Score(req))
	th, _ := policy.Threshold("")
	fmt.Printf("threshold %.3f: %.0f %% of past requests, precision ≥ %.4f\n", th.Value, 100*th.Coverage, th.Lower)
	fmt.Printf("confidence %.3f, auto-approve %v\n", conf, policy.Approve("", conf))
	for _, r := range m.Explain(req, 3).Reasons {
		fmt.Printf("%+.2f %s\n", r.Contribution, r.Text)
	}
	// Output:
	// threshold 0.783: 20 % of past requests, precision ≥ 0.9922
	// confidence 0.988, auto-approve true
	// +1.85 RESOURCE=7 × DEPT=2: 47 of 47 past requests approved
	// -0.06 RESOURCE=7: 197 of 253 past requests approved
	// +0.00 DEPT=2: 727 of 968 past requests approved
}

// ExampleModel_MarshalBinary stores a fitted model and reads it back: the
// model read scores exactly as the one stored, so a stored model need not
// be refitted.
func ExampleModel_MarshalBinary() {
	rng := rand.New(rand.NewPCG(1, 1))
	var past []model.Instance
	for range 2000 {
		res, dept := rng.IntN(20), rng.IntN(5)
		past = append(past, model.Instance{
			Tokens: []string{fmt.Sprintf("RESOURCE=%d", res), fmt.Sprintf("DEPT=%d", dept)},
			Label:  res%5 == dept || rng.Float64() < 0.7,
		})
	}
	m, err := model.Fit(past, model.DefaultOptions, rand.NewPCG(4, 4))
	if err != nil {
		fmt.Println(err)
		return
	}
	data, _ := m.MarshalBinary()
	var stored model.Model
	if err := stored.UnmarshalBinary(data); err != nil {
		fmt.Println(err)
		return
	}
	req := model.Instance{Tokens: []string{"RESOURCE=7", "DEPT=2"}}
	fmt.Println(stored.Score(req) == m.Score(req))
	// Output:
	// true
}
