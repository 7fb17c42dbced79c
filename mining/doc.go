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
package mining
