package main

import (
	"bytes"
	"context"
	"path/filepath"
	"slices"
	"testing"

	"rolemine/datasets"
)

// TestSignalCache checks that the kept scoring data are handed out only
// while the snapshot and the mining run they were built from are the
// latest.
func TestSignalCache(t *testing.T) {
	_, input := nightlyOrg(t, 400)
	db := filepath.Join(t.TempDir(), "c.duckdb")
	rolemine := func(args ...string) {
		t.Helper()
		var stderr bytes.Buffer
		if err := run(context.Background(), append(args, "--db", db), &bytes.Buffer{}, &stderr); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, stderr.String())
		}
	}
	rolemine("ingest", input)
	rolemine("mine", "--out", filepath.Join(t.TempDir(), "roles"))
	ctx := context.Background()
	load := func(c *signalCache) (*scoringData, bool) {
		t.Helper()
		store, err := datasets.Open(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		defer store.Close()
		data, reused, err := c.load(ctx, store)
		if err != nil {
			t.Fatal(err)
		}
		if data == nil || data.signals == nil {
			t.Fatal("no signals built")
		}
		return data, reused
	}
	var none *signalCache
	if _, reused := load(none); reused {
		t.Error("a nil cache reused data")
	}
	c := &signalCache{}
	first, reused := load(c)
	if reused {
		t.Error("the first load reused data")
	}
	if again, reused := load(c); !reused || again != first {
		t.Errorf("second load: reused %v, same data %v; want the kept data", reused, again == first)
	}
	rolemine("mine", "--out", filepath.Join(t.TempDir(), "roles"))
	if after, reused := load(c); reused || after == first {
		t.Errorf("after a new mine run: reused %v, same data %v; want data built again", reused, after == first)
	}
	c.drop()
	if _, reused := load(c); reused {
		t.Error("a dropped cache reused data")
	}
}

// TestSignalCacheKeptMatrix checks that the signals start from the matrix
// mine kept only when it is that of the store's current snapshot, and
// that they then score as the signals built from a fresh load do.
func TestSignalCacheKeptMatrix(t *testing.T) {
	_, input := nightlyOrg(t, 400)
	db := filepath.Join(t.TempDir(), "k.duckdb")
	var stderr bytes.Buffer
	for _, args := range [][]string{{"ingest", input}, {"mine", "--out", filepath.Join(t.TempDir(), "roles")}} {
		if err := run(context.Background(), append(args, "--db", db), &bytes.Buffer{}, &stderr); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, stderr.String())
		}
	}
	ctx := context.Background()
	store, err := datasets.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	snapshot, err := store.LatestSnapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	kept, err := loadSnapshotMatrix(ctx, store, snapshot)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		kept   snapshotMatrix
		reused bool
	}{
		{"current snapshot", *kept, true},
		{"older snapshot", snapshotMatrix{db: kept.db, snapshot: snapshot - 1, m: kept.m, attrs: kept.attrs}, false},
		{"other database", snapshotMatrix{db: kept.db + ".other", snapshot: snapshot, m: kept.m, attrs: kept.attrs}, false},
	} {
		c := &signalCache{}
		c.keepMatrix(&tc.kept)
		data, _, err := c.load(ctx, store)
		if err != nil {
			t.Fatal(err)
		}
		if got := data.m == kept.m; got != tc.reused {
			t.Errorf("%s: signals built on the kept matrix %v, want %v", tc.name, got, tc.reused)
		}
		fresh, err := loadScoringData(ctx, store, nil)
		if err != nil {
			t.Fatal(err)
		}
		for row := 0; row < fresh.m.Rows(); row += 37 {
			col := row % fresh.m.Cols()
			if got, want := data.signals.Compute(nil, row, col, 1<<40), fresh.signals.Compute(nil, row, col, 1<<40); !slices.Equal(got, want) {
				t.Fatalf("%s: signals of (%d, %d) = %v, a fresh load gives %v", tc.name, row, col, got, want)
			}
		}
	}
	c := &signalCache{}
	c.keepMatrix(kept)
	c.drop()
	if data, _, err := c.load(ctx, store); err != nil || data.m == kept.m {
		t.Errorf("a dropped matrix was used (err %v)", err)
	}
}
