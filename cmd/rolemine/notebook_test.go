package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"rolemine/datasets"
	"rolemine/eval/report"
)

// notebooksDir is the repository's notebooks/ folder.
var notebooksDir = filepath.Join("..", "..", "notebooks")

// testNotebooks executes every notebook of notebooks/ against the demo
// database (each must render, with charts) and against an empty one (each
// must still render, saying what to run).
func testNotebooks(t *testing.T, db, out string) {
	files, err := filepath.Glob(filepath.Join(notebooksDir, "*.md"))
	if err != nil || len(files) < 4 {
		t.Fatalf("notebooks: %v, %d files, want at least 4", err, len(files))
	}
	empty := filepath.Join(t.TempDir(), "empty.duckdb")
	store, err := datasets.Open(context.Background(), empty)
	if err != nil {
		t.Fatal(err)
	}
	store.Close()
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".md")
		t.Run(name, func(t *testing.T) {
			page := filepath.Join(out, "notebooks", name+".html")
			var stderr bytes.Buffer
			if err := run(context.Background(), []string{"notebook", "run", "--db", db, "--out", page, f}, &bytes.Buffer{}, &stderr); err != nil {
				t.Fatalf("notebook run %s: %v\n%s", f, err, stderr.String())
			}
			html := read(t, page)
			if !strings.Contains(html, `<svg class="chart"`) {
				t.Errorf("%s: no chart drawn", name)
			}
			if strings.Contains(html, hostileRole) {
				t.Errorf("%s: hostile role name not escaped", name)
			}
			var buf bytes.Buffer
			if err := run(context.Background(), []string{"notebook", "run", "--db", empty, "--out", "-", f}, &buf, &stderr); err != nil {
				t.Fatalf("notebook run %s on an empty database: %v\n%s", f, err, stderr.String())
			}
			if !strings.Contains(buf.String(), "no data yet") && !strings.Contains(buf.String(), "no rows") {
				t.Errorf("%s on an empty database says nothing is there", name)
			}
		})
	}
}

// A failing cell is an error naming the notebook file and the cell's line.
func TestNotebookErrors(t *testing.T) {
	db := filepath.Join(t.TempDir(), "db.duckdb")
	store, err := datasets.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	store.Close()
	tests := []struct {
		name, src, want string
	}{
		{"bad sql", "# T\n\ntext\n\n```sql\nSELECT nonsense FROM nowhere\n```\n", "bad.md:5: sql cell: "},
		{"unknown key", "# T\n```sql\nSELECT 1 AS a\n```\n\n```chart\nx: a\ny: a\ncolour: red\n```\n", "bad.md:6: chart cell: line 3 of the cell: unknown key \"colour\""},
		{"unknown column", "# T\n```sql\nSELECT 1 AS a\n```\n```chart\nx: a\ny: b\n```\n", "bad.md:5: chart cell: no column \"b\""},
		{"no data", "# T\n```chart\nx: a\ny: b\n```\n", "bad.md:2: chart cell: no SQL cell before it"},
		{"unclosed", "# T\n```sql\nSELECT 1\n", "bad.md:2: sql cell not closed"},
		{"bad type", "```chart\ntype: pie\nx: a\ny: b\n```\n", "bad.md:1: chart cell: type: \"pie\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "bad.md")
			os.WriteFile(path, []byte(tt.src), 0o644)
			err := run(context.Background(), []string{"notebook", "run", "--db", db, "--out", "-", path}, &bytes.Buffer{}, &bytes.Buffer{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want it to contain %q", err, tt.want)
			}
		})
	}
	if err := run(context.Background(), []string{"notebook", "show", "x.md"}, &bytes.Buffer{}, &bytes.Buffer{}); exitCode(err) != 2 {
		t.Errorf("notebook show: exit %d, want 2", exitCode(err))
	}
}

// Cells, sections and directives are parsed, and charts built from a
// result, as the command's help describes.
func TestNotebookParse(t *testing.T) {
	src := "# Title\n\nIntro *text*.\n\n## First\n\n```sql\n-- requires: a, b\n-- empty: none yet\n-- hide\nSELECT 1\n```\n\n```text\nnot a cell\n```\n\n```chart\ntype: bar\nx: k\ny: v\nsql: SELECT\n  1\n```\n"
	nb, err := parseNotebook("nb.md", src)
	if err != nil {
		t.Fatal(err)
	}
	type c struct {
		Kind string
		Line int
	}
	var got []c
	for _, x := range nb.cells {
		got = append(got, c{x.kind, x.line})
	}
	want := []c{{"markdown", 3}, {"section", 5}, {"sql", 7}, {"markdown", 14}, {"chart", 18}}
	if diff := cmp.Diff(want, got); diff != "" || nb.title != "Title" {
		t.Errorf("cells (-want +got):\n%s; title %q", diff, nb.title)
	}
	d := parseDirectives(nb.cells[2].text)
	if diff := cmp.Diff(sqlDirectives{requires: []string{"a", "b"}, empty: "none yet", hide: true}, d, cmp.AllowUnexported(sqlDirectives{})); diff != "" {
		t.Errorf("directives (-want +got):\n%s", diff)
	}
	spec, err := parseChartSpec(nb.cells[4].text)
	if err != nil || spec.sql != "SELECT\n  1" || spec.chart.Kind != report.Bar {
		t.Fatalf("chart spec %+v, %v", spec, err)
	}

	r := &result{cols: []string{"tier", "x", "y", "lo", "hi"}, rows: [][]any{
		{"low", 1.0, 0.5, 0.4, 0.6}, {"low", 2.0, 0.7, 0.6, 0.8}, {"high", 1.0, 0.2, 0.1, 0.3},
	}}
	line, _ := parseChartSpec("x: x\ny: y\nseries: tier\nlower: lo\nupper: hi\nmark: x")
	ch, err := line.build(r)
	if err != nil {
		t.Fatal(err)
	}
	wantSeries := []report.Series{
		{Name: "low", X: []float64{1, 2}, Y: []float64{0.5, 0.7}, Lower: []float64{0.4, 0.6}, Upper: []float64{0.6, 0.8}},
		{Name: "high", X: []float64{1}, Y: []float64{0.2}, Lower: []float64{0.1}, Upper: []float64{0.3}},
	}
	if diff := cmp.Diff(wantSeries, ch.Series); diff != "" {
		t.Errorf("line series (-want +got):\n%s", diff)
	}
	if len(ch.Marks) != 2 || ch.XLabel != "x" || ch.YLabel != "y" {
		t.Errorf("marks %v, labels %q %q", ch.Marks, ch.XLabel, ch.YLabel)
	}
	bar, _ := parseChartSpec("type: bar\nx: tier\ny: y")
	ch, err = bar.build(r)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"low", "high"}, ch.Categories); diff != "" || !cmp.Equal([]float64{1.2, 0.2}, ch.Series[0].Y) {
		t.Errorf("bar categories (-want +got):\n%s; values %v", diff, ch.Series[0].Y)
	}
}
