package main

import (
	"context"
	"database/sql/driver"
	"strings"

	"rolemine/datasets"
	"rolemine/eval/policy"
	"rolemine/eval/triage"
)

// triageSummary is the runs summary of a triage run.
type triageSummary struct {
	PolicyID string         `json:"policy_id"`
	Requests int            `json:"requests"`
	Routes   map[string]int `json:"routes"`
	QA       int            `json:"qa_sampled"`
}

// storeTriage records the run, its decisions and their decision-log
// entries in one transaction.
func storeTriage(ctx context.Context, store *datasets.Store, run *datasets.Run, pol *policy.File, decisions []routed) error {
	sum := triageSummary{PolicyID: pol.ID, Requests: len(decisions), Routes: map[string]int{}}
	for _, d := range decisions {
		sum.Routes[string(d.Route)]++
		if d.QASample {
			sum.QA++
		}
	}
	return store.Write(ctx, func(tx *datasets.Tx) error {
		if err := tx.RecordRun(run, sum); err != nil {
			return err
		}
		err := tx.Append("triage_decisions", func(add func(...driver.Value) error) error {
			for _, d := range decisions {
				if err := add(run.ID, d.ID, d.Identity, d.Ent, d.App, d.Tier, string(d.Route), d.QASample, d.Probability,
					d.Score, d.Rule, d.Reason, d.PolicyID, strings.Join(d.Evidence, "; ")); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		entries := make([]triage.Entry, len(decisions))
		for k, d := range decisions {
			action := string(d.Route)
			if d.QASample {
				action += " + quality review"
			}
			entries[k] = triage.Entry{LoggedAt: run.StartedAt, RunID: run.ID, SnapshotID: run.SnapshotID, Actor: "rolemine triage",
				Action: action, Subject: d.ID, Rule: d.Rule, Reason: d.Reason, PolicyID: pol.ID}
		}
		return appendLog(tx, entries)
	})
}
