// Package mining finds candidate roles in an identity × entitlement matrix:
// exact role minimisation (the fewest roles, or the lowest weighted
// structural complexity, that reproduce every identity's access exactly),
// noise-tolerant business roles that leave the rest as explicit exceptions,
// attribute explanations of each role, and quality metrics.
//
// The package is pure Go on gonum and features.Matrix. Inputs are never
// mutated; randomness is passed in as a rand.Source; long runs honour
// context cancellation and return ctx.Err().
package mining
