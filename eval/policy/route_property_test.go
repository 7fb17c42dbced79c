package policy

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"rolemine/datasets/schema"
	"rolemine/eval/score"
)

// randomPolicy returns a policy whose tiers, including high and critical,
// may be automated at any threshold, as a corrupted or hand-edited policy
// file could say; some tiers are suspended.
func randomPolicy(rng *rand.Rand) *File {
	f := &File{TargetPrecision: 0.99}
	for _, tier := range schema.RiskTiers {
		t := Tier{Tier: tier, AutoApprove: rng.IntN(4) > 0, Threshold: rng.NormFloat64() * 3}
		if rng.IntN(6) == 0 {
			t.Suspended = "tripped"
		}
		f.Tiers = append(f.Tiers, t)
	}
	return f
}

// randomFacts returns a request with every fact drawn at random, scores
// included (up to +Inf).
func randomFacts(rng *rand.Rand, k int) Facts {
	tiers := append([]string{"", "unknown"}, schema.RiskTiers...)
	statuses := []string{"", "active", "terminated", "suspended"}
	r := score.Request{ID: fmt.Sprint("r", k), Identity: fmt.Sprint("I", rng.IntN(5)), Entitlement: "E1",
		Tier: tiers[rng.IntN(len(tiers))], Privileged: rng.IntN(3) == 0, InCatalogue: rng.IntN(5) > 0}
	if rng.IntN(6) == 0 {
		r.Identity = ""
	}
	x := Facts{Request: r, Score: rng.NormFloat64() * 5, Catalogue: rng.IntN(4) > 0, Identities: rng.IntN(4) > 0,
		Status: statuses[rng.IntN(len(statuses))], NonHuman: rng.IntN(3) == 0, OwnerActive: rng.IntN(2) == 0}
	if rng.IntN(10) == 0 {
		x.Score = math.Inf(1)
	}
	if rng.IntN(4) == 0 {
		x.SoDConflict = "rule S1: already holds E2"
	}
	if rng.IntN(5) == 0 {
		x.Conflicting = "for: peers; against: past denials"
	}
	return x
}

// TestRouteNeverAutoApprovesUnsafe is a property test: over many random
// policies and requests, whatever the score and the policy say, a request
// that is high or critical risk, privileged, in separation-of-duties
// conflict, outside the catalogue, of an unknown or inactive requester, of
// a non-human requester without an active owner, or of a suspended or
// unknown tier is never auto-approved; and every request is routed with a
// rule and a reason.
func TestRouteNeverAutoApprovesUnsafe(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	auto := 0
	for p := range 500 {
		f := randomPolicy(rng)
		for k := range 200 {
			x := randomFacts(rng, k)
			d := f.Route(x)
			if d.Rule == "" || d.Reason == "" {
				t.Fatalf("policy %d request %d: no rule or reason: %+v", p, k, d)
			}
			if d.Route != AutoApprove {
				continue
			}
			auto++
			r := x.Request
			tier, _ := f.Tier(r.Tier)
			unsafe := map[string]bool{
				"high or critical risk":     schema.RiskRank(r.Tier) >= schema.RiskRank(schema.RiskHigh),
				"unknown tier":              schema.RiskRank(r.Tier) < 0,
				"privileged":                r.Privileged,
				"sod conflict":              x.SoDConflict != "",
				"outside the catalogue":     x.Catalogue && !r.InCatalogue,
				"unknown requester":         x.Identities && r.Identity != "" && x.Status == "",
				"inactive requester":        x.Identities && x.Status != "" && x.Status != "active",
				"ownerless non-human":       x.NonHuman && !x.OwnerActive,
				"suspended tier":            tier.Suspended != "",
				"tier not automated":        !tier.AutoApprove,
				"score below threshold":     x.Score < tier.Threshold,
				"rule other than threshold": d.Rule != RuleThreshold,
			}
			for why, bad := range unsafe {
				if bad {
					t.Fatalf("policy %d request %d auto-approved although %s: %+v", p, k, why, x)
				}
			}
		}
	}
	if auto == 0 {
		t.Fatal("no request was auto-approved: the property was never exercised")
	}
}
