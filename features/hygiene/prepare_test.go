package hygiene

import (
	stdcmp "cmp"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Prepare gives the same assignments whatever order they were added in,
// sorting them in place, without a second copy; a repeated cell keeps its
// first row when the input is sorted, and the row granted first otherwise.
func TestPrepareAssignmentOrder(t *testing.T) {
	type cell struct {
		identity, entitlement string
		granted               int64
	}
	sorted := []cell{{"a", "x", 1}, {"a", "y", 2}, {"b", "x", 3}, {"b", "x", 4}, {"b", "z", 5}, {"c", "y", 6}}
	load := func(cells []cell) *Data {
		d := NewData()
		for _, id := range []string{"a", "b", "c"} {
			d.AddIdentity(Identity{ID: id})
		}
		for _, e := range []string{"x", "y", "z"} {
			d.AddEntitlement(Entitlement{ID: e})
		}
		d.Reserve(Sizes{Assignments: len(cells)})
		for _, c := range cells {
			d.AddAssignment(c.identity, c.entitlement, c.granted, 0, SourceDirect)
		}
		return d
	}
	inOrder := load(sorted)
	first := &inOrder.Assignments[0]
	inOrder.Prepare()
	if &inOrder.Assignments[0] != first {
		t.Errorf("sorted assignments were copied by Prepare")
	}
	want := []Assignment{{0, 0, 1, 0, SourceDirect}, {0, 1, 2, 0, SourceDirect}, {1, 0, 3, 0, SourceDirect},
		{1, 2, 5, 0, SourceDirect}, {2, 1, 6, 0, SourceDirect}}
	if diff := cmp.Diff(want, inOrder.Assignments); diff != "" {
		t.Errorf("sorted input (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"assignments: 1 repeated (identity, entitlement) rows collapsed"}, inOrder.Warnings); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
	// Reversed, the repeated cell granted last comes first.
	reversed := slices.Clone(sorted)
	slices.Reverse(reversed)
	d := load(reversed)
	first = &d.Assignments[0]
	d.Prepare()
	if &d.Assignments[0] != first {
		t.Errorf("unsorted assignments were copied by Prepare")
	}
	if diff := cmp.Diff(want, d.Assignments); diff != "" {
		t.Errorf("reversed input (-want +got):\n%s", diff)
	}
	for i := range int32(3) {
		lo, hi := d.Held(i)
		wlo, whi := inOrder.Held(i)
		if lo != wlo || hi != whi {
			t.Errorf("Held(%d) = [%d, %d), sorted input [%d, %d)", i, lo, hi, wlo, whi)
		}
	}
}

// WithAssignments sorts any permutation of prepared assignments back into
// the order Prepare gave them: the in-place sort, checked on shuffles.
func TestSortShuffled(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	d := NewData()
	for i := range 200 {
		d.AddIdentity(Identity{ID: fmt.Sprintf("i%03d", i)})
	}
	for e := range 50 {
		d.AddEntitlement(Entitlement{ID: fmt.Sprintf("e%02d", e)})
	}
	for i := range 200 {
		for e := range 50 {
			if rng.IntN(4) == 0 {
				d.AddAssignment(fmt.Sprintf("i%03d", i), fmt.Sprintf("e%02d", e), int64(rng.IntN(1000)), 0, SourceRole)
			}
		}
	}
	d.Prepare()
	for range 5 {
		shuffled := slices.Clone(d.Assignments)
		rng.Shuffle(len(shuffled), func(x, y int) { shuffled[x], shuffled[y] = shuffled[y], shuffled[x] })
		if diff := cmp.Diff(d.Assignments, d.WithAssignments(shuffled).Assignments); diff != "" {
			t.Fatalf("shuffled (-prepared +sorted again):\n%s", diff)
		}
	}
}

// Room reserved for certifications beyond a bound that proved loose by
// more than a quarter is given back by Prepare, keeping the rows; a close
// bound keeps its table.
func TestPrepareFitsCertifications(t *testing.T) {
	for _, tc := range []struct{ reserved, added, wantCap int }{{100, 10, 10}, {12, 10, 12}, {10, 10, 10}} {
		d := NewData()
		d.AddIdentity(Identity{ID: "a"})
		d.AddEntitlement(Entitlement{ID: "x"})
		d.Reserve(Sizes{Certifications: tc.reserved})
		for k := range tc.added {
			d.AddCertification("a", "x", fmt.Sprint("c", k), int64(k+1), "keep", "r")
		}
		d.Prepare()
		if got := cap(d.Certifications); got != tc.wantCap {
			t.Errorf("reserved %d, added %d: capacity %d, want %d", tc.reserved, tc.added, got, tc.wantCap)
		}
		if len(d.Certifications) != tc.added || d.Word(d.Certifications[tc.added-1].Campaign) != fmt.Sprint("c", tc.added-1) {
			t.Errorf("reserved %d, added %d: certifications %+v", tc.reserved, tc.added, d.Certifications)
		}
	}
}

// sortByCell split between goroutines sorts as one goroutine does, by
// identity, entitlement and then the other fields, whatever the number of
// goroutines and however unequal the parts.
func TestSortByCellSplit(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	defer func(old int) { minSplitSort = old }(minSplitSort)
	minSplitSort = 8
	rng := rand.New(rand.NewPCG(5, 6))
	full := func(a, b Assignment) int {
		return stdcmp.Or(compareCells(a, b), stdcmp.Compare(a.Granted, b.Granted), stdcmp.Compare(a.LastUsed, b.LastUsed), stdcmp.Compare(a.Source, b.Source))
	}
	for _, procs := range []int{1, 2, 3, 4} {
		runtime.GOMAXPROCS(procs)
		for _, n := range []int{1, 2, 7, 300} {
			var asg []Assignment
			for range 20 * n {
				i := int32(rng.IntN(n))
				if i > int32(n/2) && rng.IntN(3) > 0 {
					i = int32(n / 2) // many on one identity: unequal parts
				}
				asg = append(asg, Assignment{Identity: i, Entitlement: int32(rng.IntN(5)), Granted: int64(rng.IntN(3)), Source: Source(rng.IntN(2))})
			}
			want := slices.Clone(asg)
			slices.SortFunc(want, full)
			sortByCell(asg, n)
			if diff := cmp.Diff(want, asg); diff != "" {
				t.Fatalf("%d goroutines, %d identities (-sorted +sortByCell):\n%s", procs, n, diff)
			}
		}
	}
}
