package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"rolemine/datasets"
	"rolemine/datasets/synth"
	"rolemine/eval"
	"rolemine/eval/model"
	"rolemine/eval/policy"
	"rolemine/eval/score"
	"rolemine/features"
)

// End to end on a generated organisation: evaluate writes a policy, triage
// routes every pending request by it and never auto-approves high-risk,
// privileged or conflicting requests, score scores arbitrary pairs, and a
// policy from another database is refused.
func TestEvaluateTriageScore(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: fits models on a generated organisation")
	}
	work := t.TempDir()
	opts := synth.DefaultOptions
	opts.Identities, opts.Entitlements = 3000, 800
	if _, err := synth.Generate(opts, filepath.Join(work, "org")); err != nil {
		t.Fatal(err)
	}
	db, pol := filepath.Join(work, "db.duckdb"), filepath.Join(work, "policy.json")
	pairs := filepath.Join(work, "pairs.csv")
	os.WriteFile(pairs, []byte("identity_id,entitlement_id\nI000001,E00001\nnobody,E99999\n"), 0o644)
	for _, args := range [][]string{
		{"ingest", "--db", db, filepath.Join(work, "org")},
		{"evaluate", "--db", db, "--target-precision", "0.95", "--min-decisions", "50", "--policy-out", pol, "--out", filepath.Join(work, "eval")},
		{"triage", "--db", db, "--policy", pol, "--out", filepath.Join(work, "triage")},
		{"score", "--db", db, "--policy", pol, "--pairs", pairs, "--out", filepath.Join(work, "scores.csv")},
	} {
		var stdout, stderr bytes.Buffer
		if err := run(context.Background(), args, &stdout, &stderr); err != nil {
			t.Fatalf("rolemine %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
		}
	}
	decisions := readCSV(t, filepath.Join(work, "triage", "decisions.csv"))
	wantHeader := []string{"request_id", "identity_id", "entitlement_id", "route", "qa_sample", "probability", "reason", "rule", "tier", "policy_id", "evidence"}
	if diff := cmp.Diff(wantHeader, decisions[0]); diff != "" {
		t.Fatalf("decisions.csv header (-want +got):\n%s", diff)
	}
	routes := map[string]int{}
	rank := map[string]int{"escalate": 0, "review": 1, "auto-approve": 2}
	for k, d := range decisions[1:] {
		if k > 0 && rank[d[3]] < rank[decisions[k][3]] {
			t.Errorf("decisions.csv line %d: %s after %s: want escalations, then reviews, then auto-approvals", k+2, d[3], decisions[k][3])
		}
		routes[d[3]]++
		if d[3] == "auto-approve" && (d[8] == "high" || d[8] == "critical" || d[7] != "threshold") {
			t.Errorf("auto-approved against the hard rules: %v", d)
		}
	}
	if len(decisions) < 2 || routes["escalate"] == 0 || routes["review"] == 0 {
		t.Errorf("routes %v: want every pending request routed, with escalations and reviews", routes)
	}
	checkPromise(t, filepath.Join(work, "org"), decisions, 0.95)
	// The backtest's misses are listed with the reasons for their scores.
	for _, name := range []string{"false_approvals.csv", "false_escalations.csv"} {
		recs := readCSV(t, filepath.Join(work, "eval", name))
		col := slices.Index(recs[0], "reasons")
		if col < 0 {
			t.Fatalf("%s: header %v has no reasons column", name, recs[0])
		}
		for k, r := range recs[1:] {
			if r[col] == "" {
				t.Errorf("%s line %d: no reasons", name, k+2)
			}
		}
		if name == "false_escalations.csv" && len(recs) < 2 {
			t.Errorf("%s lists nothing: the backtest must leave some approvals to people", name)
		}
	}
	if scores := readCSV(t, filepath.Join(work, "scores.csv")); len(scores) != 3 {
		t.Errorf("scores.csv has %d lines, want a header and 2 pairs", len(scores))
	}
	checkStoredModel(t, db, pol, work)
	// The same policy on another database is refused.
	other := filepath.Join(work, "other.duckdb")
	var stderr bytes.Buffer
	run(context.Background(), []string{"ingest", "--db", other, filepath.Join(work, "org")}, &bytes.Buffer{}, &stderr)
	err := run(context.Background(), []string{"triage", "--db", other, "--policy", pol, "--out", filepath.Join(work, "t2")}, &bytes.Buffer{}, &stderr)
	if err == nil || !strings.Contains(err.Error(), "another data source") {
		t.Errorf("triage with another database's policy: %v, want a refusal", err)
	}
}

// A small organisation (400 identities, about 500 decisions, most of
// them before the rolling windows' first 500) is evaluated by k-fold with a
// warning instead of panicking, and evaluate warns that no threshold holds
// the target only for tiers the policy could automate; triage then applies
// the policy.
func TestEvaluateSmallOrg(t *testing.T) {
	work := t.TempDir()
	opts := synth.DefaultOptions
	opts.Identities, opts.Entitlements = 400, 100
	if _, err := synth.Generate(opts, filepath.Join(work, "org")); err != nil {
		t.Fatal(err)
	}
	db, pol := filepath.Join(work, "db.duckdb"), filepath.Join(work, "policy.json")
	var logs strings.Builder
	for _, args := range [][]string{
		{"ingest", "--db", db, filepath.Join(work, "org")},
		{"evaluate", "--db", db, "--policy-out", pol},
		{"triage", "--db", db, "--policy", pol, "--out", filepath.Join(work, "triage")},
	} {
		var stdout, stderr bytes.Buffer
		if err := run(context.Background(), args, &stdout, &stderr); err != nil {
			t.Fatalf("rolemine %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
		}
		if args[0] == "evaluate" {
			logs.WriteString(stdout.String() + stderr.String())
		}
	}
	out := logs.String()
	if !strings.Contains(out, "5-fold cross-validation") || !strings.Contains(out, "cross-validation instead") {
		t.Errorf("evaluate output does not say it fell back to k-fold:\n%s", out)
	}
	for _, tier := range []string{"high", "critical"} {
		if strings.Contains(out, fmt.Sprintf("group %q", tier)) {
			t.Errorf("evaluate warns about the %s tier, which is never automated:\n%s", tier, out)
		}
	}
	p, err := policy.Read(pol)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range p.Warnings {
		if strings.Contains(w, `"high"`) || strings.Contains(w, `"critical"`) {
			t.Errorf("policy warning about a tier never automated: %s", w)
		}
	}
}

// checkPromise compares the auto-approved requests of decisions.csv with
// the decisions a careful reviewer makes on them, which the generator knows
// for pending requests (true_decision in ground_truth/decisions.csv): the
// false-approval rate must not be above
// 1 − target with 95 % confidence, and no auto-approved entitlement may be
// privileged or high or critical risk in the catalogue.
func checkPromise(t *testing.T, org string, decisions [][]string, target float64) {
	t.Helper()
	truth := map[string]string{}
	for _, r := range readCSV(t, filepath.Join(org, synth.DecisionsFile))[1:] {
		truth[r[0]] = r[2]
	}
	unsafe := map[string]bool{}
	for _, r := range readCSV(t, filepath.Join(org, "entitlements.csv"))[1:] {
		unsafe[r[0]] = r[3] == "high" || r[3] == "critical" || r[4] == "true"
	}
	auto, denied := 0, 0
	for _, d := range decisions[1:] {
		if d[3] != "auto-approve" {
			continue
		}
		auto++
		if truth[d[0]] != "approved" {
			denied++
		}
		if unsafe[d[2]] {
			t.Errorf("request %s for privileged or high-risk %s auto-approved", d[0], d[2])
		}
	}
	if auto == 0 {
		t.Fatal("nothing auto-approved: the promise is not exercised")
	}
	lower := eval.ClopperPearsonLower(denied, auto, 0.95)
	t.Logf("auto-approved %d pending requests; a careful reviewer denies %d (precision %.4f, false-approval lower bound %.4f)",
		auto, denied, 1-float64(denied)/float64(auto), lower)
	if lower > 1-target {
		t.Errorf("false approvals %d of %d: above %.2f with 95%% confidence", denied, auto, 1-target)
	}
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// checkStoredModel checks the model evaluate stored with the policy at
// polPath in db: it scores the pending requests bit for bit as the model
// triage refitted before models were stored (the same decisions, options
// and seed) and triage routes them identically; triage needs neither a
// refit nor the training decisions, so it routes exactly as before when
// they are gone from the database; and a missing model, or one changed by
// a byte, is refused naming the policy and the hashes.
func checkStoredModel(t *testing.T, db, polPath, work string) {
	t.Helper()
	ctx := context.Background()
	quiet := &env{stdout: io.Discard, stderr: io.Discard}
	store, pol, err := openWithPolicy(ctx, openExisting, "triage", db, polPath, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	stored, err := loadScorer(ctx, quiet, store, pol)
	if err != nil {
		t.Fatal(err)
	}
	// The refit of the triage before models were stored.
	history, err := loadRequests(ctx, store, pol.Source.SnapshotID, pol.DefaultRisk)
	if err != nil {
		t.Fatal(err)
	}
	stored.feat.Bind(history)
	decided := score.Training(history, pol.MaxDecisions)
	if h := policy.DataHash(decided); h != pol.Source.DataHash {
		t.Fatalf("training decisions hash %s, policy %s", h, pol.Source.DataHash)
	}
	opts := score.DefaultBacktestOptions.Model
	opts.NumericNames = stored.feat.SignalNames()
	xs := stored.feat.Instances(decided, func(k int) int64 { return score.AsOf(decided[k]) })
	refitted, err := model.Fit(xs, opts, rand.NewPCG(pol.Seed, 11))
	if err != nil {
		t.Fatal(err)
	}
	pending := stored.pending()
	held := stored.feat.Instances(pending, func(int) int64 { return features.Now })
	want := refitted.ScoreTo(nil, held)
	for k, s := range stored.model.ScoreTo(nil, held) {
		if math.Float64bits(s) != math.Float64bits(want[k]) {
			t.Fatalf("pending request %s: stored model scores %v, refitted %v", pending[k].ID, s, want[k])
		}
	}
	got, err := stored.triage(ctx, store, pol)
	if err != nil {
		t.Fatal(err)
	}
	refit := *stored
	refit.model = refitted
	wantRoutes, err := refit.triage(ctx, store, pol)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantRoutes, got); diff != "" {
		t.Errorf("triage with the stored model (-refitted +stored):\n%s", diff)
	}
	// Without the training decisions, triage routes as before.
	before := readFile(t, filepath.Join(work, "triage", "decisions.csv"))
	exec := func(q string, args ...any) { // on the store open at the time
		t.Helper()
		if _, err := store.DB().ExecContext(ctx, q, args...); err != nil {
			t.Fatal(err)
		}
	}
	exec("DELETE FROM requests WHERE decision <> 'pending'")
	store.Close()
	triage := func(out string) error {
		return run(ctx, []string{"triage", "--db", db, "--policy", polPath, "--out", filepath.Join(work, out)}, io.Discard, io.Discard)
	}
	if err := triage("t-no-history"); err != nil {
		t.Fatalf("triage without the training decisions: %v", err)
	}
	if after := readFile(t, filepath.Join(work, "t-no-history", "decisions.csv")); after != before {
		t.Errorf("decisions.csv without the training decisions differs from the first triage's")
	}

	// A changed byte or a missing model is refused, by triage and score.
	store, err = datasets.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	var data []byte
	if err := store.DB().QueryRowContext(ctx, "SELECT model FROM policy_models WHERE policy_id = ?", pol.ID).Scan(&data); err != nil {
		t.Fatal(err)
	}
	changed := bytes.Clone(data)
	changed[len(changed)/3] ^= 0x10
	exec("UPDATE policy_models SET model = ? WHERE policy_id = ?", changed, pol.ID)
	store.Close()
	scoreCmd := func() error {
		return run(ctx, []string{"score", "--db", db, "--policy", polPath, "--out", filepath.Join(work, "s.csv")}, io.Discard, io.Discard)
	}
	for name, err := range map[string]error{"triage": triage("t-changed"), "score": scoreCmd()} {
		for _, w := range []string{pol.ID, pol.ModelSHA256, policy.ModelHash(changed), "refused"} {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("%s with a changed model: error %v, want one naming %s", name, err, w)
			}
		}
	}
	store, err = datasets.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	exec("DELETE FROM policy_models")
	store.Close()
	for name, err := range map[string]error{"triage": triage("t-missing"), "score": scoreCmd()} {
		for _, w := range []string{pol.ID, pol.ModelSHA256, "holds no model under that policy id"} {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("%s without a stored model: error %v, want one naming %s", name, err, w)
			}
		}
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
