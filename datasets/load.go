package datasets

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"rolemine/datasets/schema"
)

// plan maps a staged file onto a canonical table.
type plan struct {
	table    schema.Table
	source   map[string]string // canonical column → staged column
	extras   []string          // staged columns kept as attributes or ignored
	line     string            // SQL expression of a staged row's line
	idExpr   string            // SQL expression of the row's subject id for attributes
	decision string            // SQL expression of requests.decision
	facts    fieldFacts        // what the scan proved of the staged values
}

func (l *loader) plan(t schema.Table, src Source, st *staged) (*plan, error) {
	p := &plan{table: t, source: map[string]string{}, line: "CAST(__line AS BIGINT)", facts: st.facts}
	if !l.hasLineColumn() {
		// CSV without rejects: the header is line 1. Row ids of a new
		// table are consecutive in insertion (file) order.
		base, err := l.count("SELECT min(rowid) FROM stage")
		if err != nil {
			return nil, err
		}
		p.line = fmt.Sprintf("(rowid - %d + 2)", base)
	}
	byName := map[string]string{}
	for _, c := range st.columns {
		byName[strings.ToLower(strings.TrimSpace(c))] = c
	}
	for canon, from := range src.Map {
		if _, ok := t.Column(canon); !ok {
			return nil, &LoadError{File: src.Path, Reason: fmt.Sprintf("--map %s=%s: %s is not a column of %s (columns: %s)",
				canon, from, canon, t.Name, strings.Join(t.ColumnNames(), ", "))}
		}
		col, ok := byName[strings.ToLower(strings.TrimSpace(from))]
		if !ok {
			return nil, &LoadError{File: src.Path, Reason: fmt.Sprintf("--map %s=%s: the file has no column %s (columns: %s)",
				canon, from, from, strings.Join(st.columns, ", "))}
		}
		p.source[canon] = col
	}
	used := map[string]bool{}
	for _, col := range p.source {
		used[col] = true
	}
	for _, c := range t.Columns {
		if _, mapped := p.source[c.Name]; mapped {
			continue
		}
		if col, ok := byName[c.Name]; ok && !used[col] {
			p.source[c.Name] = col
			used[col] = true
		}
	}
	for _, req := range t.Required() {
		if _, ok := p.source[req]; !ok {
			return nil, &LoadError{File: src.Path, Line: 1, Column: req, Reason: fmt.Sprintf(
				"missing mandatory column %s (the file has: %s); map it with --map %s=COLUMN",
				req, strings.Join(st.columns, ", "), req)}
		}
	}
	for _, c := range st.columns {
		if !used[c] {
			p.extras = append(p.extras, c)
		}
	}
	p.decision = p.decisionExpr(src)
	p.idExpr = p.subjectID(src)
	return p, nil
}

func (l *loader) hasLineColumn() bool {
	n, err := l.count(`SELECT count(*) FROM duckdb_columns() WHERE table_name = 'stage' AND database_name = 'temp' AND column_name = '__line'`)
	return err == nil && n > 0
}

// subjectID is the id attributes are stored under: identity_id or
// request_id, the latter generated from the file name and line when absent.
func (p *plan) subjectID(src Source) string {
	key := p.table.Key[0]
	if col, ok := p.source[key]; ok {
		return p.text(col)
	}
	return fmt.Sprintf("%s || ':' || %s", sqlString(filepath.Base(src.Path)), p.line)
}

// text is the SQL expression of a staged column's value as the loader
// reads every value: white space trimmed, and empty meaning NULL. The trim
// is left out for bare columns, where it would change nothing: on a
// million rows it is most of the cost of validating and converting.
func (p *plan) text(col string) string {
	if p.facts.bare[col] {
		return fmt.Sprintf("NULLIF(%s, '')", ident(col))
	}
	return fmt.Sprintf("NULLIF(trim(%s), '')", ident(col))
}

// bareKeyFields returns the positions in the file (from 0) of the
// table's key columns, when each is read from a bare staged column: there
// the raw field is the stored value, and raw fields can be compared.
func (p *plan) bareKeyFields(st *staged) ([]int, bool) {
	var fields []int
	for _, key := range p.table.Key {
		col, ok := p.source[key]
		k := slices.Index(st.columns, col)
		if !ok || k < 0 || !p.facts.bare[col] {
			return nil, false
		}
		fields = append(fields, k)
	}
	return fields, true
}

// decisionExpr normalises requests.decision: mapped source values first,
// then the canonical words; an empty or absent decision means pending.
func (p *plan) decisionExpr(src Source) string {
	col := p.source["decision"]
	if col == "" {
		return sqlString(schema.Pending)
	}
	v := p.text(col)
	var b strings.Builder
	b.WriteString("CASE")
	if len(src.ApprovedValues) > 0 {
		fmt.Fprintf(&b, " WHEN %s IN (%s) THEN 'approved'", v, sqlList(src.ApprovedValues))
	}
	if len(src.DeniedValues) > 0 {
		fmt.Fprintf(&b, " WHEN %s IN (%s) THEN 'denied'", v, sqlList(src.DeniedValues))
	}
	fmt.Fprintf(&b, " WHEN %s IS NULL THEN 'pending' ELSE lower(%s) END", v, v)
	return b.String()
}

func sqlList(values []string) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = sqlString(strings.TrimSpace(v))
	}
	return strings.Join(q, ", ")
}

// valueExpr converts a staged text column to its canonical type and form.
func (p *plan) valueExpr(c schema.Column) string {
	if c.Name == "decision" && p.table.Name == schema.Requests.Name {
		return p.decision
	}
	if c.Name == "request_id" && p.table.Name == schema.Requests.Name {
		return p.idExpr
	}
	col, ok := p.source[c.Name]
	if !ok {
		return "NULL::" + c.Type.String()
	}
	v := p.text(col)
	switch {
	case c.Type != schema.Text:
		return fmt.Sprintf("TRY_CAST(%s AS %s)", v, c.Type)
	case c.Values != nil:
		return "lower(" + v + ")"
	}
	return v
}

// check is one validation rule: rows where cond holds are bad, for reason
// (a SQL expression).
type check struct {
	column, cond, reason string
}

// checks returns the validation rules of the staged rows.
func (p *plan) checks(maxField int) []check {
	var cs []check
	add := func(col, cond, reason string) { cs = append(cs, check{col, cond, reason}) }
	for _, c := range p.table.Columns {
		col, ok := p.source[c.Name]
		if !ok {
			continue
		}
		raw := p.text(col)
		if c.Required {
			add(c.Name, raw+" IS NULL", "'missing value'")
		}
		if c.Type != schema.Text {
			add(c.Name, fmt.Sprintf("%s IS NOT NULL AND TRY_CAST(%s AS %s) IS NULL", raw, raw, c.Type),
				fmt.Sprintf("'cannot read ''' || left(%s, 80) || ''' as %s'", raw, typeWord(c.Type)))
		}
		if c.Values != nil {
			value := p.valueExpr(c)
			hint := ""
			if c.Name == "decision" {
				hint = " (map source values with --approved-values and --denied-values)"
			}
			add(c.Name, fmt.Sprintf("%s IS NOT NULL AND %s NOT IN (%s)", value, value, sqlList(c.Values)),
				fmt.Sprintf("'''' || left(%s, 80) || ''' is not one of %s%s'", raw, strings.Join(c.Values, ", "), hint))
		}
	}
	for _, col := range p.allColumns() {
		if p.facts.longest == 0 || p.facts.longest > int64(maxField) {
			add(col, fmt.Sprintf("strlen(%s) > %d", ident(col), maxField),
				fmt.Sprintf("'field of ' || strlen(%s) || ' bytes is longer than the limit of %d'", ident(col), maxField))
		}
		// No reader rejects a NUL byte by itself (DuckDB's CSV reader keeps
		// it, JSON may spell it \u0000); it is never part of an id or a name.
		if !p.facts.noNUL {
			add(col, fmt.Sprintf("strpos(%s, chr(0)) > 0", ident(col)), "'NUL byte in field'")
		}
	}
	return cs
}

func typeWord(t schema.Type) string {
	switch t {
	case schema.Timestamp:
		return "a date or timestamp"
	case schema.Bool:
		return "true or false"
	case schema.Integer:
		return "an integer"
	case schema.Float:
		return "a number"
	}
	return "text"
}

func (p *plan) allColumns() []string {
	var cols []string
	for _, c := range p.source {
		cols = append(cols, c)
	}
	slices.Sort(cols)
	return append(cols, p.extras...)
}

// rawExpr renders a staged row for the rejects table.
func (p *plan) rawExpr() string {
	var parts []string
	for _, c := range p.allColumns() {
		parts = append(parts, fmt.Sprintf("coalesce(%s, '')", ident(c)))
	}
	return fmt.Sprintf("left(concat_ws(',', %s), 1000)", strings.Join(parts, ", "))
}
