package policy

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"rolemine/eval"
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
	// A hand-edited threshold is detected.
	got.Tiers[1].AutoApprove, got.Tiers[1].Threshold = true, -10
	if err := got.Write(path); err != nil {
		t.Fatal(err)
	}
	if _, err := Read(path); err == nil {
		t.Error("edited policy was accepted")
	}
}

// A policy loads only the model it references: the bytes stored under its
// id must hash to its ModelSHA256, and the model read scores as the one
// fitted.
func TestLoadModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	var xs []model.Instance
	for range 600 {
		r, d := rng.IntN(10), rng.IntN(3)
		xs = append(xs, model.Instance{Tokens: []string{fmt.Sprintf("RESOURCE=%d", r), fmt.Sprintf("DEPT=%d", d)}, Label: r%3 == d || rng.Float64() < 0.6})
	}
	opts := model.DefaultOptions
	opts.Boost.Trees = 10
	m, err := model.Fit(xs, opts, rand.NewPCG(2, 2))
	if err != nil {
		t.Fatal(err)
	}
	data, _ := m.MarshalBinary()
	pol := testPolicy()
	pol.ModelSHA256 = ModelHash(data)
	pol.Seal()
	got, err := pol.LoadModel(data)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range xs[:50] {
		if got.Score(x) != m.Score(x) {
			t.Fatalf("%v: stored model scores %v, fitted %v", x.Tokens, got.Score(x), m.Score(x))
		}
	}
	changed := bytes.Clone(data)
	changed[len(changed)/2] ^= 1
	other, _ := model.Fit(xs[:500], opts, rand.NewPCG(2, 2))
	otherData, _ := other.MarshalBinary()
	for _, c := range []struct {
		name string
		data []byte
	}{{"changed byte", changed}, {"other model", otherData}, {"no bytes", nil}} {
		_, err := pol.LoadModel(c.data)
		if err == nil {
			t.Errorf("%s: loaded", c.name)
			continue
		}
		for _, want := range []string{pol.ID, pol.ModelSHA256, ModelHash(c.data)} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: error %q does not name %s", c.name, err, want)
			}
		}
	}
	none := testPolicy()
	if _, err := none.LoadModel(data); err == nil || !strings.Contains(err.Error(), "references no stored model") {
		t.Errorf("policy without a model reference: error %v", err)
	}
}

// A version 1 policy refitted its model; it is refused with the way out.
func TestReadRefusesVersion1(t *testing.T) {
	pol := testPolicy()
	pol.Version = 1
	pol.Seal()
	path := filepath.Join(t.TempDir(), "policy.json")
	if err := pol.Write(path); err != nil {
		t.Fatal(err)
	}
	_, err := Read(path)
	if err == nil || !strings.Contains(err.Error(), "version 1") || !strings.Contains(err.Error(), "run rolemine evaluate again") {
		t.Errorf("version 1 policy: error %v, want a refusal saying to evaluate again", err)
	}
}

// Tiers the policy never automates get no warning that no threshold holds
// the target; a tier that could be automated but is not keeps its warning.
func TestNewWarnsOnlyForAutomatableTiers(t *testing.T) {
	var scores []float64
	var labels []bool
	var tiers []string
	rng := rand.New(rand.NewPCG(3, 3))
	for _, tier := range []string{"low", "medium", "high", "critical"} {
		for range 300 {
			s := rng.NormFloat64()
			scores, labels, tiers = append(scores, s), append(labels, rng.Float64() < 0.8), append(tiers, tier)
		}
	}
	th, err := eval.SelectThresholds(scores, labels, tiers, eval.DefaultThresholdOptions)
	if err != nil {
		t.Fatal(err)
	}
	if len(th.Warnings) != 4 {
		t.Fatalf("%d threshold warnings, want one per tier: %v", len(th.Warnings), th.Warnings)
	}
	reqs := make([]score.Request, len(scores))
	probs := make([]float64, len(scores))
	for k := range reqs {
		reqs[k] = score.Request{Tier: tiers[k], Decision: "denied"}
		probs[k] = 0.5
	}
	bt := &score.Backtest{Scheme: "5-fold", Requests: reqs, Scores: scores, Probs: probs, Policy: th}
	pol := New(bt, Source{}, eval.DefaultThresholdOptions, "medium", 1, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), 24*time.Hour)
	var got []string
	for _, w := range pol.Warnings {
		got = append(got, w[:strings.Index(w, ":")])
	}
	if diff := cmp.Diff([]string{`group "low"`, `group "medium"`}, got); diff != "" {
		t.Errorf("warnings (-want +got):\n%s\n%q", diff, pol.Warnings)
	}
}
