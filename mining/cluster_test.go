package mining

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestClusterSplit links two roles through an entitlement held by
// members of both: x1…x4 for u0…u9, y1…y4 for u3…u12, z for u2…u10.
// Jaccard x–y is 7/13, below 0.7, but z–x and z–y are 8/11: one component
// of 9 columns with 20 of 36 pairs linked, which Louvain splits into the
// two roles (z joining one of them).
func TestClusterSplit(t *testing.T) {
	rows := make([]string, 13)
	for i := range rows {
		if i <= 9 {
			rows[i] += "x1 x2 x3 x4 "
		}
		if i >= 3 {
			rows[i] += "y1 y2 y3 y4 "
		}
		if i >= 2 && i <= 10 {
			rows[i] += "z"
		}
	}
	m := rowsMatrix(rows...)
	groups, err := clusterCandidates(context.Background(), m, DefaultApproxOptions.withDefaults())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, g := range groups {
		got = append(got, namedRoles(m, []Role{{Entitlements: g}})[0].Entitlements)
	}
	want := []string{"x1 x2 x3 x4 z", "y1 y2 y3 y4"}
	if got[0] != want[0] {
		want[0], want[1] = "x1 x2 x3 x4", "y1 y2 y3 y4 z"
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("groups (-want +got):\n%s", diff)
	}
}

func TestMergeDense(t *testing.T) {
	link := func(pairs ...[2]int32) colComponent {
		c := colComponent{cols: []int32{0, 1, 2, 3, 4, 5}}
		for _, p := range pairs {
			c.pairs = append(c.pairs, colPair{a: p[0], b: p[1]})
		}
		return c
	}
	halves := [][]int32{{0, 1, 2}, {3, 4, 5}}
	tests := []struct {
		name string
		c    colComponent
		want [][]int32
	}{
		{
			// 2 of 3 pairs linked within each half, 5 of 9 across:
			// 0.56 ≥ 0.5 × 0.67, merely noisy.
			name: "noisy",
			c:    link([2]int32{0, 1}, [2]int32{1, 2}, [2]int32{3, 4}, [2]int32{4, 5}, [2]int32{0, 3}, [2]int32{1, 4}, [2]int32{2, 5}, [2]int32{0, 5}, [2]int32{2, 3}),
			want: [][]int32{{0, 1, 2, 3, 4, 5}},
		},
		{
			// Both halves fully linked, one pair across: 0.11 < 0.5.
			name: "two roles",
			c:    link([2]int32{0, 1}, [2]int32{0, 2}, [2]int32{1, 2}, [2]int32{3, 4}, [2]int32{3, 5}, [2]int32{4, 5}, [2]int32{2, 3}),
			want: halves,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			comms := [][]int32{append([]int32(nil), halves[0]...), append([]int32(nil), halves[1]...)}
			if diff := cmp.Diff(tc.want, mergeDense(tc.c, comms)); diff != "" {
				t.Errorf("communities (-want +got):\n%s", diff)
			}
		})
	}
}
