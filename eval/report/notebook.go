package report

import (
	"cmp"
	"fmt"
	"math"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Notebook is a parsed analysis notebook: a Markdown file whose ```sql
// cells are queries and whose ```chart cells describe charts (see
// ParseChartSpec). Running the queries is the caller's business
// (cmd/rolemine); this package only parses the file and builds the charts.
type Notebook struct {
	// Path is the file the notebook was read from, as given to
	// ParseNotebook; errors name it.
	Path string
	// Title is the text of the first "# " heading, or the base name of
	// Path when there is none.
	Title string
	// Cells are the pieces of the notebook in file order.
	Cells []Cell
}

// CellKind is the kind of a notebook Cell.
type CellKind string

// The kinds of notebook cells.
const (
	// CellMarkdown is prose between the other cells, trimmed, never empty.
	// Fenced blocks other than sql and chart (examples) are part of it,
	// fences and all.
	CellMarkdown CellKind = "markdown"
	// CellSection is a "## " heading; Text is the heading's text.
	CellSection CellKind = "section"
	// CellSQL is the body of a ```sql fence: a query, optionally preceded
	// by directive comments (see ParseDirectives).
	CellSQL CellKind = "sql"
	// CellChart is the body of a ```chart fence (see ParseChartSpec).
	CellChart CellKind = "chart"
)

// Cell is one piece of a notebook.
type Cell struct {
	Kind CellKind
	// Line is the 1-based line of the file the cell starts on: the first
	// non-blank line of prose, the heading, or the opening fence of a sql
	// or chart cell.
	Line int
	// Text is the prose, the heading's text, or the body of the fence
	// without the fence lines.
	Text string
}

var fence = regexp.MustCompile("^```\\s*([A-Za-z]*)")

// ParseNotebook splits the notebook src, read from path, into cells.
// Lines may end in "\n" or "\r\n". The first "# " heading is the title and
// not a cell; each "## " heading is a CellSection. The only error is a sql
// or chart fence that is never closed; it reads
// "PATH:LINE: sql cell not closed by ```" with the line of the opening
// fence.
func ParseNotebook(path, src string) (*Notebook, error) {
	nb := &Notebook{Path: path}
	var prose []string
	proseLine := 0
	flush := func() {
		if t := strings.TrimSpace(strings.Join(prose, "\n")); t != "" {
			nb.Cells = append(nb.Cells, Cell{Kind: CellMarkdown, Line: proseLine, Text: t})
		}
		prose = nil
	}
	lines := strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n")
	for k := 0; k < len(lines); k++ {
		line := lines[k]
		if m := fence.FindStringSubmatch(line); m != nil && (m[1] == "sql" || m[1] == "chart") {
			flush()
			start := k + 1
			var body []string
			for k++; k < len(lines) && !strings.HasPrefix(strings.TrimSpace(lines[k]), "```"); k++ {
				body = append(body, lines[k])
			}
			if k == len(lines) {
				return nil, fmt.Errorf("%s:%d: %s cell not closed by ```", path, start, m[1])
			}
			nb.Cells = append(nb.Cells, Cell{Kind: CellKind(m[1]), Line: start, Text: strings.Join(body, "\n")})
			continue
		}
		if m := fence.FindStringSubmatch(line); m != nil {
			// another fenced block (an example): keep it as prose, fence and all
			if strings.TrimSpace(strings.Join(prose, "")) == "" {
				proseLine = k + 1
			}
			prose = append(prose, line)
			for k++; k < len(lines); k++ {
				prose = append(prose, lines[k])
				if strings.HasPrefix(strings.TrimSpace(lines[k]), "```") {
					break
				}
			}
			continue
		}
		switch {
		case strings.HasPrefix(line, "# ") && nb.Title == "":
			flush()
			nb.Title = strings.TrimSpace(line[2:])
		case strings.HasPrefix(line, "## "):
			flush()
			nb.Cells = append(nb.Cells, Cell{Kind: CellSection, Line: k + 1, Text: strings.TrimSpace(line[3:])})
		default:
			if strings.TrimSpace(line) != "" && strings.TrimSpace(strings.Join(prose, "")) == "" {
				proseLine = k + 1
			}
			prose = append(prose, line)
		}
	}
	flush()
	if nb.Title == "" {
		nb.Title = filepath.Base(path)
	}
	return nb, nil
}

// CellError returns err as an error of cell c, naming the notebook file and
// the cell's line: "PATH:LINE: KIND cell: ERR". It wraps err.
func (nb *Notebook) CellError(c Cell, err error) error {
	return fmt.Errorf("%s:%d: %s cell: %w", nb.Path, c.Line, c.Kind, err)
}

// Directives are the leading comment lines of a SQL cell.
type Directives struct {
	// Requires are the tables of "-- requires: TABLE[, TABLE]": when one
	// does not exist the cell shows a notice instead of failing.
	Requires []string
	// Empty is the message of "-- empty: MESSAGE", shown instead of an
	// empty result.
	Empty string
	// Hide is set by "-- hide": the query runs (its result feeds the next
	// chart) but neither it nor its table is shown.
	Hide bool
}

// ParseDirectives reads the directives of the SQL query q: the "--" comment
// lines before its first other non-blank line. Other comments are ignored;
// it never fails.
func ParseDirectives(q string) Directives {
	var d Directives
	for _, line := range strings.Split(q, "\n") {
		t := strings.TrimSpace(line)
		if t == "" {
			continue
		}
		if !strings.HasPrefix(t, "--") {
			break
		}
		t = strings.TrimSpace(strings.TrimPrefix(t, "--"))
		switch {
		case strings.HasPrefix(t, "requires:"):
			for _, name := range strings.Split(strings.TrimPrefix(t, "requires:"), ",") {
				if name = strings.TrimSpace(name); name != "" {
					d.Requires = append(d.Requires, name)
				}
			}
		case strings.HasPrefix(t, "empty:"):
			d.Empty = strings.TrimSpace(strings.TrimPrefix(t, "empty:"))
		case t == "hide":
			d.Hide = true
		}
	}
	return d
}

// ChartSpec is a parsed chart cell: which columns of a Result to draw, and
// how.
type ChartSpec struct {
	// Chart holds the settings of the cell (type, title, labels, ranges,
	// bins, diagonal, legend, size); Build fills in the data.
	Chart Chart
	// X is the column of the x values (bar: the categories; histogram: the
	// values). Never empty.
	X string
	// Y are the columns of the y values, one series each. Never empty
	// except for histograms.
	Y []string
	// Series, when set, is the column whose distinct values split the rows
	// into one series each (per Y column).
	Series string
	// Lower and Upper, set together and only with one Y column, bound a
	// shaded band around it.
	Lower, Upper string
	// Mark is the column of the x values of labelled vertical lines.
	Mark string
	// Empty is the message to show instead of a chart without data.
	Empty string
	// SQL is the chart's own query, trimmed; empty when the chart draws the
	// result of the preceding SQL cell.
	SQL string
}

// ParseChartSpec parses the "key: value" lines of a chart cell; blank lines
// and lines starting with "#" are skipped, keys are case-insensitive, and
// the value of "sql:" runs to the end of the cell. The keys are those of
// `rolemine help notebook`. It returns an error for a line that is not
// "key: value", an unknown key, a bad type, legend or number, a missing x:
// or y: column, or lower: without upper: (or with several y: columns).
// Errors about a line give its 1-based line within the cell
// ("line 3 of the cell: …"); callers add the file and the cell's line
// (see Notebook.CellError).
func ParseChartSpec(text string) (*ChartSpec, error) {
	s := &ChartSpec{}
	lines := strings.Split(text, "\n")
	for k := 0; k < len(lines); k++ {
		t := strings.TrimSpace(lines[k])
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		key, val, ok := strings.Cut(t, ":")
		if !ok {
			return nil, fmt.Errorf("line %d of the cell: want key: value, got %q", k+1, t)
		}
		key, val = strings.TrimSpace(strings.ToLower(key)), strings.TrimSpace(val)
		num := func() (float64, error) {
			f, err := strconv.ParseFloat(val, 64)
			if err != nil {
				return 0, fmt.Errorf("%s: %q is not a number", key, val)
			}
			return f, nil
		}
		var err error
		var f float64
		switch key {
		case "type":
			s.Chart.Kind = Kind(val)
			if !slices.Contains([]Kind{Line, Scatter, Bar, Histogram}, s.Chart.Kind) {
				return nil, fmt.Errorf("type: %q: want line, scatter, bar or histogram", val)
			}
		case "title":
			s.Chart.Title = val
		case "x":
			s.X = val
		case "y":
			for _, c := range strings.Split(val, ",") {
				if c = strings.TrimSpace(c); c != "" {
					s.Y = append(s.Y, c)
				}
			}
		case "series":
			s.Series = val
		case "lower":
			s.Lower = val
		case "upper":
			s.Upper = val
		case "mark":
			s.Mark = val
		case "xlabel":
			s.Chart.XLabel = val
		case "ylabel":
			s.Chart.YLabel = val
		case "xmin":
			f, err = num()
			s.Chart.XMin = f
		case "xmax":
			f, err = num()
			s.Chart.XMax = f
		case "ymin":
			f, err = num()
			s.Chart.YMin = f
		case "ymax":
			f, err = num()
			s.Chart.YMax = f
		case "bins":
			f, err = num()
			s.Chart.Bins = int(f)
		case "width":
			f, err = num()
			s.Chart.Width = int(f)
		case "height":
			f, err = num()
			s.Chart.Height = int(f)
		case "diagonal":
			s.Chart.Diagonal = val == "true" || val == "yes"
		case "xtime":
			s.Chart.XTime = val == "true" || val == "yes"
		case "logx":
			s.Chart.LogX = val == "true" || val == "yes"
		case "legend":
			if !slices.Contains([]string{"top-right", "top-left", "bottom-right", "bottom-left"}, val) {
				return nil, fmt.Errorf("legend: %q: want top-right, top-left, bottom-right or bottom-left", val)
			}
			s.Chart.Legend = val
		case "empty":
			s.Empty = val
		case "sql":
			s.SQL = strings.TrimSpace(val + "\n" + strings.Join(lines[k+1:], "\n"))
			k = len(lines)
		default:
			return nil, fmt.Errorf("line %d of the cell: unknown key %q", k+1, key)
		}
		if err != nil {
			return nil, err
		}
	}
	if s.X == "" {
		return nil, fmt.Errorf("no x: column")
	}
	if len(s.Y) == 0 && s.Chart.Kind != Histogram {
		return nil, fmt.Errorf("no y: column")
	}
	if (s.Lower == "") != (s.Upper == "") || (s.Lower != "" && len(s.Y) != 1) {
		return nil, fmt.Errorf("lower: and upper: go together, with one y: column")
	}
	return s, nil
}

// Build returns the chart of r described by s: a copy of s.Chart with the
// series (one per Y column, per distinct value of the Series column when
// set), the bar categories (distinct formatted X values in order of first
// appearance; values of a category are summed, NaN counting as 0) and the
// marks (one per distinct non-NaN value of the Mark column). Axis labels
// default to the X and (single) Y column names. It returns an error naming
// the column when s uses a column r does not have. Neither s nor r is
// modified; the chart may be empty (see Chart.Empty).
func (s *ChartSpec) Build(r *Result) (*Chart, error) {
	for _, c := range append([]string{s.X, s.Series, s.Lower, s.Upper, s.Mark}, s.Y...) {
		if c != "" && !slices.Contains(r.Columns, c) {
			return nil, fmt.Errorf("no column %q in the result (columns: %s)", c, strings.Join(r.Columns, ", "))
		}
	}
	ch := s.Chart
	ch.XLabel = cmp.Or(ch.XLabel, Heading(s.X))
	if len(s.Y) == 1 {
		ch.YLabel = cmp.Or(ch.YLabel, Heading(s.Y[0]))
	}
	all := make([]int, len(r.Rows))
	for k := range all {
		all[k] = k
	}
	keys, groups := []string{""}, map[string][]int{"": all}
	if s.Series != "" {
		keys, groups = r.Groups(s.Series)
	}
	name := func(key, y string) string {
		switch {
		case key == "":
			return y
		case len(s.Y) > 1:
			return key + " " + y
		}
		return key
	}
	switch ch.Kind {
	case Bar:
		ch.Categories = nil
		cats := r.Strings(s.X)
		for _, c := range cats {
			if !slices.Contains(ch.Categories, c) {
				ch.Categories = append(ch.Categories, c)
			}
		}
		for _, key := range keys {
			for _, y := range s.Y {
				ys, vals := make([]float64, len(ch.Categories)), r.Column(y)
				for _, i := range groups[key] {
					ys[slices.Index(ch.Categories, cats[i])] += zeroNaN(vals[i])
				}
				ch.Series = append(ch.Series, Series{Name: name(key, y), Y: ys})
			}
		}
	case Histogram:
		xs := r.Column(s.X)
		for _, key := range keys {
			ch.Series = append(ch.Series, Series{Name: key, X: pick(xs, groups[key])})
		}
	default:
		xs := r.Column(s.X)
		for _, key := range keys {
			for _, y := range s.Y {
				se := Series{Name: name(key, y), X: pick(xs, groups[key]), Y: pick(r.Column(y), groups[key])}
				if s.Lower != "" {
					se.Lower, se.Upper = pick(r.Column(s.Lower), groups[key]), pick(r.Column(s.Upper), groups[key])
				}
				ch.Series = append(ch.Series, se)
			}
		}
	}
	if s.Mark != "" {
		seen := map[float64]bool{}
		for i, v := range r.Column(s.Mark) {
			if math.IsNaN(v) || seen[v] {
				continue
			}
			seen[v] = true
			label := s.Mark
			if s.Series != "" {
				label = r.Strings(s.Series)[i] + " " + s.Mark
			}
			ch.Marks = append(ch.Marks, Mark{X: v, Label: label})
		}
	}
	return &ch, nil
}

// pick returns xs[i] for each i of idx.
func pick(xs []float64, idx []int) []float64 {
	out := make([]float64, len(idx))
	for k, i := range idx {
		out[k] = xs[i]
	}
	return out
}

func zeroNaN(x float64) float64 {
	if math.IsNaN(x) {
		return 0
	}
	return x
}
