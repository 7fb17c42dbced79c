package eval

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func repeat(n int, score float64, approved int) ([]float64, []bool) {
	s := make([]float64, n)
	l := make([]bool, n)
	for i := range s {
		s[i] = score
		l[i] = i < approved
	}
	return s, l
}

func TestSelectThresholds(t *testing.T) {
	var scores []float64
	var labels []bool
	var groups []string
	add := func(g string, n int, score float64, approved int) {
		s, l := repeat(n, score, approved)
		scores = append(scores, s...)
		labels = append(labels, l...)
		for range n {
			groups = append(groups, g)
		}
	}
	// Tier "a": 400 clean decisions at 0.9 qualify (lower bound
	// 0.05^(1/400) = 0.99254); adding the 100 at 0.5 with 50 denials does
	// not, so 0.9 is the lowest qualifying threshold.
	add("a", 400, 0.9, 400)
	add("a", 100, 0.5, 50)
	// Tier "b": 250 clean decisions bound precision below 0.99
	// (0.05^(1/250) = 0.98809): no auto-approval.
	add("b", 250, 0.95, 250)
	// Tier "c": 150 clean decisions are fewer than MinApproved even for a
	// loose target.
	add("c", 150, 0.99, 150)
	p, err := SelectThresholds(scores, labels, groups, DefaultThresholdOptions)
	if err != nil {
		t.Fatal(err)
	}
	want := []Threshold{
		{Group: "a", OK: true, Value: 0.9, N: 500, Human: 450, Approved: 400, Correct: 400,
			Precision: 1, Lower: math.Pow(0.05, 1.0/400), Recall: 400.0 / 450, Coverage: 0.8},
		{Group: "b", Value: math.Inf(1), N: 250, Human: 250},
		{Group: "c", Value: math.Inf(1), N: 150, Human: 150},
	}
	if diff := cmp.Diff(want, p.Thresholds, cmpopts.EquateApprox(0, 1e-9)); diff != "" {
		t.Errorf("thresholds (-want +got):\n%s", diff)
	}
	if len(p.Warnings) != 2 || p.Warnings[0].Group != "b" || p.Warnings[1].Group != "c" {
		t.Errorf("warnings %v", p.Warnings)
	}
	for _, c := range []struct {
		group string
		score float64
		want  bool
	}{{"a", 0.9, true}, {"a", 0.89, false}, {"b", 1, false}, {"unknown", 1, false}} {
		if got := p.Approve(c.group, c.score); got != c.want {
			t.Errorf("Approve(%q, %v) = %v, want %v", c.group, c.score, got, c.want)
		}
	}

	loose := ThresholdOptions{TargetPrecision: 0.9, Confidence: 0.95, MinApproved: 200}
	p, err = SelectThresholds(scores, labels, groups, loose)
	if err != nil {
		t.Fatal(err)
	}
	// At target 0.9, tier "a" qualifies down to 0.5 (450 of 500, lower
	// bound ≈ 0.876 < 0.9: no), so still 0.9; tier "b" qualifies; "c" has
	// too few decisions.
	var got []bool
	for _, th := range p.Thresholds {
		got = append(got, th.OK)
	}
	if diff := cmp.Diff([]bool{true, true, false}, got); diff != "" {
		t.Errorf("qualifying tiers at 0.9 (-want +got):\n%s", diff)
	}
}
