package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"rolemine/datasets"
	"rolemine/datasets/export"
	"rolemine/datasets/synth"
)

// The round trip of issue 16: the Entra fixture in, roles mined, roles out
// as SCIM Groups that validate against RFC 7643's Group schema (kept as a
// fixture) and the rolemine extension's schema the export writes.
func TestExportSCIMRoundTrip(t *testing.T) {
	work := t.TempDir()
	db, out := filepath.Join(work, "db.duckdb"), filepath.Join(work, "scim")
	for _, args := range [][]string{
		{"ingest", "--db", db, "--format", "entra", "../../datasets/testdata/entra"},
		{"mine", "--db", db},
		{"export", "--db", db, "--format", "scim", "--what", "roles", "--out", out},
	} {
		var stdout, stderr bytes.Buffer
		if err := run(context.Background(), args, &stdout, &stderr); err != nil {
			t.Fatalf("rolemine %v: %v\n%s", args, err, stderr.String())
		}
	}
	core := readSchema(t, "../../datasets/export/testdata/rfc7643-group-schema.json")
	ext := readSchema(t, filepath.Join(out, "rolemine-role-extension.schema.json"))
	files, err := filepath.Glob(filepath.Join(out, "R*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no roles written: %v", err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if problems := export.Validate(data, core, ext); len(problems) > 0 {
			t.Errorf("%s does not validate:\n%q", f, problems)
		}
	}
	// The one role of the fixture: the three Finance clerks with their
	// two groups and SAP ERP's AP Post role (see datasets/testdata/entra).
	var names []string
	for _, f := range files {
		names = append(names, filepath.Base(f))
	}
	if diff := cmp.Diff([]string{"R0001.json"}, names); diff != "" {
		t.Errorf("role files (-want +got):\n%s", diff)
	}
}

func readSchema(t *testing.T, path string) *export.Schema {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s, err := export.ParseSchema(data)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Decisions go out as they are stored: a generated organisation is
// evaluated and triaged, and each triage decision becomes one JSON Lines
// event and one CSV row whose request, route, score, rule, policy and
// evidence are those of its triage_decisions row.
func TestExportDecisions(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: fits a model on a generated organisation")
	}
	work := t.TempDir()
	opts := synth.DefaultOptions
	opts.Identities, opts.Entitlements = 1000, 300
	if _, err := synth.Generate(opts, filepath.Join(work, "org")); err != nil {
		t.Fatal(err)
	}
	db, pol := filepath.Join(work, "db.duckdb"), filepath.Join(work, "policy.json")
	for _, args := range [][]string{
		{"ingest", "--db", db, filepath.Join(work, "org")},
		{"evaluate", "--db", db, "--policy-out", pol},
		{"triage", "--db", db, "--policy", pol, "--out", filepath.Join(work, "triage")},
		{"export", "--db", db, "--format", "jsonl", "--what", "decisions", "--out", filepath.Join(work, "events")},
		{"export", "--db", db, "--format", "csv", "--what", "decisions", "--out", filepath.Join(work, "tickets")},
	} {
		var stdout, stderr bytes.Buffer
		if err := run(context.Background(), args, &stdout, &stderr); err != nil {
			t.Fatalf("rolemine %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
		}
	}

	// The stored decisions, by request id.
	type stored struct {
		Request, Route, Rule, Policy, Evidence string
		Score                                  *float64
	}
	store, err := datasets.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := store.DB().Query(`SELECT request_id, route, coalesce(rule, ''), coalesce(policy_id, ''), coalesce(evidence, ''), score
		FROM triage_decisions WHERE run_id = (SELECT max(run_id) FROM runs WHERE command = 'triage') ORDER BY request_id`)
	if err != nil {
		t.Fatal(err)
	}
	var want []stored
	for rows.Next() {
		var s stored
		var score sql.NullFloat64
		if err := rows.Scan(&s.Request, &s.Route, &s.Rule, &s.Policy, &s.Evidence, &score); err != nil {
			t.Fatal(err)
		}
		if score.Valid {
			s.Score = &score.Float64
		}
		want = append(want, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	store.Close()
	if len(want) < 10 {
		t.Fatalf("triage stored %d decisions; the test needs a few", len(want))
	}
	// The comparison below means something only if the fields vary.
	routes := map[string]bool{}
	var scored, evidenced, ruled int
	for _, s := range want {
		routes[s.Route] = true
		if s.Score != nil {
			scored++
		}
		if s.Evidence != "" {
			evidenced++
		}
		if s.Rule != "" {
			ruled++
		}
	}
	if len(routes) < 2 || scored == 0 || evidenced == 0 || ruled == 0 {
		t.Fatalf("decisions too uniform to test the export: routes %v, %d scored, %d with evidence, %d with a rule", routes, scored, evidenced, ruled)
	}

	// JSON Lines: one valid event per line, per stored decision.
	data, err := os.ReadFile(filepath.Join(work, "events", "decisions.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var got []stored
	for k, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		var ev struct {
			Event   string `json:"event"`
			Request struct {
				ID string `json:"request_id"`
			} `json:"request"`
			Route    string   `json:"route"`
			Score    *float64 `json:"score"`
			Rule     string   `json:"rule"`
			PolicyID string   `json:"policy_id"`
			Evidence string   `json:"evidence"`
		}
		var raw map[string]any
		if err := json.Unmarshal([]byte(line), &raw); err != nil {
			t.Fatalf("decisions.jsonl:%d: not JSON: %v", k+1, err)
		}
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("decisions.jsonl:%d: %v", k+1, err)
		}
		if ev.Event != "rolemine.triage.decision" {
			t.Errorf("decisions.jsonl:%d: event %q", k+1, ev.Event)
		}
		for _, f := range []string{"time", "run_id", "qa_sample", "tier", "probability", "reason"} {
			if _, ok := raw[f]; !ok {
				t.Errorf("decisions.jsonl:%d: no field %s", k+1, f)
			}
		}
		got = append(got, stored{Request: ev.Request.ID, Route: ev.Route, Rule: ev.Rule, Policy: ev.PolicyID, Evidence: ev.Evidence, Score: ev.Score})
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("decisions.jsonl vs triage_decisions (-want +got):\n%s", diff)
	}

	// CSV: the header, then one row per stored decision with its fields.
	recs := readCSV(t, filepath.Join(work, "tickets", "decisions.csv"))
	if diff := cmp.Diff(export.DecisionCSVHeader, recs[0]); diff != "" {
		t.Fatalf("decisions.csv header (-want +got):\n%s", diff)
	}
	col := map[string]int{}
	for k, h := range recs[0] {
		col[h] = k
	}
	got = got[:0]
	for _, r := range recs[1:] {
		s := stored{Request: r[col["request_id"]], Route: r[col["route"]], Rule: r[col["rule"]], Policy: r[col["policy_id"]], Evidence: r[col["evidence"]]}
		if v := r[col["score"]]; v != "" {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("decisions.csv: score %q: %v", v, err)
			}
			s.Score = &f
		}
		got = append(got, s)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("decisions.csv vs triage_decisions (-want +got):\n%s", diff)
	}
}
