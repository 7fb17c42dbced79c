package mining

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestMatch(t *testing.T) {
	e := func(v ...int32) []int32 { return v }
	tests := []struct {
		name      string
		prev, cur []RoleSet
		lastID    int
		opts      LineageOptions
		want      Lineage
	}{
		{
			name: "identical runs",
			prev: []RoleSet{{ID: 3, Entitlements: e(0, 1, 2), Members: e(0, 1)}, {ID: 7, Entitlements: e(3, 4), Members: e(2, 3)}},
			cur:  []RoleSet{{Entitlements: e(3, 4), Members: e(2, 3)}, {Entitlements: e(0, 1, 2), Members: e(0, 1)}},
			// The ids of prev are kept; 9 was issued once and stays the last.
			lastID: 9,
			want: Lineage{Roles: []RoleChange{
				{ID: 7, Change: ChangeUnchanged, Prev: 1, Cur: 0, Jaccard: 1, MemberJaccard: 1, MembersBefore: 2, MembersAfter: 2},
				{ID: 3, Change: ChangeUnchanged, Prev: 0, Cur: 1, Jaccard: 1, MemberJaccard: 1, MembersBefore: 2, MembersAfter: 2},
			}, LastID: 9},
		},
		{
			name: "unchanged entitlements, new members",
			prev: []RoleSet{{ID: 1, Entitlements: e(0, 1), Members: e(0, 1, 2, 3)}},
			cur:  []RoleSet{{Entitlements: e(0, 1), Members: e(2, 3, 4)}},
			// Members 2 and 3 of 0…4.
			want: Lineage{Roles: []RoleChange{
				{ID: 1, Change: ChangeUnchanged, Prev: 0, Cur: 0, Jaccard: 1, MemberJaccard: 2.0 / 5, MembersBefore: 4, MembersAfter: 3},
			}, LastID: 1},
		},
		{
			name: "one entitlement added",
			prev: []RoleSet{{ID: 1, Entitlements: e(0, 1, 2, 3), Members: e(0, 1)}},
			cur:  []RoleSet{{Entitlements: e(0, 1, 2, 3, 4), Members: e(0, 1)}},
			// 4 common of 5.
			want: Lineage{Roles: []RoleChange{
				{ID: 1, Change: ChangeDrifted, Prev: 0, Cur: 0, Jaccard: 0.8, MemberJaccard: 1, EntitlementsAdded: 1, MembersBefore: 2, MembersAfter: 2},
			}, LastID: 1},
		},
		{
			name: "new role",
			prev: []RoleSet{{ID: 1, Entitlements: e(0, 1), Members: e(0)}},
			cur:  []RoleSet{{Entitlements: e(0, 1), Members: e(0)}, {Entitlements: e(5, 6, 7), Members: e(1, 2)}},
			// Ids up to 4 were issued by earlier runs: the new role is 5.
			lastID: 4,
			want: Lineage{Roles: []RoleChange{
				{ID: 1, Change: ChangeUnchanged, Prev: 0, Cur: 0, Jaccard: 1, MemberJaccard: 1, MembersBefore: 1, MembersAfter: 1},
				{ID: 5, Change: ChangeAdded, Prev: -1, Cur: 1, EntitlementsAdded: 3, MembersAfter: 2},
			}, LastID: 5},
		},
		{
			name: "split role",
			prev: []RoleSet{{ID: 2, Entitlements: e(0, 1, 2, 3, 4, 5), Members: e(0, 1, 2, 3)}},
			cur:  []RoleSet{{Entitlements: e(3, 4, 5), Members: e(0, 1)}, {Entitlements: e(0, 1, 2), Members: e(0, 1, 2, 3)}},
			// Both halves have Jaccard 3/6; the one with the same members
			// (4/4 against 2/4) keeps the id.
			lastID: 2,
			want: Lineage{Roles: []RoleChange{
				{ID: 3, Change: ChangeAdded, Prev: -1, Cur: 0, EntitlementsAdded: 3, MembersAfter: 2},
				{ID: 2, Change: ChangeDrifted, Prev: 0, Cur: 1, Jaccard: 0.5, MemberJaccard: 1, EntitlementsRemoved: 3, MembersBefore: 4, MembersAfter: 4},
			}, LastID: 3},
		},
		{
			name: "merged roles",
			prev: []RoleSet{{ID: 1, Entitlements: e(0, 1, 2), Members: e(0)}, {ID: 2, Entitlements: e(3, 4), Members: e(0)}},
			cur:  []RoleSet{{Entitlements: e(0, 1, 2, 3, 4), Members: e(0)}},
			// 3/5 with role 1, 2/5 with role 2, below the 0.5 needed.
			want: Lineage{
				Roles: []RoleChange{
					{ID: 1, Change: ChangeDrifted, Prev: 0, Cur: 0, Jaccard: 0.6, MemberJaccard: 1, EntitlementsAdded: 2, MembersBefore: 1, MembersAfter: 1},
				},
				Removed: []RoleChange{{ID: 2, Change: ChangeRemoved, Prev: 1, Cur: -1, EntitlementsRemoved: 2, MembersBefore: 1}},
				LastID:  2,
			},
		},
		{
			name: "too different",
			prev: []RoleSet{{ID: 1, Entitlements: e(0, 1, 2, 3), Members: e(0)}},
			cur:  []RoleSet{{Entitlements: e(0, 1, 5, 6), Members: e(0)}},
			// 2/6 < 0.5: a new role, and the old one removed.
			want: Lineage{
				Roles:   []RoleChange{{ID: 2, Change: ChangeAdded, Prev: -1, Cur: 0, EntitlementsAdded: 4, MembersAfter: 1}},
				Removed: []RoleChange{{ID: 1, Change: ChangeRemoved, Prev: 0, Cur: -1, EntitlementsRemoved: 4, MembersBefore: 1}},
				LastID:  2,
			},
		},
		{
			name: "lower threshold",
			prev: []RoleSet{{ID: 1, Entitlements: e(0, 1, 2, 3), Members: e(0)}},
			cur:  []RoleSet{{Entitlements: e(0, 1, 5, 6), Members: e(0)}},
			opts: LineageOptions{MinSimilarity: 0.3},
			want: Lineage{Roles: []RoleChange{
				{ID: 1, Change: ChangeDrifted, Prev: 0, Cur: 0, Jaccard: 2.0 / 6, MemberJaccard: 1, EntitlementsAdded: 2, EntitlementsRemoved: 2, MembersBefore: 1, MembersAfter: 1},
			}, LastID: 1},
		},
		{
			name: "partial roles continue partial roles",
			prev: []RoleSet{{ID: 1, Entitlements: e(0, 1), Members: e(0, 1), Partial: true}},
			cur:  []RoleSet{{Entitlements: e(0, 1), Members: e(0, 1)}},
			// Same sets, but a partial role then and a role of its own now.
			want: Lineage{
				Roles:   []RoleChange{{ID: 2, Change: ChangeAdded, Prev: -1, Cur: 0, EntitlementsAdded: 2, MembersAfter: 2}},
				Removed: []RoleChange{{ID: 1, Change: ChangeRemoved, Prev: 0, Cur: -1, EntitlementsRemoved: 2, MembersBefore: 2}},
				LastID:  2,
			},
		},
		{
			name: "tie goes to the lower previous id",
			prev: []RoleSet{{ID: 5, Entitlements: e(0, 1), Members: e(0)}, {ID: 2, Entitlements: e(0, 1), Members: e(0)}},
			cur:  []RoleSet{{Entitlements: e(0, 1), Members: e(0)}},
			want: Lineage{
				Roles:   []RoleChange{{ID: 2, Change: ChangeUnchanged, Prev: 1, Cur: 0, Jaccard: 1, MemberJaccard: 1, MembersBefore: 1, MembersAfter: 1}},
				Removed: []RoleChange{{ID: 5, Change: ChangeRemoved, Prev: 0, Cur: -1, EntitlementsRemoved: 2, MembersBefore: 1}},
				LastID:  5,
			},
		},
		{
			name: "first run",
			cur: []RoleSet{
				{Entitlements: e(0), Members: e(0)}, {Entitlements: e(1), Members: e(0, 1)}, {Entitlements: e(2, 3), Members: e(1)},
				{Entitlements: e(1, 2), Members: e(0, 1, 2), Partial: true},
			},
			// Fresh ids by rank: roles of their own first, most members,
			// then most entitlements.
			want: Lineage{Roles: []RoleChange{
				{ID: 3, Change: ChangeAdded, Prev: -1, Cur: 0, EntitlementsAdded: 1, MembersAfter: 1},
				{ID: 1, Change: ChangeAdded, Prev: -1, Cur: 1, EntitlementsAdded: 1, MembersAfter: 2},
				{ID: 2, Change: ChangeAdded, Prev: -1, Cur: 2, EntitlementsAdded: 2, MembersAfter: 1},
				{ID: 4, Change: ChangeAdded, Prev: -1, Cur: 3, EntitlementsAdded: 2, MembersAfter: 3},
			}, LastID: 4},
		},
		{
			name: "last id below the previous ids",
			prev: []RoleSet{{ID: 8, Entitlements: e(0), Members: e(0)}},
			cur:  []RoleSet{{Entitlements: e(1), Members: e(0)}},
			want: Lineage{
				Roles:   []RoleChange{{ID: 9, Change: ChangeAdded, Prev: -1, Cur: 0, EntitlementsAdded: 1, MembersAfter: 1}},
				Removed: []RoleChange{{ID: 8, Change: ChangeRemoved, Prev: 0, Cur: -1, EntitlementsRemoved: 1, MembersBefore: 1}},
				LastID:  9,
			},
		},
		{
			name: "nothing",
			want: Lineage{Roles: []RoleChange{}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Match(tc.prev, tc.cur, tc.lastID, tc.opts)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Match (-want +got):\n%s", diff)
			}
		})
	}
}

// Permuting the roles of either run permutes Lineage.Roles alike and
// changes nothing else.
func TestMatchPermutation(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	prev, cur := randomRuns(rnd, 40)
	base := Match(prev, cur, 50, DefaultLineageOptions)
	if base.Count(ChangeDrifted) == 0 || base.Count(ChangeAdded) == 0 || base.Count(ChangeRemoved) == 0 || base.Count(ChangeUnchanged) == 0 {
		t.Fatalf("random runs do not exercise every change: %+v", base)
	}
	for range 20 {
		pp, cp := rnd.Perm(len(prev)), rnd.Perm(len(cur))
		prev2, cur2 := make([]RoleSet, len(prev)), make([]RoleSet, len(cur))
		for k := range pp {
			prev2[pp[k]] = prev[k]
		}
		for k := range cp {
			cur2[cp[k]] = cur[k]
		}
		got := Match(prev2, cur2, 50, DefaultLineageOptions)
		// Undo the permutation: role k of cur is role cp[k] of cur2.
		want := Lineage{Roles: make([]RoleChange, len(cur)), LastID: base.LastID}
		for k, r := range base.Roles {
			r.Cur = cp[k]
			if r.Prev >= 0 {
				r.Prev = pp[r.Prev]
			}
			want.Roles[cp[k]] = r
		}
		for _, r := range base.Removed {
			r.Prev = pp[r.Prev]
			want.Removed = append(want.Removed, r)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("permuted inputs (-want +got):\n%s", diff)
		}
	}
}

// randomRuns returns n random roles of a previous run and a current run
// made of some of them unchanged, some drifted, and some new roles; no two
// current roles are identical.
func randomRuns(rnd *rand.Rand, n int) (prev, cur []RoleSet) {
	set := func(lo, size, span int) []int32 {
		var s []int32
		for _, v := range rnd.Perm(span)[:size] {
			s = append(s, int32(lo+v))
		}
		slices.Sort(s)
		return s
	}
	for k := range n {
		prev = append(prev, RoleSet{ID: 2*k + 1, Entitlements: set(10*k, 2+rnd.IntN(6), 10), Members: set(0, 1+rnd.IntN(5), 30), Partial: k%5 == 4})
	}
	for k, p := range prev {
		switch k % 4 {
		case 0: // unchanged, maybe other members
			cur = append(cur, RoleSet{Entitlements: p.Entitlements, Members: set(0, 1+rnd.IntN(5), 30), Partial: p.Partial})
		case 1: // one more entitlement, and a near copy
			e := append(slices.Clone(p.Entitlements), int32(10*n+k))
			cur = append(cur, RoleSet{Entitlements: e, Members: p.Members, Partial: p.Partial})
			cur = append(cur, RoleSet{Entitlements: e[1:], Members: p.Members, Partial: p.Partial})
		case 2: // a new role
			cur = append(cur, RoleSet{Entitlements: set(20*n+10*k, 3, 10), Members: p.Members})
		}
	}
	return prev, cur
}

func TestMatchPanics(t *testing.T) {
	ok := []RoleSet{{ID: 1, Entitlements: []int32{0, 1}}}
	tests := []struct {
		name      string
		prev, cur []RoleSet
		lastID    int
		opts      LineageOptions
	}{
		{"id 0", []RoleSet{{ID: 0}}, nil, 0, LineageOptions{}},
		{"repeated id", []RoleSet{{ID: 1}, {ID: 1}}, nil, 0, LineageOptions{}},
		{"unsorted entitlements", ok, []RoleSet{{Entitlements: []int32{1, 0}}}, 0, LineageOptions{}},
		{"duplicate members", []RoleSet{{ID: 1, Members: []int32{2, 2}}}, nil, 0, LineageOptions{}},
		{"negative last id", ok, nil, -1, LineageOptions{}},
		{"similarity above 1", ok, nil, 0, LineageOptions{MinSimilarity: 1.5}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if r := recover(); r == nil {
					t.Errorf("no panic")
				} else if s := fmt.Sprint(r); s[:8] != "mining: " {
					t.Errorf("panic %q, want a mining: message", s)
				}
			}()
			Match(tc.prev, tc.cur, tc.lastID, tc.opts)
		})
	}
}

func BenchmarkMatch(b *testing.B) {
	for _, n := range []int{100, 1000, 5000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			prev, cur := randomRuns(rand.New(rand.NewPCG(1, 2)), n)
			b.ReportAllocs()
			for b.Loop() {
				Match(prev, cur, 0, DefaultLineageOptions)
			}
			b.ReportMetric(float64(len(prev)+len(cur))*float64(b.N)/b.Elapsed().Seconds(), "roles/s")
		})
	}
}
