package mining

import (
	"fmt"
	"slices"

	"rolemine/features"
)

// Metrics are quality figures of a mining result, for a table, a
// database row or metrics.json. Counts are exact; shares are in [0, 1].
// Measure computes them from the roles and the matrix alone, not from the
// Exceptions and OverAssignments the result lists (CheckApprox verifies
// those).
type Metrics struct {
	Algorithm    string `json:"algorithm"`
	Identities   int    `json:"identities"`
	Entitlements int    `json:"entitlements"`
	Assignments  int    `json:"assignments"` // set cells of the matrix

	Roles        int `json:"roles"`
	PartialRoles int `json:"partial_roles"` // roles with a Parent
	UA           int `json:"user_role_links"`
	PA           int `json:"role_entitlement_links"`
	WSC          int `json:"wsc"` // Roles + UA + PA

	Covered  int     `json:"covered"`  // assignments granted by some role
	Coverage float64 `json:"coverage"` // Covered / Assignments; 1 for an empty matrix
	// OverAssignments counts the (identity, entitlement) pairs some role
	// grants that the identity does not hold; UnderAssignments the
	// assignments no role grants (the exceptions).
	OverAssignments  int `json:"over_assignments"`
	UnderAssignments int `json:"under_assignments"`

	// RolesPerUserMean is the mean number of roles per identity holding at
	// least one entitlement; RolesPerUserMax the most any identity has.
	RolesPerUserMean float64 `json:"roles_per_user_mean"`
	RolesPerUserMax  int     `json:"roles_per_user_max"`
	UsersWithoutRole int     `json:"users_without_role"` // holding entitlements but no role

	// Generalisation is filled in by the caller from Generalisation, which
	// mines again; nil when not measured.
	Generalisation *GeneralisationMetrics `json:"generalisation,omitempty"`
}

// Measure computes the metrics of r over its matrix. It panics when r has
// no matrix or a role index out of range.
func Measure(r *Result) Metrics {
	m := r.Matrix
	if m == nil {
		panic("mining: Measure of a result without matrix")
	}
	mt := Metrics{Algorithm: r.Algorithm, Identities: m.Rows(), Entitlements: m.Cols(), Assignments: m.NNZ(), Roles: len(r.Roles)}
	held := rolesByIdentity(r)
	granted := make([]int32, m.Cols()) // column → 1 + identity last granted it
	users := 0
	for i := range m.Rows() {
		row := m.Row(i)
		n := len(held[i])
		mt.UA += n
		mt.RolesPerUserMax = max(mt.RolesPerUserMax, n)
		if len(row) > 0 {
			users++
			if n == 0 {
				mt.UsersWithoutRole++
			}
		}
		for _, k := range held[i] {
			for _, j := range r.Roles[k].Entitlements {
				if granted[j] == int32(i)+1 {
					continue
				}
				granted[j] = int32(i) + 1
				if _, ok := slices.BinarySearch(row, j); ok {
					mt.Covered++
				} else {
					mt.OverAssignments++
				}
			}
		}
	}
	for _, role := range r.Roles {
		mt.PA += len(role.Entitlements)
		if role.Parent > 0 {
			mt.PartialRoles++
		}
	}
	mt.WSC = mt.Roles + mt.UA + mt.PA
	mt.UnderAssignments = mt.Assignments - mt.Covered
	mt.Coverage = 1
	if mt.Assignments > 0 {
		mt.Coverage = float64(mt.Covered) / float64(mt.Assignments)
	}
	if users > 0 {
		mt.RolesPerUserMean = float64(mt.UA) / float64(users)
	}
	return mt
}

// rolesByIdentity returns, for each row, the indices of the roles it is a
// member of, ascending.
func rolesByIdentity(r *Result) [][]int32 {
	held := make([][]int32, r.Matrix.Rows())
	for k, role := range r.Roles {
		for _, i := range role.Members {
			if i < 0 || int(i) >= len(held) {
				panic(fmt.Sprintf("mining: role %d member %d out of range [0,%d)", k, i, len(held)))
			}
			held[i] = append(held[i], int32(k))
		}
	}
	return held
}

// CheckApprox verifies the approximate invariant of Result for r over m:
// every role's members and entitlements are sorted, duplicate-free indices
// of m; every Parent names an earlier role; OverAssignments lists exactly
// the pairs some role grants that the identity does not hold, and
// Exceptions exactly the assignments no role grants, each once. The error
// names the first identity and entitlement at fault. CheckApprox shares no
// code with Approx, so it can vouch for it.
func CheckApprox(m *features.Matrix, r *Result) error {
	for k, role := range r.Roles {
		if err := checkIndices(role.Members, m.Rows()); err != nil {
			return fmt.Errorf("role %d members: %v", k, err)
		}
		if err := checkIndices(role.Entitlements, m.Cols()); err != nil {
			return fmt.Errorf("role %d entitlements: %v", k, err)
		}
		if role.Parent < 0 || role.Parent > k {
			return fmt.Errorf("role %d: parent %d is not an earlier role", k, role.Parent-1)
		}
	}
	granted := make(map[Exception]bool)
	for _, role := range r.Roles {
		for _, i := range role.Members {
			for _, j := range role.Entitlements {
				granted[Exception{i, j}] = true
			}
		}
	}
	has := func(e Exception) bool { return m.Has(int(e.Identity), int(e.Entitlement)) }
	if _, err := checkListed(m, "over-assignments", r.OverAssignments, func(e Exception) bool { return granted[e] && !has(e) }); err != nil {
		return err
	}
	exceptions, err := checkListed(m, "exceptions", r.Exceptions, func(e Exception) bool { return !granted[e] && has(e) })
	if err != nil {
		return err
	}
	over := 0
	for e := range granted {
		if !has(e) {
			over++
		}
	}
	if over != len(r.OverAssignments) {
		return fmt.Errorf("roles grant %d entitlements not held, over-assignments lists %d", over, len(r.OverAssignments))
	}
	for i := range m.Rows() {
		for _, j := range m.Row(i) {
			if e := (Exception{int32(i), j}); !granted[e] && !exceptions[e] {
				return fmt.Errorf("no role grants identity %q entitlement %q and exceptions omit it", m.RowID(i), m.ColID(int(j)))
			}
		}
	}
	return nil
}

// checkListed checks that list names pairs of m, each once, all wanted,
// and returns them as a set.
func checkListed(m *features.Matrix, what string, list []Exception, want func(Exception) bool) (map[Exception]bool, error) {
	seen := make(map[Exception]bool, len(list))
	for _, e := range list {
		if e.Identity < 0 || int(e.Identity) >= m.Rows() || e.Entitlement < 0 || int(e.Entitlement) >= m.Cols() {
			return nil, fmt.Errorf("%s (%d, %d) out of range", what, e.Identity, e.Entitlement)
		}
		if seen[e] || !want(e) {
			return nil, fmt.Errorf("%s lists identity %q entitlement %q wrongly or twice", what, m.RowID(int(e.Identity)), m.ColID(int(e.Entitlement)))
		}
		seen[e] = true
	}
	return seen, nil
}

// BestJaccard returns, for each set of want, the highest Jaccard
// similarity between it and the entitlements of a role of got (0 when got
// is empty). Sets must be sorted and duplicate-free. It measures how well
// mining recovers known roles.
func BestJaccard(want [][]int32, got []Role) []float64 {
	byCol := map[int32][]int{} // column → roles of got having it
	for k, r := range got {
		for _, j := range r.Entitlements {
			byCol[j] = append(byCol[j], k)
		}
	}
	best := make([]float64, len(want))
	for w, set := range want {
		inter := map[int]int{}
		for _, j := range set {
			for _, k := range byCol[j] {
				inter[k]++
			}
		}
		for k, n := range inter {
			jac := float64(n) / float64(len(set)+len(got[k].Entitlements)-n)
			best[w] = max(best[w], jac)
		}
	}
	return best
}
