// Package outcomes measures what happened after triage — human verdicts on
// reviewed and quality-sampled requests, and later revocations (rollbacks)
// of auto-approved access — and judges, per risk tier, whether automation
// keeps the policy's promise.
//
// # Measures
//
// Measure tallies triage decisions against their outcomes per tier, per
// triage run and over all runs under one policy:
//
//   - a false approval is an auto-approved request a human reviewer denied
//     in quality review; its rate is over the auto-approvals that received
//     a QA verdict (Verified), the unbiased random sample of auto-approvals;
//   - a rollback is an auto-approved request whose access was later
//     revoked; its rate is over all auto-approvals;
//   - a false escalation is a request automation could have decided (routed
//     to review only because its score was below the tier's threshold, its
//     tier is not automated or was suspended) that the human approved; its
//     rate is over such requests with a verdict. Requests escalated by a
//     hard rule (privilege, risk, separation of duties, …) are never counted:
//     routing them to a person is the policy, not an error;
//   - time to decision is the median of hours from triage to the verdict.
//
// Every rate carries a two-sided Clopper–Pearson interval at the confidence.
//
// # The circuit breaker
//
// Assess suspends a tier when, over all triage runs under the current
// policy, the one-sided lower confidence bound of its false-approval rate
// exceeds 1 − TargetPrecision, or that of its rollback rate exceeds
// RollbackTolerance: the breaker trips only when the data show the promise
// broken with the stated confidence, not on one unlucky verdict. A
// suspension holds for the rest of the policy's life; only a new evaluation
// (a new policy) restores the tier. A tier that is not automated is
// recommended for expansion when its reviewed requests with verdicts admit
// a threshold (eval.SelectThresholds) whose precision bound reaches the
// target: a human decides whether to enable it.
//
// Inputs are never mutated. Bad options panic with an "outcomes: " message.
package outcomes
