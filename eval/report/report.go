package report

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"
)

// Document is a report or an executed notebook.
type Document struct {
	Title    string `json:"title"`
	Subtitle string `json:"subtitle,omitempty"`
	// Generated is when the document was made; zero omits it.
	Generated time.Time `json:"generated,omitzero"`
	// Warnings are shown above the first section.
	Warnings []string  `json:"warnings,omitempty"`
	Sections []Section `json:"sections"`
}

// Section is a titled part of a Document. ID, if set, is its anchor in the
// HTML table of contents (a stable name such as "policy").
type Section struct {
	ID     string  `json:"id,omitempty"`
	Title  string  `json:"title"`
	Blocks []Block `json:"blocks"`
}

// Block is one piece of a Section. Exactly one field is set.
type Block struct {
	// Text is a paragraph of plain text.
	Text string `json:"text,omitempty"`
	// Markdown is prose in a small Markdown subset (see the package doc).
	Markdown string `json:"markdown,omitempty"`
	// Note is a notice such as "no data yet: run rolemine outcomes".
	Note string `json:"note,omitempty"`
	// Figures are headline numbers shown as a row of cards.
	Figures []Figure `json:"figures,omitempty"`
	// Code is a listing, such as a notebook's SQL cell.
	Code *Code `json:"code,omitempty"`
	// Table is a table of values.
	Table *Table `json:"table,omitempty"`
	// Chart is a chart drawn as inline SVG.
	Chart *Chart `json:"chart,omitempty"`
}

// kind returns the name of the one field b sets; it panics unless exactly
// one is set.
func (b *Block) kind() string {
	var kinds []string
	if b.Text != "" {
		kinds = append(kinds, "text")
	}
	if b.Markdown != "" {
		kinds = append(kinds, "markdown")
	}
	if b.Note != "" {
		kinds = append(kinds, "note")
	}
	if b.Figures != nil {
		kinds = append(kinds, "figures")
	}
	if b.Code != nil {
		kinds = append(kinds, "code")
	}
	if b.Table != nil {
		kinds = append(kinds, "table")
	}
	if b.Chart != nil {
		kinds = append(kinds, "chart")
	}
	if len(kinds) != 1 {
		panic(fmt.Sprintf("report: a block sets %d kinds %v, want exactly one", len(kinds), kinds))
	}
	return kinds[0]
}

// Figure is one headline number: Value (already formatted, e.g.
// "97.8% [96.9%, 98.5%]") under Label, with an optional Detail line.
type Figure struct {
	Label  string `json:"label"`
	Value  string `json:"value"`
	Detail string `json:"detail,omitempty"`
}

// Code is a listing in a language (e.g. "sql"), with the line of the
// source it came from (0 if none).
type Code struct {
	Lang string `json:"lang,omitempty"`
	Text string `json:"text"`
	Line int    `json:"line,omitempty"`
}

// Table is a table of values. Each row has at most len(Columns) cells of
// type string, int, int64, float64, bool, time.Time, []byte or nil (other
// types are formatted with fmt). Total, when larger than len(Rows), is the
// number of rows the full result had, and the table says it shows only the
// first ones.
type Table struct {
	Caption string   `json:"caption,omitempty"`
	Columns []string `json:"columns"`
	Rows    [][]any  `json:"rows"`
	Total   int      `json:"total,omitempty"`
}

// Format is an output format of Write.
type Format string

// The output formats.
const (
	HTML     Format = "html"
	JSON     Format = "json"
	Markdown Format = "md"
)

// ParseFormat returns the format called s, or an error listing the known
// ones.
func ParseFormat(s string) (Format, error) {
	switch f := Format(s); f {
	case HTML, JSON, Markdown:
		return f, nil
	}
	return "", fmt.Errorf("unknown format %q: want html, json or md", s)
}

// Write writes d to w in format f.
func Write(w io.Writer, d *Document, f Format) error {
	switch f {
	case HTML:
		return d.WriteHTML(w)
	case JSON:
		return d.WriteJSON(w)
	case Markdown:
		return d.WriteMarkdown(w)
	}
	panic(fmt.Sprintf("report: unknown format %q", f))
}

// WriteJSON writes d as indented JSON. NaN and infinite numbers become
// null; times are RFC 3339.
func (d *Document) WriteJSON(w io.Writer) error {
	for k := range d.Sections {
		for j := range d.Sections[k].Blocks {
			d.Sections[k].Blocks[j].kind()
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(d)
}

// MarshalJSON writes the rows with NaN and infinities as null.
func (t *Table) MarshalJSON() ([]byte, error) {
	rows := make([][]any, len(t.Rows))
	for k, r := range t.Rows {
		rows[k] = make([]any, len(r))
		for j, v := range r {
			rows[k][j] = jsonValue(v)
		}
	}
	type plain Table // no MarshalJSON
	p := plain(*t)
	p.Rows = rows
	return json.Marshal(p)
}

func jsonValue(v any) any {
	switch x := v.(type) {
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil
		}
	case float32:
		return jsonValue(float64(x))
	case []byte:
		return string(x)
	}
	return v
}

// FormatValue formats a table cell as the HTML and Markdown outputs show
// it: floats with four significant digits (integral values without
// decimals), NaN as "–", nil as "", bool as yes or no, times as
// "2006-01-02 15:04" (UTC).
func FormatValue(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []byte:
		return string(x)
	case bool:
		if x {
			return "yes"
		}
		return "no"
	case int:
		return strconv.Itoa(x)
	case int32:
		return strconv.FormatInt(int64(x), 10)
	case int64:
		return strconv.FormatInt(x, 10)
	case uint64:
		return strconv.FormatUint(x, 10)
	case float32:
		return FormatValue(float64(x))
	case float64:
		switch {
		case math.IsNaN(x):
			return "–"
		case math.IsInf(x, 1):
			return "∞"
		case math.IsInf(x, -1):
			return "−∞"
		case x == math.Trunc(x) && math.Abs(x) < 1e15:
			return strconv.FormatFloat(x, 'f', 0, 64)
		case math.Abs(x) >= 1e4 && math.Abs(x) < 1e15:
			return strconv.FormatFloat(x, 'f', 1, 64)
		}
		return strconv.FormatFloat(x, 'g', 4, 64)
	case time.Time:
		if x.IsZero() {
			return ""
		}
		return x.UTC().Format("2006-01-02 15:04")
	}
	return fmt.Sprint(v)
}

// Percent formats a share in [0, 1] as a percentage with one decimal
// ("97.8%"), NaN as "–".
func Percent(x float64) string {
	if math.IsNaN(x) {
		return "–"
	}
	return strconv.FormatFloat(100*x, 'f', 1, 64) + "%"
}

// Interval formats a share with its interval: "97.8% [96.9%, 98.5%]".
func Interval(x, lo, hi float64) string {
	return Percent(x) + " [" + Percent(lo) + ", " + Percent(hi) + "]"
}
