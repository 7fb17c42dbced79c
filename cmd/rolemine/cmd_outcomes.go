package main

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/spf13/pflag"

	"rolemine/datasets"
	"rolemine/eval/outcomes"
	"rolemine/eval/policy"
	"rolemine/eval/triage"
)

type outcomesOptions struct {
	DB                string
	Policy            string
	Out               string
	RollbackTolerance float64
	MinVerdicts       int
}

func (o *outcomesOptions) AddFlags(fs *pflag.FlagSet) {
	d := outcomes.DefaultOptions
	dbFlag(fs, &o.DB)
	fs.StringVar(&o.Policy, "policy", "", "policy file whose triage decisions are judged (required)")
	fs.StringVar(&o.Out, "out", "", "directory for outcome_stats.csv and tier_states.csv")
	fs.Float64Var(&o.RollbackTolerance, "rollback-tolerance", d.RollbackTolerance, "tolerated share of auto-approvals rolled back")
	fs.IntVar(&o.MinVerdicts, "min-verdicts", d.MinVerdicts, "least reviewed verdicts before expanding automation to a tier is recommended")
}

func outcomesCommand() *command {
	var o outcomesOptions
	return &command{
		name: "outcomes", args: "--policy FILE [flags] [FILE...]",
		short: "record what happened after triage, measure error rates and trip the circuit breaker",
		long: `Loads outcome files, if given (table outcomes: request_id, outcome = approved,
denied or revoked, actor, decided_at), then measures the triage decisions made
under the policy against what happened: human verdicts on quality-sampled
auto-approvals and on reviewed requests (from outcome files, and for requests
that were not auto-approved also from the decisions of the request history),
and revocations (outcome revoked, or revoked_at in the request history).

It reports per run and risk tier the false approvals, false escalations,
rollback rate and time to decision with confidence intervals. When a tier's
false-approval or rollback rate exceeds its tolerance with the policy's
confidence, auto-approval of that tier is suspended for every later triage
under the policy (only a new evaluation restores it); a tier not yet automated
whose reviewed verdicts support a threshold is recommended for expansion.`,
		flags: func() *pflag.FlagSet { fs := newFlagSet("outcomes"); o = outcomesOptions{}; o.AddFlags(fs); return fs },
		run:   func(ctx context.Context, e *env, args []string) error { return runOutcomes(ctx, e, o, args) },
	}
}

func (o outcomesOptions) options(pol *policy.File) (outcomes.Options, error) {
	opts := outcomes.Options{TargetPrecision: pol.TargetPrecision, Confidence: pol.Confidence,
		RollbackTolerance: o.RollbackTolerance, MinVerdicts: o.MinVerdicts}
	if !(o.RollbackTolerance > 0 && o.RollbackTolerance < 1) || o.MinVerdicts < 1 {
		return opts, usagef("outcomes: --rollback-tolerance must be in (0,1) and --min-verdicts at least 1")
	}
	return opts, nil
}

func runOutcomes(ctx context.Context, e *env, o outcomesOptions, args []string) error {
	if o.Policy == "" {
		return usagef("outcomes: give --policy FILE")
	}
	pol, err := policy.Read(o.Policy)
	if err != nil {
		return err
	}
	opts, err := o.options(pol)
	if err != nil {
		return err
	}
	store, err := openExisting(ctx, "outcomes", o.DB)
	if err != nil {
		return err
	}
	defer store.Close()
	started, now := time.Now().UTC(), e.batch.now()
	if len(args) > 0 {
		if err := loadOutcomeFiles(ctx, e, store, args, now); err != nil {
			return err
		}
	}
	decisions, err := loadTriageDecisions(ctx, store, pol.ID)
	if err != nil {
		return err
	}
	outs, err := loadOutcomes(ctx, store, pol.ID)
	if err != nil {
		return err
	}
	m := outcomes.Measure(decisions, outs, opts)
	suspended, looks, err := loadTierStates(ctx, store, pol.ID)
	if err != nil {
		return err
	}
	states := outcomes.Assess(pol, m, suspended, looks+1, opts)
	printOutcomes(e, pol, m, states, suspended)
	if o.Out != "" {
		if err := writeOutcomes(o.Out, pol, m, states); err != nil {
			return err
		}
	}
	snapshot, err := store.LatestSnapshot(ctx)
	if err != nil {
		return err
	}
	run := &datasets.Run{Command: "outcomes", SnapshotID: snapshot, StartedAt: started, Parameters: e.parameters(), Batch: e.batch.ID}
	return storeOutcomes(ctx, store, run, pol, m, states, suspended)
}

// loadOutcomeFiles loads outcome files into the outcomes table in one
// snapshot.
func loadOutcomeFiles(ctx context.Context, e *env, store *datasets.Store, paths []string, now time.Time) error {
	sources := make([]datasets.Source, len(paths))
	for k, p := range paths {
		sources[k] = datasets.Source{Path: p, Table: "outcomes"}
	}
	opts := datasets.DefaultIngestOptions
	opts.Note, opts.Now = "outcomes", now
	rep, err := store.Ingest(ctx, sources, opts)
	if err != nil {
		return err
	}
	printIngestReport(e, rep)
	return nil
}

// loadTriageDecisions reads the decisions of every triage run under the
// policy, with the run's time.
func loadTriageDecisions(ctx context.Context, store *datasets.Store, policyID string) ([]outcomes.Decision, error) {
	rows, err := store.DB().QueryContext(ctx, `SELECT d.run_id, d.request_id, d.tier, d.route, d.rule, d.qa_sample, d.probability, r.started_at
		FROM triage_decisions d JOIN runs r USING (run_id) WHERE d.policy_id = $1 ORDER BY d.run_id, d.request_id`, policyID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []outcomes.Decision
	for rows.Next() {
		var d outcomes.Decision
		var route string
		if err := rows.Scan(&d.Run, &d.RequestID, &d.Tier, &route, &d.Rule, &d.QASample, &d.Probability, &d.At); err != nil {
			return nil, err
		}
		d.Route = policy.Route(route)
		out = append(out, d)
	}
	return out, rows.Err()
}

// outcomesQuery gathers what happened to the requests triaged under a
// policy: outcome rows; for requests triage did not auto-approve, the
// human decision of the request history (an auto-approval's later
// "approved" in the history is the workflow acting on it, not a verdict);
// and revocations in the history.
const outcomesQuery = `
WITH triaged AS (
	SELECT request_id, bool_or(route = 'auto-approve') AS auto FROM triage_decisions WHERE policy_id = $1 GROUP BY request_id)
SELECT o.request_id, o.outcome, o.decided_at FROM current_outcomes o JOIN triaged USING (request_id)
UNION ALL
SELECT r.request_id, r.decision, r.decided_at FROM current_requests r JOIN triaged t USING (request_id)
	WHERE NOT t.auto AND r.decision IN ('approved', 'denied')
UNION ALL
SELECT r.request_id, 'revoked', r.revoked_at FROM current_requests r JOIN triaged USING (request_id)
	WHERE r.revoked_at IS NOT NULL`

func loadOutcomes(ctx context.Context, store *datasets.Store, policyID string) ([]outcomes.Outcome, error) {
	rows, err := store.DB().QueryContext(ctx, outcomesQuery, policyID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []outcomes.Outcome
	for rows.Next() {
		var id, kind string
		var at sql.NullTime
		if err := rows.Scan(&id, &kind, &at); err != nil {
			return nil, err
		}
		o := outcomes.Outcome{RequestID: id, Kind: outcomes.Verdict, Approved: kind == "approved", At: at.Time}
		if kind == "revoked" {
			o.Kind = outcomes.Rollback
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// loadTierStates returns the tiers suspended under the policy by its latest
// assessment and the number of assessments so far.
func loadTierStates(ctx context.Context, store *datasets.Store, policyID string) (map[string]string, int, error) {
	var looks int
	if err := store.DB().QueryRowContext(ctx, `SELECT count(DISTINCT run_id) FROM tier_states WHERE policy_id = $1`, policyID).Scan(&looks); err != nil {
		return nil, 0, err
	}
	rows, err := store.DB().QueryContext(ctx, `SELECT tier, reason FROM tier_states
		WHERE policy_id = $1 AND state = 'suspended' AND run_id = (SELECT max(run_id) FROM tier_states WHERE policy_id = $1)`, policyID)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	suspended := map[string]string{}
	for rows.Next() {
		var tier, reason string
		if err := rows.Scan(&tier, &reason); err != nil {
			return nil, 0, err
		}
		suspended[tier] = reason
	}
	return suspended, looks, rows.Err()
}

// storeOutcomes records the run, its statistics, the tier states and, for
// each newly suspended tier, a decision-log entry, in one transaction.
func storeOutcomes(ctx context.Context, store *datasets.Store, run *datasets.Run, pol *policy.File, m *outcomes.Measurement,
	states []outcomes.State, suspended map[string]string) error {
	summary := map[string]any{"policy_id": pol.ID, "tiers": states}
	return store.Write(ctx, func(tx *datasets.Tx) error {
		if err := tx.RecordRun(run, jsonSafe(summary)); err != nil {
			return err
		}
		err := tx.Append("outcome_stats", func(add func(...driver.Value) error) error {
			for _, s := range append(append([]outcomes.Stats(nil), m.PerRun...), m.Overall...) {
				var triageRun driver.Value
				if s.Run != 0 {
					triageRun = s.Run
				}
				fa, rb, fe := s.FalseApprovals, s.Rollbacks, s.FalseEscalations
				if err := add(run.ID, pol.ID, s.Tier, triageRun, int64(s.Runs), int64(s.Requests), int64(s.AutoApproved),
					int64(s.QASampled), int64(fa.N), int64(fa.K), nullable(fa.Rate), nullable(fa.Lower), nullable(fa.Upper),
					int64(rb.K), nullable(rb.Rate), nullable(rb.Lower), nullable(rb.Upper),
					int64(fe.N), int64(fe.K), nullable(fe.Rate), nullable(s.MedianHours)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		var log []triage.Entry
		err = tx.Append("tier_states", func(add func(...driver.Value) error) error {
			for _, st := range states {
				if st.State == outcomes.Suspended && suspended[st.Tier] == "" {
					log = append(log, triage.Entry{LoggedAt: run.StartedAt, RunID: run.ID, SnapshotID: run.SnapshotID,
						Actor: "rolemine circuit breaker", Action: "suspend auto-approval", Subject: "tier " + st.Tier,
						Rule: "circuit-breaker", Reason: st.Reason, PolicyID: pol.ID})
				}
				if err := add(run.ID, pol.ID, st.Tier, st.State, st.RecommendExpand, st.Reason); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		return appendLog(tx, log)
	})
}

// nullable maps NaN to NULL.
func nullable(v float64) driver.Value {
	if math.IsNaN(v) {
		return nil
	}
	return v
}

func printOutcomes(e *env, pol *policy.File, m *outcomes.Measurement, states []outcomes.State, suspended map[string]string) {
	fmt.Fprintf(e.stdout, "policy %s: %d triage runs judged\n", pol.ID, runsOf(m))
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "tier\trequests\tauto-approved\tfalse approvals [interval]\trollbacks [interval]\tfalse escalations\tmedian hours")
	for _, s := range m.Overall {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%s\t%s\n", s.Tier, s.Requests, s.AutoApproved, rate(s.FalseApprovals),
			rate(s.Rollbacks), rate(s.FalseEscalations), ftoaOrDash(s.MedianHours))
	}
	tw.Flush()
	for _, st := range states {
		switch {
		case st.State == outcomes.Suspended && suspended[st.Tier] == "":
			fmt.Fprintf(e.stdout, "SUSPENDED %s tier: %s\n", st.Tier, st.Reason)
			e.logf("warning: auto-approval of the %s tier suspended: %s", st.Tier, st.Reason)
		case st.State == outcomes.Suspended:
			fmt.Fprintf(e.stdout, "%s tier stays suspended: %s\n", st.Tier, st.Reason)
		case st.RecommendExpand:
			fmt.Fprintf(e.stdout, "%s tier: %s\n", st.Tier, st.Reason)
		default:
			fmt.Fprintf(e.stdout, "%s tier %s: %s\n", st.Tier, st.State, st.Reason)
		}
	}
}

func runsOf(m *outcomes.Measurement) int {
	if len(m.Overall) == 0 {
		return 0
	}
	return m.Overall[0].Runs
}

// rate prints "K/N = r% [lo%, hi%]" or "-" without trials.
func rate(r outcomes.Rate) string {
	if r.N == 0 {
		return "-"
	}
	return fmt.Sprintf("%d/%d = %.2f%% [%.2f%%, %.2f%%]", r.K, r.N, 100*r.Rate, 100*r.Lower, 100*r.Upper)
}

func ftoaOrDash(v float64) string {
	if math.IsNaN(v) {
		return "-"
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

// writeOutcomes writes outcomes.json and outcome_stats.csv into dir.
func writeOutcomes(dir string, pol *policy.File, m *outcomes.Measurement, states []outcomes.State) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	data, err := json.MarshalIndent(jsonSafe(map[string]any{"policy_id": pol.ID, "per_run": m.PerRun, "overall": m.Overall, "tiers": states}), "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "outcomes.json"), append(data, '\n'), 0o644); err != nil {
		return err
	}
	header := []string{"triage_run", "tier", "requests", "auto_approved", "qa_sampled", "verified", "false_approvals", "false_approval_rate",
		"rollbacks", "rollback_rate", "reviewed", "false_escalations", "median_hours"}
	return writeCSVFile(filepath.Join(dir, "outcome_stats.csv"), header, func(yield func([]string)) {
		for _, s := range append(append([]outcomes.Stats(nil), m.PerRun...), m.Overall...) {
			run := "all"
			if s.Run != 0 {
				run = strconv.FormatInt(s.Run, 10)
			}
			yield([]string{run, s.Tier, strconv.Itoa(s.Requests), strconv.Itoa(s.AutoApproved), strconv.Itoa(s.QASampled),
				strconv.Itoa(s.FalseApprovals.N), strconv.Itoa(s.FalseApprovals.K), ftoa(s.FalseApprovals.Rate),
				strconv.Itoa(s.Rollbacks.K), ftoa(s.Rollbacks.Rate), strconv.Itoa(s.FalseEscalations.N),
				strconv.Itoa(s.FalseEscalations.K), ftoa(s.MedianHours)})
		}
	})
}
