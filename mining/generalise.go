package mining

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"

	"rolemine/features"
)

// GeneralisationOptions are the settings of Generalisation. A zero field
// takes its value from DefaultGeneralisationOptions; values out of range
// are a misuse and panic.
type GeneralisationOptions struct {
	// Hide is the share of each identity's entitlements hidden before
	// mining; in (0, 1).
	Hide float64
	// Fit is the least share of a role's entitlements an identity must
	// (visibly) hold for the rest of the role to be predicted; in (0, 1].
	Fit float64
	// Explain are the settings of the rules that predict roles: a role
	// whose rule is proposed for automatic assignment (Explanation.Mapping)
	// is predicted for every identity the rule selects.
	Explain ExplainOptions
}

// DefaultGeneralisationOptions hide a tenth of each identity's access and
// predict a role for identities holding four fifths of it.
var DefaultGeneralisationOptions = GeneralisationOptions{Hide: 0.1, Fit: 0.8}

func (o GeneralisationOptions) withDefaults() GeneralisationOptions {
	if o.Hide < 0 || o.Hide >= 1 || o.Fit < 0 || o.Fit > 1 {
		panic(fmt.Sprintf("mining: invalid GeneralisationOptions hide %g fit %g", o.Hide, o.Fit))
	}
	if o.Hide == 0 {
		o.Hide = DefaultGeneralisationOptions.Hide
	}
	if o.Fit == 0 {
		o.Fit = DefaultGeneralisationOptions.Fit
	}
	return o
}

// GeneralisationMetrics say how well the roles mined from part of the
// access predict the rest. Predictions and hidden assignments are pooled
// over all identities (micro-averaged).
type GeneralisationMetrics struct {
	Hidden    int     `json:"hidden"`    // assignments hidden
	Predicted int     `json:"predicted"` // entitlements predicted, not visibly held
	Correct   int     `json:"correct"`   // predicted and hidden
	Precision float64 `json:"precision"` // Correct / Predicted; 0 when nothing is predicted
	Recall    float64 `json:"recall"`    // Correct / Hidden; 0 when nothing is hidden
	// ByRule and ByFit count the distinct predictions made through an
	// attribute rule and through a near-complete fit (some are made
	// through both), and RulePrecision and FitPrecision the share of each
	// that is hidden.
	ByRule        int     `json:"by_rule"`
	ByFit         int     `json:"by_fit"`
	RulePrecision float64 `json:"rule_precision"`
	FitPrecision  float64 `json:"fit_precision"`
}

// Generalisation hides a random share opts.Hide of each identity's
// entitlements (drawn with src; the count per identity is rounded at
// random so that it is right on average), mines the rest with mine, and
// predicts the hidden ones: an identity is predicted every entitlement it
// does not visibly hold of each role it holds at least opts.Fit of, and
// of each role whose attribute rule (from Explain on attrs; attrs may be
// nil) is proposed for automatic assignment and selects it.
//
// mine is typically a closure over Approx with fixed options. Generalisation
// returns its error, or ctx.Err() when ctx is done. m is not mutated.
func Generalisation(ctx context.Context, m *features.Matrix, attrs *features.Attributes,
	mine func(context.Context, *features.Matrix) (*Result, error), opts GeneralisationOptions, src rand.Source) (GeneralisationMetrics, error) {
	opts = opts.withDefaults()
	visible, hidden := hideShare(m, opts.Hide, rand.New(src))
	res, err := mine(ctx, visible)
	if err != nil {
		return GeneralisationMetrics{}, err
	}
	if err := ctx.Err(); err != nil {
		return GeneralisationMetrics{}, err
	}
	byRule, byFit := make([][]int32, m.Rows()), make([][]int32, m.Rows())
	if attrs != nil {
		predictByRule(visible, res, attrs, opts.Explain, byRule)
	}
	predictByFit(visible, res, opts.Fit, byFit)
	var g GeneralisationMetrics
	ruleHit, fitHit := 0, 0
	for i := range m.Rows() {
		r, f := sortedSet(byRule[i]), sortedSet(byFit[i])
		all := sortedSet(slices.Concat(r, f))
		g.Hidden += len(hidden[i])
		g.Predicted += len(all)
		g.Correct += features.IntersectionSize(all, hidden[i])
		g.ByRule += len(r)
		g.ByFit += len(f)
		ruleHit += features.IntersectionSize(r, hidden[i])
		fitHit += features.IntersectionSize(f, hidden[i])
	}
	g.RulePrecision, g.FitPrecision = shareOf(ruleHit, g.ByRule), shareOf(fitHit, g.ByFit)
	g.Precision, g.Recall = shareOf(g.Correct, g.Predicted), shareOf(g.Correct, g.Hidden)
	return g, nil
}

// hideShare returns m less a random share of each row, with the same row
// and column indices, and the hidden columns of each row, ascending.
func hideShare(m *features.Matrix, share float64, rng *rand.Rand) (*features.Matrix, [][]int32) {
	b := features.NewMatrixBuilder()
	for i := range m.Rows() {
		b.AddRow(m.RowID(i))
	}
	for j := range m.Cols() {
		b.AddCol(m.ColID(j))
	}
	hidden := make([][]int32, m.Rows())
	var row []int32
	for i := range m.Rows() {
		row = append(row[:0], m.Row(i)...)
		k := min(len(row), int(share*float64(len(row))+rng.Float64()))
		for x := range k { // partial Fisher–Yates: row[:k] is the sample
			y := x + rng.IntN(len(row)-x)
			row[x], row[y] = row[y], row[x]
		}
		hidden[i] = slices.Clone(row[:k])
		slices.Sort(hidden[i])
		for _, j := range row[k:] {
			b.Add(m.RowID(i), m.ColID(int(j)))
		}
	}
	return b.Build(), hidden
}

// predictByRule appends to pred[i] the entitlements not held by i of each
// role whose rule is proposed for automatic assignment and selects i.
func predictByRule(m *features.Matrix, r *Result, attrs *features.Attributes, opts ExplainOptions, pred [][]int32) {
	for _, e := range Explain(r, attrs, nil, opts) {
		if !e.Mapping || len(e.Rule) == 0 {
			continue
		}
		ents := r.Roles[e.Role].Entitlements
		for _, i := range ruleRows(attrs, e.Rule) {
			appendMissing(&pred[i], m.Row(int(i)), ents)
		}
	}
}

// ruleRows returns the rows the rule selects, ascending.
func ruleRows(attrs *features.Attributes, rule Rule) []int32 {
	type term struct {
		k int
		c int32
	}
	terms := make([]term, len(rule))
	for t, tm := range rule {
		k, ok := attrs.Index(tm.Attribute)
		c, found := features.Missing, false
		if ok {
			c, found = attrs.CodeOf(k, tm.Value)
		}
		if !found {
			return nil
		}
		terms[t] = term{k, c}
	}
	var rows []int32
next:
	for i, c := range attrs.Codes(terms[0].k) {
		if c != terms[0].c {
			continue
		}
		for _, t := range terms[1:] {
			if attrs.Code(t.k, i) != t.c {
				continue next
			}
		}
		rows = append(rows, int32(i))
	}
	return rows
}

// predictByFit appends to pred[i] the entitlements not held by i of each
// role it holds at least fit of.
func predictByFit(m *features.Matrix, r *Result, fit float64, pred [][]int32) {
	count := make([]int32, m.Rows())
	var touched []int32
	for _, role := range r.Roles {
		for _, j := range role.Entitlements {
			for _, i := range m.Col(int(j)) {
				if count[i] == 0 {
					touched = append(touched, i)
				}
				count[i]++
			}
		}
		need := fit * float64(len(role.Entitlements))
		for _, i := range touched {
			if c := int(count[i]); float64(c) >= need && c < len(role.Entitlements) {
				appendMissing(&pred[i], m.Row(int(i)), role.Entitlements)
			}
			count[i] = 0
		}
		touched = touched[:0]
	}
}

// appendMissing appends to dst the entitlements of ents not in the sorted
// row.
func appendMissing(dst *[]int32, row, ents []int32) {
	for _, j := range ents {
		if _, ok := slices.BinarySearch(row, j); !ok {
			*dst = append(*dst, j)
		}
	}
}

// sortedSet sorts s and removes duplicates, in place.
func sortedSet(s []int32) []int32 {
	slices.Sort(s)
	return slices.Compact(s)
}

// ForGeneralisation returns o with its work bounded for the re-mine of
// Generalisation. Hiding a share of the access breaks the structure that
// makes the whole matrix fast to solve exactly: on the HP benchmark
// americas_small the visible matrix has more than MaxConcepts maximal
// bicliques and takes about a minute at DefaultExactOptions, against a
// tenth of a second for the whole matrix. The measure asks how well roles
// predict hidden access, not whether they are minimal, so the re-mine
// keeps the objective and the seed but enumerates at most 2,000 concepts
// per block (falling back to the object and attribute concepts, as
// Exact documents), expands at most 300 branch-and-bound nodes and makes
// at most 2,000 local-search moves per block.
func (o ExactOptions) ForGeneralisation() ExactOptions {
	o.MaxConcepts = atMost(o.MaxConcepts, 2_000)
	o.NodeBudget = atMost(o.NodeBudget, 300)
	o.Moves = atMost(o.Moves, 2_000)
	return o
}

// atMost returns budget capped at most; a zero budget (the default) is
// most.
func atMost(budget, most int) int {
	if budget == 0 || budget > most {
		return most
	}
	return budget
}
