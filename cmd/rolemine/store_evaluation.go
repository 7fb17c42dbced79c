package main

import (
	"cmp"
	"database/sql/driver"
	"math"
	"slices"

	"rolemine/datasets"
	"rolemine/eval"
	"rolemine/eval/model"
	"rolemine/eval/policy"
	"rolemine/eval/score"
)

// maxCurvePoints bounds the points stored per group and curve: enough to
// draw, few enough that a report stays small.
const maxCurvePoints = 200

// heldOut is the backtest's held-out decisions of one group ("overall" or
// a risk tier), parallel slices.
type heldOut struct {
	group  string
	scores []float64 // raw model scores (log-odds), the policy's threshold scale
	probs  []float64 // calibrated probabilities
	labels []bool    // approved by the human
}

// heldOutGroups splits the tested requests of bt into "overall" and one
// group per risk tier, tiers sorted as in bt.Overall.Groups.
func heldOutGroups(bt *score.Backtest) []heldOut {
	all := heldOut{group: "overall"}
	byTier := map[string]*heldOut{}
	var tiers []string
	for _, i := range bt.Tested() {
		r := bt.Requests[i]
		g, ok := byTier[r.Tier]
		if !ok {
			g = &heldOut{group: r.Tier}
			byTier[r.Tier] = g
			tiers = append(tiers, r.Tier)
		}
		for _, h := range []*heldOut{&all, g} {
			h.scores = append(h.scores, bt.Scores[i])
			h.probs = append(h.probs, bt.Probs[i])
			h.labels = append(h.labels, r.Approved())
		}
	}
	slices.Sort(tiers)
	out := []heldOut{all}
	for _, t := range tiers {
		out = append(out, *byTier[t])
	}
	return out
}

// storeCurves writes the evaluation_sweep, evaluation_reliability,
// evaluation_roc and policy_tiers rows of run id.
//
// The sweep is over raw scores, the scale the policy's thresholds are on,
// so the point at a tier's threshold carries exactly the precision and
// one-sided Clopper–Pearson lower bound (at the policy's confidence) that
// chose it; that point is always kept when the sweep is thinned to
// maxCurvePoints. The ROC curve and the reliability bins are over the
// calibrated probabilities, like the ROC AUC and ECE of the summary.
func storeCurves(tx *datasets.Tx, id int64, bt *score.Backtest, pol *policy.File) error {
	groups := heldOutGroups(bt)
	chosen := map[string]float64{}
	for _, t := range pol.Tiers {
		if t.AutoApprove {
			chosen[t.Tier] = t.Threshold
		}
	}
	err := tx.Append("evaluation_sweep", func(add func(...driver.Value) error) error {
		for _, g := range groups {
			pts, err := eval.Sweep(g.scores, g.labels)
			if err != nil {
				return err
			}
			keep := -1
			if th, ok := chosen[g.group]; ok {
				keep = slices.IndexFunc(pts, func(p eval.Point) bool { return p.Threshold == th })
			}
			for _, k := range thin(len(pts), maxCurvePoints, keep) {
				p := pts[k]
				lower := eval.ClopperPearsonLower(p.Correct, p.Approved, pol.Confidence)
				if err := add(id, g.group, p.Threshold, int64(p.Approved), int64(p.Correct),
					nullNaN(p.Precision), nullNaN(lower), nullNaN(p.Recall), nullNaN(p.Coverage)); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	err = tx.Append("evaluation_reliability", func(add func(...driver.Value) error) error {
		for _, s := range append([]eval.Summary{bt.Overall.Overall}, bt.Overall.Groups...) {
			group := cmp.Or(s.Group, "overall")
			for _, b := range s.Reliability {
				if err := add(id, group, b.Lo, b.Hi, int64(b.N), nullNaN(b.MeanProb), nullNaN(b.Approved)); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	err = tx.Append("evaluation_roc", func(add func(...driver.Value) error) error {
		for _, g := range groups {
			for k, p := range rocCurve(g.probs, g.labels, maxCurvePoints) {
				if err := add(id, g.group, int64(k), p[0], p[1]); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return tx.Append("policy_tiers", func(add func(...driver.Value) error) error {
		for _, t := range pol.Tiers {
			var th, prob, prec, lo, hi driver.Value
			if t.AutoApprove {
				th, prob, prec, lo, hi = t.Threshold, t.Probability, t.ExpectedPrecision, t.PrecisionLower, t.PrecisionUpper
			}
			if err := add(id, pol.ID, t.Tier, t.AutoApprove, th, prob, int64(t.HeldOut), int64(t.AutoApproved),
				t.ExpectedCoverage, prec, lo, hi, t.Reason); err != nil {
				return err
			}
		}
		return nil
	})
}

// thin returns at most limit increasing indices of [0, n), evenly spaced,
// always with the first, the last and keep (when keep ≥ 0).
func thin(n, limit, keep int) []int {
	if n <= limit {
		idx := make([]int, n)
		for k := range idx {
			idx[k] = k
		}
		return idx
	}
	slots := limit - 1
	if keep >= 0 {
		slots--
	}
	var idx []int
	for k := range slots {
		idx = append(idx, k*(n-1)/slots)
	}
	idx = append(idx, n-1)
	if keep >= 0 {
		idx = append(idx, keep)
	}
	slices.Sort(idx)
	return slices.Compact(idx)
}

// rocCurve returns the ROC curve of scores (higher means approve) as
// (false positive rate, true positive rate) points from (0, 0) to (1, 1),
// one per distinct score, thinned to at most limit points. It returns nil
// when either class is missing.
func rocCurve(scores []float64, labels []bool, limit int) [][2]float64 {
	idx := make([]int, 0, len(scores))
	var pos, neg int
	for k, s := range scores {
		if math.IsNaN(s) {
			continue
		}
		idx = append(idx, k)
		if labels[k] {
			pos++
		} else {
			neg++
		}
	}
	if pos == 0 || neg == 0 {
		return nil
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(scores[b], scores[a]) })
	pts := [][2]float64{{0, 0}}
	var tp, fp int
	for i := 0; i < len(idx); {
		j := i
		for ; j < len(idx) && scores[idx[j]] == scores[idx[i]]; j++ {
			if labels[idx[j]] {
				tp++
			} else {
				fp++
			}
		}
		pts = append(pts, [2]float64{float64(fp) / float64(neg), float64(tp) / float64(pos)})
		i = j
	}
	var out [][2]float64
	for _, k := range thin(len(pts), limit, -1) {
		out = append(out, pts[k])
	}
	return out
}

// nullNaN stores NaN as NULL.
func nullNaN(x float64) driver.Value {
	if math.IsNaN(x) {
		return nil
	}
	return x
}

// storeModel writes the policy's model to policy_models, one row per
// policy id, and deletes the models of policies expired when this one was
// created: no triage can use them.
func storeModel(tx *datasets.Tx, id int64, pol *policy.File, data []byte) error {
	if err := tx.Exec("DELETE FROM policy_models WHERE policy_id = ? OR expires_at < ?", pol.ID, pol.CreatedAt); err != nil {
		return err
	}
	return tx.Exec(`INSERT INTO policy_models (run_id, policy_id, model_sha256, format_version, bytes, expires_at, model)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		id, pol.ID, pol.ModelSHA256, int64(model.FormatVersion), int64(len(data)), pol.ExpiresAt, data)
}
