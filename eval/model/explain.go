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
	// Every share is a draft first; only the k strongest are put in words.
	all := make([]draft, 0, len(pc)+len(nc))
	at := make(map[uint64]int, len(pc)) // combination hash → draft
	for p, c := range pc {
		var a, seen int
		if s := m.tab.get(e.hs[p]); s != nil {
			a, seen = int(s.approved), int(s.n)
		}
		if _, ok := at[e.hs[p]]; !ok {
			at[e.hs[p]] = len(all)
		}
		all = append(all, draft{kind: sparseDraft, at: p, c: wl * c, approved: a, seen: seen})
	}
	num := len(all)
	for i, c := range nc {
		all = append(all, draft{kind: numericDraft, at: i, c: wl * c})
	}
	var s encoderScratch
	if m.forest != nil {
		ex.Intercept += m.explainTrees(&s, &x, &all, at, num)
	}
	ex.Score = ex.Intercept
	for _, d := range all {
		ex.Score += d.c
	}
	slices.SortStableFunc(all, func(a, b draft) int {
		return cmp.Compare(math.Abs(b.c), math.Abs(a.c))
	})
	all = all[:min(k, len(all))]
	ex.Reasons = make([]Reason, len(all))
	for i, d := range all {
		ex.Reasons[i] = m.reason(d, &x, e)
	}
	return ex
}

// draft is a share of a score not yet put in words: of the sparse
// feature at position at of the extractor, of the numeric signal at, or of
// the trees' attribute group g.
type draft struct {
	kind           int
	at             int
	g              []int
	c              float64
	approved, seen int
}

const (
	sparseDraft = iota
	numericDraft
	groupDraft
)

// reason puts d, a share of the score of x explained with extractor e, in
// words.
func (m *Model) reason(d draft, x *Instance, e *extractor) Reason {
	var names []string
	switch d.kind {
	case numericDraft:
		name := fmt.Sprintf("numeric[%d]", d.at)
		if d.at < len(m.opts.NumericNames) {
			name = m.opts.NumericNames[d.at]
		}
		dir := "raises"
		if d.c < 0 {
			dir = "lowers"
		}
		return Reason{Feature: name, Contribution: d.c, Text: fmt.Sprintf("%s = %.4g %s confidence", name, x.Numeric[d.at], dir)}
	case sparseDraft:
		for _, t := range featureTokens(d.at, len(x.Tokens), m.opts.Pairs) {
			names = append(names, x.Tokens[t])
		}
	case groupDraft:
		for _, a := range d.g {
			names = append(names, m.enc.token(x.Tokens, a))
		}
	}
	return newReason(strings.Join(names, " × "), d.c, d.approved, d.seen)
}

// explainTrees adds the boosted trees' shares of the score of x to the
// drafts (creating those of groups the regression lacks) and returns their
// share of the intercept. at indexes the drafts by combination hash; the
// numeric signals' drafts start at num.
func (m *Model) explainTrees(s *encoderScratch, x *Instance, all *[]draft, at map[uint64]int, num int) float64 {
	enc := m.enc
	xv := enc.encode(s, x)
	dst := make([]float64, enc.width)
	intercept := m.wBoost * m.forest.contributeTo(dst, xv)
	// add credits c to the draft of the group g (nil: the attribute a
	// alone) whose combination hash is h.
	add := func(h uint64, g []int, a int, c float64) {
		i, ok := at[h]
		if !ok {
			if g == nil {
				g = []int{a}
			}
			d := draft{kind: groupDraft, g: g}
			if st := enc.stats.get(h); st != nil {
				d.approved, d.seen = int(st.a), int(st.n)
			}
			i = len(*all)
			at[h] = i
			*all = append(*all, d)
		}
		(*all)[i].c += c
	}
	for gi, g := range enc.groups {
		add(combo(g, s.vals), g, 0, m.wBoost*(dst[2*gi]+dst[2*gi+1]))
	}
	off := 2 * len(enc.groups)
	for ci, ab := range enc.cards {
		if c := dst[off+ci]; c != 0 {
			add(s.vals[ab[0]], nil, ab[0], m.wBoost*c)
		}
	}
	off += len(enc.cards)
	for i := range x.Numeric {
		(*all)[num+i].c += m.wBoost * dst[off+i]
	}
	return intercept
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
