package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"rolemine/datasets/shareddata"
)

// TestMineMetricsTimes checks that metrics.json reports the true times:
// the whole command's wall time holds the mining and the generalisation
// measure (which run at the same time), and is no more than the command
// took.
func TestMineMetricsTimes(t *testing.T) {
	dir := t.TempDir()
	var pairs strings.Builder
	for u := range 300 { // three overlapping roles of 20 entitlements
		for p := range 20 {
			fmt.Fprintf(&pairs, "%d %d\n", u, (u%3)*10+p)
		}
	}
	in := filepath.Join(dir, "pairs.txt")
	if err := os.WriteFile(in, []byte(pairs.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, objective := range []string{"roles", "wsc"} {
		out := filepath.Join(dir, objective)
		began := time.Now()
		err := run(context.Background(), []string{"mine", "--input", in, "--format", "pairs", "--objective", objective, "--out", out}, &bytes.Buffer{}, &bytes.Buffer{})
		took := time.Since(began).Seconds()
		if err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(filepath.Join(out, "metrics.json"))
		if err != nil {
			t.Fatal(err)
		}
		var m struct {
			Mining         float64 `json:"mining_seconds"`
			Generalisation float64 `json:"generalisation_seconds"`
			Wall           float64 `json:"wall_seconds"`
		}
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatal(err)
		}
		if m.Mining <= 0 || m.Generalisation <= 0 || m.Wall < max(m.Mining, m.Generalisation) || m.Wall > took {
			t.Errorf("%s: mining %gs + generalisation %gs, wall %gs, command took %gs: want 0 < mining, generalisation ≤ wall ≤ took",
				objective, m.Mining, m.Generalisation, m.Wall, took)
		}
	}
}

// BenchmarkMineHP runs the whole rolemine mine command with its default
// flags (generalisation measured) on each HP benchmark file, as the README
// quotes it: every file under 2 s for --objective roles and 3 s for wsc.
func BenchmarkMineHP(b *testing.B) {
	files, _ := filepath.Glob(shareddata.Path("hp", "*.txt"))
	if len(files) == 0 {
		b.Skip("SKIPPING: no HP benchmark data under " + shareddata.Path("hp"))
	}
	for _, f := range files {
		for _, objective := range []string{"roles", "wsc"} {
			b.Run(strings.TrimSuffix(filepath.Base(f), ".txt")+"/"+objective, func(b *testing.B) {
				for b.Loop() {
					if err := run(context.Background(), []string{"mine", "--input", f, "--format", "pairs", "--objective", objective}, &bytes.Buffer{}, &bytes.Buffer{}); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
