package main

import (
	"context"
	"database/sql/driver"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"text/tabwriter"
	"time"

	"rolemine/datasets"
	"rolemine/features"
	"rolemine/mining"
)

// miningOutput is a mining result as the user sees it: roles with stable
// ids, names, kinds and attribute rules, and the quality metrics, ready to
// print, write and store.
type miningOutput struct {
	res        *mining.Result
	attrs      *features.Attributes
	ids        []string // role ids, parallel to res.Roles
	explained  []mining.Explanation
	Metrics    mining.Metrics `json:"metrics"`
	LowerBound int            `json:"lower_bound"`
	Algorithm  string         `json:"algorithm"`
	Parameters map[string]any `json:"parameters"`
	WallTime   float64        `json:"wall_seconds"`
	Warnings   []string       `json:"warnings"`
}

func newMiningOutput(res *mining.Result, attrs *features.Attributes, risk []mining.EntitlementRisk, wall time.Duration, params map[string]any) *miningOutput {
	out := &miningOutput{res: res, attrs: attrs, LowerBound: res.LowerBound, Algorithm: res.Algorithm,
		Parameters: params, WallTime: wall.Seconds(), Warnings: res.Warnings}
	for k := range res.Roles {
		out.ids = append(out.ids, fmt.Sprintf("R%04d", k+1))
	}
	out.explained = mining.Explain(res, attrs, risk, mining.DefaultExplainOptions)
	out.Metrics = mining.Measure(res)
	if attrs.Len() == 0 {
		out.Warnings = append(out.Warnings, "no identity attributes: roles have no attribute rules")
	}
	return out
}

func (o *miningOutput) print(e *env) {
	m, x := o.res.Matrix, o.Metrics
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	bound := func(objective string) string {
		if o.Algorithm == "exact-"+objective {
			return fmt.Sprintf(" (proven lower bound %d)", o.LowerBound)
		}
		return ""
	}
	mapped := 0
	for _, ex := range o.explained {
		if ex.Mapping {
			mapped++
		}
	}
	fmt.Fprintf(tw, "algorithm\t%s\n", o.Algorithm)
	fmt.Fprintf(tw, "identities × entitlements\t%d × %d, %d assignments\n", m.Rows(), m.Cols(), m.NNZ())
	fmt.Fprintf(tw, "roles\t%d%s, of which %d partial; %d proposed as role-mapping rules\n", x.Roles, bound("roles"), x.PartialRoles, mapped)
	fmt.Fprintf(tw, "WSC\t%d%s = roles %d + user-role links %d + role-entitlement links %d\n",
		x.WSC, bound("wsc"), x.Roles, x.UA, x.PA)
	fmt.Fprintf(tw, "coverage\t%.2f%% of assignments; %d exceptions; %d over-assignments\n", 100*x.Coverage, x.UnderAssignments, x.OverAssignments)
	fmt.Fprintf(tw, "roles per identity\tmean %.2f, max %d; %d identities with access but no role\n", x.RolesPerUserMean, x.RolesPerUserMax, x.UsersWithoutRole)
	if g := x.Generalisation; g != nil {
		fmt.Fprintf(tw, "generalisation\thidden 10%%: precision %.3f, recall %.3f\n", g.Precision, g.Recall)
	}
	tw.Flush()
	o.printTopRoles(e, 10)
	for _, w := range o.Warnings {
		e.logf("warning: %s", w)
	}
}

// printTopRoles lists the largest roles that are not partial.
func (o *miningOutput) printTopRoles(e *env, n int) {
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "\nrole\tname\tkind\tmembers\tentitlements\trule (precision, recall)")
	shown := 0
	for k, ex := range o.explained {
		if ex.Parent != 0 || shown == n {
			continue
		}
		shown++
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%s\n", o.ids[k], ex.Name, ex.Kind, ex.Members, ex.Entitlements, ruleText(ex))
	}
	tw.Flush()
	if rest := len(o.explained) - o.Metrics.PartialRoles - shown; rest > 0 {
		fmt.Fprintf(e.stdout, "… and %d more roles (see roles.csv)\n", rest)
	}
}

func ruleText(ex mining.Explanation) string {
	if len(ex.Rule) == 0 {
		return "-"
	}
	return fmt.Sprintf("%s (%.2f, %.2f)", ex.Rule, ex.Precision, ex.Recall)
}

// table is one output table: its CSV file and database table names, header
// (without run_id) and rows.
type table struct {
	file, db string
	header   []string
	rows     func(yield func([]string))
}

func (o *miningOutput) tables() []table {
	m := o.res.Matrix
	return []table{
		{"roles.csv", "roles", []string{"role_id", "name", "kind", "members", "entitlements", "rule", "rule_precision", "rule_recall"}, o.roleLines},
		{"role_entitlements.csv", "role_entitlements", []string{"role_id", "entitlement_id"}, func(yield func([]string)) {
			for k, r := range o.res.Roles {
				for _, j := range r.Entitlements {
					yield([]string{o.ids[k], m.ColID(int(j))})
				}
			}
		}},
		{"role_members.csv", "role_members", []string{"role_id", "identity_id"}, func(yield func([]string)) {
			for k, r := range o.res.Roles {
				for _, i := range r.Members {
					yield([]string{o.ids[k], m.RowID(int(i))})
				}
			}
		}},
		{"exceptions.csv", "role_exceptions", []string{"identity_id", "entitlement_id", "kind"}, func(yield func([]string)) {
			for _, x := range o.res.Exceptions {
				yield([]string{m.RowID(int(x.Identity)), m.ColID(int(x.Entitlement)), "uncovered"})
			}
			for _, x := range o.res.OverAssignments {
				yield([]string{m.RowID(int(x.Identity)), m.ColID(int(x.Entitlement)), "over-assigned"})
			}
		}},
		{"role_candidates.csv", "", []string{"role_id", "identity_id"}, func(yield func([]string)) {
			for k, ex := range o.explained {
				for _, i := range ex.Candidates {
					yield([]string{o.ids[k], m.RowID(int(i))})
				}
			}
		}},
	}
}

func (o *miningOutput) roleLines(yield func([]string)) {
	for k, ex := range o.explained {
		var rule, prec, rec string
		if len(ex.Rule) > 0 {
			rule = ex.Rule.String()
			prec = strconv.FormatFloat(ex.Precision, 'f', 4, 64)
			rec = strconv.FormatFloat(ex.Recall, 'f', 4, 64)
		}
		yield([]string{o.ids[k], ex.Name, string(ex.Kind), strconv.Itoa(ex.Members), strconv.Itoa(ex.Entitlements), rule, prec, rec})
	}
}

// writeFiles writes the output contract of rolemine mine into dir.
func (o *miningOutput) writeFiles(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, t := range o.tables() {
		if err := writeCSVFile(filepath.Join(dir, t.file), t.header, t.rows); err != nil {
			return err
		}
	}
	data, err := json.MarshalIndent(o, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "metrics.json"), append(data, '\n'), 0o644)
}

func writeCSVFile(path string, header []string, rows func(yield func([]string))) error {
	return writeBuffered(path, func(w io.Writer) error {
		cw := csv.NewWriter(w)
		cw.Write(header)
		rows(func(r []string) { cw.Write(r) })
		cw.Flush()
		return cw.Error()
	})
}

// store records the run, its roles and its metrics in the database, in one
// transaction.
func (o *miningOutput) store(ctx context.Context, store *datasets.Store, snapshot int64, start time.Time) error {
	run := &datasets.Run{Command: "mine", SnapshotID: snapshot, StartedAt: start, Parameters: o.Parameters}
	return store.Write(ctx, func(tx *datasets.Tx) error {
		if err := tx.RecordRun(run, o.Metrics); err != nil {
			return err
		}
		for _, t := range o.tables() {
			if t.db == "" {
				continue
			}
			if err := tx.AppendText(t.db, []driver.Value{run.ID}, t.rows); err != nil {
				return err
			}
		}
		return tx.Append("metrics", func(add func(...driver.Value) error) error {
			for _, kv := range metricValues(o.Metrics) {
				if err := add(run.ID, kv.name, kv.value); err != nil {
					return err
				}
			}
			return nil
		})
	})
}

type metricValue struct {
	name  string
	value float64
}

// metricValues flattens the numeric fields of metrics (through their JSON
// names) for the metrics table.
func metricValues(metrics any) []metricValue {
	data, _ := json.Marshal(metrics)
	var flat map[string]any
	json.Unmarshal(data, &flat)
	var out []metricValue
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch x := v.(type) {
		case float64:
			out = append(out, metricValue{prefix, x})
		case map[string]any:
			for k, y := range x {
				name := k
				if prefix != "" {
					name = prefix + "." + k
				}
				walk(name, y)
			}
		}
	}
	walk("", flat)
	return out
}
