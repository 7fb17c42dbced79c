package main

import (
	"bufio"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"

	"rolemine/datasets"
)

// resetPeakMemory resets the process's peak resident set size, so that
// peakMemory then tells the peak of what follows (Linux:
// /proc/self/clear_refs 5; elsewhere nothing is reset and peakMemory
// reports nothing). The peak includes DuckDB's memory, which lives in the
// same process. With release, the memory the Go heap freed is first
// returned to the operating system; without it, the heap keeps it for what
// follows, and the peak counts it.
func resetPeakMemory(release bool) {
	if release {
		debug.FreeOSMemory() // collects first
	} else {
		runtime.GC() // what the last stage freed is reused before the heap grows
	}
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// peakMemory returns the peak resident set size of the process in bytes
// since it started or since resetPeakMemory (VmHWM), and false where the
// system does not tell it.
func peakMemory() (int64, bool) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10, err == nil
		}
	}
	return 0, false
}

// formatGiB renders a byte count in GiB with two decimals.
func formatGiB(bytes int64) string {
	return strconv.FormatFloat(float64(bytes)/(1<<30), 'f', 2, 64) + " GiB"
}

// limitGoMemory sets the Go runtime's soft memory limit to
// datasets.GoMemoryLimit unless GOMEMLIMIT (which the runtime reads
// itself) is set, and returns the limit in force (math.MaxInt64 for
// none).
func limitGoMemory() int64 {
	if os.Getenv("GOMEMLIMIT") == "" {
		if limit := datasets.GoMemoryLimit(); limit > 0 {
			debug.SetMemoryLimit(limit)
		}
	}
	return debug.SetMemoryLimit(-1)
}
