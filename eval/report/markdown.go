package report

import (
	"bufio"
	"fmt"
	"html"
	"html/template"
	"io"
	"regexp"
	"strings"
	"time"
)

// mdEscaper escapes what a Markdown renderer could take as HTML.
var mdEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// mdCell escapes a table cell: HTML, pipes and line breaks.
var mdCell = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "|", `\|`, "\r\n", " ", "\n", " ", "\r", " ")

// WriteMarkdown writes d as Markdown for pasting into a ticket: tables as
// pipe tables, charts as one line naming what they show (the HTML report
// has the pictures).
func (d *Document) WriteMarkdown(w io.Writer) error {
	bw := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(bw, format, args...) }
	p("# %s\n\n", mdEscaper.Replace(d.Title))
	if d.Subtitle != "" {
		p("%s\n\n", mdEscaper.Replace(d.Subtitle))
	}
	if !d.Generated.IsZero() {
		p("_Generated %s_\n\n", d.Generated.UTC().Format(time.RFC3339))
	}
	for _, s := range d.Warnings {
		p("> **Warning:** %s\n\n", mdEscaper.Replace(s))
	}
	for _, s := range d.Sections {
		p("## %s\n\n", mdEscaper.Replace(s.Title))
		for j := range s.Blocks {
			b := &s.Blocks[j]
			switch b.kind() {
			case "text":
				p("%s\n\n", mdEscaper.Replace(b.Text))
			case "markdown":
				p("%s\n\n", mdEscaper.Replace(strings.TrimSpace(b.Markdown)))
			case "note":
				p("> **Note:** %s\n\n", mdEscaper.Replace(b.Note))
			case "figures":
				for _, f := range b.Figures {
					p("- **%s:** %s", mdEscaper.Replace(f.Label), mdEscaper.Replace(f.Value))
					if f.Detail != "" {
						p(" (%s)", mdEscaper.Replace(f.Detail))
					}
					p("\n")
				}
				p("\n")
			case "code":
				p("```%s\n%s\n```\n\n", b.Code.Lang, strings.TrimRight(strings.ReplaceAll(b.Code.Text, "```", "` ` `"), "\n"))
			case "table":
				writeMarkdownTable(p, b.Table)
			case "chart":
				p("%s\n\n", chartLine(b.Chart))
			}
		}
	}
	return bw.Flush()
}

func writeMarkdownTable(p func(string, ...any), t *Table) {
	if t.Caption != "" {
		p("**%s**\n\n", mdEscaper.Replace(t.Caption))
	}
	if len(t.Columns) == 0 {
		return
	}
	p("|")
	for _, c := range t.Columns {
		p(" %s |", mdCell.Replace(Heading(c)))
	}
	p("\n|")
	for range t.Columns {
		p("---|")
	}
	p("\n")
	for _, r := range t.Rows {
		if len(r) > len(t.Columns) {
			panic(fmt.Sprintf("report: table %q: a row of %d cells for %d columns", t.Caption, len(r), len(t.Columns)))
		}
		p("|")
		for k := range t.Columns {
			var v any
			if k < len(r) {
				v = r[k]
			}
			p(" %s |", mdCell.Replace(FormatValue(v)))
		}
		p("\n")
	}
	switch {
	case t.Total > len(t.Rows):
		p("\n_first %d of %d rows_\n", len(t.Rows), t.Total)
	case len(t.Rows) == 0:
		p("\n_no rows_\n")
	}
	p("\n")
}

// chartLine describes a chart in one line of Markdown.
func chartLine(c *Chart) string {
	c.check()
	var parts []string
	for _, s := range c.Series {
		n := len(s.Y)
		if c.kind() == Histogram {
			n = len(s.X)
		}
		name := s.Name
		if name == "" {
			name = "values"
		}
		parts = append(parts, fmt.Sprintf("%s (%d points)", name, n))
	}
	for _, m := range c.Marks {
		parts = append(parts, fmt.Sprintf("%s at %s", m.Label, FormatValue(m.X)))
	}
	line := fmt.Sprintf("_Chart (%s): %s", c.kind(), c.Title)
	if c.Empty() {
		return mdEscaper.Replace(line + ": no data_")
	}
	return mdEscaper.Replace(line + " — " + strings.Join(parts, "; ") + " (see the HTML report)_")
}

var (
	mdHeading = regexp.MustCompile(`^(#{1,6})\s+(.*)$`)
	mdBullet  = regexp.MustCompile(`^\s*[-*+]\s+(.*)$`)
	mdNumber  = regexp.MustCompile(`^\s*\d+[.)]\s+(.*)$`)
	mdStrong  = regexp.MustCompile(`\*\*([^*]+)\*\*`)
	mdEm      = regexp.MustCompile(`(^|[^\w*])[*_]([^*_\s][^*_]*)[*_]`)
)

// markdownHTML converts prose in a small Markdown subset to HTML: ATX
// headings (level n becomes h(n+2), at most h6, below the page's h1 and
// the sections' h2), paragraphs, bullet and numbered lists, fenced code,
// **strong**, *emphasis* and `code`. Everything is escaped first: raw HTML
// shows as text and links stay text.
func markdownHTML(src string) template.HTML {
	var b strings.Builder
	var para []string
	list := ""
	flush := func() {
		if len(para) > 0 {
			b.WriteString("<p>" + inline(strings.Join(para, " ")) + "</p>\n")
			para = nil
		}
	}
	closeList := func() {
		if list != "" {
			b.WriteString("</" + list + ">\n")
			list = ""
		}
	}
	lines := strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n")
	for k := 0; k < len(lines); k++ {
		line := lines[k]
		trim := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(trim, "```"):
			flush()
			closeList()
			var code []string
			for k++; k < len(lines) && !strings.HasPrefix(strings.TrimSpace(lines[k]), "```"); k++ {
				code = append(code, lines[k])
			}
			b.WriteString("<pre><code>" + html.EscapeString(strings.Join(code, "\n")) + "</code></pre>\n")
		case trim == "":
			flush()
			closeList()
		case mdHeading.MatchString(trim):
			flush()
			closeList()
			m := mdHeading.FindStringSubmatch(trim)
			level := min(len(m[1])+2, 6)
			fmt.Fprintf(&b, "<h%d>%s</h%d>\n", level, inline(m[2]), level)
		case mdBullet.MatchString(line) || mdNumber.MatchString(line):
			flush()
			kind, m := "ul", mdBullet.FindStringSubmatch(line)
			if m == nil {
				kind, m = "ol", mdNumber.FindStringSubmatch(line)
			}
			if list != kind {
				closeList()
				b.WriteString("<" + kind + ">\n")
				list = kind
			}
			b.WriteString("<li>" + inline(m[1]) + "</li>\n")
		case list != "" && (strings.HasPrefix(line, "  ") || strings.HasPrefix(line, "\t")):
			// a continuation line of the last list item
			s := b.String()
			if i := strings.LastIndex(s, "</li>"); i >= 0 {
				b.Reset()
				b.WriteString(s[:i] + " " + inline(trim) + s[i:])
			}
		default:
			closeList()
			para = append(para, strings.TrimPrefix(trim, "> "))
		}
	}
	flush()
	closeList()
	return template.HTML(b.String())
}

// inline escapes s and renders its code spans, strong and emphasis.
func inline(s string) string {
	parts := strings.Split(s, "`")
	var b strings.Builder
	for k, part := range parts {
		if k%2 == 1 && k < len(parts)-1 {
			b.WriteString("<code>" + html.EscapeString(part) + "</code>")
			continue
		}
		if k%2 == 1 { // an unmatched backtick
			b.WriteString("`")
		}
		t := html.EscapeString(part)
		t = mdStrong.ReplaceAllString(t, "<strong>$1</strong>")
		t = mdEm.ReplaceAllString(t, "$1<em>$2</em>")
		b.WriteString(t)
	}
	return b.String()
}
