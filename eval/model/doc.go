// Package model scores pending access requests: for an identity (or a
// requester described only by attributes) and an entitlement, the log-odds
// that a careful human approver would approve, learned from past decisions,
// with the reasons behind each score in plain words.
//
// # Input
//
// An Instance is a bag of categorical tokens, by convention "name=value"
// ("RESOURCE=17183", "ROLE_DEPTNAME=123125", "APP=payroll"), optional dense
// numeric signals the caller computes (for example smoothed peer-holding
// rates), and the decision. Nothing is specific to one data set: any
// request described by categorical attributes will do.
//
// # Model
//
// Every token, every pair of tokens (Options.Pairs) and optionally every
// triple is a binary feature identified by a 64-bit hash (FNV-1a, mixed;
// pairs and triples hash their members' hashes, order-free). The model keeps
// an exact open-addressing table of the hashes seen in training, each with
// its weight and its training counts (approved, seen), so that explanations
// can quote them. Two signal families derived from those training counts
// join the binary features:
//
//   - count indicators (Options.Counts): per attribute group (the names of
//     a feature's tokens, e.g. RESOURCE × MGR_ID) and logarithmic bucket of
//     how many past decisions share the instance's value, so unseen and rare
//     combinations get their own learned risk;
//   - rate signals (Options.Rates): per attribute group, the smoothed
//     log-odds of approval among past decisions sharing the value and the
//     log of their number, fed to a second, dense logistic regression. For
//     training instances they come from inner folds (Options.RateFolds), so
//     no instance sees its own label (no target leakage); at scoring time
//     they use all training decisions.
//
// Both regressions minimise log-loss plus Lambda/2·‖w‖² (intercept free) with
// gonum's LBFGS; their log-odds are averaged.
//
// # Boosted trees
//
// With Options.Boost (on by default) gradient-boosted trees join the
// regressions and the score is (1−Boost.Weight)·(regression log-odds) +
// Boost.Weight·(tree log-odds). The trees see dense signals computed from
// the tokens, the same way for any categorical request data: every
// instance is read as one value per attribute name, and for every group of
// up to Boost.Order attributes (RESOURCE, RESOURCE × MGR_ID, RESOURCE ×
// MGR_ID × ROLE_TITLE, …) and, with Boost.Profiles, for every attribute the
// group of all the others (the requester's whole profile, for the
// resource), the smoothed log-odds of approval among past decisions with
// the instance's value (out-of-fold over RateFolds inner folds for training
// rows) and the log of their number; for every ordered pair of attributes
// the log of the number of distinct values of one seen with the other's
// value (how many resources a manager's staff requested). Groups that split
// the training rows exactly like one of their parts are dropped, so an
// attribute in one-to-one correspondence with another (two codes for one
// thing) adds nothing twice. The number of groups grows with the cube of
// the attributes, and with it the cost of every fit and score: when the
// groups up to Boost.Order number more than Boost.MaxGroups (150), the
// order is lowered until they fit (9 attributes keep triples, 129 groups;
// 13 use pairs, 91).
//
// The booster is a histogram booster (quantile bins, Boost.Bins) with
// logistic loss and Newton leaves −G/(H+L2), depth-limited trees with a
// minimum of rows per leaf, shrinkage, row and feature subsampling per tree
// and optional early stopping on a stratified holdout. The default grows a
// fixed number of trees: early stopping on the few denials of a holdout
// picks very different numbers of trees from one fit to the next, and
// with them different score scales, which breaks the step from a
// threshold chosen on cross-validated scores to a model refitted on all
// decisions.
//
// Scores are raw log-odds: calibrate them with eval.FitIsotonic or
// eval.FitPlatt on out-of-fold scores from CrossValidate before reading
// them as probabilities or comparing with a policy threshold.
//
// # Explanations
//
// A score is exactly the intercept plus one contribution per token
// combination plus one per numeric signal. A combination's contribution
// merges, scaled by the blend weights, the regression's weight, count
// indicator and rate signals of it with the trees' share of its group
// signals (for a single token also of its distinct-value counts); the
// trees' shares follow Saabas: along each tree's path every change of node
// value is credited to the signal split on. Explain returns the strongest,
// each with the past decisions behind it, e.g.
// "RESOURCE=17183 × ROLE_DEPTNAME=123125: 41 of 44 past requests approved".
//
// # Storing a fitted model
//
// MarshalBinary writes a model in a versioned binary form (FormatVersion)
// holding everything scoring and explaining read; UnmarshalBinary reads it
// back into a model that scores and explains bit for bit as the one
// written, so a model fitted once need not be refitted to be used. One
// model always gives the same bytes, so their SHA-256 identifies it. The
// reader refuses another version, truncated or trailing bytes and every
// index out of range, but cannot tell a changed weight: a caller storing
// models compares a content hash before reading one.
//
// # Invariants
//
// Fit is deterministic given its rand.Source (which draws the inner folds
// of the rate signals and the trees' subsamples); with more than one worker
// it grows the trees while the regressions fit, drawing from src in the
// same order, and CrossValidate derives one source per split from the one
// it is given, so neither result depends on the number of workers. ScoreTo
// scores blocks of rows (the trees walked for all rows in lockstep) and
// gives exactly Score's values. A Model is immutable and safe for
// concurrent use; inputs are never mutated. Options out of range, instances
// whose numeric signals do not match the model at scoring time and dst
// slices of the wrong length are misuse and panic with a "model: " message;
// bad training data (no instances, one class only, inconsistent or
// non-finite numeric signals) returns an error naming the instance. Nothing
// needs closing.
package model
