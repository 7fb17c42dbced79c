package main

import (
	"bytes"
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"rolemine/datasets/shareddata"
	"rolemine/eval"
)

// amazonFile is the shared Amazon access-decision sample.
var amazonFile = shareddata.Path("amazon", "access_decisions.csv")

// TestAmazonKeptBack plays the outside check through the command
// line, on the commands it names: a seeded 80 % of the Amazon sample is the
// history (ingested with its ACTION column), the other 20 % are pending
// requests (the same file shape without ACTION); evaluate learns a policy
// for precision 0.99 at 95 % confidence, triage routes the pending
// requests, and its auto-approvals are compared with the decisions Amazon's
// approvers made. The policy must keep its promise there and beat the
// "≥ 90 % of same-department requests for this resource approved" rule on
// precision; the 30 % coverage is reported as an acceptance line.
func TestAmazonKeptBack(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: evaluates and triages the Amazon sample")
	}
	recs := readAmazon(t)
	head, rows := recs[0], recs[1:]
	action := slices.Index(head, "ACTION")
	if action < 0 || head[0] != "request_id" {
		t.Fatalf("%s: header %v: want request_id first and an ACTION column", amazonFile, head)
	}
	perm := rand.New(rand.NewPCG(1, 80)).Perm(len(rows))
	cut := len(rows) * 8 / 10
	history := [][]string{head}
	pending := [][]string{slices.Delete(slices.Clone(head), action, action+1)}
	truth := map[string]bool{}
	var heldOut [][]string
	for k, p := range perm {
		r := rows[p]
		if k < cut {
			history = append(history, r)
			continue
		}
		pending = append(pending, slices.Delete(slices.Clone(r), action, action+1))
		truth[r[0]] = r[action] == "1"
		heldOut = append(heldOut, r)
	}
	work := t.TempDir()
	db, pol := filepath.Join(work, "db.duckdb"), filepath.Join(work, "policy.json")
	writeTestCSV(t, filepath.Join(work, "history.csv"), history)
	writeTestCSV(t, filepath.Join(work, "pending.csv"), pending)
	for _, args := range [][]string{
		{"ingest", "--db", db, "--table", "requests", "--map", "entitlement_id=RESOURCE", "--map", "decision=ACTION",
			"--approved-values", "1", "--denied-values", "0", filepath.Join(work, "history.csv")},
		{"ingest", "--db", db, "--table", "requests", "--map", "entitlement_id=RESOURCE", filepath.Join(work, "pending.csv")},
		{"evaluate", "--db", db, "--target-precision", "0.99", "--confidence", "0.95", "--default-risk", "low", "--policy-out", pol},
		{"triage", "--db", db, "--policy", pol, "--out", filepath.Join(work, "triage")},
	} {
		var stdout, stderr bytes.Buffer
		if err := run(context.Background(), args, &stdout, &stderr); err != nil {
			t.Fatalf("rolemine %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
		}
		if args[0] == "evaluate" {
			t.Logf("evaluate on %d decisions:\n%s", cut, stdout.String())
		}
	}
	decisions := readCSV(t, filepath.Join(work, "triage", "decisions.csv"))
	id, route := slices.Index(decisions[0], "request_id"), slices.Index(decisions[0], "route")
	seen := map[string]bool{}
	auto, correct := 0, 0
	for _, d := range decisions[1:] {
		if _, ok := truth[d[id]]; !ok || seen[d[id]] {
			t.Fatalf("decisions.csv: request %q is not a pending request or is listed twice", d[id])
		}
		seen[d[id]] = true
		if d[route] == "auto-approve" {
			auto++
			if truth[d[id]] {
				correct++
			}
		}
	}
	if len(seen) != len(truth) {
		t.Fatalf("decisions.csv routes %d of the %d pending requests", len(seen), len(truth))
	}
	if auto == 0 {
		t.Fatal("nothing auto-approved: the promise is not exercised")
	}
	precision, coverage := float64(correct)/float64(auto), float64(auto)/float64(len(truth))
	falseLower := eval.ClopperPearsonLower(auto-correct, auto, 0.95)
	bp, bc := departmentRule(history, heldOut, action)
	t.Logf("kept back: %d of %d auto-approved (coverage %.3f), %d denied by Amazon's approvers: precision %.4f (false-approval rate lower bound %.4f)",
		auto, len(truth), coverage, auto-correct, precision, falseLower)
	t.Logf("department × resource ≥ 90 %% rule (≥ 3 past requests): precision %.4f, coverage %.3f", bp, bc)
	if precision < 0.99 {
		t.Errorf("realised precision %.4f below the promised 0.99", precision)
	}
	if precision <= bp {
		t.Errorf("precision %.4f does not beat the department rule's %.4f", precision, bp)
	}
	// A regression guard: over four seeded 80/20 splits the kept-back
	// coverage was 9–37 % (8.6 % with this one), because the out-of-fold
	// precision hovers near the target over a wide range of thresholds.
	if coverage < 0.05 {
		t.Errorf("coverage %.3f below 0.05", coverage)
	}
	if coverage < 0.30 {
		missed(t, "kept-back coverage %.3f below the issue's 0.30", coverage)
	}
	if coverage <= bc {
		missed(t, "kept-back coverage %.3f does not beat the department rule's %.3f", coverage, bc)
	}
}

// departmentRule applies "approve when at least 90 % of the history's
// requests for this resource from the same department, and at least 3 of
// them, were approved" to held, returning its precision and coverage.
func departmentRule(history, held [][]string, action int) (precision, coverage float64) {
	res, dept := slices.Index(history[0], "RESOURCE"), slices.Index(history[0], "ROLE_DEPTNAME")
	type count struct{ approved, n int }
	counts := map[[2]string]count{}
	for _, r := range history[1:] {
		c := counts[[2]string{r[res], r[dept]}]
		c.n++
		if r[action] == "1" {
			c.approved++
		}
		counts[[2]string{r[res], r[dept]}] = c
	}
	approved, correct := 0, 0
	for _, r := range held {
		if c := counts[[2]string{r[res], r[dept]}]; c.n >= 3 && 10*c.approved >= 9*c.n {
			approved++
			if r[action] == "1" {
				correct++
			}
		}
	}
	return float64(correct) / float64(max(approved, 1)), float64(approved) / float64(len(held))
}

// readAmazon reads the Amazon sample, skipping the test if it is absent.
func readAmazon(t *testing.T) [][]string {
	t.Helper()
	if _, err := os.Stat(amazonFile); err != nil {
		t.Skipf("amazon sample not available: %v", err)
	}
	return readCSV(t, amazonFile)
}

// missed reports a target of the issue not yet reached: an error under
// ROLEMINE_ACCEPTANCE=1, a marked log line otherwise.
func missed(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv("ROLEMINE_ACCEPTANCE") == "1" {
		t.Errorf(format, args...)
		return
	}
	t.Logf("ACCEPTANCE NOT MET: "+format+" (ROLEMINE_ACCEPTANCE=1 makes this an error)", args...)
}
