package policy

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"rolemine/eval/model"
	"rolemine/eval/score"
)

func testPolicy() *File {
	f := &File{Version: Version, CreatedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), ExpiresAt: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC),
		Source: Source{DatabaseID: "db1", SnapshotID: 3}, TargetPrecision: 0.99, Confidence: 0.95, MinDecisions: 200,
		Tiers: []Tier{
			{Tier: "low", AutoApprove: true, Threshold: 2, Probability: 0.98, PrecisionLower: 0.991},
			{Tier: "medium", Reason: "no threshold qualifies"},
			{Tier: "high", Reason: "never auto-approved: high risk"},
			{Tier: "critical", Reason: "never auto-approved: critical risk"},
		}}
	f.Seal()
	return f
}

// The hard rules come before any threshold: a request that would pass the
// low tier's threshold is still escalated when one of them applies.
func TestRouteHardRulesBeforeThreshold(t *testing.T) {
	pol := testPolicy()
	base := Facts{Request: score.Request{ID: "r", Identity: "u1", Entitlement: "e1", Tier: "low", InCatalogue: true},
		Score: 5, Prob: 0.999, Catalogue: true, Identities: true, Status: "active"}
	tests := []struct {
		name   string
		change func(*Facts)
		want   Route
		rule   string
	}{
		{"standard low-risk case", func(*Facts) {}, AutoApprove, "threshold"},
		{"below threshold", func(x *Facts) { x.Score = 1 }, Review, "below-threshold"},
		{"tier not automated", func(x *Facts) { x.Request.Tier = "medium" }, Review, "tier-not-automated"},
		{"not in catalogue", func(x *Facts) { x.Request.InCatalogue = false }, Escalate, "not-in-catalogue"},
		{"no catalogue at all", func(x *Facts) { x.Request.InCatalogue, x.Catalogue = false, false }, AutoApprove, "threshold"},
		{"high risk", func(x *Facts) { x.Request.Tier = "high" }, Escalate, "high-risk"},
		{"critical risk", func(x *Facts) { x.Request.Tier = "critical" }, Escalate, "high-risk"},
		{"privileged", func(x *Facts) { x.Request.Privileged = true }, Escalate, "privileged"},
		{"SoD conflict", func(x *Facts) { x.SoDConflict = "SOD-1 with e9 (held)" }, Escalate, "sod-conflict"},
		{"unknown requester", func(x *Facts) { x.Status = "" }, Escalate, "unknown-requester"},
		{"terminated requester", func(x *Facts) { x.Status = "terminated" }, Escalate, "inactive-requester"},
		{"ownerless bot", func(x *Facts) { x.NonHuman, x.OwnerActive = true, false }, Escalate, "ownerless-non-human"},
		{"owned bot", func(x *Facts) { x.NonHuman, x.OwnerActive = true, true }, AutoApprove, "threshold"},
		{"attributes only (no identities)", func(x *Facts) { x.Identities, x.Status, x.Request.Identity = false, "", "" }, AutoApprove, "threshold"},
		{"unknown tier", func(x *Facts) { x.Request.Tier = "extreme" }, Escalate, "unknown-tier"},
	}
	for _, tc := range tests {
		x := base
		tc.change(&x)
		got := pol.Route(x)
		if got.Route != tc.want || got.Rule != tc.rule {
			t.Errorf("%s: route %s by %s (%s), want %s by %s", tc.name, got.Route, got.Rule, got.Reason, tc.want, tc.rule)
		}
		if got.Reason == "" {
			t.Errorf("%s: no reason", tc.name)
		}
	}
}

func TestPolicyFileRoundTripAndChecks(t *testing.T) {
	pol := testPolicy()
	path := filepath.Join(t.TempDir(), "policy.json")
	if err := pol.Write(path); err != nil {
		t.Fatal(err)
	}
	got, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(pol, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	if err := got.Check(time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC), "db1"); err != nil {
		t.Errorf("valid policy refused: %v", err)
	}
	if err := got.Check(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), "db1"); !errors.Is(err, ErrExpired) {
		t.Errorf("expired policy: error %v, want ErrExpired", err)
	}
	if err := got.Check(time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC), "db2"); !errors.Is(err, ErrOtherSource) {
		t.Errorf("other database: error %v, want ErrOtherSource", err)
	}
	// Refitting needs the model settings the policy was learned with.
	got.Model = ModelSignature(model.DefaultOptions)
	if err := got.CheckModel(model.DefaultOptions); err != nil {
		t.Errorf("same model refused: %v", err)
	}
	other := model.DefaultOptions
	other.Boost.Trees++
	if err := got.CheckModel(other); err == nil {
		t.Error("other model settings accepted")
	}
	named := model.DefaultOptions
	named.NumericNames = []string{"peers"}
	if err := got.CheckModel(named); err != nil {
		t.Errorf("signal names changed the model signature: %v", err)
	}
	// A hand-edited threshold is detected.
	got.Tiers[1].AutoApprove, got.Tiers[1].Threshold = true, -10
	if err := got.Write(path); err != nil {
		t.Fatal(err)
	}
	if _, err := Read(path); err == nil {
		t.Error("edited policy was accepted")
	}
}
