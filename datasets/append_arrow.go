package datasets

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	duckdb "github.com/duckdb/duckdb-go/v2"
)

// errInsertEnded is what EndRow returns once the insert that reads the
// records has ended.
var errInsertEnded = errors.New("the insert ended")

// ArrowBatchRows is how many rows AppendArrow puts in one Arrow record.
const ArrowBatchRows = 1 << 16

// AppendArrow inserts into table the rows that fill adds to rows, whose
// columns are those of schema: table's columns, by name. fill sets each
// column of a row through its builder (rows.Field) and then calls
// rows.EndRow. DuckDB reads the rows in records of ArrowBatchRows as they
// fill: fill runs on a goroutine of its own while the insert runs, so that
// only the records in flight are held. An error from fill fails the insert
// and is returned; once the insert has failed, EndRow returns an error and
// fill should return.
func (tx *Tx) AppendArrow(table string, schema *arrow.Schema, fill func(rows *ArrowRows) error) error {
	s := &recordStream{schema: schema, records: make(chan arrow.RecordBatch, 1), ended: make(chan struct{})}
	s.refs.Store(1)
	produced := make(chan error, 1)
	go func() {
		rows := &ArrowRows{b: array.NewRecordBuilder(memory.DefaultAllocator, schema), send: s.send}
		err := fill(rows)
		if err == nil {
			err = rows.flush()
		}
		rows.b.Release()
		s.err = err // read by Err after records is closed
		close(s.records)
		produced <- err
	}()
	err := tx.insertStream(table, s)
	close(s.ended)
	if perr := <-produced; perr != nil && !errors.Is(perr, errInsertEnded) {
		return fmt.Errorf("append to %s: %w", table, perr)
	}
	return err
}

// ArrowRows are the rows of an AppendArrow being filled.
type ArrowRows struct {
	b    *array.RecordBuilder
	rows int // in the record being built
	send func(arrow.RecordBatch) error
}

// Field returns the builder of column k of the schema.
func (r *ArrowRows) Field(k int) array.Builder { return r.b.Field(k) }

// EndRow ends a row whose every column has been set, and sends the record
// once it holds ArrowBatchRows rows.
func (r *ArrowRows) EndRow() error {
	if r.rows++; r.rows < ArrowBatchRows {
		return nil
	}
	return r.flush()
}

// flush sends the rows ended since the last record, if any.
func (r *ArrowRows) flush() error {
	if r.rows == 0 {
		return nil
	}
	r.rows = 0
	return r.send(r.b.NewRecordBatch())
}

// insertStream registers s as a view on the transaction's connection and
// inserts its rows into table.
func (tx *Tx) insertStream(table string, s *recordStream) error {
	view := "__append_" + table
	var release func()
	err := tx.conn.Raw(func(dc any) error {
		ar, err := duckdb.NewArrowFromConn(dc.(driver.Conn))
		if err != nil {
			return err
		}
		release, err = ar.RegisterView(s, view)
		return err
	})
	if err != nil {
		return fmt.Errorf("append to %s: %w", table, err)
	}
	defer release()
	cols := make([]string, len(s.schema.Fields()))
	for k, f := range s.schema.Fields() {
		cols[k] = ident(f.Name)
	}
	list := strings.Join(cols, ", ")
	_, err = tx.conn.ExecContext(tx.ctx, fmt.Sprintf("INSERT INTO %s (%s) SELECT %s FROM %s", table, list, list, view))
	if _, derr := tx.conn.ExecContext(context.WithoutCancel(tx.ctx), "DROP VIEW IF EXISTS "+view); err == nil {
		err = derr
	}
	if err != nil {
		return fmt.Errorf("append to %s: %w", table, err)
	}
	return nil
}

// recordStream is an array.RecordReader over the records sent to it, for
// DuckDB to read from another goroutine.
type recordStream struct {
	schema  *arrow.Schema
	records chan arrow.RecordBatch // closed by the producer when done
	ended   chan struct{}          // closed once the insert has ended
	current arrow.RecordBatch
	err     error
	refs    atomic.Int64
}

func (s *recordStream) send(r arrow.RecordBatch) error {
	select {
	case s.records <- r:
		return nil
	case <-s.ended:
		r.Release()
		return errInsertEnded
	}
}

func (s *recordStream) Retain()                        { s.refs.Add(1) }
func (s *recordStream) Schema() *arrow.Schema          { return s.schema }
func (s *recordStream) RecordBatch() arrow.RecordBatch { return s.current }
func (s *recordStream) Record() arrow.RecordBatch      { return s.current }
func (s *recordStream) Err() error                     { return s.err }

// Release drops the current record when the last reference goes.
func (s *recordStream) Release() {
	if s.refs.Add(-1) == 0 && s.current != nil {
		s.current.Release()
		s.current = nil
	}
}

// Next waits for the next record sent; it returns false once the producer
// is done.
func (s *recordStream) Next() bool {
	if s.current != nil {
		s.current.Release()
		s.current = nil
	}
	r, ok := <-s.records
	if !ok {
		return false
	}
	s.current = r
	return true
}
