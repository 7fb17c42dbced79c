package synth

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// Routed is a request as triage routed it, for Verdicts.
type Routed struct {
	RequestID string
	// AutoApproved requests are granted; QASample ones also go to a
	// quality reviewer. Other requests go to a human reviewer.
	AutoApproved, QASample bool
	At                     time.Time // when triage routed it
}

// Outcome is one row of an outcomes file: a human verdict (approved,
// denied) or a revocation (revoked).
type Outcome struct {
	RequestID, Outcome, Actor string
	At                        time.Time
}

// VerdictOptions are the settings of Verdicts.
type VerdictOptions struct {
	// ErrorRate is the share of verdicts that contradict the careful
	// decision: 0 for reviewers who always decide as a careful reviewer
	// would, 1 for reviewers who always contradict it. In [0, 1].
	ErrorRate float64
	// RollbackShare is the share of wrongly granted auto-approvals whose
	// access is revoked later. In [0, 1].
	RollbackShare float64
	// MeanHours is the mean time from triage to a verdict. Positive.
	MeanHours float64
	Seed      uint64
}

// DefaultVerdictOptions are reviewers who decide as a careful reviewer
// would, in a day on average, and revoke half of the wrong auto-approvals
// they find.
var DefaultVerdictOptions = VerdictOptions{ErrorRate: 0, RollbackShare: 0.5, MeanHours: 24, Seed: 1}

// Verdicts plays the organisation's reviewers after a triage: for each
// routed request whose careful decision is known (careful maps request ids
// to approved true or false, the true_decision of ground_truth/decisions.csv),
// quality-sampled auto-approvals and every request routed to a person get
// a verdict, and a share of the auto-approvals that should have been denied
// are revoked. Requests without a careful decision get nothing. The result
// depends only on the inputs and the seed.
func Verdicts(routed []Routed, careful map[string]bool, opts VerdictOptions) []Outcome {
	if !(opts.ErrorRate >= 0 && opts.ErrorRate <= 1) || !(opts.RollbackShare >= 0 && opts.RollbackShare <= 1) || !(opts.MeanHours > 0) {
		panic(fmt.Sprintf("synth: verdict options %+v out of range", opts))
	}
	rng := rand.New(rand.NewPCG(opts.Seed, 17))
	after := func(at time.Time) time.Time {
		h := -opts.MeanHours * math.Log(1-rng.Float64())
		return at.Add(time.Duration(h * float64(time.Hour))).Truncate(time.Second)
	}
	var out []Outcome
	for _, r := range routed {
		approve, known := careful[r.RequestID]
		if !known {
			continue
		}
		if rng.Float64() < opts.ErrorRate {
			approve = !approve
		}
		verdict := map[bool]string{true: "approved", false: "denied"}[approve]
		switch {
		case r.AutoApproved && r.QASample:
			out = append(out, Outcome{r.RequestID, verdict, "quality-reviewer", after(r.At)})
		case !r.AutoApproved:
			out = append(out, Outcome{r.RequestID, verdict, "reviewer", after(r.At)})
		}
		if r.AutoApproved && !careful[r.RequestID] && rng.Float64() < opts.RollbackShare {
			out = append(out, Outcome{r.RequestID, "revoked", "access-owner", after(r.At).Add(7 * 24 * time.Hour)})
		}
	}
	return out
}
