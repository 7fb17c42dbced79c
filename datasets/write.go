package datasets

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strconv"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	duckdb "github.com/duckdb/duckdb-go/v2"

	"rolemine/datasets/schema"
)

// Tx is a write transaction on the store, for the results of later stages.
// It is valid only inside the callback of Store.Write.
type Tx struct {
	ctx  context.Context
	conn *sql.Conn
}

// Write runs fn in one transaction: everything fn writes is committed
// together when it returns nil, and nothing is when it returns an error.
func (s *Store) Write(ctx context.Context, fn func(*Tx) error) (err error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()
	if err := fn(&Tx{ctx: ctx, conn: conn}); err != nil {
		return err
	}
	_, err = conn.ExecContext(ctx, "COMMIT")
	return err
}

// Exec runs a statement in the transaction.
func (tx *Tx) Exec(query string, args ...any) error {
	_, err := tx.conn.ExecContext(tx.ctx, query, args...)
	return err
}

// QueryRow runs a query returning one row in the transaction.
func (tx *Tx) QueryRow(query string, args ...any) *sql.Row {
	return tx.conn.QueryRowContext(tx.ctx, query, args...)
}

// Append bulk-appends rows to table with DuckDB's appender. rows calls add
// once per row with the values of every column in table order (string,
// int64, float64, bool, time.Time or nil). Each value crosses into DuckDB
// on its own: tables of millions of rows go through AppendArrow.
func (tx *Tx) Append(table string, rows func(add func(values ...driver.Value) error) error) error {
	return tx.conn.Raw(func(dc any) error {
		a, err := duckdb.NewAppenderFromConn(dc.(driver.Conn), "", table)
		if err != nil {
			return fmt.Errorf("append to %s: %w", table, err)
		}
		if err := rows(a.AppendRow); err != nil {
			a.Close()
			return fmt.Errorf("append to %s: %w", table, err)
		}
		if err := a.Close(); err != nil {
			return fmt.Errorf("append to %s: %w", table, err)
		}
		return nil
	})
}

// AppendText appends rows given as text to a result table (see
// schema.Results), converting each value to its column's type; an empty
// string is NULL. prefix values (int64, float64, string, bool or nil; e.g.
// the run id) come before each row's. The rows go through AppendArrow.
func (tx *Tx) AppendText(table string, prefix []driver.Value, rows func(yield func([]string))) error {
	t, ok := schema.LookupResult(table)
	if !ok {
		panic(fmt.Sprintf("datasets: AppendText to %q, not a result table", table))
	}
	return tx.AppendArrow(table, arrowSchema(t), func(ar *ArrowRows) error {
		var err error
		rows(func(r []string) {
			if err != nil {
				return
			}
			if len(prefix)+len(r) != len(t.Columns) {
				panic(fmt.Sprintf("datasets: %d values for the %d columns of %s", len(prefix)+len(r), len(t.Columns), table))
			}
			for k, v := range prefix {
				appendValue(ar.Field(k), v)
			}
			for k, v := range r {
				c := t.Columns[len(prefix)+k]
				if err = appendText(ar.Field(len(prefix)+k), c.Type, v); err != nil {
					err = fmt.Errorf("%s.%s: %w", table, c.Name, err)
					return
				}
			}
			err = ar.EndRow()
		})
		return err
	})
}

// ResultSchema returns the Arrow form of the rows of result table name
// (see schema.Results), for AppendArrow: its columns in order, each
// nullable. An unknown table panics.
func ResultSchema(name string) *arrow.Schema {
	t, ok := schema.LookupResult(name)
	if !ok {
		panic(fmt.Sprintf("datasets: ResultSchema of %q, not a result table", name))
	}
	return arrowSchema(t)
}

// arrowSchema is the Arrow form of t's rows.
func arrowSchema(t schema.Table) *arrow.Schema {
	fields := make([]arrow.Field, len(t.Columns))
	for k, c := range t.Columns {
		fields[k] = arrow.Field{Name: c.Name, Type: arrowType(c.Type), Nullable: true}
	}
	return arrow.NewSchema(fields, nil)
}

func arrowType(t schema.Type) arrow.DataType {
	switch t {
	case schema.Integer:
		return arrow.PrimitiveTypes.Int64
	case schema.Float:
		return arrow.PrimitiveTypes.Float64
	case schema.Bool:
		return arrow.FixedWidthTypes.Boolean
	case schema.Timestamp:
		return &arrow.TimestampType{Unit: arrow.Microsecond} // TIMESTAMP, without a time zone
	case schema.Blob:
		return arrow.BinaryTypes.Binary
	}
	return arrow.BinaryTypes.String
}

// appendText appends v, the text of a value of type t, to b (NULL when
// empty).
func appendText(b array.Builder, t schema.Type, v string) error {
	if v == "" {
		b.AppendNull()
		return nil
	}
	switch t {
	case schema.Integer:
		x, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return err
		}
		b.(*array.Int64Builder).Append(x)
	case schema.Float:
		x, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return err
		}
		b.(*array.Float64Builder).Append(x)
	case schema.Bool:
		x, err := strconv.ParseBool(v)
		if err != nil {
			return err
		}
		b.(*array.BooleanBuilder).Append(x)
	case schema.Timestamp:
		x, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return err
		}
		b.(*array.TimestampBuilder).Append(arrow.Timestamp(x.UnixMicro()))
	case schema.Blob:
		b.(*array.BinaryBuilder).AppendString(v)
	default:
		b.(*array.StringBuilder).Append(v)
	}
	return nil
}

// appendValue appends v, an int64, float64, string, bool or nil, to b,
// whose type must be v's.
func appendValue(b array.Builder, v driver.Value) {
	switch x := v.(type) {
	case nil:
		b.AppendNull()
	case int64:
		b.(*array.Int64Builder).Append(x)
	case float64:
		b.(*array.Float64Builder).Append(x)
	case string:
		b.(*array.StringBuilder).Append(x)
	case bool:
		b.(*array.BooleanBuilder).Append(x)
	default:
		panic(fmt.Sprintf("datasets: AppendText prefix value %v of type %T", v, v))
	}
}
