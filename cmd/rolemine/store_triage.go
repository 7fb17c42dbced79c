package main

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"

	"rolemine/datasets"
	"rolemine/eval/model"
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

// loadPolicyModel reads the model stored under the policy's id in
// policy_models and checks it against the policy's reference
// (policy.File.LoadModel). A missing model is refused naming the policy,
// the model it references and the newest model the database holds.
func loadPolicyModel(ctx context.Context, store *datasets.Store, pol *policy.File) (*model.Model, error) {
	var data []byte
	err := store.DB().QueryRowContext(ctx, "SELECT model FROM policy_models WHERE policy_id = ?", pol.ID).Scan(&data)
	if err == nil {
		return pol.LoadModel(data)
	}
	var exists bool
	if qerr := store.DB().QueryRowContext(ctx, "SELECT count(*) > 0 FROM information_schema.tables WHERE table_name = 'policy_models'").Scan(&exists); qerr != nil {
		return nil, qerr
	}
	if exists && !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	newest := "it holds no stored model"
	if exists {
		var id, sum string
		switch qerr := store.DB().QueryRowContext(ctx, "SELECT policy_id, model_sha256 FROM policy_models ORDER BY run_id DESC LIMIT 1").Scan(&id, &sum); {
		case qerr == nil:
			newest = fmt.Sprintf("the newest stored is policy %s's, SHA-256 %s", id, sum)
		case !errors.Is(qerr, sql.ErrNoRows):
			return nil, qerr
		}
	}
	return nil, fmt.Errorf("policy %s references model %s, but database %s holds no model under that policy id (%s): run rolemine evaluate again",
		pol.ID, pol.ModelSHA256, store.Path(), newest)
}
