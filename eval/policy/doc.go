// Package policy is the auto-approval policy: the versioned JSON file that
// rolemine evaluate writes and rolemine triage applies, and the routing
// rules that send every pending request to exactly one of auto-approve,
// review or escalate.
//
// Invariants:
//   - Nothing high or critical risk, privileged, conflicting with a
//     separation-of-duties rule, for an unknown or departed requester, or
//     outside the catalogue is ever auto-approved, whatever its score: the
//     hard rules are checked before any threshold.
//   - A tier is auto-approved only when the backtest qualified a threshold
//     for it (its Clopper–Pearson lower bound on precision reached the
//     target on enough held-out decisions).
//   - A policy is refused after its expiry and on a database other than the
//     one it was built on.
//   - A policy scores only with the model it references: ModelSHA256 is the
//     SHA-256 of the fitted model's binary form, which evaluate stores in
//     the database under the policy's id; LoadModel refuses any other
//     bytes. The model is never refitted, so the calibration map and the
//     thresholds always apply to the scores they were chosen on.
//   - Tiers never automated (high, critical) carry no warning that no
//     threshold qualified.
package policy
