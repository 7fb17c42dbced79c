package mining

import (
	"fmt"

	"rolemine/features"
)

// CheckExact verifies that r reproduces m exactly: every role's members and
// entitlements are sorted, duplicate-free indices of m; every role held by
// an identity grants only entitlements the identity holds; the union of an
// identity's roles is its whole row; and r lists no exception or
// over-assignment. The error names the first identity and entitlement at
// fault. CheckExact shares no code with Exact, so it can vouch for it.
func CheckExact(m *features.Matrix, r *Result) error {
	if len(r.Exceptions) > 0 || len(r.OverAssignments) > 0 {
		return fmt.Errorf("exact result with %d exceptions and %d over-assignments", len(r.Exceptions), len(r.OverAssignments))
	}
	held := make([][]int, m.Rows()) // identity → indices of its roles
	for k, role := range r.Roles {
		if err := checkIndices(role.Members, m.Rows()); err != nil {
			return fmt.Errorf("role %d members: %v", k, err)
		}
		if err := checkIndices(role.Entitlements, m.Cols()); err != nil {
			return fmt.Errorf("role %d entitlements: %v", k, err)
		}
		for _, i := range role.Members {
			held[i] = append(held[i], k)
		}
	}
	granted := make([]int, m.Cols()) // entitlement → last identity + 1 granted it
	for i := range m.Rows() {
		for _, k := range held[i] {
			for _, j := range r.Roles[k].Entitlements {
				if !m.Has(i, int(j)) {
					return fmt.Errorf("role %d grants identity %q entitlement %q it does not hold", k, m.RowID(i), m.ColID(int(j)))
				}
				granted[j] = i + 1
			}
		}
		for _, j := range m.Row(i) {
			if granted[j] != i+1 {
				return fmt.Errorf("no role grants identity %q entitlement %q", m.RowID(i), m.ColID(int(j)))
			}
		}
	}
	return nil
}

func checkIndices(s []int32, n int) error {
	for k, v := range s {
		if v < 0 || int(v) >= n {
			return fmt.Errorf("index %d out of range [0,%d)", v, n)
		}
		if k > 0 && s[k-1] >= v {
			return fmt.Errorf("indices not ascending and unique at %d", v)
		}
	}
	return nil
}

// WSC returns the weighted structural complexity of r with all weights 1
// and no hierarchy: the number of roles plus the number of user–role links
// plus the number of role–entitlement links (Molloy et al., "Mining roles
// with semantic meanings", SACMAT 2008). Roles without members count too.
func WSC(r *Result) int {
	n := len(r.Roles)
	for _, role := range r.Roles {
		n += len(role.Members) + len(role.Entitlements)
	}
	return n
}
