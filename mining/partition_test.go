package mining

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"rolemine/features"
)

// partitionIDs describes partitions by ids: per partition, its identities
// and entitlements, sorted, and its cells.
type partitionIDs struct {
	Rows, Cols []string
	Cells      int
}

func describePartitions(m *features.Matrix, parts []Partition) []partitionIDs {
	var out []partitionIDs
	for k, p := range parts {
		if p.ID != k+1 {
			panic(fmt.Sprintf("partition %d has id %d", k, p.ID))
		}
		d := partitionIDs{Cells: p.Cells}
		for _, i := range p.Rows {
			d.Rows = append(d.Rows, m.RowID(int(i)))
		}
		for _, j := range p.Cols {
			d.Cols = append(d.Cols, m.ColID(int(j)))
		}
		slices.Sort(d.Rows)
		slices.Sort(d.Cols)
		out = append(out, d)
	}
	return out
}

func TestPartitions(t *testing.T) {
	// Three blocks: {u0,u1}×{a,b} (3 cells), {u2}×{c} (1), {u3,u4}×{d,e,f}
	// (4); u5 holds nothing. Blocks are ordered by their least entitlement
	// id: a, c, d.
	m := matrixOf("a b", "b", "c", "d e", "e f", "")
	ab := partitionIDs{Rows: []string{"u0", "u1"}, Cols: []string{"a", "b"}, Cells: 3}
	c := partitionIDs{Rows: []string{"u2"}, Cols: []string{"c"}, Cells: 1}
	def := partitionIDs{Rows: []string{"u3", "u4"}, Cols: []string{"d", "e", "f"}, Cells: 4}
	abc := partitionIDs{Rows: []string{"u0", "u1", "u2"}, Cols: []string{"a", "b", "c"}, Cells: 4}
	all := partitionIDs{Rows: []string{"u0", "u1", "u2", "u3", "u4"}, Cols: []string{"a", "b", "c", "d", "e", "f"}, Cells: 8}
	for _, tc := range []struct {
		maxCells int
		want     []partitionIDs
	}{
		{1, []partitionIDs{ab, c, def}}, // every block alone, ab larger than the bound
		{3, []partitionIDs{ab, c, def}},
		{4, []partitionIDs{abc, def}}, // ab and c packed; def would exceed 4
		{7, []partitionIDs{abc, def}},
		{8, []partitionIDs{all}},
		{0, []partitionIDs{all}}, // the default bound
	} {
		got := describePartitions(m, Partitions(m, PartitionOptions{MaxCells: tc.maxCells}))
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("MaxCells %d (-want +got):\n%s", tc.maxCells, diff)
		}
	}
}

// blockyMatrix returns a random matrix of n blocks of random sizes, with
// ids that do not sort in the order of the blocks, its cells added in
// random order.
func blockyMatrix(rng *rand.Rand, n int) *features.Matrix {
	var ids, ents []string
	for b := range n {
		rows, cols := 1+rng.IntN(8), 1+rng.IntN(8)
		tag := rng.IntN(1000)
		for i := range rows {
			for j := range cols {
				if j == i%cols || rng.Float64() < 0.4 { // every row and column gets a cell
					ids = append(ids, fmt.Sprintf("u%03d-%d-%d", tag, b, i))
					ents = append(ents, fmt.Sprintf("e%03d-%d-%d", tag, b, j))
				}
			}
		}
	}
	rng.Shuffle(len(ids), func(a, b int) { ids[a], ids[b] = ids[b], ids[a]; ents[a], ents[b] = ents[b], ents[a] })
	return features.NewMatrix(ids, ents)
}

// The partitions cover every cell once, never split a row's cells, respect
// the bound when they pack several blocks, and do not depend on the order
// in which the matrix was built.
func TestPartitionsInvariants(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := range 50 {
		m := blockyMatrix(rng, 1+rng.IntN(12))
		opts := PartitionOptions{MaxCells: 1 + rng.IntN(40)}
		parts := Partitions(m, opts)
		rowPart := make([]int, m.Rows())
		colPart := make([]int, m.Cols())
		cells := 0
		for _, p := range parts {
			for _, i := range p.Rows {
				if rowPart[i] != 0 {
					t.Fatalf("trial %d: row %d in partitions %d and %d", trial, i, rowPart[i], p.ID)
				}
				rowPart[i] = p.ID
			}
			for _, j := range p.Cols {
				if colPart[j] != 0 {
					t.Fatalf("trial %d: column %d in partitions %d and %d", trial, j, colPart[j], p.ID)
				}
				colPart[j] = p.ID
			}
			n := 0
			for _, i := range p.Rows {
				n += m.RowSupport(int(i))
			}
			if n != p.Cells {
				t.Fatalf("trial %d: partition %d says %d cells, its rows hold %d", trial, p.ID, p.Cells, n)
			}
			if p.Cells > opts.MaxCells && len(connectedBlocks(p.Matrix(m))) > 1 {
				t.Errorf("trial %d: partition %d packs several blocks into %d cells, bound %d", trial, p.ID, p.Cells, opts.MaxCells)
			}
			cells += p.Cells
		}
		for i := range m.Rows() {
			for _, j := range m.Row(i) {
				if rowPart[i] != colPart[j] {
					t.Fatalf("trial %d: cell (%d,%d) spans partitions %d and %d", trial, i, j, rowPart[i], colPart[j])
				}
			}
		}
		if cells != m.NNZ() {
			t.Errorf("trial %d: partitions hold %d cells of %d", trial, cells, m.NNZ())
		}

		// The same cells in another order give the same partitions.
		var ids, ents []string
		for i := range m.Rows() {
			for _, j := range m.Row(i) {
				ids, ents = append(ids, m.RowID(i)), append(ents, m.ColID(int(j)))
			}
		}
		rng.Shuffle(len(ids), func(a, b int) { ids[a], ids[b] = ids[b], ids[a]; ents[a], ents[b] = ents[b], ents[a] })
		shuffled := features.NewMatrix(ids, ents)
		want := describePartitions(m, parts)
		if diff := cmp.Diff(want, describePartitions(shuffled, Partitions(shuffled, opts))); diff != "" {
			t.Fatalf("trial %d: partitions depend on the order of the cells (-want +got):\n%s", trial, diff)
		}
	}
}

// roleKeys describes the roles of r by ids, "entitlements | members", sorted.
func roleKeys(r *Result) []string {
	var keys []string
	for _, role := range r.Roles {
		var es, ms []string
		for _, j := range role.Entitlements {
			es = append(es, r.Matrix.ColID(int(j)))
		}
		for _, i := range role.Members {
			ms = append(ms, r.Matrix.RowID(int(i)))
		}
		slices.Sort(es)
		slices.Sort(ms)
		keys = append(keys, strings.Join(es, " ")+" | "+strings.Join(ms, " "))
	}
	slices.Sort(keys)
	return keys
}

// disjointUnion places matrices side by side, their ids prefixed by their
// position, so that each is one or more blocks of the result.
func disjointUnion(ms ...*features.Matrix) *features.Matrix {
	var ids, ents []string
	for k, m := range ms {
		for i := range m.Rows() {
			for _, j := range m.Row(i) {
				ids = append(ids, fmt.Sprintf("m%d/%s", k, m.RowID(i)))
				ents = append(ents, fmt.Sprintf("m%d/%s", k, m.ColID(int(j))))
			}
		}
	}
	return features.NewMatrix(ids, ents)
}

// Mining each partition with Exact (fewest roles) and concatenating the
// roles gives the roles of mining the whole matrix, and the lower bounds
// add up: the claim distributed mining rests on. For MinWSC the covers are
// exact too but need not be the same ones: its local search draws from one
// random stream over all blocks of a run, so a block's draws depend on the
// blocks solved before it.
func TestExactByPartition(t *testing.T) {
	m := disjointUnion(loadHP(t, "hc.txt"), loadHP(t, "domino.txt"), loadHP(t, "emea.txt"), crown(6),
		blockyMatrix(rand.New(rand.NewPCG(5, 6)), 20))
	parts := Partitions(m, PartitionOptions{MaxCells: 2000})
	if len(parts) < 4 {
		t.Fatalf("only %d partitions: the test needs several", len(parts))
	}
	whole, err := Exact(context.Background(), m, DefaultExactOptions)
	if err != nil {
		t.Fatal(err)
	}
	if len(whole.Warnings) > 0 {
		t.Fatalf("the whole matrix ran out of budget, so partitions may differ: %q", whole.Warnings)
	}
	var got []string
	bound := 0
	wscOpts := DefaultExactOptions
	wscOpts.Objective = MinWSC
	for _, p := range parts {
		pm := p.Matrix(m)
		r, err := Exact(context.Background(), pm, DefaultExactOptions)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, roleKeys(r)...)
		bound += r.LowerBound
		w, err := Exact(context.Background(), pm, wscOpts)
		if err != nil {
			t.Fatal(err)
		}
		if err := CheckExact(pm, w); err != nil {
			t.Errorf("partition %d, MinWSC: %v", p.ID, err)
		}
	}
	slices.Sort(got)
	if diff := cmp.Diff(roleKeys(whole), got); diff != "" {
		t.Errorf("roles by partition differ from the whole matrix's (-whole +partitions):\n%s", diff)
	}
	if bound != whole.LowerBound {
		t.Errorf("lower bounds of the partitions add up to %d, the whole's is %d", bound, whole.LowerBound)
	}
}

func TestPartitionsMisuse(t *testing.T) {
	for name, f := range map[string]func(){
		"nil matrix":     func() { Partitions(nil, DefaultPartitionOptions) },
		"negative bound": func() { Partitions(matrixOf("a"), PartitionOptions{MaxCells: -1}) },
		"foreign partition": func() {
			m := matrixOf("a b", "c")
			Partition{ID: 1, Rows: []int32{0}, Cols: []int32{0}}.Matrix(m)
		},
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if r := recover(); r == nil || !strings.HasPrefix(fmt.Sprint(r), "mining: ") {
					t.Errorf("recovered %v, want a mining: panic", r)
				}
			}()
			f()
		})
	}
}
