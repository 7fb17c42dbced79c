package score

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"rolemine/eval"
	"rolemine/eval/model"
	"rolemine/features"
)

// BacktestOptions are the settings of Backtest.
type BacktestOptions struct {
	// Folds is k of k-fold cross-validation, used when requests carry no
	// timestamps. At least 2.
	Folds int
	// Windows is the number of rolling test windows over the later part
	// of history, used when requests carry timestamps; each window is
	// scored by a model trained on every decision before it.
	Windows int
	// MinTrain is the least number of decisions a rolling window's
	// training set must hold.
	MinTrain int
	// MaxDecisions bounds the history replayed to the most recent decided
	// requests (see Training), so a backtest's cost stays bounded as the
	// history grows; 0 replays all of it.
	MaxDecisions int
	// Model configures the model of every fold or window.
	Model model.Options
	// Thresholds configures the per-tier threshold selection.
	Thresholds eval.ThresholdOptions
	// Bins is the number of reliability bins.
	Bins int
	// Seed drives fold assignment and model fitting.
	Seed uint64
	// Explain keeps the reasons for every held-out score (Backtest.Reasons)
	// for reports that list them; they cost a few seconds per 10,000
	// decisions and change no score.
	Explain bool
}

// DefaultBacktestOptions are the settings of rolemine evaluate.
var DefaultBacktestOptions = BacktestOptions{
	Folds:        5,
	Windows:      4,
	MinTrain:     500,
	MaxDecisions: 30000,
	Model:        model.DefaultOptions,
	Thresholds:   eval.DefaultThresholdOptions,
	Bins:         10,
	Seed:         1,
}

// Backtest is the outcome of replaying history: held-out scores for the
// decided requests, their metrics, and the thresholds they support.
type Backtest struct {
	Scheme   string    // "rolling windows" or "k-fold"
	Requests []Request // the decided requests, in the order of Scores
	// Scores are the held-out raw scores (log-odds); NaN for a request no
	// window tested (the first training period of a rolling backtest).
	Scores []float64
	// Probs are Scores calibrated by isotonic regression fitted on the
	// other folds' held-out scores (cross-fitted), NaN where Scores is.
	Probs []float64
	// Reasons are, with BacktestOptions.Explain, the strongest reasons
	// (ReasonsPerScore) for each held-out score, from the model that gave
	// it; nil where Scores is NaN, and nil altogether without Explain.
	Reasons  [][]model.Reason
	Overall  *eval.Report // overall and per risk tier
	ByApp    *eval.Report // per application
	Policy   *eval.Policy // thresholds on raw scores, per risk tier
	Warnings []string
}

// ReasonsPerScore is the number of reasons a backtest keeps for each
// held-out score, as triage gives for each decision.
const ReasonsPerScore = 3

// Tested returns the indices of requests with a held-out score.
func (b *Backtest) Tested() []int {
	var idx []int
	for k, s := range b.Scores {
		if !math.IsNaN(s) {
			idx = append(idx, k)
		}
	}
	return idx
}

// RunBacktest replays the decided requests among reqs (Row and Col bound by
// f.Bind). It honours ctx between folds.
func RunBacktest(ctx context.Context, f *Featurizer, reqs []Request, opts BacktestOptions) (*Backtest, error) {
	if f == nil {
		panic("score: RunBacktest with a nil featurizer")
	}
	decided := Training(reqs, opts.MaxDecisions)
	if least := max(2*opts.Thresholds.MinApproved, 2*opts.Folds, 2*calibrationFolds); len(decided) < least {
		return nil, fmt.Errorf("score: %d decided requests: too few to backtest (want at least %d)", len(decided), least)
	}
	xs := f.Instances(decided, func(k int) int64 { return AsOf(decided[k]) })
	mo := opts.Model
	mo.NumericNames = f.SignalNames()
	b := &Backtest{Requests: decided}
	splits, scheme, warning := plan(decided, opts)
	b.Scheme = scheme
	if warning != "" {
		b.Warnings = append(b.Warnings, warning)
	}
	if len(splits) == 0 {
		return nil, errors.New("score: no backtest window has enough earlier decisions to train on")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var why []model.Explanation
	var err error
	src := rand.NewPCG(opts.Seed, 11)
	if opts.Explain {
		b.Scores, why, err = model.CrossValidateExplain(xs, splits, mo, src, ReasonsPerScore)
	} else {
		b.Scores, err = model.CrossValidate(xs, splits, mo, src)
	}
	if err != nil {
		return nil, err
	}
	if why != nil {
		b.Reasons = make([][]model.Reason, len(why))
		for k, e := range why {
			b.Reasons[k] = e.Reasons
		}
	}
	if err := b.calibrate(opts); err != nil {
		return nil, err
	}
	return b, b.measure(opts)
}

// Training returns the decided requests among reqs, in order, keeping only
// the last max of them when max > 0: with reqs ordered by request time, the
// most recent decisions. A backtest and its policy's model (Fit) train on
// the same selection.
func Training(reqs []Request, max int) []Request {
	var decided []Request
	for _, r := range reqs {
		if r.Decided() {
			decided = append(decided, r)
		}
	}
	if max > 0 && len(decided) > max {
		decided = decided[len(decided)-max:]
	}
	return decided
}

// Fit fits the model a backtest's policy applies: on the decided requests
// of the backtest (Backtest.Requests, the Training selection of the
// history), each as of its AsOf time, with the backtest's model options
// and seed. Fitting it again on the same decisions and data gives the same
// model; a policy stores it so that it never has to be.
func Fit(f *Featurizer, decided []Request, opts BacktestOptions) (*model.Model, error) {
	if f == nil {
		panic("score: Fit with a nil featurizer")
	}
	xs := f.Instances(decided, func(k int) int64 { return AsOf(decided[k]) })
	mo := opts.Model
	mo.NumericNames = f.SignalNames()
	return model.Fit(xs, mo, rand.NewPCG(opts.Seed, 11))
}

// AsOf is the time a decided request's signals are computed at: its
// requested_at, or, when unknown, the end of time (all grants count; the
// requester's own holding still never does).
func AsOf(r Request) int64 {
	if r.RequestedAt == 0 {
		return features.Now
	}
	return r.RequestedAt
}

// plan chooses rolling windows when most requests carry a timestamp and
// stratified k-fold otherwise. When the rolling windows would hold out too
// few decisions to calibrate (a short history: few decisions come after
// the first MinTrain), it falls back to k-fold and says so in warning.
func plan(reqs []Request, opts BacktestOptions) (splits []eval.Split, scheme, warning string) {
	times := make([]time.Time, len(reqs))
	known := 0
	for k, r := range reqs {
		if r.RequestedAt != 0 {
			known++
			times[k] = time.Unix(r.RequestedAt, 0)
		}
	}
	if known >= len(reqs)*9/10 {
		first := slices.MinFunc(times, time.Time.Compare)
		last := slices.MaxFunc(times, time.Time.Compare)
		width := last.Sub(first) / time.Duration(2*opts.Windows)
		ro := eval.RollingOptions{Test: width, Step: width, MinTrain: opts.MinTrain}
		splits := eval.Rolling(times, ro)
		if len(splits) > opts.Windows {
			splits = splits[len(splits)-opts.Windows:]
		}
		tested := 0
		for _, s := range splits {
			tested += len(s.Test)
		}
		if tested >= 2*calibrationFolds {
			return splits, fmt.Sprintf("%d rolling windows of %s, each trained on all earlier decisions", len(splits), spanText(width)), ""
		}
		warning = fmt.Sprintf("rolling windows over %d decisions would hold out only %d with at least %d earlier decisions to train on, too few to calibrate: "+
			"backtested by %d-fold cross-validation instead, which ignores the order of decisions and may promise more than later decisions keep",
			len(reqs), tested, opts.MinTrain, opts.Folds)
	}
	labels := make([]bool, len(reqs))
	for k, r := range reqs {
		labels[k] = r.Approved()
	}
	return eval.StratifiedKFold(labels, opts.Folds, rand.NewPCG(opts.Seed, 3)), fmt.Sprintf("%d-fold cross-validation", opts.Folds), warning
}

// spanText says how long a window is in whole days, or in hours or
// minutes when it is shorter than a day: a large organisation makes
// thousands of decisions a day, and its windows last hours.
func spanText(d time.Duration) string {
	n, unit := int(d.Hours()/24), "day"
	switch {
	case d < time.Hour:
		n, unit = max(1, int(d.Minutes())), "minute"
	case d < 24*time.Hour:
		n, unit = int(d.Hours()), "hour"
	}
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// calibrationFolds is the number of parts calibrate cross-fits over; a
// backtest holds out at least twice as many decisions.
const calibrationFolds = 5

// calibrate fits isotonic maps on held-out scores, cross-fitted over
// calibrationFolds random parts, so that no request's probability comes from a map fitted
// on its own label.
func (b *Backtest) calibrate(opts BacktestOptions) error {
	tested := b.Tested()
	b.Probs = make([]float64, len(b.Scores))
	for k := range b.Probs {
		b.Probs[k] = math.NaN()
	}
	labels := make([]bool, len(tested))
	for k, i := range tested {
		labels[k] = b.Requests[i].Approved()
	}
	for _, s := range eval.StratifiedKFold(labels, calibrationFolds, rand.NewPCG(opts.Seed, 5)) {
		scores, ls := make([]float64, len(s.Train)), make([]bool, len(s.Train))
		for k, t := range s.Train {
			scores[k], ls[k] = b.Scores[tested[t]], labels[t]
		}
		iso, err := eval.FitIsotonic(scores, ls)
		if err != nil {
			return err
		}
		for _, t := range s.Test {
			b.Probs[tested[t]] = iso.Prob(b.Scores[tested[t]])
		}
	}
	return nil
}

// measure computes the reports and the per-tier thresholds.
func (b *Backtest) measure(opts BacktestOptions) error {
	tested := b.Tested()
	n := len(tested)
	probs, scores := make([]float64, n), make([]float64, n)
	labels := make([]bool, n)
	tiers, apps := make([]string, n), make([]string, n)
	for k, i := range tested {
		r := b.Requests[i]
		probs[k], scores[k], labels[k] = b.Probs[i], b.Scores[i], r.Approved()
		tiers[k], apps[k] = r.Tier, r.Application
		if apps[k] == "" {
			apps[k] = "(none)"
		}
	}
	var err error
	eo := eval.Options{Bins: opts.Bins}
	if b.Overall, err = eval.Evaluate(probs, labels, tiers, eo); err != nil {
		return err
	}
	if b.ByApp, err = eval.Evaluate(probs, labels, apps, eo); err != nil {
		return err
	}
	b.Policy, err = eval.SelectThresholds(scores, labels, tiers, opts.Thresholds)
	return err
}
