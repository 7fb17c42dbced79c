package policy

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"time"

	"rolemine/datasets/schema"
	"rolemine/eval"
	"rolemine/eval/model"
	"rolemine/eval/score"
)

// Version is the policy file format version. Version 2 references the
// fitted model stored in the database (ModelSHA256); version 1 policies
// had their model refitted by every triage and are refused.
const Version = 2

// File is a policy file.
type File struct {
	Version   int       `json:"version"`
	ID        string    `json:"policy_id"` // hash of the content, set by Seal
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
	Source    Source    `json:"source"`

	TargetPrecision float64 `json:"target_precision"`
	Confidence      float64 `json:"confidence"`
	MinDecisions    int     `json:"min_decisions"`
	DefaultRisk     string  `json:"default_risk"`
	Scheme          string  `json:"backtest"`
	Seed            uint64  `json:"seed"`
	// MaxDecisions is the bound on the most recent decisions the model is
	// trained on (score.Training); 0 means all.
	MaxDecisions int `json:"max_decisions,omitempty"`
	// ModelSHA256 is the SHA-256 (hex) of the binary form of the model
	// fitted on the training decisions with the backtest's settings
	// (ModelHash), stored in the database under the policy's id. Triage and
	// score load that model (LoadModel) and refuse any other: the
	// calibration map and the thresholds belong to its scores.
	ModelSHA256 string `json:"model_sha256"`

	Tiers []Tier `json:"tiers"`
	// Calibration maps raw model scores to probabilities of approval:
	// points of the isotonic map fitted on held-out scores, increasing.
	Calibration []CalibrationPoint `json:"calibration"`
	// NeverAutoApprove lists the hard rules that route a request away from
	// auto-approval whatever its score.
	NeverAutoApprove []string `json:"never_auto_approve"`
	Warnings         []string `json:"warnings,omitempty"`
}

// Source is the data a policy was learned from.
type Source struct {
	DatabaseID string `json:"database_id"`
	SnapshotID int64  `json:"snapshot_id"`
	// DataHash is the SHA-256 of the training decisions (request id and
	// decision, in order) the policy's model was fitted on.
	DataHash  string `json:"data_hash"`
	Decisions int    `json:"decisions"`
	Approved  int    `json:"approved"`
}

// Tier is the policy for one risk tier.
type Tier struct {
	Tier        string `json:"tier"`
	AutoApprove bool   `json:"auto_approve"`
	Reason      string `json:"reason"`
	// Threshold is the least raw model score (log-odds) auto-approved;
	// Probability the calibrated probability at it.
	Threshold   float64 `json:"threshold,omitempty"`
	Probability float64 `json:"probability_at_threshold,omitempty"`
	// HeldOut decisions of the tier in the backtest; ExpectedCoverage the
	// share of them the threshold would auto-approve, ExpectedPrecision the
	// share of those a human approved, with its one-sided lower bound and
	// a two-sided interval at the policy's confidence.
	HeldOut           int     `json:"held_out"`
	AutoApproved      int     `json:"auto_approved_in_backtest"`
	ExpectedCoverage  float64 `json:"expected_coverage"`
	ExpectedPrecision float64 `json:"expected_precision,omitempty"`
	PrecisionLower    float64 `json:"precision_lower_bound,omitempty"`
	PrecisionUpper    float64 `json:"precision_upper_bound,omitempty"`
	// Suspended is set (not stored in the file) when the circuit breaker
	// suspended the tier's auto-approval under this policy: the reason.
	Suspended string `json:"-"`
}

// CalibrationPoint is one point of the calibration map.
type CalibrationPoint struct {
	Score float64 `json:"score"`
	Prob  float64 `json:"probability"`
}

// Probability returns the calibrated probability of a raw score,
// interpolating linearly between calibration points and holding the end
// values beyond them.
func (f *File) Probability(s float64) float64 {
	c := f.Calibration
	if len(c) == 0 {
		return 1 / (1 + math.Exp(-s))
	}
	i, _ := slices.BinarySearchFunc(c, s, func(p CalibrationPoint, s float64) int { return cmp.Compare(p.Score, s) })
	switch {
	case i == 0:
		return c[0].Prob
	case i == len(c):
		return c[len(c)-1].Prob
	}
	a, b := c[i-1], c[i]
	if b.Score == a.Score {
		return b.Prob
	}
	return a.Prob + (b.Prob-a.Prob)*(s-a.Score)/(b.Score-a.Score)
}

// calibration samples the held-out (score, probability) pairs of a
// backtest into at most n points of a non-decreasing map.
func calibration(bt *score.Backtest, n int) []CalibrationPoint {
	var pts []CalibrationPoint
	for k, s := range bt.Scores {
		if !math.IsNaN(s) && !math.IsNaN(bt.Probs[k]) {
			pts = append(pts, CalibrationPoint{s, bt.Probs[k]})
		}
	}
	slices.SortFunc(pts, func(a, b CalibrationPoint) int { return cmp.Compare(a.Score, b.Score) })
	var out []CalibrationPoint
	step := max(1, len(pts)/n)
	for k := 0; k < len(pts); k += step {
		p := pts[k]
		if len(out) > 0 {
			p.Prob = max(p.Prob, out[len(out)-1].Prob) // cross-fitted maps may disagree slightly
		}
		out = append(out, p)
	}
	return out
}

// hardRules are the reasons never to auto-approve, in the order checked.
var hardRules = []string{
	"the entitlement is not in the catalogue",
	"high or critical risk",
	"privileged entitlement",
	"separation-of-duties conflict with current or pending access",
	"requester unknown or no longer active",
	"non-human requester without an active owner",
}

// New builds the policy of a backtest. Tiers high and critical never
// auto-approve, so the backtest's warnings that no threshold qualified for
// them are dropped; the others auto-approve where the backtest qualified a
// threshold. The caller sets ModelSHA256 (and MaxDecisions) and Seals it.
func New(bt *score.Backtest, src Source, opts eval.ThresholdOptions, defaultRisk string, seed uint64, created time.Time, valid time.Duration) *File {
	f := &File{Version: Version, CreatedAt: created.UTC(), ExpiresAt: created.Add(valid).UTC(), Source: src,
		TargetPrecision: opts.TargetPrecision, Confidence: opts.Confidence, MinDecisions: opts.MinApproved,
		DefaultRisk: defaultRisk, Scheme: bt.Scheme, Seed: seed, NeverAutoApprove: slices.Clone(hardRules),
		Warnings: slices.Clone(bt.Warnings)}
	for _, w := range bt.Policy.Warnings {
		if w.Group != "" && neverAutomated(w.Group) {
			continue // no threshold was wanted for it
		}
		f.Warnings = append(f.Warnings, w.String())
	}
	for _, tier := range schema.RiskTiers {
		f.Tiers = append(f.Tiers, tierPolicy(bt, tier, opts))
	}
	f.Calibration = calibration(bt, 200)
	return f
}

// neverAutomated reports whether the policy never auto-approves a risk
// tier, whatever its scores: high and critical.
func neverAutomated(tier string) bool {
	return schema.RiskRank(tier) >= schema.RiskRank(schema.RiskHigh)
}

func tierPolicy(bt *score.Backtest, tier string, opts eval.ThresholdOptions) Tier {
	t := Tier{Tier: tier}
	th, ok := bt.Policy.Threshold(tier)
	if ok {
		t.HeldOut = th.N
	}
	switch {
	case neverAutomated(tier):
		t.Reason = "never auto-approved: " + tier + " risk"
	case !ok || th.N == 0:
		t.Reason = "no held-out decisions of this tier"
	case !th.OK:
		t.Reason = fmt.Sprintf("no threshold reaches precision %.3g at %.0f%% confidence on at least %d auto-approved held-out decisions",
			opts.TargetPrecision, 100*opts.Confidence, opts.MinApproved)
	default:
		t.AutoApprove = true
		t.Threshold = th.Value
		t.Probability = probabilityAt(bt, th.Value)
		t.AutoApproved, t.ExpectedCoverage = th.Approved, th.Coverage
		t.ExpectedPrecision, t.PrecisionLower = th.Precision, th.Lower
		t.PrecisionUpper = eval.ClopperPearsonUpper(th.Correct, th.Approved, opts.Confidence)
		t.Reason = fmt.Sprintf("auto-approve scores ≥ %.3f: %d of %d held-out decisions, %d approved by a human (precision %.4f, lower bound %.4f)",
			th.Value, th.Approved, th.N, th.Correct, th.Precision, th.Lower)
	}
	return t
}

// probabilityAt is the least calibrated probability among held-out
// requests scored at or above threshold.
func probabilityAt(bt *score.Backtest, threshold float64) float64 {
	p := 1.0
	for k, s := range bt.Scores {
		if s >= threshold && !math.IsNaN(bt.Probs[k]) {
			p = min(p, bt.Probs[k])
		}
	}
	return p
}

// Tier returns the policy of tier.
func (f *File) Tier(tier string) (Tier, bool) {
	i := slices.IndexFunc(f.Tiers, func(t Tier) bool { return t.Tier == tier })
	if i < 0 {
		return Tier{}, false
	}
	return f.Tiers[i], true
}

// ModelHash returns the SHA-256 (hex) of a model's binary form, the
// policy's ModelSHA256.
func ModelHash(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// LoadModel returns the policy's model from data, the bytes stored under
// the policy's id. It refuses, naming the policy and both hashes, bytes
// whose SHA-256 is not the policy's ModelSHA256 (another model, or changed
// bytes), and returns the error of model.Model.UnmarshalBinary for bytes
// that are not a model this rolemine reads.
func (f *File) LoadModel(data []byte) (*model.Model, error) {
	if f.ModelSHA256 == "" {
		return nil, fmt.Errorf("policy %s references no stored model: run rolemine evaluate again", f.ID)
	}
	if h := ModelHash(data); h != f.ModelSHA256 {
		return nil, fmt.Errorf("policy %s: the stored model's SHA-256 is %s, the policy references %s: refused (changed or replaced since evaluate wrote it); run rolemine evaluate again",
			f.ID, h, f.ModelSHA256)
	}
	m := new(model.Model)
	if err := m.UnmarshalBinary(data); err != nil {
		return nil, fmt.Errorf("policy %s: model %s: %w", f.ID, f.ModelSHA256, err)
	}
	return m, nil
}

// Suspend suspends auto-approval of tier for the policy's remaining use in
// this process, giving the reason; Route then sends the tier's requests to
// review. Unknown tiers are ignored.
func (f *File) Suspend(tier, reason string) {
	for k := range f.Tiers {
		if f.Tiers[k].Tier == tier {
			f.Tiers[k].Suspended = reason
		}
	}
}

// Seal sets the policy id, the SHA-256 of the policy's content.
func (f *File) Seal() {
	f.ID = ""
	data, _ := json.Marshal(f)
	sum := sha256.Sum256(data)
	f.ID = hex.EncodeToString(sum[:8])
}

// Write writes the policy as indented JSON.
//
// The file is written beside path and renamed over it, so a reader sees
// either the old policy or the new one, never a part.
func (f *File) Write(path string) error {
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(data, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// Read reads a policy file, checking its version and integrity.
func Read(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f File
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("%s: not a policy file: %w", path, err)
	}
	switch {
	case f.Version == 1:
		return nil, fmt.Errorf("%s: policy version 1 (policy %s) has no stored model, this rolemine reads version %d: run rolemine evaluate again", path, f.ID, Version)
	case f.Version != Version:
		return nil, fmt.Errorf("%s: policy version %d, this rolemine reads version %d", path, f.Version, Version)
	}
	id := f.ID
	f.Seal()
	if f.ID != id {
		return nil, fmt.Errorf("%s: policy content does not match its id %s (edited by hand?); run rolemine evaluate again", path, id)
	}
	return &f, nil
}

// ErrExpired and ErrOtherSource are returned by Check.
var (
	ErrExpired     = errors.New("policy expired")
	ErrOtherSource = errors.New("policy built on another data source")
)

// Check refuses a policy past its expiry or built on another database.
func (f *File) Check(now time.Time, databaseID string) error {
	if now.After(f.ExpiresAt) {
		return fmt.Errorf("%w on %s (policy %s, created %s): run rolemine evaluate to build a new one",
			ErrExpired, f.ExpiresAt.Format(time.DateOnly), f.ID, f.CreatedAt.Format(time.DateOnly))
	}
	if f.Source.DatabaseID != databaseID {
		return fmt.Errorf("%w: policy %s was learned from database %s, this is database %s",
			ErrOtherSource, f.ID, f.Source.DatabaseID, databaseID)
	}
	return nil
}

// DataHash returns the hash of training decisions for Source.DataHash.
func DataHash(reqs []score.Request) string {
	h := sha256.New()
	for _, r := range reqs {
		h.Write([]byte(r.ID))
		h.Write([]byte{0})
		h.Write([]byte(r.Decision))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}
