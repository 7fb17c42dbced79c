// Package mining finds candidate roles in an identity × entitlement matrix:
// exact role minimisation (the fewest roles, or the lowest weighted
// structural complexity, that reproduce every identity's access exactly),
// noise-tolerant business roles that leave the rest as explicit exceptions,
// attribute explanations of each role, and quality metrics.
//
// The package is pure Go on gonum and features.Matrix. Inputs are never
// mutated; randomness is passed in as a rand.Source; long runs honour
// context cancellation and return ctx.Err().
//
// Exact mining. Exact returns roles whose union reproduces every
// identity's row exactly (each role a member holds lies within the member's
// row) with the fewest roles (MinRoles) or a low weighted structural
// complexity (MinWSC, see WSC), and in Result.LowerBound a proven lower
// bound on that objective, so a result equal to its bound is optimal.
// Roles are in the indices of the input matrix, members and entitlements
// ascending. CheckExact verifies the exact-cover invariant independently of
// the solver. Budgets (ExactOptions) bound the work on hard matrices: when
// one runs out the result stays an exact cover, the bound stays honest and
// Result.Warnings says so. Misuse (a nil matrix, a negative budget, an
// unknown objective) panics with a "mining: " message.
//
// # Noise-tolerant roles
//
// Approx mines a compact cover and lists what it leaves out: every
// assignment no role grants is in Result.Exceptions, and every entitlement
// a role grants that its member does not hold is in
// Result.OverAssignments (none unless ApproxOptions.MaxOverAssignment
// allows it). Candidates come from entitlement co-occurrence, either
// groups of entitlements with nearly identical holders (Cluster, split by
// gonum's Louvain communities where loosely linked) or ASSO association
// rows (Asso), and are chosen greedily by the drop in WSC plus exceptions.
// Partial roles (Role.Parent > 0) cover identities holding most but not
// all of a base role. CheckApprox verifies the approximate invariant.
//
// Explain gives each role an attribute rule (conjunction of up to three
// attribute=value terms, greedy by F1), its precision and recall, the
// identities it selects that lack the role, a risk mix, a name and a kind;
// roles with precise rules are proposed as role-mapping rules. Measure
// computes Metrics (roles, UA, PA, WSC, coverage, over- and
// under-assignment, roles per user) and Generalisation how well roles
// mined from 90 % of the access predict the hidden 10 %.
//
// Match keeps role identities stable across runs: it pairs each role of a
// run with at most one role of the previous run by the Jaccard similarity
// of their entitlements, so a role that barely changed keeps its id and is
// reported unchanged or drifted, and the rest are added (with ids never
// issued before) or removed; the result does not depend on input order.
package mining
