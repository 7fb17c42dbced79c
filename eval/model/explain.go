package model

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
)

// Reason is one feature's share of a score: a token or a combination of
// tokens (or a numeric signal), how much it moved the log-odds of approval,
// and the past decisions behind it.
type Reason struct {
	// Feature is the token, or the tokens joined by " × ", or the numeric
	// signal's name.
	Feature string
	// Contribution to the log-odds of approval: positive for, negative
	// against. Contributions, intercept included, sum to the raw score.
	Contribution float64
	// Approved of Seen past (training) decisions with this feature were
	// approvals. Zero for numeric signals.
	Approved, Seen int
	// Text is the reason in plain words, e.g.
	// "RESOURCE=17183 × ROLE_DEPTNAME=123125: 41 of 44 past requests approved".
	Text string
}

// Explanation is a score with its strongest reasons.
type Explanation struct {
	Score     float64 // raw log-odds, as Score
	Intercept float64 // the part of Score owed to no feature
	Reasons   []Reason
}

// Explain returns the score of x and its k strongest reasons, by absolute
// contribution, strongest first (ties in feature order). Each token
// combination's reason merges the regression's weight, count and rate
// signals of the combination with the boosted trees' share owed to the
// combination's group signals (and, for a single token, to how many
// distinct values of other attributes go with it), each scaled by its
// weight in the blend. The trees' share of a signal is Saabas'
// decomposition: along each tree's path, every change of node value is
// credited to the signal split on. It panics as Score does, or if k < 0.
func (m *Model) Explain(x Instance, k int) Explanation {
	if k < 0 {
		panic(fmt.Sprintf("model: %d reasons", k))
	}
	e := m.extractor()
	bias, pc, nc := m.parts(e, &x, nil, nil)
	wl := 1.0
	if m.forest != nil {
		wl = 1 - m.wBoost
	}
	ex := Explanation{Intercept: wl * bias}
	all := make([]Reason, 0, len(pc)+len(nc))
	at := make(map[uint64]int, len(pc)) // combination hash → reason
	n := len(x.Tokens)
	pairs := m.opts.Pairs
	for p, c := range pc {
		var a, seen int
		if s := m.tab.get(e.hs[p]); s != nil {
			a, seen = int(s.approved), int(s.n)
		}
		toks := featureTokens(p, n, pairs)
		names := make([]string, len(toks))
		for i, t := range toks {
			names[i] = x.Tokens[t]
		}
		if _, ok := at[e.hs[p]]; !ok {
			at[e.hs[p]] = len(all)
		}
		all = append(all, newReason(strings.Join(names, " × "), wl*c, a, seen))
	}
	num := len(all)
	for i, c := range nc {
		name := fmt.Sprintf("numeric[%d]", i)
		if i < len(m.opts.NumericNames) {
			name = m.opts.NumericNames[i]
		}
		all = append(all, Reason{Feature: name, Contribution: wl * c})
	}
	if m.forest != nil {
		m.explainTrees(&ex, &x, &all, at, num)
	}
	for i := range nc {
		r := &all[num+i]
		dir := "raises"
		if r.Contribution < 0 {
			dir = "lowers"
		}
		r.Text = fmt.Sprintf("%s = %.4g %s confidence", r.Feature, x.Numeric[i], dir)
	}
	ex.Score = ex.Intercept
	for _, r := range all {
		ex.Score += r.Contribution
	}
	slices.SortStableFunc(all, func(a, b Reason) int {
		return cmp.Compare(math.Abs(b.Contribution), math.Abs(a.Contribution))
	})
	ex.Reasons = all[:min(k, len(all))]
	return ex
}

// explainTrees adds the boosted trees' shares of the score of x to the
// reasons (creating those of groups the regression lacks) and to the
// intercept. at indexes the reasons by combination hash; the numeric
// signals' reasons start at num.
func (m *Model) explainTrees(ex *Explanation, x *Instance, all *[]Reason, at map[uint64]int, num int) {
	enc := m.enc
	var s encoderScratch
	xv := enc.encode(&s, x)
	dst := make([]float64, enc.width)
	ex.Intercept += m.wBoost * m.forest.contributeTo(dst, xv)
	reason := func(g []int) *Reason {
		h := combo(g, s.vals)
		i, ok := at[h]
		if !ok {
			names := make([]string, len(g))
			for j, a := range g {
				names[j] = enc.token(x.Tokens, a)
			}
			var a, n int
			if c := enc.stats.get(h); c != nil {
				a, n = int(c.a), int(c.n)
			}
			i = len(*all)
			at[h] = i
			*all = append(*all, newReason(strings.Join(names, " × "), 0, a, n))
		}
		return &(*all)[i]
	}
	for gi, g := range enc.groups {
		reason(g).Contribution += m.wBoost * (dst[2*gi] + dst[2*gi+1])
	}
	off := 2 * len(enc.groups)
	for ci, ab := range enc.cards {
		if c := dst[off+ci]; c != 0 {
			reason([]int{ab[0]}).Contribution += m.wBoost * c
		}
	}
	off += len(enc.cards)
	for i := range x.Numeric {
		(*all)[num+i].Contribution += m.wBoost * dst[off+i]
	}
}

// newReason returns the reason of a token combination seen in seen past
// decisions, a of them approved.
func newReason(feature string, c float64, a, seen int) Reason {
	r := Reason{Feature: feature, Contribution: c, Approved: a, Seen: seen}
	switch seen {
	case 0:
		r.Text = r.Feature + ": no past requests"
	case 1:
		verb := "denied"
		if a == 1 {
			verb = "approved"
		}
		r.Text = fmt.Sprintf("%s: the one past request was %s", r.Feature, verb)
	default:
		r.Text = fmt.Sprintf("%s: %d of %d past requests approved", r.Feature, a, seen)
	}
	return r
}
