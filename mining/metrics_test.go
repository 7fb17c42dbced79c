package mining

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestMeasure(t *testing.T) {
	over := DefaultApproxOptions
	over.MaxOverAssignment = 0.25
	tests := []struct {
		name string
		rows []string
		opts ApproxOptions
		want Metrics
	}{
		{
			// The partial-role case of TestApproxSmall: 6×4 + 4×3 = 36
			// assignments; C for u0…u5 and c3 c4 for u6…u9 cover
			// 24 + 8; UA 6 + 4, PA 4 + 2, WSC 2 + 10 + 6.
			name: "partial", rows: noisyRole, opts: DefaultApproxOptions,
			want: Metrics{
				Algorithm: "approx-cluster", Identities: 10, Entitlements: 4, Assignments: 36,
				Roles: 2, PartialRoles: 1, UA: 10, PA: 6, WSC: 18,
				Covered: 32, Coverage: 32.0 / 36, UnderAssignments: 4,
				RolesPerUserMean: 1, RolesPerUserMax: 1,
			},
		},
		{
			// C for everyone, over-assigning one entitlement to u6…u9.
			name: "over-assignment", rows: noisyRole, opts: over,
			want: Metrics{
				Algorithm: "approx-cluster", Identities: 10, Entitlements: 4, Assignments: 36,
				Roles: 1, UA: 10, PA: 4, WSC: 15,
				Covered: 36, Coverage: 1, OverAssignments: 4,
				RolesPerUserMean: 1, RolesPerUserMax: 1,
			},
		},
		{
			// twoRoles: A for u0…u4, B for u0…u2 and u6…u8; u5 has no
			// role. 9 identities with access, 11 links: mean 11/9.
			name: "two roles", rows: twoRoles, opts: DefaultApproxOptions,
			want: Metrics{
				Algorithm: "approx-cluster", Identities: 9, Entitlements: 6, Assignments: 30,
				Roles: 2, UA: 11, PA: 5, WSC: 18,
				Covered: 27, Coverage: 0.9, UnderAssignments: 3,
				RolesPerUserMean: 11.0 / 9, RolesPerUserMax: 2, UsersWithoutRole: 1,
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := rowsMatrix(tc.rows...)
			r, err := Approx(context.Background(), m, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			got := Measure(r)
			if diff := cmp.Diff(tc.want, got, cmpopts.EquateApprox(0, 1e-12)); diff != "" {
				t.Errorf("metrics (-want +got):\n%s", diff)
			}
			if got.UnderAssignments != len(r.Exceptions) || got.OverAssignments != len(r.OverAssignments) {
				t.Errorf("metrics count %d under and %d over; the result lists %d and %d",
					got.UnderAssignments, got.OverAssignments, len(r.Exceptions), len(r.OverAssignments))
			}
		})
	}
}

// TestMeasureExact checks Measure on an exact result: full coverage and
// WSC as computed by WSC.
func TestMeasureExact(t *testing.T) {
	m := plantedMatrix(rand.New(rand.NewPCG(11, 12)), 40, 20, 4, 0.05)
	r, err := Exact(context.Background(), m, DefaultExactOptions)
	if err != nil {
		t.Fatal(err)
	}
	mt := Measure(r)
	if mt.Coverage != 1 || mt.OverAssignments != 0 || mt.UnderAssignments != 0 || mt.WSC != WSC(r) {
		t.Errorf("exact result measured %+v, WSC %d", mt, WSC(r))
	}
	if err := CheckApprox(m, r); err != nil {
		t.Errorf("an exact result fails the approximate invariant: %v", err)
	}
}

func TestCheckApprox(t *testing.T) {
	m := rowsMatrix(noisyRole...)
	good, err := Approx(context.Background(), m, DefaultApproxOptions)
	if err != nil {
		t.Fatal(err)
	}
	// good: C (0…3) for u0…u5, c3 c4 for u6…u9; exceptions u6:c2 u7:c2
	// u8:c1 u9:c1. Column indices are in order of first sight: c1 c2 c3 c4.
	tests := []struct {
		name   string
		change func(r *Result)
		want   string
	}{
		{"good", func(*Result) {}, ""},
		{"missing exception", func(r *Result) { r.Exceptions = r.Exceptions[1:] }, `no role grants identity "u6" entitlement "c2"`},
		{"covered exception", func(r *Result) { r.Exceptions = append(r.Exceptions, Exception{0, 0}) }, `exceptions lists identity "u0" entitlement "c1"`},
		{"twice", func(r *Result) { r.Exceptions = append(r.Exceptions, r.Exceptions[0]) }, "wrongly or twice"},
		{"silent over-assignment", func(r *Result) {
			r.Roles[1].Entitlements = []int32{0, 2, 3} // c1 c3 c4: covers u8:c1 and u9:c1, over-assigns c1 to u6, u7
			r.Exceptions = r.Exceptions[:2]
		}, "roles grant 2 entitlements not held, over-assignments lists 0"},
		{"listed over-assignment", func(r *Result) { r.OverAssignments = []Exception{{0, 0}} }, `over-assignments lists identity "u0" entitlement "c1"`},
		{"parent", func(r *Result) { r.Roles[0].Parent = 2 }, "not an earlier role"},
		{"unsorted", func(r *Result) { r.Roles[0].Members = []int32{1, 0} }, "not ascending"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := *good
			r.Roles = cloneRoles(good.Roles)
			r.Exceptions = append([]Exception(nil), good.Exceptions...)
			tc.change(&r)
			err := CheckApprox(m, &r)
			if got := errString(err); tc.want == "" && got != "" || !strings.Contains(got, tc.want) {
				t.Errorf("CheckApprox = %q, want %q", got, tc.want)
			}
		})
	}
}

func cloneRoles(roles []Role) []Role {
	out := make([]Role, len(roles))
	for k, r := range roles {
		out[k] = Role{Entitlements: append([]int32(nil), r.Entitlements...), Members: append([]int32(nil), r.Members...), Parent: r.Parent}
	}
	return out
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestBestJaccard(t *testing.T) {
	roles := []Role{{Entitlements: []int32{0, 1, 2}}, {Entitlements: []int32{3, 4}}}
	want := [][]int32{{0, 1, 2}, {0, 1}, {3, 4, 5, 6}, {7}}
	// {0,1,2} matches role 0 exactly; {0,1} shares 2 of 3; {3,4,5,6}
	// shares 2 of 4 with role 1; {7} nothing.
	got := BestJaccard(want, roles)
	if diff := cmp.Diff([]float64{1, 2.0 / 3, 0.5, 0}, got, cmpopts.EquateApprox(0, 1e-12)); diff != "" {
		t.Errorf("BestJaccard (-want +got):\n%s", diff)
	}
}
