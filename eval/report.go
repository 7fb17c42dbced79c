package eval

import (
	"errors"
	"fmt"
)

// Options are the settings of Evaluate.
type Options struct {
	// Bins is the number of equal-width reliability bins. At least 1.
	Bins int
}

// DefaultOptions use ten reliability bins.
var DefaultOptions = Options{Bins: 10}

// Summary holds every metric of one population of held-out decisions.
// Metrics that are undefined for it (one class only) are NaN and reported
// as warnings.
type Summary struct {
	Group string
	// N decisions, Approved of them by humans.
	N, Approved int
	ROCAUC      float64
	// PRAUC is the average precision of the approved class, PRAUCDenied
	// that of the denied class (scores negated), the harder of the two
	// when approvals dominate.
	PRAUC, PRAUCDenied float64
	Brier              float64
	ECE                float64
	Reliability        []Bin
	Sweep              []Point
}

// Report is the outcome of Evaluate.
type Report struct {
	Overall  Summary
	Groups   []Summary // sorted by Group; empty when no groups were given
	Warnings []Warning
}

// Evaluate computes a Summary of all rows and one per group. probs must be
// calibrated probabilities in [0, 1] (Brier and ECE need them); groups may be
// nil.
//
// It returns an error naming the first score that is not a probability. It
// panics if the slices are not parallel or opts.Bins < 1.
func Evaluate(probs []float64, labels []bool, groups []string, opts Options) (*Report, error) {
	checkLen(probs, labels)
	if groups != nil && len(groups) != len(probs) {
		panic(fmt.Sprintf("eval: %d scores but %d groups", len(probs), len(groups)))
	}
	if opts.Bins < 1 {
		panic(fmt.Sprintf("eval: %d reliability bins", opts.Bins))
	}
	if err := checkProbs(probs); err != nil {
		return nil, err
	}
	r := &Report{}
	r.Overall, r.Warnings = summarise("", probs, labels, opts, r.Warnings)
	if groups != nil {
		for _, g := range partition(groups, len(probs)) {
			p, l := gather(probs, labels, g.rows)
			var s Summary
			s, r.Warnings = summarise(g.name, p, l, opts, r.Warnings)
			r.Groups = append(r.Groups, s)
		}
	}
	return r, nil
}

func summarise(group string, probs []float64, labels []bool, opts Options, ws []Warning) (Summary, []Warning) {
	s := Summary{Group: group, N: len(probs)}
	for _, l := range labels {
		if l {
			s.Approved++
		}
	}
	warn := func(metric string, err error) {
		if errors.Is(err, ErrOneClass) {
			ws = append(ws, Warning{Group: group, Message: fmt.Sprintf("%s undefined: %d decisions, %d approved", metric, s.N, s.Approved)})
		}
	}
	var err error
	s.ROCAUC, err = ROCAUC(probs, labels)
	warn("roc auc", err)
	s.PRAUC, err = AveragePrecision(probs, labels)
	warn("pr auc", err)
	neg := make([]float64, len(probs))
	den := make([]bool, len(labels))
	for i := range probs {
		neg[i], den[i] = -probs[i], !labels[i]
	}
	s.PRAUCDenied, err = AveragePrecision(neg, den)
	warn("pr auc of denials", err)
	s.Brier, _ = Brier(probs, labels)
	s.Reliability, s.ECE, _ = Reliability(probs, labels, opts.Bins)
	s.Sweep, _ = Sweep(probs, labels)
	return s, ws
}
