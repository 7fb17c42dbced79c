package main

import (
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
)

// profileEnv names the directory that receives profiles of a command when
// set: cpu.pprof for the whole command and heap-STEP.pprof after each step,
// the live heap once the step's work is done (for developers measuring a
// stage; see docs/SCALE.md).
const profileEnv = "ROLEMINE_PROFILE"

// startProfile starts the CPU profile when profileEnv is set and returns
// the function that stops it.
func startProfile() (stop func()) {
	dir := os.Getenv(profileEnv)
	if dir == "" {
		return func() {}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return func() {}
	}
	f, err := os.Create(filepath.Join(dir, "cpu.pprof"))
	if err != nil {
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}

// writeHeapProfile writes the live heap after step when profileEnv is set.
func writeHeapProfile(step string) {
	dir := os.Getenv(profileEnv)
	if dir == "" {
		return
	}
	name := strings.Map(func(r rune) rune {
		if r == ' ' || r == '/' {
			return '-'
		}
		return r
	}, step)
	f, err := os.Create(filepath.Join(dir, "heap-"+name+".pprof"))
	if err != nil {
		return
	}
	defer f.Close()
	runtime.GC()
	_ = pprof.WriteHeapProfile(f)
}
