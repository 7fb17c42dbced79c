package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"rolemine/datasets"
)

// TestNightlyRunHistory runs a small nightly batch and checks what it
// promises besides its results: OUT/decisions.csv and OUT/report.html are
// the latest complete batch's (and a failed batch leaves them alone), and
// the runs history is true: the stages' runs in execution order, each
// with the times the batch printed, the real --db, and snake_case
// parameter keys.
func TestNightlyRunHistory(t *testing.T) {
	_, input := nightlyOrg(t, 1000)
	work := t.TempDir()
	db, out := filepath.Join(work, "data", "night.duckdb"), filepath.Join(work, "out")
	config := filepath.Join(work, "nightly.conf")
	// A batch that fails in triage publishes nothing.
	os.WriteFile(config, []byte("[triage]\nqa-share = 2\n"), 0o644)
	failed := filepath.Join(work, "failed")
	err := run(context.Background(), []string{"run", "--config", config, "--db", filepath.Join(failed, "db.duckdb"), "--input", input, "--out", failed},
		&bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "stage triage failed") {
		t.Fatalf("batch with --qa-share 2: %v, want a failure in triage", err)
	}
	for _, f := range []string{"decisions.csv", "report.html", "latest"} {
		if _, err := os.Lstat(filepath.Join(failed, f)); err == nil {
			t.Errorf("failed batch published %s", f)
		}
	}
	args := []string{"run", "--db", db, "--input", input, "--out", out, "--as-of", "2026-03-01T02:00:00Z"}
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), args, &stdout, &stderr); err != nil {
		t.Fatalf("run: %v\n%s", err, stderr.String())
	}
	for _, f := range []struct{ top, batch string }{
		{"decisions.csv", filepath.Join("latest", "triage", "decisions.csv")},
		{"report.html", filepath.Join("latest", "report.html")},
	} {
		top := filepath.Join(out, f.top)
		if got, want := read(t, top), read(t, filepath.Join(out, f.batch)); got != want || got == "" {
			t.Errorf("%s is not the latest batch's %s (%d bytes, want %d)", top, f.batch, len(got), len(want))
		}
		if !strings.Contains(stdout.String(), " "+top+"\n") {
			t.Errorf("output does not name %s:\n%s", top, stdout.String())
		}
	}
	entries, _ := os.ReadDir(out)
	for _, en := range entries {
		if strings.Contains(en.Name(), ".tmp") {
			t.Errorf("temporary file %s left in %s", en.Name(), out)
		}
	}

	// Triage scores with the signals evaluate built, once.
	if n := strings.Count(stderr.String(), "signals: those built earlier in this batch"); n != 1 {
		t.Errorf("the batch reused the signals %d times, want once (by triage):\n%s", n, stderr.String())
	}

	printed := stageTimes(stdout.String())
	if _, err := os.Stat("/proc/self/status"); err == nil {
		for _, st := range printed {
			if st.peakGiB <= 0 {
				t.Errorf("stage %s printed no peak memory:\n%s", st.name, stdout.String())
			}
		}
	}
	store, err := datasets.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	rows, err := store.DB().Query(`SELECT command, started_at, finished_at, parameters FROM runs
		WHERE batch_id = (SELECT batch_id FROM batches WHERE status = 'ok') ORDER BY run_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var commands []string
	var lastFinished time.Time
	snake := regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)
	for rows.Next() {
		var command, params string
		var started, finished time.Time
		if err := rows.Scan(&command, &started, &finished, &params); err != nil {
			t.Fatal(err)
		}
		commands = append(commands, command)
		if started.Before(lastFinished) {
			t.Errorf("%s started at %v, before the previous stage finished at %v", command, started, lastFinished)
		}
		lastFinished = finished
		k := slices.IndexFunc(printed, func(s stageTime) bool { return s.name == command })
		if k < 0 {
			t.Errorf("run of %s, a stage the batch did not print", command)
		} else if d := finished.Sub(started) - printed[k].took; d < -60*time.Millisecond || d > 60*time.Millisecond {
			t.Errorf("%s: recorded %v, the batch printed %v", command, finished.Sub(started), printed[k].took)
		}
		var p map[string]any
		if err := json.Unmarshal([]byte(params), &p); err != nil {
			t.Fatalf("%s parameters %s: %v", command, params, err)
		}
		for key := range p {
			if !snake.MatchString(key) {
				t.Errorf("%s parameter key %q is not snake_case", command, key)
			}
		}
		if command != "mine" && p["db"] != db { // mine records its mining parameters only
			t.Errorf("%s recorded db %v, want %s", command, p["db"], db)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if want := []string{"ingest", "mine", "evaluate", "triage", "outcomes"}; !cmp.Equal(commands, want) {
		t.Errorf("stage runs %v, want %v", commands, want)
	}
}

// Without --policy-out, evaluate writes policy.json in --out, or beside
// the database without --out, and says where; triage takes that file.
func TestEvaluatePolicyDefault(t *testing.T) {
	org, _ := nightlyOrg(t, 1000)
	work := t.TempDir()
	db := filepath.Join(work, "rolemine.duckdb")
	ctx := context.Background()
	if err := run(ctx, []string{"ingest", "--db", db, org}, &bytes.Buffer{}, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{nil, filepath.Join(work, "policy.json")},
		{[]string{"--out", filepath.Join(work, "eval")}, filepath.Join(work, "eval", "policy.json")},
	} {
		var stderr bytes.Buffer
		if err := run(ctx, append([]string{"evaluate", "--db", db}, tt.args...), &bytes.Buffer{}, &stderr); err != nil {
			t.Fatalf("evaluate %q: %v\n%s", tt.args, err, stderr.String())
		}
		if !strings.Contains(stderr.String(), " to "+tt.want+"\n") {
			t.Errorf("evaluate %q does not say it wrote %s:\n%s", tt.args, tt.want, stderr.String())
		}
		if err := run(ctx, []string{"triage", "--db", db, "--policy", tt.want, "--out", filepath.Join(work, "triage")}, &bytes.Buffer{}, &stderr); err != nil {
			t.Errorf("triage with %s: %v\n%s", tt.want, err, stderr.String())
		}
	}
}
