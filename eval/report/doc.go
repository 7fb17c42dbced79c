// Package report renders evaluation reports and executed notebooks for
// governance reviewers: one self-contained HTML page (inline CSS, charts as
// inline SVG drawn by gonum.org/v1/plot's SVG backend, no scripts, fonts,
// images or any other reference that a browser would fetch), JSON for
// machines, and Markdown for pasting into tickets.
//
// A Document is a title and a list of Sections; a Section holds Blocks, each
// exactly one of: a paragraph of plain text, a Markdown fragment, a notice
// (typically "no data yet: run …"), a row of key figures, a code listing, a
// Table or a Chart. Tables take plain Go values (string, integers, floats,
// bool, time.Time, nil) and format them; charts take plain float64 slices.
// Nothing here reads a database: cmd/rolemine loads the values and builds
// the Document, so the package builds and is tested without cgo.
//
// # Escaping
//
// Every string that comes from data — table cells, chart titles, series
// names, axis labels, notices, Markdown text — reaches the HTML only through
// html/template or html.EscapeString (the SVG text of charts is escaped by
// vgsvg), so a role named "<script>…" shows as text and never runs. The
// Markdown output escapes <, > and & as entities and | in table cells, and
// the Markdown fragments of a Document are rendered to HTML by a small
// converter (headings, paragraphs, lists, emphasis, inline code, code
// fences) that escapes first and never passes raw HTML or links through.
//
// # Charts
//
// A Chart is a line, scatter, bar or histogram chart of one or more Series,
// with optional confidence bands (Series.Lower and Upper), vertical marks
// (chosen thresholds) and a dashed y = x reference. Points with a NaN or
// infinite coordinate are dropped; a chart left with no point is rendered
// as a notice instead of an empty frame. Each chart is an <svg> element
// whose width and height attributes are Chart.Width and Chart.Height in CSS
// pixels (DefaultWidth by DefaultHeight when zero).
//
// Layout invariants, which Chart.Defects checks on the drawn chart: every
// bar, point and line lies inside the data area (grouped bars share their
// category's slot, drawn in data coordinates); the legend stands in a strip
// right of the data area, never on it; no two texts overlap (category
// labels turn upright, then thin out, when they do not fit). The data
// paths of the SVG carry class="mark", the legend's class="legend", and the
// <svg> element the data area as data-plot="X Y W H" (CSS pixels from its
// top left), so that a browser can check the same. Series named by a
// severity or risk tier take its colour of SeverityColors everywhere.
//
// # Notebooks
//
// ParseNotebook splits a notebook file (Markdown with ```sql and ```chart
// cells) into Cells that keep their line in the file; ParseDirectives reads
// the "-- requires:", "-- empty:" and "-- hide" comments of a SQL cell;
// ParseChartSpec parses a chart cell and ChartSpec.Build draws it from a
// Result (column names and rows of values) that the caller got by running
// the SQL. Errors of ParseNotebook and Notebook.CellError name the notebook
// file and line; those of ParseChartSpec and Build are relative to the cell.
//
// # Errors and panics
//
// A Block with no or several kinds set, a Series whose slices are not
// parallel, or a Table row with more cells than columns is misuse and panics
// with a "report: " message when rendered; so does asking a Result for a
// column it does not have (ChartSpec.Build checks its columns first and
// returns an error instead). Write errors are returned.
// Values are never mutated.
package report
