package mining

import (
	"cmp"
	"fmt"
	"slices"

	"rolemine/features"
)

// Partition is a group of connected blocks of a matrix, mined as one unit
// (by one worker of a distributed run, for instance).
//
// A block is a connected component of the bipartite graph of identities and
// entitlements linked by their assignments. A role's members hold all its
// entitlements, which connects them, so no role of Exact spans two blocks;
// and since Exact solves each block on its own, mining every partition and
// concatenating the roles gives the roles of mining the whole matrix (as
// long as no budget of ExactOptions runs out, the budgets being spent per
// run). Identities and entitlements without assignments are in no
// partition: they hold no role.
type Partition struct {
	// ID numbers the partitions 1, 2, … in the order of their smallest
	// entitlement id (ColID), so it depends on the matrix's content only,
	// not on the order of its rows and columns.
	ID int
	// Rows and Cols are the partition's identities and entitlements, as
	// indices of the matrix, ascending.
	Rows, Cols []int32
	// Cells is the number of assignments of the partition.
	Cells int
}

// PartitionOptions are the settings of Partitions. A zero field takes its
// value from DefaultPartitionOptions; a negative one is a misuse and
// panics.
type PartitionOptions struct {
	// MaxCells bounds the assignments of a partition made of several
	// blocks: small blocks are packed together, so that a matrix of many
	// tiny blocks does not become as many partitions, up to MaxCells. A
	// block with more cells than MaxCells is a partition of its own.
	MaxCells int
}

// DefaultPartitionOptions pack blocks into partitions of up to 200,000
// assignments, which Exact and Approx mine in seconds.
var DefaultPartitionOptions = PartitionOptions{MaxCells: 200_000}

// Partitions splits m into its connected blocks and packs them into
// partitions: blocks are taken in the order of their smallest entitlement
// id and each joins the current partition while its cells stay within
// opts.MaxCells, else starts the next one. Every assignment of m is in
// exactly one partition. The result depends only on m's cells and ids, not
// on the order of its rows and columns. Partitions panics on a nil matrix
// or invalid options.
func Partitions(m *features.Matrix, opts PartitionOptions) []Partition {
	if m == nil {
		panic("mining: Partitions of a nil matrix")
	}
	if opts.MaxCells < 0 {
		panic(fmt.Sprintf("mining: negative PartitionOptions.MaxCells %d", opts.MaxCells))
	}
	if opts.MaxCells == 0 {
		opts.MaxCells = DefaultPartitionOptions.MaxCells
	}
	blocks := connectedBlocks(m)
	least := make(map[int32]string, len(blocks)) // first column of a block → its least id
	for _, b := range blocks {
		least[b.Cols[0]] = b.smallestColID(m)
	}
	slices.SortFunc(blocks, func(a, b Partition) int { return cmp.Compare(least[a.Cols[0]], least[b.Cols[0]]) })
	var parts []Partition
	for _, b := range blocks {
		if n := len(parts); n > 0 && parts[n-1].Cells+b.Cells <= opts.MaxCells {
			last := &parts[n-1]
			last.Rows = append(last.Rows, b.Rows...)
			last.Cols = append(last.Cols, b.Cols...)
			last.Cells += b.Cells
			continue
		}
		b.ID = len(parts) + 1
		parts = append(parts, b)
	}
	for k := range parts {
		slices.Sort(parts[k].Rows)
		slices.Sort(parts[k].Cols)
	}
	return parts
}

// connectedBlocks returns the connected components of m's bipartite graph
// that have at least one cell, each with its rows and columns (in no
// particular order) and its cells. The ID fields are zero.
func connectedBlocks(m *features.Matrix) []Partition {
	seenRow := make([]bool, m.Rows())
	seenCol := make([]bool, m.Cols())
	var blocks []Partition
	var queue []int32
	for start := range m.Cols() {
		if seenCol[start] || m.ColSupport(start) == 0 {
			continue
		}
		var b Partition
		seenCol[start] = true
		queue = append(queue[:0], int32(start))
		for len(queue) > 0 {
			j := queue[len(queue)-1]
			queue = queue[:len(queue)-1]
			b.Cols = append(b.Cols, j)
			b.Cells += m.ColSupport(int(j))
			for _, i := range m.Col(int(j)) {
				if seenRow[i] {
					continue
				}
				seenRow[i] = true
				b.Rows = append(b.Rows, i)
				for _, k := range m.Row(int(i)) {
					if !seenCol[k] {
						seenCol[k] = true
						queue = append(queue, k)
					}
				}
			}
		}
		blocks = append(blocks, b)
	}
	return blocks
}

// smallestColID returns the least entitlement id of p's columns.
func (p Partition) smallestColID(m *features.Matrix) string {
	least := m.ColID(int(p.Cols[0]))
	for _, j := range p.Cols[1:] {
		least = min(least, m.ColID(int(j)))
	}
	return least
}

// Matrix returns the submatrix of m on p's rows and columns, which holds
// every cell of m in those rows (a partition's rows have no cells outside
// its columns). Rows and columns keep their order in m, and their ids, so
// that mining it is mining that part of m: row k of the result is row
// p.Rows[k] of m, column k is column p.Cols[k]. Grant times are not
// carried over. Matrix panics when p is not a partition of m.
func (p Partition) Matrix(m *features.Matrix) *features.Matrix {
	b := features.NewMatrixBuilder()
	for _, i := range p.Rows {
		b.AddRow(m.RowID(int(i)))
	}
	for _, j := range p.Cols {
		b.AddCol(m.ColID(int(j)))
	}
	for _, i := range p.Rows {
		for _, j := range m.Row(int(i)) {
			if _, ok := slices.BinarySearch(p.Cols, j); !ok {
				panic(fmt.Sprintf("mining: partition %d lacks column %d of its row %d", p.ID, j, i))
			}
			b.Add(m.RowID(int(i)), m.ColID(int(j)))
		}
	}
	return b.Build()
}
