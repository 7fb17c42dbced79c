package hygiene

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Prepare gives the same assignments whatever order they were added in,
// and sorts assignments that come sorted (as rolemine reads them) in place,
// without a second copy; a repeated cell keeps its first row.
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
	// Reversed, without the repeated cell (which copy survives an
	// unsorted input is not specified).
	reversed := slices.Concat(sorted[:3], sorted[4:])
	slices.Reverse(reversed)
	d := load(reversed)
	d.Prepare()
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
