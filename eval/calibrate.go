package eval

import (
	"fmt"
	"math"
	"slices"
)

// Calibrator maps a raw model score to a probability of approval. The map is
// non-decreasing, so thresholds on raw or calibrated scores select the same
// requests.
type Calibrator interface {
	Prob(score float64) float64
}

// ProbTo writes c.Prob of every score into dst and returns it. dst is
// allocated if nil; otherwise it must have the length of scores and may be
// scores itself.
func ProbTo(dst []float64, c Calibrator, scores []float64) []float64 {
	if dst == nil {
		dst = make([]float64, len(scores))
	}
	if len(dst) != len(scores) {
		panic(fmt.Sprintf("eval: dst of length %d for %d scores", len(dst), len(scores)))
	}
	for i, s := range scores {
		dst[i] = c.Prob(s)
	}
	return dst
}

// Isotonic is a non-decreasing step map from score to probability fitted by
// pool-adjacent-violators. Each pooled block is represented by its centroid
// (mean score, share approved); Prob interpolates linearly between
// neighbouring centroids and is constant beyond the first and last, so the
// map is continuous and strictly increasing between centroids, keeping the
// ranking resolution a pure step function would throw away.
//
// Block values may be exactly 0 or 1 when a block holds one class only.
type Isotonic struct {
	X []float64 // block centroid scores, strictly increasing
	Y []float64 // block shares approved, strictly increasing
	N []int     // block sizes
}

// FitIsotonic fits an isotonic calibration map to held-out scores and the
// decisions made on them. Tied scores are pooled before fitting.
//
// It returns an error naming the index of a non-finite score, or when scores
// is empty. It panics if the lengths differ.
func FitIsotonic(scores []float64, labels []bool) (*Isotonic, error) {
	checkLen(scores, labels)
	for i, s := range scores {
		if math.IsNaN(s) || math.IsInf(s, 0) {
			return nil, fmt.Errorf("eval: isotonic fit: score %d is %v", i, s)
		}
	}
	if len(scores) == 0 {
		return nil, fmt.Errorf("eval: isotonic fit: no scores")
	}
	idx := order(scores)
	slices.Reverse(idx) // ascending
	type block struct{ sx, sy, n float64 }
	var st []block
	for i := 0; i < len(idx); {
		// Pool ties first.
		b := block{}
		j := i
		for ; j < len(idx) && scores[idx[j]] == scores[idx[i]]; j++ {
			b.sx += scores[idx[j]]
			if labels[idx[j]] {
				b.sy++
			}
			b.n++
		}
		i = j
		// Merge while the previous block's mean is not below this one's.
		for len(st) > 0 && st[len(st)-1].sy*b.n >= b.sy*st[len(st)-1].n {
			top := st[len(st)-1]
			st = st[:len(st)-1]
			b = block{top.sx + b.sx, top.sy + b.sy, top.n + b.n}
		}
		st = append(st, b)
	}
	c := &Isotonic{X: make([]float64, len(st)), Y: make([]float64, len(st)), N: make([]int, len(st))}
	for i, b := range st {
		c.X[i], c.Y[i], c.N[i] = b.sx/b.n, b.sy/b.n, int(b.n)
	}
	return c, nil
}

// Prob returns the calibrated probability of a raw score. A NaN score gives
// NaN.
func (c *Isotonic) Prob(score float64) float64 {
	if math.IsNaN(score) {
		return math.NaN()
	}
	n := len(c.X)
	if score <= c.X[0] {
		return c.Y[0]
	}
	if score >= c.X[n-1] {
		return c.Y[n-1]
	}
	j, _ := slices.BinarySearch(c.X, score) // c.X[j-1] < score <= c.X[j]
	t := (score - c.X[j-1]) / (c.X[j] - c.X[j-1])
	return c.Y[j-1] + t*(c.Y[j]-c.Y[j-1])
}

// Platt is the logistic calibration map Prob(s) = 1 / (1 + exp(−(A·s + B))).
type Platt struct {
	A, B float64
}

// FitPlatt fits a Platt map by maximum likelihood on held-out scores, using
// Platt's smoothed targets (N₊+1)/(N₊+2) and 1/(N₋+2) to avoid infinite
// slopes on separable data, with the Newton method of Lin, Lin and Weng
// (2007).
//
// It returns an error naming the index of a non-finite score, or when scores
// is empty. It panics if the lengths differ.
func FitPlatt(scores []float64, labels []bool) (*Platt, error) {
	checkLen(scores, labels)
	for i, s := range scores {
		if math.IsNaN(s) || math.IsInf(s, 0) {
			return nil, fmt.Errorf("eval: platt fit: score %d is %v", i, s)
		}
	}
	if len(scores) == 0 {
		return nil, fmt.Errorf("eval: platt fit: no scores")
	}
	var np, nn float64
	for _, l := range labels {
		if l {
			np++
		} else {
			nn++
		}
	}
	hi, lo := (np+1)/(np+2), 1/(nn+2)
	target := func(i int) float64 {
		if labels[i] {
			return hi
		}
		return lo
	}
	// Minimise F(a, b) = Σ −t log p − (1−t) log(1−p), p = σ(a s + b).
	f := func(a, b float64) float64 {
		var sum float64
		for i, s := range scores {
			z := a*s + b
			// −t log σ(z) − (1−t) log σ(−z) = softplus(z) − t z
			sum += Softplus(z) - target(i)*z
		}
		return sum
	}
	a, b := 1.0, math.Log((np+1)/(nn+1))
	fv := f(a, b)
	for range 100 {
		var g1, g2, h11, h22, h21 float64
		for i, s := range scores {
			p := Sigmoid(a*s + b)
			d := p - target(i)
			g1 += d * s
			g2 += d
			w := p * (1 - p)
			h11 += w * s * s
			h22 += w
			h21 += w * s
		}
		if math.Abs(g1) < 1e-9 && math.Abs(g2) < 1e-9 {
			break
		}
		h11 += 1e-12
		h22 += 1e-12
		det := h11*h22 - h21*h21
		da := -(h22*g1 - h21*g2) / det
		db := -(-h21*g1 + h11*g2) / det
		gd := g1*da + g2*db
		step := 1.0
		for step >= 1e-10 {
			na, nb := a+step*da, b+step*db
			if nf := f(na, nb); nf < fv+1e-4*step*gd {
				a, b, fv = na, nb, nf
				break
			}
			step /= 2
		}
		if step < 1e-10 {
			break
		}
	}
	return &Platt{A: a, B: b}, nil
}

// Prob returns the calibrated probability of a raw score.
func (c *Platt) Prob(score float64) float64 {
	return Sigmoid(c.A*score + c.B)
}

// Sigmoid is the logistic function 1/(1+e^−z), computed without overflow
// for any z: the probability of log-odds z.
func Sigmoid(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	e := math.Exp(z)
	return e / (1 + e)
}

// Softplus is log(1+e^z), computed without overflow for any z: the
// logistic loss of log-odds −z.
func Softplus(z float64) float64 {
	if z > 0 {
		return z + math.Log1p(math.Exp(-z))
	}
	return math.Log1p(math.Exp(z))
}
