package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"rolemine/datasets"
	"rolemine/datasets/synth"
	"rolemine/features/hygiene"
)

// On a generated enterprise, hygiene and review write the files of their
// contract and store their results with a runs row.
func TestHygieneReviewGenerated(t *testing.T) {
	work := t.TempDir()
	opts := synth.DefaultOptions
	opts.Identities, opts.Entitlements = 800, 300
	if _, err := synth.Generate(opts, filepath.Join(work, "org")); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(work, "db.duckdb")
	ctx := context.Background()
	var stderr bytes.Buffer
	for _, args := range [][]string{
		{"ingest", "--db", db, filepath.Join(work, "org")},
		// A review before any hygiene run checks for itself.
		{"review", "--db", db, "--out", filepath.Join(work, "rv-alone")},
		{"hygiene", "--db", db, "--out", filepath.Join(work, "hy"), "--truth", filepath.Join(work, "org", "ground_truth")},
		{"review", "--db", db, "--out", filepath.Join(work, "rv")},
	} {
		var stdout bytes.Buffer
		stderr.Reset()
		if err := run(ctx, args, &stdout, &stderr); err != nil {
			t.Fatalf("rolemine %v: %v\n%s", args, err, stderr.String())
		}
	}
	// The review after hygiene takes its findings, and gives the same
	// packets as the review that checked for itself.
	if !strings.Contains(stderr.String(), "hygiene findings: those of hygiene run") {
		t.Errorf("the review after hygiene did not use its findings:\n%s", stderr.String())
	}
	samePackets(t, filepath.Join(work, "rv-alone"), filepath.Join(work, "rv"))
	// findings.csv: the contract's columns; duplicates name both ids.
	f, err := os.Open(filepath.Join(work, "hy", "findings.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(findingsHeader, recs[0]); diff != "" {
		t.Errorf("findings.csv header (-want +got):\n%s", diff)
	}
	dups := 0
	for _, r := range recs[1:] {
		if r[0] == "duplicate-identity" && r[1] != "notice" {
			dups++
			if r[3] == "" || r[5] == "" {
				t.Errorf("duplicate row without both ids: %v", r)
			}
		}
	}
	if dups == 0 {
		t.Errorf("no duplicate-identity rows")
	}
	var summary struct {
		Truth []struct {
			Name      string
			Precision float64
			Recall    float64
		} `json:"ground_truth"`
	}
	data, _ := os.ReadFile(filepath.Join(work, "hy", "summary.json"))
	if err := json.Unmarshal(data, &summary); err != nil || len(summary.Truth) == 0 {
		t.Fatalf("summary.json: %v, %d scores", err, len(summary.Truth))
	}
	// review: one HTML and one CSV per reviewer, and the summary.
	var rv struct {
		Totals  map[string]int
		Packets []struct{ HTML, CSV string }
		Replay  *struct {
			Campaigns []any
			Overall   struct{ Items int }
		}
	}
	data, _ = os.ReadFile(filepath.Join(work, "rv", "summary.json"))
	if err := json.Unmarshal(data, &rv); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(filepath.Join(work, "rv"))
	if len(rv.Packets) == 0 || len(entries) != 2*len(rv.Packets)+3 || rv.Replay == nil || len(rv.Replay.Campaigns) == 0 {
		t.Errorf("%d packets, %d files, replay %v", len(rv.Packets), len(entries), rv.Replay)
	}
	// Both runs are stored.
	store, err := datasets.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	var findings, items, runs int
	err = store.DB().QueryRowContext(ctx, `SELECT (SELECT count(*) FROM hygiene_findings),
		(SELECT count(*) FROM review_items WHERE run_id = (SELECT max(run_id) FROM runs WHERE command = 'review')),
		(SELECT count(*) FROM runs WHERE command IN ('hygiene', 'review'))`).Scan(&findings, &items, &runs)
	if err != nil || findings != len(recs)-1 || items != rv.Totals["items"] || runs != 3 {
		t.Errorf("stored %d findings (want %d), %d items (want %d), %d runs: %v", findings, len(recs)-1, items, rv.Totals["items"], runs, err)
	}
	// The review run's summary has the totals and the replay, set once the
	// replay finished beside the writing.
	var summaryItems, replayItems sql.NullInt64
	err = store.DB().QueryRowContext(ctx, `SELECT CAST(summary->>'$.totals.items' AS BIGINT), CAST(summary->>'$.replay.overall.items' AS BIGINT)
		FROM runs WHERE run_id = (SELECT max(run_id) FROM runs WHERE command = 'review')`).Scan(&summaryItems, &replayItems)
	if err != nil || summaryItems.Int64 != int64(rv.Totals["items"]) || replayItems.Int64 != int64(rv.Replay.Overall.Items) {
		t.Errorf("review run summary: %v items, replay %v (want %d, %d): %v", summaryItems, replayItems, rv.Totals["items"], rv.Replay.Overall.Items, err)
	}
	checkStoredItems(t, store, filepath.Join(work, "rv"))
}

// checkStoredItems checks that the review items stored by the latest
// review run are those of the packets' CSV files in dir: reviewer (NULL
// for the unassigned packet), access, suggestion, group, and a confidence
// exactly when the item is pre-decided.
func checkStoredItems(t *testing.T, store *datasets.Store, dir string) {
	t.Helper()
	rows, err := store.DB().Query(`SELECT coalesce(reviewer_id, ''), identity_id, entitlement_id, suggestion, confidence IS NOT NULL, item_group
		FROM review_items WHERE run_id = (SELECT max(run_id) FROM runs WHERE command = 'review')`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	stored := map[[6]string]bool{}
	for rows.Next() {
		var k [6]string
		var confident bool
		if err := rows.Scan(&k[0], &k[1], &k[2], &k[3], &confident, &k[5]); err != nil {
			t.Fatal(err)
		}
		k[4] = fmt.Sprint(confident)
		stored[k] = true
	}
	files, _ := filepath.Glob(filepath.Join(dir, "packet-*.csv"))
	n := 0
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(f).ReadAll()
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs[1:] {
			k := [6]string{r[0], r[1], r[3], r[6], fmt.Sprint(r[7] != ""), r[8]}
			if !stored[k] {
				t.Errorf("%s: item %v is not stored as such", filepath.Base(name), k)
				return
			}
			n++
		}
	}
	if n != len(stored) || n == 0 {
		t.Errorf("the packets hold %d items, %d distinct items are stored", n, len(stored))
	}
}

// samePackets checks that directories a and b hold the same packet CSV
// files, byte for byte.
func samePackets(t *testing.T, a, b string) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(a, "packet-*.csv"))
	others, _ := filepath.Glob(filepath.Join(b, "packet-*.csv"))
	if len(files) == 0 || len(files) != len(others) {
		t.Fatalf("%d packets in %s, %d in %s", len(files), a, len(others), b)
	}
	for _, name := range files {
		x, _ := os.ReadFile(name)
		y, err := os.ReadFile(filepath.Join(b, filepath.Base(name)))
		if err != nil || !bytes.Equal(x, y) {
			t.Errorf("%s differs between %s and %s (%v)", filepath.Base(name), a, b, err)
		}
	}
}

// The hygiene run whose findings review takes is the latest on the
// snapshot at the reference time that ran all three checks review uses.
func TestHygieneRunFor(t *testing.T) {
	ctx := context.Background()
	store, err := datasets.Open(ctx, filepath.Join(t.TempDir(), "db.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	const asOf, other = "2026-06-30T00:00:00Z", "2026-07-01T00:00:00Z"
	record := func(snapshot int64, asOf string, checks ...string) int64 {
		run := &datasets.Run{Command: "hygiene", SnapshotID: snapshot, StartedAt: time.Now(),
			Parameters: map[string]any{"as_of": asOf, "check": append([]string{}, checks...)}}
		if err := store.Write(ctx, func(tx *datasets.Tx) error { return tx.RecordRun(run, nil) }); err != nil {
			t.Fatal(err)
		}
		return run.ID
	}
	if _, ok, err := hygieneRunFor(ctx, store, 1, asOf); ok || err != nil {
		t.Fatalf("no hygiene run yet: got ok %v, %v", ok, err)
	}
	all := record(1, asOf)
	record(1, asOf, hygiene.CheckUnusedAccess)                                  // not the checks review uses
	record(1, asOf, hygiene.CheckDuplicateIdentity, hygiene.CheckNonHumanOwner) // one missing
	record(1, other)                                                            // another reference time
	record(2, asOf)                                                             // another snapshot
	if run, ok, err := hygieneRunFor(ctx, store, 1, asOf); run != all || !ok || err != nil {
		t.Errorf("got run %d (%v, %v), want %d", run, ok, err, all)
	}
	chosen := record(1, asOf, append([]string{hygiene.CheckSoDViolation}, reviewChecks...)...)
	if run, _, _ := hygieneRunFor(ctx, store, 1, asOf); run != chosen {
		t.Errorf("got run %d, want the later run %d with every check review uses", run, chosen)
	}
}
