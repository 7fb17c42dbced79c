package main

import (
	"fmt"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
)

// progress shows how far a long step has come. On a terminal it is a bar
// (a spinner when the total is unknown) on stderr; otherwise, for logs, a
// line on stderr every logEvery once the step has lasted logAfter, with
// done/total, the share and an estimate of the time left. A step shorter
// than that shows nothing in a log.
//
// set and stage may be called from several goroutines.
type progress struct {
	bar *progressbar.ProgressBar // nil: log lines instead

	mu          sync.Mutex
	e           *env
	description string
	stageName   string
	done, total int       // total < 0: unknown
	start       time.Time // of the step
	stageStart  time.Time // of the stage, for the estimate
	logged      time.Time // when the last log line was written; zero before
	stop        chan struct{}
}

// Log lines start after logAfter and come at most every logEvery.
const (
	logAfter = 5 * time.Second
	logEvery = 10 * time.Second
)

// start begins a step of total units of work (-1 when unknown).
func (e *env) start(description string, total int) *progress {
	now := time.Now()
	p := &progress{e: e, description: description, total: total, start: now, stageStart: now, stop: make(chan struct{})}
	if e.interactive() {
		p.bar = progressbar.NewOptions(total,
			progressbar.OptionSetWriter(e.stderr),
			progressbar.OptionSetDescription(description),
			progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionShowElapsedTimeOnFinish(),
			progressbar.OptionSetVisibility(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionSetRenderBlankState(false),
			progressbar.OptionClearOnFinish(),
			progressbar.OptionSpinnerType(14),
		)
	}
	go p.tick()
	return p
}

// tick keeps a spinner turning and a log alive while no work is reported.
func (p *progress) tick() {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
			p.mu.Lock()
			if p.bar != nil && p.total < 0 {
				p.bar.Add(1)
			}
			p.maybeLog(time.Now())
			p.mu.Unlock()
		}
	}
}

// stage reports that the step has moved on to a stage of total units
// (-1 when unknown), of which done are done.
func (p *progress) stage(name string, done, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if name != p.stageName || total != p.total {
		p.stageName, p.total, p.stageStart = name, total, time.Now()
		if p.bar != nil {
			p.bar.Describe(p.description + ": " + name)
			p.bar.ChangeMax(total)
		}
	}
	p.setLocked(done)
}

// set reports done units of work.
func (p *progress) set(done int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.setLocked(done)
}

func (p *progress) setLocked(done int) {
	p.done = done
	if p.bar != nil && p.total >= 0 {
		p.bar.Set(done)
	}
	p.maybeLog(time.Now())
}

// maybeLog writes a log line when there is no bar and one is due.
func (p *progress) maybeLog(now time.Time) {
	if p.bar != nil || now.Sub(p.start) < logAfter || now.Sub(p.logged) < logEvery {
		return
	}
	p.logged = now
	p.e.logf("%s", p.line(now))
}

// line describes the state at now: "mining: cover 1200/5000 (24%),
// elapsed 12s, about 38s left".
func (p *progress) line(now time.Time) string {
	what := p.description
	if p.stageName != "" {
		what += ": " + p.stageName
	}
	elapsed := now.Sub(p.start).Round(time.Second)
	if p.total <= 0 {
		return fmt.Sprintf("%s: running, elapsed %s", what, elapsed)
	}
	share := float64(p.done) / float64(p.total)
	s := fmt.Sprintf("%s %d/%d (%.0f%%), elapsed %s", what, p.done, p.total, 100*share, elapsed)
	if share > 0 {
		left := time.Duration(float64(now.Sub(p.stageStart)) * (1 - share) / share).Round(time.Second)
		s += fmt.Sprintf(", about %s left", left)
	}
	return s
}

// finish ends the step.
func (p *progress) finish() {
	close(p.stop)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		p.bar.Finish()
	}
}

// run runs fn as one step that does not report its progress.
func (e *env) run(description string, fn func() error) error {
	return e.step(description, func(*progress) error { return fn() })
}

// step runs fn as one step that reports its progress to p.
func (e *env) step(description string, fn func(p *progress) error) error {
	p := e.start(description, -1)
	defer p.finish()
	defer writeHeapProfile(e.stderr, description)
	return fn(p)
}

// progressRelay forwards the progress reports of work that started before
// its step to that step once attached, beginning with the latest report.
// Its methods may be called from several goroutines.
type progressRelay struct {
	mu          sync.Mutex
	to          *progress // nil until attached
	stageName   string
	done, total int
}

// report records a report and forwards it when attached.
func (r *progressRelay) report(stage string, done, total int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stageName, r.done, r.total = stage, done, total
	if r.to != nil {
		r.to.stage(stage, done, total)
	}
}

// attach forwards the latest report and those that follow to p.
func (r *progressRelay) attach(p *progress) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.to = p
	if r.stageName != "" {
		p.stage(r.stageName, r.done, r.total)
	}
}
