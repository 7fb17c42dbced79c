package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestProgressLog checks that without a terminal a long step logs its
// progress (done/total, share, estimate of the time left) every logEvery
// once it has lasted logAfter, and a short step logs nothing.
func TestProgressLog(t *testing.T) {
	var stderr bytes.Buffer
	e := &env{stdout: &bytes.Buffer{}, stderr: &stderr}
	t0 := time.Date(2026, 12, 6, 1, 0, 0, 0, time.UTC)
	p := &progress{e: e, description: "mining", total: -1, start: t0, stageStart: t0, stop: make(chan struct{})}
	p.maybeLog(t0.Add(2 * time.Second)) // too early
	p.stageName, p.total, p.stageStart = "cover", 1000, t0.Add(4*time.Second)
	p.done = 250
	p.maybeLog(t0.Add(14 * time.Second))
	p.done = 300
	p.maybeLog(t0.Add(20 * time.Second)) // within logEvery of the last line
	p.done = 500
	p.maybeLog(t0.Add(24 * time.Second))
	p.stageName, p.total = "exceptions", -1
	p.maybeLog(t0.Add(40 * time.Second))
	want := "mining: cover 250/1000 (25%), elapsed 14s, about 30s left\n" +
		"mining: cover 500/1000 (50%), elapsed 24s, about 20s left\n" +
		"mining: exceptions: running, elapsed 40s\n"
	if diff := cmp.Diff(want, stderr.String()); diff != "" {
		t.Errorf("log (-want +got):\n%s", diff)
	}
}

// TestProgressStep checks that a step reporting progress from the miner
// runs, ends and, being short, writes nothing to a log.
func TestProgressStep(t *testing.T) {
	var stderr bytes.Buffer
	e := &env{stdout: &bytes.Buffer{}, stderr: &stderr}
	err := e.step("mining", func(p *progress) error {
		for i := range 10 {
			p.stage("cover", i, 10)
		}
		return nil
	})
	if err != nil || strings.TrimSpace(stderr.String()) != "" {
		t.Errorf("step: err %v, log %q; want none", err, stderr.String())
	}
}
