package main

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
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
	prev       *previousRoles // the roles of the previous mine run the ids continue
	lineage    mining.Lineage
	Metrics    mining.Metrics `json:"metrics"`
	Changes    lineageCounts  `json:"lineage"`
	LowerBound int            `json:"lower_bound"`
	Algorithm  string         `json:"algorithm"`
	Parameters map[string]any `json:"parameters"`
	// MiningSeconds is the miner's time alone, GeneralisationSeconds that
	// of the generalisation measure (0 when not measured) and WallSeconds
	// that of the whole command, loading included, up to its output.
	MiningSeconds         float64 `json:"mining_seconds"`
	GeneralisationSeconds float64 `json:"generalisation_seconds,omitempty"`
	// GeneralisationTakenOver is set instead of Metrics.Generalisation
	// when the run took over an earlier run's measure rather than
	// measuring (--generalisation-days): it is reported, never stored as
	// this run's.
	GeneralisationTakenOver *takenOverGeneralisation `json:"generalisation_taken_over,omitempty"`
	WallSeconds             float64                  `json:"wall_seconds"`
	Warnings                []string                 `json:"warnings"`
}

// lineageCounts summarise how the roles of a run relate to those of the
// previous mine run.
type lineageCounts struct {
	PreviousRun int64 `json:"previous_run,omitempty"` // 0: no earlier mine run
	Added       int   `json:"added"`
	Removed     int   `json:"removed"`
	Drifted     int   `json:"drifted"`
	Unchanged   int   `json:"unchanged"`
}

// newMiningOutput describes res. Its roles continue those of prev (see
// mining.Match): a role that barely changed keeps its id, a new one gets an
// id never issued before.
func newMiningOutput(res *mining.Result, attrs *features.Attributes, risk []mining.EntitlementRisk, mined time.Duration, params map[string]any, prev *previousRoles) *miningOutput {
	out := &miningOutput{res: res, attrs: attrs, prev: prev, LowerBound: res.LowerBound, Algorithm: res.Algorithm,
		Parameters: params, MiningSeconds: mined.Seconds(), Warnings: res.Warnings}
	cur := make([]mining.RoleSet, len(res.Roles))
	for k, r := range res.Roles {
		cur[k] = mining.RoleSet{Entitlements: r.Entitlements, Members: r.Members, Partial: r.Parent > 0}
	}
	out.lineage = mining.Match(prev.roles, cur, prev.lastID, mining.DefaultLineageOptions)
	for _, c := range out.lineage.Roles {
		out.ids = append(out.ids, roleID(c.ID))
	}
	l := out.lineage
	out.Changes = lineageCounts{PreviousRun: prev.run, Added: l.Count(mining.ChangeAdded), Removed: l.Count(mining.ChangeRemoved),
		Drifted: l.Count(mining.ChangeDrifted), Unchanged: l.Count(mining.ChangeUnchanged)}
	if d := prev.changedParameters(params); d != "" {
		out.Warnings = append(out.Warnings, fmt.Sprintf("mining parameters differ from run %d (%s): role changes may come from them, not only from the data", prev.run, d))
	}
	out.explained = mining.Explain(res, attrs, risk, mining.DefaultExplainOptions)
	out.Metrics = mining.Measure(res)
	if attrs.Len() == 0 {
		out.Warnings = append(out.Warnings, "no identity attributes: roles have no attribute rules")
	}
	return out
}

// print shows the summary and the largest roles; rest says where the
// others are, such as "see out/roles.csv".
func (o *miningOutput) print(e *env, rest string) {
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
	} else if t := o.GeneralisationTakenOver; t != nil {
		fmt.Fprintf(tw, "generalisation\thidden 10%%: precision %.3f, recall %.3f (%s)\n", t.Metrics.Precision, t.Metrics.Recall, t.describe("mine"))
	}
	tw.Flush()
	c, vs := o.Changes, "no earlier mine run"
	if c.PreviousRun > 0 {
		vs = fmt.Sprintf("run %d", c.PreviousRun)
	}
	fmt.Fprintf(e.stdout, "roles vs %s: %d added, %d removed, %d drifted, %d unchanged\n", vs, c.Added, c.Removed, c.Drifted, c.Unchanged)
	o.printTopRoles(e, 10, rest)
	for _, w := range o.Warnings {
		e.logf("warning: %s", w)
	}
}

// printTopRoles lists the n largest roles that are not partial, and how
// many more there are and where (rest).
func (o *miningOutput) printTopRoles(e *env, n int, where string) {
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
		fmt.Fprintf(e.stdout, "… and %d more roles (%s)\n", rest, where)
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

// The kinds of role_exceptions rows: an assignment no role of its identity
// grants, and an entitlement a role grants that its member does not hold.
const (
	exceptionUncovered    = "uncovered"
	exceptionOverAssigned = "over-assigned"
)

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
				yield([]string{m.RowID(int(x.Identity)), m.ColID(int(x.Entitlement)), exceptionUncovered})
			}
			for _, x := range o.res.OverAssignments {
				yield([]string{m.RowID(int(x.Identity)), m.ColID(int(x.Entitlement)), exceptionOverAssigned})
			}
		}},
		{"role_candidates.csv", "", []string{"role_id", "identity_id"}, func(yield func([]string)) {
			for k, ex := range o.explained {
				for _, i := range ex.Candidates {
					yield([]string{o.ids[k], m.RowID(int(i))})
				}
			}
		}},
		{"role_changes.csv", "role_changes", []string{"role_id", "previous_run_id", "change", "jaccard",
			"entitlements_added", "entitlements_removed", "members_before", "members_after"}, o.changeLines},
	}
}

// changeLines yields the lineage of every role, then the removed roles of
// the previous run.
func (o *miningOutput) changeLines(yield func([]string)) {
	var prevRun string
	if o.prev.run > 0 {
		prevRun = strconv.FormatInt(o.prev.run, 10)
	}
	for _, c := range slices.Concat(o.lineage.Roles, o.lineage.Removed) {
		var jaccard string
		if c.Change == mining.ChangeDrifted || c.Change == mining.ChangeUnchanged {
			jaccard = strconv.FormatFloat(c.Jaccard, 'f', 4, 64)
		}
		yield([]string{roleID(c.ID), prevRun, string(c.Change), jaccard,
			strconv.Itoa(c.EntitlementsAdded), strconv.Itoa(c.EntitlementsRemoved),
			strconv.Itoa(c.MembersBefore), strconv.Itoa(c.MembersAfter)})
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
func (o *miningOutput) store(ctx context.Context, store *datasets.Store, snapshot int64, start time.Time, batch string) error {
	run := &datasets.Run{Command: "mine", SnapshotID: snapshot, StartedAt: start, Parameters: o.Parameters, Batch: batch}
	return store.Write(ctx, func(tx *datasets.Tx) error {
		// The ids continue the previous run's: no other may have come
		// in between.
		var last sql.NullInt64
		if err := tx.QueryRow("SELECT max(run_id) FROM runs WHERE command = 'mine' AND status = 'ok'").Scan(&last); err != nil {
			return err
		}
		if last.Int64 != o.prev.run {
			return fmt.Errorf("mine: run %d was recorded while this one mined against run %d; mine again", last.Int64, o.prev.run)
		}
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
			lineage := metricValues(map[string]any{"lineage": o.Changes})
			for _, kv := range append(metricValues(o.Metrics), lineage...) {
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

// roleID formats a role id number: R and at least four digits.
func roleID(n int) string { return fmt.Sprintf("R%04d", n) }

// parseRoleID returns the number of a role id made by roleID.
func parseRoleID(id string) (int, bool) {
	if !strings.HasPrefix(id, "R") {
		return 0, false
	}
	n, err := strconv.Atoi(id[1:])
	return n, err == nil && n > 0
}

// previousRoles are the roles of the newest successful mine run, in the
// index space of the current matrix: its rows and columns, then the
// identities and entitlements only the previous run knows, numbered after
// them.
type previousRoles struct {
	run    int64 // 0 when there is no earlier mine run
	params map[string]any
	roles  []mining.RoleSet
	lastID int // the highest role id number any run issued
}

// changedParameters lists the parameters of the previous run that params
// sets otherwise ("seed 1 → 2"), or returns "".
func (p *previousRoles) changedParameters(params map[string]any) string {
	if p.run == 0 {
		return ""
	}
	var cur map[string]any
	data, _ := json.Marshal(params)
	json.Unmarshal(data, &cur)
	var diffs []string
	for _, k := range slices.Sorted(maps.Keys(cur)) {
		if before, ok := p.params[k]; !ok || fmt.Sprint(before) != fmt.Sprint(cur[k]) {
			diffs = append(diffs, fmt.Sprintf("%s %v → %v", k, before, cur[k]))
		}
	}
	return strings.Join(diffs, ", ")
}

// loadPreviousRoles reads the roles of the newest successful mine run of
// store, with their entitlements and members, and the highest role id ever
// issued.
func loadPreviousRoles(ctx context.Context, store *datasets.Store, m *features.Matrix) (*previousRoles, error) {
	p := &previousRoles{}
	run, ok, err := store.LatestRun(ctx, "mine")
	if err != nil || !ok {
		return p, err
	}
	p.run = run
	db := store.DB()
	var params sql.NullString
	if err := db.QueryRowContext(ctx, "SELECT parameters FROM runs WHERE run_id = ?", run).Scan(&params); err != nil {
		return nil, fmt.Errorf("load parameters of run %d: %w", run, err)
	}
	if err := json.Unmarshal([]byte(params.String), &p.params); params.Valid && err != nil {
		return nil, fmt.Errorf("parameters of run %d: %w", run, err)
	}
	var last sql.NullInt64
	err = db.QueryRowContext(ctx, `SELECT max(TRY_CAST(substr(role_id, 2) AS BIGINT)) FROM roles WHERE role_id LIKE 'R%'`).Scan(&last)
	if err != nil {
		return nil, fmt.Errorf("load roles of earlier runs: %w", err)
	}
	p.lastID = int(last.Int64)
	if err := p.load(ctx, db, m); err != nil {
		return nil, fmt.Errorf("load roles of run %d: %w", run, err)
	}
	return p, nil
}

func (p *previousRoles) load(ctx context.Context, db *sql.DB, m *features.Matrix) error {
	rows, err := db.QueryContext(ctx, "SELECT role_id, kind FROM roles WHERE run_id = ?", p.run)
	if err != nil {
		return err
	}
	index := map[string]int{}
	for rows.Next() {
		var id string
		var kind sql.NullString
		if err := rows.Scan(&id, &kind); err != nil {
			rows.Close()
			return err
		}
		n, ok := parseRoleID(id)
		if !ok {
			rows.Close()
			return fmt.Errorf("role id %q is not R and a number", id)
		}
		index[id] = len(p.roles)
		p.roles = append(p.roles, mining.RoleSet{ID: n, Partial: kind.String == string(mining.KindPartial)})
	}
	if err := rows.Close(); err != nil {
		return err
	}
	// Identities and entitlements the matrix lacks get indices after its
	// rows and columns.
	extraRows, extraCols := map[string]int32{}, map[string]int32{}
	number := func(extra map[string]int32, base int, id string) int32 {
		k, ok := extra[id]
		if !ok {
			k = int32(base + len(extra))
			extra[id] = k
		}
		return k
	}
	rows, err = db.QueryContext(ctx, `SELECT role_id, false, entitlement_id FROM role_entitlements WHERE run_id = $1
		UNION ALL SELECT role_id, true, identity_id FROM role_members WHERE run_id = $1`, p.run)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var role, item string
		var member bool
		if err := rows.Scan(&role, &member, &item); err != nil {
			return err
		}
		k, ok := index[role]
		if !ok {
			return fmt.Errorf("role %s has links but no roles row", role)
		}
		r := &p.roles[k]
		if member {
			i, ok := m.RowIndex(item)
			if !ok {
				i = int(number(extraRows, m.Rows(), item))
			}
			r.Members = append(r.Members, int32(i))
		} else {
			j, ok := m.ColIndex(item)
			if !ok {
				j = int(number(extraCols, m.Cols(), item))
			}
			r.Entitlements = append(r.Entitlements, int32(j))
		}
	}
	for k := range p.roles {
		r := &p.roles[k]
		slices.Sort(r.Entitlements)
		slices.Sort(r.Members)
		r.Entitlements, r.Members = slices.Compact(r.Entitlements), slices.Compact(r.Members)
	}
	return rows.Err()
}
