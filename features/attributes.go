package features

import (
	"fmt"
	"slices"

	"github.com/apache/arrow-go/v18/arrow/array"
)

// Missing is the code of a row that has no value for an attribute.
const Missing int32 = -1

// Attributes holds categorical attributes (department, title, location,
// manager, any extra column) of the rows of a Matrix, dictionary-encoded:
// for each attribute, one value code per row (Missing when absent) and the
// dictionary of its values. Attribute order is the order of first sight;
// value codes are dense 0…n-1 per attribute.
type Attributes struct {
	rows   int
	names  []string
	index  map[string]int
	codes  [][]int32          // [attribute][row]
	values [][]string         // [attribute][code]
	lookup []map[string]int32 // [attribute] value → code
}

// NewAttributes returns an empty attribute table for the rows of m.
func NewAttributes(m *Matrix) *Attributes {
	return &Attributes{rows: m.Rows(), index: map[string]int{}}
}

// Len returns the number of attributes.
func (a *Attributes) Len() int { return len(a.names) }

// Names returns the attribute names. The slice must not be modified.
func (a *Attributes) Names() []string { return a.names }

// Index returns the position of the attribute called name.
func (a *Attributes) Index(name string) (int, bool) { k, ok := a.index[name]; return k, ok }

// Set records that row has value for attribute name. Setting a row twice
// keeps the last value. The strings are copied.
func (a *Attributes) Set(row int, name, value string) {
	if row < 0 || row >= a.rows {
		panic(fmt.Sprintf("features: attribute row %d out of range [0,%d)", row, a.rows))
	}
	k, ok := a.index[name]
	if !ok {
		k = len(a.names)
		name = string([]byte(name))
		a.index[name] = k
		a.names = append(a.names, name)
		codes := make([]int32, a.rows)
		for i := range codes {
			codes[i] = Missing
		}
		a.codes = append(a.codes, codes)
		a.values = append(a.values, nil)
		a.lookup = append(a.lookup, map[string]int32{})
	}
	c, ok := a.lookup[k][value]
	if !ok {
		c = int32(len(a.values[k]))
		value = string([]byte(value))
		a.lookup[k][value] = c
		a.values[k] = append(a.values[k], value)
	}
	a.codes[k][row] = c
}

// Code returns the value code of row for attribute k, or Missing.
func (a *Attributes) Code(k, row int) int32 { return a.codes[k][row] }

// Codes returns the value codes of all rows for attribute k. The slice
// aliases the table and must not be modified.
func (a *Attributes) Codes(k int) []int32 { return a.codes[k] }

// Value returns the value of code c of attribute k.
func (a *Attributes) Value(k int, c int32) string { return a.values[k][c] }

// Values returns the number of distinct values of attribute k.
func (a *Attributes) Values(k int) int { return len(a.values[k]) }

// CodeOf returns the code of value for attribute k.
func (a *Attributes) CodeOf(k int, value string) (int32, bool) {
	c, ok := a.lookup[k][value]
	return c, ok
}

// Members returns the rows whose attribute k has code c, ascending.
func (a *Attributes) Members(k int, c int32) []int32 {
	var rows []int32
	for i, v := range a.codes[k] {
		if v == c {
			rows = append(rows, int32(i))
		}
	}
	return rows
}

// AddRecords reads attributes in long form from r: string columns
// identity_id, name and value, one row per identity and attribute. Rows of
// identities not in m are counted and skipped (they are reported by the
// caller, never silently dropped).
func (a *Attributes) AddRecords(m *Matrix, r array.RecordReader) (unknown int, err error) {
	for r.Next() {
		rec := r.RecordBatch()
		cols := make([]StringValues, 3)
		for k, name := range []string{IdentityColumn, "name", "value"} {
			if cols[k], err = StringColumn(rec, name); err != nil {
				return unknown, err
			}
		}
		for i := 0; i < cols[0].Len(); i++ {
			if cols[0].IsNull(i) || cols[1].IsNull(i) || cols[2].IsNull(i) {
				continue
			}
			row, ok := m.RowIndex(cols[0].Value(i))
			if !ok {
				unknown++
				continue
			}
			a.Set(row, cols[1].Value(i), cols[2].Value(i))
		}
	}
	return unknown, r.Err()
}

// Sorted returns the attribute names in lexical order.
func (a *Attributes) Sorted() []string { return slices.Sorted(slices.Values(a.names)) }
