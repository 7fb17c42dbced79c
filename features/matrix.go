package features

import (
	"fmt"
	"slices"
)

// Matrix is a sparse binary identity × entitlement matrix in compressed
// sparse row form, with its transpose kept alongside for column access.
type Matrix struct {
	rowIDs, colIDs []string
	rowIndex       map[string]int
	colIndex       map[string]int

	rowPtr []int   // row i's cells are colIdx[rowPtr[i]:rowPtr[i+1]]
	colIdx []int32 //
	colPtr []int   // column j's cells are rowIdx[colPtr[j]:colPtr[j+1]]
	rowIdx []int32 //

	// Grant times in Unix seconds (UnknownTime when not known), aligned
	// with colIdx and rowIdx; both nil when no cell has a known time.
	rowTime, colTime []int64
}

// Rows returns the number of identities.
func (m *Matrix) Rows() int { return len(m.rowIDs) }

// Cols returns the number of entitlements.
func (m *Matrix) Cols() int { return len(m.colIDs) }

// NNZ returns the number of assignments (set cells).
func (m *Matrix) NNZ() int { return len(m.colIdx) }

// RowID returns the identity id of row i.
func (m *Matrix) RowID(i int) string { return m.rowIDs[i] }

// ColID returns the entitlement id of column j.
func (m *Matrix) ColID(j int) string { return m.colIDs[j] }

// RowIndex returns the row of identity id.
func (m *Matrix) RowIndex(id string) (int, bool) { i, ok := m.rowIndex[id]; return i, ok }

// ColIndex returns the column of entitlement id.
func (m *Matrix) ColIndex(id string) (int, bool) { j, ok := m.colIndex[id]; return j, ok }

// Row returns the sorted column indices set in row i. The slice aliases the
// matrix and must not be modified.
func (m *Matrix) Row(i int) []int32 {
	m.checkRow(i)
	return m.colIdx[m.rowPtr[i]:m.rowPtr[i+1]:m.rowPtr[i+1]]
}

// Col returns the sorted row indices set in column j. The slice aliases the
// matrix and must not be modified.
func (m *Matrix) Col(j int) []int32 {
	m.checkCol(j)
	return m.rowIdx[m.colPtr[j]:m.colPtr[j+1]:m.colPtr[j+1]]
}

// RowSupport returns the number of entitlements of identity i.
func (m *Matrix) RowSupport(i int) int { m.checkRow(i); return m.rowPtr[i+1] - m.rowPtr[i] }

// ColSupport returns the number of identities holding entitlement j.
func (m *Matrix) ColSupport(j int) int { m.checkCol(j); return m.colPtr[j+1] - m.colPtr[j] }

// Has reports whether identity i holds entitlement j.
func (m *Matrix) Has(i, j int) bool {
	m.checkCol(j)
	_, ok := slices.BinarySearch(m.Row(i), int32(j))
	return ok
}

// Jaccard returns |Ri ∩ Rj| / |Ri ∪ Rj| for rows i and j, and 0 when both
// rows are empty.
func (m *Matrix) Jaccard(i, j int) float64 {
	a, b := m.Row(i), m.Row(j)
	inter := IntersectionSize(a, b)
	union := len(a) + len(b) - inter
	if union == 0 {
		return 0
	}
	return float64(inter) / float64(union)
}

// IntersectionSize returns the number of values common to the sorted,
// duplicate-free slices a and b.
func IntersectionSize(a, b []int32) int {
	n, x, y := 0, 0, 0
	for x < len(a) && y < len(b) {
		switch {
		case a[x] < b[y]:
			x++
		case a[x] > b[y]:
			y++
		default:
			n++
			x++
			y++
		}
	}
	return n
}

func (m *Matrix) checkRow(i int) {
	if i < 0 || i >= len(m.rowIDs) {
		panic(fmt.Sprintf("features: row %d out of range [0,%d)", i, len(m.rowIDs)))
	}
}

func (m *Matrix) checkCol(j int) {
	if j < 0 || j >= len(m.colIDs) {
		panic(fmt.Sprintf("features: column %d out of range [0,%d)", j, len(m.colIDs)))
	}
}
