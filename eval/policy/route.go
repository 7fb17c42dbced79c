package policy

import (
	"fmt"

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
	// Conflicting names signals that disagree strongly about the request
	// (one pushing toward approval, another toward denial); a request
	// below its tier's threshold with conflicting signals is escalated
	// rather than reviewed.
	Conflicting string
}

// Rules that route away from auto-approval whatever the score.
const (
	RuleNotInCatalogue    = "not-in-catalogue"
	RuleHighRisk          = "high-risk"
	RulePrivileged        = "privileged"
	RuleSoDConflict       = "sod-conflict"
	RuleUnknownRequester  = "unknown-requester"
	RuleInactiveRequester = "inactive-requester"
	RuleOwnerlessNonHuman = "ownerless-non-human"
	RuleUnknownTier       = "unknown-tier"
)

// Rules of the tier's automation state and threshold.
const (
	RuleThreshold        = "threshold"
	RuleBelowThreshold   = "below-threshold"
	RuleTierNotAutomated = "tier-not-automated"
	RuleTierSuspended    = "tier-suspended"
	// RuleConflictingSignals escalates a below-threshold request whose
	// signals disagree.
	RuleConflictingSignals = "conflicting-signals"
)

// IsHardRule reports whether rule routes a request away from
// auto-approval whatever its score.
func IsHardRule(rule string) bool {
	switch rule {
	case RuleNotInCatalogue, RuleHighRisk, RulePrivileged, RuleSoDConflict,
		RuleUnknownRequester, RuleInactiveRequester, RuleOwnerlessNonHuman, RuleUnknownTier:
		return true
	}
	return false
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
		return Decision{Escalate, RuleNotInCatalogue, fmt.Sprintf("entitlement %s is not in the catalogue", r.Entitlement)}
	case neverAutomated(r.Tier):
		return Decision{Escalate, RuleHighRisk, fmt.Sprintf("%s risk: never auto-approved", r.Tier)}
	case r.Privileged:
		return Decision{Escalate, RulePrivileged, "privileged entitlement: never auto-approved"}
	case x.SoDConflict != "":
		return Decision{Escalate, RuleSoDConflict, "separation-of-duties conflict: " + x.SoDConflict}
	case x.Identities && r.Identity != "" && x.Status == "":
		return Decision{Escalate, RuleUnknownRequester, fmt.Sprintf("requester %s is not a known identity", r.Identity)}
	case x.Identities && x.Status != "" && x.Status != "active":
		return Decision{Escalate, RuleInactiveRequester, fmt.Sprintf("requester %s is %s", r.Identity, x.Status)}
	case x.NonHuman && !x.OwnerActive:
		return Decision{Escalate, RuleOwnerlessNonHuman, fmt.Sprintf("non-human requester %s has no active owner", r.Identity)}
	}
	t, ok := f.Tier(r.Tier)
	switch {
	case !ok:
		return Decision{Escalate, RuleUnknownTier, fmt.Sprintf("risk tier %q is not in the policy", r.Tier)}
	case !t.AutoApprove:
		return Decision{Review, RuleTierNotAutomated, fmt.Sprintf("%s tier is not automated: %s", r.Tier, t.Reason)}
	case t.Suspended != "":
		return Decision{Review, RuleTierSuspended, fmt.Sprintf("auto-approval of the %s tier is suspended: %s", r.Tier, t.Suspended)}
	case x.Score >= t.Threshold:
		return Decision{AutoApprove, RuleThreshold, fmt.Sprintf("confidence %.3f at or above the %s tier's threshold (promised precision %.3g, lower bound %.4f)",
			x.Prob, r.Tier, f.TargetPrecision, t.PrecisionLower)}
	}
	if x.Conflicting != "" {
		return Decision{Escalate, RuleConflictingSignals, fmt.Sprintf("confidence %.3f below the %s tier's threshold %.3f and the signals disagree: %s",
			x.Prob, r.Tier, t.Probability, x.Conflicting)}
	}
	return Decision{Review, RuleBelowThreshold, fmt.Sprintf("confidence %.3f below the %s tier's threshold %.3f", x.Prob, r.Tier, t.Probability)}
}
