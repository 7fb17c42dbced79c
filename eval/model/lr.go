package model

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/optimize"

	"rolemine/eval"
)

// fitLR fits an L2-regularised logistic regression by LBFGS. Row i has the
// binary features cols[rowPtr[i]:rowPtr[i+1]] (indices below nf; a repeated
// index counts twice) and the dense signals dense[i*nd:(i+1)*nd]. The
// returned parameters are laid out [intercept, dense weights…, feature
// weights…]; the intercept is not penalised and starts at the log-odds of
// the labels.
func fitLR(rowPtr []int, cols []int32, nf int, dense []float64, nd int, y []float64, opts Options) (w []float64, iters int, converged bool, err error) {
	o, w := startLR(rowPtr, cols, nf, dense, nd, y, opts)
	// gonum's own gradient checks are off (NaN): gradientConverge makes the
	// same check once per iteration, more cheaply.
	settings := &optimize.Settings{
		MajorIterations:   opts.MaxIterations,
		GradientThreshold: math.NaN(),
		Converger:         &gradientConverge{threshold: lrGradientThreshold(len(y)), function: lrFunctionConverge()},
	}
	res, err := optimize.Minimize(optimize.Problem{Func: o.f, Grad: o.grad}, w, settings,
		&optimize.LBFGS{Store: 10, GradStopThreshold: math.NaN()})
	if res == nil {
		return nil, 0, false, fmt.Errorf("model: fit of %d instances: %v", len(y), err)
	}
	for _, v := range res.X {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, 0, false, fmt.Errorf("model: fit of %d instances diverged", len(y))
		}
	}
	converged = res.Status == optimize.GradientThreshold || res.Status == optimize.FunctionConvergence
	return res.X, res.Stats.MajorIterations, converged, nil
}

// startLR returns the objective of fitLR and its starting point: zero
// weights, and the intercept at the log-odds of the labels.
func startLR(rowPtr []int, cols []int32, nf int, dense []float64, nd int, y []float64, opts Options) (*objective, []float64) {
	o := &objective{rowPtr: rowPtr, cols: cols, dense: dense, nd: nd, y: y, lambda: opts.Lambda}
	w := make([]float64, 1+nd+nf)
	var pos float64
	for _, v := range y {
		pos += v
	}
	w[0] = math.Log(pos / (float64(len(y)) - pos))
	return o, w
}

// lrGradientThreshold is the largest gradient component at which a fit of n
// instances has converged.
func lrGradientThreshold(n int) float64 { return 1e-6 * float64(n) }

// lrFunctionConverge stops a fit whose loss has not fallen by a relative
// 1e-10 in 20 iterations.
func lrFunctionConverge() optimize.FunctionConverge {
	return optimize.FunctionConverge{Relative: 1e-10, Iterations: 20}
}

// gradientConverge stops a fit with status GradientThreshold when every
// component of the gradient is below threshold in magnitude, else asks
// function. It is the check gonum makes with a GradientThreshold setting,
// which computes the whole max-norm with math.Max twice per iteration (a
// tenth of evaluate's CPU on large histories); this one stops at the first
// component at or above threshold. A NaN component is never below it, as
// a NaN norm is not in gonum's check.
type gradientConverge struct {
	threshold float64
	function  optimize.FunctionConverge
}

func (c *gradientConverge) Init(dim int) { c.function.Init(dim) }

func (c *gradientConverge) Converged(loc *optimize.Location) optimize.Status {
	if loc.Gradient != nil && allBelow(loc.Gradient, c.threshold) {
		return optimize.GradientThreshold
	}
	return c.function.Converged(loc)
}

// allBelow reports whether |v| < t for every v of g (false for a NaN v).
func allBelow(g []float64, t float64) bool {
	for _, v := range g {
		if !(math.Abs(v) < t) {
			return false
		}
	}
	return true
}

// objective is the penalised log-loss. It evaluates value and gradient in
// one pass and caches them for the x last seen, since gonum asks for them
// separately at the same point.
type objective struct {
	rowPtr []int
	cols   []int32
	dense  []float64
	nd     int
	y      []float64
	lambda float64

	lastX []float64
	lastF float64
	lastG []float64
}

func (o *objective) eval(x []float64) {
	if o.lastX != nil && slices.Equal(o.lastX, x) {
		return
	}
	o.lastX = append(o.lastX[:0], x...)
	if o.lastG == nil {
		o.lastG = make([]float64, len(x))
	}
	g := o.lastG
	clear(g)
	wd, gd := x[1:1+o.nd], g[1:1+o.nd]
	wf, gf := x[1+o.nd:], g[1+o.nd:]
	var f float64
	for i, yi := range o.y {
		row := o.cols[o.rowPtr[i]:o.rowPtr[i+1]]
		xd := o.dense[i*o.nd : (i+1)*o.nd]
		z := x[0]
		for _, j := range row {
			z += wf[j]
		}
		for k, v := range xd {
			z += wd[k] * v
		}
		// loss = softplus(z) − y z, d loss/dz = σ(z) − y
		f += eval.Softplus(z) - yi*z
		d := eval.Sigmoid(z) - yi
		g[0] += d
		for k, v := range xd {
			gd[k] += d * v
		}
		for _, j := range row {
			gf[j] += d
		}
	}
	var pen float64
	for k := 1; k < len(x); k++ {
		pen += x[k] * x[k]
		g[k] += o.lambda * x[k]
	}
	o.lastF = f + o.lambda/2*pen
}

func (o *objective) f(x []float64) float64 {
	o.eval(x)
	return o.lastF
}

func (o *objective) grad(g, x []float64) {
	o.eval(x)
	copy(g, o.lastG)
}
