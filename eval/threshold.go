package eval

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// ThresholdOptions are the settings of SelectThresholds.
type ThresholdOptions struct {
	// TargetPrecision is the share of auto-approved requests that a human
	// would also have approved, which the policy promises. In (0, 1).
	TargetPrecision float64
	// Confidence is the one-sided confidence of the Clopper–Pearson lower
	// bound that must reach TargetPrecision. In (0, 1).
	Confidence float64
	// MinApproved is the least number of held-out decisions AT OR ABOVE a
	// threshold (that the policy would have auto-approved) for the
	// threshold to qualify. It is a count of auto-approved decisions, not of
	// all decisions in the group: the more conservative reading. At least 1.
	MinApproved int
}

// DefaultThresholdOptions promise 99 % precision at 95 % confidence, resting
// on at least 200 auto-approved held-out decisions. (With these values the
// bound alone already needs 299 auto-approved decisions with no error.)
var DefaultThresholdOptions = ThresholdOptions{
	TargetPrecision: 0.99,
	Confidence:      0.95,
	MinApproved:     200,
}

func (o ThresholdOptions) check() {
	if !(o.TargetPrecision > 0 && o.TargetPrecision < 1) {
		panic(fmt.Sprintf("eval: target precision %v outside (0, 1)", o.TargetPrecision))
	}
	if !(o.Confidence > 0 && o.Confidence < 1) {
		panic(fmt.Sprintf("eval: confidence %v outside (0, 1)", o.Confidence))
	}
	if o.MinApproved < 1 {
		panic(fmt.Sprintf("eval: minimum of %d auto-approved decisions", o.MinApproved))
	}
}

// Threshold is the auto-approval rule chosen for one group: approve when the
// score is at least Value. If OK is false no threshold qualified, Value is
// +Inf and the group gets no auto-approval; the counts then describe the
// group as a whole.
type Threshold struct {
	Group string
	OK    bool
	Value float64
	// N and Human are the held-out decisions of the group and how many of
	// them the human approved.
	N, Human int
	// Approved held-out decisions scored at least Value; Correct of those
	// were approved by the human.
	Approved, Correct int
	// Precision is Correct/Approved and Lower its one-sided Clopper–Pearson
	// lower bound at the chosen confidence.
	Precision, Lower float64
	// Recall is Correct/Human, Coverage is Approved/N.
	Recall, Coverage float64
}

// Warning is a finding that did not stop a computation. Group is empty when
// it concerns all rows.
type Warning struct {
	Group   string
	Message string
}

func (w Warning) String() string {
	if w.Group == "" {
		return w.Message
	}
	return fmt.Sprintf("group %q: %s", w.Group, w.Message)
}

// Policy is a set of per-group thresholds with the options that chose them
// and any warnings.
type Policy struct {
	Options    ThresholdOptions
	Thresholds []Threshold // sorted by Group
	Warnings   []Warning
}

// Threshold returns the threshold of group; ok is false for a group that was
// not seen when the policy was chosen.
func (p *Policy) Threshold(group string) (t Threshold, ok bool) {
	i, found := slices.BinarySearchFunc(p.Thresholds, group, func(t Threshold, g string) int { return cmp.Compare(t.Group, g) })
	if !found {
		return Threshold{Group: group, Value: math.Inf(1)}, false
	}
	return p.Thresholds[i], true
}

// Approve reports whether a request of group with the given score is
// auto-approved. Unknown groups and groups without a qualifying threshold
// are never auto-approved.
func (p *Policy) Approve(group string, score float64) bool {
	t, ok := p.Threshold(group)
	return ok && t.OK && score >= t.Value
}

// SelectThresholds chooses, separately for each group, the lowest threshold
// among the distinct held-out scores such that the requests scoring at least
// it number at least opts.MinApproved and the one-sided Clopper–Pearson lower
// bound (at opts.Confidence) of their precision is at least
// opts.TargetPrecision. Scores should be out-of-fold (held-out) scores, and
// the same monotone map of them must be used when the policy is applied.
//
// groups may be nil, in which case all rows form the one group "". Groups
// without a qualifying threshold get OK false and a warning.
//
// Scanning every threshold and keeping the lowest that passes is a mild form
// of selection; the precision at a threshold is cumulative over all scores
// above it, so neighbouring tests are strongly dependent and the effect is
// small, but the bound is not a simultaneous guarantee.
//
// It returns an error naming the index of a NaN score. It panics if the
// slices are not parallel or opts are out of range.
func SelectThresholds(scores []float64, labels []bool, groups []string, opts ThresholdOptions) (*Policy, error) {
	checkLen(scores, labels)
	if groups != nil && len(groups) != len(scores) {
		panic(fmt.Sprintf("eval: %d scores but %d groups", len(scores), len(groups)))
	}
	opts.check()
	if err := checkScores(scores); err != nil {
		return nil, err
	}
	p := &Policy{Options: opts}
	for _, g := range partition(groups, len(scores)) {
		s, l := gather(scores, labels, g.rows)
		t := selectOne(s, l, opts)
		t.Group = g.name
		p.Thresholds = append(p.Thresholds, t)
		if !t.OK {
			p.Warnings = append(p.Warnings, Warning{Group: g.name, Message: fmt.Sprintf(
				"no auto-approval: no threshold reaches precision %v at %v confidence with at least %d auto-approved of %d held-out decisions (%d approved by humans)",
				opts.TargetPrecision, opts.Confidence, opts.MinApproved, t.N, t.Human)})
		}
	}
	return p, nil
}

func selectOne(scores []float64, labels []bool, opts ThresholdOptions) Threshold {
	pts, _ := Sweep(scores, labels) // scores were checked
	t := Threshold{N: len(scores), Value: math.Inf(1)}
	for _, l := range labels {
		if l {
			t.Human++
		}
	}
	for _, pt := range slices.Backward(pts) {
		if pt.Approved < opts.MinApproved {
			break // thresholds above this one approve fewer still
		}
		lo := ClopperPearsonLower(pt.Correct, pt.Approved, opts.Confidence)
		if lo >= opts.TargetPrecision {
			t.OK = true
			t.Value = pt.Threshold
			t.Approved, t.Correct = pt.Approved, pt.Correct
			t.Precision, t.Lower = pt.Precision, lo
			t.Recall, t.Coverage = pt.Recall, pt.Coverage
			return t
		}
	}
	return t
}

type part struct {
	name string
	rows []int
}

// partition returns the rows of each distinct group, groups sorted by name.
// A nil groups slice gives one group "" of all n rows.
func partition(groups []string, n int) []part {
	if groups == nil {
		rows := make([]int, n)
		for i := range rows {
			rows[i] = i
		}
		return []part{{rows: rows}}
	}
	m := make(map[string][]int)
	for i, g := range groups {
		m[g] = append(m[g], i)
	}
	parts := make([]part, 0, len(m))
	for g, rows := range m {
		parts = append(parts, part{g, rows})
	}
	slices.SortFunc(parts, func(a, b part) int { return cmp.Compare(a.name, b.name) })
	return parts
}

func gather(scores []float64, labels []bool, rows []int) ([]float64, []bool) {
	s := make([]float64, len(rows))
	l := make([]bool, len(rows))
	for i, r := range rows {
		s[i], l[i] = scores[r], labels[r]
	}
	return s, l
}
