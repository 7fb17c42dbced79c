package features

import (
	"cmp"
	"math"
	"slices"
)

// MatrixBuilder accumulates (identity, entitlement) cells and builds a
// Matrix. Duplicate cells are collapsed, keeping the earliest grant time
// (see AddAt). The zero value is not usable; call NewMatrixBuilder.
type MatrixBuilder struct {
	rowIDs, colIDs []string
	rowIndex       map[string]int
	colIndex       map[string]int
	rows, cols     []int32
	times          []int64 // parallel to rows and cols; nil until a known time is added
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

// Add sets the cell (identity, entitlement), declaring either id if new,
// with an unknown grant time. The ids are copied when first seen, so they
// may alias transient buffers such as an Arrow record's.
func (b *MatrixBuilder) Add(identity, entitlement string) {
	b.AddAt(identity, entitlement, UnknownTime)
}

// AddAt is Add with the time the entitlement was granted, in Unix seconds;
// UnknownTime (0) when not known. A cell added more than once keeps its
// earliest time, an unknown time counting as earliest of all: the cell is
// held as of t (Matrix.HeldBefore) exactly when one of its grants was.
func (b *MatrixBuilder) AddAt(identity, entitlement string, grantedUnix int64) {
	b.addCell(b.AddRow(identity), b.AddCol(entitlement), grantedUnix)
}

// addCell adds the cell of row i and column j, declared before.
func (b *MatrixBuilder) addCell(i, j int, grantedUnix int64) {
	if grantedUnix != UnknownTime && b.times == nil {
		b.times = make([]int64, len(b.rows), cap(b.rows))
	}
	b.rows = append(b.rows, int32(i))
	b.cols = append(b.cols, int32(j))
	if b.times != nil {
		b.times = append(b.times, grantedUnix)
	}
}

// Grow makes room for n more cells, so that adding them copies none of
// those added before.
func (b *MatrixBuilder) Grow(n int) {
	b.rows, b.cols = slices.Grow(b.rows, n), slices.Grow(b.cols, n)
	if b.times != nil {
		b.times = slices.Grow(b.times, n)
	}
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
	if b.times == nil {
		m.rowPtr, m.colIdx = compress(len(b.rowIDs), b.rows, b.cols)
	} else {
		m.rowPtr, m.colIdx, m.rowTime = compressTimed(len(b.rowIDs), b.rows, b.cols, b.times)
	}
	m.colPtr, m.rowIdx, m.colTime = transpose(len(b.colIDs), m.rowPtr, m.colIdx, m.rowTime)
	*b = MatrixBuilder{}
	return m
}

// timeKey orders grant times with the unknown time first: an unknown grant
// counts as older than any known one.
func timeKey(t int64) int64 {
	if t == UnknownTime {
		return math.MinInt64
	}
	return t
}

// compressTimed is compress for cells with grant times: duplicates keep the
// earliest time by timeKey.
func compressTimed(n int, major, minor []int32, times []int64) (ptr []int, idx []int32, tm []int64) {
	type cell struct {
		minor int32
		t     int64
	}
	ptr = make([]int, n+1)
	for _, r := range major {
		ptr[r+1]++
	}
	for i := 0; i < n; i++ {
		ptr[i+1] += ptr[i]
	}
	cells := make([]cell, len(minor))
	next := slices.Clone(ptr[:n])
	for k, r := range major {
		cells[next[r]] = cell{minor[k], times[k]}
		next[r]++
	}
	idx, tm = make([]int32, 0, len(cells)), make([]int64, 0, len(cells))
	for i := 0; i < n; i++ {
		seg := cells[ptr[i]:ptr[i+1]]
		slices.SortFunc(seg, func(a, b cell) int {
			return cmp.Or(cmp.Compare(a.minor, b.minor), cmp.Compare(timeKey(a.t), timeKey(b.t)))
		})
		ptr[i] = len(idx)
		for k, c := range seg {
			if k == 0 || c.minor != seg[k-1].minor {
				idx = append(idx, c.minor)
				tm = append(tm, c.t)
			}
		}
	}
	ptr[n] = len(idx)
	return ptr, idx[:len(idx):len(idx)], tm[:len(tm):len(tm)]
}

// transpose returns the column view of a compressed row view: walking the
// rows in order leaves each column's row indices sorted and unique. times
// (aligned with idx) may be nil.
func transpose(n int, rowPtr []int, colIdx []int32, times []int64) (ptr []int, idx []int32, tm []int64) {
	ptr = make([]int, n+1)
	for _, c := range colIdx {
		ptr[c+1]++
	}
	for j := 0; j < n; j++ {
		ptr[j+1] += ptr[j]
	}
	idx = make([]int32, len(colIdx))
	if times != nil {
		tm = make([]int64, len(colIdx))
	}
	next := slices.Clone(ptr[:n])
	for i := 0; i+1 < len(rowPtr); i++ {
		for k := rowPtr[i]; k < rowPtr[i+1]; k++ {
			c := colIdx[k]
			idx[next[c]] = int32(i)
			if times != nil {
				tm[next[c]] = times[k]
			}
			next[c]++
		}
	}
	return ptr, idx, tm
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
