package eval

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"
)

// Split is one backtest fold: the rows to train on and the rows to score.
// Both are sorted ascending and disjoint.
type Split struct {
	Train, Test []int
}

// KFold shuffles rows 0…n−1 with src and deals them into k folds of sizes
// differing by at most one; the i-th Split tests on fold i and trains on the
// rest. It panics unless 2 ≤ k ≤ n.
func KFold(n, k int, src rand.Source) []Split {
	if k < 2 || k > n {
		panic(fmt.Sprintf("eval: %d folds of %d rows", k, n))
	}
	perm := rand.New(src).Perm(n)
	fold := make([]int, n)
	for i, r := range perm {
		fold[r] = i % k
	}
	return foldSplits(fold, k)
}

// StratifiedKFold is KFold dealing approved and denied rows separately, so
// every fold holds nearly the same share of each. It panics unless
// 2 ≤ k ≤ len(labels).
func StratifiedKFold(labels []bool, k int, src rand.Source) []Split {
	n := len(labels)
	if k < 2 || k > n {
		panic(fmt.Sprintf("eval: %d folds of %d rows", k, n))
	}
	rng := rand.New(src)
	var pos, neg []int
	for i, l := range labels {
		if l {
			pos = append(pos, i)
		} else {
			neg = append(neg, i)
		}
	}
	fold := make([]int, n)
	next := 0
	for _, rows := range [][]int{pos, neg} {
		rng.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
		for _, r := range rows {
			fold[r] = next % k
			next++
		}
	}
	return foldSplits(fold, k)
}

func foldSplits(fold []int, k int) []Split {
	splits := make([]Split, k)
	for r, f := range fold {
		for i := range splits {
			if i == f {
				splits[i].Test = append(splits[i].Test, r)
			} else {
				splits[i].Train = append(splits[i].Train, r)
			}
		}
	}
	return splits
}

// Cutoff trains on the rows decided before cutoff and tests on the rest.
func Cutoff(times []time.Time, cutoff time.Time) Split {
	var s Split
	for i, t := range times {
		if t.Before(cutoff) {
			s.Train = append(s.Train, i)
		} else {
			s.Test = append(s.Test, i)
		}
	}
	return s
}

// RollingOptions are the settings of Rolling.
type RollingOptions struct {
	// Train is the length of each training window; zero means an expanding
	// window from the earliest decision.
	Train time.Duration
	// Test is the length of each test window and Step the advance between
	// consecutive windows. Both must be positive.
	Test, Step time.Duration
	// MinTrain is the least number of training rows for a window to be
	// produced.
	MinTrain int
}

// DefaultRollingOptions test on 30-day windows every 30 days with an
// expanding training window of at least 1,000 decisions.
var DefaultRollingOptions = RollingOptions{
	Test:     30 * 24 * time.Hour,
	Step:     30 * 24 * time.Hour,
	MinTrain: 1000,
}

// Rolling returns train-before-test splits over time: the first test window
// starts at the earliest decision plus opts.Train (or at the first point
// where MinTrain decisions precede it, for an expanding window) and windows
// advance by opts.Step until the last decision. Training rows always precede
// the test window start. Windows with no test rows are skipped.
// It panics if Test or Step is not positive or Train is negative.
func Rolling(times []time.Time, opts RollingOptions) []Split {
	if opts.Test <= 0 || opts.Step <= 0 || opts.Train < 0 {
		panic(fmt.Sprintf("eval: rolling windows train %v test %v step %v", opts.Train, opts.Test, opts.Step))
	}
	if len(times) == 0 {
		return nil
	}
	first, last := slices.MinFunc(times, time.Time.Compare), slices.MaxFunc(times, time.Time.Compare)
	var splits []Split
	for start := first.Add(opts.Train); !start.After(last); start = start.Add(opts.Step) {
		end := start.Add(opts.Test)
		var s Split
		for i, t := range times {
			switch {
			case t.Before(start) && (opts.Train == 0 || !t.Before(start.Add(-opts.Train))):
				s.Train = append(s.Train, i)
			case !t.Before(start) && t.Before(end):
				s.Test = append(s.Test, i)
			}
		}
		if len(s.Train) >= max(opts.MinTrain, 1) && len(s.Test) > 0 {
			splits = append(splits, s)
		}
	}
	return splits
}
