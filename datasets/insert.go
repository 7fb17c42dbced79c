package datasets

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"

	"rolemine/datasets/schema"
)

// loadStaged validates the staged rows of one file, sets bad rows aside,
// collapses duplicates and appends the rest to the canonical table.
func (l *loader) loadStaged(t schema.Table, src Source, st *staged, fr *FileReport) error {
	if st.rows == 0 && len(st.rejects) == 0 {
		return &LoadError{File: src.Path, Reason: "no data rows"}
	}
	p, err := l.plan(t, src, st)
	if err != nil {
		return err
	}
	fr.Columns = p.mappedColumns()
	fr.RowsRead = st.rows + int64(len(st.rejects))
	fr.PendingNoCol = t.Name == schema.Requests.Name && p.source["decision"] == ""
	if err := l.findBadRows(p, src, st); err != nil {
		return err
	}
	if err := l.collapse(p, src, st); err != nil {
		return err
	}
	if err := l.checkErrorBudget(src.Path, st.rejects); err != nil {
		return err
	}
	return l.commitRows(p, src, st, fr)
}

// findBadRows fills the temp table __bad (line, column_name, reason, raw).
// One scan tells whether any row is bad; the detailed reasons are collected
// only then.
func (l *loader) findBadRows(p *plan, src Source, st *staged) error {
	checks := p.checks(l.opts.MaxFieldBytes)
	var conds []string
	for _, c := range checks {
		conds = append(conds, "("+c.cond+")")
	}
	bad, err := l.count("SELECT count(*) FROM stage WHERE " + strings.Join(conds, " OR "))
	if err != nil {
		return fmt.Errorf("%s: validate: %w", src.Path, err)
	}
	if err := l.exec(`CREATE OR REPLACE TEMP TABLE __bad (row BIGINT, line BIGINT, column_name VARCHAR, reason VARCHAR, raw VARCHAR)`); err != nil {
		return err
	}
	if bad > 0 {
		var parts []string
		for _, c := range checks {
			parts = append(parts, fmt.Sprintf("SELECT rowid AS row, %s AS line, %s AS column_name, %s AS reason, %s AS raw FROM stage WHERE %s",
				p.line, sqlString(c.column), c.reason, p.rawExpr(), c.cond))
		}
		if err := l.exec("INSERT INTO __bad " + strings.Join(parts, " UNION ALL ")); err != nil {
			return fmt.Errorf("%s: validate: %w", src.Path, err)
		}
	}
	return l.checkErrorBudget(src.Path, st.rejects)
}

// convertedView defines the temp view __conv: every staged row converted to
// canonical form (the table's columns, __x<k> for extra columns, __subject
// for attributes, and line).
func (l *loader) convertedView(p *plan) error {
	var cols []string
	for _, c := range p.table.Columns {
		cols = append(cols, fmt.Sprintf("%s AS %s", p.valueExpr(c), c.Name))
	}
	for k, e := range p.extras {
		cols = append(cols, fmt.Sprintf("%s AS __x%d", p.text(e), k))
	}
	cols = append(cols, p.idExpr+" AS __subject")
	return l.exec(fmt.Sprintf(`CREATE OR REPLACE TEMP VIEW __conv AS SELECT rowid AS __row, %s AS line, %s FROM stage`, p.line, strings.Join(cols, ", ")))
}

// collapse fills __skip with the lines not to store: bad rows, and rows
// repeating a key. Of the rows sharing a key the first line is kept; later
// exact duplicates of it are collapsed, and rows with other content are
// added to __bad as conflicts.
func (l *loader) collapse(p *plan, src Source, st *staged) error {
	if err := l.convertedView(p); err != nil {
		return err
	}
	keys := strings.Join(p.table.Key, ", ")
	valid := "__conv WHERE true"
	if n, err := l.count("SELECT count(*) FROM __bad"); err != nil {
		return err
	} else if n > 0 {
		valid = "__conv WHERE __row NOT IN (SELECT row FROM __bad)"
	}
	hashDups, err := l.keyHashRepeats(p, src, st, keys, valid)
	if err != nil {
		return err
	}
	var dupKeys int64
	if hashDups > 0 {
		q := fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE __dupkeys AS SELECT %s FROM %s GROUP BY ALL HAVING count(*) > 1`, keys, valid)
		if err := l.exec(q); err != nil {
			return fmt.Errorf("%s: check keys: %w", src.Path, err)
		}
		if dupKeys, err = l.count("SELECT count(*) FROM __dupkeys"); err != nil {
			return err
		}
	}
	steps := []string{"CREATE OR REPLACE TEMP TABLE __skip AS SELECT DISTINCT row FROM __bad"}
	if dupKeys > 0 {
		steps = []string{
			fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE __contents AS
				SELECT min(__row) AS first_row, min(line) AS first_line, list(__row) AS rows, list(line) AS lines, * EXCLUDE (__row, line) FROM (
					SELECT * FROM %s AND (%s) IN (SELECT (%s) FROM __dupkeys)) GROUP BY ALL`, valid, keys, keys),
			fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE __contents AS
				SELECT *, min(first_row) OVER (PARTITION BY %s) AS key_row, min(first_line) OVER (PARTITION BY %s) AS key_line FROM __contents`, keys, keys),
			fmt.Sprintf(`INSERT INTO __bad SELECT unnest(rows), unnest(lines), %s, 'duplicate key ' || %s || ' differs from line ' || key_line, ''
				FROM __contents WHERE first_row <> key_row`, sqlString(keys), keyText(p.table.Key)),
			`CREATE OR REPLACE TEMP TABLE __skip AS SELECT DISTINCT row FROM __bad
				UNION SELECT unnest(list_filter(rows, x -> x <> first_row)) FROM __contents`,
		}
	}
	for _, q := range steps {
		if err := l.exec(q); err != nil {
			return fmt.Errorf("%s: check keys: %w", src.Path, err)
		}
	}
	return nil
}

// keyHashRepeats counts the key hashes shared by several valid rows: when
// none is, the keys are distinct. For a plain file whose key columns are
// bare, a pass in Go over the raw fields proves it far faster than DuckDB
// (whose aggregate over 50 M distinct hashes takes about a minute); only
// when that pass finds a repeat does the count run in SQL. The hashes are
// grouped rather than counted DISTINCT, which DuckDB runs on one thread.
func (l *loader) keyHashRepeats(p *plan, src Source, st *staged, keys, valid string) (int64, error) {
	if fields, ok := p.bareKeyFields(st); ok && st.plainFile != nil {
		distinct, err := st.plainFile.distinctKeys(fields, st.rows+int64(len(st.rejects)))
		if err != nil {
			return 0, fmt.Errorf("%s: check keys: %w", src.Path, err)
		}
		if distinct {
			return 0, nil
		}
	}
	n, err := l.count(fmt.Sprintf("SELECT count(*) FROM (SELECT hash(%s) FROM %s GROUP BY 1 HAVING count(*) > 1)", keys, valid))
	if err != nil {
		return 0, fmt.Errorf("%s: check keys: %w", src.Path, err)
	}
	return n, nil
}

func keyText(key []string) string {
	var parts []string
	for _, k := range key {
		parts = append(parts, fmt.Sprintf("'%s=' || coalesce(%s, '')", k, k))
	}
	return strings.Join(parts, " || ' ' || ")
}

// checkErrorBudget fails the load when more rows were bad than allowed.
func (l *loader) checkErrorBudget(file string, parse []Reject) error {
	bad, err := l.badRows(file, 20)
	if err != nil {
		return err
	}
	n, err := l.count("SELECT count(DISTINCT row) FROM __bad")
	if err != nil {
		return err
	}
	all := append(append([]Reject(nil), parse...), bad...)
	if int(n)+len(parse) <= l.opts.MaxErrors || len(all) == 0 {
		return nil
	}
	first := all[0]
	for _, r := range all[1:] {
		if r.Line < first.Line {
			first = r
		}
	}
	return &LoadError{File: file, Line: first.Line, Column: first.Column, Reason: first.Reason, Rejects: all}
}

func (l *loader) badRows(file string, limit int) ([]Reject, error) {
	rows, err := l.db.QueryContext(l.ctx, "SELECT line, column_name, reason, raw FROM __bad ORDER BY line, column_name LIMIT ?", limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Reject
	for rows.Next() {
		r := Reject{File: file}
		if err := rows.Scan(&r.Line, &r.Column, &r.Reason, &r.Raw); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// commitRows appends the rows not in __skip to the canonical table and records the file.
func (l *loader) commitRows(p *plan, src Source, st *staged, fr *FileReport) error {
	t := p.table
	keep := "true"
	if n, err := l.count("SELECT count(*) FROM __skip"); err != nil {
		return err
	} else if n > 0 {
		keep = "__row NOT IN (SELECT row FROM __skip)"
	}
	ins := fmt.Sprintf("INSERT INTO %s (snapshot_id, %s) SELECT ?, %s FROM __conv WHERE %s",
		t.Name, strings.Join(t.ColumnNames(), ", "), strings.Join(t.ColumnNames(), ", "), keep)
	res, err := l.db.ExecContext(l.ctx, ins, l.snapshot)
	if err != nil {
		return fmt.Errorf("%s: store rows: %w", src.Path, err)
	}
	fr.RowsLoaded, _ = res.RowsAffected()
	if err := l.storeExtras(p, src, fr, keep); err != nil {
		return err
	}
	for _, r := range st.rejects {
		if err := l.exec("INSERT INTO rejects VALUES (?, ?, ?, ?, ?, ?, ?)", l.snapshot, t.Name, r.File, r.Line, r.Column, r.Reason, r.Raw); err != nil {
			return err
		}
	}
	if err := l.exec("INSERT INTO rejects SELECT ?, ?, ?, line, column_name, reason, raw FROM __bad", l.snapshot, t.Name, src.Path); err != nil {
		return err
	}
	badLines, err := l.count("SELECT count(DISTINCT row) FROM __bad")
	if err != nil {
		return err
	}
	fr.Rejected = badLines + int64(len(st.rejects))
	fr.Duplicates = fr.RowsRead - fr.Rejected - fr.RowsLoaded
	if err := l.recordFile(src, fr); err != nil {
		return err
	}
	l.report.Files = append(l.report.Files, *fr)
	return nil
}

// recordFile adds a file's report to snapshot_files.
func (l *loader) recordFile(src Source, fr *FileReport) error {
	var reusedFrom any
	if fr.ReusedFrom != 0 {
		reusedFrom = fr.ReusedFrom
	}
	return l.exec(`INSERT INTO snapshot_files (snapshot_id, table_name, file, format, sha256, bytes, rows_read, rows_loaded,
			rows_rejected, duplicates, columns, attributes, ignored, load_key, reused_from)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		l.snapshot, fr.Table, src.Path, string(src.Format), fr.SHA256, fr.Bytes, fr.RowsRead, fr.RowsLoaded,
		fr.Rejected, fr.Duplicates, textArray(fr.Columns), textArray(fr.Attributes), textArray(fr.Ignored), fr.LoadKey, reusedFrom)
}

// storeExtras keeps non-canonical columns as attributes, or reports them.
func (l *loader) storeExtras(p *plan, src Source, fr *FileReport, keep string) error {
	if len(p.extras) == 0 {
		return nil
	}
	if !p.table.Attributes {
		fr.Ignored = p.extras
		return l.warn(p.table.Name, src.Path, fmt.Sprintf("ignored columns not in the %s schema: %s",
			p.table.Name, strings.Join(p.extras, ", ")))
	}
	fr.Attributes = p.extras
	entity := map[string]string{"identities": "identity", "requests": "request"}[p.table.Name]
	for k, e := range p.extras {
		q := fmt.Sprintf(`INSERT INTO attributes SELECT ?, ?, __subject, ?, __x%d FROM __conv
			WHERE __x%d IS NOT NULL AND __subject IS NOT NULL AND %s`, k, k, keep)
		if err := l.exec(q, l.snapshot, entity, e); err != nil {
			return fmt.Errorf("%s: store attribute %s: %w", src.Path, e, err)
		}
	}
	return nil
}

func (l *loader) warn(table, file, msg string) error {
	l.report.Warnings = append(l.report.Warnings, fmt.Sprintf("%s: %s", filepath.Base(file), msg))
	return l.exec("INSERT INTO load_warnings VALUES (?, ?, ?, ?)", l.snapshot, table, file, msg)
}

func (p *plan) mappedColumns() []string {
	var cols []string
	for _, c := range p.table.Columns {
		if _, ok := p.source[c.Name]; ok {
			cols = append(cols, c.Name)
		}
	}
	return cols
}

// textArray renders a string list as a DuckDB list literal value.
func textArray(values []string) any {
	if values == nil {
		values = []string{}
	}
	return values
}

// reference is a column that should name a row of another table.
type reference struct {
	table, column, target, targetColumn, noun string
}

// references lists those of one table together: checkReferences scans the
// rows of each run of them once.
var references = []reference{
	{"identities", "manager_id", "identities", "identity_id", "managers"},
	{"identities", "owner_id", "identities", "identity_id", "owners"},
	{"accounts", "identity_id", "identities", "identity_id", "identities"},
	{"entitlements", "owner_id", "identities", "identity_id", "owners"},
	{"assignments", "identity_id", "identities", "identity_id", "identities"},
	{"assignments", "entitlement_id", "entitlements", "entitlement_id", "entitlements"},
	{"requests", "identity_id", "identities", "identity_id", "identities"},
	{"requests", "entitlement_id", "entitlements", "entitlement_id", "entitlements"},
	{"certifications", "identity_id", "identities", "identity_id", "identities"},
	{"certifications", "entitlement_id", "entitlements", "entitlement_id", "entitlements"},
	{"sod_rules", "entitlement_a", "entitlements", "entitlement_id", "entitlements"},
	{"sod_rules", "entitlement_b", "entitlements", "entitlement_id", "entitlements"},
	{"outcomes", "request_id", "requests", "request_id", "requests"},
}

// checkReferences counts, for the rows this snapshot loaded, references to
// ids missing from the current identities and entitlements. They are kept
// and reported, never dropped; a reference is checked only when the target
// table has data. The references of one table are counted in one scan of
// its rows; the ids are listed only for a reference with missing targets.
func (l *loader) checkReferences() error {
	for start := 0; start < len(references); {
		end := start + 1
		for end < len(references) && references[end].table == references[start].table {
			end++
		}
		if err := l.checkTableReferences(references[start:end]); err != nil {
			return err
		}
		start = end
	}
	return nil
}

// checkTableReferences checks refs, which all leave one table.
func (l *loader) checkTableReferences(refs []reference) error {
	table := refs[0].table
	loaded, err := l.count(fmt.Sprintf("SELECT count(*) FROM %s WHERE snapshot_id = ?", table), l.snapshot)
	if err != nil || loaded == 0 {
		return err
	}
	var checked []reference
	for _, ref := range refs {
		targets, err := l.count("SELECT count(*) FROM current_" + ref.target)
		if err != nil {
			return err
		}
		if targets > 0 {
			checked = append(checked, ref)
		}
	}
	if len(checked) == 0 {
		return nil
	}
	var counts, joins []string
	for k, ref := range checked {
		counts = append(counts, fmt.Sprintf("count(*) FILTER (WHERE s.%s IS NOT NULL AND t%d.id IS NULL)", ref.column, k))
		joins = append(joins, fmt.Sprintf("LEFT JOIN (SELECT DISTINCT %[1]s AS id FROM current_%[2]s) t%[3]d ON t%[3]d.id = s.%[4]s",
			ref.targetColumn, ref.target, k, ref.column))
	}
	missing := make([]int64, len(checked))
	dest := make([]any, len(checked))
	for k := range missing {
		dest[k] = &missing[k]
	}
	q := fmt.Sprintf("SELECT %s FROM %s s %s WHERE s.snapshot_id = ?", strings.Join(counts, ", "), table, strings.Join(joins, " "))
	if err := l.db.QueryRowContext(l.ctx, q, l.snapshot).Scan(dest...); err != nil {
		return err
	}
	for k, ref := range checked {
		if missing[k] > 0 {
			if err := l.warnMissing(ref); err != nil {
				return err
			}
		}
	}
	return nil
}

// warnMissing reports the rows of this snapshot whose ref names an id
// missing from its target.
func (l *loader) warnMissing(ref reference) error {
	var rows, ids int64
	var examples sql.NullString
	q := fmt.Sprintf(`SELECT count(*), count(DISTINCT s.%[2]s), string_agg(DISTINCT s.%[2]s, ', ' ORDER BY s.%[2]s)
		FROM %[1]s s WHERE s.snapshot_id = ? AND s.%[2]s IS NOT NULL
		AND NOT EXISTS (SELECT 1 FROM current_%[3]s t WHERE t.%[4]s = s.%[2]s)`,
		ref.table, ref.column, ref.target, ref.targetColumn)
	if err := l.db.QueryRowContext(l.ctx, q, l.snapshot).Scan(&rows, &ids, &examples); err != nil {
		return err
	}
	msg := fmt.Sprintf("%d rows name %d %s unknown to %s in column %s (e.g. %s)",
		rows, ids, ref.noun, ref.target, ref.column, truncate(examples.String, 80))
	return l.warn(ref.table, ref.table, msg)
}
