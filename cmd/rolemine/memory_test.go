package main

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
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

// TestResetPeakMemoryKeeps checks that the Go heap keeps what it freed
// across a reset without release (the next stage reuses it instead of
// faulting fresh pages in), and returns it to the system with release.
func TestResetPeakMemoryKeeps(t *testing.T) {
	released := func() uint64 {
		s := []metrics.Sample{{Name: "/memory/classes/heap/released:bytes"}}
		metrics.Read(s)
		return s[0].Value.Uint64()
	}
	const size = 256 << 20
	churn := func() {
		buf := make([]byte, size)
		for k := 0; k < len(buf); k += 4096 {
			buf[k] = 1 // mapped, page by page
		}
		runtime.KeepAlive(buf)
	}
	churn()
	resetPeakMemory(true)
	churn()
	before := released()
	resetPeakMemory(false)
	if kept := released(); kept > before+size/4 {
		t.Errorf("without release the heap returned %d MiB of the %d MiB freed", (kept-before)>>20, size>>20)
	}
	before = released()
	resetPeakMemory(true)
	if got := released(); got < before+size/2 {
		t.Errorf("with release the heap returned %d MiB of the %d MiB freed", (got-before)>>20, size>>20)
	}
}
