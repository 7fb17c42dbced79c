package report

import (
	"image/color"
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// drawing is one chart being drawn: the plot, whose plotters are all
// wrapped so that the probe records them as data marks, and the legend,
// drawn apart in a strip right of the data area.
type drawing struct {
	chart   *Chart
	plot    *plot.Plot
	probe   *probe
	legend  plot.Legend
	colours []color.RGBA
	// weakShown is set once the legend explains the grey points.
	weakShown bool
}

// add adds plotters to the plot as data marks.
func (d *drawing) add(ps ...plot.Plotter) {
	for _, p := range ps {
		d.plot.Add(dataPlotter{Plotter: p, probe: d.probe})
	}
}

// build sets the plot up and adds every plotter and legend entry.
func (d *drawing) build() error {
	c, p := d.chart, d.plot
	sans(p)
	d.legend.TextStyle = p.Legend.TextStyle
	d.legend.Top = !strings.HasPrefix(c.Legend, "bottom")
	d.legend.Left = true
	d.legend.Padding = vg.Points(2.5) // names of font-size height apart
	p.X.Tick.Marker, p.Y.Tick.Marker = wholeTicks{}, wholeTicks{}
	if c.XTime {
		p.X.Tick.Marker = plot.TimeTicks{Ticker: dayTicks{}, Format: "2006-01-02"}
	}
	p.Title.Text = c.Title
	p.X.Label.Text = c.XLabel
	p.Y.Label.Text = c.YLabel
	d.add(plotter.NewGrid())
	var err error
	switch c.kind() {
	case Line, Scatter:
		err = d.addXY()
	case Bar:
		d.addBars()
	case Histogram:
		err = d.addHist()
	}
	if err != nil {
		return err
	}
	if c.XMax > c.XMin {
		p.X.Min, p.X.Max = c.XMin, c.XMax
	}
	if c.YMax > c.YMin {
		p.Y.Min, p.Y.Max = c.YMin, c.YMax
	}
	d.addReferences()
	return nil
}

// addReferences draws the diagonal, the vertical marks and the
// horizontal rules.
func (d *drawing) addReferences() {
	c, p := d.chart, d.plot
	if c.Diagonal {
		lo, hi := max(p.X.Min, p.Y.Min), min(p.X.Max, p.Y.Max)
		if hi > lo {
			l, _ := plotter.NewLine(plotter.XYs{{X: lo, Y: lo}, {X: hi, Y: hi}})
			l.Color = color.Gray{0x99}
			l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
			d.add(l)
		}
	}
	dashes := [][]vg.Length{{vg.Points(6), vg.Points(3)}, {vg.Points(2), vg.Points(2)}, {vg.Points(8), vg.Points(2), vg.Points(2), vg.Points(2)}}
	for k, m := range c.Marks {
		if !finite(m.X) {
			continue
		}
		p.X.Min, p.X.Max = min(p.X.Min, m.X), max(p.X.Max, m.X)
		l, _ := plotter.NewLine(plotter.XYs{{X: m.X, Y: p.Y.Min}, {X: m.X, Y: p.Y.Max}})
		l.Color = color.Gray{0x33}
		l.Width = vg.Points(1.2)
		l.Dashes = dashes[k%3]
		d.add(l)
		d.legend.Add(m.Label, l)
	}
	for k, r := range c.Rules {
		if !finite(r.Y) {
			continue
		}
		p.Y.Min, p.Y.Max = min(p.Y.Min, r.Y), max(p.Y.Max, r.Y)
		l, _ := plotter.NewLine(plotter.XYs{{X: p.X.Min, Y: r.Y}, {X: p.X.Max, Y: r.Y}})
		l.Color = color.RGBA{0xa4, 0x00, 0x00, 0xff}
		l.Width = vg.Points(1.2)
		l.Dashes = dashes[k%3]
		d.add(l)
		d.legend.Add(r.Label, l)
	}
}

// legendGap is the space between the data area and the legend strip.
const legendGap = vg.Length(8)

// draw draws the plot on c, leaving a strip on the right for the legend,
// and then the legend in that strip, level with the data area.
func (d *drawing) draw(c draw.Canvas) {
	var lw vg.Length
	if d.hasLegend() {
		r := d.legend.Rectangle(c)
		lw = r.Max.X - r.Min.X
	}
	plotC := c
	if lw > 0 {
		plotC = draw.Crop(c, 0, -(lw + 2*legendGap), 0, 0)
	}
	d.plot.Draw(plotC)
	if lw == 0 {
		return
	}
	area := d.probe.plot
	legC := draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{
		Min: vg.Point{X: c.Max.X - lw - legendGap, Y: vg.Length(area.y0)},
		Max: vg.Point{X: c.Max.X - legendGap/2, Y: vg.Length(area.y1)},
	}}
	d.probe.role = roleLegend
	d.legend.Draw(legC)
	d.probe.role = roleFrame
}

func (d *drawing) hasLegend() bool {
	r := d.legend.Rectangle(draw.Canvas{})
	return r.Max.X > r.Min.X
}

func (d *drawing) addXY() error {
	c := d.chart
	for k, s := range c.Series {
		col := d.colours[k]
		if s.Lower != nil {
			if err := d.addBand(s, col); err != nil {
				return err
			}
		}
		var pts plotter.XYs
		var ns []float64
		for i := range s.X {
			if finite(s.X[i]) && finite(s.Y[i]) {
				pts = append(pts, plotter.XY{X: s.X[i], Y: s.Y[i]})
				if s.N != nil {
					ns = append(ns, s.N[i])
				}
			}
		}
		if len(pts) == 0 {
			continue
		}
		if s.N != nil {
			if err := d.addCounted(s.Name, pts, ns, col); err != nil {
				return err
			}
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
			d.add(sc)
			d.legend.Add(s.Name, sc)
			continue
		}
		l, err := plotter.NewLine(pts)
		if err != nil {
			return err
		}
		l.Color = col
		l.Width = vg.Points(1.5)
		d.add(l)
		if len(pts) == 1 {
			sc, _ := plotter.NewScatter(pts)
			sc.GlyphStyle.Color = col
			sc.GlyphStyle.Shape = draw.CircleGlyph{}
			d.add(sc)
		}
		d.legend.Add(s.Name, l)
	}
	return nil
}

func (d *drawing) addBand(s Series, col color.RGBA) error {
	var top, bottom plotter.XYs
	for i := range s.X {
		if finite(s.X[i]) && finite(s.Lower[i]) && finite(s.Upper[i]) {
			top = append(top, plotter.XY{X: s.X[i], Y: s.Upper[i]})
			bottom = append(bottom, plotter.XY{X: s.X[i], Y: s.Lower[i]})
		}
	}
	if len(top) < 2 {
		return nil
	}
	band, err := plotter.NewPolygon(append(top, reversed(bottom)...))
	if err != nil {
		return err
	}
	band.Color = faded(col)
	band.LineStyle.Width = 0
	d.add(band)
	d.legend.Add(s.Name+" (interval)", band)
	return nil
}

// maxRadius is the radius of the dot of the point with the most
// observations; it stays within the axis padding.
const maxRadius = 4.5

// addCounted draws points whose dots grow with their observations ns:
// points with at least MinN are joined by a line (Line charts) in col,
// the others are grey and stand alone.
func (d *drawing) addCounted(name string, pts plotter.XYs, ns []float64, col color.RGBA) error {
	c := d.chart
	top := 0.0
	for _, n := range ns {
		top = max(top, n)
	}
	var kept plotter.XYs
	weak := false
	for i, pt := range pts {
		if ns[i] >= c.MinN {
			kept = append(kept, pt)
		} else {
			weak = true
		}
	}
	if c.kind() == Line && len(kept) > 1 {
		l, err := plotter.NewLine(kept)
		if err != nil {
			return err
		}
		l.Color, l.Width = col, vg.Points(1.5)
		d.add(l)
	}
	sc, err := plotter.NewScatter(pts)
	if err != nil {
		return err
	}
	sc.GlyphStyleFunc = func(i int) draw.GlyphStyle {
		g := draw.GlyphStyle{Color: col, Shape: draw.CircleGlyph{}, Radius: vg.Points(1.2 + (maxRadius-1.2)*math.Sqrt(ns[i]/max(top, 1)))}
		if ns[i] < c.MinN {
			g.Color = small
		}
		return g
	}
	d.add(sc)
	d.legend.Add(name, swatch{col})
	if weak && !d.weakShown {
		d.legend.Add("fewer than "+FormatValue(c.MinN)+" (grey)", swatch{small})
		d.weakShown = true
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

// addBars draws each category's bars side by side within its slot of
// width 1 (the bars of one category span 0.8 of it), as rectangles in data
// coordinates, so that they stay inside the axes whatever their number.
func (d *drawing) addBars() {
	c, p := d.chart, d.plot
	n := max(1, len(c.Series))
	const group = 0.8
	bw := group / float64(n)
	top := 0.0
	for k, s := range c.Series {
		for i, y := range s.Y {
			if !finite(y) || y == 0 {
				continue
			}
			x0 := float64(i) - group/2 + float64(k)*bw
			poly, _ := plotter.NewPolygon(plotter.XYs{{X: x0, Y: 0}, {X: x0 + bw, Y: 0}, {X: x0 + bw, Y: y}, {X: x0, Y: y}})
			poly.Color = d.colours[k]
			poly.LineStyle.Width = 0
			d.add(poly)
			top = max(top, y)
		}
		if len(c.Series) > 1 || s.Name != "" {
			d.legend.Add(s.Name, swatch{d.colours[k]})
		}
	}
	p.NominalX(c.Categories...)
	p.X.Min, p.X.Max = -0.5, float64(len(c.Categories))-0.5
	p.Y.Min = min(p.Y.Min, 0)
	if top == 0 && p.Y.Max <= 0 {
		p.Y.Max = 1
	}
	d.fitCategoryLabels()
}

// fitCategoryLabels turns the category labels upright when they are wider
// than their slots, and labels only every k-th category when even upright
// labels would touch.
func (d *drawing) fitCategoryLabels() {
	c, p := d.chart, d.plot
	w, _ := c.size()
	lw := vg.Length(0)
	if d.hasLegend() {
		r := d.legend.Rectangle(draw.Canvas{})
		lw = r.Max.X - r.Min.X + 2*legendGap
	}
	slot := (vg.Length(float64(w)*0.75) - lw - vg.Points(60)) / vg.Length(max(1, len(c.Categories)))
	widest := vg.Length(0)
	for _, cat := range c.Categories {
		widest = max(widest, p.X.Tick.Label.Width(cat))
	}
	if widest <= slot*0.9 {
		return
	}
	p.X.Tick.Label.Rotation = math.Pi / 2
	p.X.Tick.Label.XAlign = draw.XRight
	p.X.Tick.Label.YAlign = draw.YCenter
	ext := p.X.Tick.Label.FontExtents()
	height := ext.Ascent + ext.Descent
	every := int(math.Ceil(float64(height*1.2) / float64(slot)))
	if every <= 1 {
		return
	}
	var ticks []plot.Tick
	for i, cat := range c.Categories {
		if i%every == 0 {
			ticks = append(ticks, plot.Tick{Value: float64(i), Label: cat})
		}
	}
	p.X.Tick.Marker = plot.ConstantTicks(ticks)
}

func (d *drawing) addHist() error {
	c := d.chart
	if c.LogX {
		return d.addLogHist()
	}
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
		col := d.colours[k]
		h.FillColor = color.NRGBA{col.R, col.G, col.B, 0xb0}
		h.LineStyle.Color = color.White
		d.add(h)
		if len(c.Series) > 1 || s.Name != "" {
			d.legend.Add(s.Name, h)
		}
	}
	return nil
}

// addLogHist bins the values of the first series into [2^k, 2^(k+1)) and
// draws each bin with its count above it, on a logarithmic x axis.
func (d *drawing) addLogHist() error {
	c, p := d.chart, d.plot
	counts := map[int]float64{}
	lo, hi := math.MaxInt, math.MinInt
	for _, s := range c.Series[:1] {
		for _, x := range s.X {
			if !finite(x) || x < 1 {
				continue
			}
			k := int(math.Floor(math.Log2(x)))
			counts[k]++
			lo, hi = min(lo, k), max(hi, k)
		}
	}
	if len(counts) == 0 {
		p.X.Min, p.X.Max = 1, 2
		return nil
	}
	col := d.colours[0]
	var labels plotter.XYLabels
	top := 0.0
	for k := lo; k <= hi; k++ {
		n := counts[k]
		x0, x1 := math.Ldexp(1, k), math.Ldexp(1, k+1)
		if n > 0 {
			poly, _ := plotter.NewPolygon(plotter.XYs{{X: x0, Y: 0}, {X: x1, Y: 0}, {X: x1, Y: n}, {X: x0, Y: n}})
			poly.Color = color.NRGBA{col.R, col.G, col.B, 0xb0}
			poly.LineStyle.Color, poly.LineStyle.Width = color.White, vg.Points(0.5)
			d.add(poly)
			labels.XYs = append(labels.XYs, plotter.XY{X: math.Sqrt(x0 * x1), Y: n})
			labels.Labels = append(labels.Labels, strconv.FormatFloat(n, 'f', 0, 64))
		}
		top = max(top, n)
	}
	p.X.Scale, p.X.Tick.Marker = plot.LogScale{}, powerTicks{}
	p.X.Min, p.X.Max = math.Ldexp(1, lo), math.Ldexp(1, hi+1)
	p.Y.Min, p.Y.Max = 0, top*1.15
	l, err := plotter.NewLabels(labels)
	if err != nil {
		return err
	}
	for i := range l.TextStyle {
		l.TextStyle[i].Font.Size = vg.Points(7)
		l.TextStyle[i].Font.Variant = "Sans"
		l.TextStyle[i].XAlign = draw.XCenter
	}
	l.Offset = vg.Point{Y: vg.Points(2)}
	d.add(l)
	return nil
}

// powerTicks labels the powers of two of a logarithmic axis, every other
// one when there are more than eight.
type powerTicks struct{}

func (powerTicks) Ticks(min, max float64) []plot.Tick {
	lo, hi := int(math.Floor(math.Log2(min))), int(math.Ceil(math.Log2(max)))
	step := 1
	if hi-lo > 8 {
		step = 2
	}
	var ticks []plot.Tick
	for k := lo; k <= hi; k++ {
		t := plot.Tick{Value: math.Ldexp(1, k)}
		if (k-lo)%step == 0 {
			t.Label = strconv.FormatFloat(t.Value, 'f', 0, 64)
		}
		ticks = append(ticks, t)
	}
	return ticks
}

// dayTicks are gonum/plot's default ticks rounded to whole days, for a
// time axis in Unix seconds.
type dayTicks struct{}

func (dayTicks) Ticks(min, max float64) []plot.Tick {
	const day = 86400
	var out []plot.Tick
	for _, t := range (plot.DefaultTicks{}).Ticks(min/day, max/day) {
		if t.Label == "" || t.Value != math.Trunc(t.Value) {
			continue
		}
		out = append(out, plot.Tick{Value: t.Value * day, Label: t.Label})
	}
	if len(out) == 0 {
		out = append(out, plot.Tick{Value: math.Floor(min/day) * day, Label: "x"})
	}
	return out
}
