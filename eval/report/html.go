package report

import (
	"fmt"
	"html/template"
	"io"
	"sort"
	"strings"
	"time"
)

// viewBlock is a Block prepared for the template: formatted cells, drawn
// charts. Consecutive charts are grouped into one "charts" block so they
// flow side by side.
type viewBlock struct {
	Kind    string
	Text    string
	HTML    template.HTML // markdown, already escaped
	Figures []Figure
	Code    *Code
	Table   *viewTable
	Charts  []viewChart
}

type viewTable struct {
	Caption string
	Columns []string
	Rows    [][]viewCell
	Shown   int
	Total   int
}

type viewCell struct {
	Text  string
	Num   bool
	Class string // "sev-critical" … for a severity or tier cell
	Long  bool   // prose: given room to wrap at a readable width
}

type viewChart struct {
	Title string
	SVG   template.HTML // from vgsvg, whose text is escaped
	Empty string        // the notice shown instead when the chart has no data
}

type viewSection struct {
	ID, Title string
	Blocks    []viewBlock
}

type view struct {
	Title, Subtitle, Generated string
	Warnings                   []string
	Sections                   []viewSection
}

// WriteHTML writes d as one self-contained HTML page. It returns the first
// chart or write error.
func (d *Document) WriteHTML(w io.Writer) error {
	v := view{Title: d.Title, Subtitle: d.Subtitle, Warnings: d.Warnings}
	if !d.Generated.IsZero() {
		v.Generated = d.Generated.UTC().Format(time.RFC3339)
	}
	for k, s := range d.Sections {
		vs := viewSection{ID: s.ID, Title: s.Title}
		if vs.ID == "" {
			vs.ID = fmt.Sprintf("s%d", k+1)
		}
		for j := range s.Blocks {
			b := &s.Blocks[j]
			vb := viewBlock{Kind: b.kind()}
			switch vb.Kind {
			case "text":
				vb.Text = b.Text
			case "note":
				vb.Text = b.Note
			case "markdown":
				vb.HTML = markdownHTML(b.Markdown)
			case "figures":
				vb.Figures = b.Figures
			case "code":
				vb.Code = b.Code
			case "table":
				vb.Table = tableView(b.Table)
			case "chart":
				c := viewChart{Title: b.Chart.Title}
				if b.Chart.Empty() {
					b.Chart.check()
					c.Empty = "no data to draw"
				} else {
					svg, err := b.Chart.SVG()
					if err != nil {
						return err
					}
					c.SVG = template.HTML(svg)
				}
				if n := len(vs.Blocks); n > 0 && vs.Blocks[n-1].Kind == "charts" {
					vs.Blocks[n-1].Charts = append(vs.Blocks[n-1].Charts, c)
					continue
				}
				vb.Kind, vb.Charts = "charts", []viewChart{c}
			}
			vs.Blocks = append(vs.Blocks, vb)
		}
		v.Sections = append(v.Sections, vs)
	}
	return page.Execute(w, v)
}

// Heading returns a column name as a table shows it: words, not
// snake_case ("rows_loaded" reads "rows loaded").
func Heading(column string) string { return strings.ReplaceAll(column, "_", " ") }

// longText is the length above which a cell is prose that gets a readable
// minimum width instead of a word per line.
const longText = 40

func tableView(t *Table) *viewTable {
	vt := &viewTable{Caption: t.Caption, Shown: len(t.Rows), Total: t.Total}
	for _, c := range t.Columns {
		vt.Columns = append(vt.Columns, Heading(c))
	}
	for _, r := range t.Rows {
		if len(r) > len(t.Columns) {
			panic(fmt.Sprintf("report: table %q: a row of %d cells for %d columns", t.Caption, len(r), len(t.Columns)))
		}
		cells := make([]viewCell, len(t.Columns))
		for k, v := range r {
			text := FormatValue(v)
			cells[k] = viewCell{Text: text, Num: numeric(v), Long: len(text) > longText}
			if col := t.Columns[k]; col == "severity" || col == "tier" {
				if _, ok := SeverityColors[text]; ok {
					cells[k].Class = "sev-" + text
				}
			}
		}
		vt.Rows = append(vt.Rows, cells)
	}
	return vt
}

func numeric(v any) bool {
	switch v.(type) {
	case int, int32, int64, uint64, float32, float64:
		return true
	}
	return false
}

// style is the page's only style sheet. The Content-Security-Policy of the
// page forbids every fetch and every script: the page is self-contained
// by construction, not only by convention.
var style = severityStyle + `
:root{--ink:#1d2330;--mute:#5b6475;--line:#d9dee7;--soft:#f4f6f9;--accent:#0072b2;--warn:#8a5a00;--warnbg:#fff6e0}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Liberation Sans",Arial,sans-serif;color:var(--ink);background:#fff}
header{padding:24px 32px 12px;border-bottom:1px solid var(--line);background:var(--soft)}
h1{margin:0 0 4px;font-size:26px}
.sub{margin:0;color:var(--mute)}
.gen{margin:4px 0 0;color:var(--mute);font-size:13px}
nav{padding:8px 32px;border-bottom:1px solid var(--line);font-size:14px}
nav a{color:var(--accent);text-decoration:none;margin-right:16px;white-space:nowrap}
main{padding:8px 32px 48px;max-width:1400px}
section{margin-top:28px}
h2{font-size:20px;border-bottom:2px solid var(--accent);padding-bottom:4px}
h3,h4,h5,h6{margin:18px 0 6px}
.note{background:var(--warnbg);color:var(--warn);border-left:4px solid #e69f00;padding:8px 12px;border-radius:4px}
.warnings{background:var(--warnbg);border-left:4px solid #d55e00;padding:8px 12px 8px 28px;margin:16px 0}
.figures{display:flex;flex-wrap:wrap;gap:12px;margin:12px 0}
.figure{border:1px solid var(--line);border-radius:8px;padding:10px 14px;min-width:170px;background:#fff}
.figure .label{color:var(--mute);font-size:13px}
.figure .value{font-size:22px;font-weight:600}
.figure .detail{color:var(--mute);font-size:12px}
.charts{display:flex;flex-wrap:wrap;gap:16px;margin:12px 0}
figure.chart{margin:0;border:1px solid var(--line);border-radius:8px;padding:6px;background:#fff}
figure.chart svg{display:block}
figure.chart .note{margin:0;min-width:300px}
.table{overflow-x:auto;max-width:100%;margin:12px 0;border:1px solid transparent}
table{border-collapse:collapse;font-size:13px}
td{white-space:nowrap}
td.long{white-space:normal;min-width:22em;max-width:40em}
caption{text-align:left;font-weight:600;padding:4px 0}
th,td{border:1px solid var(--line);padding:4px 8px;vertical-align:top;text-align:left}
th{background:var(--soft);position:sticky;top:0}
td.num{text-align:right;font-variant-numeric:tabular-nums}
tbody tr:nth-child(even){background:#fafbfc}
.more{color:var(--mute);font-size:12px;margin:4px 0}
details{margin:8px 0}
summary{color:var(--mute);font-size:13px;cursor:pointer}
pre{background:var(--soft);border:1px solid var(--line);border-radius:6px;padding:8px 12px;overflow-x:auto;font-size:13px}
code{font-family:ui-monospace,"DejaVu Sans Mono","Liberation Mono",monospace;font-size:13px}
p code,li code{background:var(--soft);padding:0 3px;border-radius:3px}
`

var page = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>` + style + `</style>
</head>
<body>
<header>
<h1>{{.Title}}</h1>
{{- if .Subtitle}}
<p class="sub">{{.Subtitle}}</p>
{{- end}}
{{- if .Generated}}
<p class="gen">Generated {{.Generated}}</p>
{{- end}}
</header>
{{- if gt (len .Sections) 1}}
<nav>{{range .Sections}}<a href="#{{.ID}}">{{.Title}}</a> {{end}}</nav>
{{- end}}
<main>
{{- if .Warnings}}
<ul class="warnings">{{range .Warnings}}<li>{{.}}</li>{{end}}</ul>
{{- end}}
{{- range .Sections}}
<section id="{{.ID}}">
<h2>{{.Title}}</h2>
{{- range .Blocks}}
{{- if eq .Kind "text"}}
<p>{{.Text}}</p>
{{- else if eq .Kind "note"}}
<p class="note">{{.Text}}</p>
{{- else if eq .Kind "markdown"}}
{{.HTML}}
{{- else if eq .Kind "figures"}}
<div class="figures">{{range .Figures}}
<div class="figure"><div class="label">{{.Label}}</div><div class="value">{{.Value}}</div>{{if .Detail}}<div class="detail">{{.Detail}}</div>{{end}}</div>{{end}}
</div>
{{- else if eq .Kind "code"}}
<details><summary>{{with .Code}}{{if .Lang}}{{.Lang}}{{else}}code{{end}}{{if .Line}} (line {{.Line}}){{end}}{{end}}</summary><pre><code>{{.Code.Text}}</code></pre></details>
{{- else if eq .Kind "table"}}
{{- with .Table}}
<div class="table"><table>
{{- if .Caption}}<caption>{{.Caption}}</caption>{{end}}
<thead><tr>{{range .Columns}}<th>{{.}}</th>{{end}}</tr></thead>
<tbody>
{{- range .Rows}}
<tr>{{range .}}<td{{if or .Num .Class .Long}} class="{{if .Num}}num{{end}}{{if .Long}}long{{end}}{{if .Class}} {{.Class}}{{end}}"{{end}}>{{.Text}}</td>{{end}}</tr>
{{- end}}
</tbody></table>
{{- if gt .Total .Shown}}
<p class="more">first {{.Shown}} of {{.Total}} rows</p>
{{- else if eq .Shown 0}}
<p class="more">no rows</p>
{{- end}}
</div>
{{- end}}
{{- else if eq .Kind "charts"}}
<div class="charts">
{{- range .Charts}}
<figure class="chart">{{if .SVG}}{{.SVG}}{{else}}<p class="note">{{.Title}}: {{.Empty}}</p>{{end}}</figure>
{{- end}}
</div>
{{- end}}
{{- end}}
</section>
{{- end}}
</main>
</body>
</html>
`))

// severityStyle tints severity and tier cells with SeverityColors.
var severityStyle = func() string {
	var names []string
	for n := range SeverityColors {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		c := SeverityColors[n]
		fmt.Fprintf(&b, "td.sev-%s{border-left:4px solid #%02x%02x%02x}\n", n, c.R, c.G, c.B)
	}
	return b.String()
}()
