package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestProfile: ROLEMINE_PROFILE receives the CPU profile and one heap
// profile per step, and a directory that cannot be made is reported on
// stderr without failing the command.
func TestProfile(t *testing.T) {
	work := t.TempDir()
	dir := filepath.Join(work, "profiles")
	t.Setenv(profileEnv, dir)
	var stdout, stderr bytes.Buffer
	args := []string{"generate", "--identities", "200", "--entitlements", "100", "--out", filepath.Join(work, "org")}
	if err := run(context.Background(), args, &stdout, &stderr); err != nil {
		t.Fatalf("generate: %v\n%s", err, stderr.String())
	}
	if strings.Contains(stderr.String(), "warning") {
		t.Errorf("stderr warns:\n%s", stderr.String())
	}
	writeHeapProfile(&stderr, "a step/of work")
	for _, name := range []string{"cpu.pprof", "heap-a-step-of-work.pprof"} {
		if fi, err := os.Stat(filepath.Join(dir, name)); err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v (want a non-empty profile)", name, err)
		}
	}

	blocker := filepath.Join(work, "file")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv(profileEnv, filepath.Join(blocker, "profiles"))
	stderr.Reset()
	args[len(args)-1] = filepath.Join(work, "org2")
	if err := run(context.Background(), args, &stdout, &stderr); err != nil {
		t.Fatalf("generate with an unusable %s: %v", profileEnv, err)
	}
	if !strings.Contains(stderr.String(), "warning: "+profileEnv+": no profile:") {
		t.Errorf("stderr does not report the unusable profile directory:\n%s", stderr.String())
	}
	stderr.Reset()
	writeHeapProfile(&stderr, "step")
	if !strings.Contains(stderr.String(), "warning: "+profileEnv+": no profile:") {
		t.Errorf("writeHeapProfile does not report the unusable profile directory:\n%s", stderr.String())
	}
}
