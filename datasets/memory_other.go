//go:build !linux

package datasets

// physicalMemory returns 0: only Linux is asked for its memory.
func physicalMemory() int64 { return 0 }
