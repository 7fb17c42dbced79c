package main

import (
	"context"
	"database/sql/driver"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"text/tabwriter"
	"time"

	"rolemine/datasets"
	"rolemine/features"
	"rolemine/mining"
)

// miningOutput is a mining result as the user sees it: roles with ids and
// names, and the quality metrics, ready to print, write and store.
type miningOutput struct {
	m          *features.Matrix
	res        *mining.Result
	roles      []roleRow
	Metrics    map[string]float64 `json:"metrics"`
	LowerBound int                `json:"lower_bound"`
	Algorithm  string             `json:"algorithm"`
	Parameters map[string]any     `json:"parameters"`
	WallTime   float64            `json:"wall_seconds"`
	Warnings   []string           `json:"warnings"`
}

// roleRow is one line of roles.csv.
type roleRow struct {
	ID, Name, Kind, Rule      string
	Members, Entitlements     int
	RulePrecision, RuleRecall float64
}

func newMiningOutput(m *features.Matrix, res *mining.Result, wall time.Duration) *miningOutput {
	out := &miningOutput{m: m, res: res, LowerBound: res.LowerBound, Algorithm: res.Algorithm,
		WallTime: wall.Seconds(), Warnings: res.Warnings}
	for k, r := range res.Roles {
		id := fmt.Sprintf("R%04d", k+1)
		out.roles = append(out.roles, roleRow{ID: id, Name: id, Kind: "exact",
			Members: len(r.Members), Entitlements: len(r.Entitlements)})
	}
	ua, pa := 0, 0
	for _, r := range res.Roles {
		ua += len(r.Members)
		pa += len(r.Entitlements)
	}
	out.Metrics = map[string]float64{
		"roles": float64(len(res.Roles)), "ua": float64(ua), "pa": float64(pa),
		"wsc": float64(mining.WSC(res)), "exceptions": float64(len(res.Exceptions)),
		"assignments": float64(m.NNZ()), "lower_bound": float64(res.LowerBound),
	}
	return out
}

func (o *miningOutput) print(e *env) {
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "algorithm\t%s\n", o.Algorithm)
	fmt.Fprintf(tw, "identities × entitlements\t%d × %d, %d assignments\n", o.m.Rows(), o.m.Cols(), o.m.NNZ())
	bound := func(objective string) string {
		if o.Algorithm == "exact-"+objective {
			return fmt.Sprintf(" (proven lower bound %d)", o.LowerBound)
		}
		return ""
	}
	fmt.Fprintf(tw, "roles\t%d%s\n", len(o.roles), bound("roles"))
	fmt.Fprintf(tw, "WSC\t%.0f%s = roles %.0f + user-role links %.0f + role-entitlement links %.0f\n",
		o.Metrics["wsc"], bound("wsc"), o.Metrics["roles"], o.Metrics["ua"], o.Metrics["pa"])
	fmt.Fprintf(tw, "exceptions\t%.0f\n", o.Metrics["exceptions"])
	tw.Flush()
	for _, w := range o.Warnings {
		e.logf("warning: %s", w)
	}
}

// writeFiles writes the output contract of rolemine mine into dir.
func (o *miningOutput) writeFiles(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	files := []struct {
		name   string
		header []string
		rows   func(yield func([]string))
	}{
		{"roles.csv", []string{"role_id", "name", "kind", "members", "entitlements", "rule", "rule_precision", "rule_recall"}, o.roleLines},
		{"role_entitlements.csv", []string{"role_id", "entitlement_id"}, o.entitlementLines},
		{"role_members.csv", []string{"role_id", "identity_id"}, o.memberLines},
		{"exceptions.csv", []string{"identity_id", "entitlement_id"}, o.exceptionLines},
	}
	for _, f := range files {
		if err := writeCSVFile(filepath.Join(dir, f.name), f.header, f.rows); err != nil {
			return err
		}
	}
	data, err := json.MarshalIndent(o, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "metrics.json"), append(data, '\n'), 0o644)
}

func (o *miningOutput) roleLines(yield func([]string)) {
	for _, r := range o.roles {
		yield([]string{r.ID, r.Name, r.Kind, strconv.Itoa(r.Members), strconv.Itoa(r.Entitlements), r.Rule,
			formatRatio(r.RulePrecision, r.Rule), formatRatio(r.RuleRecall, r.Rule)})
	}
}

func formatRatio(v float64, rule string) string {
	if rule == "" {
		return ""
	}
	return strconv.FormatFloat(v, 'f', 4, 64)
}

func (o *miningOutput) entitlementLines(yield func([]string)) {
	for k, r := range o.res.Roles {
		for _, j := range r.Entitlements {
			yield([]string{o.roles[k].ID, o.m.ColID(int(j))})
		}
	}
}

func (o *miningOutput) memberLines(yield func([]string)) {
	for k, r := range o.res.Roles {
		for _, i := range r.Members {
			yield([]string{o.roles[k].ID, o.m.RowID(int(i))})
		}
	}
}

func (o *miningOutput) exceptionLines(yield func([]string)) {
	for _, x := range o.res.Exceptions {
		yield([]string{o.m.RowID(int(x.Identity)), o.m.ColID(int(x.Entitlement))})
	}
}

func writeCSVFile(path string, header []string, rows func(yield func([]string))) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	w.Write(header)
	rows(func(r []string) { w.Write(r) })
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}

// store records the run and its roles in the database, in one transaction.
func (o *miningOutput) store(ctx context.Context, store *datasets.Store, snapshot int64) error {
	run := &datasets.Run{Command: "mine", SnapshotID: snapshot, StartedAt: time.Now().Add(-time.Duration(o.WallTime * float64(time.Second))), Parameters: o.Parameters}
	return store.Write(ctx, func(tx *datasets.Tx) error {
		if err := tx.RecordRun(run, o.Metrics); err != nil {
			return err
		}
		appendLines := func(table string, lines func(yield func([]string))) error {
			return tx.Append(table, func(add func(...driver.Value) error) error {
				var err error
				lines(func(r []string) {
					if err != nil {
						return
					}
					vals := []driver.Value{run.ID}
					for _, v := range r {
						vals = append(vals, v)
					}
					err = add(vals...)
				})
				return err
			})
		}
		if err := tx.Append("roles", func(add func(...driver.Value) error) error {
			for _, r := range o.roles {
				var prec, rec driver.Value
				if r.Rule != "" {
					prec, rec = r.RulePrecision, r.RuleRecall
				}
				if err := add(run.ID, r.ID, r.Name, r.Kind, int64(r.Members), int64(r.Entitlements), r.Rule, prec, rec); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return err
		}
		if err := appendLines("role_entitlements", o.entitlementLines); err != nil {
			return err
		}
		if err := appendLines("role_members", o.memberLines); err != nil {
			return err
		}
		if err := appendLines("role_exceptions", func(yield func([]string)) {
			o.exceptionLines(func(r []string) { yield(append(r, "uncovered")) })
		}); err != nil {
			return err
		}
		return tx.Append("metrics", func(add func(...driver.Value) error) error {
			for k, v := range o.Metrics {
				if err := add(run.ID, k, v); err != nil {
					return err
				}
			}
			return nil
		})
	})
}
