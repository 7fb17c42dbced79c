package features

import (
	"slices"
)

// MatrixBuilder accumulates (identity, entitlement) cells and builds a
// Matrix. Duplicate cells are collapsed. The zero value is not usable; call
// NewMatrixBuilder.
type MatrixBuilder struct {
	rowIDs, colIDs []string
	rowIndex       map[string]int
	colIndex       map[string]int
	rows, cols     []int32
}

// NewMatrixBuilder returns an empty builder.
func NewMatrixBuilder() *MatrixBuilder {
	return &MatrixBuilder{rowIndex: map[string]int{}, colIndex: map[string]int{}}
}

// AddRow declares an identity, so that identities without any entitlement
// still get a row. Rows are indexed in order of first sight.
func (b *MatrixBuilder) AddRow(identity string) int {
	return intern(identity, b.rowIndex, &b.rowIDs)
}

// AddCol declares an entitlement, so that entitlements nobody holds still
// get a column.
func (b *MatrixBuilder) AddCol(entitlement string) int {
	return intern(entitlement, b.colIndex, &b.colIDs)
}

// Add sets the cell (identity, entitlement), declaring either id if new.
// The ids are copied when first seen, so they may alias transient buffers
// such as an Arrow record's.
func (b *MatrixBuilder) Add(identity, entitlement string) {
	b.rows = append(b.rows, int32(b.AddRow(identity)))
	b.cols = append(b.cols, int32(b.AddCol(entitlement)))
}

func intern(id string, index map[string]int, ids *[]string) int {
	if i, ok := index[id]; ok {
		return i
	}
	id = string([]byte(id)) // own copy: id may alias an Arrow buffer
	i := len(*ids)
	index[id] = i
	*ids = append(*ids, id)
	return i
}

// Build returns the matrix of the cells added so far. The builder must not
// be used afterwards.
func (b *MatrixBuilder) Build() *Matrix {
	m := &Matrix{rowIDs: b.rowIDs, colIDs: b.colIDs, rowIndex: b.rowIndex, colIndex: b.colIndex}
	m.rowPtr, m.colIdx = compress(len(b.rowIDs), b.rows, b.cols)
	m.colPtr, m.rowIdx = compress(len(b.colIDs), b.cols, b.rows)
	*b = MatrixBuilder{}
	return m
}

// compress builds a CSR index of n major entries from parallel cell lists by
// counting sort, then sorts and de-duplicates each entry's minor indices.
func compress(n int, major, minor []int32) (ptr []int, idx []int32) {
	ptr = make([]int, n+1)
	for _, r := range major {
		ptr[r+1]++
	}
	for i := 0; i < n; i++ {
		ptr[i+1] += ptr[i]
	}
	idx = make([]int32, len(minor))
	next := slices.Clone(ptr[:n])
	for k, r := range major {
		idx[next[r]] = minor[k]
		next[r]++
	}
	// Sort and compact each entry in place, shifting entries left over
	// removed duplicates.
	w := 0
	for i := 0; i < n; i++ {
		seg := idx[ptr[i]:ptr[i+1]]
		slices.Sort(seg)
		seg = slices.Compact(seg)
		ptr[i] = w
		w += copy(idx[w:], seg)
	}
	ptr[n] = w
	return ptr, idx[:w:w]
}

// NewMatrix builds a matrix from parallel lists of identity and entitlement
// ids. It is a convenience for tests and small inputs.
func NewMatrix(identities, entitlements []string) *Matrix {
	if len(identities) != len(entitlements) {
		panic("features: NewMatrix with lists of different lengths")
	}
	b := NewMatrixBuilder()
	for k := range identities {
		b.Add(identities[k], entitlements[k])
	}
	return b.Build()
}
