package main

import (
	"database/sql"
	"database/sql/driver"

	"rolemine/datasets"
	"rolemine/eval/triage"
)

// appendLog chains entries after the last entry of the decision log and
// appends them, inside tx.
func appendLog(tx *datasets.Tx, entries []triage.Entry) error {
	var seq sql.NullInt64
	var hash sql.NullString
	err := tx.QueryRow("SELECT seq, entry_hash FROM decision_log ORDER BY seq DESC LIMIT 1").Scan(&seq, &hash)
	if err != nil && err != sql.ErrNoRows {
		return err
	}
	triage.Chain(entries, seq.Int64, hash.String)
	return tx.Append("decision_log", func(add func(...driver.Value) error) error {
		for _, e := range entries {
			if err := add(e.Seq, e.LoggedAt, e.RunID, e.SnapshotID, e.Actor, e.Action, e.Subject, e.Rule, e.Reason,
				e.PolicyID, e.Hash, e.PreviousHash); err != nil {
				return err
			}
		}
		return nil
	})
}
