package main

import (
	"time"

	"github.com/schollz/progressbar/v3"
)

// progress shows what a long step is doing, on stderr and only when stderr
// is a terminal; otherwise it is silent. A step shorter than a second
// shows nothing.
type progress struct {
	bar *progressbar.ProgressBar
}

// start begins a step of total units of work (-1 when unknown: a spinner).
func (e *env) start(description string, total int) *progress {
	if !e.interactive() {
		return &progress{}
	}
	bar := progressbar.NewOptions(total,
		progressbar.OptionSetWriter(e.stderr),
		progressbar.OptionSetDescription(description),
		progressbar.OptionShowElapsedTimeOnFinish(),
		progressbar.OptionSetVisibility(true),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionSetRenderBlankState(false),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSpinnerType(14),
	)
	return &progress{bar: bar}
}

// set reports done units of work.
func (p *progress) set(done int) {
	if p.bar != nil {
		p.bar.Set(done)
	}
}

// done ends the step.
func (p *progress) done() {
	if p.bar != nil {
		p.bar.Finish()
	}
}

// run runs fn as one step with a spinner.
func (e *env) run(description string, fn func() error) error {
	p := e.start(description, -1)
	defer p.done()
	if p.bar != nil {
		stop := make(chan struct{})
		defer close(stop)
		go func() {
			t := time.NewTicker(100 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-stop:
					return
				case <-t.C:
					p.bar.Add(1)
				}
			}
		}()
	}
	return fn()
}
