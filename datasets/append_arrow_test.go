package datasets

import (
	"context"
	"database/sql/driver"
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

// AppendText converts each text to its column's type, an empty text to
// NULL, and names the column of a value it cannot convert.
func TestAppendText(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "db.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rows := [][]string{
		{"mine", "3", "2026-06-30T01:02:03Z", "", "ok", `{"a":1}`, "", "b1"},
		{"hygiene", "", "", "2026-06-30T04:05:06Z", "", "", "", ""},
	}
	err = s.Write(ctx, func(tx *Tx) error {
		return tx.AppendText("runs", []driver.Value{int64(7)}, func(yield func([]string)) {
			for _, r := range rows {
				yield(r)
			}
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	q := `SELECT run_id, command, coalesce(snapshot_id::VARCHAR, 'NULL'), coalesce(strftime(started_at, '%Y-%m-%d %H:%M:%S'), 'NULL'),
		coalesce(strftime(finished_at, '%Y-%m-%d %H:%M:%S'), 'NULL'), coalesce(status, 'NULL'), coalesce(batch_id, 'NULL') FROM runs ORDER BY command DESC`
	r, err := s.DB().QueryContext(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for r.Next() {
		var run int64
		var c, snap, started, finished, status, batch string
		if err := r.Scan(&run, &c, &snap, &started, &finished, &status, &batch); err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%d %s %s %s %s %s %s", run, c, snap, started, finished, status, batch))
	}
	want := []string{"7 mine 3 2026-06-30 01:02:03 NULL ok b1", "7 hygiene NULL NULL 2026-06-30 04:05:06 NULL NULL"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("stored %q, want %q", got, want)
	}
	err = s.Write(ctx, func(tx *Tx) error {
		return tx.AppendText("runs", []driver.Value{int64(8)}, func(yield func([]string)) {
			yield([]string{"mine", "three", "", "", "", "", "", ""})
		})
	})
	if err == nil || !strings.Contains(err.Error(), "runs.snapshot_id") {
		t.Errorf("a bad integer: got %v, want an error naming runs.snapshot_id", err)
	}
}
