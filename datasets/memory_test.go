package datasets

import (
	"context"
	"path/filepath"
	"testing"
)

// TestMemoryLimit checks that every way of opening a database applies
// the memory limit of MemoryLimitEnv and the allocator's background
// threads.
func TestMemoryLimit(t *testing.T) {
	t.Setenv(MemoryLimitEnv, "300MiB")
	path := filepath.Join(t.TempDir(), "m.duckdb")
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	check := func(s *Store, how string) {
		t.Helper()
		var limit string
		if err := s.DB().QueryRow("SELECT current_setting('memory_limit')").Scan(&limit); err != nil {
			t.Fatal(err)
		}
		if limit != "300.0 MiB" {
			t.Errorf("%s: memory_limit = %q, want 300.0 MiB", how, limit)
		}
		var background bool
		if err := s.DB().QueryRow("SELECT current_setting('allocator_background_threads')").Scan(&background); err != nil {
			t.Fatal(err)
		}
		if !background {
			t.Errorf("%s: allocator_background_threads is off: freed memory stays with the process while DuckDB is idle", how)
		}
	}
	check(s, "Open")
	s.Close()
	ro, err := OpenReadOnly(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	check(ro, "OpenReadOnly")
	t.Setenv(MemoryLimitEnv, "lots")
	if _, err := Open(context.Background(), path); err == nil {
		t.Errorf("%s=lots opened the database; want an error", MemoryLimitEnv)
	}
}
