package features

import (
	"math"
	"slices"
)

// Grant times are Unix seconds. A cell whose grant time is not known has
// UnknownTime and counts as granted before any instant: it is held as of
// every time. Now, as an as-of time, counts every grant.
const (
	UnknownTime int64 = 0
	Now         int64 = math.MaxInt64
)

// HasTimes reports whether any cell of m has a known grant time. Without
// times every cell counts as held at every instant.
func (m *Matrix) HasTimes() bool { return m.rowTime != nil }

// RowTimes returns the grant times of row i, aligned with Row(i), or nil when
// m has no times. The slice aliases the matrix and must not be modified.
func (m *Matrix) RowTimes(i int) []int64 {
	m.checkRow(i)
	if m.rowTime == nil {
		return nil
	}
	return m.rowTime[m.rowPtr[i]:m.rowPtr[i+1]:m.rowPtr[i+1]]
}

// ColTimes returns the grant times of column j, aligned with Col(j), or nil
// when m has no times. The slice aliases the matrix and must not be
// modified.
func (m *Matrix) ColTimes(j int) []int64 {
	m.checkCol(j)
	if m.colTime == nil {
		return nil
	}
	return m.colTime[m.colPtr[j]:m.colPtr[j+1]:m.colPtr[j+1]]
}

// GrantedAt returns the grant time of cell (i, j), UnknownTime when not
// known, and whether i holds j at all.
func (m *Matrix) GrantedAt(i, j int) (t int64, ok bool) {
	m.checkCol(j)
	k, ok := slices.BinarySearch(m.Row(i), int32(j))
	if !ok || m.rowTime == nil {
		return UnknownTime, ok
	}
	return m.rowTime[m.rowPtr[i]+k], true
}

// HeldBefore reports whether identity i held entitlement j before asOf:
// the cell is set and its grant time is unknown or earlier than asOf.
// HeldBefore(i, j, Now) is Has(i, j).
func (m *Matrix) HeldBefore(i, j int, asOf int64) bool {
	t, ok := m.GrantedAt(i, j)
	return ok && before(t, asOf)
}

// before reports whether a grant at time t counts as of asOf.
func before(t, asOf int64) bool { return t == UnknownTime || t < asOf }
