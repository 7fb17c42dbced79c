package datasets

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"rolemine/datasets/schema"
)

// Mapping says how the columns of one kind of source file (an IGA's
// identity export, say) map onto a canonical table. It is what a mapping
// file holds and what the flags --table, --map, --approved-values and
// --denied-values of rolemine ingest give; Override merges the two.
//
// A mapping file is UTF-8 text, one setting per line:
//
//	# SailPoint IdentityIQ identities export
//	table = identities
//	identity_id = Identity Name
//	department = Department
//
// Blank lines and lines whose first non-blank character is # are ignored
// (a # elsewhere is part of the value: source columns may contain it).
// Every other line is KEY = VALUE, split at the first =, both sides
// trimmed; a value may be wrapped in double quotes to keep leading or
// trailing blanks. The keys are:
//
//   - table: the canonical table the source loads into; required, once.
//   - a canonical column of that table: the source column holding it,
//     matched ignoring case (as --map canonical=source). Source columns not
//     named keep their default: the canonical column of the same name, or
//     an attribute where the table keeps attributes.
//   - approved-values, denied-values (table requests only): comma-separated
//     source values of the decision column meaning approved and denied (as
//     --approved-values and --denied-values).
//
// Each key appears at most once. Errors name the file and line.
type Mapping struct {
	Table string
	// Columns maps canonical columns to source columns (canonical →
	// source), as Source.Map.
	Columns                      map[string]string
	ApprovedValues, DeniedValues []string
	// at records where each setting came from, "file:line", by key
	// (table, a canonical column, approved-values, denied-values).
	// Settings without an entry came from flags.
	at map[string]string
}

// Mapping file keys besides canonical columns.
const (
	mapKeyTable    = "table"
	mapKeyApproved = "approved-values"
	mapKeyDenied   = "denied-values"
)

// ReadMappingFile reads the mapping file at path (see Mapping). Errors name
// the file as path and the line.
func ReadMappingFile(path string) (Mapping, error) {
	f, err := os.Open(path)
	if err != nil {
		return Mapping{}, err
	}
	defer f.Close()
	return ParseMapping(path, f)
}

// ParseMapping parses a mapping file (see Mapping) read from r; name is
// the file name used in errors. The mapping returned is checked against
// its table: every key is a canonical column of it or one of table,
// approved-values, denied-values.
func ParseMapping(name string, r io.Reader) (Mapping, error) {
	m := Mapping{Columns: map[string]string{}, at: map[string]string{}}
	line := map[string]int{} // key → line it was set on
	sc := bufio.NewScanner(r)
	n := 0
	for sc.Scan() {
		n++
		text := strings.TrimSpace(sc.Text())
		if n == 1 {
			text = strings.TrimPrefix(text, "\ufeff")
		}
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		key, value, ok := strings.Cut(text, "=")
		key, value = strings.ToLower(strings.TrimSpace(key)), unquote(strings.TrimSpace(value))
		if !ok || key == "" {
			return Mapping{}, fmt.Errorf("%s:%d: want KEY = VALUE (table = TABLE, canonical_column = Source Column, approved-values = V,… or denied-values = V,…), got %q", name, n, text)
		}
		if value == "" {
			return Mapping{}, fmt.Errorf("%s:%d: %s has no value", name, n, key)
		}
		if prev, dup := line[key]; dup {
			return Mapping{}, fmt.Errorf("%s:%d: %s set twice (first on line %d)", name, n, key, prev)
		}
		line[key] = n
		m.at[key] = fmt.Sprintf("%s:%d", name, n)
		switch key {
		case mapKeyTable:
			t, ok := schema.Lookup(value)
			if !ok {
				return Mapping{}, fmt.Errorf("%s:%d: unknown table %q (want one of %s)", name, n, value, strings.Join(schema.Names(), ", "))
			}
			m.Table = t.Name
		case mapKeyApproved:
			m.ApprovedValues = splitValues(value)
		case mapKeyDenied:
			m.DeniedValues = splitValues(value)
		default:
			m.Columns[key] = value
		}
	}
	if err := sc.Err(); err != nil {
		return Mapping{}, fmt.Errorf("%s:%d: %w", name, n+1, err)
	}
	if m.Table == "" {
		return Mapping{}, fmt.Errorf("%s: no table: add a line table = TABLE (one of %s)", name, strings.Join(schema.Names(), ", "))
	}
	if err := m.Check(); err != nil {
		return Mapping{}, err
	}
	return m, nil
}

// unquote strips one pair of surrounding double quotes.
func unquote(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return s[1 : len(s)-1]
	}
	return s
}

func splitValues(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// where returns where setting key came from: "file:line" for a mapping
// file, else the flag that gives it.
func (m Mapping) where(key string) string {
	if at, ok := m.at[key]; ok {
		return at
	}
	switch key {
	case mapKeyTable:
		return "--table"
	case mapKeyApproved:
		return "--approved-values"
	case mapKeyDenied:
		return "--denied-values"
	}
	return "--map"
}

// describe renders setting key of m as its origin would write it.
func (m Mapping) describe(key string) string {
	var value string
	switch key {
	case mapKeyTable:
		value = m.Table
	case mapKeyApproved:
		value = strings.Join(m.ApprovedValues, ",")
	case mapKeyDenied:
		value = strings.Join(m.DeniedValues, ",")
	default:
		value = m.Columns[key]
	}
	at := m.where(key)
	switch {
	case strings.HasPrefix(at, "--map"):
		return fmt.Sprintf("--map %s=%s", key, value)
	case strings.HasPrefix(at, "--"):
		return fmt.Sprintf("%s %s", at, value)
	}
	return fmt.Sprintf("%s (%s = %s)", at, key, value)
}

// Check reports the first setting that does not fit m's table: a column
// that is not one of its canonical columns, or decision values for a table
// other than requests. A mapping without a table is checked when its
// sources load.
func (m Mapping) Check() error {
	if m.Table == "" {
		return nil
	}
	t, ok := schema.Lookup(m.Table)
	if !ok {
		return fmt.Errorf("%s: unknown table %q (want one of %s)", m.where(mapKeyTable), m.Table, strings.Join(schema.Names(), ", "))
	}
	keys := make([]string, 0, len(m.Columns))
	for k := range m.Columns {
		keys = append(keys, k)
	}
	// Report in file order, then flags by name.
	slices.SortFunc(keys, func(a, b string) int {
		if c := compareAt(m.at[a], m.at[b]); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	for _, k := range keys {
		if _, ok := t.Column(k); !ok {
			return fmt.Errorf("%s: unknown canonical column %q of table %s (columns: %s)",
				m.whereShort(k), k, t.Name, strings.Join(t.ColumnNames(), ", "))
		}
	}
	for _, k := range []string{mapKeyApproved, mapKeyDenied} {
		set := len(m.ApprovedValues) > 0
		if k == mapKeyDenied {
			set = len(m.DeniedValues) > 0
		}
		if set && t.Name != schema.Requests.Name {
			return fmt.Errorf("%s: %s applies to table requests only, not %s", m.whereShort(k), k, t.Name)
		}
	}
	return nil
}

// whereShort is where for a file and describe for a flag.
func (m Mapping) whereShort(key string) string {
	if at, ok := m.at[key]; ok {
		return at
	}
	return m.describe(key)
}

// compareAt orders "file:line" positions by line; flags ("") go last.
func compareAt(a, b string) int {
	la, lb := atLine(a), atLine(b)
	switch {
	case la == lb:
		return 0
	case la == 0:
		return 1
	case lb == 0:
		return -1
	case la < lb:
		return -1
	}
	return 1
}

func atLine(at string) int {
	i := strings.LastIndexByte(at, ':')
	if i < 0 {
		return 0
	}
	n := 0
	for _, c := range at[i+1:] {
		if c < '0' || c > '9' {
			return 0
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// Override returns m with every setting of over replacing m's (over is
// typically the flags, m a mapping file) and, for each setting whose value
// over changed, a note naming both, e.g. `--map department=Dept overrides
// hr.map:4 (department = Department)`. Neither mapping is modified. The
// result is not checked: call Check.
func (m Mapping) Override(over Mapping) (Mapping, []string) {
	out := Mapping{Table: m.Table, Columns: map[string]string{}, at: map[string]string{},
		ApprovedValues: m.ApprovedValues, DeniedValues: m.DeniedValues}
	for k, v := range m.Columns {
		out.Columns[k] = v
	}
	for k, v := range m.at {
		out.at[k] = v
	}
	var notes []string
	replace := func(key string, changed bool) {
		if _, had := m.at[key]; had && changed {
			notes = append(notes, fmt.Sprintf("%s overrides %s", over.describe(key), m.describe(key)))
		}
		delete(out.at, key)
		if at, ok := over.at[key]; ok {
			out.at[key] = at
		}
	}
	if over.Table != "" {
		replace(mapKeyTable, m.Table != "" && over.Table != m.Table)
		out.Table = over.Table
	}
	keys := make([]string, 0, len(over.Columns))
	for k := range over.Columns {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		prev, had := m.Columns[k]
		replace(k, had && !strings.EqualFold(strings.TrimSpace(prev), strings.TrimSpace(over.Columns[k])))
		out.Columns[k] = over.Columns[k]
	}
	if len(over.ApprovedValues) > 0 {
		replace(mapKeyApproved, len(m.ApprovedValues) > 0 && !slices.Equal(m.ApprovedValues, over.ApprovedValues))
		out.ApprovedValues = over.ApprovedValues
	}
	if len(over.DeniedValues) > 0 {
		replace(mapKeyDenied, len(m.DeniedValues) > 0 && !slices.Equal(m.DeniedValues, over.DeniedValues))
		out.DeniedValues = over.DeniedValues
	}
	return out, notes
}

// Source returns the source that loads the file at path with m.
func (m Mapping) Source(path string, f Format) Source {
	src := Source{Path: path, Table: m.Table, Format: f, ApprovedValues: m.ApprovedValues, DeniedValues: m.DeniedValues}
	if len(m.Columns) > 0 {
		src.Map = make(map[string]string, len(m.Columns))
		for k, v := range m.Columns {
			src.Map[k] = v
		}
	}
	return src
}

// Explain rewrites a load error about a column mapping that came from a
// mapping file so that it names the file and line of the setting rather
// than --map; other errors are returned as they are.
func (m Mapping) Explain(err error) error {
	var le *LoadError
	if !errors.As(err, &le) {
		return err
	}
	for k, v := range m.Columns {
		at, ok := m.at[k]
		prefix := fmt.Sprintf("--map %s=%s: ", k, v)
		if ok && strings.HasPrefix(le.Reason, prefix) {
			e := *le
			e.Reason = fmt.Sprintf("%s: %s = %s: %s", at, k, v, strings.TrimPrefix(le.Reason, prefix))
			return &e
		}
	}
	return err
}
