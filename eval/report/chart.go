package report

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"regexp"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Kind is the kind of a Chart.
type Kind string

// The chart kinds.
const (
	// Line joins each series' points in the order given.
	Line Kind = "line"
	// Scatter draws each point as a dot.
	Scatter Kind = "scatter"
	// Bar draws, for each of Chart.Categories, one bar per series (Y[i]
	// is the bar of Categories[i]; X is unused).
	Bar Kind = "bar"
	// Histogram bins each series' X values into Chart.Bins equal-width
	// bins and draws the counts.
	Histogram Kind = "histogram"
)

// Default chart size in CSS pixels.
const (
	DefaultWidth  = 640
	DefaultHeight = 360
)

// Chart is a chart of one or more series.
type Chart struct {
	Title          string `json:"title"`
	Kind           Kind   `json:"kind"` // Line when empty
	XLabel, YLabel string
	Series         []Series `json:"series"`
	// Categories are the x categories of a Bar chart.
	Categories []string `json:"categories,omitempty"`
	// Bins is the number of bins of a Histogram (20 when zero).
	Bins int `json:"bins,omitempty"`
	// Marks are labelled vertical lines, such as chosen thresholds.
	Marks []Mark `json:"marks,omitempty"`
	// Rules are labelled horizontal lines, such as a tolerance.
	Rules []Rule `json:"rules,omitempty"`
	// Diagonal draws the dashed y = x reference line.
	Diagonal bool `json:"diagonal,omitempty"`
	// LogX puts a Histogram's values in bins of powers of two on a
	// logarithmic axis (values below 1 are left out) and labels each
	// bar with its count.
	LogX bool `json:"log_x,omitempty"`
	// XTime reads x values as Unix seconds and labels the axis with
	// dates.
	XTime bool `json:"x_time,omitempty"`
	// MinN is the fewest observations (Series.N) a point needs to count:
	// points with fewer are drawn grey and the line skips them.
	MinN float64 `json:"min_n,omitempty"`
	// XMin, XMax, YMin, YMax fix an axis range when Max > Min.
	XMin float64 `json:"x_min,omitempty"`
	XMax float64 `json:"x_max,omitempty"`
	YMin float64 `json:"y_min,omitempty"`
	YMax float64 `json:"y_max,omitempty"`
	// Legend places the legend, always right of the data area so that it
	// never covers data: at the top ("top-right", "top-left", the
	// default) or at the bottom ("bottom-right", "bottom-left").
	Legend string `json:"legend,omitempty"`
	// Width and Height in CSS pixels; DefaultWidth and DefaultHeight when
	// zero.
	Width  int `json:"width,omitempty"`
	Height int `json:"height,omitempty"`
}

// Series is one named set of points. Lower and Upper, when set, are a band
// around Y (a confidence interval) drawn shaded; they must be as long as Y.
type Series struct {
	Name  string    `json:"name"`
	X     []float64 `json:"x,omitempty"`
	Y     []float64 `json:"y,omitempty"`
	Lower []float64 `json:"lower,omitempty"`
	Upper []float64 `json:"upper,omitempty"`
	// N, when set, is as long as Y: the observations behind each point
	// of a Line or Scatter, drawn as the area of its dot (see MinN).
	N []float64 `json:"n,omitempty"`
}

// Rule is a labelled horizontal line at Y.
type Rule struct {
	Y     float64 `json:"y"`
	Label string  `json:"label"`
}

// Mark is a labelled vertical line at X.
type Mark struct {
	X     float64 `json:"x"`
	Label string  `json:"label"`
}

// size returns the chart's size in CSS pixels.
func (c *Chart) size() (w, h int) {
	w, h = c.Width, c.Height
	if w <= 0 {
		w = DefaultWidth
	}
	if h <= 0 {
		h = DefaultHeight
	}
	return w, h
}

func (c *Chart) kind() Kind {
	if c.Kind == "" {
		return Line
	}
	return c.Kind
}

// check panics on misuse: series slices that are not parallel.
func (c *Chart) check() {
	switch c.kind() {
	case Line, Scatter, Bar, Histogram:
	default:
		panic(fmt.Sprintf("report: chart %q: unknown kind %q", c.Title, c.Kind))
	}
	for _, s := range c.Series {
		switch c.kind() {
		case Line, Scatter:
			if len(s.X) != len(s.Y) {
				panic(fmt.Sprintf("report: chart %q series %q: %d x but %d y", c.Title, s.Name, len(s.X), len(s.Y)))
			}
		case Bar:
			if len(s.Y) != len(c.Categories) {
				panic(fmt.Sprintf("report: chart %q series %q: %d bars for %d categories", c.Title, s.Name, len(s.Y), len(c.Categories)))
			}
		}
		if s.N != nil && len(s.N) != len(s.Y) {
			panic(fmt.Sprintf("report: chart %q series %q: %d counts for %d points", c.Title, s.Name, len(s.N), len(s.Y)))
		}
		if (s.Lower != nil || s.Upper != nil) && (len(s.Lower) != len(s.Y) || len(s.Upper) != len(s.Y)) {
			panic(fmt.Sprintf("report: chart %q series %q: band of %d and %d for %d points", c.Title, s.Name, len(s.Lower), len(s.Upper), len(s.Y)))
		}
	}
}

// Empty reports whether the chart has no finite point to draw.
func (c *Chart) Empty() bool {
	for _, s := range c.Series {
		switch c.kind() {
		case Bar:
			for _, y := range s.Y {
				if finite(y) {
					return false
				}
			}
		case Histogram:
			for _, x := range s.X {
				if finite(x) {
					return false
				}
			}
		default:
			for k := range s.X {
				if finite(s.X[k]) && finite(s.Y[k]) {
					return false
				}
			}
		}
	}
	return true
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// palette is Okabe and Ito's colour-blind safe palette without the colours
// of SeverityColors, for series that are not named by a severity.
var palette = []color.RGBA{
	{0x00, 0x72, 0xb2, 0xff}, // blue
	{0x00, 0x9e, 0x73, 0xff}, // bluish green
	{0xcc, 0x79, 0xa7, 0xff}, // reddish purple
	{0x8c, 0x6b, 0xb1, 0xff}, // violet
	{0xf0, 0xe4, 0x42, 0xff}, // yellow
	{0x00, 0x00, 0x00, 0xff}, // black
}

// SeverityColors are the colours of the severities of hygiene findings and
// of the risk tiers, one palette for every chart and table of the report
// and the notebooks (and the review pages, which use the same values): a
// series named by one of these words is drawn in its colour; a table cell
// of a "severity" or "tier" column holding one is tinted with it.
var SeverityColors = map[string]color.RGBA{
	"critical": {0xa4, 0x00, 0x00, 0xff}, // dark red
	"high":     {0xd5, 0x5e, 0x00, 0xff}, // vermillion
	"medium":   {0xe6, 0x9f, 0x00, 0xff}, // orange
	"low":      {0x56, 0xb4, 0xe9, 0xff}, // sky blue
	"info":     {0x99, 0x99, 0x99, 0xff}, // grey
	"notice":   {0xbb, 0xbb, 0xbb, 0xff}, // light grey
}

// colours returns the colour of each series: its severity colour when it
// is named by a severity, else the next colour of the palette.
func (c *Chart) colours() []color.RGBA {
	out := make([]color.RGBA, len(c.Series))
	k := 0
	for i, s := range c.Series {
		if col, ok := SeverityColors[s.Name]; ok {
			out[i] = col
			continue
		}
		out[i] = palette[k%len(palette)]
		k++
	}
	return out
}

func faded(c color.RGBA) color.NRGBA { return color.NRGBA{c.R, c.G, c.B, 0x38} }

// small is the colour of points that stand for too few observations.
var small = color.RGBA{0xb0, 0xb0, 0xb0, 0xff}

var svgSize = regexp.MustCompile(`<svg width="[^"]*" height="[^"]*"`)

// SVG draws the chart and returns a standalone <svg> element (no XML
// prolog) sized Width × Height CSS pixels. It returns an error if the
// chart has no finite point or plotting fails; it panics on misuse (see
// the package doc). The <path> elements of data marks carry class="mark",
// those of the legend class="legend", and the <svg> element the data
// area as data-plot="X Y W H" in CSS pixels from its top left corner.
func (c *Chart) SVG() ([]byte, error) {
	out, _, err := c.render()
	return out, err
}

// Defects draws the chart and lists what a reader would see as broken: a
// bar, point or line outside the data area, two texts whose boxes overlap,
// a legend over the data area, anything outside the chart. A sound chart
// has none. The error is SVG's.
func (c *Chart) Defects() ([]string, error) {
	_, pr, err := c.render()
	if err != nil {
		return nil, err
	}
	w, h := c.size()
	return pr.defects(float64(w)*0.75, float64(h)*0.75), nil
}

// render draws the chart on a probe over an SVG canvas: one CSS pixel is
// 0.75 pt, the canvas is drawn in points and the <svg> attributes are
// rewritten to pixels (the viewBox keeps points).
func (c *Chart) render() ([]byte, *probe, error) {
	c.check()
	if c.Empty() {
		return nil, nil, fmt.Errorf("chart %q: no data", c.Title)
	}
	w, h := c.size()
	W, H := vg.Length(float64(w)*0.75), vg.Length(float64(h)*0.75)
	canvas := vgsvg.New(W, H)
	pr := newProbe(canvas)
	d := &drawing{chart: c, plot: plot.New(), probe: pr, legend: plot.NewLegend(), colours: c.colours()}
	if err := d.build(); err != nil {
		return nil, nil, fmt.Errorf("chart %q: %w", c.Title, err)
	}
	d.draw(draw.NewCanvas(pr, W, H))
	var buf bytes.Buffer
	if _, err := canvas.WriteTo(&buf); err != nil {
		return nil, nil, err
	}
	out := buf.Bytes()
	if i := bytes.Index(out, []byte("<svg ")); i >= 0 {
		out = out[i:]
	}
	out = pr.annotate(out)
	out = svgSize.ReplaceAll(out, fmt.Appendf(nil, `<svg class="chart" role="img" width="%d" height="%d" %s`, w, h, pr.plotAttr(H.Points(), 4.0/3)))
	// Name fallbacks so a browser without the Liberation fonts picks a
	// similar face installed locally (nothing is ever downloaded).
	out = bytes.ReplaceAll(out, []byte("font-family:Liberation Sans;"), []byte("font-family:'Liberation Sans',Arial,Helvetica,sans-serif;"))
	return out, pr, nil
}

// wholeTicks are gonum/plot's default ticks, labelled without decimals
// when every labelled tick is a whole number (counts read "25", not
// "25.00").
type wholeTicks struct{}

// Ticks returns the ticks of [min, max].
func (wholeTicks) Ticks(min, max float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(min, max)
	for _, t := range ticks {
		if t.Label != "" && t.Value != math.Trunc(t.Value) {
			return ticks
		}
	}
	for k, t := range ticks {
		if t.Label != "" {
			ticks[k].Label = strconv.FormatFloat(t.Value, 'f', 0, 64)
		}
	}
	return ticks
}

// sans sets every text of p in Liberation Sans.
func sans(p *plot.Plot) {
	for _, f := range []*font.Variant{&p.Title.TextStyle.Font.Variant, &p.X.Label.TextStyle.Font.Variant, &p.Y.Label.TextStyle.Font.Variant,
		&p.X.Tick.Label.Font.Variant, &p.Y.Tick.Label.Font.Variant, &p.Legend.TextStyle.Font.Variant} {
		*f = "Sans"
	}
	p.Title.TextStyle.Font.Size = vg.Points(12)
	p.Legend.TextStyle.Font.Size = vg.Points(9)
	p.X.Label.TextStyle.Font.Size = vg.Points(10)
	p.Y.Label.TextStyle.Font.Size = vg.Points(10)
	p.Title.Padding = vg.Points(6)
}
