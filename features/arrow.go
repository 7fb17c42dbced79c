package features

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// Column names of the assignment stream read by ReadMatrix.
const (
	IdentityColumn    = "identity_id"
	EntitlementColumn = "entitlement_id"
	GrantedAtColumn   = "granted_at"
)

// AddRecords adds every cell of the record batches of r to b. Each batch
// must have string columns identity_id and entitlement_id. When it also has
// a granted_at column, that column must be an Arrow timestamp (any unit,
// nullable; time-zone-neutral values are read as UTC) and gives each cell's
// grant time as by AddAt, truncated down to the second; a null is an
// unknown time. Other columns are ignored. The reader is consumed but not
// released.
func (b *MatrixBuilder) AddRecords(r array.RecordReader) error {
	for r.Next() {
		if err := b.AddRecord(r.RecordBatch()); err != nil {
			return err
		}
	}
	return r.Err()
}

// AddRecord adds the cells of one record batch; see AddRecords.
func (b *MatrixBuilder) AddRecord(rec arrow.RecordBatch) error {
	ids, err := StringColumn(rec, IdentityColumn)
	if err != nil {
		return err
	}
	ents, err := StringColumn(rec, EntitlementColumn)
	if err != nil {
		return err
	}
	times, err := grantTimes(rec)
	if err != nil {
		return err
	}
	row := -1 // the row of the previous cell: an identity's cells often come together
	for k := 0; k < ids.Len(); k++ {
		if ids.IsNull(k) || ents.IsNull(k) {
			return fmt.Errorf("features: null id in assignment batch row %d", k)
		}
		if id := ids.Value(k); row < 0 || id != b.rowIDs[row] {
			row = b.AddRow(id)
		}
		b.addCell(row, b.AddCol(ents.Value(k)), times(k))
	}
	return nil
}

// grantTimes returns a reader of the granted_at column of rec in Unix
// seconds (UnknownTime for nulls), or one that always says UnknownTime when
// rec has no such column.
func grantTimes(rec arrow.RecordBatch) (func(int) int64, error) {
	idx := rec.Schema().FieldIndices(GrantedAtColumn)
	if len(idx) == 0 {
		return func(int) int64 { return UnknownTime }, nil
	}
	a, ok := rec.Column(idx[0]).(*array.Timestamp)
	if !ok {
		return nil, fmt.Errorf("features: column %q is %s, want a timestamp", GrantedAtColumn, rec.Column(idx[0]).DataType())
	}
	per := unitsPerSecond(a.DataType().(*arrow.TimestampType).Unit)
	values := a.TimestampValues()
	return func(k int) int64 {
		if a.IsNull(k) {
			return UnknownTime
		}
		return floorDiv(int64(values[k]), per)
	}, nil
}

func unitsPerSecond(u arrow.TimeUnit) int64 {
	switch u {
	case arrow.Millisecond:
		return 1e3
	case arrow.Microsecond:
		return 1e6
	case arrow.Nanosecond:
		return 1e9
	default:
		return 1
	}
}

// floorDiv divides rounding towards negative infinity, so that times before
// 1970 truncate to the earlier second too.
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// AddRowRecords declares one row per value of the string column col of
// every batch of r (for identities that hold nothing).
func (b *MatrixBuilder) AddRowRecords(r array.RecordReader, col string) error {
	return eachString(r, col, func(s string) { b.AddRow(s) })
}

// AddColRecords declares one column per value of the string column col.
func (b *MatrixBuilder) AddColRecords(r array.RecordReader, col string) error {
	return eachString(r, col, func(s string) { b.AddCol(s) })
}

func eachString(r array.RecordReader, col string, fn func(string)) error {
	for r.Next() {
		a, err := StringColumn(r.RecordBatch(), col)
		if err != nil {
			return err
		}
		for k := 0; k < a.Len(); k++ {
			if !a.IsNull(k) {
				fn(a.Value(k))
			}
		}
	}
	return r.Err()
}

// StringValues is the read side shared by Arrow's String, LargeString
// and StringView arrays.
type StringValues interface {
	Len() int
	IsNull(int) bool
	Value(int) string
}

// StringColumn returns the string column name of rec, whichever of
// Arrow's string types it has.
func StringColumn(rec arrow.RecordBatch, name string) (StringValues, error) {
	idx := rec.Schema().FieldIndices(name)
	if len(idx) == 0 {
		return nil, fmt.Errorf("features: record has no column %q", name)
	}
	switch a := rec.Column(idx[0]).(type) {
	case *array.String:
		return a, nil
	case *array.LargeString:
		return a, nil
	case *array.StringView:
		return a, nil
	default:
		return nil, fmt.Errorf("features: column %q is %s, want a string type", name, a.DataType())
	}
}
