package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
)

// profileEnv names the directory that receives profiles of a command when
// set: cpu.pprof for the whole command and heap-STEP.pprof after each step,
// the live heap once the step's work is done (for developers measuring a
// stage; see docs/SCALE.md). A profile that cannot be written is reported
// on stderr and does not stop the command.
const profileEnv = "ROLEMINE_PROFILE"

// startProfile starts the CPU profile when profileEnv is set and returns
// the function that stops it.
func startProfile(stderr io.Writer) (stop func()) {
	dir := os.Getenv(profileEnv)
	if dir == "" {
		return func() {}
	}
	f, err := createProfile(dir, "cpu.pprof")
	if err == nil {
		if err = pprof.StartCPUProfile(f); err != nil {
			f.Close()
		}
	}
	if err != nil {
		profileWarning(stderr, err)
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			profileWarning(stderr, err)
		}
	}
}

// writeHeapProfile writes the live heap after step when profileEnv is set.
func writeHeapProfile(stderr io.Writer, step string) {
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
	f, err := createProfile(dir, "heap-"+name+".pprof")
	if err == nil {
		runtime.GC()
		err = pprof.WriteHeapProfile(f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		profileWarning(stderr, err)
	}
}

// createProfile creates file name in dir, making dir if needed.
func createProfile(dir, name string) (*os.File, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	return os.Create(filepath.Join(dir, name))
}

func profileWarning(stderr io.Writer, err error) {
	fmt.Fprintf(stderr, "warning: %s: no profile: %v\n", profileEnv, err)
}
