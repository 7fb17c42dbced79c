package main

import (
	"bytes"
	"context"
	"path/filepath"
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
