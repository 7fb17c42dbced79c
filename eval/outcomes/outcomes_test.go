package outcomes

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"rolemine/eval/policy"
)

var t0 = time.Date(2026, 11, 1, 2, 0, 0, 0, time.UTC)

func TestMeasure(t *testing.T) {
	ds := []Decision{
		{Run: 1, RequestID: "a", Tier: "low", Route: policy.AutoApprove, Rule: policy.RuleThreshold, QASample: true, At: t0},
		{Run: 1, RequestID: "b", Tier: "low", Route: policy.AutoApprove, Rule: policy.RuleThreshold, QASample: true, At: t0},
		{Run: 1, RequestID: "c", Tier: "low", Route: policy.AutoApprove, Rule: policy.RuleThreshold, At: t0},
		{Run: 1, RequestID: "d", Tier: "low", Route: policy.Review, Rule: policy.RuleBelowThreshold, At: t0},
		{Run: 1, RequestID: "e", Tier: "low", Route: policy.Escalate, Rule: policy.RuleSoDConflict, At: t0},
		{Run: 2, RequestID: "f", Tier: "medium", Route: policy.Review, Rule: policy.RuleTierNotAutomated, At: t0},
		// d routed again by run 2: its latest routing counts overall.
		{Run: 2, RequestID: "d", Tier: "low", Route: policy.Review, Rule: policy.RuleBelowThreshold, At: t0.Add(24 * time.Hour)},
	}
	outs := []Outcome{
		{RequestID: "a", Kind: Verdict, Approved: true, At: t0.Add(2 * time.Hour)},
		{RequestID: "b", Kind: Verdict, Approved: false, At: t0.Add(4 * time.Hour)},
		{RequestID: "c", Kind: Rollback, At: t0.Add(48 * time.Hour)},
		{RequestID: "d", Kind: Verdict, Approved: true, At: t0.Add(30 * time.Hour)},
		{RequestID: "e", Kind: Verdict, Approved: true, At: t0.Add(6 * time.Hour)}, // hard rule: not a false escalation
		{RequestID: "f", Kind: Verdict, Approved: false, At: t0.Add(8 * time.Hour)},
		{RequestID: "zz", Kind: Verdict, Approved: false}, // unknown request: ignored
	}
	m := Measure(ds, outs, DefaultOptions)
	type row struct {
		Tier                                string
		Run                                 int64
		Requests, Auto, QA                  int
		FA, Verified, RB, RBN, FE, Reviewed int
	}
	var got []row
	for _, s := range append(m.PerRun, m.Overall...) {
		got = append(got, row{s.Tier, s.Run, s.Requests, s.AutoApproved, s.QASampled,
			s.FalseApprovals.K, s.FalseApprovals.N, s.Rollbacks.K, s.Rollbacks.N, s.FalseEscalations.K, s.FalseEscalations.N})
	}
	want := []row{
		{"low", 1, 5, 3, 2, 1, 2, 1, 3, 1, 1},
		{"low", 2, 1, 0, 0, 0, 0, 0, 0, 1, 1},
		{"medium", 2, 1, 0, 0, 0, 0, 0, 0, 0, 1},
		{"low", 0, 5, 3, 2, 1, 2, 1, 3, 1, 1},
		{"medium", 0, 1, 0, 0, 0, 0, 0, 0, 0, 1},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Measure (-want +got):\n%s", diff)
	}
	low, _ := m.Tier("low")
	// Verdict hours of a, b, d (latest routing, 6 h after it), e: 2, 4, 6, 6.
	if low.MedianHours != 5 {
		t.Errorf("median hours %v, want 5", low.MedianHours)
	}
	if fa := low.FalseApprovals; fa.Rate != 0.5 || !(fa.Lower < 0.5 && fa.Upper > 0.5) {
		t.Errorf("false-approval rate %+v: want 0.5 inside its interval", fa)
	}
	if s := m.PerRun[2]; !math.IsNaN(s.FalseApprovals.Rate) {
		t.Errorf("rate without trials %v, want NaN", s.FalseApprovals.Rate)
	}
}

func testPolicy() *policy.File {
	return &policy.File{TargetPrecision: 0.99, Confidence: 0.95, Tiers: []policy.Tier{
		{Tier: "low", AutoApprove: true},
		{Tier: "medium", Reason: "no threshold qualified"},
		{Tier: "high", Reason: "never automated"},
	}}
}

// night simulates one triage run of n auto-approvals in tier low, a QA
// share of them reviewed, each wrongly approved with probability bad.
func night(run int64, n int, bad float64, rng *rand.Rand) ([]Decision, []Outcome) {
	var ds []Decision
	var outs []Outcome
	for k := range n {
		id := fmt.Sprintf("r%d-%d", run, k)
		qa := rng.Float64() < 0.05
		ds = append(ds, Decision{Run: run, RequestID: id, Tier: "low", Route: policy.AutoApprove, Rule: policy.RuleThreshold, QASample: qa, At: t0})
		if qa {
			outs = append(outs, Outcome{RequestID: id, Kind: Verdict, Approved: rng.Float64() >= bad, At: t0.Add(time.Hour)})
		}
	}
	return ds, outs
}

// breakerTrips runs nights of the simulation and returns the night the
// breaker suspended tier low, or 0.
func breakerTrips(nights, perNight int, bad float64, seed uint64) int {
	rng := rand.New(rand.NewPCG(seed, 3))
	var ds []Decision
	var outs []Outcome
	for run := 1; run <= nights; run++ {
		d, o := night(int64(run), perNight, bad, rng)
		ds, outs = append(ds, d...), append(outs, o...)
		states := Assess(testPolicy(), Measure(ds, outs, DefaultOptions), nil, run, DefaultOptions)
		if states[0].State == Suspended {
			return run
		}
	}
	return 0
}

// TestBreakerSimulation runs many simulated policies for 20 nights each,
// 1,000 auto-approvals a night with 5 % quality-reviewed. Verdicts that
// stay good (0.3 % false approvals, within the 1 % tolerance) must trip the
// breaker in at most 1 − confidence of them (5 %, allowing binomial slack:
// at most 2 of 20); verdicts that turn bad (5 % false approvals) must trip
// it in every one, within 10 nights (500 quality verdicts).
func TestBreakerSimulation(t *testing.T) {
	const policies, nights, perNight = 20, 20, 1000
	good, slow := 0, 0
	for seed := range uint64(policies) {
		if n := breakerTrips(nights, perNight, 0.003, seed); n > 0 {
			good++
		}
		n := breakerTrips(nights, perNight, 0.05, 1000+seed)
		if n == 0 {
			t.Errorf("seed %d: bad verdicts never tripped the breaker", seed)
		}
		if n > 10 {
			slow++
		}
	}
	if good > 2 {
		t.Errorf("good verdicts tripped the breaker in %d of %d policies", good, policies)
	}
	if slow > 0 {
		t.Errorf("bad verdicts took more than 10 nights to trip in %d of %d policies", slow, policies)
	}
	t.Logf("false trips: %d of %d", good, policies)
}

func TestAssessStates(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	ds, outs := night(1, 200, 0, rng)
	// 300 medium requests reviewed by threshold-less routing, approved
	// when their probability is high: enough to recommend expanding.
	for k := range 600 {
		id := fmt.Sprintf("m%d", k)
		p := float64(k) / 600
		ds = append(ds, Decision{Run: 1, RequestID: id, Tier: "medium", Route: policy.Review, Rule: policy.RuleTierNotAutomated, Probability: p, At: t0})
		outs = append(outs, Outcome{RequestID: id, Kind: Verdict, Approved: p > 0.3, At: t0})
	}
	m := Measure(ds, outs, DefaultOptions)
	states := Assess(testPolicy(), m, map[string]string{}, 1, DefaultOptions)
	if states[0].State != Automated || states[1].State != NotAutomated || !states[1].RecommendExpand || states[2].RecommendExpand {
		t.Fatalf("states %+v", states)
	}
	if th := states[1].Threshold; !(th > 0.3 && th < 0.9) {
		t.Errorf("recommended threshold %v, want in (0.3, 0.9)", th)
	}
	// An earlier suspension holds whatever the new evidence.
	states = Assess(testPolicy(), m, map[string]string{"low": "tripped on night 3"}, 2, DefaultOptions)
	if states[0].State != Suspended || states[0].Reason != "tripped on night 3" {
		t.Errorf("suspension not kept: %+v", states[0])
	}
}

// TestBreakerReason checks the reason a tier stays automated: with no
// verdict yet it says so rather than claiming the promise is kept.
func TestBreakerReason(t *testing.T) {
	for _, tt := range []struct {
		name  string
		stats Stats
		want  string
	}{
		{"night one", Stats{FalseApprovals: Rate{K: 0, N: 0}, Rollbacks: Rate{K: 0, N: 77}},
			"no verdicts yet: none of 77 auto-approvals quality-reviewed or rolled back"},
		{"verdicts in", Stats{FalseApprovals: Rate{K: 0, N: 7}, Rollbacks: Rate{K: 0, N: 77}},
			"within promise: 0 false approvals in 7 quality-reviewed, 0 of 77 rolled back"},
		{"a rollback", Stats{FalseApprovals: Rate{K: 0, N: 0}, Rollbacks: Rate{K: 1, N: 77}},
			"within promise: 0 false approvals in 0 quality-reviewed, 1 of 77 rolled back"},
	} {
		state, why := breaker(tt.stats, 0.05, DefaultOptions)
		if state != Automated || why != tt.want {
			t.Errorf("%s: breaker = %s, %q; want %s, %q", tt.name, state, why, Automated, tt.want)
		}
	}
}
