package report

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"regexp"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
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
	// Diagonal draws the dashed y = x reference line.
	Diagonal bool `json:"diagonal,omitempty"`
	// XMin, XMax, YMin, YMax fix an axis range when Max > Min.
	XMin float64 `json:"x_min,omitempty"`
	XMax float64 `json:"x_max,omitempty"`
	YMin float64 `json:"y_min,omitempty"`
	YMax float64 `json:"y_max,omitempty"`
	// Legend places the legend: "top-right" (default), "top-left",
	// "bottom-right" or "bottom-left".
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

// palette is Okabe and Ito's colour-blind safe palette.
var palette = []color.RGBA{
	{0x00, 0x72, 0xb2, 0xff}, // blue
	{0xd5, 0x5e, 0x00, 0xff}, // vermillion
	{0x00, 0x9e, 0x73, 0xff}, // bluish green
	{0xcc, 0x79, 0xa7, 0xff}, // reddish purple
	{0xe6, 0x9f, 0x00, 0xff}, // orange
	{0x56, 0xb4, 0xe9, 0xff}, // sky blue
	{0x00, 0x00, 0x00, 0xff}, // black
	{0xf0, 0xe4, 0x42, 0xff}, // yellow
}

func colour(k int) color.RGBA { return palette[k%len(palette)] }

func faded(c color.RGBA) color.NRGBA { return color.NRGBA{c.R, c.G, c.B, 0x38} }

var svgSize = regexp.MustCompile(`<svg width="[^"]*" height="[^"]*"`)

// SVG draws the chart and returns a standalone <svg> element (no XML
// prolog) sized Width × Height CSS pixels. It returns an error if the
// chart has no finite point or plotting fails; it panics on misuse (see
// the package doc).
func (c *Chart) SVG() ([]byte, error) {
	c.check()
	if c.Empty() {
		return nil, fmt.Errorf("chart %q: no data", c.Title)
	}
	p := plot.New()
	sans(p)
	p.X.Tick.Marker, p.Y.Tick.Marker = wholeTicks{}, wholeTicks{}
	p.Title.Text = c.Title
	p.X.Label.Text = c.XLabel
	p.Y.Label.Text = c.YLabel
	p.Add(plotter.NewGrid())
	p.Legend.Top = !strings.HasPrefix(c.Legend, "bottom")
	p.Legend.Left = strings.HasSuffix(c.Legend, "left")
	var err error
	switch c.kind() {
	case Line, Scatter:
		err = c.addXY(p)
	case Bar:
		err = c.addBars(p)
	case Histogram:
		err = c.addHist(p)
	}
	if err != nil {
		return nil, fmt.Errorf("chart %q: %w", c.Title, err)
	}
	if c.XMax > c.XMin {
		p.X.Min, p.X.Max = c.XMin, c.XMax
	}
	if c.YMax > c.YMin {
		p.Y.Min, p.Y.Max = c.YMin, c.YMax
	}
	if c.Diagonal {
		lo, hi := max(p.X.Min, p.Y.Min), min(p.X.Max, p.Y.Max)
		if hi > lo {
			d, _ := plotter.NewLine(plotter.XYs{{X: lo, Y: lo}, {X: hi, Y: hi}})
			d.Color = color.Gray{0x99}
			d.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
			p.Add(d)
		}
	}
	for k, m := range c.Marks {
		if !finite(m.X) {
			continue
		}
		l, _ := plotter.NewLine(plotter.XYs{{X: m.X, Y: p.Y.Min}, {X: m.X, Y: p.Y.Max}})
		l.Color = color.Gray{0x33}
		l.Width = vg.Points(1.2)
		l.Dashes = [][]vg.Length{{vg.Points(6), vg.Points(3)}, {vg.Points(2), vg.Points(2)}, {vg.Points(8), vg.Points(2), vg.Points(2), vg.Points(2)}}[k%3]
		p.Add(l)
		p.Legend.Add(m.Label, l)
		p.X.Min, p.X.Max = min(p.X.Min, m.X), max(p.X.Max, m.X)
	}
	w, h := c.size()
	// One CSS pixel is 0.75 pt: the canvas is drawn in points and the
	// <svg> attributes are rewritten to pixels (the viewBox keeps points).
	canvas := vgsvg.New(vg.Length(float64(w)*0.75), vg.Length(float64(h)*0.75))
	p.Draw(draw.New(canvas))
	var buf bytes.Buffer
	if _, err := canvas.WriteTo(&buf); err != nil {
		return nil, err
	}
	out := buf.Bytes()
	if i := bytes.Index(out, []byte("<svg ")); i >= 0 {
		out = out[i:]
	}
	out = svgSize.ReplaceAll(out, fmt.Appendf(nil, `<svg class="chart" role="img" width="%d" height="%d"`, w, h))
	// Name fallbacks so a browser without the Liberation fonts picks a
	// similar face installed locally (nothing is ever downloaded).
	out = bytes.ReplaceAll(out, []byte("font-family:Liberation Sans;"), []byte("font-family:'Liberation Sans',Arial,Helvetica,sans-serif;"))
	return out, nil
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

func (c *Chart) addXY(p *plot.Plot) error {
	for k, s := range c.Series {
		col := colour(k)
		if s.Lower != nil {
			var top, bottom plotter.XYs
			for i := range s.X {
				if finite(s.X[i]) && finite(s.Lower[i]) && finite(s.Upper[i]) {
					top = append(top, plotter.XY{X: s.X[i], Y: s.Upper[i]})
					bottom = append(bottom, plotter.XY{X: s.X[i], Y: s.Lower[i]})
				}
			}
			if len(top) > 1 {
				ring := append(top, reversed(bottom)...)
				band, err := plotter.NewPolygon(ring)
				if err != nil {
					return err
				}
				band.Color = faded(col)
				band.LineStyle.Width = 0
				p.Add(band)
				p.Legend.Add(s.Name+" (interval)", band)
			}
		}
		var pts plotter.XYs
		for i := range s.X {
			if finite(s.X[i]) && finite(s.Y[i]) {
				pts = append(pts, plotter.XY{X: s.X[i], Y: s.Y[i]})
			}
		}
		if len(pts) == 0 {
			continue
		}
		if c.kind() == Scatter {
			sc, err := plotter.NewScatter(pts)
			if err != nil {
				return err
			}
			sc.GlyphStyle.Color = col
			sc.GlyphStyle.Radius = vg.Points(2.5)
			sc.GlyphStyle.Shape = draw.CircleGlyph{}
			p.Add(sc)
			p.Legend.Add(s.Name, sc)
			continue
		}
		l, err := plotter.NewLine(pts)
		if err != nil {
			return err
		}
		l.Color = col
		l.Width = vg.Points(1.5)
		p.Add(l)
		if len(pts) == 1 {
			sc, _ := plotter.NewScatter(pts)
			sc.GlyphStyle.Color = col
			sc.GlyphStyle.Shape = draw.CircleGlyph{}
			p.Add(sc)
		}
		p.Legend.Add(s.Name, l)
	}
	return nil
}

func reversed(xys plotter.XYs) plotter.XYs {
	out := make(plotter.XYs, len(xys))
	for k, v := range xys {
		out[len(xys)-1-k] = v
	}
	return out
}

func (c *Chart) addBars(p *plot.Plot) error {
	w, _ := c.size()
	n := max(1, len(c.Series))
	slot := vg.Length(float64(w)*0.75*0.8) / vg.Length(max(1, len(c.Categories)))
	bw := min(slot*0.8/vg.Length(n), vg.Points(40))
	for k, s := range c.Series {
		vals := make(plotter.Values, len(s.Y))
		for i, y := range s.Y {
			if finite(y) {
				vals[i] = y
			}
		}
		b, err := plotter.NewBarChart(vals, bw)
		if err != nil {
			return err
		}
		b.Color = colour(k)
		b.LineStyle.Width = 0
		b.Offset = bw * vg.Length(float64(k)-float64(n-1)/2)
		p.Add(b)
		if len(c.Series) > 1 || s.Name != "" {
			p.Legend.Add(s.Name, b)
		}
	}
	p.NominalX(c.Categories...)
	if len(c.Categories) > 8 {
		p.X.Tick.Label.Rotation = math.Pi / 4
		p.X.Tick.Label.XAlign = draw.XRight
		p.X.Tick.Label.YAlign = draw.YCenter
	}
	return nil
}

func (c *Chart) addHist(p *plot.Plot) error {
	bins := c.Bins
	if bins <= 0 {
		bins = 20
	}
	for k, s := range c.Series {
		var vals plotter.Values
		for _, x := range s.X {
			if finite(x) {
				vals = append(vals, x)
			}
		}
		if len(vals) == 0 {
			continue
		}
		h, err := plotter.NewHist(vals, bins)
		if err != nil {
			return err
		}
		col := colour(k)
		h.FillColor = color.NRGBA{col.R, col.G, col.B, 0xb0}
		h.LineStyle.Color = color.White
		p.Add(h)
		if len(c.Series) > 1 || s.Name != "" {
			p.Legend.Add(s.Name, h)
		}
	}
	return nil
}
