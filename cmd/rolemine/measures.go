package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"rolemine/datasets"
)

// A method measure is what a command measures about its own method rather
// than about tonight's data: mine's generalisation (roles mined from 90 %
// of the access predicting the hidden 10 %) and review's replay (the
// suggestions against past certification decisions). Each costs about as
// much as the command's own work. With --generalisation-days and
// --replay-days a run takes over the latest measure of an earlier run with
// the same parameters (a replay: of the same past campaigns), when it is
// younger than that, instead of measuring again; rolemine run sets both to
// its --refit-days, so that the methods are measured again as often as the
// policy is refitted. A measure taken over is reported as such, with the
// run that measured it, and is never stored as the new run's: its age
// keeps counting from the measurement.

// earlierMeasure is a measure taken by an earlier run.
type earlierMeasure struct {
	Run        int64     `json:"run"`
	MeasuredAt time.Time `json:"measured_at"`
}

// describe says where the measure comes from, for the user.
func (m *earlierMeasure) describe(command string) string {
	return fmt.Sprintf("measured by %s run %d on %s, not again in this run", command, m.Run, m.MeasuredAt.UTC().Format(time.DateOnly))
}

// findEarlierMeasure returns the newest successful run of command that
// measured less than maxAge before now, ran with the values params holds
// for keys, and whose summary holds a measure at JSON path that accept
// takes; ok is false when there is none or maxAge is not positive. A
// run's time is its batch's clock (--as-of) when a batch ran it, as the
// policy's age is, and else when it started; now is the batch's clock
// too, or the wall clock outside a batch.
func findEarlierMeasure(ctx context.Context, store *datasets.Store, now time.Time, command, path string, params map[string]any, keys []string,
	maxAge time.Duration, accept func(raw []byte) bool) (m *earlierMeasure, ok bool, err error) {
	if maxAge <= 0 {
		return nil, false, nil
	}
	if now.IsZero() {
		now = time.Now()
	}
	rows, err := store.DB().QueryContext(ctx, `SELECT r.run_id, coalesce(b.as_of, r.started_at) AS measured_at, r.parameters,
			json_extract(r.summary, ?)::VARCHAR
		FROM runs r LEFT JOIN batches b ON b.batch_id = r.batch_id
		WHERE r.command = ? AND r.status = 'ok' AND json_extract(r.summary, ?) IS NOT NULL
			AND coalesce(b.as_of, r.started_at) > ?
		ORDER BY r.run_id DESC`, path, command, path, now.UTC().Add(-maxAge))
	if err != nil {
		return nil, false, fmt.Errorf("earlier %s runs: %w", command, err)
	}
	defer rows.Close()
	for rows.Next() {
		var run int64
		var measured time.Time
		var stored sql.NullString
		var raw string
		if err := rows.Scan(&run, &measured, &stored, &raw); err != nil {
			return nil, false, fmt.Errorf("earlier %s runs: %w", command, err)
		}
		var before map[string]any
		if json.Unmarshal([]byte(stored.String), &before) != nil || !sameValues(before, params, keys) || !accept([]byte(raw)) {
			continue
		}
		return &earlierMeasure{Run: run, MeasuredAt: measured}, true, nil
	}
	return nil, false, rows.Err()
}

// sameValues says whether before holds the values params holds for every
// key, compared as they print (stored parameters come back from JSON).
func sameValues(before, params map[string]any, keys []string) bool {
	data, _ := json.Marshal(params)
	var cur map[string]any
	json.Unmarshal(data, &cur)
	for _, k := range keys {
		if fmt.Sprint(before[k]) != fmt.Sprint(cur[k]) {
			return false
		}
	}
	return true
}

// measureAge is the age a --*-days flag of command allows a measure taken
// over; days must not be negative.
func measureAge(command, flag string, days int) (time.Duration, error) {
	if days < 0 {
		return 0, usagef("%s: %s must not be negative", command, flag)
	}
	return time.Duration(days) * 24 * time.Hour, nil
}
