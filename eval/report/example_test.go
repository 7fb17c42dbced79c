package report_test

import (
	"fmt"
	"os"
	"strings"

	"rolemine/eval/report"
)

// A report of one section with headline figures, a chart with a confidence
// band and a chosen threshold, and a table whose hostile role name is
// escaped in every format.
func Example() {
	d := &report.Document{
		Title: "Nightly evaluation",
		Sections: []report.Section{{
			ID: "headline", Title: "Headline",
			Blocks: []report.Block{
				{Figures: []report.Figure{{Label: "measured precision", Value: report.Interval(0.978, 0.969, 0.985)}}},
				{Chart: &report.Chart{
					Title: "Precision against threshold", XLabel: "threshold", YLabel: "precision",
					Series: []report.Series{{Name: "precision",
						X: []float64{0.5, 0.7, 0.9}, Y: []float64{0.90, 0.95, 0.99},
						Lower: []float64{0.88, 0.93, 0.96}, Upper: []float64{0.92, 0.97, 1}}},
					Marks: []report.Mark{{X: 0.7, Label: "chosen threshold"}},
				}},
				{Table: &report.Table{Columns: []string{"role", "members"}, Rows: [][]any{{"<script>x</script>", 12}}}},
			},
		}},
	}
	var html strings.Builder
	if err := d.WriteHTML(&html); err != nil {
		fmt.Println(err)
	}
	fmt.Println(strings.Contains(html.String(), "<svg class=\"chart\" role=\"img\" width=\"640\" height=\"360\""))
	fmt.Println(strings.Contains(html.String(), "<script>"))
	d.Sections[0].Blocks = d.Sections[0].Blocks[2:] // the table only
	d.WriteMarkdown(os.Stdout)
	// Output:
	// true
	// false
	// # Nightly evaluation
	//
	// ## Headline
	//
	// | role | members |
	// |---|---|
	// | &lt;script&gt;x&lt;/script&gt; | 12 |
}
