package datasets

import (
	"bytes"
	"context"
	"database/sql/driver"
	"path/filepath"
	"testing"
	"time"
)

// A database written before a result table existed gains it when opened
// for writing, and the table takes bytes: policy_models, added with stored
// models, round-trips a model's binary form exactly.
func TestOpenAddsNewResultTables(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.duckdb")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB().ExecContext(ctx, "DROP TABLE policy_models"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if s, err = Open(ctx, path); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	data := []byte("rolemine-model\n\x00\x01\xff binary")
	err = s.Write(ctx, func(tx *Tx) error {
		return tx.Append("policy_models", func(add func(...driver.Value) error) error {
			return add(int64(1), "p1", "abc", int64(1), int64(len(data)), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), data)
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []byte
	if err := s.DB().QueryRowContext(ctx, "SELECT model FROM policy_models WHERE policy_id = 'p1'").Scan(&got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, data) {
		t.Errorf("model read back as %q, stored %q", got, data)
	}
}
