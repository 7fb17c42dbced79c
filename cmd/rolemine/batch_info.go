package main

import "time"

// batchInfo is what rolemine run tells the commands it runs as stages;
// commands run by hand see it zero.
type batchInfo struct {
	// ID of the nightly batch, recorded with each stage's run so a resumed
	// batch can tell which stages are done.
	ID string
	// AsOf is the batch's clock: every stage of a batch, and every rerun of
	// it, sees the same time. Zero means now.
	AsOf time.Time
	// PolicyDir receives the policy evaluate writes, as <policy id>.json.
	PolicyDir string
	// Signals carries the matrix mine loaded to the signals evaluate or
	// triage build, and the scoring data evaluate built to triage.
	Signals *signalCache
	// Snapshot carries the snapshot hygiene loaded to review, when the
	// batch runs both.
	Snapshot *hygieneCache
}

// now returns the batch's clock, or the time now outside a batch.
func (b batchInfo) now() time.Time {
	if b.AsOf.IsZero() {
		return time.Now().UTC()
	}
	return b.AsOf
}
