package model

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"

	"rolemine/eval"
)

// CrossValidate fits one model per split on its Train rows and scores its
// Test rows, returning the raw out-of-fold score of every instance (NaN for
// rows in no Test set; a row in several Test sets keeps the last split's
// score). Splits are fitted concurrently on up to Options.Workers
// goroutines; the result does not depend on their number.
//
// It returns the first fit error, naming its split. It panics if a split
// names a row outside xs.
func CrossValidate(xs []Instance, splits []eval.Split, opts Options, src rand.Source) ([]float64, error) {
	oof, _, err := crossValidate(xs, splits, opts, src, 0)
	return oof, err
}

// CrossValidateExplain is CrossValidate that also returns, for every row in
// a Test set, the explanation of its held-out score with the k strongest
// reasons (see Explain), by the model that gave that score; the zero
// Explanation for rows in no Test set. The scores are those CrossValidate
// returns for the same arguments.
func CrossValidateExplain(xs []Instance, splits []eval.Split, opts Options, src rand.Source, k int) ([]float64, []Explanation, error) {
	if k < 1 {
		panic(fmt.Sprintf("model: explain %d reasons", k))
	}
	return crossValidate(xs, splits, opts, src, k)
}

// crossValidate implements CrossValidate, explaining each held-out score
// with its strongest reasons, as many as explain, when explain > 0.
func crossValidate(xs []Instance, splits []eval.Split, opts Options, src rand.Source, explain int) ([]float64, []Explanation, error) {
	opts.check()
	for k, s := range splits {
		for _, rows := range [][]int{s.Train, s.Test} {
			for _, r := range rows {
				if r < 0 || r >= len(xs) {
					panic(fmt.Sprintf("model: split %d names row %d of %d", k, r, len(xs)))
				}
			}
		}
	}
	scores := make([][]float64, len(splits))
	explained := make([][]Explanation, len(splits))
	errs := make([]error, len(splits))
	inner := opts
	inner.Workers = 1
	seeds := make([]uint64, len(splits))
	for k := range seeds {
		seeds[k] = src.Uint64()
	}
	fit := func(k int) {
		s := splits[k]
		train := make([]Instance, len(s.Train))
		for i, r := range s.Train {
			train[i] = xs[r]
		}
		m, err := Fit(train, inner, rand.NewPCG(seeds[k], uint64(k)))
		if err != nil {
			errs[k] = fmt.Errorf("model: split %d: %w", k, err)
			return
		}
		test := make([]Instance, len(s.Test))
		for i, r := range s.Test {
			test[i] = xs[r]
		}
		scores[k] = m.ScoreTo(nil, test)
		if explain > 0 {
			explained[k] = make([]Explanation, len(test))
			for i := range test {
				explained[k][i] = m.Explain(test[i], explain)
			}
		}
	}
	// The folds are fitted largest first, so that the workers finish
	// together when the folds differ in size (rolling windows); each has
	// its own seed, so the order does not change the scores.
	folds := make(chan int, len(splits))
	for _, k := range largestFirst(splits) {
		folds <- k
	}
	close(folds)
	var wg sync.WaitGroup
	for range min(opts.workers(), len(splits)) {
		wg.Go(func() {
			for k := range folds {
				fit(k)
			}
		})
	}
	wg.Wait()
	oof := make([]float64, len(xs))
	for i := range oof {
		oof[i] = math.NaN()
	}
	var why []Explanation
	if explain > 0 {
		why = make([]Explanation, len(xs))
	}
	for k, s := range splits {
		if errs[k] != nil {
			return nil, nil, errs[k]
		}
		for i, r := range s.Test {
			oof[r] = scores[k][i]
			if why != nil {
				why[r] = explained[k][i]
			}
		}
	}
	return oof, why, nil
}

// largestFirst returns the indices of splits by training size, largest
// first (ties in index order).
func largestFirst(splits []eval.Split) []int {
	order := make([]int, len(splits))
	for k := range order {
		order[k] = k
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(len(splits[b].Train), len(splits[a].Train)) })
	return order
}
