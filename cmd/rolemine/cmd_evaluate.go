package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/spf13/pflag"

	"rolemine/datasets"
	"rolemine/datasets/schema"
	"rolemine/eval"
	"rolemine/eval/model"
	"rolemine/eval/policy"
	"rolemine/eval/score"
)

type evaluateOptions struct {
	DB              string
	TargetPrecision float64
	Confidence      float64
	MinDecisions    int
	DefaultRisk     string
	PolicyOut       string
	ValidDays       int
	Out             string
	Folds           int
	MaxDecisions    int
	Seed            uint64
}

func (o *evaluateOptions) AddFlags(fs *pflag.FlagSet) {
	d := score.DefaultBacktestOptions
	dbFlag(fs, &o.DB)
	fs.Float64Var(&o.TargetPrecision, "target-precision", d.Thresholds.TargetPrecision, "share of auto-approved requests a human would also approve, promised per tier")
	fs.Float64Var(&o.Confidence, "confidence", d.Thresholds.Confidence, "confidence of the one-sided Clopper-Pearson lower bound that must reach the target")
	fs.IntVar(&o.MinDecisions, "min-decisions", d.Thresholds.MinApproved, "least held-out decisions a threshold must auto-approve to qualify")
	fs.StringVar(&o.DefaultRisk, "default-risk", schema.RiskMedium, "risk tier of entitlements without one in the catalogue")
	fs.StringVar(&o.PolicyOut, "policy-out", "", "write the policy file (JSON) here (default policy.json in --out, or beside --db without --out)")
	fs.IntVar(&o.ValidDays, "valid-days", 30, "days until the policy expires and triage refuses it")
	fs.StringVar(&o.Out, "out", "", "directory for the evaluation report (evaluation.json, thresholds.csv, false_approvals.csv, false_escalations.csv)")
	fs.IntVar(&o.Folds, "folds", d.Folds, "k of k-fold cross-validation when requests have no timestamps")
	fs.IntVar(&o.MaxDecisions, "max-decisions", d.MaxDecisions, "train on the most recent N decisions only (0: all)")
	fs.Uint64Var(&o.Seed, "seed", d.Seed, "random seed")
}

func evaluateCommand() *command {
	var o evaluateOptions
	return &command{
		name: "evaluate", args: "[flags]",
		short: "backtest confidence scores on past decisions and write the auto-approval policy",
		long: `Replays the history of decided requests: with timestamps, each rolling window is
scored by a model trained on earlier decisions; without, k-fold cross-validation.
Reports ROC AUC, PR AUC, Brier score, calibration and precision, recall and
coverage at every threshold, overall and per risk tier and application, and
lists false approvals and false escalations. For each tier below high it picks
the lowest threshold whose one-sided Clopper-Pearson lower bound on precision
reaches --target-precision; the result is the policy file triage applies.
The model is then fitted once on all the training decisions and stored in the
database under the policy's id (table policy_models); the policy file holds
its SHA-256, and triage and score load exactly that model.`,
		flags: func() *pflag.FlagSet { fs := newFlagSet("evaluate"); o = evaluateOptions{}; o.AddFlags(fs); return fs },
		run:   func(ctx context.Context, e *env, args []string) error { return runEvaluate(ctx, e, o, args) },
	}
}

func (o evaluateOptions) backtestOptions() (score.BacktestOptions, error) {
	opts := score.DefaultBacktestOptions
	if !(o.TargetPrecision > 0 && o.TargetPrecision < 1) || !(o.Confidence > 0 && o.Confidence < 1) || o.MinDecisions < 1 || o.Folds < 2 || o.ValidDays < 1 || o.MaxDecisions < 0 {
		return opts, usagef("evaluate: --target-precision and --confidence must be in (0,1), --min-decisions and --valid-days at least 1, --folds at least 2, --max-decisions not negative")
	}
	if schema.RiskRank(o.DefaultRisk) < 0 {
		return opts, usagef("evaluate: --default-risk %q: want one of low, medium, high, critical", o.DefaultRisk)
	}
	opts.Thresholds = eval.ThresholdOptions{TargetPrecision: o.TargetPrecision, Confidence: o.Confidence, MinApproved: o.MinDecisions}
	opts.Folds, opts.Seed, opts.MaxDecisions = o.Folds, o.Seed, o.MaxDecisions
	opts.Explain = o.Out != "" // the lists of misses carry their reasons
	return opts, nil
}

func runEvaluate(ctx context.Context, e *env, o evaluateOptions, args []string) error {
	if len(args) > 0 {
		return usagef("evaluate: unexpected arguments %q", args)
	}
	opts, err := o.backtestOptions()
	if err != nil {
		return err
	}
	store, err := openExisting(ctx, "evaluate", o.DB)
	if err != nil {
		return err
	}
	defer store.Close()
	started, created := time.Now().UTC(), e.batch.now() // the run's clock and the policy's
	snapshot, err := store.LatestSnapshot(ctx)
	if err != nil {
		return err
	}
	reqs, feat, _, err := prepareScoring(ctx, e, store, snapshot, o.DefaultRisk)
	if err != nil {
		return err
	}
	// The policy's model, fitted once on all its training decisions and
	// stored with it: triage and score load it instead of refitting. It
	// needs nothing of the backtest, whose Requests are the same
	// selection, so it is fitted beside it, on the cores the backtest's
	// last windows leave idle.
	type fit struct {
		m   *model.Model
		err error
	}
	fitting := make(chan fit, 1)
	go func() {
		m, err := score.Fit(feat, score.Training(reqs, opts.MaxDecisions), opts)
		fitting <- fit{m, err}
	}()
	awaitFit := sync.OnceValue(func() fit { return <-fitting })
	defer awaitFit() // whatever the return, the fit ends with the command
	var bt *score.Backtest
	if err := e.run("backtesting", func() (err error) { bt, err = score.RunBacktest(ctx, feat, reqs, opts); return err }); err != nil {
		return err
	}
	dbID, err := store.DatabaseID(ctx)
	if err != nil {
		return err
	}
	src := policy.Source{DatabaseID: dbID, SnapshotID: snapshot, DataHash: policy.DataHash(bt.Requests), Decisions: len(bt.Requests)}
	for _, r := range bt.Requests {
		if r.Approved() {
			src.Approved++
		}
	}
	var fitted *model.Model
	if err := e.run("fitting the policy's model", func() error { f := awaitFit(); fitted = f.m; return f.err }); err != nil {
		return err
	}
	modelData, err := fitted.MarshalBinary()
	if err != nil {
		return err
	}
	pol := policy.New(bt, src, opts.Thresholds, o.DefaultRisk, o.Seed, created, time.Duration(o.ValidDays)*24*time.Hour)
	pol.MaxDecisions, pol.ModelSHA256 = opts.MaxDecisions, policy.ModelHash(modelData)
	pol.Seal()
	printEvaluation(e, bt, pol)
	policyOut := o.policyPath()
	if err := os.MkdirAll(filepath.Dir(policyOut), 0o755); err != nil {
		return err
	}
	if err := pol.Write(policyOut); err != nil {
		return err
	}
	e.logf("wrote policy %s to %s", pol.ID, policyOut)
	if e.batch.PolicyDir != "" {
		if err := pol.Write(filepath.Join(e.batch.PolicyDir, pol.ID+".json")); err != nil {
			return err
		}
	}
	if o.Out != "" {
		if err := writeEvaluation(o.Out, bt, pol); err != nil {
			return err
		}
	}
	run := &datasets.Run{Command: "evaluate", SnapshotID: snapshot, StartedAt: started, Parameters: e.parameters(), Batch: e.batch.ID}
	return storeEvaluation(ctx, store, run, bt, pol, modelData)
}

// policyPath is where the policy file goes: --policy-out, or policy.json
// in --out, or beside the database.
func (o evaluateOptions) policyPath() string {
	switch {
	case o.PolicyOut != "":
		return o.PolicyOut
	case o.Out != "":
		return filepath.Join(o.Out, "policy.json")
	}
	return filepath.Join(filepath.Dir(o.DB), "policy.json")
}

// prepareScoring loads the requests known at snapshot and the featurizer of
// the current data, with the requests bound to its matrix.
func prepareScoring(ctx context.Context, e *env, store *datasets.Store, snapshot int64, defaultRisk string) ([]score.Request, *score.Featurizer, *scoringData, error) {
	reqs, err := loadRequests(ctx, store, snapshot, defaultRisk)
	if err != nil {
		return nil, nil, nil, err
	}
	if len(reqs) == 0 {
		return nil, nil, nil, fmt.Errorf("%s holds no requests: load a request history with rolemine ingest --table requests", store.Path())
	}
	var data *scoringData
	var reused bool
	if err := e.run("building signals", func() (err error) { data, reused, err = e.batch.Signals.load(ctx, store); return err }); err != nil {
		return nil, nil, nil, err
	}
	if reused {
		e.logf("signals: those built earlier in this batch, from the same snapshot and roles")
	}
	feat := score.NewFeaturizer(data.m, data.signals)
	feat.Bind(reqs)
	if data.signals != nil {
		for _, w := range data.signals.Warnings() {
			e.logf("warning: %s", w)
		}
	} else {
		e.logf("note: no assignments loaded: peer, neighbour and role-fit signals are not computed; scores use request attributes and past decisions only")
	}
	return reqs, feat, data, nil
}

func printEvaluation(e *env, bt *score.Backtest, pol *policy.File) {
	s := bt.Overall.Overall
	fmt.Fprintf(e.stdout, "backtest: %s; %d decisions held out (%d approved by humans)\n", bt.Scheme, s.N, s.Approved)
	fmt.Fprintf(e.stdout, "ROC AUC %.4f  PR AUC %.4f (denials %.4f)  Brier %.4f  ECE %.4f\n", s.ROCAUC, s.PRAUC, s.PRAUCDenied, s.Brier, s.ECE)
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "\ntier\tauto-approve\tthreshold (prob)\theld out\tcoverage\tprecision [lower, upper]\n")
	for _, t := range pol.Tiers {
		if !t.AutoApprove {
			fmt.Fprintf(tw, "%s\tno\t-\t%d\t-\t%s\n", t.Tier, t.HeldOut, t.Reason)
			continue
		}
		fmt.Fprintf(tw, "%s\tyes\t%.3f (%.3f)\t%d\t%.1f%%\t%.4f [%.4f, %.4f]\n", t.Tier, t.Threshold, t.Probability, t.HeldOut,
			100*t.ExpectedCoverage, t.ExpectedPrecision, t.PrecisionLower, t.PrecisionUpper)
	}
	tw.Flush()
	fmt.Fprintf(e.stdout, "policy %s: target precision %.3g at %.0f%% confidence, expires %s\n", pol.ID, pol.TargetPrecision, 100*pol.Confidence, pol.ExpiresAt.Format(time.DateOnly))
	for _, w := range pol.Warnings {
		e.logf("warning: %s", w)
	}
}

// writeEvaluation writes the evaluation report files into dir.
func writeEvaluation(dir string, bt *score.Backtest, pol *policy.File) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	report := map[string]any{"backtest": bt.Scheme, "overall": bt.Overall, "by_application": bt.ByApp, "policy": pol}
	data, err := json.MarshalIndent(jsonSafe(report), "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "evaluation.json"), append(data, '\n'), 0o644); err != nil {
		return err
	}
	err = writeCSVFile(filepath.Join(dir, "thresholds.csv"), []string{"group", "threshold", "precision", "recall", "coverage"}, func(yield func([]string)) {
		for _, g := range append([]eval.Summary{bt.Overall.Overall}, bt.Overall.Groups...) {
			name := g.Group
			if name == "" {
				name = "overall"
			}
			for _, p := range g.Sweep {
				yield([]string{name, ftoa(p.Threshold), ftoa(p.Precision), ftoa(p.Recall), ftoa(p.Coverage)})
			}
		}
	})
	if err != nil {
		return err
	}
	header := []string{"request_id", "identity_id", "entitlement_id", "tier", "decision", "score", "probability", "policy_route", "reasons"}
	for _, f := range []struct {
		name string
		want func(score.Request, bool) bool
	}{
		{"false_approvals.csv", func(r score.Request, auto bool) bool { return auto && !r.Approved() }},
		{"false_escalations.csv", func(r score.Request, auto bool) bool { return !auto && r.Approved() }},
	} {
		err := writeCSVFile(filepath.Join(dir, f.name), header, func(yield func([]string)) {
			for _, k := range bt.Tested() {
				r := bt.Requests[k]
				auto := autoApproved(pol, r, bt.Scores[k])
				if f.want(r, auto) {
					yield([]string{r.ID, r.Identity, r.Entitlement, r.Tier, r.Decision, ftoa(bt.Scores[k]), ftoa(bt.Probs[k]), routeName(auto),
						reasonTexts(bt.Reasons[k])})
				}
			}
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// reasonTexts joins the reasons' plain words.
func reasonTexts(reasons []model.Reason) string {
	texts := make([]string, len(reasons))
	for k, r := range reasons {
		texts[k] = r.Text
	}
	return strings.Join(texts, "; ")
}

// autoApproved reports whether the policy's threshold would have approved
// a held-out request (ignoring the per-request hard rules triage adds).
func autoApproved(pol *policy.File, r score.Request, s float64) bool {
	t, ok := pol.Tier(r.Tier)
	return ok && t.AutoApprove && !r.Privileged && s >= t.Threshold
}

func routeName(auto bool) string {
	if auto {
		return string(policy.AutoApprove)
	}
	return "not auto-approved"
}

func ftoa(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }

// storeEvaluation records run, its headline metrics, the backtest's
// curves (threshold sweep, reliability, ROC; overall and per risk tier),
// the policy's tiers and its fitted model (modelData, the binary form whose
// SHA-256 the policy references), in one transaction.
func storeEvaluation(ctx context.Context, store *datasets.Store, run *datasets.Run, bt *score.Backtest, pol *policy.File, modelData []byte) error {
	s := bt.Overall.Overall
	summary := map[string]any{"policy_id": pol.ID, "backtest": bt.Scheme, "held_out": s.N, "roc_auc": s.ROCAUC,
		"pr_auc": s.PRAUC, "brier": s.Brier, "ece": s.ECE, "tiers": pol.Tiers}
	return store.Write(ctx, func(tx *datasets.Tx) error {
		if err := tx.RecordRun(run, summary); err != nil {
			return err
		}
		for _, kv := range metricValues(summary) {
			if err := tx.Exec("INSERT INTO metrics VALUES (?, ?, ?)", run.ID, kv.name, kv.value); err != nil {
				return err
			}
		}
		if err := storeCurves(tx, run.ID, bt, pol); err != nil {
			return err
		}
		return storeModel(tx, run.ID, pol, modelData)
	})
}
