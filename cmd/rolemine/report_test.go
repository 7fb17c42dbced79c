package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"rolemine/datasets"
	"rolemine/datasets/synth"
	"rolemine/eval/report"
)

const hostileRole = `<script>alert("role")</script>`

// reportDB builds a small demo-like database: a generated organisation
// loaded, mined twice (so role lineage exists), evaluated, triaged and
// checked for hygiene, with one role renamed to hostile markup. It returns
// the database path.
func reportDB(t *testing.T) string {
	t.Helper()
	work := t.TempDir()
	opts := synth.DefaultOptions
	opts.Identities, opts.Entitlements = 2000, 600
	if _, err := synth.Generate(opts, filepath.Join(work, "org")); err != nil {
		t.Fatal(err)
	}
	db, pol := filepath.Join(work, "db.duckdb"), filepath.Join(work, "policy.json")
	for _, args := range [][]string{
		{"ingest", "--db", db, filepath.Join(work, "org")},
		{"mine", "--db", db, "--out", filepath.Join(work, "roles")},
		{"evaluate", "--db", db, "--target-precision", "0.95", "--min-decisions", "50", "--policy-out", pol},
		{"triage", "--db", db, "--policy", pol, "--out", filepath.Join(work, "triage")},
		{"hygiene", "--db", db, "--out", filepath.Join(work, "hygiene")},
		{"mine", "--db", db, "--out", filepath.Join(work, "roles2")},
	} {
		var stdout, stderr bytes.Buffer
		if err := run(context.Background(), args, &stdout, &stderr); err != nil {
			t.Fatalf("rolemine %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
		}
	}
	store, err := datasets.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if _, err := store.DB().Exec(`UPDATE roles SET name = ? WHERE run_id = (SELECT max(run_id) FROM roles)
		AND role_id = (SELECT min(role_id) FROM roles WHERE run_id = (SELECT max(run_id) FROM roles))`, hostileRole); err != nil {
		t.Fatal(err)
	}
	return db
}

// One database serves the report, the notebooks, the browser check and the
// README chart: building it takes most of the time.
func TestReportNotebook(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: builds a demo database")
	}
	db := reportDB(t)
	out := t.TempDir()
	page := filepath.Join(out, "report.html")
	t.Run("report", func(t *testing.T) { testReport(t, db, out) })
	t.Run("notebooks", func(t *testing.T) { testNotebooks(t, db, out) })
	t.Run("browser", func(t *testing.T) {
		testBrowser(t, page, filepath.Join(out, "notebooks", "automation-safety-review.html"))
	})
	t.Run("readme-chart", func(t *testing.T) { testReadmeChart(t, db) })
	t.Run("layout", func(t *testing.T) { testLayout(t, db) })
	t.Run("coverage", func(t *testing.T) { testCoverage(t, db) })
}

// testLayout checks every chart of the report and of the notebooks without
// a browser: bars and points inside the data area, legends beside it, no
// two labels overlapping (report.Chart.Defects). On the report before
// issue 14 the role-change, hygiene and notebook bar charts failed.
func testLayout(t *testing.T, db string) {
	ctx := context.Background()
	store, err := openReadOnly(ctx, "test", db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	l := &loader{ctx: ctx, db: store.DB(), maxRows: 10}
	doc, err := l.report(db)
	if err != nil {
		t.Fatal(err)
	}
	docs := map[string]*report.Document{"report": doc}
	nbs, _ := filepath.Glob(filepath.Join("..", "..", "notebooks", "*.md"))
	for _, path := range nbs {
		nb, err := report.ParseNotebook(path, read(t, path))
		if err != nil {
			t.Fatal(err)
		}
		if docs[filepath.Base(path)], err = executeNotebook(ctx, store, nb, 10); err != nil {
			t.Fatal(err)
		}
	}
	for name, d := range docs {
		var got []string
		titles := map[string]bool{}
		for _, s := range d.Sections {
			if titles[s.Title] {
				got = append(got, "two sections titled "+s.Title)
			}
			titles[s.Title] = true
			for _, b := range s.Blocks {
				if b.Chart == nil || b.Chart.Empty() {
					continue
				}
				defects, err := b.Chart.Defects()
				if err != nil {
					t.Fatal(err)
				}
				for _, d := range defects {
					got = append(got, b.Chart.Title+": "+d)
				}
			}
		}
		if diff := cmp.Diff([]string(nil), got); diff != "" {
			t.Errorf("%s: layout defects (-want +got):\n%s", name, diff)
		}
	}
}

func testReport(t *testing.T, db, out string) {
	ctx := context.Background()
	for _, f := range []string{"html", "json", "md"} {
		var stderr bytes.Buffer
		if err := run(ctx, []string{"report", "--db", db, "--out", filepath.Join(out, "report."+f), "--format", f}, &bytes.Buffer{}, &stderr); err != nil {
			t.Fatalf("report --format %s: %v\n%s", f, err, stderr.String())
		}
	}
	page := read(t, filepath.Join(out, "report.html"))
	if strings.Contains(page, hostileRole) || !strings.Contains(page, "&lt;script&gt;alert(&#34;role&#34;)&lt;/script&gt;") {
		t.Errorf("the hostile role name is not escaped in the HTML report")
	}
	if strings.Contains(page, "<script") {
		t.Errorf("the HTML report contains a script element")
	}
	// Every chart of the report is drawn: thresholds (overall and four
	// tiers), reliability, ROC, PR, three distributions, role changes
	// and hygiene. Outcome trends are notices (no outcomes run yet), and so
	// is the similarity of drifted roles (mining one snapshot twice drifts
	// nothing).
	if n := strings.Count(page, `<svg class="chart"`); n < 13 {
		t.Errorf("report has %d charts, want at least 13", n)
	}
	for _, want := range []string{"Headline", "requests seen", "auto-approved", "reviewed", "escalated", "precision promise",
		"backtest precision, low tier", "tier threshold", "Reliability diagram", "ROC curve", "Precision–recall curve",
		"Role size: members", "Role changes per mine run", "Policy tiers", "Hygiene findings by check and severity",
		"no data yet: no outcomes recorded"} {
		if !strings.Contains(page, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	md := read(t, filepath.Join(out, "report.md"))
	if strings.Contains(md, hostileRole) || !strings.Contains(md, "## Headline") || !strings.Contains(md, "| role id |") {
		t.Errorf("markdown report: hostile name unescaped or headline/roles table missing")
	}
	var doc struct {
		Sections []struct {
			ID     string
			Blocks []json.RawMessage
		}
	}
	if err := json.Unmarshal([]byte(read(t, filepath.Join(out, "report.json"))), &doc); err != nil {
		t.Fatalf("json report: %v", err)
	}
	var ids []string
	for _, s := range doc.Sections {
		ids = append(ids, s.ID)
	}
	if got := strings.Join(ids, ","); got != "headline,thresholds,calibration,outcomes,roles,drift,policy,hygiene,data" {
		t.Errorf("json sections %s", got)
	}

	// An empty database gives a report that says what to run.
	empty := filepath.Join(t.TempDir(), "empty.duckdb")
	store, err := datasets.Open(ctx, empty)
	if err != nil {
		t.Fatal(err)
	}
	store.Close()
	var buf bytes.Buffer
	if err := run(ctx, []string{"report", "--db", empty, "--out", "-"}, &buf, &bytes.Buffer{}); err != nil {
		t.Fatalf("report of an empty database: %v", err)
	}
	for _, want := range []string{"no data yet: no policy has been evaluated; run rolemine evaluate", "no data yet: no roles mined",
		"no data yet: no hygiene findings; run rolemine hygiene", "no data yet: nothing loaded; run rolemine ingest"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("empty report lacks %q", want)
		}
	}
	// Usage errors.
	for _, args := range [][]string{
		{"report", "--db", db, "--format", "pdf"},
		{"report", "--db", db, "extra"},
	} {
		if err := run(ctx, args, &bytes.Buffer{}, &bytes.Buffer{}); exitCode(err) != 2 {
			t.Errorf("rolemine %v: exit %d (%v), want 2", args, exitCode(err), err)
		}
	}
}

// openLoader opens db for the report's queries until the test ends.
func openLoader(t *testing.T, db string) *loader {
	t.Helper()
	ctx := context.Background()
	store, err := datasets.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return &loader{ctx: ctx, db: store.DB(), maxRows: 10}
}

// testReadmeChart draws the README's chart from the test database; with
// -update it rewrites docs/precision-threshold.svg.
func testReadmeChart(t *testing.T, db string) {
	l := openLoader(t, db)
	runs := map[string]*runInfo{}
	var err error
	if runs["evaluate"], err = l.latest("evaluate"); err != nil {
		t.Fatal(err)
	}
	doc := &report.Document{}
	if err := l.thresholds(doc, runs); err != nil {
		t.Fatal(err)
	}
	var chart *report.Chart
	for _, b := range doc.Sections[0].Blocks {
		if b.Chart != nil && b.Chart.Title == "Risk tier low" {
			chart = b.Chart
		}
	}
	if chart == nil || len(chart.Marks) != 1 {
		t.Fatalf("no chart of the low tier with its threshold marked")
	}
	svg, err := chart.SVG()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("..", "..", "docs", "precision-threshold.svg")
	if *update {
		// A standalone SVG file needs its namespace (inline SVG in HTML
		// does not); it already carries xmlns.
		if err := os.WriteFile(path, append(svg, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (regenerate with go test -run TestReportNotebook/readme-chart -update ./cmd/rolemine)", err)
	}
	if !bytes.HasPrefix(got, []byte(`<svg class="chart" role="img" width="560" height="340"`)) || !bytes.Contains(got, []byte("low tier threshold")) {
		t.Errorf("%s is not the threshold chart of the low tier", path)
	}
}

func read(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestReportCoverage checks the per-identity coverage behind the report's
// coverage histogram on hand-made mine runs: the expected counts are
// worked out by hand from the rows below.
func TestReportCoverage(t *testing.T) {
	l := openLoader(t, filepath.Join(t.TempDir(), "db.duckdb"))
	for _, q := range []string{
		// Snapshot 2 supersedes snapshot 1 (dave holds nothing in it);
		// snapshot 3 left the assignments as they were in snapshot 2.
		`INSERT INTO assignments (snapshot_id, identity_id, entitlement_id) VALUES
			(1, 'alice', 'e1'), (1, 'dave', 'e1'),
			(2, 'alice', 'e1'), (2, 'alice', 'e2'), (2, 'alice', 'e3'), (2, 'bob', 'e1'), (2, 'carol', 'e4')`,
		// Run 1 mined snapshot 1 and left dave's e1 uncovered; runs 2 and
		// 3 mined snapshots 2 and 3, leaving alice's e3, bob's e1 and
		// carol's e4 uncovered, and granting alice an e5 she does not hold.
		`INSERT INTO role_exceptions (run_id, identity_id, entitlement_id, kind) VALUES
			(1, 'dave', 'e1', 'uncovered'),
			(2, 'alice', 'e3', 'uncovered'), (2, 'bob', 'e1', 'uncovered'), (2, 'carol', 'e4', 'uncovered'), (2, 'alice', 'e5', 'over-assigned'),
			(3, 'alice', 'e3', 'uncovered'), (3, 'bob', 'e1', 'uncovered'), (3, 'carol', 'e4', 'uncovered')`,
	} {
		if _, err := l.db.ExecContext(l.ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	columns := []string{"identity_id", "held", "covered", "coverage"}
	later := [][]any{
		{"alice", int64(3), int64(2), 2.0 / 3},
		{"bob", int64(1), int64(0), 0.0},
		{"carol", int64(1), int64(0), 0.0},
	}
	for _, c := range []struct {
		run  runInfo
		rows [][]any
	}{
		{runInfo{ID: 1, Snapshot: 1}, [][]any{{"alice", int64(1), int64(1), 1.0}, {"dave", int64(1), int64(0), 0.0}}},
		{runInfo{ID: 2, Snapshot: 2}, later},
		{runInfo{ID: 3, Snapshot: 3}, later},
	} {
		got, err := l.coverage(&c.run)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(&report.Result{Columns: columns, Rows: c.rows}, got); diff != "" {
			t.Errorf("coverage of run %d on snapshot %d (-want +got):\n%s", c.run.ID, c.run.Snapshot, diff)
		}
	}
}

// testCoverage checks the coverage of the latest mine run of db, which
// mined the current snapshot, against its definition: each identity's
// assignments checked against the entitlements of its roles.
func testCoverage(t *testing.T, db string) {
	l := openLoader(t, db)
	mine, err := l.latest("mine")
	if err != nil {
		t.Fatal(err)
	}
	got, err := l.coverage(mine)
	if err != nil {
		t.Fatal(err)
	}
	want, err := l.query(`WITH granted AS (
			SELECT DISTINCT m.identity_id, e.entitlement_id FROM role_members m
			JOIN role_entitlements e ON e.run_id = m.run_id AND e.role_id = m.role_id WHERE m.run_id = ?)
		SELECT a.identity_id, count(*) AS held, count(g.entitlement_id) AS covered, covered / held AS coverage
		FROM current_assignments a LEFT JOIN granted g ON g.identity_id = a.identity_id AND g.entitlement_id = a.entitlement_id
		GROUP BY a.identity_id ORDER BY a.identity_id`, mine.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("coverage of mine run %d (-want +got):\n%s", mine.ID, diff)
	}
	partial := 0
	for _, row := range got.Rows {
		if report.Float(row[3]) < 1 {
			partial++
		}
	}
	if partial == 0 {
		t.Errorf("mine run %d covers every identity's access whole: the comparison cannot tell uncovered access", mine.ID)
	}
}
