package main

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"path/filepath"
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
DuckDB database, opened read-only, and whose ` + "```chart" + ` cells draw a chart of
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
  xtime: true          x values are times (Unix seconds): the axis shows dates
  logx: true           histogram: bins of powers of two on a log axis, with counts
  legend: top-right | top-left | bottom-right | bottom-left
  width: / height: PIXELS
  empty: MESSAGE       shown instead of a chart without data
  sql: QUERY           the chart's own query; it may continue on the
                       following lines to the end of the cell

A cell that fails (bad SQL, an unknown key or column) stops the run with an
error naming the notebook file and the line of the cell. So does a cell that
would change the database (CREATE, INSERT, …) or read or write any other file
(COPY … TO, EXPORT DATABASE, ATTACH, read_csv, INSTALL, LOAD): a notebook
only reads the database. Temporary tables (CREATE TEMP TABLE) are allowed;
they vanish when the run ends.`,
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
	nb, err := report.ParseNotebook(path, string(src))
	if err != nil {
		return err
	}
	store, err := openReadOnly(ctx, "notebook", o.DB)
	if err != nil {
		return err
	}
	defer store.Close()
	doc, err := executeNotebook(ctx, store, nb, o.MaxRows)
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

// executeNotebook runs the cells of nb in order against store and builds
// the document; tables show at most maxRows rows. A failing cell is an error
// naming the notebook file and the cell's line.
func executeNotebook(ctx context.Context, store *datasets.Store, nb *report.Notebook, maxRows int) (*report.Document, error) {
	doc := &report.Document{Title: nb.Title, Subtitle: filepath.Base(nb.Path)}
	section := func() *report.Section {
		if len(doc.Sections) == 0 {
			doc.Sections = append(doc.Sections, report.Section{Title: "Overview"})
		}
		return &doc.Sections[len(doc.Sections)-1]
	}
	var last *report.Result // the latest SQL cell's result, for chart cells
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
	for _, c := range nb.Cells {
		fail := func(err error) error {
			if datasets.IsReadOnly(err) {
				err = fmt.Errorf("%w (notebooks read the database only: a cell may not change it or read or write files)", err)
			}
			return nb.CellError(c, err)
		}
		switch c.Kind {
		case report.CellSection:
			doc.Sections = append(doc.Sections, report.Section{ID: fmt.Sprintf("s%d", len(doc.Sections)+1), Title: c.Text})
		case report.CellMarkdown:
			s := section()
			s.Blocks = append(s.Blocks, report.Block{Markdown: c.Text})
		case report.CellSQL:
			s := section()
			d := report.ParseDirectives(c.Text)
			if t, err := missing(d.Requires); err != nil {
				return nil, fail(err)
			} else if t != "" {
				last = &report.Result{}
				s.Blocks = append(s.Blocks, report.Block{Note: cmp.Or(d.Empty, "no data yet: table "+t+" does not exist")})
				continue
			}
			r, err := queryResult(ctx, store.DB(), c.Text)
			if err != nil {
				return nil, fail(err)
			}
			last = r
			if d.Hide {
				continue
			}
			s.Blocks = append(s.Blocks, report.Block{Code: &report.Code{Lang: "sql", Text: strings.TrimSpace(c.Text), Line: c.Line}})
			if len(r.Rows) == 0 && d.Empty != "" {
				s.Blocks = append(s.Blocks, report.Block{Note: d.Empty})
				continue
			}
			s.Blocks = append(s.Blocks, report.Block{Table: r.Table("", maxRows)})
		case report.CellChart:
			spec, err := report.ParseChartSpec(c.Text)
			if err != nil {
				return nil, fail(err)
			}
			data := last
			if spec.SQL != "" {
				d := report.ParseDirectives(spec.SQL)
				if t, err := missing(d.Requires); err != nil {
					return nil, fail(err)
				} else if t != "" {
					data = &report.Result{}
				} else if data, err = queryResult(ctx, store.DB(), spec.SQL); err != nil {
					return nil, fail(err)
				}
			}
			if data == nil {
				return nil, fail(fmt.Errorf("no SQL cell before it and no sql: key"))
			}
			s := section()
			if len(data.Rows) == 0 {
				s.Blocks = append(s.Blocks, report.Block{Note: cmp.Or(spec.Empty, spec.Chart.Title+": no data")})
				continue
			}
			ch, err := spec.Build(data)
			if err != nil {
				return nil, fail(err)
			}
			if ch.Empty() && spec.Empty != "" {
				s.Blocks = append(s.Blocks, report.Block{Note: spec.Empty})
				continue
			}
			s.Blocks = append(s.Blocks, report.Block{Chart: ch})
		}
	}
	return doc, nil
}
