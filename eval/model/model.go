package model

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"

	"rolemine/eval"
)

// Instance is one access request: the categorical facts about it as tokens,
// optional dense numeric signals, and (for training and evaluation) the
// human decision.
//
// Tokens are opaque strings; by convention "name=value", e.g.
// "RESOURCE=17183" or "ROLE_DEPTNAME=123125". The name (the text before the
// first '=') groups features for the count and rate signals; explanations
// show tokens as given. The order of tokens does not matter. A requester
// without an identity row is described by attribute tokens alone.
type Instance struct {
	Tokens  []string
	Numeric []float64
	Label   bool // true: approved
}

// Options are the settings of Fit.
type Options struct {
	// Pairs adds a feature for every pair of an instance's tokens (for
	// example resource × department), Triples for every triple. Tokens
	// alone are always features.
	Pairs, Triples bool
	// Counts adds, for every feature, an indicator of how often its value
	// was seen in training on a logarithmic scale (0, 1, 2–3, 4–7, … past
	// decisions), one set per attribute group, so that the model can learn
	// that rare or unseen combinations are riskier. An instance's own
	// occurrence is not counted.
	Counts bool
	// Rates adds a second, dense logistic regression whose signals are,
	// per attribute group (RESOURCE, RESOURCE × MGR_ID, …), the smoothed
	// log-odds of approval of the instance's value among past decisions
	// and the log of their number. For training instances they are
	// computed out-of-fold (RateFolds folds) so that no instance sees its
	// own label. The model's score is the mean of the two regressions'
	// log-odds.
	Rates bool
	// RateSmoothing is the weight, in pseudo-decisions at the overall
	// approval rate, that shrinks each rate towards it. Positive.
	RateSmoothing float64
	// RateFolds is the number of inner folds for the rate signals of
	// training instances (of the regression and of the trees). At least 2.
	RateFolds int
	// Lambda is the L2 penalty of both regressions: the objective is the
	// summed log-loss plus Lambda/2·‖w‖² over all weights but the
	// intercept. Positive.
	Lambda float64
	// MaxIterations bounds the LBFGS major iterations of each regression.
	// Positive.
	MaxIterations int
	// Boost adds gradient-boosted trees over dense group signals (per
	// attribute, pair, triple and profile: out-of-fold smoothed approval
	// log-odds, how many past decisions share the value, how many distinct
	// values of each other attribute go with it) and blends their log-odds
	// into the score with weight Boost.Weight. Their rates use RateFolds
	// inner folds and RateSmoothing. Boost.Trees zero disables them.
	Boost Boost
	// NumericNames name the numeric signals in explanations; missing names
	// read "numeric[i]".
	NumericNames []string
	// Workers bounds the goroutines of ScoreTo and CrossValidate; zero
	// means GOMAXPROCS.
	Workers int
}

// DefaultOptions use tokens and pairs of tokens with count and rate
// signals, penalised with Lambda 1, blended with boosted trees over groups
// of up to three attributes and the profiles. The settings were chosen by
// 5-fold cross-validation on the Amazon access sample (see the package
// tests and doc); Lambda 1 is a prior of one pseudo-decision per weight,
// and the booster stops early on its own validation part, so both suit
// categorical data of similar sparsity without retuning.
var DefaultOptions = Options{
	Pairs:         true,
	Counts:        true,
	Rates:         true,
	RateSmoothing: 2,
	RateFolds:     5,
	Lambda:        1,
	MaxIterations: 500,
	Boost:         DefaultBoost,
}

// DefaultBoost are the booster settings of DefaultOptions.
var DefaultBoost = Boost{
	Trees:        300,
	Weight:       0.6,
	Order:        3,
	MaxGroups:    150,
	Profiles:     true,
	LearningRate: 0.02,
	MaxDepth:     6,
	MinLeaf:      20,
	L2:           1,
	RowSample:    0.8,
	ColSample:    0.3,
	Bins:         64,
	Holdout:      0,
	Patience:     0,
	Bags:         1,
}

func (o Options) check() {
	if !(o.Lambda > 0) {
		panic(fmt.Sprintf("model: lambda %v not positive", o.Lambda))
	}
	if o.MaxIterations < 1 {
		panic(fmt.Sprintf("model: %d iterations", o.MaxIterations))
	}
	o.Boost.check()
	if (o.Rates || o.Boost.Trees > 0) && (!(o.RateSmoothing > 0) || o.RateFolds < 2) {
		panic(fmt.Sprintf("model: rate smoothing %v with %d folds", o.RateSmoothing, o.RateFolds))
	}
	if o.Workers < 0 {
		panic(fmt.Sprintf("model: %d workers", o.Workers))
	}
}

func (o Options) workers() int {
	if o.Workers > 0 {
		return o.Workers
	}
	return runtime.GOMAXPROCS(0)
}

// Model is a fitted scorer: an L2-regularised logistic regression over
// hashed token features (and, with Options.Rates, a second one over the
// rate signals), blended with boosted trees over dense group signals with
// Options.Boost. It is immutable and safe for concurrent use.
type Model struct {
	opts Options

	// Sparse part.
	bias float64
	tab  *table
	// unseen holds, per group hash, the contribution of a feature that
	// training never saw.
	unseen map[uint64]unseenGroup

	// Dense part: rate signals (2 per group) then numeric signals.
	dBias    float64
	groupCol map[uint64]int32
	nGroups  int
	dW       []float64
	dMean    []float64
	dScale   []float64

	// Boosted trees over the encoder's dense signals, blended with weight
	// wBoost; nil without Options.Boost.
	enc    *encoder
	forest *forest
	wBoost float64

	prior     float64 // training approval rate
	features  int
	trainN    int
	trainPos  int
	iters     int
	converged bool
}

// Fit trains a model on xs. Randomness (the inner folds of the rate
// signals, the trees' row and feature draws) comes from src only: the same
// instances, options and source state give the same model.
//
// It returns an error if xs is empty or holds one class only, if instances
// disagree on the number of numeric signals or hold a non-finite one (naming
// the instance and signal), or if the optimiser diverges. It panics if opts
// are out of range.
func Fit(xs []Instance, opts Options, src rand.Source) (*Model, error) {
	opts.check()
	if len(xs) == 0 {
		return nil, errors.New("model: no training instances")
	}
	nnum := len(xs[0].Numeric)
	pos := 0
	for i, x := range xs {
		if len(x.Numeric) != nnum {
			return nil, fmt.Errorf("model: instance %d has %d numeric signals, instance 0 has %d", i, len(x.Numeric), nnum)
		}
		for j, v := range x.Numeric {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("model: instance %d: numeric signal %d is %v", i, j, v)
			}
		}
		if x.Label {
			pos++
		}
	}
	if pos == 0 || pos == len(xs) {
		return nil, fmt.Errorf("model: %d training instances, %d approved: need both approvals and denials", len(xs), pos)
	}
	m := &Model{opts: opts, prior: float64(pos) / float64(len(xs)), trainN: len(xs), trainPos: pos}
	m.opts.NumericNames = slices.Clone(opts.NumericNames)
	y := make([]float64, len(xs))
	for i, x := range xs {
		if x.Label {
			y[i] = 1
		}
	}

	// Vocabulary of base feature hashes with their decision counts; rows
	// as lists of vocabulary indices (base features first, in extractor
	// order). groups holds each row's base feature group hashes.
	vocab := make(map[uint64]int32)
	var keys []uint64
	var approved, seen []uint32
	index := func(h uint64, label bool) int32 {
		j, ok := vocab[h]
		if !ok {
			j = int32(len(keys))
			vocab[h] = j
			keys = append(keys, h)
			approved = append(approved, 0)
			seen = append(seen, 0)
		}
		if label {
			approved[j]++
		}
		seen[j]++
		return j
	}
	rowPtr := make([]int, len(xs)+1)
	var cols []int32
	var groups []uint64
	e := m.extractor()
	var baseGroup []uint64 // group hash of each base feature
	for i, x := range xs {
		e.extract(x.Tokens)
		for p, h := range e.hs {
			j := index(h, x.Label)
			cols = append(cols, j)
			if int(j) == len(baseGroup) {
				var g uint64
				if e.groups {
					g = e.gs[p]
				}
				baseGroup = append(baseGroup, g)
			}
		}
		groups = append(groups, e.gs...)
		rowPtr[i+1] = len(cols)
	}
	nbase := len(keys)
	sparseCols, sparsePtr := cols, rowPtr
	if opts.Counts {
		// Count features need the counts of all rows first.
		sparseCols = make([]int32, 0, 2*len(cols))
		sparsePtr = make([]int, len(xs)+1)
		for i := range xs {
			row := cols[rowPtr[i]:rowPtr[i+1]]
			sparseCols = append(sparseCols, row...)
			for p, j := range row {
				sparseCols = append(sparseCols, index(hashCount(groups[rowPtr[i]+p], bucket(int(seen[j])-1)), y[i] == 1))
			}
			sparsePtr[i+1] = len(sparseCols)
		}
	}

	// Dense signals of the sparse part (numeric only) or of the dense part
	// (rates and numeric).
	var dense []float64
	ndense := nnum
	if opts.Rates {
		// A group whose value never varies in training (every request
		// has the same risk tier, say) carries no information; its rate
		// columns would only learn the inner folds' sizes.
		values := make(map[uint64]map[int32]bool)
		for p, g := range groups {
			if values[g] == nil {
				values[g] = map[int32]bool{}
			}
			values[g][cols[p]] = true
		}
		m.groupCol = make(map[uint64]int32)
		for _, g := range groups {
			if _, ok := m.groupCol[g]; !ok && len(values[g]) > 1 {
				m.groupCol[g] = int32(len(m.groupCol))
			}
		}
		m.nGroups = len(m.groupCol)
		ndense += 2 * m.nGroups
		dense = make([]float64, len(xs)*ndense)
		m.innerRates(dense, ndense, xs, cols, rowPtr, groups, nbase, src)
	} else {
		dense = make([]float64, len(xs)*ndense)
	}
	for i, x := range xs {
		copy(dense[i*ndense+ndense-nnum:(i+1)*ndense], x.Numeric)
	}
	m.dMean, m.dScale = standardise(dense, ndense)

	// The trees need nothing of the regressions and draw from src only
	// after the rate signals have: with more than one worker they grow
	// while the regressions fit, and the model is the same.
	var trees sync.WaitGroup
	defer trees.Wait()
	concurrent := opts.Boost.Trees > 0 && opts.workers() > 1
	if concurrent {
		trees.Go(func() { m.boost(xs, y, src) })
	}

	var sparseDense []float64
	sparseNDense := 0
	if !opts.Rates {
		sparseDense, sparseNDense = dense, ndense
	}
	w, it, conv, err := fitLR(sparsePtr, sparseCols, len(keys), sparseDense, sparseNDense, y, opts)
	if err != nil {
		return nil, err
	}
	m.iters, m.converged = it, conv
	m.bias = w[0]
	m.tab = newTable(len(keys))
	for j, k := range keys {
		m.tab.put(slot{key: k, w: float32(w[1+sparseNDense+j]), approved: approved[j], n: seen[j]})
	}
	m.features = len(keys)
	if opts.Rates {
		w, it, conv, err := fitLR(make([]int, len(xs)+1), nil, 0, dense, ndense, y, opts)
		if err != nil {
			return nil, err
		}
		m.iters += it
		m.converged = m.converged && conv
		m.dBias = w[0]
		m.dW = w[1:]
	} else {
		m.dW = w[1 : 1+sparseNDense]
	}
	// Precompute each base feature's contribution for fast scoring.
	for j, k := range keys[:nbase] {
		sl := m.tab.get(k)
		sl.c, sl.col = m.contribution(k, baseGroup[j])
		sl.base = true
	}
	m.unseen = make(map[uint64]unseenGroup)
	for _, g := range groups {
		if _, ok := m.unseen[g]; !ok {
			c, col := m.contribution(0, g)
			m.unseen[g] = unseenGroup{c, col}
		}
	}
	if opts.Boost.Trees > 0 && !concurrent {
		m.boost(xs, y, src)
	}
	trees.Wait()
	return m, nil
}

// boost grows the model's trees over the encoder's dense signals of xs.
func (m *Model) boost(xs []Instance, y []float64, src rand.Source) {
	o := m.opts
	enc, x := newEncoder(xs, o.Boost, o.RateFolds, o.RateSmoothing, src)
	f := fitForest(x, enc.width, y, o.Boost, src)
	enc.need = make([]bool, enc.width)
	f.uses(enc.need)
	m.forest, m.enc, m.wBoost = f, enc, o.Boost.Weight
}

// unseenGroup is the contribution of a feature of a group that training
// never saw, and the group's rate column (-1 if none).
type unseenGroup struct {
	c   float64
	col int32
}

// contribution returns the uncentred contribution of the base feature with
// hash h (0: unseen) in group g, and its rate column (-1 if none).
func (m *Model) contribution(h, g uint64) (float64, int32) {
	half := 1.0
	if m.opts.Rates {
		half = 0.5
	}
	var a, n uint32
	var c float64
	if s := m.tab.get(h); h != 0 && s != nil {
		c = float64(s.w)
		a, n = s.approved, s.n
	}
	if m.opts.Counts {
		if s := m.tab.get(hashCount(g, bucket(int(n)))); s != nil {
			c += float64(s.w)
		}
	}
	c *= half
	col := int32(-1)
	if m.opts.Rates {
		if cc, ok := m.groupCol[g]; ok {
			col = cc
			// Training rows saw counts from the other inner folds, about
			// (k-1)/k of the data: scale counts alike.
			k := float64(m.opts.RateFolds)
			c += half * (m.dW[2*col]*m.rate(a, n, m.prior)/m.dScale[2*col] +
				m.dW[2*col+1]*math.Log1p(float64(n)*(k-1)/k)/m.dScale[2*col+1])
		}
	}
	return c, col
}

// innerRates fills the rate signals of every training row from the counts
// of the other inner folds.
func (m *Model) innerRates(dense []float64, ndense int, xs []Instance, cols []int32, rowPtr []int, groups []uint64, nbase int, src rand.Source) {
	k := m.opts.RateFolds
	fold := make([]int, len(xs))
	for i, r := range rand.New(src).Perm(len(xs)) {
		fold[r] = i % k
	}
	var totA, totN []uint32
	totA = make([]uint32, nbase)
	totN = make([]uint32, nbase)
	for i, x := range xs {
		for _, j := range cols[rowPtr[i]:rowPtr[i+1]] {
			totN[j]++
			if x.Label {
				totA[j]++
			}
		}
	}
	fa := make([]uint32, nbase)
	fn := make([]uint32, nbase)
	for f := range k {
		clear(fa)
		clear(fn)
		var pos, n int
		for i, x := range xs {
			if fold[i] != f {
				continue
			}
			for _, j := range cols[rowPtr[i]:rowPtr[i+1]] {
				fn[j]++
				if x.Label {
					fa[j]++
				}
			}
			n++
			if x.Label {
				pos++
			}
		}
		prior := float64(m.trainPos-pos) / float64(m.trainN-n)
		for i := range xs {
			if fold[i] != f {
				continue
			}
			row := dense[i*ndense : i*ndense+2*m.nGroups]
			for p, j := range cols[rowPtr[i]:rowPtr[i+1]] {
				c, ok := m.groupCol[groups[rowPtr[i]+p]]
				if !ok {
					continue
				}
				a, nn := totA[j]-fa[j], totN[j]-fn[j]
				row[2*c] += m.rate(a, nn, prior)
				row[2*c+1] += math.Log1p(float64(nn))
			}
		}
	}
}

// rate returns the smoothed log-odds of approval of a feature seen n times,
// a of them approved, relative to the prior's log-odds.
func (m *Model) rate(a, n uint32, prior float64) float64 {
	s := m.opts.RateSmoothing
	p := (float64(a) + s*prior) / (float64(n) + s)
	return math.Log(p/(1-p)) - math.Log(prior/(1-prior))
}

// standardise centres and scales the columns of the row-major matrix x with
// d columns in place and returns the means and scales (1 for constant
// columns).
func standardise(x []float64, d int) (mean, scale []float64) {
	mean = make([]float64, d)
	scale = make([]float64, d)
	if d == 0 {
		return mean, scale
	}
	n := float64(len(x) / d)
	for i := 0; i < len(x); i += d {
		for j, v := range x[i : i+d] {
			mean[j] += v
		}
	}
	for j := range mean {
		mean[j] /= n
	}
	for i := 0; i < len(x); i += d {
		for j, v := range x[i : i+d] {
			scale[j] += (v - mean[j]) * (v - mean[j])
		}
	}
	for j := range scale {
		scale[j] = math.Sqrt(scale[j] / n)
		if scale[j] == 0 {
			scale[j] = 1
		}
	}
	for i := 0; i < len(x); i += d {
		for j := range x[i : i+d] {
			x[i+j] = (x[i+j] - mean[j]) / scale[j]
		}
	}
	return mean, scale
}

// Options returns the settings the model was fitted with.
func (m *Model) Options() Options {
	o := m.opts
	o.NumericNames = slices.Clone(o.NumericNames)
	return o
}

// Features reports the number of distinct hashed features the model holds.
func (m *Model) Features() int { return m.features }

// Trained reports the number of training instances and how many were
// approved, the optimiser's major iterations and whether every regression
// converged before its iteration limit.
func (m *Model) Trained() (n, approved, iterations int, converged bool) {
	return m.trainN, m.trainPos, m.iters, m.converged
}

func (m *Model) extractor() *extractor {
	return &extractor{
		pairs:   m.opts.Pairs,
		triples: m.opts.Triples,
		groups:  m.opts.Counts || m.opts.Rates,
	}
}

// parts returns the contributions to the log-odds of the base features
// (pc, extractor order: the feature, its count indicator and its rate
// signals) and of the numeric signals (nc), and the intercept, so that
// bias + Σpc + Σnc is the score. pc and nc are reused if large enough.
func (m *Model) parts(e *extractor, x *Instance, pc, nc []float64) (bias float64, _, _ []float64) {
	if len(x.Numeric) != m.nNumeric() {
		panic(fmt.Sprintf("model: instance has %d numeric signals, model expects %d", len(x.Numeric), m.nNumeric()))
	}
	e.extract(x.Tokens)
	if m.opts.Rates {
		if len(e.stamp) != m.nGroups {
			e.stamp = make([]uint32, m.nGroups)
		}
		e.gen++
		if e.gen == 0 { // wrapped: stale stamps could match
			clear(e.stamp)
			e.gen = 1
		}
	}
	pc = slices.Grow(pc[:0], len(e.hs))[:len(e.hs)]
	nc = slices.Grow(nc[:0], len(x.Numeric))[:len(x.Numeric)]
	half := 1.0
	bias = m.bias
	if m.opts.Rates {
		half = 0.5
		bias = (m.bias + m.dBias) / 2
		// The dense part's contributions are linear in the standardised
		// signals; the centring terms go to the intercept.
		for j, w := range m.dW[:2*m.nGroups] {
			bias -= half * w * m.dMean[j] / m.dScale[j]
		}
	}
	// Lookups first, then contributions: the lookups are independent and
	// their cache misses overlap.
	e.found = slices.Grow(e.found[:0], len(e.hs))[:len(e.hs)]
	for p, h := range e.hs {
		e.found[p] = m.tab.get(h)
	}
	for p, s := range e.found {
		var c float64
		col := int32(-1)
		if s != nil && s.base {
			c, col = s.c, s.col
		} else if e.groups {
			u := m.unseen[e.gs[p]]
			c, col = u.c, u.col
		}
		if col >= 0 && e.stamp[col] != e.gen {
			// The first feature of a group carries the group's centring,
			// so contributions are relative to the average training
			// request.
			e.stamp[col] = e.gen
			ctr := half * (m.dW[2*col]*m.dMean[2*col]/m.dScale[2*col] +
				m.dW[2*col+1]*m.dMean[2*col+1]/m.dScale[2*col+1])
			c -= ctr
			bias += ctr
		}
		pc[p] = c
	}
	off := len(m.dW) - m.nNumeric()
	for k, v := range x.Numeric {
		nc[k] = half * m.dW[off+k] * (v - m.dMean[off+k]) / m.dScale[off+k]
	}
	return bias, pc, nc
}

func (m *Model) nNumeric() int { return len(m.dW) - 2*m.nGroups }

// scratch is per-goroutine scoring state.
type scratch struct {
	e      *extractor
	pc, nc []float64
	enc    encoderScratch
	// The rows, trees' log-odds and node positions of scoreBlock.
	block, trees []float64
	at           []int32
}

func (m *Model) score(s *scratch, x *Instance) float64 {
	z := m.linear(s, x)
	if m.forest != nil {
		z = m.blend(z, m.forest.predict(m.enc.encode(&s.enc, x)))
	}
	return z
}

// linear returns the regressions' log-odds of x.
func (m *Model) linear(s *scratch, x *Instance) float64 {
	var z float64
	z, s.pc, s.nc = m.parts(s.e, x, s.pc, s.nc)
	for _, c := range s.pc {
		z += c
	}
	for _, c := range s.nc {
		z += c
	}
	return z
}

// blend returns the score of the regressions' and the trees' log-odds.
func (m *Model) blend(linear, trees float64) float64 {
	return (1-m.wBoost)*linear + m.wBoost*trees
}

// scoreBlock writes the scores of xs to dst (of the same length, at most
// blockRows), exactly as score would, predicting the trees for all rows
// at once (forest.predictBlock).
func (m *Model) scoreBlock(s *scratch, dst []float64, xs []Instance) {
	if m.forest == nil {
		for i := range xs {
			dst[i] = m.linear(s, &xs[i])
		}
		return
	}
	stride := m.enc.width + 1
	if len(s.block) != blockRows*stride {
		s.block = make([]float64, blockRows*stride) // the zero columns stay 0
		s.trees = make([]float64, blockRows)
		s.at = make([]int32, blockRows)
	}
	for i := range xs {
		dst[i] = m.linear(s, &xs[i])
		copy(s.block[i*stride:], m.enc.encode(&s.enc, &xs[i]))
	}
	n := len(xs)
	m.forest.predictBlock(s.block[:n*stride], s.trees[:n], s.at[:n])
	for i, t := range s.trees[:n] {
		dst[i] = m.blend(dst[i], t)
	}
}

// blockRows is the number of rows scoreBlock predicts together.
const blockRows = 64

// Score returns the raw score of x: the model's log-odds of approval.
// Features not seen in training contribute only through their count and
// rate signals; a NaN numeric signal gives NaN. Calibrate raw scores
// (eval.FitIsotonic on out-of-fold scores) before reading them as
// probabilities.
//
// It panics if x has a different number of numeric signals than the
// training instances.
func (m *Model) Score(x Instance) float64 {
	return m.score(&scratch{e: m.extractor()}, &x)
}

// Prob returns the model's own (uncalibrated) probability of approval,
// the logistic function of Score.
func (m *Model) Prob(x Instance) float64 {
	return eval.Sigmoid(m.Score(x))
}

// ScoreTo writes the raw score of every instance into dst and returns it,
// spreading the work over Options.Workers goroutines. dst is allocated if
// nil; otherwise its length must equal len(xs).
//
// It panics as Score does, or if dst has the wrong length.
func (m *Model) ScoreTo(dst []float64, xs []Instance) []float64 {
	if dst == nil {
		dst = make([]float64, len(xs))
	}
	if len(dst) != len(xs) {
		panic(fmt.Sprintf("model: dst of length %d for %d instances", len(dst), len(xs)))
	}
	const chunk = 4096
	workers := min(m.opts.workers(), (len(xs)+chunk-1)/chunk)
	if workers <= 1 {
		s := &scratch{e: m.extractor()}
		for lo := 0; lo < len(xs); lo += blockRows {
			hi := min(lo+blockRows, len(xs))
			m.scoreBlock(s, dst[lo:hi], xs[lo:hi])
		}
		return dst
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	next := 0
	var perr any
	for range workers {
		wg.Go(func() {
			defer func() {
				if r := recover(); r != nil {
					mu.Lock()
					perr = r
					mu.Unlock()
				}
			}()
			s := &scratch{e: m.extractor()}
			for {
				mu.Lock()
				lo := next
				next += chunk
				mu.Unlock()
				if lo >= len(xs) {
					return
				}
				for b := lo; b < min(lo+chunk, len(xs)); b += blockRows {
					hi := min(b+blockRows, lo+chunk, len(xs))
					m.scoreBlock(s, dst[b:hi], xs[b:hi])
				}
			}
		})
	}
	wg.Wait()
	if perr != nil {
		panic(perr)
	}
	return dst
}
