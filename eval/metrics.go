package eval

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// ErrOneClass is returned (wrapped) by metrics that need both approved and
// denied decisions when the labels hold only one of them.
var ErrOneClass = errors.New("labels hold a single class")

func checkLen(scores []float64, labels []bool) {
	if len(scores) != len(labels) {
		panic(fmt.Sprintf("eval: %d scores but %d labels", len(scores), len(labels)))
	}
}

// checkScores returns an error naming the first NaN score.
func checkScores(scores []float64) error {
	for i, s := range scores {
		if math.IsNaN(s) {
			return fmt.Errorf("eval: score %d is NaN", i)
		}
	}
	return nil
}

// checkProbs returns an error naming the first score outside [0, 1].
func checkProbs(scores []float64) error {
	for i, s := range scores {
		if !(s >= 0 && s <= 1) {
			return fmt.Errorf("eval: score %d is %v, not a probability in [0, 1]", i, s)
		}
	}
	return nil
}

// order returns the indices of scores sorted by descending score; ties keep
// index order so results are deterministic.
func order(scores []float64) []int {
	idx := make([]int, len(scores))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case scores[a] > scores[b]:
			return -1
		case scores[a] < scores[b]:
			return 1
		}
		return 0
	})
	return idx
}

// ROCAUC returns the area under the receiver operating characteristic curve:
// the probability that a randomly chosen approved request scores higher than
// a randomly chosen denied one, ties counting one half (the Mann–Whitney
// statistic; equal to the trapezoidal area under the ROC curve traced through
// every distinct score).
//
// It returns an error wrapping ErrOneClass if labels hold a single class and
// an error naming the index of a NaN score. It panics if the lengths differ.
func ROCAUC(scores []float64, labels []bool) (float64, error) {
	checkLen(scores, labels)
	if err := checkScores(scores); err != nil {
		return math.NaN(), err
	}
	idx := order(scores)
	var pos, neg, area float64
	// Walk tie blocks from the highest score down. Every denial in a block
	// is outranked by all approvals seen in earlier blocks and ties with the
	// block's own approvals.
	for i := 0; i < len(idx); {
		j := i
		var p, n float64
		for ; j < len(idx) && scores[idx[j]] == scores[idx[i]]; j++ {
			if labels[idx[j]] {
				p++
			} else {
				n++
			}
		}
		area += n * (pos + p/2)
		pos += p
		neg += n
		i = j
	}
	if pos == 0 || neg == 0 {
		return math.NaN(), fmt.Errorf("eval: roc auc of %d rows: %w", len(scores), ErrOneClass)
	}
	return area / (pos * neg), nil
}

// AveragePrecision returns the area under the precision–recall curve of the
// approved class as the step-wise sum Σ (Rₖ − Rₖ₋₁)·Pₖ over distinct score
// thresholds, highest first; tied scores enter together (as scikit-learn's
// average_precision_score). For the denied class pass negated scores and
// negated labels.
//
// It returns an error wrapping ErrOneClass if no request was approved, and an
// error naming the index of a NaN score. It panics if the lengths differ.
func AveragePrecision(scores []float64, labels []bool) (float64, error) {
	checkLen(scores, labels)
	if err := checkScores(scores); err != nil {
		return math.NaN(), err
	}
	var total float64
	for _, l := range labels {
		if l {
			total++
		}
	}
	if total == 0 {
		return math.NaN(), fmt.Errorf("eval: average precision of %d rows: no approvals: %w", len(scores), ErrOneClass)
	}
	idx := order(scores)
	var tp, n, ap float64
	for i := 0; i < len(idx); {
		j := i
		var p float64
		for ; j < len(idx) && scores[idx[j]] == scores[idx[i]]; j++ {
			if labels[idx[j]] {
				p++
			}
		}
		tp += p
		n += float64(j - i)
		ap += p / total * (tp / n)
		i = j
	}
	return ap, nil
}

// Brier returns the mean squared difference between the predicted
// probability of approval and the outcome (1 approved, 0 denied).
//
// It returns an error naming the first score outside [0, 1] and NaN for
// empty input. It panics if the lengths differ.
func Brier(probs []float64, labels []bool) (float64, error) {
	checkLen(probs, labels)
	if err := checkProbs(probs); err != nil {
		return math.NaN(), err
	}
	if len(probs) == 0 {
		return math.NaN(), nil
	}
	var sum float64
	for i, p := range probs {
		d := p
		if labels[i] {
			d = 1 - p
		}
		sum += d * d
	}
	return sum / float64(len(probs)), nil
}

// Bin is one row of a reliability table: the requests whose predicted
// probability lies in [Lo, Hi) (the last bin also holds 1), their number, the
// mean predicted probability and the observed share approved. Empty bins have
// N zero and NaN means.
type Bin struct {
	Lo, Hi   float64
	N        int
	MeanProb float64
	Approved float64 // observed share approved
}

// Reliability returns the reliability table of probs over bins equal-width
// bins of [0, 1] and the expected calibration error
// ECE = Σ_b (N_b/N)·|MeanProb_b − Approved_b|.
//
// It returns an error naming the first score outside [0, 1]; ECE is NaN for
// empty input. It panics if the lengths differ or bins < 1.
func Reliability(probs []float64, labels []bool, bins int) ([]Bin, float64, error) {
	checkLen(probs, labels)
	if bins < 1 {
		panic(fmt.Sprintf("eval: %d reliability bins", bins))
	}
	if err := checkProbs(probs); err != nil {
		return nil, math.NaN(), err
	}
	table := make([]Bin, bins)
	sumP := make([]float64, bins)
	sumY := make([]float64, bins)
	for i, p := range probs {
		b := min(int(p*float64(bins)), bins-1)
		table[b].N++
		sumP[b] += p
		if labels[i] {
			sumY[b]++
		}
	}
	var ece float64
	for b := range table {
		table[b].Lo = float64(b) / float64(bins)
		table[b].Hi = float64(b+1) / float64(bins)
		if table[b].N == 0 {
			table[b].MeanProb, table[b].Approved = math.NaN(), math.NaN()
			continue
		}
		n := float64(table[b].N)
		table[b].MeanProb = sumP[b] / n
		table[b].Approved = sumY[b] / n
		ece += n * math.Abs(table[b].MeanProb-table[b].Approved)
	}
	if len(probs) == 0 {
		return table, math.NaN(), nil
	}
	return table, ece / float64(len(probs)), nil
}

// Point is the outcome of auto-approving every request scoring at least
// Threshold: Approved of them (the auto-approved), Correct of those approved
// by the human too, and the derived rates. Recall is Correct over all human
// approvals, Coverage is Approved over all requests.
type Point struct {
	Threshold float64
	Approved  int
	Correct   int
	Precision float64
	Recall    float64
	Coverage  float64
}

// Sweep returns one Point per distinct score, thresholds descending, so the
// i-th point auto-approves every request whose score is at least its
// Threshold. Recall is NaN if no request was approved by a human.
//
// It returns an error naming the index of a NaN score. It panics if the
// lengths differ.
func Sweep(scores []float64, labels []bool) ([]Point, error) {
	checkLen(scores, labels)
	if err := checkScores(scores); err != nil {
		return nil, err
	}
	var total int
	for _, l := range labels {
		if l {
			total++
		}
	}
	idx := order(scores)
	var pts []Point
	var tp int
	for i := 0; i < len(idx); {
		j := i
		for ; j < len(idx) && scores[idx[j]] == scores[idx[i]]; j++ {
			if labels[idx[j]] {
				tp++
			}
		}
		recall := math.NaN()
		if total > 0 {
			recall = float64(tp) / float64(total)
		}
		pts = append(pts, Point{
			Threshold: scores[idx[i]],
			Approved:  j,
			Correct:   tp,
			Precision: float64(tp) / float64(j),
			Recall:    recall,
			Coverage:  float64(j) / float64(len(idx)),
		})
		i = j
	}
	return pts, nil
}
