package report

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// role is what a drawn element of a chart is for.
type role int

const (
	roleFrame  role = iota // background, title, axes, ticks, grid
	roleMark               // data: bars, points, lines, bands, marks
	roleLegend             // legend swatches and names
)

// box is an axis-aligned rectangle in canvas points (origin bottom left).
type box struct{ x0, y0, x1, y1 float64 }

func (b box) inside(o box, tol float64) bool {
	return b.x0 >= o.x0-tol && b.y0 >= o.y0-tol && b.x1 <= o.x1+tol && b.y1 <= o.y1+tol
}

// overlaps reports whether b and o share more than tol points each way.
func (b box) overlaps(o box, tol float64) bool {
	return min(b.x1, o.x1)-max(b.x0, o.x0) > tol && min(b.y1, o.y1)-max(b.y0, o.y0) > tol
}

func (b box) String() string {
	return fmt.Sprintf("[%.1f,%.1f]×[%.1f,%.1f]", b.x0, b.x1, b.y0, b.y1)
}

// shape is one drawn element: a path (text empty) or a string.
type shape struct {
	role role
	box  box
	text string
	path bool
}

// affine is the transform (x, y) → (a x + c y + e, b x + d y + f).
type affine struct{ a, b, c, d, e, f float64 }

func (m affine) apply(x, y float64) (float64, float64) {
	return m.a*x + m.c*y + m.e, m.b*x + m.d*y + m.f
}

func (m affine) then(n affine) affine { // m applied after n: m∘n
	return affine{
		a: m.a*n.a + m.c*n.b, b: m.b*n.a + m.d*n.b,
		c: m.a*n.c + m.c*n.d, d: m.b*n.c + m.d*n.d,
		e: m.a*n.e + m.c*n.f + m.e, f: m.b*n.e + m.d*n.f + m.f,
	}
}

type probeState struct {
	m         affine
	lineWidth vg.Length
}

// probe is a vg.Canvas that draws on another and records the box and role
// of every element it draws, one shape per SVG element: a Stroke of zero
// width draws nothing (as in vgsvg) and is not recorded. Its invariant:
// shapes[k] with path set is the k-th <path> the inner canvas writes.
type probe struct {
	vg.Canvas
	stack  []probeState
	role   role
	shapes []shape
	plot   box // the data area, set by the first data plotter
	hasBox bool
}

func newProbe(inner vg.Canvas) *probe {
	return &probe{Canvas: inner, stack: []probeState{{m: affine{a: 1, d: 1}, lineWidth: vg.Points(1)}}}
}

func (p *probe) top() *probeState { return &p.stack[len(p.stack)-1] }

func (p *probe) SetLineWidth(w vg.Length) { p.top().lineWidth = w; p.Canvas.SetLineWidth(w) }
func (p *probe) Push()                    { p.stack = append(p.stack, *p.top()); p.Canvas.Push() }
func (p *probe) Pop()                     { p.stack = p.stack[:len(p.stack)-1]; p.Canvas.Pop() }

func (p *probe) Translate(pt vg.Point) {
	t := p.top()
	t.m = t.m.then(affine{a: 1, d: 1, e: pt.X.Points(), f: pt.Y.Points()})
	p.Canvas.Translate(pt)
}

func (p *probe) Rotate(rad float64) {
	t := p.top()
	s, c := math.Sincos(rad)
	t.m = t.m.then(affine{a: c, b: s, c: -s, d: c})
	p.Canvas.Rotate(rad)
}

func (p *probe) Scale(x, y float64) {
	t := p.top()
	t.m = t.m.then(affine{a: x, d: y})
	p.Canvas.Scale(x, y)
}

func (p *probe) Stroke(path vg.Path) {
	if p.top().lineWidth.Points() > 0 {
		p.record(pathBox(path), "", true)
	}
	p.Canvas.Stroke(path)
}

func (p *probe) Fill(path vg.Path) {
	p.record(pathBox(path), "", true)
	p.Canvas.Fill(path)
}

func (p *probe) FillString(f font.Face, pt vg.Point, s string) {
	ext := f.Extents()
	x, y := pt.X.Points(), pt.Y.Points()
	p.record(box{x, y - ext.Descent.Points(), x + f.Width(s).Points(), y + ext.Ascent.Points()}, s, false)
	p.Canvas.FillString(f, pt, s)
}

func (p *probe) DrawImage(r vg.Rectangle, img image.Image) {
	p.Canvas.DrawImage(r, img)
}

// record stores b, in the current user space, as a box of the canvas.
func (p *probe) record(b box, text string, path bool) {
	m := p.top().m
	out := box{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
	for _, c := range [][2]float64{{b.x0, b.y0}, {b.x1, b.y0}, {b.x0, b.y1}, {b.x1, b.y1}} {
		x, y := m.apply(c[0], c[1])
		out = box{min(out.x0, x), min(out.y0, y), max(out.x1, x), max(out.y1, y)}
	}
	p.shapes = append(p.shapes, shape{role: p.role, box: out, text: text, path: path})
}

// pathBox bounds a path: its points, arc circles and control points.
func pathBox(path vg.Path) box {
	b := box{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
	add := func(x, y, r float64) {
		b = box{min(b.x0, x-r), min(b.y0, y-r), max(b.x1, x+r), max(b.y1, y+r)}
	}
	for _, c := range path {
		switch c.Type {
		case vg.MoveComp, vg.LineComp:
			add(c.Pos.X.Points(), c.Pos.Y.Points(), 0)
		case vg.ArcComp:
			add(c.Pos.X.Points(), c.Pos.Y.Points(), c.Radius.Points())
		case vg.CurveComp:
			add(c.Pos.X.Points(), c.Pos.Y.Points(), 0)
			for _, k := range c.Control {
				add(k.X.Points(), k.Y.Points(), 0)
			}
		}
	}
	return b
}

// dataPlotter draws a plotter with the probe recording its elements as
// data marks, and remembers the data area.
type dataPlotter struct {
	plot.Plotter
	probe *probe
}

func (d dataPlotter) Plot(c draw.Canvas, p *plot.Plot) {
	if !d.probe.hasBox {
		d.probe.plot = box{c.Min.X.Points(), c.Min.Y.Points(), c.Max.X.Points(), c.Max.Y.Points()}
		d.probe.hasBox = true
	}
	d.probe.role = roleMark
	d.Plotter.Plot(c, p)
	d.probe.role = roleFrame
}

// DataRange passes the inner plotter's range on, so that wrapping does
// not change the axes.
func (d dataPlotter) DataRange() (xmin, xmax, ymin, ymax float64) {
	if r, ok := d.Plotter.(plot.DataRanger); ok {
		return r.DataRange()
	}
	return math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
}

// GlyphBoxes passes the inner plotter's glyph boxes on.
func (d dataPlotter) GlyphBoxes(p *plot.Plot) []plot.GlyphBox {
	if g, ok := d.Plotter.(plot.GlyphBoxer); ok {
		return g.GlyphBoxes(p)
	}
	return nil
}

// markTolerance is how far, in points, a mark may reach beyond the data
// area: the axis padding that keeps a point on the edge whole.
const markTolerance = 5.5

// defects lists what a reader would see as broken in a drawn chart: a
// mark outside the data area, two texts that overlap, a legend over the
// data area, anything outside the canvas (w × h points).
func (p *probe) defects(w, h float64) []string {
	var out []string
	canvas := box{0, 0, w, h}
	var texts []shape
	for _, s := range p.shapes {
		if math.IsInf(s.box.x0, 0) {
			continue
		}
		what := "a path"
		if !s.path {
			what = fmt.Sprintf("text %q", s.text)
			texts = append(texts, s)
		}
		switch {
		case !s.box.inside(canvas, 2):
			out = append(out, fmt.Sprintf("%s %v outside the canvas %v", what, s.box, canvas))
		case s.role == roleMark && s.path && !s.box.inside(p.plot, markTolerance):
			out = append(out, fmt.Sprintf("a mark %v outside the data area %v", s.box, p.plot))
		case s.role == roleLegend && s.box.overlaps(p.plot, 0.5):
			out = append(out, fmt.Sprintf("legend %s %v over the data area %v", what, s.box, p.plot))
		}
	}
	for i := range texts {
		for j := i + 1; j < len(texts); j++ {
			if texts[i].box.overlaps(texts[j].box, 0.5) {
				out = append(out, fmt.Sprintf("text %q %v overlaps text %q %v", texts[i].text, texts[i].box, texts[j].text, texts[j].box))
			}
		}
	}
	return out
}

// annotate adds class="mark" or class="legend" to the <path> elements of
// svg that the probe recorded as such: what a browser check needs to tell
// data from frame.
func (p *probe) annotate(svg []byte) []byte {
	var paths []shape
	for _, s := range p.shapes {
		if s.path {
			paths = append(paths, s)
		}
	}
	var out bytes.Buffer
	rest := svg
	for k := 0; ; k++ {
		i := bytes.Index(rest, []byte("<path "))
		if i < 0 {
			out.Write(rest)
			break
		}
		out.Write(rest[:i+len("<path ")])
		rest = rest[i+len("<path "):]
		if k < len(paths) {
			switch paths[k].role {
			case roleMark:
				out.WriteString(`class="mark" `)
			case roleLegend:
				out.WriteString(`class="legend" `)
			}
		}
	}
	return out.Bytes()
}

// plotAttr is the data area as the data-plot attribute: X Y W H in CSS
// pixels from the top left corner, for a canvas h points high and px CSS
// pixels per point.
func (p *probe) plotAttr(h, px float64) string {
	b := p.plot
	return fmt.Sprintf(`data-plot="%.1f %.1f %.1f %.1f"`, b.x0*px, (h-b.y1)*px, (b.x1-b.x0)*px, (b.y1-b.y0)*px)
}

// swatch is a legend thumbnail: a filled square of one colour.
type swatch struct{ color color.Color }

func (s swatch) Thumbnail(c *draw.Canvas) {
	c.SetColor(s.color)
	c.Fill(c.Rectangle.Path())
}
