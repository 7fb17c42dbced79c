package datasets

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"
)

// Run is one recorded execution of a stage (mine, evaluate, triage, …).
type Run struct {
	ID         int64
	Command    string
	SnapshotID int64
	// StartedAt is when the command started, by the wall clock (not the
	// batch's --as-of).
	StartedAt time.Time
	// Parameters are stored as JSON; commands record their flags, keyed
	// in snake_case.
	Parameters any
	Batch      string // the nightly batch the run is a stage of, or ""
}

// RecordRun writes the runs row of r with status ok and its summary, inside
// tx, so the run's results and its record commit together. The run's
// finished_at is the time now. It assigns r.ID.
func (tx *Tx) RecordRun(r *Run, summary any) error {
	var last sql.NullInt64
	if err := tx.QueryRow("SELECT max(run_id) FROM runs").Scan(&last); err != nil {
		return err
	}
	r.ID = last.Int64 + 1
	params, err := json.Marshal(r.Parameters)
	if err != nil {
		return err
	}
	sum, err := json.Marshal(summary)
	if err != nil {
		return err
	}
	return tx.Exec(`INSERT INTO runs (run_id, command, snapshot_id, started_at, finished_at, status, parameters, summary, batch_id)
		VALUES (?, ?, ?, ?, ?, 'ok', ?, ?, ?)`,
		r.ID, r.Command, r.SnapshotID, r.StartedAt.UTC(), time.Now().UTC(), string(params), string(sum), r.Batch)
}

// LatestRun returns the newest successful run of command, or ok false.
func (s *Store) LatestRun(ctx context.Context, command string) (id int64, ok bool, err error) {
	var n sql.NullInt64
	err = s.db.QueryRowContext(ctx, "SELECT max(run_id) FROM runs WHERE command = ? AND status = 'ok'", command).Scan(&n)
	return n.Int64, n.Valid, err
}

// SetRunTimes sets when run id started and finished. rolemine run uses it
// to record each stage's run with the times the batch measured around the
// whole stage (opening the database and loading included), so that the
// history agrees with what the batch printed.
func (tx *Tx) SetRunTimes(id int64, started, finished time.Time) error {
	return tx.Exec(`UPDATE runs SET started_at = ?, finished_at = ? WHERE run_id = ?`, started.UTC(), finished.UTC(), id)
}

// SetRunSummary replaces the summary of run id, for a command whose
// summary is known only after its rows are stored in the same
// transaction.
func (tx *Tx) SetRunSummary(id int64, summary any) error {
	sum, err := json.Marshal(summary)
	if err != nil {
		return err
	}
	return tx.Exec(`UPDATE runs SET summary = ? WHERE run_id = ?`, string(sum), id)
}
