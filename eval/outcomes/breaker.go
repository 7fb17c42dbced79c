package outcomes

import (
	"fmt"
	"math"

	"rolemine/datasets/schema"
	"rolemine/eval"
	"rolemine/eval/policy"
)

// Tier automation states.
const (
	Automated    = "automated"
	Suspended    = "suspended"
	NotAutomated = "not-automated"
)

// State is a tier's automation state after an assessment.
type State struct {
	Tier  string
	State string
	// RecommendExpand is set for a tier that is not automated but whose
	// reviewed requests admit a threshold keeping the promise; Threshold
	// is that calibrated probability. A human decides.
	RecommendExpand bool
	Threshold       float64
	Reason          string
}

// Assess judges every tier of pol from the measurement of the triage runs
// made under it. suspended holds the tiers an earlier assessment under the
// same policy suspended, with the reason: they stay suspended. look is the
// number of assessments under the policy including this one (at least 1).
//
// Re-testing the growing evidence every night would trip a good tier by
// chance sooner or later; the breaker therefore spends its error budget
// over looks: the j-th look tests at one-sided level
// (1 − Confidence)·6/(π²j²), which sums to at most 1 − Confidence over all
// looks, so a tier that keeps its promise is suspended by mistake with
// probability at most 1 − Confidence over the policy's whole life.
func Assess(pol *policy.File, m *Measurement, suspended map[string]string, look int, opts Options) []State {
	opts.check()
	if look < 1 {
		panic(fmt.Sprintf("outcomes: look %d", look))
	}
	alpha := (1 - opts.Confidence) * 6 / (math.Pi * math.Pi * float64(look*look))
	var out []State
	for _, t := range pol.Tiers {
		st := State{Tier: t.Tier}
		s, _ := m.Tier(t.Tier)
		switch {
		case suspended[t.Tier] != "":
			st.State, st.Reason = Suspended, suspended[t.Tier]
		case t.AutoApprove:
			st.State, st.Reason = breaker(s, alpha, opts)
		default:
			st.State, st.Reason = NotAutomated, t.Reason
			st.RecommendExpand, st.Threshold, st.Reason = expansion(t.Tier, m.reviewed[t.Tier], t.Reason, opts)
		}
		out = append(out, st)
	}
	return out
}

// breaker returns Suspended when the tier's false-approval or rollback rate
// exceeds its tolerance at one-sided level alpha.
func breaker(s Stats, alpha float64, opts Options) (string, string) {
	fa, rb := s.FalseApprovals, s.Rollbacks
	faLower := eval.ClopperPearsonLower(fa.K, fa.N, 1-alpha)
	rbLower := eval.ClopperPearsonLower(rb.K, rb.N, 1-alpha)
	switch {
	case faLower > 1-opts.TargetPrecision:
		return Suspended, fmt.Sprintf("%d false approvals in %d quality-reviewed auto-approvals: the false-approval rate is above %.3g%% with %.4g%% confidence (lower bound %.2f%%)",
			fa.K, fa.N, 100*(1-opts.TargetPrecision), 100*(1-alpha), 100*faLower)
	case rbLower > opts.RollbackTolerance:
		return Suspended, fmt.Sprintf("%d of %d auto-approvals rolled back: the rollback rate is above %.3g%% with %.4g%% confidence (lower bound %.2f%%)",
			rb.K, rb.N, 100*opts.RollbackTolerance, 100*(1-alpha), 100*rbLower)
	}
	if fa.N == 0 && rb.K == 0 {
		return Automated, fmt.Sprintf("no verdicts yet: none of %d auto-approvals quality-reviewed or rolled back", rb.N)
	}
	return Automated, fmt.Sprintf("within promise: %d false approvals in %d quality-reviewed, %d of %d rolled back",
		fa.K, fa.N, rb.K, rb.N)
}

// expansion recommends automating a tier below high risk when its reviewed
// requests admit a threshold whose precision bound reaches the target.
func expansion(tier string, reviewed []scored, why string, opts Options) (bool, float64, string) {
	if schema.RiskRank(tier) >= schema.RiskRank(schema.RiskHigh) {
		return false, 0, why
	}
	if len(reviewed) < opts.MinVerdicts {
		return false, 0, fmt.Sprintf("%s; %d reviewed verdicts so far, %d needed to consider expanding", why, len(reviewed), opts.MinVerdicts)
	}
	probs := make([]float64, len(reviewed))
	labels := make([]bool, len(reviewed))
	for k, r := range reviewed {
		probs[k], labels[k] = r.prob, r.approved
	}
	p, err := eval.SelectThresholds(probs, labels, nil, eval.ThresholdOptions{
		TargetPrecision: opts.TargetPrecision, Confidence: opts.Confidence, MinApproved: opts.MinVerdicts})
	if err != nil || !p.Thresholds[0].OK {
		return false, 0, fmt.Sprintf("%s; %d reviewed verdicts do not yet support a threshold", why, len(reviewed))
	}
	t := p.Thresholds[0]
	return true, t.Value, fmt.Sprintf("recommend expanding: at confidence ≥ %.3f, %d of %d reviewed requests were approved (precision %.4f, lower bound %.4f ≥ %.3g); enable by a new evaluation",
		t.Value, t.Correct, t.Approved, t.Precision, t.Lower, opts.TargetPrecision)
}
