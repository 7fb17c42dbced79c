package datasets

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// metricRows returns a fill for AppendArrow that adds n metrics rows of
// run 1, every other value NULL, then fails with fail when not nil.
func metricRows(n int, fail error) func(*ArrowRows) error {
	return func(rows *ArrowRows) error {
		run, metric, value := rows.Field(0).(*array.Int64Builder), rows.Field(1).(*array.StringBuilder), rows.Field(2).(*array.Float64Builder)
		for k := range n {
			run.Append(1)
			metric.Append(fmt.Sprintf("m%d", k))
			if k%2 == 0 {
				value.AppendNull()
			} else {
				value.Append(float64(k))
			}
			if err := rows.EndRow(); err != nil {
				return err
			}
		}
		return fail
	}
}

// AppendArrow stores every row, in several records and NULLs included, in
// the transaction; an error of fill rolls the transaction back and is
// returned; an insert that DuckDB refuses returns its error without leaving
// fill blocked.
func TestAppendArrow(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "db.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	schema := arrow.NewSchema([]arrow.Field{{Name: "run_id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "metric", Type: arrow.BinaryTypes.String}, {Name: "value", Type: arrow.PrimitiveTypes.Float64, Nullable: true}}, nil)
	count := func() (n, nulls int) {
		if err := s.DB().QueryRowContext(ctx, "SELECT count(*), count(*) - count(value) FROM metrics").Scan(&n, &nulls); err != nil {
			t.Fatal(err)
		}
		return n, nulls
	}

	err = s.Write(ctx, func(tx *Tx) error { return tx.AppendArrow("metrics", schema, metricRows(2*ArrowBatchRows+5, nil)) })
	if err != nil {
		t.Fatal(err)
	}
	if n, nulls := count(); n != 2*ArrowBatchRows+5 || nulls != ArrowBatchRows+3 {
		t.Errorf("stored %d rows, %d NULL values; want %d and %d", n, nulls, 2*ArrowBatchRows+5, ArrowBatchRows+3)
	}

	broken := errors.New("packet 3 could not be written")
	err = s.Write(ctx, func(tx *Tx) error { return tx.AppendArrow("metrics", schema, metricRows(3*ArrowBatchRows, broken)) })
	if !errors.Is(err, broken) {
		t.Errorf("producer's error: got %v, want %v", err, broken)
	}
	if n, _ := count(); n != 2*ArrowBatchRows+5 {
		t.Errorf("after a failed fill: %d rows, want the %d of before", n, 2*ArrowBatchRows+5)
	}

	wrong := arrow.NewSchema([]arrow.Field{{Name: "run_id", Type: arrow.PrimitiveTypes.Int64}, {Name: "no_such_column", Type: arrow.BinaryTypes.String},
		{Name: "value", Type: arrow.PrimitiveTypes.Float64, Nullable: true}}, nil)
	err = s.Write(ctx, func(tx *Tx) error { return tx.AppendArrow("metrics", wrong, metricRows(100*ArrowBatchRows, nil)) })
	if err == nil || !strings.Contains(err.Error(), "no_such_column") {
		t.Errorf("unknown column: got %v, want an error naming it", err)
	}
	if n, _ := count(); n != 2*ArrowBatchRows+5 {
		t.Errorf("after a refused insert: %d rows, want %d", n, 2*ArrowBatchRows+5)
	}
}
