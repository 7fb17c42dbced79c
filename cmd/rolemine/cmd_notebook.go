package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"rolemine/datasets"
	"rolemine/eval/report"
)

type notebookOptions struct {
	DB      string
	Out     string
	Format  string
	MaxRows int
}

func (o *notebookOptions) AddFlags(fs *pflag.FlagSet) {
	dbFlag(fs, &o.DB)
	fs.StringVar(&o.Out, "out", "", `file to write ("-" for standard output; default the notebook's name with the format's extension)`)
	fs.StringVar(&o.Format, "format", "html", "html (one self-contained page), json or md")
	fs.IntVar(&o.MaxRows, "max-rows", 50, "most rows shown per SQL cell (charts use every row)")
}

func notebookCommand() *command {
	var o notebookOptions
	return &command{
		name: "notebook", args: "run [flags] NOTEBOOK.md",
		short: "execute an analysis notebook against the database and render it",
		long: `Runs a notebook: a Markdown file whose ` + "```sql" + ` cells are executed against the
DuckDB database (read-only use intended) and whose ` + "```chart" + ` cells draw a chart of
the preceding SQL cell's result or of their own query. The output is the same
kind of self-contained HTML page as rolemine report (or JSON, or Markdown).

The first "# " heading is the title; each "## " heading starts a section.

A SQL cell shows its query (folded) and its result as a table. Comment lines at
the top of the cell steer it:
  -- requires: TABLE[, TABLE]   show the empty message instead of failing when
                                a table does not exist (e.g. no hygiene run yet)
  -- empty: MESSAGE             shown instead of an empty result
  -- hide                       run the query but show neither it nor its table
                                (data for the next chart)

A chart cell is "key: value" lines:
  type: line | scatter | bar | histogram   (default line)
  title: TEXT
  x: COLUMN            x values (bar: the categories; histogram: the values)
  y: COLUMN[, COLUMN]  one series per column (not for histograms)
  series: COLUMN       one series per distinct value of this column instead
  lower: COLUMN        with upper: a shaded band around the (single) y column
  upper: COLUMN
  mark: COLUMN         a labelled vertical line at each non-null value
  xlabel: / ylabel: TEXT        axis labels (default the column names)
  xmin: / xmax: / ymin: / ymax: NUMBER   fixed axis ranges
  bins: N              histogram bins (default 20)
  diagonal: true       dashed y = x reference line
  legend: top-right | top-left | bottom-right | bottom-left
  width: / height: PIXELS
  empty: MESSAGE       shown instead of a chart without data
  sql: QUERY           the chart's own query; it may continue on the
                       following lines to the end of the cell

A cell that fails (bad SQL, an unknown key or column) stops the run with an
error naming the notebook file and the line of the cell.`,
		flags: func() *pflag.FlagSet { fs := newFlagSet("notebook"); o = notebookOptions{}; o.AddFlags(fs); return fs },
		run:   func(ctx context.Context, e *env, args []string) error { return runNotebook(ctx, e, o, args) },
	}
}

func runNotebook(ctx context.Context, e *env, o notebookOptions, args []string) error {
	if len(args) != 2 || args[0] != "run" {
		return usagef("notebook: want: rolemine notebook run [flags] NOTEBOOK.md")
	}
	format, err := report.ParseFormat(o.Format)
	if err != nil {
		return usagef("notebook: --format: %v", err)
	}
	if o.MaxRows < 1 {
		return usagef("notebook: --max-rows must be at least 1")
	}
	path := args[1]
	src, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	nb, err := parseNotebook(path, string(src))
	if err != nil {
		return err
	}
	if _, err := os.Stat(o.DB); err != nil {
		return fmt.Errorf("notebook: %w", err)
	}
	store, err := datasets.Open(ctx, o.DB)
	if err != nil {
		return err
	}
	defer store.Close()
	doc, err := nb.execute(ctx, store, o.MaxRows)
	if err != nil {
		return err
	}
	doc.Generated = time.Now()
	out := o.Out
	if out == "" {
		out = strings.TrimSuffix(path, filepath.Ext(path)) + "." + string(format)
	}
	if err := writeDocument(out, doc, format, e.stdout); err != nil {
		return err
	}
	if out != "-" {
		e.logf("wrote notebook %s", out)
	}
	return nil
}

// notebook is a parsed notebook file.
type notebook struct {
	path  string
	title string
	cells []cell
}

// cell is one piece of a notebook: prose, a section heading, a SQL cell or
// a chart cell, with the line it starts on.
type cell struct {
	kind string // "markdown", "section", "sql", "chart"
	line int
	text string
}

var fence = regexp.MustCompile("^```\\s*([A-Za-z]*)")

// parseNotebook splits src into cells. It fails on an unclosed fence.
func parseNotebook(path, src string) (*notebook, error) {
	nb := &notebook{path: path}
	var prose []string
	proseLine := 0
	flush := func() {
		if t := strings.TrimSpace(strings.Join(prose, "\n")); t != "" {
			nb.cells = append(nb.cells, cell{kind: "markdown", line: proseLine, text: t})
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
			nb.cells = append(nb.cells, cell{kind: m[1], line: start, text: strings.Join(body, "\n")})
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
		case strings.HasPrefix(line, "# ") && nb.title == "":
			flush()
			nb.title = strings.TrimSpace(line[2:])
		case strings.HasPrefix(line, "## "):
			flush()
			nb.cells = append(nb.cells, cell{kind: "section", line: k + 1, text: strings.TrimSpace(line[3:])})
		default:
			if strings.TrimSpace(line) != "" && strings.TrimSpace(strings.Join(prose, "")) == "" {
				proseLine = k + 1
			}
			prose = append(prose, line)
		}
	}
	flush()
	if nb.title == "" {
		nb.title = filepath.Base(path)
	}
	return nb, nil
}

// sqlDirectives are the leading comment lines of a SQL cell.
type sqlDirectives struct {
	requires []string
	empty    string
	hide     bool
}

func parseDirectives(q string) sqlDirectives {
	var d sqlDirectives
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
					d.requires = append(d.requires, name)
				}
			}
		case strings.HasPrefix(t, "empty:"):
			d.empty = strings.TrimSpace(strings.TrimPrefix(t, "empty:"))
		case t == "hide":
			d.hide = true
		}
	}
	return d
}

// execute runs the cells in order and builds the document.
func (nb *notebook) execute(ctx context.Context, store *datasets.Store, maxRows int) (*report.Document, error) {
	doc := &report.Document{Title: nb.title, Subtitle: filepath.Base(nb.path)}
	section := func() *report.Section {
		if len(doc.Sections) == 0 {
			doc.Sections = append(doc.Sections, report.Section{Title: "Overview"})
		}
		return &doc.Sections[len(doc.Sections)-1]
	}
	var last *result // the latest SQL cell's result, for chart cells
	missing := func(tables []string) (string, error) {
		for _, t := range tables {
			var n int64
			if err := store.DB().QueryRowContext(ctx, `SELECT count(*) FROM information_schema.tables WHERE table_name = ?`, t).Scan(&n); err != nil {
				return "", err
			}
			if n == 0 {
				return t, nil
			}
		}
		return "", nil
	}
	for _, c := range nb.cells {
		fail := func(err error) error { return fmt.Errorf("%s:%d: %s cell: %w", nb.path, c.line, c.kind, err) }
		switch c.kind {
		case "section":
			doc.Sections = append(doc.Sections, report.Section{ID: fmt.Sprintf("s%d", len(doc.Sections)+1), Title: c.text})
		case "markdown":
			s := section()
			s.Blocks = append(s.Blocks, report.Block{Markdown: c.text})
		case "sql":
			s := section()
			d := parseDirectives(c.text)
			if t, err := missing(d.requires); err != nil {
				return nil, fail(err)
			} else if t != "" {
				last = &result{}
				s.Blocks = append(s.Blocks, report.Block{Note: cmpOr(d.empty, "no data yet: table "+t+" does not exist")})
				continue
			}
			r, err := queryResult(ctx, store.DB(), c.text)
			if err != nil {
				return nil, fail(err)
			}
			last = r
			if d.hide {
				continue
			}
			s.Blocks = append(s.Blocks, report.Block{Code: &report.Code{Lang: "sql", Text: strings.TrimSpace(c.text), Line: c.line}})
			if len(r.rows) == 0 && d.empty != "" {
				s.Blocks = append(s.Blocks, report.Block{Note: d.empty})
				continue
			}
			s.Blocks = append(s.Blocks, report.Block{Table: r.table("", maxRows)})
		case "chart":
			spec, err := parseChartSpec(c.text)
			if err != nil {
				return nil, fail(err)
			}
			data := last
			if spec.sql != "" {
				d := parseDirectives(spec.sql)
				if t, err := missing(d.requires); err != nil {
					return nil, fail(err)
				} else if t != "" {
					data = &result{}
				} else if data, err = queryResult(ctx, store.DB(), spec.sql); err != nil {
					return nil, fail(err)
				}
			}
			if data == nil {
				return nil, fail(fmt.Errorf("no SQL cell before it and no sql: key"))
			}
			s := section()
			if len(data.rows) == 0 {
				s.Blocks = append(s.Blocks, report.Block{Note: cmpOr(spec.empty, spec.chart.Title+": no data")})
				continue
			}
			ch, err := spec.build(data)
			if err != nil {
				return nil, fail(err)
			}
			if ch.Empty() && spec.empty != "" {
				s.Blocks = append(s.Blocks, report.Block{Note: spec.empty})
				continue
			}
			s.Blocks = append(s.Blocks, report.Block{Chart: ch})
		}
	}
	return doc, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// chartSpec is a parsed chart cell.
type chartSpec struct {
	chart                report.Chart
	x                    string
	y                    []string
	series, lower, upper string
	mark                 string
	empty, sql           string
}

// parseChartSpec parses the key: value lines of a chart cell.
func parseChartSpec(text string) (*chartSpec, error) {
	s := &chartSpec{}
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
			s.chart.Kind = report.Kind(val)
			if !slices.Contains([]report.Kind{report.Line, report.Scatter, report.Bar, report.Histogram}, s.chart.Kind) {
				return nil, fmt.Errorf("type: %q: want line, scatter, bar or histogram", val)
			}
		case "title":
			s.chart.Title = val
		case "x":
			s.x = val
		case "y":
			for _, c := range strings.Split(val, ",") {
				if c = strings.TrimSpace(c); c != "" {
					s.y = append(s.y, c)
				}
			}
		case "series":
			s.series = val
		case "lower":
			s.lower = val
		case "upper":
			s.upper = val
		case "mark":
			s.mark = val
		case "xlabel":
			s.chart.XLabel = val
		case "ylabel":
			s.chart.YLabel = val
		case "xmin":
			f, err = num()
			s.chart.XMin = f
		case "xmax":
			f, err = num()
			s.chart.XMax = f
		case "ymin":
			f, err = num()
			s.chart.YMin = f
		case "ymax":
			f, err = num()
			s.chart.YMax = f
		case "bins":
			f, err = num()
			s.chart.Bins = int(f)
		case "width":
			f, err = num()
			s.chart.Width = int(f)
		case "height":
			f, err = num()
			s.chart.Height = int(f)
		case "diagonal":
			s.chart.Diagonal = val == "true" || val == "yes"
		case "legend":
			if !slices.Contains([]string{"top-right", "top-left", "bottom-right", "bottom-left"}, val) {
				return nil, fmt.Errorf("legend: %q: want top-right, top-left, bottom-right or bottom-left", val)
			}
			s.chart.Legend = val
		case "empty":
			s.empty = val
		case "sql":
			s.sql = strings.TrimSpace(val + "\n" + strings.Join(lines[k+1:], "\n"))
			k = len(lines)
		default:
			return nil, fmt.Errorf("line %d of the cell: unknown key %q", k+1, key)
		}
		if err != nil {
			return nil, err
		}
	}
	if s.x == "" {
		return nil, fmt.Errorf("no x: column")
	}
	if len(s.y) == 0 && s.chart.Kind != report.Histogram {
		return nil, fmt.Errorf("no y: column")
	}
	if (s.lower == "") != (s.upper == "") || (s.lower != "" && len(s.y) != 1) {
		return nil, fmt.Errorf("lower: and upper: go together, with one y: column")
	}
	return s, nil
}

// build makes the chart of r.
func (s *chartSpec) build(r *result) (*report.Chart, error) {
	for _, c := range append([]string{s.x, s.series, s.lower, s.upper, s.mark}, s.y...) {
		if c != "" && !slices.Contains(r.cols, c) {
			return nil, fmt.Errorf("no column %q in the result (columns: %s)", c, strings.Join(r.cols, ", "))
		}
	}
	ch := s.chart
	ch.XLabel = cmpOr(ch.XLabel, s.x)
	if len(s.y) == 1 {
		ch.YLabel = cmpOr(ch.YLabel, s.y[0])
	}
	all := make([]int, len(r.rows))
	for k := range all {
		all[k] = k
	}
	keys, groups := []string{""}, map[string][]int{"": all}
	if s.series != "" {
		keys, groups = r.groups(s.series)
	}
	name := func(key, y string) string {
		switch {
		case key == "":
			return y
		case len(s.y) > 1:
			return key + " " + y
		}
		return key
	}
	switch ch.Kind {
	case report.Bar:
		ch.Categories = nil
		cats := r.strings(s.x)
		for _, c := range cats {
			if !slices.Contains(ch.Categories, c) {
				ch.Categories = append(ch.Categories, c)
			}
		}
		for _, key := range keys {
			for _, y := range s.y {
				ys, vals := make([]float64, len(ch.Categories)), r.column(y)
				for _, i := range groups[key] {
					ys[slices.Index(ch.Categories, cats[i])] += zeroNaN(vals[i])
				}
				ch.Series = append(ch.Series, report.Series{Name: name(key, y), Y: ys})
			}
		}
	case report.Histogram:
		xs := r.column(s.x)
		for _, key := range keys {
			ch.Series = append(ch.Series, report.Series{Name: key, X: pick(xs, groups[key])})
		}
	default:
		xs := r.column(s.x)
		for _, key := range keys {
			for _, y := range s.y {
				se := report.Series{Name: name(key, y), X: pick(xs, groups[key]), Y: pick(r.column(y), groups[key])}
				if s.lower != "" {
					se.Lower, se.Upper = pick(r.column(s.lower), groups[key]), pick(r.column(s.upper), groups[key])
				}
				ch.Series = append(ch.Series, se)
			}
		}
	}
	if s.mark != "" {
		seen := map[float64]bool{}
		for i, v := range r.column(s.mark) {
			if math.IsNaN(v) || seen[v] {
				continue
			}
			seen[v] = true
			label := s.mark
			if s.series != "" {
				label = r.strings(s.series)[i] + " " + s.mark
			}
			ch.Marks = append(ch.Marks, report.Mark{X: v, Label: label})
		}
	}
	return &ch, nil
}

func zeroNaN(x float64) float64 {
	if math.IsNaN(x) {
		return 0
	}
	return x
}
