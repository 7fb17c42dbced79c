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
// combination's reason merges its own weight with its count and rate
// signals. It panics as Score does, or if k < 0.
func (m *Model) Explain(x Instance, k int) Explanation {
	if k < 0 {
		panic(fmt.Sprintf("model: %d reasons", k))
	}
	e := m.extractor()
	bias, pc, nc := m.parts(e, &x, nil, nil)
	ex := Explanation{Score: bias, Intercept: bias}
	all := make([]Reason, 0, len(pc)+len(nc))
	n := len(x.Tokens)
	pairs := m.opts.Pairs
	for p, c := range pc {
		ex.Score += c
		var a, seen int
		if s := m.tab.get(e.hs[p]); s != nil {
			a, seen = int(s.approved), int(s.n)
		}
		toks := featureTokens(p, n, pairs)
		names := make([]string, len(toks))
		for i, t := range toks {
			names[i] = x.Tokens[t]
		}
		r := Reason{Feature: strings.Join(names, " × "), Contribution: c, Approved: a, Seen: seen}
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
		all = append(all, r)
	}
	for i, c := range nc {
		ex.Score += c
		name := fmt.Sprintf("numeric[%d]", i)
		if i < len(m.opts.NumericNames) {
			name = m.opts.NumericNames[i]
		}
		dir := "raises"
		if c < 0 {
			dir = "lowers"
		}
		all = append(all, Reason{
			Feature:      name,
			Contribution: c,
			Text:         fmt.Sprintf("%s = %.4g %s confidence", name, x.Numeric[i], dir),
		})
	}
	slices.SortStableFunc(all, func(a, b Reason) int {
		return cmp.Compare(math.Abs(b.Contribution), math.Abs(a.Contribution))
	})
	ex.Reasons = all[:min(k, len(all))]
	return ex
}
