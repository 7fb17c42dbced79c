package eval

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestKFold(t *testing.T) {
	labels := make([]bool, 103)
	for i := range labels {
		labels[i] = i%10 != 0 // 11 denials
	}
	for name, splits := range map[string][]Split{
		"plain":      KFold(len(labels), 5, rand.NewPCG(1, 2)),
		"stratified": StratifiedKFold(labels, 5, rand.NewPCG(1, 2)),
	} {
		seen := make([]int, len(labels))
		for k, s := range splits {
			if len(s.Train)+len(s.Test) != len(labels) {
				t.Errorf("%s split %d: %d + %d rows", name, k, len(s.Train), len(s.Test))
			}
			if n := len(s.Test); n < 20 || n > 21 {
				t.Errorf("%s split %d: %d test rows", name, k, n)
			}
			if !slices.IsSorted(s.Train) || !slices.IsSorted(s.Test) {
				t.Errorf("%s split %d: unsorted", name, k)
			}
			for _, r := range s.Test {
				seen[r]++
			}
			if name == "stratified" {
				var den int
				for _, r := range s.Test {
					if !labels[r] {
						den++
					}
				}
				if den < 2 || den > 3 {
					t.Errorf("split %d: %d denials, want 2 or 3", k, den)
				}
			}
		}
		for r, n := range seen {
			if n != 1 {
				t.Fatalf("%s: row %d tested %d times", name, r, n)
			}
		}
	}
}

func TestCutoffRolling(t *testing.T) {
	day := 24 * time.Hour
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	times := []time.Time{t0, t0.Add(day), t0.Add(2 * day), t0.Add(3 * day), t0.Add(4 * day)}
	if diff := cmp.Diff(Split{Train: []int{0, 1}, Test: []int{2, 3, 4}}, Cutoff(times, t0.Add(2*day))); diff != "" {
		t.Errorf("cutoff (-want +got):\n%s", diff)
	}
	// Expanding window, 1-day tests every day, at least 2 training rows:
	// tests start on day 2, 3 and 4.
	got := Rolling(times, RollingOptions{Test: day, Step: day, MinTrain: 2})
	want := []Split{
		{Train: []int{0, 1}, Test: []int{2}},
		{Train: []int{0, 1, 2}, Test: []int{3}},
		{Train: []int{0, 1, 2, 3}, Test: []int{4}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rolling (-want +got):\n%s", diff)
	}
	// A 2-day sliding window starts testing on day 2.
	got = Rolling(times, RollingOptions{Train: 2 * day, Test: day, Step: day, MinTrain: 1})
	want = []Split{
		{Train: []int{0, 1}, Test: []int{2}},
		{Train: []int{1, 2}, Test: []int{3}},
		{Train: []int{2, 3}, Test: []int{4}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("sliding (-want +got):\n%s", diff)
	}
}
