package datasets

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strconv"
	"time"

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
// string is NULL. prefix values (e.g. the run id) come before each row's.
func (tx *Tx) AppendText(table string, prefix []driver.Value, rows func(yield func([]string))) error {
	t, ok := schema.LookupResult(table)
	if !ok {
		panic(fmt.Sprintf("datasets: AppendText to %q, not a result table", table))
	}
	return tx.Append(table, func(add func(...driver.Value) error) error {
		var err error
		vals := make([]driver.Value, len(t.Columns))
		rows(func(r []string) {
			if err != nil {
				return
			}
			if len(prefix)+len(r) != len(t.Columns) {
				panic(fmt.Sprintf("datasets: %d values for the %d columns of %s", len(prefix)+len(r), len(t.Columns), table))
			}
			copy(vals, prefix)
			for k, v := range r {
				c := t.Columns[len(prefix)+k]
				if vals[len(prefix)+k], err = textValue(c, v); err != nil {
					err = fmt.Errorf("%s.%s: %w", table, c.Name, err)
					return
				}
			}
			err = add(vals...)
		})
		return err
	})
}

func textValue(c schema.Column, v string) (driver.Value, error) {
	if v == "" {
		return nil, nil
	}
	switch c.Type {
	case schema.Integer:
		return strconv.ParseInt(v, 10, 64)
	case schema.Float:
		return strconv.ParseFloat(v, 64)
	case schema.Bool:
		return strconv.ParseBool(v)
	case schema.Timestamp:
		return time.Parse(time.RFC3339, v)
	}
	return v, nil
}
