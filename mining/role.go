package mining

import "rolemine/features"

// Role is a candidate role: a set of entitlements granted together to a set
// of members. Indices refer to the rows (identities) and columns
// (entitlements) of the features.Matrix the role was mined from; both slices
// are sorted ascending and duplicate-free.
type Role struct {
	Entitlements []int32
	Members      []int32

	// Parent is 1 + the index in Result.Roles of the base role this one is
	// a partial role of (a subset of its entitlements for identities
	// holding only part of it; see Approx), or 0 for a role of its own.
	// A partial role follows its base role in Result.Roles.
	Parent int
}

// Exception is an assignment left as a direct grant because no role of the
// result covers it.
type Exception struct {
	Identity, Entitlement int32
}

// Result is the outcome of one mining run over a matrix.
//
// Invariant: for an exact result, the union of the entitlements of the roles
// of each member equals that member's row of the matrix, and Exceptions is
// empty. For an approximate result, each member's roles grant only
// entitlements the member holds unless over-assignment was explicitly
// allowed, in which case every such grant is listed in OverAssignments; and
// every assignment no role covers is listed in Exceptions.
type Result struct {
	Matrix          *features.Matrix
	Roles           []Role
	Exceptions      []Exception
	OverAssignments []Exception // granted by a role but not held today
	LowerBound      int         // proven lower bound on the objective; 0 when none
	Algorithm       string
	Warnings        []string
}
