// Package score turns access requests into confidence scores and measures
// them against history: it assembles each request's model instance from the
// features signals and the requester's attributes, replays history in a
// backtest (rolling time windows when requests carry timestamps, k-fold
// cross-validation otherwise), calibrates the held-out scores, and selects
// per risk tier the auto-approval thresholds of a policy.
//
// Invariants:
//   - A request's signals are computed as of its requested_at time: grants
//     made after it, and the requester's own holding of the entitlement,
//     never count. A model that scores a held-out request was trained only
//     on other requests (k-fold) or on requests decided before the test
//     window (rolling).
//   - Only approved and denied requests train or test; pending ones are
//     scored.
//
// Misuse (a nil featurizer, inconsistent slices) panics with "score: ";
// data that cannot support a backtest (a single class, too few decisions)
// returns an error.
package score
