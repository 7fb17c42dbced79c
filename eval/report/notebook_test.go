package report

import (
	"errors"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// Cells, their lines and the title are parsed as `rolemine help notebook`
// describes; the line numbers were counted by hand in the sources.
func TestParseNotebook(t *testing.T) {
	tests := []struct {
		name, path, src string
		want            *Notebook
	}{
		{
			name: "all kinds",
			path: "nb.md",
			src:  "# Title\n\nIntro *text*.\n\n## First\n\n```sql\n-- requires: a, b\n-- empty: none yet\n-- hide\nSELECT 1\n```\n\n```text\nnot a cell\n```\n\n```chart\ntype: bar\nx: k\ny: v\nsql: SELECT\n  1\n```\n",
			want: &Notebook{Path: "nb.md", Title: "Title", Cells: []Cell{
				{Kind: CellMarkdown, Line: 3, Text: "Intro *text*."},
				{Kind: CellSection, Line: 5, Text: "First"},
				{Kind: CellSQL, Line: 7, Text: "-- requires: a, b\n-- empty: none yet\n-- hide\nSELECT 1"},
				{Kind: CellMarkdown, Line: 14, Text: "```text\nnot a cell\n```"},
				{Kind: CellChart, Line: 18, Text: "type: bar\nx: k\ny: v\nsql: SELECT\n  1"},
			}},
		},
		{
			name: "CRLF, the first # heading is the title wherever it is",
			path: "dir/late.md",
			src:  "\r\nSome text\r\nmore\r\n```sql\r\nSELECT 2\r\n```\r\n# Late title\r\n",
			want: &Notebook{Path: "dir/late.md", Title: "Late title", Cells: []Cell{
				{Kind: CellMarkdown, Line: 2, Text: "Some text\nmore"},
				{Kind: CellSQL, Line: 4, Text: "SELECT 2"},
			}},
		},
		{
			name: "title only once",
			path: "t.md",
			src:  "# One\n# Two\n## S\n",
			want: &Notebook{Path: "t.md", Title: "One", Cells: []Cell{
				{Kind: CellMarkdown, Line: 2, Text: "# Two"},
				{Kind: CellSection, Line: 3, Text: "S"},
			}},
		},
		{
			name: "no title: the file's name",
			path: "dir/e.md",
			src:  "## S\n",
			want: &Notebook{Path: "dir/e.md", Title: "e.md", Cells: []Cell{{Kind: CellSection, Line: 1, Text: "S"}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseNotebook(tt.path, tt.src)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("notebook (-want +got):\n%s", diff)
			}
		})
	}
}

// Errors name the notebook file and the line of the cell.
func TestNotebookErrors(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"unclosed sql", "# T\n```sql\nSELECT 1\n", "bad.md:2: sql cell not closed by ```"},
		{"unclosed chart", "text\n\n```chart\nx: a\n", "bad.md:3: chart cell not closed by ```"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseNotebook("bad.md", tt.src)
			if err == nil || err.Error() != tt.want {
				t.Errorf("error %v, want %q", err, tt.want)
			}
		})
	}

	nb := &Notebook{Path: "nb.md"}
	boom := errors.New("boom")
	err := nb.CellError(Cell{Kind: CellChart, Line: 5}, boom)
	if want := "nb.md:5: chart cell: boom"; err.Error() != want || !errors.Is(err, boom) {
		t.Errorf("CellError: %v, want %q wrapping boom", err, want)
	}
}

func TestParseDirectives(t *testing.T) {
	tests := []struct {
		name, sql string
		want      Directives
	}{
		{"all", "-- requires: a, b\n-- empty: none yet\n-- hide\nSELECT 1", Directives{Requires: []string{"a", "b"}, Empty: "none yet", Hide: true}},
		{"blank lines and other comments", "\n  -- a comment\n\n--requires:t\nSELECT 1", Directives{Requires: []string{"t"}}},
		{"only before the query", "SELECT 1\n-- hide\n-- empty: x", Directives{}},
		{"empty requires", "-- requires: , \nSELECT 1", Directives{}},
		{"none", "", Directives{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, ParseDirectives(tt.sql)); diff != "" {
				t.Errorf("directives (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseChartSpec(t *testing.T) {
	tests := []struct {
		name, text string
		want       *ChartSpec
		err        string
	}{
		{
			name: "every key",
			text: "type: scatter\ntitle: T: t\n# a comment\n\nx: a\ny: b, c\nseries: s\nmark: m\nXLabel: X\nylabel: Y\nxmin: 0\nxmax: 1\nymin: -1\nymax: 2.5\nbins: 5\nwidth: 300\nheight: 200\ndiagonal: yes\nlegend: top-left\nempty: nothing\nsql: SELECT 1\n  AS a\n",
			want: &ChartSpec{
				Chart: Chart{Kind: Scatter, Title: "T: t", XLabel: "X", YLabel: "Y", XMin: 0, XMax: 1, YMin: -1, YMax: 2.5,
					Bins: 5, Width: 300, Height: 200, Diagonal: true, Legend: "top-left"},
				X: "a", Y: []string{"b", "c"}, Series: "s", Mark: "m", Empty: "nothing", SQL: "SELECT 1\n  AS a",
			},
		},
		{name: "band", text: "x: a\ny: b\nlower: l\nupper: u", want: &ChartSpec{X: "a", Y: []string{"b"}, Lower: "l", Upper: "u"}},
		{name: "histogram without y", text: "type: histogram\nx: a\ndiagonal: no", want: &ChartSpec{Chart: Chart{Kind: Histogram}, X: "a"}},
		{name: "not key: value", text: "x: a\nx a", err: `line 2 of the cell: want key: value, got "x a"`},
		{name: "unknown key", text: "x: a\ny: a\ncolour: red", err: `line 3 of the cell: unknown key "colour"`},
		{name: "bad type", text: "type: pie\nx: a\ny: b", err: `type: "pie": want line, scatter, bar or histogram`},
		{name: "bad number", text: "x: a\ny: b\nbins: many", err: `bins: "many" is not a number`},
		{name: "bad legend", text: "legend: middle", err: `legend: "middle": want top-right, top-left, bottom-right or bottom-left`},
		{name: "no x", text: "y: b", err: "no x: column"},
		{name: "no y", text: "x: a\ny: ,", err: "no y: column"},
		{name: "lower alone", text: "x: a\ny: b\nlower: l", err: "lower: and upper: go together, with one y: column"},
		{name: "band with two y", text: "x: a\ny: b, c\nlower: l\nupper: u", err: "lower: and upper: go together, with one y: column"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseChartSpec(tt.text)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Errorf("error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("spec (-want +got):\n%s", diff)
			}
		})
	}
}

func TestChartSpecBuild(t *testing.T) {
	// tol absorbs the rounding of the sums of bar values (0.5 + 0.7).
	const tol = 1e-12
	r := &Result{Columns: []string{"tier", "x", "y", "lo", "hi"}, Rows: [][]any{
		{"low", 1.0, 0.5, 0.4, 0.6}, {"low", int64(2), 0.7, 0.6, 0.8}, {"high", 1.0, 0.2, 0.1, 0.3},
	}}
	withNulls := &Result{Columns: []string{"k", "v", "m"}, Rows: [][]any{
		{"a", 1.0, nil}, {"a", nil, 0.5}, {nil, 2.0, 0.5},
	}}
	tests := []struct {
		name, spec string
		r          *Result
		want       *Chart
		err        string
	}{
		{
			name: "line by series with band and marks",
			spec: "x: x\ny: y\nseries: tier\nlower: lo\nupper: hi\nmark: x",
			r:    r,
			want: &Chart{XLabel: "x", YLabel: "y",
				Series: []Series{
					{Name: "low", X: []float64{1, 2}, Y: []float64{0.5, 0.7}, Lower: []float64{0.4, 0.6}, Upper: []float64{0.6, 0.8}},
					{Name: "high", X: []float64{1}, Y: []float64{0.2}, Lower: []float64{0.1}, Upper: []float64{0.3}},
				},
				Marks: []Mark{{X: 1, Label: "low x"}, {X: 2, Label: "low x"}},
			},
		},
		{
			name: "scatter of two y columns by series, own labels",
			spec: "type: scatter\nx: x\ny: y, lo\nseries: tier\nxlabel: X",
			r:    r,
			want: &Chart{Kind: Scatter, XLabel: "X",
				Series: []Series{
					{Name: "low y", X: []float64{1, 2}, Y: []float64{0.5, 0.7}},
					{Name: "low lo", X: []float64{1, 2}, Y: []float64{0.4, 0.6}},
					{Name: "high y", X: []float64{1}, Y: []float64{0.2}},
					{Name: "high lo", X: []float64{1}, Y: []float64{0.1}},
				},
			},
		},
		{
			name: "two y columns without series",
			spec: "x: x\ny: y, hi\nmark: lo",
			r:    r,
			want: &Chart{XLabel: "x",
				Series: []Series{
					{Name: "y", X: []float64{1, 2, 1}, Y: []float64{0.5, 0.7, 0.2}},
					{Name: "hi", X: []float64{1, 2, 1}, Y: []float64{0.6, 0.8, 0.3}},
				},
				Marks: []Mark{{X: 0.4, Label: "lo"}, {X: 0.6, Label: "lo"}, {X: 0.1, Label: "lo"}},
			},
		},
		{
			name: "bar sums per category",
			spec: "type: bar\nx: tier\ny: y",
			r:    r,
			want: &Chart{Kind: Bar, XLabel: "tier", YLabel: "y", Categories: []string{"low", "high"},
				Series: []Series{{Name: "y", Y: []float64{1.2, 0.2}}}},
		},
		{
			name: "histogram by series",
			spec: "type: histogram\nx: y\nseries: tier\nbins: 4",
			r:    r,
			want: &Chart{Kind: Histogram, XLabel: "y", Bins: 4,
				Series: []Series{{Name: "low", X: []float64{0.5, 0.7}}, {Name: "high", X: []float64{0.2}}}},
		},
		{
			name: "nulls: NaN in lines, 0 in bars, no mark",
			spec: "type: bar\nx: k\ny: v\nmark: m",
			r:    withNulls,
			want: &Chart{Kind: Bar, XLabel: "k", YLabel: "v", Categories: []string{"a", ""},
				Series: []Series{{Name: "v", Y: []float64{1, 2}}},
				Marks:  []Mark{{X: 0.5, Label: "m"}}},
		},
		{
			name: "no rows",
			spec: "x: x\ny: y",
			r:    &Result{Columns: []string{"x", "y"}},
			want: &Chart{XLabel: "x", YLabel: "y", Series: []Series{{Name: "y", X: []float64{}, Y: []float64{}}}},
		},
		{name: "unknown column", spec: "x: x\ny: nope", r: r, err: `no column "nope" in the result (columns: tier, x, y, lo, hi)`},
		{name: "unknown series column", spec: "x: x\ny: y\nseries: grp", r: r, err: `no column "grp" in the result (columns: tier, x, y, lo, hi)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec, err := ParseChartSpec(tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			got, err := spec.Build(tt.r)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Errorf("error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateApprox(0, tol)); diff != "" {
				t.Errorf("chart (-want +got):\n%s", diff)
			}
			if got.Empty() != (len(tt.r.Rows) == 0) {
				t.Errorf("Empty() = %v with %d rows", got.Empty(), len(tt.r.Rows))
			}
		})
	}
}

func TestResult(t *testing.T) {
	r := &Result{Columns: []string{"g", "v"}, Rows: [][]any{{"b", int64(1)}, {"a", true}, {"b", "x"}}}
	if diff := cmp.Diff([]float64{1, 1, math.NaN()}, r.Column("v"), cmpopts.EquateNaNs()); diff != "" {
		t.Errorf("Column (-want +got):\n%s", diff)
	}
	keys, rows := r.Groups("g")
	if diff := cmp.Diff([]string{"b", "a"}, keys); diff != "" {
		t.Errorf("Groups keys (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string][]int{"b": {0, 2}, "a": {1}}, rows); diff != "" {
		t.Errorf("Groups rows (-want +got):\n%s", diff)
	}
	tests := []struct {
		name string
		r    *Result
		max  int
		want *Table
	}{
		{"truncated", r, 2, &Table{Caption: "c", Columns: r.Columns, Rows: r.Rows[:2], Total: 3}},
		{"whole", r, 3, &Table{Caption: "c", Columns: r.Columns, Rows: r.Rows}},
		{"no rows", &Result{Columns: []string{"g"}}, 5, &Table{Caption: "c", Columns: []string{"g"}, Rows: [][]any{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.r.Table("c", tt.max)); diff != "" {
				t.Errorf("Table (-want +got):\n%s", diff)
			}
		})
	}
}
