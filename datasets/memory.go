package datasets

import (
	"fmt"
	"os"
)

// MemoryLimitEnv names the environment variable that sets DuckDB's
// memory_limit for every database rolemine opens, in DuckDB's syntax
// (e.g. 6GiB, 12000MB).
const MemoryLimitEnv = "ROLEMINE_DUCKDB_MEMORY"

// memoryShare is the share of physical memory DuckDB may use by default.
// DuckDB's own default, 80 %, leaves too little for the Go side of the
// same process (the matrices of mine, hygiene and review) and let one
// million-identity load reach 13.6 GiB: a load holds every file it staged
// until it commits. Under the limit DuckDB spills to DB.tmp beside the
// database instead.
const memoryShare = 0.4

// allocatorBackgroundThreads is DuckDB's allocator_background_threads
// setting for every database rolemine opens. DuckDB's allocator
// (jemalloc) otherwise returns freed memory to the system only while
// DuckDB allocates, so that the memory of the large query results read
// into Go stays with the process while Go works on them: `rolemine
// hygiene` at a million identities kept about 4 GiB so after its load and
// peaked at 15.1–15.7 GiB. With background threads the allocator returns
// it as it ages, whatever DuckDB is doing: 11.8–11.9 GiB, in about the
// same time (docs/SCALE.md).
const allocatorBackgroundThreads = "true"

// memoryLimit returns DuckDB's memory_limit setting: MemoryLimitEnv when
// set, else memoryShare of physical memory, or "" (DuckDB's default) where
// the system does not tell its memory.
func memoryLimit() string {
	if v := os.Getenv(MemoryLimitEnv); v != "" {
		return v
	}
	if total := physicalMemory(); total > 0 {
		return fmt.Sprintf("%dMiB", int64(float64(total)*memoryShare)>>20)
	}
	return ""
}

// goMemoryShare is the share of physical memory the Go heap of a rolemine
// process aims to stay within, beside DuckDB's memoryShare. Without a
// limit the Go collector lets the heap grow to twice what is live: the
// million-identity hygiene and review runs held 6–8 GiB of live data and
// peaked at 17–20 GiB.
const goMemoryShare = 0.4

// GoMemoryLimit returns the soft memory limit for the Go runtime
// (runtime/debug.SetMemoryLimit): goMemoryShare of physical memory, or 0
// where the system does not tell its memory. It is a soft limit: the
// collector works harder near it, and a heap that needs more still gets
// it.
func GoMemoryLimit() int64 {
	return int64(float64(physicalMemory()) * goMemoryShare)
}
