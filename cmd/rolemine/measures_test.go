package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"rolemine/datasets/synth"
)

// TestNightlyMeasuresTakenOver runs four nights: the second, a day after
// the first on changed assignments, takes over the first night's
// generalisation and replay, says so and stores neither as its own; the
// third, with a campaign more, replays again; the fourth, ten days after
// the first and eight after the third (--refit-days 7), measures both
// again. A mine run by hand takes the measure over only when its mining
// parameters are the same.
func TestNightlyMeasuresTakenOver(t *testing.T) {
	_, input := nightlyOrg(t, 1000)
	work := t.TempDir()
	db, out := filepath.Join(work, "db.duckdb"), filepath.Join(work, "out")
	night := func(asOf string) {
		t.Helper()
		args := []string{"run", "--db", db, "--input", input, "--out", out, "--as-of", asOf, "--with", "hygiene,review"}
		var stdout, stderr bytes.Buffer
		if err := run(context.Background(), args, &stdout, &stderr); err != nil {
			t.Fatalf("run %s: %v\n%s%s", asOf, err, stdout.String(), stderr.String())
		}
	}
	night("2026-06-30")
	dropAssignment(t, filepath.Join(input, synth.AssignmentsFile))
	night("2026-07-01")
	mines := queryStrings(t, db, `SELECT run_id FROM runs WHERE command = 'mine' ORDER BY run_id`)
	reviews := queryStrings(t, db, `SELECT run_id FROM runs WHERE command = 'review' ORDER BY run_id`)
	if len(mines) != 2 || len(reviews) != 2 {
		t.Fatalf("mine runs %v, review runs %v: want two of each", mines, reviews)
	}

	var metrics struct {
		Metrics struct {
			Generalisation json.RawMessage `json:"generalisation"`
		} `json:"metrics"`
		TakenOver *takenOverGeneralisation `json:"generalisation_taken_over"`
	}
	readJSON(t, batchFile(t, out, "2026-07-01", "roles", "metrics.json"), &metrics)
	if metrics.TakenOver == nil || strconv.FormatInt(metrics.TakenOver.Run, 10) != mines[0] || metrics.Metrics.Generalisation != nil {
		t.Errorf("night 2's generalisation: taken over %+v, own %s; want run %s's taken over, none of its own", metrics.TakenOver, metrics.Metrics.Generalisation, mines[0])
	}
	if metrics.TakenOver != nil && metrics.TakenOver.Metrics.Hidden == 0 {
		t.Errorf("night 2's generalisation taken over without its figures: %+v", metrics.TakenOver)
	}
	var summary struct {
		Replay *struct {
			From      string            `json:"from"`
			Campaigns []json.RawMessage `json:"campaigns"`
		} `json:"replay"`
	}
	readJSON(t, batchFile(t, out, "2026-07-01", "review", "summary.json"), &summary)
	if summary.Replay == nil || !strings.Contains(summary.Replay.From, "review run "+reviews[0]+" on 2026-06-30") || len(summary.Replay.Campaigns) == 0 {
		t.Errorf("night 2's replay %+v: want run %s's, said so", summary.Replay, reviews[0])
	}
	page, err := os.ReadFile(batchFile(t, out, "2026-07-01", "review", "summary.html"))
	if err != nil || !bytes.Contains(page, []byte("Replay measured by review run "+reviews[0])) {
		t.Errorf("night 2's summary page does not say whose replay it shows (%v)", err)
	}
	own := `SELECT count(*) FROM metrics WHERE run_id = ? AND (metric LIKE 'generalisation.%' OR metric LIKE 'replay.%')`
	for _, run := range []string{mines[1], reviews[1]} {
		if n := queryStrings(t, db, own, run); n[0] != "0" {
			t.Errorf("run %s stored %s measures it took over as its own", run, n[0])
		}
	}

	// A campaign more: the replay is measured again, the generalisation
	// still taken over.
	addCampaign(t, filepath.Join(input, synth.CertificationsFile), "2026-Q2", "2026-06-30 12:00:00")
	night("2026-07-02")
	metrics.TakenOver, metrics.Metrics.Generalisation = nil, nil
	readJSON(t, batchFile(t, out, "2026-07-02", "roles", "metrics.json"), &metrics)
	if metrics.TakenOver == nil {
		t.Errorf("night 3 measured the generalisation again, want it taken over")
	}
	summary.Replay = nil
	readJSON(t, batchFile(t, out, "2026-07-02", "review", "summary.json"), &summary)
	if summary.Replay == nil || summary.Replay.From != "" {
		t.Errorf("night 3's replay %+v, want it measured again, on the new campaign", summary.Replay)
	}

	// Eight days on, with nothing changed, both are measured again.
	night("2026-07-10")
	metrics.TakenOver, metrics.Metrics.Generalisation = nil, nil
	readJSON(t, batchFile(t, out, "2026-07-10", "roles", "metrics.json"), &metrics)
	if metrics.TakenOver != nil || metrics.Metrics.Generalisation == nil {
		t.Errorf("night 4 (10 days on) took over the generalisation %+v, want it measured", metrics.TakenOver)
	}
	summary.Replay = nil
	readJSON(t, batchFile(t, out, "2026-07-10", "review", "summary.json"), &summary)
	if summary.Replay == nil || summary.Replay.From != "" {
		t.Errorf("night 4's replay %+v, want it measured", summary.Replay)
	}

	// By hand, on the wall clock, the batches' measures are months old
	// unless the age allowed is large; then the parameters decide (0.7 is
	// the default similarity the batches mined with).
	for _, c := range []struct {
		similarity string
		takeOver   bool
	}{{"0.7", true}, {"0.6", false}} {
		var stdout bytes.Buffer
		args := []string{"mine", "--db", db, "--generalisation-days", "100000", "--similarity", c.similarity}
		if err := run(context.Background(), args, &stdout, &bytes.Buffer{}); err != nil {
			t.Fatalf("mine --similarity %s: %v", c.similarity, err)
		}
		if got := strings.Contains(stdout.String(), "not again in this run"); got != c.takeOver {
			t.Errorf("mine --similarity %s took over a measure: %v, want %v\n%s", c.similarity, got, c.takeOver, stdout.String())
		}
	}
}

// dropAssignment removes the first data row of an assignments file.
func dropAssignment(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	header, rest, _ := bytes.Cut(data, []byte("\n"))
	_, rest, _ = bytes.Cut(rest, []byte("\n"))
	if err := os.WriteFile(path, append(append(header, '\n'), rest...), 0o644); err != nil {
		t.Fatal(err)
	}
}

// addCampaign appends to a certifications file a keep decision of campaign
// at time at, on the access and by the reviewer of its first row.
func addCampaign(t *testing.T, path, campaign, at string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	first := strings.Split(strings.SplitN(string(data), "\n", 3)[1], ",")
	row := strings.Join([]string{first[0], first[1], campaign, at, "keep", first[5]}, ",") + "\n"
	if err := os.WriteFile(path, append(data, row...), 0o644); err != nil {
		t.Fatal(err)
	}
}

// batchFile is the path of a file in the output of the one batch of night.
func batchFile(t *testing.T, out, night string, parts ...string) string {
	t.Helper()
	dirs, _ := filepath.Glob(filepath.Join(out, "batches", night+"-*"))
	if len(dirs) != 1 {
		t.Fatalf("batches of %s: %v, want one", night, dirs)
	}
	return filepath.Join(append([]string{dirs[0]}, parts...)...)
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
