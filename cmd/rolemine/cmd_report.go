package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"rolemine/eval/report"
)

type reportOptions struct {
	DB      string
	Out     string
	Format  string
	MaxRows int
}

func (o *reportOptions) AddFlags(fs *pflag.FlagSet) {
	dbFlag(fs, &o.DB)
	fs.StringVar(&o.Out, "out", "report.html", `file to write ("-" for standard output)`)
	fs.StringVar(&o.Format, "format", "html", "html (one self-contained page), json (for machines) or md (for tickets)")
	fs.IntVar(&o.MaxRows, "max-rows", 100, "most rows shown per table (charts use every row)")
}

func reportCommand() *command {
	var o reportOptions
	return &command{
		name: "report", args: "[flags]",
		short: "write the evaluation report of the latest runs (HTML with charts, JSON or Markdown)",
		long: `Reads the results of the latest mine, evaluate, triage, outcomes and hygiene runs
from the database and writes one report: the headline (requests seen, auto-approved,
reviewed, escalated; the precision promise and the precision measured in the
backtest and after go-live, with intervals); charts of precision, recall and
coverage against the threshold with the chosen thresholds and confidence bands,
the reliability diagram, ROC and precision-recall curves, per-tier false-approval
and rollback trends across triage runs, role size and coverage distributions and
role drift between runs; tables of the roles with their attribute rules, the
policy, false approvals, suspended tiers and hygiene findings by severity.

The HTML page is self-contained: inline CSS and inline SVG, no script, and a
content security policy that forbids any fetch, so it opens offline anywhere.
Every value from the data is escaped. A part whose data is missing says which
command to run.`,
		flags: func() *pflag.FlagSet { fs := newFlagSet("report"); o = reportOptions{}; o.AddFlags(fs); return fs },
		run:   func(ctx context.Context, e *env, args []string) error { return runReport(ctx, e, o, args) },
	}
}

func runReport(ctx context.Context, e *env, o reportOptions, args []string) error {
	if len(args) > 0 {
		return usagef("report: unexpected arguments %q", args)
	}
	format, err := report.ParseFormat(o.Format)
	if err != nil {
		return usagef("report: --format: %v", err)
	}
	if o.MaxRows < 1 {
		return usagef("report: --max-rows must be at least 1")
	}
	store, err := openReadOnly(ctx, "report", o.DB)
	if err != nil {
		return err
	}
	defer store.Close()
	l := &loader{ctx: ctx, db: store.DB(), maxRows: o.MaxRows}
	doc, err := l.report(o.DB)
	if err != nil {
		return err
	}
	doc.Generated = time.Now()
	for _, w := range doc.Warnings {
		e.logf("warning: %s", w)
	}
	if err := writeDocument(o.Out, doc, format, e.stdout); err != nil {
		return err
	}
	if o.Out != "-" {
		e.logf("wrote report %s", o.Out)
	}
	return nil
}

// writeDocument writes doc to path (standard output for "-"), whole or not
// at all.
func writeDocument(path string, doc *report.Document, f report.Format, stdout io.Writer) error {
	var buf bytes.Buffer
	if err := report.Write(&buf, doc, f); err != nil {
		return err
	}
	if path == "-" {
		_, err := stdout.Write(buf.Bytes())
		return err
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, buf.Bytes(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// loader reads the result tables for the report.
type loader struct {
	ctx     context.Context
	db      *sql.DB
	maxRows int
}

// queryResult runs q on db and returns its column names and rows, values
// as the driver returns them with DuckDB's wide numbers narrowed (see
// plainValue).
func queryResult(ctx context.Context, db *sql.DB, q string, args ...any) (*report.Result, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	r := &report.Result{Columns: cols}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for k := range vals {
			ptrs[k] = &vals[k]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		for k, v := range vals {
			vals[k] = plainValue(v)
		}
		r.Rows = append(r.Rows, vals)
	}
	return r, rows.Err()
}

// plainValue narrows DuckDB's HUGEINT, DECIMAL, small integers, lists and
// maps to the types report tables format.
func plainValue(v any) any {
	switch x := v.(type) {
	case *big.Int:
		if x.IsInt64() {
			return x.Int64()
		}
		f, _ := new(big.Float).SetInt(x).Float64()
		return f
	case interface{ Float64() float64 }:
		return x.Float64()
	case int8:
		return int64(x)
	case int16:
		return int64(x)
	case int32:
		return int64(x)
	case uint8:
		return int64(x)
	case uint16:
		return int64(x)
	case uint32:
		return int64(x)
	case float32:
		return float64(x)
	case []any:
		parts := make([]string, len(x))
		for k, y := range x {
			parts[k] = report.FormatValue(plainValue(y))
		}
		return strings.Join(parts, ", ")
	case map[string]any, map[any]any:
		data, err := json.Marshal(x)
		if err != nil {
			return fmt.Sprint(x)
		}
		return string(data)
	}
	return v
}

func pick(xs []float64, idx []int) []float64 {
	out := make([]float64, len(idx))
	for k, i := range idx {
		out[k] = xs[i]
	}
	return out
}

func (l *loader) query(q string, args ...any) (*report.Result, error) {
	r, err := queryResult(l.ctx, l.db, q, args...)
	if err != nil {
		return nil, fmt.Errorf("report: %w\nquery: %s", err, strings.Join(strings.Fields(q), " "))
	}
	return r, nil
}

// exists reports whether table exists and has a row.
func (l *loader) exists(table string) (bool, error) {
	var n int64
	err := l.db.QueryRowContext(l.ctx, "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", table).Scan(&n)
	if err != nil || n == 0 {
		return false, err
	}
	err = l.db.QueryRowContext(l.ctx, fmt.Sprintf("SELECT count(*) FROM (SELECT 1 FROM %s LIMIT 1)", table)).Scan(&n)
	return n > 0, err
}

// runInfo is one runs row.
type runInfo struct {
	ID         int64
	Snapshot   int64
	Finished   time.Time
	Parameters map[string]any
	Summary    map[string]any
}

// param returns the run's parameter key, or, for a run recorded before
// parameter keys were snake_case, the one named old.
func (r *runInfo) param(key, old string) any {
	if v, ok := r.Parameters[key]; ok {
		return v
	}
	return r.Parameters[old]
}

// latest returns the newest successful run of command, or nil.
func (l *loader) latest(command string) (*runInfo, error) {
	var r runInfo
	var params, summary sql.NullString
	var snap sql.NullInt64
	var fin sql.NullTime
	err := l.db.QueryRowContext(l.ctx, `SELECT run_id, snapshot_id, finished_at, parameters, summary FROM runs
		WHERE command = ? AND status = 'ok' ORDER BY run_id DESC LIMIT 1`, command).Scan(&r.ID, &snap, &fin, &params, &summary)
	if err == sql.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	r.Snapshot, r.Finished = snap.Int64, fin.Time
	json.Unmarshal([]byte(params.String), &r.Parameters)
	json.Unmarshal([]byte(summary.String), &r.Summary)
	return &r, nil
}

func noData(what, command string) report.Block {
	return report.Block{Note: fmt.Sprintf("no data yet: %s; run %s", what, command)}
}

// report builds the report document from the database at path.
func (l *loader) report(path string) (*report.Document, error) {
	doc := &report.Document{Title: "rolemine report", Subtitle: filepath.Base(path)}
	runs := map[string]*runInfo{}
	for _, c := range []string{"mine", "evaluate", "triage", "outcomes", "hygiene"} {
		r, err := l.latest(c)
		if err != nil {
			return nil, err
		}
		runs[c] = r
	}
	builders := []func(*report.Document, map[string]*runInfo) error{
		l.headline, l.thresholds, l.calibration, l.outcomes, l.roles, l.drift, l.policy, l.hygiene, l.data,
	}
	for _, b := range builders {
		if err := b(doc, runs); err != nil {
			return nil, err
		}
	}
	return doc, nil
}

func (l *loader) headline(doc *report.Document, runs map[string]*runInfo) error {
	s := report.Section{ID: "headline", Title: "Headline"}
	used := &report.Table{Caption: "Runs this report reads (the latest successful run of each stage)", Columns: []string{"stage", "run", "snapshot", "finished"}, Rows: [][]any{}}
	for _, c := range []string{"mine", "evaluate", "triage", "outcomes", "hygiene"} {
		if r := runs[c]; r != nil {
			used.Rows = append(used.Rows, []any{c, r.ID, r.Snapshot, r.Finished})
		} else {
			used.Rows = append(used.Rows, []any{c, "not run yet", nil, nil})
		}
	}
	var figs []report.Figure
	if t := runs["triage"]; t != nil {
		r, err := l.query(`SELECT count(*) AS n, count(*) FILTER (route = 'auto-approve') AS auto,
			count(*) FILTER (route = 'review') AS review, count(*) FILTER (route = 'escalate') AS escalate,
			count(*) FILTER (qa_sample) AS qa FROM triage_decisions WHERE run_id = ?`, t.ID)
		if err != nil {
			return err
		}
		v := r.Rows[0]
		n := report.Float(v[0])
		share := func(x any) string { return report.Percent(report.Float(x) / n) }
		figs = append(figs,
			report.Figure{Label: "requests seen", Value: report.FormatValue(v[0]), Detail: fmt.Sprintf("triage run %d", t.ID)},
			report.Figure{Label: "auto-approved", Value: report.FormatValue(v[1]), Detail: share(v[1]) + fmt.Sprintf(", %s sent to QA review", report.FormatValue(v[4]))},
			report.Figure{Label: "reviewed", Value: report.FormatValue(v[2]), Detail: share(v[2])},
			report.Figure{Label: "escalated", Value: report.FormatValue(v[3]), Detail: share(v[3])})
	}
	if ev := runs["evaluate"]; ev != nil {
		target, conf := report.Float(ev.param("target_precision", "TargetPrecision")), report.Float(ev.param("confidence", "Confidence"))
		figs = append(figs, report.Figure{Label: "precision promise", Value: "≥ " + report.Percent(target),
			Detail: fmt.Sprintf("per automated tier, lower bound at %s confidence", report.Percent(conf))})
		r, err := l.query(`SELECT tier, auto_approved, expected_precision, precision_lower, precision_upper FROM policy_tiers
			WHERE run_id = ? AND auto_approve ORDER BY `+tierOrder("tier"), ev.ID)
		if err != nil {
			return err
		}
		for _, row := range r.Rows {
			figs = append(figs, report.Figure{Label: fmt.Sprintf("backtest precision, %v tier", row[0]),
				Value:  report.Interval(report.Float(row[2]), report.Float(row[3]), report.Float(row[4])),
				Detail: fmt.Sprintf("%s held-out auto-approvals", report.FormatValue(row[1]))})
		}
	}
	if oc := runs["outcomes"]; oc != nil {
		r, err := l.query(`SELECT tier, sum(verified) AS verified, sum(false_approvals) AS false_approvals,
			min(1 - false_approval_upper) AS lo, max(1 - false_approval_lower) AS hi
			FROM outcome_stats WHERE run_id = ? AND triage_run_id IS NULL AND verified > 0 GROUP BY tier ORDER BY `+tierOrder("tier"), oc.ID)
		if err != nil {
			return err
		}
		for _, row := range r.Rows {
			v, f := report.Float(row[1]), report.Float(row[2])
			figs = append(figs, report.Figure{Label: fmt.Sprintf("measured precision, %v tier", row[0]),
				Value:  report.Interval(1-f/v, report.Float(row[3]), report.Float(row[4])),
				Detail: fmt.Sprintf("%s verified auto-approvals after go-live", report.FormatValue(row[1]))})
		}
	}
	if figs != nil {
		s.Blocks = append(s.Blocks, report.Block{Figures: figs})
	}
	if runs["triage"] == nil {
		s.Blocks = append(s.Blocks, noData("no request has been triaged", "rolemine triage --policy POLICY (or rolemine run)"))
	}
	if runs["evaluate"] == nil {
		s.Blocks = append(s.Blocks, noData("no policy has been evaluated", "rolemine evaluate"))
	}
	if runs["outcomes"] == nil {
		s.Blocks = append(s.Blocks, noData("no outcomes recorded, so precision after go-live is not measured", "rolemine outcomes"))
	}
	s.Blocks = append(s.Blocks, report.Block{Text: "Intervals are Clopper–Pearson at the policy's confidence. " +
		"Backtest precision is measured on held-out historical decisions; measured precision on auto-approvals verified by people after go-live."},
		report.Block{Table: used})
	doc.Sections = append(doc.Sections, s)
	return nil
}

func (l *loader) thresholds(doc *report.Document, runs map[string]*runInfo) error {
	s := report.Section{ID: "thresholds", Title: "Precision, recall and coverage against the threshold"}
	ev := runs["evaluate"]
	ok, err := l.exists("evaluation_sweep")
	if err != nil {
		return err
	}
	if ev == nil || !ok {
		s.Blocks = append(s.Blocks, noData("no evaluation curves stored", "rolemine evaluate"))
		doc.Sections = append(doc.Sections, s)
		return nil
	}
	s.Blocks = append(s.Blocks, report.Block{Markdown: "Each chart replays the backtest: auto-approving every held-out request whose model score " +
		"(log-odds) is at or above the threshold gives the **precision** (share a human also approved; the shaded band reaches down to its " +
		"one-sided lower confidence bound), the **recall** (share of human approvals automated) and the **coverage** (share of requests automated). " +
		"Dashed vertical lines mark the thresholds the policy chose; the flat line is the promised precision. A tier's threshold is the lowest " +
		"score whose lower bound still reaches the promise."})
	target := report.Float(ev.param("target_precision", "TargetPrecision"))
	sweep, err := l.query(`SELECT grp, threshold, precision, precision_lower, recall, coverage FROM evaluation_sweep
		WHERE run_id = ? ORDER BY `+tierOrder("grp")+`, threshold`, ev.ID)
	if err != nil {
		return err
	}
	tiers, err := l.query(`SELECT tier, threshold FROM policy_tiers WHERE run_id = ? AND auto_approve ORDER BY `+tierOrder("tier"), ev.ID)
	if err != nil {
		return err
	}
	marks := map[string][]report.Mark{}
	for _, row := range tiers.Rows {
		m := report.Mark{X: report.Float(row[1]), Label: fmt.Sprintf("%v tier threshold", row[0])}
		marks[report.FormatValue(row[0])] = append(marks[report.FormatValue(row[0])], m)
		marks["overall"] = append(marks["overall"], m)
	}
	keys, idx := sweep.Groups("grp")
	x, prec, lower := sweep.Column("threshold"), sweep.Column("precision"), sweep.Column("precision_lower")
	recall, cover := sweep.Column("recall"), sweep.Column("coverage")
	for _, g := range keys {
		rows := idx[g]
		xs := pick(x, rows)
		series := []report.Series{
			{Name: "precision", X: xs, Y: pick(prec, rows), Lower: pick(lower, rows), Upper: pick(prec, rows)},
			{Name: "recall", X: xs, Y: pick(recall, rows)},
			{Name: "coverage", X: xs, Y: pick(cover, rows)},
		}
		if target > 0 && len(xs) > 0 {
			series = append(series, report.Series{Name: "promised precision", X: []float64{slices.Min(xs), slices.Max(xs)}, Y: []float64{target, target}})
		}
		title := "All risk tiers"
		if g != "overall" {
			title = fmt.Sprintf("Risk tier %s", g)
			if len(marks[g]) == 0 {
				title += " (not automated)"
			}
		}
		s.Blocks = append(s.Blocks, report.Block{Chart: &report.Chart{Title: title, XLabel: "score threshold (log-odds)", YLabel: "share",
			Series: series, Marks: marks[g], YMin: 0, YMax: 1.02, Legend: "bottom-left", Width: 560, Height: 340}})
	}
	doc.Sections = append(doc.Sections, s)
	return nil
}

func (l *loader) calibration(doc *report.Document, runs map[string]*runInfo) error {
	s := report.Section{ID: "calibration", Title: "Calibration and discrimination"}
	ev := runs["evaluate"]
	if ev == nil {
		s.Blocks = append(s.Blocks, noData("no evaluation curves stored", "rolemine evaluate"))
		doc.Sections = append(doc.Sections, s)
		return nil
	}
	s.Blocks = append(s.Blocks, report.Block{Markdown: "The **reliability diagram** plots, per bin of predicted probability, the share a human " +
		"actually approved: points on the dashed diagonal are well calibrated, points below it are over-confident. The **ROC curve** " +
		"trades approvals caught against denials let through at every cut-off; the **precision–recall curve** shows what precision each " +
		"level of automation costs. Curves are per risk tier; the summary line gives the areas. In the reliability diagram the area of each dot " +
		"grows with the decisions in its bin, and bins of fewer than 30 decisions are grey and left off the line: their share means little."})
	if ev.Summary != nil {
		s.Blocks = append(s.Blocks, report.Block{Figures: []report.Figure{
			{Label: "ROC AUC", Value: fmt4(ev.Summary["roc_auc"])}, {Label: "PR AUC", Value: fmt4(ev.Summary["pr_auc"])},
			{Label: "Brier score", Value: fmt4(ev.Summary["brier"])}, {Label: "expected calibration error", Value: fmt4(ev.Summary["ece"])},
			{Label: "held-out decisions", Value: report.FormatValue(report.Float(ev.Summary["held_out"])), Detail: fmt.Sprint(ev.Summary["backtest"])},
		}})
	}
	rel, err := l.query(`SELECT grp, mean_probability, approved_share, n FROM evaluation_reliability
		WHERE run_id = ? AND n > 0 ORDER BY `+tierOrder("grp")+`, bin_lo`, ev.ID)
	if err != nil {
		return err
	}
	roc, err := l.query(`SELECT grp, false_positive_rate, true_positive_rate FROM evaluation_roc
		WHERE run_id = ? ORDER BY `+tierOrder("grp")+`, seq`, ev.ID)
	if err != nil {
		return err
	}
	pr, err := l.query(`SELECT grp, recall, precision FROM evaluation_sweep
		WHERE run_id = ? AND recall IS NOT NULL ORDER BY `+tierOrder("grp")+`, threshold DESC`, ev.ID)
	if err != nil {
		return err
	}
	curves := func(r *report.Result, x, y string) []report.Series {
		keys, idx := r.Groups("grp")
		xs, ys := r.Column(x), r.Column(y)
		var out []report.Series
		for _, g := range keys {
			se := report.Series{Name: g, X: pick(xs, idx[g]), Y: pick(ys, idx[g])}
			if slices.Contains(r.Columns, "n") {
				se.N = pick(r.Column("n"), idx[g])
			}
			out = append(out, se)
		}
		return out
	}
	unit := func(c *report.Chart) *report.Chart {
		c.XMin, c.XMax, c.YMin, c.YMax, c.Width, c.Height = 0, 1, 0, 1.02, 420, 380
		return c
	}
	s.Blocks = append(s.Blocks,
		report.Block{Chart: unit(&report.Chart{Title: "Reliability diagram", XLabel: "mean predicted probability",
			YLabel: "share approved by a human", Series: curves(rel, "mean_probability", "approved_share"), Diagonal: true, MinN: minBinDecisions})},
		report.Block{Chart: unit(&report.Chart{Title: "ROC curve", XLabel: "false positive rate (denials auto-approved)", YLabel: "true positive rate",
			Series: curves(roc, "false_positive_rate", "true_positive_rate"), Diagonal: true, Legend: "bottom-right"})},
		report.Block{Chart: unit(&report.Chart{Title: "Precision–recall curve", XLabel: "recall", YLabel: "precision",
			Series: curves(pr, "recall", "precision"), Legend: "bottom-left"})},
	)
	doc.Sections = append(doc.Sections, s)
	return nil
}

// minBinDecisions is the fewest decisions a bin of the reliability diagram
// needs to count: below it a share moves by more than ±10 points at random
// (a 95 % interval around 0.5 is ±0.18 at 30).
const minBinDecisions = 30

func fmt4(v any) string {
	f := report.Float(v)
	if math.IsNaN(f) {
		return "–"
	}
	return fmt.Sprintf("%.4f", f)
}

func (l *loader) outcomes(doc *report.Document, runs map[string]*runInfo) error {
	s := report.Section{ID: "outcomes", Title: "Errors and rollbacks after go-live"}
	oc := runs["outcomes"]
	ok, err := l.exists("outcome_stats")
	if err != nil {
		return err
	}
	if oc == nil || !ok {
		s.Blocks = append(s.Blocks, noData("no outcomes recorded (human verdicts on reviewed or QA-sampled requests, rollbacks)", "rolemine outcomes"))
		doc.Sections = append(doc.Sections, s)
		return nil
	}
	s.Blocks = append(s.Blocks, report.Block{Markdown: "Per risk tier and nightly batch: the share of verified auto-approvals a person judged wrong " +
		"(**false approvals**) and the share of auto-approved grants later revoked (**rollbacks**), with their intervals shaded and " +
		"the tolerance drawn as a red line. " +
		"A tier whose rate exceeds its tolerance with confidence is suspended by the circuit breaker (table below)."})
	blocks, err := l.trends(oc, runs["evaluate"])
	if err != nil {
		return err
	}
	s.Blocks = append(s.Blocks, blocks...)
	stats, err := l.query(`SELECT tier, triage_runs, requests, auto_approved, verified, false_approvals,
			`+intervalSQL("false_approval_rate", "false_approval_lower", "false_approval_upper")+` AS false_approval_rate,
			rollbacks, `+intervalSQL("rollback_rate", "rollback_lower", "rollback_upper")+` AS rollback_rate,
			reviewed, false_escalations, round(median_hours_to_decision, 1) AS median_hours_to_decision
		FROM outcome_stats WHERE run_id = ? AND triage_run_id IS NULL ORDER BY `+tierOrder("tier"), oc.ID)
	if err != nil {
		return err
	}
	s.Blocks = append(s.Blocks, report.Block{Table: stats.Table(fmt.Sprintf("Error rates over all triage runs under each policy (outcomes run %d)", oc.ID), l.maxRows)})
	if ok, err := l.exists("tier_states"); err != nil {
		return err
	} else if ok {
		st, err := l.query(`SELECT tier, policy_id, state, recommend_expand, reason FROM tier_states WHERE run_id = ?
			ORDER BY state = 'suspended' DESC, tier`, oc.ID)
		if err != nil {
			return err
		}
		s.Blocks = append(s.Blocks, report.Block{Table: st.Table("Tier states: suspended tiers first, and tiers recommended for expansion", l.maxRows)})
	}
	if ok, err := l.exists("outcomes"); err != nil {
		return err
	} else if ok {
		fa, err := l.query(`WITH happened AS (
				SELECT request_id, outcome, actor, decided_at FROM current_outcomes WHERE outcome IN ('denied', 'revoked')
				UNION ALL
				SELECT request_id, 'revoked', decided_by, revoked_at FROM current_requests WHERE revoked_at IS NOT NULL)
			SELECT o.request_id, d.identity_id, d.entitlement_id, d.tier, o.outcome, o.actor, o.decided_at, d.probability, d.run_id AS triage_run
			FROM happened o JOIN triage_decisions d ON d.request_id = o.request_id AND d.route = 'auto-approve'
			QUALIFY row_number() OVER (PARTITION BY o.request_id, o.outcome ORDER BY d.run_id DESC) = 1
			ORDER BY o.decided_at DESC NULLS LAST`)
		if err != nil {
			return err
		}
		s.Blocks = append(s.Blocks, report.Block{Table: fa.Table("False approvals and rollbacks of auto-approved requests", l.maxRows)})
	}
	doc.Sections = append(doc.Sections, s)
	return nil
}

// minTrendRuns is the fewest triage runs a trend chart needs; below it the
// rates are shown as a table.
const minTrendRuns = 5

// trends returns the false-approval and rollback rates of each tier per
// triage run, by the date of the batch the run triaged: two charts with
// each tolerance drawn as a line, or a table while there are fewer than
// minTrendRuns runs.
func (l *loader) trends(oc, ev *runInfo) ([]report.Block, error) {
	trend, err := l.query(`SELECT o.tier, o.triage_run_id AS triage_run, coalesce(s.created_at, r.started_at) AS batch_date,
			o.auto_approved, o.verified, o.false_approvals, o.false_approval_rate, o.false_approval_lower, o.false_approval_upper,
			`+intervalSQL("o.false_approval_rate", "o.false_approval_lower", "o.false_approval_upper")+` AS false_approval_rate_interval,
			o.rollbacks, o.rollback_rate, o.rollback_lower, o.rollback_upper,
			`+intervalSQL("o.rollback_rate", "o.rollback_lower", "o.rollback_upper")+` AS rollback_rate_interval
		FROM outcome_stats o LEFT JOIN runs r ON r.run_id = o.triage_run_id LEFT JOIN snapshots s ON s.snapshot_id = r.snapshot_id
		WHERE o.run_id = ? AND o.triage_run_id IS NOT NULL AND o.auto_approved > 0
		ORDER BY `+tierOrder("o.tier")+", batch_date, o.triage_run_id", oc.ID)
	if err != nil {
		return nil, err
	}
	faTol, rbTol := math.NaN(), report.Float(oc.param("rollback_tolerance", "RollbackTolerance"))
	if ev != nil {
		faTol = 1 - report.Float(ev.param("target_precision", "TargetPrecision"))
	}
	runIDs := map[string]bool{}
	for _, id := range trend.Strings("triage_run") {
		runIDs[id] = true
	}
	if len(runIDs) < minTrendRuns {
		t := pickColumns(trend, "tier", "triage_run", "batch_date", "auto_approved", "verified", "false_approvals", "false_approval_rate_interval",
			"rollbacks", "rollback_rate_interval").Table(fmt.Sprintf("Rates per tier and triage run (%d runs so far: the trend charts start at %d); tolerances: false approvals %s, rollbacks %s",
			len(runIDs), minTrendRuns, report.Percent(faTol), report.Percent(rbTol)), l.maxRows)
		return []report.Block{{Table: t}}, nil
	}
	keys, idx := trend.Groups("tier")
	x := trend.Column("batch_date")
	var fa, rb []report.Series
	faTop, rbTop := 0.0, 0.0
	if !math.IsNaN(faTol) {
		faTop = 2 * faTol
	}
	if !math.IsNaN(rbTol) {
		rbTop = 2 * rbTol
	}
	for _, g := range keys {
		rows := idx[g]
		fa = append(fa, report.Series{Name: g, X: pick(x, rows), Y: pick(trend.Column("false_approval_rate"), rows),
			Lower: pick(trend.Column("false_approval_lower"), rows), Upper: pick(trend.Column("false_approval_upper"), rows)})
		rb = append(rb, report.Series{Name: g, X: pick(x, rows), Y: pick(trend.Column("rollback_rate"), rows),
			Lower: pick(trend.Column("rollback_lower"), rows), Upper: pick(trend.Column("rollback_upper"), rows)})
		faTop, rbTop = max(faTop, 1.5*maxFinite(fa[len(fa)-1].Y)), max(rbTop, 1.5*maxFinite(rb[len(rb)-1].Y))
	}
	chart := func(title, ylabel string, series []report.Series, tol, top float64) report.Block {
		return report.Block{Chart: &report.Chart{Title: title, XLabel: "batch date", YLabel: ylabel, XTime: true, Series: series,
			Rules: []report.Rule{{Y: tol, Label: "tolerance"}}, YMin: 0, YMax: top, Width: 560, Height: 320}}
	}
	return []report.Block{
		chart("False-approval rate by batch", "false approvals / verified", fa, faTol, faTop),
		chart("Rollback rate by batch", "rollbacks / auto-approved", rb, rbTol, rbTop),
	}, nil
}

// pickColumns returns the named columns of r, in that order.
func pickColumns(r *report.Result, names ...string) *report.Result {
	idx := make([]int, len(names))
	for k, n := range names {
		idx[k] = slices.Index(r.Columns, n)
	}
	out := &report.Result{Columns: names}
	for _, row := range r.Rows {
		vals := make([]any, len(idx))
		for k, i := range idx {
			vals[k] = row[i]
		}
		out.Rows = append(out.Rows, vals)
	}
	return out
}

// maxFinite returns the largest finite value of xs, 0 when none is.
func maxFinite(xs []float64) float64 {
	m := 0.0
	for _, x := range xs {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			m = max(m, x)
		}
	}
	return m
}

func (l *loader) roles(doc *report.Document, runs map[string]*runInfo) error {
	s := report.Section{ID: "roles", Title: "Mined roles"}
	mine := runs["mine"]
	if mine == nil {
		s.Blocks = append(s.Blocks, noData("no roles mined", "rolemine mine --db DB"))
		doc.Sections = append(doc.Sections, s)
		return nil
	}
	m, err := l.query(`SELECT metric, value FROM metrics WHERE run_id = ?`, mine.ID)
	if err != nil {
		return err
	}
	metric := map[string]float64{}
	for _, row := range m.Rows {
		metric[report.FormatValue(row[0])] = report.Float(row[1])
	}
	s.Blocks = append(s.Blocks, report.Block{Figures: []report.Figure{
		{Label: "roles", Value: report.FormatValue(metric["roles"]), Detail: fmt.Sprintf("%s of them partial", report.FormatValue(metric["partial_roles"]))},
		{Label: "assignments covered by roles", Value: report.Percent(metric["coverage"]), Detail: fmt.Sprintf("%s of %s", report.FormatValue(metric["covered"]), report.FormatValue(metric["assignments"]))},
		{Label: "identities without a role", Value: report.FormatValue(metric["users_without_role"])},
		{Label: "weighted structural complexity", Value: report.FormatValue(metric["wsc"])},
	}})
	sizes, err := l.query(`SELECT members, entitlements FROM roles WHERE run_id = ?`, mine.ID)
	if err != nil {
		return err
	}
	cov, err := l.coverage(mine)
	if err != nil {
		return err
	}
	s.Blocks = append(s.Blocks,
		report.Block{Chart: &report.Chart{Title: "Role size: members", Kind: report.Histogram, XLabel: "members per role (bins double)", YLabel: "roles",
			Series: []report.Series{{X: sizes.Column("members")}}, LogX: true, Width: 420, Height: 300}},
		report.Block{Chart: &report.Chart{Title: "Role size: entitlements", Kind: report.Histogram, XLabel: "entitlements per role", YLabel: "roles",
			Series: []report.Series{{X: sizes.Column("entitlements")}}, Bins: 30, Width: 420, Height: 300}},
		report.Block{Chart: &report.Chart{Title: "Coverage of each identity's access by its roles", Kind: report.Histogram, XLabel: "share of the identity's entitlements granted by roles",
			YLabel: "identities", Series: []report.Series{{X: cov.Column("coverage")}}, Bins: 20, Width: 420, Height: 300}},
	)
	t, err := l.query(`SELECT role_id, name, kind, members, entitlements, rule, rule_precision, rule_recall FROM roles
		WHERE run_id = ? ORDER BY members * entitlements DESC, role_id`, mine.ID)
	if err != nil {
		return err
	}
	s.Blocks = append(s.Blocks, report.Block{Table: t.Table(fmt.Sprintf("Roles of mine run %d with the attribute rule that explains their members (largest first)", mine.ID), l.maxRows)})
	doc.Sections = append(doc.Sections, s)
	return nil
}

// coverage returns one row per identity holding access in the snapshot
// that the mine run mined: its assignments (held), how many of them its roles
// grant (covered) and that share (coverage), ordered by identity so that
// the JSON report lists them the same way every time. It is the coverage
// mining measured, also when a newer snapshot has been loaded since.
//
// The run's uncovered exceptions are exactly the assignments of its
// snapshot that no role of the identity grants (mining's invariant, which
// CheckApprox verifies), so covered is held less the identity's
// exceptions. Checking each identity's assignments against its roles'
// entitlements instead took most of the report's time at a million
// identities.
func (l *loader) coverage(mine *runInfo) (*report.Result, error) {
	var snapshot any // the newest one for a run that recorded none
	if mine.Snapshot > 0 {
		snapshot = mine.Snapshot
	}
	return l.query(`WITH held AS (
			SELECT identity_id, count(*) AS held FROM assignments
			WHERE snapshot_id = (SELECT max(snapshot_id) FROM assignments WHERE snapshot_id <= coalesce(?, snapshot_id))
			GROUP BY identity_id),
		uncovered AS (
			SELECT identity_id, count(*) AS uncovered FROM role_exceptions WHERE run_id = ? AND kind = ? GROUP BY identity_id)
		SELECT h.identity_id, h.held, h.held - coalesce(u.uncovered, 0) AS covered, covered / h.held AS coverage
		FROM held h LEFT JOIN uncovered u ON u.identity_id = h.identity_id
		ORDER BY h.identity_id`, snapshot, mine.ID, exceptionUncovered)
}

func (l *loader) drift(doc *report.Document, runs map[string]*runInfo) error {
	s := report.Section{ID: "drift", Title: "Role drift between runs"}
	ok, err := l.exists("role_changes")
	if err != nil {
		return err
	}
	if !ok {
		s.Blocks = append(s.Blocks, noData("no role lineage stored", "rolemine mine after loading a new snapshot (or rolemine run, which does it every night)"))
		doc.Sections = append(doc.Sections, s)
		return nil
	}
	r, err := l.query(`SELECT run_id, change, count(*) AS roles FROM role_changes GROUP BY ALL ORDER BY run_id, change`)
	if err != nil {
		return err
	}
	var runIDs []string
	changes := []string{"added", "drifted", "removed", "unchanged"}
	counts := map[string]map[string]float64{}
	for _, row := range r.Rows {
		id, c := report.FormatValue(row[0]), report.FormatValue(row[1])
		if counts[id] == nil {
			counts[id] = map[string]float64{}
			runIDs = append(runIDs, id)
		}
		counts[id][c] = report.Float(row[2])
		if !slices.Contains(changes, c) {
			changes = append(changes, c)
		}
	}
	var series []report.Series
	for _, c := range changes {
		ys := make([]float64, len(runIDs))
		for k, id := range runIDs {
			ys[k] = counts[id][c]
		}
		series = append(series, report.Series{Name: c, Y: ys})
	}
	jac, err := l.query(`SELECT jaccard FROM role_changes WHERE run_id = (SELECT max(run_id) FROM role_changes) AND change = 'drifted'`)
	if err != nil {
		return err
	}
	s.Blocks = append(s.Blocks,
		report.Block{Markdown: "Each mine run compares its roles with the previous run's: a role that barely changed keeps its id (**unchanged** or " +
			"**drifted**, with the Jaccard similarity of its entitlements), new roles are **added**, and roles with no successor are **removed**."},
		report.Block{Chart: &report.Chart{Title: "Role changes per mine run", Kind: report.Bar, XLabel: "mine run", YLabel: "roles",
			Categories: runIDs, Series: series, Width: 560, Height: 320}},
		report.Block{Chart: &report.Chart{Title: "Similarity of drifted roles to their predecessors (latest run)", Kind: report.Histogram,
			XLabel: "Jaccard similarity of entitlements", YLabel: "roles", Series: []report.Series{{X: jac.Column("jaccard")}}, Bins: 20, Width: 420, Height: 320}},
	)
	t, err := l.query(`SELECT c.role_id, r.name, c.change, c.previous_run_id, c.jaccard, c.entitlements_added, c.entitlements_removed,
			c.members_before, c.members_after
		FROM role_changes c LEFT JOIN roles r ON r.run_id = c.run_id AND r.role_id = c.role_id
		WHERE c.run_id = (SELECT max(run_id) FROM role_changes) AND c.change <> 'unchanged'
		ORDER BY c.change, c.jaccard NULLS LAST, c.role_id`)
	if err != nil {
		return err
	}
	s.Blocks = append(s.Blocks, report.Block{Table: t.Table("Roles added, drifted or removed in the latest mine run", l.maxRows)})
	doc.Sections = append(doc.Sections, s)
	return nil
}

// intervalSQL formats a rate with its interval as one column:
// "0.0123 [0.0034, 0.0456]", empty when the rate is null.
func intervalSQL(rate, lower, upper string) string {
	return fmt.Sprintf(`CASE WHEN %[1]s IS NULL THEN NULL ELSE printf('%%.4f [%%.4f, %%.4f]', %[1]s, %[2]s, %[3]s) END`, rate, lower, upper)
}

func (l *loader) policy(doc *report.Document, runs map[string]*runInfo) error {
	s := report.Section{ID: "policy", Title: "Policy"}
	ev := runs["evaluate"]
	ok, err := l.exists("policy_tiers")
	if err != nil {
		return err
	}
	if ev == nil || !ok {
		s.Blocks = append(s.Blocks, noData("no policy stored", "rolemine evaluate --policy-out policy.json"))
		doc.Sections = append(doc.Sections, s)
		return nil
	}
	t, err := l.query(`SELECT tier, auto_approve, round(threshold, 3) AS threshold, round(probability, 4) AS probability_at_threshold,
			held_out, auto_approved, round(expected_coverage, 4) AS expected_coverage,
			`+intervalSQL("expected_precision", "precision_lower", "precision_upper")+` AS expected_precision, reason
		FROM policy_tiers WHERE run_id = ? ORDER BY `+tierOrder("tier"), ev.ID)
	if err != nil {
		return err
	}
	s.Blocks = append(s.Blocks,
		report.Block{Text: fmt.Sprintf("Policy of evaluate run %d: target precision %s at %s confidence. High and critical tiers, privileged entitlements and "+
			"separation-of-duties conflicts are never auto-approved whatever the score.", ev.ID,
			report.Percent(report.Float(ev.param("target_precision", "TargetPrecision"))), report.Percent(report.Float(ev.param("confidence", "Confidence"))))},
		report.Block{Table: t.Table("Policy tiers (expected precision with its interval)", l.maxRows)})
	doc.Sections = append(doc.Sections, s)
	return nil
}

// severityOrder ranks hygiene severities, most severe first.
var severityOrder = []string{"critical", "high", "medium", "low", "info", "notice"}

func (l *loader) hygiene(doc *report.Document, runs map[string]*runInfo) error {
	s := report.Section{ID: "hygiene", Title: "Identity hygiene"}
	hy := runs["hygiene"]
	ok, err := l.exists("hygiene_findings")
	if err != nil {
		return err
	}
	if hy == nil || !ok {
		s.Blocks = append(s.Blocks, noData("no hygiene findings", "rolemine hygiene"))
		doc.Sections = append(doc.Sections, s)
		return nil
	}
	r, err := l.query(`SELECT "check", severity, count(*) AS findings FROM hygiene_findings WHERE run_id = ? GROUP BY ALL`, hy.ID)
	if err != nil {
		return err
	}
	var checks []string
	count := map[[2]string]float64{}
	present := map[string]bool{}
	for _, row := range r.Rows {
		c, sev := report.FormatValue(row[0]), report.FormatValue(row[1])
		if !slices.Contains(checks, c) {
			checks = append(checks, c)
		}
		count[[2]string{c, sev}] = report.Float(row[2])
		present[sev] = true
	}
	sevs := slices.Clone(severityOrder)
	for sev := range present {
		if !slices.Contains(sevs, sev) {
			sevs = append(sevs, sev)
		}
	}
	sortChecks(checks, sevs, count)
	table := &report.Table{Caption: fmt.Sprintf("Findings of hygiene run %d by check and severity, checks with the most severe findings first", hy.ID), Columns: append([]string{"check"}, append(sevs, "total")...), Rows: [][]any{}}
	var series []report.Series
	for _, sev := range sevs {
		if !present[sev] {
			continue
		}
		ys := make([]float64, len(checks))
		for k, c := range checks {
			ys[k] = count[[2]string{c, sev}]
		}
		series = append(series, report.Series{Name: sev, Y: ys})
	}
	for _, c := range checks {
		row := []any{c}
		var total float64
		for _, sev := range sevs {
			row = append(row, count[[2]string{c, sev}])
			total += count[[2]string{c, sev}]
		}
		table.Rows = append(table.Rows, append(row, total))
	}
	s.Blocks = append(s.Blocks,
		report.Block{Chart: &report.Chart{Title: "Hygiene findings by check and severity", Kind: report.Bar, YLabel: "findings",
			Categories: checks, Series: series, Width: 900, Height: 360}},
		report.Block{Table: table})
	// The findings are ranked on the columns the ranking needs and their
	// row ids; only the few kept are read whole. Ranking whole rows sorted
	// every finding's evidence and took seconds on large runs.
	top, err := l.query(`WITH top AS (
			SELECT rowid AS row_id, count(*) OVER (PARTITION BY severity, "check") AS of_kind FROM hygiene_findings WHERE run_id = ?
			QUALIFY row_number() OVER (PARTITION BY severity, "check" ORDER BY confidence DESC, subject_id, related_id) <= ?)
		SELECT f.severity, f."check", f.subject_type, f.subject_id, f.related_id, f.confidence, f.evidence, f.next_step, t.of_kind
		FROM hygiene_findings f JOIN top t ON f.rowid = t.row_id WHERE f.run_id = ?
		ORDER BY list_position(?::VARCHAR[], f.severity) NULLS LAST, f.severity, f."check", f.confidence DESC, f.subject_id, f.related_id`,
		hy.ID, topPerKind, hy.ID, severityList())
	if err != nil {
		return err
	}
	s.Blocks = append(s.Blocks, report.Block{Table: top.Table(fmt.Sprintf("The %d most confident findings of each check at each severity, "+
		"most severe first (of kind: the findings of that check and severity; every finding is in the hygiene run's findings.csv)", topPerKind), l.maxRows)})
	doc.Sections = append(doc.Sections, s)
	return nil
}

// topPerKind is how many findings of each check and severity the report
// lists.
const topPerKind = 3

// sortChecks orders checks by their findings of each severity, in the order
// of sevs, most first, then by name: the checks with critical findings lead.
func sortChecks(checks, sevs []string, count map[[2]string]float64) {
	slices.SortFunc(checks, func(a, b string) int {
		for _, sev := range sevs {
			if d := count[[2]string{b, sev}] - count[[2]string{a, sev}]; d != 0 {
				if d > 0 {
					return 1
				}
				return -1
			}
		}
		return strings.Compare(a, b)
	})
}

// tierOrder is an ORDER BY list putting "overall" first, then the risk
// tiers from low to critical, then anything else by name.
func tierOrder(col string) string {
	return fmt.Sprintf("coalesce(list_position(['overall', 'low', 'medium', 'high', 'critical'], %[1]s), 99), %[1]s", col)
}

func severityList() string { return "[" + strings.Join(severityOrder, ",") + "]" }

func (l *loader) data(doc *report.Document, runs map[string]*runInfo) error {
	s := report.Section{ID: "data", Title: "Data loaded"}
	r, err := l.query(`SELECT s.snapshot_id, s.created_at, count(f.file) AS files, sum(f.rows_loaded) AS rows_loaded,
			sum(f.rows_rejected) AS rows_rejected, sum(f.duplicates) AS duplicates,
			(SELECT count(*) FROM load_warnings w WHERE w.snapshot_id = s.snapshot_id) AS load_warnings
		FROM snapshots s LEFT JOIN snapshot_files f ON f.snapshot_id = s.snapshot_id
		GROUP BY ALL ORDER BY s.snapshot_id DESC`)
	if err != nil {
		return err
	}
	if len(r.Rows) == 0 {
		s.Blocks = append(s.Blocks, noData("nothing loaded", "rolemine ingest"))
		doc.Sections = append(doc.Sections, s)
		return nil
	}
	latest := r.Rows[0]
	if n := report.Float(latest[6]); n > 0 {
		doc.Warnings = append(doc.Warnings, fmt.Sprintf("snapshot %v has %s load warnings (see the data-quality notebook)", latest[0], report.FormatValue(n)))
	}
	if n := report.Float(latest[4]); n > 0 {
		doc.Warnings = append(doc.Warnings, fmt.Sprintf("snapshot %v rejected %s rows, kept in the rejects table", latest[0], report.FormatValue(n)))
	}
	s.Blocks = append(s.Blocks, report.Block{Table: r.Table("Snapshots, newest first", l.maxRows)})
	doc.Sections = append(doc.Sections, s)
	return nil
}
