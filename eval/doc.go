// Package eval measures how well confidence scores for access requests agree
// with the decisions careful human approvers made, calibrates raw model scores
// into probabilities, and chooses auto-approval thresholds that keep a stated
// precision promise.
//
// Everything works on plain parallel slices: scores []float64 and
// labels []bool, where label true means the request was approved (the
// positive class throughout) and a higher score means more confidence in
// approval. Optional groups []string (a risk tier, an application) split the
// same rows into sub-populations.
//
// # Metrics
//
// ROCAUC (ties count one half), AveragePrecision (the step-wise PR AUC, ties
// grouped), Brier, Reliability and ECE (equal-width bins), Sweep (precision,
// recall and coverage at every distinct score) and Evaluate, which computes all
// of them overall and per group. ClopperPearsonLower and ClopperPearsonUpper
// give exact one-sided binomial bounds through gonum's Beta quantile.
//
// # Calibration
//
// FitIsotonic (pool-adjacent-violators, evaluated by interpolating between
// block centroids so the map stays strictly increasing where the data allow)
// and FitPlatt (a logistic map of the score, Platt's smoothed targets) are
// fitted on out-of-fold scores; both satisfy Calibrator.
//
// # Thresholds
//
// SelectThresholds picks, per group, the lowest score threshold whose
// one-sided Clopper–Pearson lower confidence bound on precision among the
// rows at or above it reaches the target. The minimum-support rule counts the
// held-out decisions AT OR ABOVE the threshold (the ones that would have been
// auto-approved), not all decisions of the group: the bound must rest on at
// least MinApproved decisions the policy would actually have taken. A group
// where no threshold qualifies gets no auto-approval (Threshold.OK false,
// Value +Inf) and a warning.
//
// # Splits
//
// KFold, StratifiedKFold, Cutoff and Rolling produce train/test index sets for
// backtests; randomness is passed in as a rand.Source.
//
// # Invariants and errors
//
// Inputs are never mutated; results are freshly allocated. Slices that must
// be parallel and are not, an option out of its domain or an impossible count
// (k > n) are misuse and panic with an "eval: " message. Bad data — a NaN
// score, a probability outside [0, 1] where one is required, a single class
// where two are needed — returns an error that names the offending index;
// ErrOneClass is returned (wrapped) when a metric is undefined because all
// labels are equal, so callers can turn it into a warning with errors.Is.
// Findings that do not stop a computation travel with its result as Warnings.
//
// The sub-packages build on these functions: model is the scorer whose
// out-of-fold scores they evaluate, score turns requests into its
// instances and replays history, policy is the policy file and its
// routing, triage the quality sample and the decision log, outcomes the
// error rates after go-live and the circuit breaker, and report renders
// results and notebooks as self-contained HTML.
package eval
