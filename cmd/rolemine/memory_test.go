package main

import (
	"runtime/debug"
	"testing"

	"rolemine/datasets"
)

// TestLimitGoMemory checks that the Go heap gets its share of the machine
// unless GOMEMLIMIT chose otherwise.
func TestLimitGoMemory(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(before) })
	want := datasets.GoMemoryLimit()
	if want <= 0 {
		t.Skip("the system does not tell its memory")
	}
	t.Setenv("GOMEMLIMIT", "")
	if got := limitGoMemory(); got != want {
		t.Errorf("limit without GOMEMLIMIT = %d, want %d", got, want)
	}
	debug.SetMemoryLimit(1 << 40)
	t.Setenv("GOMEMLIMIT", "1TiB")
	if got := limitGoMemory(); got != 1<<40 {
		t.Errorf("limit with GOMEMLIMIT set = %d, want the runtime's 1 TiB kept", got)
	}
}
