package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/pflag"

	"rolemine/datasets/synth"
)

type simulateOptions struct {
	DB            string
	Org           string
	Out           string
	ErrorRate     float64
	RollbackShare float64
	Seed          uint64
}

func (o *simulateOptions) AddFlags(fs *pflag.FlagSet) {
	d := synth.DefaultVerdictOptions
	dbFlag(fs, &o.DB)
	fs.StringVar(&o.Org, "org", "", "directory rolemine generate wrote (its ground_truth/ is read) (required)")
	fs.StringVar(&o.Out, "out", "", "outcomes file to write (required)")
	fs.Float64Var(&o.ErrorRate, "error-rate", d.ErrorRate, "share of verdicts that contradict the careful decision")
	fs.Float64Var(&o.RollbackShare, "rollback-share", d.RollbackShare, "share of wrong auto-approvals revoked later")
	fs.Uint64Var(&o.Seed, "seed", d.Seed, "random seed")
}

func simulateCommand() *command {
	var o simulateOptions
	return &command{
		name: "simulate", args: "--org DIR --out outcomes.csv [flags]",
		short: "play the reviewers of a generated organisation after the latest triage",
		long: `For a database loaded from rolemine generate, writes the outcomes file its
reviewers would produce after the latest triage run: a verdict for every
quality-sampled auto-approval and every request routed to a person (the careful
decision the generator knows, contradicted with probability --error-rate) and
revocations of a share of the auto-approvals that should have been denied. Load
it with rolemine outcomes or put it in the next night's extracts: it exercises
the outcome measures and the circuit breaker.`,
		flags: func() *pflag.FlagSet { fs := newFlagSet("simulate"); o = simulateOptions{}; o.AddFlags(fs); return fs },
		run:   func(ctx context.Context, e *env, args []string) error { return runSimulate(ctx, e, o, args) },
	}
}

func runSimulate(ctx context.Context, e *env, o simulateOptions, args []string) error {
	if o.Org == "" || o.Out == "" || len(args) > 0 {
		return usagef("simulate: give --org DIR and --out FILE")
	}
	if !(o.ErrorRate >= 0 && o.ErrorRate <= 1) || !(o.RollbackShare >= 0 && o.RollbackShare <= 1) {
		return usagef("simulate: --error-rate and --rollback-share must be in [0, 1]")
	}
	careful, err := readCarefulDecisions(filepath.Join(o.Org, synth.DecisionsFile))
	if err != nil {
		return err
	}
	store, err := openReadOnly(ctx, "simulate", o.DB)
	if err != nil {
		return err
	}
	defer store.Close()
	rows, err := store.DB().QueryContext(ctx, `SELECT d.request_id, d.route = 'auto-approve', d.qa_sample, r.started_at
		FROM triage_decisions d JOIN runs r USING (run_id)
		WHERE d.run_id = (SELECT max(run_id) FROM triage_decisions) ORDER BY d.request_id`)
	if err != nil {
		return err
	}
	defer rows.Close()
	var routed []synth.Routed
	for rows.Next() {
		var r synth.Routed
		if err := rows.Scan(&r.RequestID, &r.AutoApproved, &r.QASample, &r.At); err != nil {
			return err
		}
		routed = append(routed, r)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(routed) == 0 {
		return fmt.Errorf("%s holds no triage decisions: run rolemine triage first", o.DB)
	}
	opts := synth.DefaultVerdictOptions
	opts.ErrorRate, opts.RollbackShare, opts.Seed = o.ErrorRate, o.RollbackShare, o.Seed
	outs := synth.Verdicts(routed, careful, opts)
	err = writeCSVFile(o.Out, []string{"request_id", "outcome", "actor", "decided_at"}, func(yield func([]string)) {
		for _, x := range outs {
			yield([]string{x.RequestID, x.Outcome, x.Actor, x.At.UTC().Format(time.DateTime)})
		}
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "wrote %d outcomes for %d triaged requests to %s\n", len(outs), len(routed), o.Out)
	return nil
}

// readCarefulDecisions reads the generator's careful decisions
// (true_decision) by request id.
func readCarefulDecisions(path string) (map[string]bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("%s: empty", path)
	}
	col := map[string]int{}
	for k, h := range recs[0] {
		col[h] = k
	}
	id, ok1 := col["request_id"]
	truth, ok2 := col["true_decision"]
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("%s: want columns request_id and true_decision", path)
	}
	careful := make(map[string]bool, len(recs)-1)
	for _, r := range recs[1:] {
		careful[r[id]] = r[truth] == "approved"
	}
	return careful, nil
}
