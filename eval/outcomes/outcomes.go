package outcomes

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"slices"
	"time"

	"rolemine/eval"
	"rolemine/eval/policy"
)

// Outcome kinds.
const (
	Verdict  = "verdict"  // a human decided the request (review or QA)
	Rollback = "rollback" // granted access was later revoked
)

// Decision is one request as a triage run routed it.
type Decision struct {
	Run         int64
	RequestID   string
	Tier        string
	Route       policy.Route
	Rule        string
	QASample    bool
	Probability float64
	At          time.Time // when triage routed it
}

// Automatable reports whether automation could have decided d: it was
// auto-approved, or routed to review only by its score or its tier's state,
// not by a hard rule.
func (d Decision) Automatable() bool {
	return d.Route == policy.AutoApprove || (d.Route == policy.Review && !policy.IsHardRule(d.Rule))
}

// Outcome is what happened to a request after triage.
type Outcome struct {
	RequestID string
	Kind      string // Verdict or Rollback
	Approved  bool   // the verdict, for Kind Verdict
	At        time.Time
}

// Options are the settings of Measure and Assess.
type Options struct {
	// TargetPrecision is the policy's promise; 1 − TargetPrecision is the
	// tolerated false-approval rate. In (0, 1).
	TargetPrecision float64
	// Confidence of the intervals and of the breaker's one-sided bounds.
	// In (0, 1).
	Confidence float64
	// RollbackTolerance is the tolerated rollback rate of auto-approvals.
	// In (0, 1).
	RollbackTolerance float64
	// MinVerdicts is the least number of reviewed requests with verdicts a
	// threshold must rest on before expansion to a tier is recommended.
	MinVerdicts int
}

// DefaultOptions match the default policy: 99 % precision at 95 %
// confidence; at most 2 % of auto-approvals rolled back; expansion on at
// least 200 verdicts.
var DefaultOptions = Options{TargetPrecision: 0.99, Confidence: 0.95, RollbackTolerance: 0.02, MinVerdicts: 200}

func (o Options) check() {
	for _, v := range []float64{o.TargetPrecision, o.Confidence, o.RollbackTolerance} {
		if !(v > 0 && v < 1) {
			panic(fmt.Sprintf("outcomes: option %v outside (0, 1)", v))
		}
	}
	if o.MinVerdicts < 1 {
		panic(fmt.Sprintf("outcomes: minimum of %d verdicts", o.MinVerdicts))
	}
}

// Rate is K events in N trials with a two-sided Clopper–Pearson interval.
// Rate, Lower and Upper are NaN when N is 0.
type Rate struct {
	K, N               int
	Rate, Lower, Upper float64
}

func newRate(k, n int, confidence float64) Rate {
	r := Rate{K: k, N: n, Rate: math.NaN(), Lower: math.NaN(), Upper: math.NaN()}
	if n > 0 {
		side := 1 - (1-confidence)/2
		r.Rate = float64(k) / float64(n)
		r.Lower = eval.ClopperPearsonLower(k, n, side)
		r.Upper = eval.ClopperPearsonUpper(k, n, side)
	}
	return r
}

// Stats are the measures of one tier, over one triage run (Run) or over
// all runs given (Run 0).
type Stats struct {
	Tier     string
	Run      int64
	Runs     int // triage runs counted
	Requests int
	// AutoApproved requests, QASampled of them sent to quality review.
	AutoApproved, QASampled int
	// FalseApprovals: K QA verdicts "denied" of N QA verdicts.
	FalseApprovals Rate
	// Rollbacks: K auto-approvals revoked of N auto-approvals.
	Rollbacks Rate
	// Reviewed requests automation could have decided (see Automatable)
	// that have a verdict; FalseEscalations: K approved of them.
	FalseEscalations Rate
	// MedianHours from triage to a verdict, NaN when there is none.
	MedianHours float64
}

// Measurement is the result of Measure.
type Measurement struct {
	// PerRun holds the Stats of each triage run, ordered by run then tier;
	// Overall those over all runs, by tier.
	PerRun, Overall []Stats
	// reviewed are the automatable reviewed requests with a verdict, by
	// tier: the evidence for expanding automation.
	reviewed map[string][]scored
}

type scored struct {
	prob     float64
	approved bool
}

// Measure tallies decisions against outcomes per tier, for each triage run
// and over all of them. Outcomes of requests not among decisions are
// ignored; when a request was routed by several runs, its latest routing
// counts for Overall.
func Measure(decisions []Decision, outs []Outcome, opts Options) *Measurement {
	opts.check()
	m := &Measurement{reviewed: map[string][]scored{}}
	byRequest := map[string][]Outcome{}
	for _, o := range outs {
		byRequest[o.RequestID] = append(byRequest[o.RequestID], o)
	}
	runs := map[int64][]Decision{}
	latest := map[string]Decision{}
	for _, d := range decisions {
		runs[d.Run] = append(runs[d.Run], d)
		if l, ok := latest[d.RequestID]; !ok || d.Run > l.Run {
			latest[d.RequestID] = d
		}
	}
	for _, run := range slices.Sorted(maps.Keys(runs)) {
		m.PerRun = append(m.PerRun, tally(run, runs[run], byRequest, opts)...)
	}
	all := make([]Decision, 0, len(latest))
	for _, d := range latest {
		all = append(all, d)
	}
	slices.SortFunc(all, func(a, b Decision) int { return cmp.Compare(a.RequestID, b.RequestID) })
	m.Overall = tally(0, all, byRequest, opts)
	for k := range m.Overall {
		m.Overall[k].Runs = len(runs)
	}
	for _, d := range all {
		if v, ok := lastVerdict(byRequest[d.RequestID]); ok && d.Route == policy.Review && d.Automatable() {
			m.reviewed[d.Tier] = append(m.reviewed[d.Tier], scored{d.Probability, v.Approved})
		}
	}
	return m
}

// Tier returns the overall Stats of tier, or ok false.
func (m *Measurement) Tier(tier string) (Stats, bool) {
	i := slices.IndexFunc(m.Overall, func(s Stats) bool { return s.Tier == tier })
	if i < 0 {
		return Stats{}, false
	}
	return m.Overall[i], true
}

type counts struct {
	requests, auto, qa, verified, denied, rolledBack, reviewed, approvedReviewed int
	hours                                                                        []float64
}

// tally computes the Stats of decisions per tier, sorted by tier.
func tally(run int64, decisions []Decision, byRequest map[string][]Outcome, opts Options) []Stats {
	tiers := map[string]*counts{}
	for _, d := range decisions {
		c := tiers[d.Tier]
		if c == nil {
			c = &counts{}
			tiers[d.Tier] = c
		}
		c.add(d, byRequest[d.RequestID])
	}
	out := make([]Stats, 0, len(tiers))
	for tier, c := range tiers {
		s := Stats{Tier: tier, Run: run, Runs: 1, Requests: c.requests, AutoApproved: c.auto, QASampled: c.qa,
			FalseApprovals:   newRate(c.denied, c.verified, opts.Confidence),
			Rollbacks:        newRate(c.rolledBack, c.auto, opts.Confidence),
			FalseEscalations: newRate(c.approvedReviewed, c.reviewed, opts.Confidence),
			MedianHours:      median(c.hours)}
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b Stats) int { return cmp.Compare(a.Tier, b.Tier) })
	return out
}

func (c *counts) add(d Decision, outs []Outcome) {
	c.requests++
	verdict, hasVerdict := lastVerdict(outs)
	rolledBack := slices.ContainsFunc(outs, func(o Outcome) bool { return o.Kind == Rollback })
	if hasVerdict && !verdict.At.IsZero() && !d.At.IsZero() {
		c.hours = append(c.hours, verdict.At.Sub(d.At).Hours())
	}
	switch {
	case d.Route == policy.AutoApprove:
		c.auto++
		if rolledBack {
			c.rolledBack++
		}
		if d.QASample {
			c.qa++
			if hasVerdict {
				c.verified++
				if !verdict.Approved {
					c.denied++
				}
			}
		}
	case d.Automatable() && hasVerdict:
		c.reviewed++
		if verdict.Approved {
			c.approvedReviewed++
		}
	}
}

// lastVerdict returns the latest verdict among outs.
func lastVerdict(outs []Outcome) (Outcome, bool) {
	var v Outcome
	found := false
	for _, o := range outs {
		if o.Kind == Verdict && (!found || o.At.After(v.At)) {
			v, found = o, true
		}
	}
	return v, found
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
