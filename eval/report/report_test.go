package report

import (
	"bytes"
	"encoding/json"
	"math"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const hostile = `<script>alert("x")</script>`

// hostileDoc puts a hostile string in every place data can reach.
func hostileDoc() *Document {
	return &Document{
		Title: "Report " + hostile, Subtitle: hostile, Warnings: []string{hostile},
		Sections: []Section{{
			ID: "roles", Title: "Roles " + hostile,
			Blocks: []Block{
				{Text: hostile},
				{Markdown: "### Heading " + hostile + "\n\n- item " + hostile + "\n\n**bold** " + hostile},
				{Note: "no data yet: " + hostile},
				{Figures: []Figure{{Label: hostile, Value: hostile, Detail: hostile}}},
				{Code: &Code{Lang: "sql", Text: "SELECT '" + hostile + "'", Line: 3}},
				{Table: &Table{Caption: hostile, Columns: []string{"role " + hostile, "members"},
					Rows: [][]any{{hostile, 3}, {"<img src=x onerror=alert(1)>", math.NaN()}}}},
				{Chart: &Chart{Title: "chart " + hostile, XLabel: hostile, YLabel: hostile,
					Series: []Series{{Name: hostile, X: []float64{0, 1}, Y: []float64{0, 1}}},
					Marks:  []Mark{{X: 0.5, Label: hostile}}}},
				{Chart: &Chart{Title: hostile, Kind: Bar, Categories: []string{hostile, "b"},
					Series: []Series{{Name: hostile, Y: []float64{1, 2}}}}},
			},
		}},
	}
}

// No hostile markup survives in any format: HTML has no script, img or
// event handler of the data's, Markdown escapes < and >.
func TestEscaping(t *testing.T) {
	for _, f := range []Format{HTML, Markdown, JSON} {
		t.Run(string(f), func(t *testing.T) {
			var buf bytes.Buffer
			if err := Write(&buf, hostileDoc(), f); err != nil {
				t.Fatal(err)
			}
			out := buf.String()
			if f == Markdown { // a fenced code block is shown verbatim by every renderer
				out = regexp.MustCompile("(?s)```sql.*?```").ReplaceAllString(out, "")
			}
			for _, bad := range []string{"<script", "<img", "<SCRIPT"} {
				if strings.Contains(out, bad) {
					i := strings.Index(out, bad)
					t.Errorf("%s output contains %q: …%s…", f, bad, out[max(0, i-80):min(len(out), i+80)])
				}
			}
			if f == JSON {
				return // JSON escapes < as \u003c; checked above
			}
			if n := strings.Count(out, "&lt;script&gt;"); n < 8 {
				t.Errorf("%s output shows the hostile name escaped %d times, want it everywhere (≥ 8)", f, n)
			}
		})
	}
}

// The page references nothing outside itself: no src, no link, no url(),
// and a policy that forbids fetching.
func TestHTMLSelfContained(t *testing.T) {
	var buf bytes.Buffer
	if err := hostileDoc().WriteHTML(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, re := range []string{`<[^>]*\ssrc\s*=`, `<link\b`, `url\(`, `<script`, `@import`, `href="(https?:)?//`} {
		if m := regexp.MustCompile(`(?i)` + re).FindString(out); m != "" {
			t.Errorf("page contains %q", m)
		}
	}
	if !strings.Contains(out, `content="default-src 'none'; style-src 'unsafe-inline'"`) {
		t.Errorf("page has no content security policy forbidding fetches")
	}
	if n := strings.Count(out, "<svg "); n != 2 {
		t.Errorf("page has %d <svg> elements, want 2", n)
	}
}

// Chart sizes are CSS pixels on the <svg> element; the viewBox is in points.
func TestChartSVG(t *testing.T) {
	tests := []struct {
		name  string
		chart Chart
		w, h  int
	}{
		{"default size", Chart{Series: []Series{{X: []float64{1, 2}, Y: []float64{3, 4}}}}, DefaultWidth, DefaultHeight},
		{"own size, band and marks", Chart{Width: 400, Height: 300, Diagonal: true, Marks: []Mark{{X: 1.5, Label: "t"}},
			Series: []Series{{Name: "p", X: []float64{1, 2}, Y: []float64{0.5, 0.6}, Lower: []float64{0.4, 0.5}, Upper: []float64{0.6, 0.7}}}}, 400, 300},
		{"scatter with NaN", Chart{Kind: Scatter, Series: []Series{{X: []float64{1, math.NaN(), 3}, Y: []float64{1, 2, math.Inf(1)}}}}, DefaultWidth, DefaultHeight},
		{"histogram", Chart{Kind: Histogram, Bins: 5, Width: 320, Height: 240, Series: []Series{{X: []float64{1, 1, 2, 3, 5, 8}}}}, 320, 240},
		{"bars", Chart{Kind: Bar, Categories: []string{"a", "b", "c"}, Series: []Series{{Name: "x", Y: []float64{1, 2, 3}}, {Name: "y", Y: []float64{3, 2, 1}}}}, DefaultWidth, DefaultHeight},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svg, err := tt.chart.SVG()
			if err != nil {
				t.Fatal(err)
			}
			want := []byte(`<svg class="chart" role="img" width="` + itoa(tt.w) + `" height="` + itoa(tt.h) + `"`)
			if !bytes.HasPrefix(svg, want) {
				t.Errorf("svg starts %q, want %q", svg[:min(len(svg), 80)], want)
			}
			if !bytes.Contains(svg, []byte("<path")) {
				t.Errorf("svg draws no path")
			}
		})
	}
}

func itoa(n int) string { return FormatValue(n) }

// Count axes read "25", not "25.00"; fractional ticks keep their decimals.
func TestWholeTicks(t *testing.T) {
	labels := func(lo, hi float64) []string {
		var out []string
		for _, tk := range (wholeTicks{}).Ticks(lo, hi) {
			if tk.Label != "" {
				out = append(out, tk.Label)
			}
		}
		return out
	}
	// gonum/plot's default labels [0, 51] "0.00 25.00 50.00".
	for _, hi := range []float64{51, 27.3, 100, 1252} {
		for _, l := range labels(0, hi) {
			if strings.Contains(l, ".") {
				t.Errorf("ticks of [0, %v] labelled %v: want whole numbers", hi, labels(0, hi))
				break
			}
		}
	}
	if got := labels(0, 1); !slices.Contains(got, "0.5") && !slices.Contains(got, "0.50") && !slices.Contains(got, "0.4") && !slices.Contains(got, "0.25") {
		t.Errorf("ticks of [0, 1] labelled %v: want fractions", got)
	}
}

// A chart without a finite point is a notice in HTML, an error from SVG.
func TestEmptyChart(t *testing.T) {
	c := Chart{Title: "nothing", Series: []Series{{X: []float64{math.NaN()}, Y: []float64{1}}}}
	if _, err := c.SVG(); err == nil {
		t.Errorf("SVG of an empty chart: no error")
	}
	var buf bytes.Buffer
	d := &Document{Title: "t", Sections: []Section{{Title: "s", Blocks: []Block{{Chart: &c}}}}}
	if err := d.WriteHTML(&buf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "nothing: no data to draw") || strings.Contains(buf.String(), "<svg") {
		t.Errorf("empty chart not shown as a notice")
	}
}

func TestMisusePanics(t *testing.T) {
	tests := []struct {
		name string
		doc  *Document
	}{
		{"two kinds", &Document{Sections: []Section{{Blocks: []Block{{Text: "a", Note: "b"}}}}}},
		{"no kind", &Document{Sections: []Section{{Blocks: []Block{{}}}}}},
		{"ragged series", &Document{Sections: []Section{{Blocks: []Block{{Chart: &Chart{Series: []Series{{X: []float64{1}, Y: []float64{1, 2}}}}}}}}}},
		{"wide row", &Document{Sections: []Section{{Blocks: []Block{{Table: &Table{Columns: []string{"a"}, Rows: [][]any{{1, 2}}}}}}}}},
	}
	for _, tt := range tests {
		for _, f := range []Format{HTML, Markdown, JSON} {
			t.Run(tt.name+"/"+string(f), func(t *testing.T) {
				defer func() {
					r := recover()
					if f == JSON && tt.name != "two kinds" && tt.name != "no kind" {
						return // JSON carries the data as it is
					}
					if s, ok := r.(string); !ok || !strings.HasPrefix(s, "report: ") {
						t.Errorf("recovered %v, want a report: panic", r)
					}
				}()
				Write(&bytes.Buffer{}, tt.doc, f)
			})
		}
	}
}

func TestJSONNaN(t *testing.T) {
	d := &Document{Title: "t", Generated: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Sections: []Section{{Title: "s", Blocks: []Block{
		{Table: &Table{Columns: []string{"x", "y"}, Rows: [][]any{{math.NaN(), 1.5}}}},
	}}}}
	var buf bytes.Buffer
	if err := d.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Generated string
		Sections  []struct {
			Blocks []struct{ Table struct{ Rows [][]any } }
		}
	}
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([][]any{{nil, 1.5}}, got.Sections[0].Blocks[0].Table.Rows); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	if got.Generated != "2026-01-02T03:04:05Z" {
		t.Errorf("generated %q", got.Generated)
	}
}

func TestFormatValue(t *testing.T) {
	tests := []struct {
		in   any
		want string
	}{
		{nil, ""}, {"a", "a"}, {true, "yes"}, {false, "no"}, {int64(-3), "-3"}, {42, "42"},
		{2.0, "2"}, {0.123456, "0.1235"}, {12345.678, "12345.7"}, {math.NaN(), "–"}, {math.Inf(1), "∞"},
		{1e-5, "1e-05"}, {time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC), "2026-05-06 07:08"},
	}
	for _, tt := range tests {
		if got := FormatValue(tt.in); got != tt.want {
			t.Errorf("FormatValue(%#v) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := Interval(0.978, 0.969, 0.985); got != "97.8% [96.9%, 98.5%]" {
		t.Errorf("Interval = %q", got)
	}
}

func TestMarkdownHTML(t *testing.T) {
	tests := []struct{ in, want string }{
		{"hello *world* and **bold**", "<p>hello <em>world</em> and <strong>bold</strong></p>\n"},
		{"# Title\ntext `a<b` end", "<h3>Title</h3>\n<p>text <code>a&lt;b</code> end</p>\n"},
		{"- one\n- two\n  more\n\n1. first", "<ul>\n<li>one</li>\n<li>two more</li>\n</ul>\n<ol>\n<li>first</li>\n</ol>\n"},
		{"```\n<b>x</b>\n```", "<pre><code>&lt;b&gt;x&lt;/b&gt;</code></pre>\n"},
		{"[link](http://example.com) <a href=x>", "<p>[link](http://example.com) &lt;a href=x&gt;</p>\n"},
		{"snake_case_name stays", "<p>snake_case_name stays</p>\n"},
	}
	for _, tt := range tests {
		if got := string(markdownHTML(tt.in)); got != tt.want {
			t.Errorf("markdownHTML(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}

func TestMarkdownOutput(t *testing.T) {
	d := &Document{Title: "T", Sections: []Section{{Title: "S", Blocks: []Block{
		{Table: &Table{Columns: []string{"name", "n"}, Rows: [][]any{{"a|b", 1}, {"c\nd", 2.5}}, Total: 10}},
		{Chart: &Chart{Title: "c", Series: []Series{{Name: "p", X: []float64{1}, Y: []float64{2}}}, Marks: []Mark{{X: 0.5, Label: "low"}}}},
	}}}}
	var buf bytes.Buffer
	if err := d.WriteMarkdown(&buf); err != nil {
		t.Fatal(err)
	}
	want := "# T\n\n## S\n\n| name | n |\n|---|---|\n| a\\|b | 1 |\n| c d | 2.5 |\n\n_first 2 of 10 rows_\n\n" +
		"_Chart (line): c — p (1 points); low at 0.5 (see the HTML report)_\n\n"
	if diff := cmp.Diff(want, buf.String()); diff != "" {
		t.Errorf("markdown (-want +got):\n%s", diff)
	}
}
