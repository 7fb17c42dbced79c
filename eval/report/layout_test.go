package report

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// reportCharts are charts shaped like those of the demo report and
// notebooks (20,000 identities, two nights) that were drawn wrong: grouped
// bars of few categories and many series, long category names, legends
// over dense corners, a long-tailed role size, a reliability diagram with
// nearly empty bins.
func reportCharts() map[string]*Chart {
	sev := []string{"critical", "high", "medium", "low", "info", "notice"}
	checks := []string{"credential-rotation", "dormant-account", "duplicate-account", "duplicate-identity", "entitlement-owner",
		"nonhuman-owner", "orphan-account", "outlier-access", "privileged-outside-role", "sod-violation", "stale-certification",
		"terminated-access", "unused-access"}
	var hygiene []Series
	for k, s := range sev {
		ys := make([]float64, len(checks))
		for i := range ys {
			ys[i] = float64((i*7919 + k*104729) % 50965)
		}
		hygiene = append(hygiene, Series{Name: s, Y: ys})
	}
	sizes := make([]float64, 1356)
	for i := range sizes {
		sizes[i] = 3 + math.Floor(12000*math.Pow(float64(i)/1356, 6))
	}
	var prec, rec, prec2, rec2 []float64
	for i := range 200 {
		f := float64(i) / 200
		prec, rec = append(prec, 0.94+0.06*f), append(rec, 0.9+0.1*math.Sqrt(f))
		prec2, rec2 = append(prec2, 0.1+0.3*f), append(rec2, 0.95+0.05*f)
	}
	return map[string]*Chart{
		"role changes, two runs": {Title: "Role changes per mine run", Kind: Bar, XLabel: "mine run", YLabel: "roles",
			Categories: []string{"2", "7"}, Width: 560, Height: 320, Series: []Series{
				{Name: "added", Y: []float64{1356, 0}}, {Name: "drifted", Y: []float64{0, 0}},
				{Name: "removed", Y: []float64{0, 0}}, {Name: "unchanged", Y: []float64{0, 1356}}}},
		"hygiene by check and severity": {Title: "Hygiene findings by check and severity", Kind: Bar, YLabel: "findings",
			Categories: checks, Series: hygiene, Width: 900, Height: 360},
		"rows loaded per table": {Title: "Rows loaded per table (latest snapshot)", Kind: Bar, XLabel: "table_name", YLabel: "rows_loaded",
			Categories: []string{"accounts", "assignments", "certifications", "entitlements", "identities", "requests", "sod_rules"},
			Series:     []Series{{Name: "rows_loaded", Y: []float64{24000, 1050845, 212000, 5000, 20000, 27515, 40}}}},
		"identities by kind and status": {Title: "Identities by kind and status", Kind: Bar, XLabel: "kind", YLabel: "identities",
			Categories: []string{"human", "service", "bot", "(none)"}, Series: []Series{
				{Name: "active", Y: []float64{17000, 900, 300, 10}}, {Name: "inactive", Y: []float64{1200, 80, 20, 0}},
				{Name: "terminated", Y: []float64{900, 40, 5, 0}}, {Name: "(none)", Y: []float64{12, 0, 0, 3}}}},
		"rule precision by kind": {Title: "How well attribute rules explain role membership", Kind: Scatter, XLabel: "rule recall", YLabel: "rule precision",
			XMin: 0, XMax: 1, YMin: 0, YMax: 1, Series: []Series{{Name: "birthright-candidate", X: rec, Y: prec}, {Name: "partial", X: rec2, Y: prec2}}},
		"role size": {Title: "Role size: members", Kind: Histogram, LogX: true, XLabel: "members per role", YLabel: "roles",
			Series: []Series{{X: sizes}}, Width: 420, Height: 300},
		"reliability": {Title: "Reliability diagram", XLabel: "mean predicted probability", YLabel: "share approved by a human",
			XMin: 0, XMax: 1, YMin: 0, YMax: 1.02, Width: 420, Height: 380, Diagonal: true, MinN: 30, Series: []Series{
				{Name: "overall", X: []float64{0.05, 0.5, 0.95}, Y: []float64{0.04, 0.5, 0.97}, N: []float64{4000, 900, 8000}},
				{Name: "low", X: []float64{0.07, 0.5, 0.95}, Y: []float64{0.95, 0.48, 0.98}, N: []float64{3, 200, 4000}}}},
		"thresholds": {Title: "All risk tiers", XLabel: "score threshold (log-odds)", YLabel: "share", YMin: 0, YMax: 1.02,
			Legend: "bottom-left", Width: 560, Height: 340,
			Series: []Series{{Name: "precision", X: []float64{-5, 0, 5}, Y: []float64{0.7, 0.9, 1}, Lower: []float64{0.69, 0.88, 0.98}, Upper: []float64{0.7, 0.9, 1}},
				{Name: "recall", X: []float64{-5, 0, 5}, Y: []float64{1, 0.8, 0.2}}, {Name: "coverage", X: []float64{-5, 0, 5}, Y: []float64{1, 0.6, 0.1}},
				{Name: "promised precision", X: []float64{-5, 5}, Y: []float64{0.99, 0.99}}},
			Marks: []Mark{{X: 2, Label: "low tier threshold"}, {X: 4.5, Label: "medium tier threshold"}}},
		"false approvals by batch date": {Title: "False-approval rate by batch", XLabel: "batch date", YLabel: "false approvals / verified", XTime: true,
			Width: 560, Height: 320, Rules: []Rule{{Y: 0.01, Label: "tolerance"}}, Series: []Series{
				{Name: "low", X: []float64{1.78e9, 1.78e9 + 86400, 1.78e9 + 2*86400, 1.78e9 + 3*86400, 1.78e9 + 4*86400},
					Y: []float64{0, 0.01, 0, 0.02, 0}, Lower: []float64{0, 0, 0, 0, 0}, Upper: []float64{0.3, 0.2, 0.1, 0.08, 0.05}}}},
	}
}

// Every chart of the report keeps its marks inside the data area, its
// legend beside it and its texts apart. On the report before issue 14 the
// first four bar charts drew bars beyond the axes and run their labels
// together, and the legends sat on the data.
func TestChartLayout(t *testing.T) {
	for name, c := range reportCharts() {
		t.Run(name, func(t *testing.T) {
			got, err := c.Defects()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string(nil), got); diff != "" {
				t.Errorf("defects (-want +got):\n%s", diff)
			}
		})
	}
}

// The probe finds each kind of defect it is there to find.
func TestProbeDefects(t *testing.T) {
	plot := box{50, 50, 350, 250}
	tests := []struct {
		name   string
		shapes []shape
		want   []string
	}{
		{"sound", []shape{{role: roleMark, box: box{60, 50, 80, 200}, path: true}, {role: roleFrame, box: box{10, 10, 40, 20}, text: "a"},
			{role: roleFrame, box: box{41, 10, 60, 20}, text: "b"}, {role: roleLegend, box: box{360, 200, 390, 210}, path: true}}, nil},
		{"bar beyond the axis", []shape{{role: roleMark, box: box{340, 50, 374, 200}, path: true}},
			[]string{"a mark [340.0,374.0]×[50.0,200.0] outside the data area [50.0,350.0]×[50.0,250.0]"}},
		{"labels run together", []shape{{box: box{100, 10, 160, 20}, text: "assignments"}, {box: box{150, 10, 210, 20}, text: "certifications"}},
			[]string{`text "assignments" [100.0,160.0]×[10.0,20.0] overlaps text "certifications" [150.0,210.0]×[10.0,20.0]`}},
		{"legend on the data", []shape{{role: roleLegend, box: box{300, 200, 340, 210}, text: "low"}},
			[]string{`legend text "low" [300.0,340.0]×[200.0,210.0] over the data area [50.0,350.0]×[50.0,250.0]`}},
		{"off the canvas", []shape{{box: box{390, 10, 420, 20}, text: "cut"}},
			[]string{`text "cut" [390.0,420.0]×[10.0,20.0] outside the canvas [0.0,400.0]×[0.0,300.0]`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &probe{plot: plot, shapes: tt.shapes}
			if diff := cmp.Diff(tt.want, p.defects(400, 300)); diff != "" {
				t.Errorf("defects (-want +got):\n%s", diff)
			}
		})
	}
}

// The SVG marks data paths and legend paths and carries the data area,
// for the browser check.
func TestChartAnnotations(t *testing.T) {
	c := reportCharts()["role changes, two runs"]
	svg, err := c.SVG()
	if err != nil {
		t.Fatal(err)
	}
	s := string(svg)
	// Two non-zero bars (plus the grid) are marks; four legend swatches.
	got := []int{strings.Count(s, `<path class="legend"`), len(regexp.MustCompile(`<path class="mark" d="[^"]*Z"`).FindAllString(s, -1))}
	if diff := cmp.Diff([]int{4, 2}, got); diff != "" {
		t.Errorf("legend and filled mark paths (-want +got):\n%s", diff)
	}
	if !regexp.MustCompile(`^<svg class="chart" role="img" width="560" height="320" data-plot="[0-9.]+ [0-9.]+ [0-9.]+ [0-9.]+"`).Match(svg) {
		t.Errorf("svg element: %.200s", s)
	}
}

// Series named by a severity or risk tier take its colour in every chart;
// the others share the rest of the palette in order.
func TestSeverityColours(t *testing.T) {
	c := &Chart{Kind: Bar, Categories: []string{"a"}, Series: []Series{{Name: "overall", Y: []float64{1}}, {Name: "low", Y: []float64{1}},
		{Name: "critical", Y: []float64{1}}, {Name: "other", Y: []float64{1}}}}
	got := c.colours()
	want := []string{"0072b2", "56b4e9", "a40000", "009e73"}
	for k, col := range got {
		if h := hex(col.R, col.G, col.B); h != want[k] {
			t.Errorf("series %q: colour %s, want %s", c.Series[k].Name, h, want[k])
		}
	}
}

func hex(r, g, b uint8) string {
	const digits = "0123456789abcdef"
	out := []byte{}
	for _, v := range []uint8{r, g, b} {
		out = append(out, digits[v>>4], digits[v&15])
	}
	return string(out)
}

// The role-size histogram spreads a long tail over bins of powers of two
// and labels each bar with its count: every role is counted once. Before
// issue 14 all 1,356 roles stood in one bar on an axis to 12,000.
func TestLogHistogram(t *testing.T) {
	c := reportCharts()["role size"]
	svg, err := c.SVG()
	if err != nil {
		t.Fatal(err)
	}
	counts := regexp.MustCompile(`font-size:7px[^>]*>([0-9]+)</text>`).FindAllStringSubmatch(string(svg), -1)
	total := 0
	for _, m := range counts {
		n, _ := strconv.Atoi(m[1])
		total += n
	}
	if diff := cmp.Diff([]int{1356, 1}, []int{total, min(1, max(0, len(counts)-7))}); diff != "" {
		t.Errorf("roles counted, and more than 7 bins (-want +got):\n%s", diff)
	}
}
