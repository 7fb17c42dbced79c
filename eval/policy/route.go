package policy

import (
	"fmt"

	"rolemine/datasets/schema"
	"rolemine/eval/score"
)

// Route is where a pending request goes.
type Route string

// Routes.
const (
	AutoApprove Route = "auto-approve"
	Review      Route = "review" // a human decides, with evidence pre-filled
	Escalate    Route = "escalate"
)

// Facts is what triage knows about a pending request.
type Facts struct {
	Request score.Request
	Score   float64 // raw model score (log-odds)
	Prob    float64 // calibrated probability of approval
	// Catalogue is true when the data hold an entitlement catalogue, so a
	// request outside it can be recognised.
	Catalogue bool
	// Identities is true when the data hold identities, so an unknown or
	// departed requester can be recognised; Status is the requester's
	// status ("" when unknown).
	Identities bool
	Status     string
	// NonHuman requesters need an active owner (OwnerActive).
	NonHuman, OwnerActive bool
	// SoDConflict names the separation-of-duties rule the request would
	// break, with what the identity holds or another pending request.
	SoDConflict string
}

// Decision is a routed request: where it goes, the rule that decided, and
// the reason in plain words.
type Decision struct {
	Route  Route
	Rule   string
	Reason string
}

// Route applies the hard rules, then the tier's threshold.
func (f *File) Route(x Facts) Decision {
	r := x.Request
	switch {
	case x.Catalogue && !r.InCatalogue:
		return Decision{Escalate, "not-in-catalogue", fmt.Sprintf("entitlement %s is not in the catalogue", r.Entitlement)}
	case schema.RiskRank(r.Tier) >= schema.RiskRank(schema.RiskHigh):
		return Decision{Escalate, "high-risk", fmt.Sprintf("%s risk: never auto-approved", r.Tier)}
	case r.Privileged:
		return Decision{Escalate, "privileged", "privileged entitlement: never auto-approved"}
	case x.SoDConflict != "":
		return Decision{Escalate, "sod-conflict", "separation-of-duties conflict: " + x.SoDConflict}
	case x.Identities && r.Identity != "" && x.Status == "":
		return Decision{Escalate, "unknown-requester", fmt.Sprintf("requester %s is not a known identity", r.Identity)}
	case x.Identities && x.Status != "" && x.Status != "active":
		return Decision{Escalate, "inactive-requester", fmt.Sprintf("requester %s is %s", r.Identity, x.Status)}
	case x.NonHuman && !x.OwnerActive:
		return Decision{Escalate, "ownerless-non-human", fmt.Sprintf("non-human requester %s has no active owner", r.Identity)}
	}
	t, ok := f.Tier(r.Tier)
	switch {
	case !ok:
		return Decision{Escalate, "unknown-tier", fmt.Sprintf("risk tier %q is not in the policy", r.Tier)}
	case !t.AutoApprove:
		return Decision{Review, "tier-not-automated", fmt.Sprintf("%s tier is not automated: %s", r.Tier, t.Reason)}
	case x.Score >= t.Threshold:
		return Decision{AutoApprove, "threshold", fmt.Sprintf("confidence %.3f at or above the %s tier's threshold (promised precision %.3g, lower bound %.4f)",
			x.Prob, r.Tier, f.TargetPrecision, t.PrecisionLower)}
	}
	return Decision{Review, "below-threshold", fmt.Sprintf("confidence %.3f below the %s tier's threshold %.3f", x.Prob, r.Tier, t.Probability)}
}
