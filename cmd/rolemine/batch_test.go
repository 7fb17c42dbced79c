package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"rolemine/datasets"
	"rolemine/datasets/synth"
	"rolemine/eval/triage"
)

// TestMain lets a test run the rolemine binary as a subprocess: the test
// binary itself, with ROLEMINE_TEST_MAIN=1, runs main.
func TestMain(m *testing.M) {
	if os.Getenv("ROLEMINE_TEST_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// nightlyOrg writes a small generated organisation as a night's extracts
// (the canonical files, without the ground truth) and returns the
// directory.
func nightlyOrg(t *testing.T, identities int) (org, input string) {
	t.Helper()
	work := t.TempDir()
	opts := synth.DefaultOptions
	opts.Identities, opts.Entitlements = identities, identities/4
	org = filepath.Join(work, "org")
	if _, err := synth.Generate(opts, org); err != nil {
		t.Fatal(err)
	}
	input = filepath.Join(work, "night")
	copyDir(t, org, input)
	return org, input
}

// batchResults is everything a batch leaves in the database that must not
// depend on how often it was interrupted: its content, without run ids and
// times.
func batchResults(t *testing.T, db string) map[string][]string {
	t.Helper()
	store, err := datasets.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	queries := map[string]string{
		"runs per stage": `SELECT command || ' ' || count(*) FROM runs GROUP BY command`,
		"batches":        `SELECT batch_id || ' ' || night || ' ' || status FROM batches`,
		"snapshots":      `SELECT count(*)::VARCHAR FROM snapshots`,
		"identities":     `SELECT count(*)::VARCHAR FROM current_identities`,
		"roles": `SELECT role_id || ' ' || members || ' ' || entitlements || ' ' || ents FROM roles r JOIN (
			SELECT run_id, role_id, string_agg(entitlement_id, ',' ORDER BY entitlement_id) AS ents FROM role_entitlements GROUP BY ALL) USING (run_id, role_id)`,
		"policy tiers": `SELECT policy_id || ' ' || tier || ' ' || auto_approve || ' ' || coalesce(round(threshold, 9)::VARCHAR, '') FROM policy_tiers`,
		"decisions": `SELECT request_id || ' ' || route || ' ' || qa_sample || ' ' || round(probability, 9) || ' ' || rule || ' ' || policy_id
			FROM triage_decisions`,
		"decision log":  `SELECT seq || ' ' || actor || ' ' || action || ' ' || subject_id || ' ' || rule || ' ' || policy_id FROM decision_log`,
		"outcome stats": `SELECT policy_id || ' ' || tier || ' ' || requests || ' ' || auto_approved FROM outcome_stats WHERE triage_run_id IS NULL`,
		"tier states":   `SELECT policy_id || ' ' || tier || ' ' || state FROM tier_states`,
	}
	out := map[string][]string{}
	for name, q := range queries {
		rows, err := store.DB().Query(q + " ORDER BY 1")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for rows.Next() {
			var s sql.NullString
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			out[name] = append(out[name], s.String)
		}
		rows.Close()
	}
	verifyLog(t, store.DB())
	// Policy ids hash the database id too: name them by order of creation.
	rows, err := store.DB().Query(`SELECT json_extract_string(summary, '$.policy_id') FROM runs WHERE command = 'evaluate' ORDER BY run_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for k := 1; rows.Next(); k++ {
		var id string
		rows.Scan(&id)
		for _, lines := range out {
			for i := range lines {
				lines[i] = strings.ReplaceAll(lines[i], id, fmt.Sprint("policy#", k))
			}
		}
	}
	return out
}

// verifyLog checks the decision log's hash chain.
func verifyLog(t *testing.T, db *sql.DB) {
	t.Helper()
	rows, err := db.Query(`SELECT seq, logged_at, run_id, snapshot_id, actor, action, subject_id, rule, reason, policy_id, entry_hash, previous_hash
		FROM decision_log ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var v triage.Verifier
	for rows.Next() {
		var e triage.Entry
		if err := rows.Scan(&e.Seq, &e.LoggedAt, &e.RunID, &e.SnapshotID, &e.Actor, &e.Action, &e.Subject, &e.Rule, &e.Reason,
			&e.PolicyID, &e.Hash, &e.PreviousHash); err != nil {
			t.Fatal(err)
		}
		if err := v.Next(e); err != nil {
			t.Fatal(err)
		}
	}
	if v.Checked() == 0 {
		t.Error("empty decision log")
	}
}

// rolemineProcess starts the rolemine main in a subprocess.
func rolemineProcess(args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "ROLEMINE_TEST_MAIN=1")
	return cmd
}

// TestNightlyRunKilled kills rolemine run with SIGKILL at random points,
// again and again, and shows that a final rerun completes with exactly the
// results of an uninterrupted run: nothing lost, nothing counted twice.
func TestNightlyRunKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: runs the nightly batch many times")
	}
	_, input := nightlyOrg(t, 1500)
	work := t.TempDir()
	args := func(name string) []string {
		return []string{"run", "--db", filepath.Join(work, name+".duckdb"), "--input", input, "--out", filepath.Join(work, name),
			"--as-of", "2026-11-29T02:00:00Z"}
	}
	cleanOut, err := rolemineProcess(args("clean")...).Output()
	if err != nil {
		t.Fatalf("uninterrupted run: %v\n%s", err, cleanOut)
	}
	stages := stageTimes(string(cleanOut))
	// Kill each stage at a random point of the time it took in the
	// uninterrupted run: each killed run leaves the stages it completed, so
	// the next one resumes at the stage to kill. Two batches, each killed
	// once in every stage, then rerun to the end.
	rng := rand.New(rand.NewPCG(5, 6))
	clean := batchResults(t, filepath.Join(work, "clean.duckdb"))
	for _, name := range []string{"decisions", "roles", "decision log"} {
		if len(clean[name]) == 0 {
			t.Errorf("no %s: the comparison is empty", name)
		}
	}
	for _, name := range []string{"killed-1", "killed-2"} {
		var killedIn []string
		for k, st := range stages {
			prev := ""
			if k > 0 {
				prev = stages[k-1].name
			}
			at := time.Duration(rng.Float64() * float64(st.took))
			if killAfter(t, args(name), prev, at) {
				killedIn = append(killedIn, fmt.Sprintf("%s at %v", st.name, at.Round(time.Millisecond)))
			}
		}
		t.Logf("%s: killed %d times: %s", name, len(killedIn), strings.Join(killedIn, "; "))
		if out, err := rolemineProcess(args(name)...).CombinedOutput(); err != nil {
			t.Fatalf("rerun after kills: %v\n%s", err, out)
		}
		if len(killedIn) < len(stages)/2 {
			t.Errorf("%s: only %d of %d runs were killed before they finished", name, len(killedIn), len(stages))
		}
		resumed := batchResults(t, filepath.Join(work, name+".duckdb"))
		if diff := cmp.Diff(clean, resumed); diff != "" {
			t.Errorf("%s: killed %d times then rerun, the results differ from an uninterrupted run (-clean +resumed):\n%s", name, len(killedIn), diff)
		}
	}
	// Rerunning a complete batch does nothing.
	out, err := rolemineProcess(args("clean")...).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "already complete") {
		t.Errorf("rerun of a complete batch: %v\n%s", err, out)
	}
	if again := batchResults(t, filepath.Join(work, "clean.duckdb")); !cmp.Equal(again, clean) {
		t.Error("rerunning a complete batch changed the database")
	}
}

// killAfter starts a batch, waits until its output reports stage prev
// done ("" for none), waits for at more, and kills it with SIGKILL. It
// reports whether the batch was still running when killed.
func killAfter(t *testing.T, args []string, prev string, at time.Duration) bool {
	t.Helper()
	cmd := rolemineProcess(args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	reached := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		once := prev == ""
		if once {
			close(reached)
		}
		for sc.Scan() {
			if !once && strings.HasPrefix(sc.Text(), "== stage "+prev+":") {
				close(reached)
				once = true
			}
		}
		if !once {
			close(reached)
		}
	}()
	<-reached
	time.Sleep(at)
	killed := cmd.Process.Signal(syscall.SIGKILL) == nil
	err = cmd.Wait()
	var exit *exec.ExitError
	return killed && errors.As(err, &exit) && !exit.Exited()
}

// stageTime is one stage of an uninterrupted batch and how long it took.
type stageTime struct {
	name    string
	took    time.Duration
	peakGiB float64 // the peak memory printed, 0 when none was
}

// stageTimes reads the stages of a batch's output and their durations.
func stageTimes(stdout string) []stageTime {
	var out []stageTime
	for _, line := range strings.Split(stdout, "\n") {
		rest, ok := strings.CutPrefix(line, "== stage ")
		if !ok {
			continue
		}
		var secs, peak float64
		fmt.Sscanf(rest[strings.LastIndex(rest, "("):], "(%g s, peak %g GiB)", &secs, &peak)
		out = append(out, stageTime{strings.SplitN(rest, ":", 2)[0], time.Duration(secs * float64(time.Second)), peak})
	}
	return out
}

// TestNightlyRunLock refuses a second batch while one holds the lock.
func TestNightlyRunLock(t *testing.T) {
	work := t.TempDir()
	db := filepath.Join(work, "db.duckdb")
	lock, err := acquireLock(db + ".lock")
	if err != nil {
		t.Fatal(err)
	}
	defer lock.release()
	os.MkdirAll(filepath.Join(work, "in"), 0o755)
	err = run(context.Background(), []string{"run", "--db", db, "--input", filepath.Join(work, "in"), "--out", filepath.Join(work, "out")},
		&bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "another rolemine run holds") || !strings.Contains(err.Error(), fmt.Sprint("pid ", os.Getpid())) {
		t.Errorf("second batch: %v, want a refusal naming the holder", err)
	}
}

// TestNightlyBreaker runs three nights of the batch on a generated
// organisation with every auto-approval sent to quality review. After the
// first night, reviewers' verdicts on the auto-approvals arrive with the
// second night's extracts: good ones (the careful decision the generator
// knows) leave automation alone; bad ones (every auto-approval judged
// wrong) trip the circuit breaker in the second night's outcomes stage, so
// the third night auto-approves nothing in the suspended tiers and the
// suspension is in the decision log.
func TestNightlyBreaker(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: three nightly batches")
	}
	org, input := nightlyOrg(t, 2500)
	work := t.TempDir()
	config := filepath.Join(work, "nightly.conf")
	os.WriteFile(config, []byte("# test nights\nrefit-days = 7\n\n[evaluate]\ntarget-precision = 0.95\nmin-decisions = 50\n\n[triage]\nqa-share = 1\n"), 0o644)
	night := func(t *testing.T, dir, in, asOf string) string {
		var stdout, stderr bytes.Buffer
		args := []string{"run", "--config", config, "--db", filepath.Join(dir, "db.duckdb"), "--input", in, "--out", filepath.Join(dir, "out"), "--as-of", asOf}
		if err := run(context.Background(), args, &stdout, &stderr); err != nil {
			t.Fatalf("night %s: %v\n%s%s", asOf, err, stdout.String(), stderr.String())
		}
		return stdout.String()
	}
	first := filepath.Join(work, "first")
	night(t, first, input, "2026-11-01")
	truth := map[string]string{}
	for _, r := range readCSV(t, filepath.Join(org, synth.DecisionsFile))[1:] {
		truth[r[0]] = r[2]
	}
	auto := queryStrings(t, filepath.Join(first, "db.duckdb"), `SELECT request_id FROM triage_decisions WHERE route = 'auto-approve' AND qa_sample`)
	if len(auto) < 10 {
		t.Fatalf("%d quality-sampled auto-approvals on the first night: too few to judge", len(auto))
	}
	for _, verdicts := range []string{"good", "bad"} {
		t.Run(verdicts, func(t *testing.T) {
			dir := filepath.Join(work, verdicts)
			copyInto(t, filepath.Join(first, "db.duckdb"), filepath.Join(dir, "db.duckdb"))
			copyDir(t, filepath.Join(first, "out", "policies"), filepath.Join(dir, "out", "policies"))
			in := filepath.Join(dir, "night2")
			copyDir(t, input, in)
			var b strings.Builder
			b.WriteString("request_id,outcome,actor,decided_at\n")
			for _, id := range auto {
				v := truth[id]
				if verdicts == "bad" {
					v = "denied"
				}
				fmt.Fprintf(&b, "%s,%s,qa-reviewer,2026-11-01 15:00:00\n", id, v)
			}
			os.WriteFile(filepath.Join(in, "outcomes.csv"), []byte(b.String()), 0o644)
			second := night(t, dir, in, "2026-11-02")
			night(t, dir, in, "2026-11-03")
			db := filepath.Join(dir, "db.duckdb")
			suspended := queryStrings(t, db, `SELECT tier FROM tier_states WHERE state = 'suspended' AND run_id = (SELECT max(run_id) FROM tier_states)`)
			logged := queryStrings(t, db, `SELECT subject_id FROM decision_log WHERE action = 'suspend auto-approval'`)
			third := queryStrings(t, db, `SELECT route || ' ' || rule FROM triage_decisions
				WHERE run_id = (SELECT max(run_id) FROM triage_decisions) AND tier IN ('low', 'medium')`)
			autoThird := 0
			for _, r := range third {
				if strings.HasPrefix(r, "auto-approve") {
					autoThird++
				}
			}
			t.Logf("suspended %v; third night low/medium routes: %d auto-approved of %d", suspended, autoThird, len(third))
			switch verdicts {
			case "good":
				if len(suspended) > 0 || len(logged) > 0 || autoThird == 0 {
					t.Errorf("good verdicts: suspended %v, logged %v, %d auto-approvals on the third night", suspended, logged, autoThird)
				}
			case "bad":
				if len(suspended) == 0 || len(logged) != len(suspended) || !strings.Contains(second, "SUSPENDED") {
					t.Errorf("bad verdicts: suspended %v, logged %v\n%s", suspended, logged, second)
				}
				for _, tier := range suspended {
					n := queryStrings(t, db, `SELECT count(*)::VARCHAR FROM triage_decisions WHERE run_id = (SELECT max(run_id) FROM triage_decisions)
						AND tier = ? AND route = 'auto-approve'`, tier)
					if n[0] != "0" {
						t.Errorf("tier %s suspended but %s requests auto-approved on the third night", tier, n[0])
					}
				}
			}
		})
	}
}

func queryStrings(t *testing.T, db, q string, args ...any) []string {
	t.Helper()
	store, err := datasets.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	rows, err := store.DB().Query(q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

func copyInto(t testing.TB, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	os.MkdirAll(filepath.Dir(to), 0o755)
	out, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

func copyDir(t testing.TB, from, to string) {
	t.Helper()
	entries, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.IsDir() {
			copyInto(t, filepath.Join(from, e.Name()), filepath.Join(to, e.Name()))
		}
	}
}

// TestNightlyRunConfig checks the configuration file: errors name the file
// and line, stages cannot override what the batch sets, and the command
// line wins over the file.
func TestNightlyRunConfig(t *testing.T) {
	work := t.TempDir()
	tests := []struct {
		name, config string
		args         []string
		want         string
	}{
		{"unknown section", "input = in\n[nosuch]\nx = 1\n", nil, "nightly.conf:2: unknown section [nosuch]"},
		{"reserved flag", "input = in\n[triage]\npolicy = other.json\n", nil, "nightly.conf:3: [triage] policy is set by rolemine run"},
		{"not key = value", "input in\n", nil, "nightly.conf:1: want key = value"},
		{"unknown setting", "inputs = in\n", nil, `nightly.conf:1: unknown setting "inputs"`},
		{"bad value", "refit-days = soon\n", nil, "nightly.conf:1: refit-days"},
		{"command line wins", "refit-days = 0\n", []string{"--refit-days", "3", "--input", filepath.Join(work, "missing")}, "run: input:"},
		{"file value used", "refit-days = 0\ninput = x\nout = y\n", nil, "--refit-days at least 1"},
		{"unknown optional stage", "with = hygiene,audit\ninput = x\nout = y\n", nil, `run: --with "audit": the optional stages are hygiene, review`},
	}
	for _, tt := range tests {
		config := filepath.Join(work, "nightly.conf")
		os.WriteFile(config, []byte(tt.config), 0o644)
		args := append([]string{"run", "--config", config, "--db", filepath.Join(work, "db.duckdb"), "--out", filepath.Join(work, "out")}, tt.args...)
		err := run(context.Background(), args, &bytes.Buffer{}, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.want)
		}
	}
}

// TestNightlyRunWithHygieneReview runs the batch with its optional stages:
// hygiene and review run before the report, into the batch's directory,
// at one reference time; review reads the snapshot hygiene loaded and the
// findings it kept, and its packets are those a review run by hand on the
// same database (which reads the stored findings) writes. A second run of
// the batch does nothing.
func TestNightlyRunWithHygieneReview(t *testing.T) {
	_, input := nightlyOrg(t, 1500)
	work := t.TempDir()
	db, out := filepath.Join(work, "db.duckdb"), filepath.Join(work, "out")
	args := []string{"run", "--db", db, "--input", input, "--out", out, "--as-of", "2026-06-30", "--with", "hygiene,review"}
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), args, &stdout, &stderr); err != nil {
		t.Fatalf("run: %v\n%s%s", err, stdout.String(), stderr.String())
	}
	var stages []string
	for _, st := range stageTimes(stdout.String()) {
		stages = append(stages, st.name)
	}
	if want := []string{"ingest", "mine", "evaluate", "triage", "outcomes", "hygiene", "review", "report"}; !slices.Equal(stages, want) {
		t.Errorf("stages %v, want %v", stages, want)
	}
	for _, want := range []string{"snapshot: the one loaded earlier in this batch", "kept from this batch's hygiene stage",
		"peer groups: those the hygiene stage computed"} {
		if !strings.Contains(stdout.String()+stderr.String(), want) {
			t.Errorf("the log does not say %q:\n%s", want, stderr.String())
		}
	}
	latest := filepath.Join(out, "latest")
	for _, f := range []string{"hygiene/findings.csv", "review/summary.html", "report.html"} {
		if _, err := os.Stat(filepath.Join(latest, f)); err != nil {
			t.Errorf("batch output: %v", err)
		}
	}
	asOf := queryStrings(t, db, `SELECT DISTINCT parameters->>'as_of' FROM runs WHERE command IN ('hygiene', 'review') AND batch_id <> ''`)
	if len(asOf) != 1 || asOf[0] == "" {
		t.Errorf("hygiene and review of the batch ran as of %q, want one reference time", asOf)
	}

	byHand := filepath.Join(work, "by-hand")
	stderr.Reset()
	err := run(context.Background(), []string{"review", "--db", db, "--out", byHand}, &bytes.Buffer{}, &stderr)
	if err != nil {
		t.Fatalf("review by hand: %v\n%s", err, stderr.String())
	}
	if strings.Contains(stderr.String(), "earlier in this batch") {
		t.Errorf("review by hand reused a batch's snapshot:\n%s", stderr.String())
	}
	samePackets(t, filepath.Join(latest, "review"), byHand)

	stdout.Reset()
	if err := run(context.Background(), args, &stdout, &bytes.Buffer{}); err != nil || !strings.Contains(stdout.String(), "already complete") {
		t.Errorf("second run: %v\n%s", err, stdout.String())
	}
}
