package report

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// Result is a query result: column names and rows of values, each row with
// one value per column, of the types a Table formats (string, integers,
// float64, bool, time.Time, []byte, nil). cmd/rolemine fills it from
// DuckDB; charts of notebooks are built from it (see ChartSpec.Build).
// The methods never modify it.
type Result struct {
	Columns []string
	Rows    [][]any
}

// Float returns a value of a Result as a float64: numbers as they are,
// bool as 0 or 1, time.Time as Unix seconds, anything else (nil, strings)
// as NaN.
func Float(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case int64:
		return float64(x)
	case int:
		return float64(x)
	case bool:
		if x {
			return 1
		}
		return 0
	case time.Time:
		return float64(x.Unix())
	}
	return math.NaN()
}

// index returns the position of column name; it panics if r has none.
func (r *Result) index(name string) int {
	k := slices.Index(r.Columns, name)
	if k < 0 {
		panic(fmt.Sprintf("report: no column %q in %v", name, r.Columns))
	}
	return k
}

// Column returns the values of column name as floats (see Float). It
// panics if r has no such column.
func (r *Result) Column(name string) []float64 {
	k := r.index(name)
	out := make([]float64, len(r.Rows))
	for i, row := range r.Rows {
		out[i] = Float(row[k])
	}
	return out
}

// Strings returns the values of column name formatted by FormatValue. It
// panics if r has no such column.
func (r *Result) Strings(name string) []string {
	k := r.index(name)
	out := make([]string, len(r.Rows))
	for i, row := range r.Rows {
		out[i] = FormatValue(row[k])
	}
	return out
}

// Groups splits the row indices by the formatted value of column name:
// keys are the distinct values in order of first appearance, rows[key]
// the indices of the rows with that value, ascending. It panics if r has
// no such column.
func (r *Result) Groups(name string) (keys []string, rows map[string][]int) {
	rows = map[string][]int{}
	for i, v := range r.Strings(name) {
		if _, ok := rows[v]; !ok {
			keys = append(keys, v)
		}
		rows[v] = append(rows[v], i)
	}
	return keys, rows
}

// Table returns r as a Table of at most max rows, with Total set to the
// number of rows of r when it has more. The table shares r's slices.
func (r *Result) Table(caption string, max int) *Table {
	t := &Table{Caption: caption, Columns: r.Columns, Rows: r.Rows}
	if len(r.Rows) > max {
		t.Rows, t.Total = r.Rows[:max], len(r.Rows)
	}
	if t.Rows == nil {
		t.Rows = [][]any{}
	}
	return t
}
