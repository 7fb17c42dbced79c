package mining

import (
	"rolemine/features"
)

// ruleSearch finds attribute rules for sets of rows. It indexes the rows
// by attribute value once and caches the value counts among the rows
// selected by a single term, which most rules start with.
type ruleSearch struct {
	rows     int
	attrs    *features.Attributes
	opts     ExplainOptions
	use      []int     // attributes rules may use
	ptr      [][]int   // [attribute][code] → start in byCode; code Missing excluded
	by       [][]int32 // [attribute] rows ordered by code
	kindAttr int       // KindAttribute, -1 when absent
	human    int32     // code of HumanKind, Missing when absent

	cache map[[2]int32][][]int32 // first term → [attribute][code] count among its rows

	inRule  []bool    // [attribute] used by the rule being grown
	holdCnt [][]int32 // scratch: [attribute][code] count among holders selected
	selCnt  [][]int32 // scratch: [attribute][code] count among rows selected
	selSet  [][]int32 // codes of selCnt set, to clear them
	mark    []int32   // row → stamp when a holder
	stamp   int32
}

// cacheRows is the least number of rows selected by a first term for its
// value counts to be cached.
const cacheRows = 512

func newRuleSearch(rows int, attrs *features.Attributes, opts ExplainOptions) *ruleSearch {
	rs := &ruleSearch{rows: rows, attrs: attrs, opts: opts, kindAttr: -1, human: features.Missing,
		cache: map[[2]int32][][]int32{}, mark: make([]int32, rows)}
	if attrs == nil {
		return rs
	}
	if k, ok := attrs.Index(opts.KindAttribute); ok {
		rs.kindAttr = k
		if c, ok := attrs.CodeOf(k, opts.HumanKind); ok {
			rs.human = c
		}
	}
	rs.ptr = make([][]int, attrs.Len())
	rs.by = make([][]int32, attrs.Len())
	rs.holdCnt = make([][]int32, attrs.Len())
	rs.selCnt = make([][]int32, attrs.Len())
	rs.selSet = make([][]int32, attrs.Len())
	rs.inRule = make([]bool, attrs.Len())
	allowed := func(k int) bool { return 2*attrs.Values(k) < rows }
	if opts.Attributes != nil {
		set := map[string]bool{}
		for _, a := range opts.Attributes {
			set[a] = true
		}
		allowed = func(k int) bool { return set[attrs.Names()[k]] }
	}
	for k := range attrs.Len() {
		if !allowed(k) {
			continue
		}
		rs.use = append(rs.use, k)
		rs.ptr[k], rs.by[k] = indexByCode(attrs.Codes(k), attrs.Values(k))
		rs.holdCnt[k] = make([]int32, attrs.Values(k))
		rs.selCnt[k] = make([]int32, attrs.Values(k))
	}
	return rs
}

// fork returns a search over the same rows and index as rs with its own
// scratch and cache, for use on another goroutine beside rs.
func (rs *ruleSearch) fork() *ruleSearch {
	w := &ruleSearch{rows: rs.rows, attrs: rs.attrs, opts: rs.opts, use: rs.use, ptr: rs.ptr, by: rs.by,
		kindAttr: rs.kindAttr, human: rs.human, cache: map[[2]int32][][]int32{}, mark: make([]int32, rs.rows)}
	if rs.attrs == nil {
		return w
	}
	n := rs.attrs.Len()
	w.holdCnt, w.selCnt, w.selSet, w.inRule = make([][]int32, n), make([][]int32, n), make([][]int32, n), make([]bool, n)
	for _, k := range rs.use {
		w.holdCnt[k] = make([]int32, rs.attrs.Values(k))
		w.selCnt[k] = make([]int32, rs.attrs.Values(k))
	}
	return w
}

// indexByCode returns the rows grouped by code (Missing left out): the
// rows of code c are by[ptr[c]:ptr[c+1]], ascending.
func indexByCode(codes []int32, values int) (ptr []int, by []int32) {
	ptr = make([]int, values+1)
	for _, c := range codes {
		if c != features.Missing {
			ptr[c+1]++
		}
	}
	for c := range values {
		ptr[c+1] += ptr[c]
	}
	by = make([]int32, ptr[values])
	next := append([]int(nil), ptr[:values]...)
	for i, c := range codes {
		if c != features.Missing {
			by[next[c]] = int32(i)
			next[c]++
		}
	}
	return ptr, by
}

// selected returns the rows of code c of attribute k.
func (rs *ruleSearch) selected(k int, c int32) []int32 { return rs.by[k][rs.ptr[k][c]:rs.ptr[k][c+1]] }

// explain grows the rule of e for the holders and fills in its measures
// and candidates.
func (rs *ruleSearch) explain(holders []int32, e *Explanation) {
	e.Rule = Rule{}
	e.Matches = rs.rows
	if len(holders) == 0 {
		return
	}
	rs.stamp++
	for _, i := range holders {
		rs.mark[i] = rs.stamp
	}
	var sel []int32 // rows the rule selects; nil for the empty rule
	var terms [][2]int32
	tp, n := len(holders), rs.rows
	f := f1(tp, n, len(holders))
	for len(terms) < rs.opts.MaxTerms && rs.attrs != nil {
		k, c, ktp, kn := rs.bestTerm(holders, sel, terms)
		if k < 0 || f1(ktp, kn, len(holders)) <= f+max(rs.opts.MinGain, 1e-12) {
			break
		}
		terms = append(terms, [2]int32{int32(k), c})
		rs.inRule[k] = true
		sel = rs.filter(sel, k, c)
		tp, n, f = ktp, kn, f1(ktp, kn, len(holders))
	}
	for _, t := range terms {
		rs.inRule[t[0]] = false
		e.Rule = append(e.Rule, Term{rs.attrs.Names()[t[0]], rs.attrs.Value(int(t[0]), t[1])})
	}
	e.Matches = n
	e.Precision, e.Recall, e.F1 = shareOf(tp, n), shareOf(tp, len(holders)), f
	e.Mapping = e.Parent == 0 && e.Precision >= rs.opts.MinPrecision && e.Recall >= rs.opts.MinRecall
	e.CandidateCount = n - tp
	if rs.opts.MaxCandidates > 0 && len(terms) > 0 {
		for _, i := range sel {
			if rs.mark[i] != rs.stamp && len(e.Candidates) < rs.opts.MaxCandidates {
				e.Candidates = append(e.Candidates, i)
			}
		}
	}
}

// filter returns the rows of sel (all rows when sel is nil) having code c
// of attribute k.
func (rs *ruleSearch) filter(sel []int32, k int, c int32) []int32 {
	if sel == nil {
		return rs.selected(k, c)
	}
	codes := rs.attrs.Codes(k)
	var out []int32
	for _, i := range sel {
		if codes[i] == c {
			out = append(out, i)
		}
	}
	return out
}

// bestTerm returns the term (attribute k, code c) whose addition to the
// rule gives the highest F1 (of equals, the first by termBefore), with the
// holders and rows the extended rule selects; k is -1 when no term selects
// any holder.
func (rs *ruleSearch) bestTerm(holders, sel []int32, terms [][2]int32) (k int, c int32, tp, n int) {
	counts := rs.selectedCounts(sel, terms)
	rs.countHolders(holders, sel, terms)
	k, bestF := -1, -1.0
	for _, a := range rs.use {
		if rs.inRule[a] {
			continue
		}
		for code, h := range rs.holdCnt[a] {
			if h == 0 {
				continue
			}
			sn := int(counts(a, int32(code)))
			if f := f1(int(h), sn, len(holders)); f > bestF || f == bestF && rs.termBefore(a, int32(code), k, c) {
				k, c, tp, n, bestF = a, int32(code), int(h), sn, f
			}
		}
	}
	return k, c, tp, n
}

// termBefore reports whether term (a, ca) goes before term (b, cb) among
// terms of equal F1: the attribute first by name, then the value first in
// string order. The rules then do not depend on the order in which the
// attributes and their values were read (which numbers them).
func (rs *ruleSearch) termBefore(a int, ca int32, b int, cb int32) bool {
	if a != b {
		return rs.attrs.Names()[a] < rs.attrs.Names()[b]
	}
	return rs.attrs.Value(a, ca) < rs.attrs.Value(b, cb)
}

// countHolders fills holdCnt with the value counts among the holders the
// rule selects.
func (rs *ruleSearch) countHolders(holders, sel []int32, terms [][2]int32) {
	for _, a := range rs.use {
		clear(rs.holdCnt[a])
	}
	for _, i := range holders {
		if !rs.matches(i, terms) {
			continue
		}
		for _, a := range rs.use {
			if c := rs.attrs.Code(a, int(i)); c != features.Missing {
				rs.holdCnt[a][c]++
			}
		}
	}
}

func (rs *ruleSearch) matches(i int32, terms [][2]int32) bool {
	for _, t := range terms {
		if rs.attrs.Code(int(t[0]), int(i)) != t[1] {
			return false
		}
	}
	return true
}

// selectedCounts returns a function giving the number of rows the rule
// selects that have code c of attribute a.
func (rs *ruleSearch) selectedCounts(sel []int32, terms [][2]int32) func(a int, c int32) int32 {
	switch {
	case len(terms) == 0:
		return func(a int, c int32) int32 { return int32(rs.ptr[a][c+1] - rs.ptr[a][c]) }
	case len(terms) == 1 && len(sel) >= cacheRows:
		t := [2]int32{terms[0][0], terms[0][1]}
		tab, ok := rs.cache[t]
		if !ok {
			tab = make([][]int32, rs.attrs.Len())
			for _, a := range rs.use {
				tab[a] = make([]int32, rs.attrs.Values(a))
			}
			rs.tally(tab, nil, sel)
			rs.cache[t] = tab
		}
		return func(a int, c int32) int32 { return tab[a][c] }
	}
	for _, a := range rs.use { // clear the last use of the scratch counts
		for _, c := range rs.selSet[a] {
			rs.selCnt[a][c] = 0
		}
		rs.selSet[a] = rs.selSet[a][:0]
	}
	rs.tally(rs.selCnt, rs.selSet, sel)
	return func(a int, c int32) int32 { return rs.selCnt[a][c] }
}

// tally adds to tab the codes of every usable attribute among rows, and
// to set (when not nil) each code counted for the first time.
func (rs *ruleSearch) tally(tab, set [][]int32, rows []int32) {
	for _, a := range rs.use {
		codes, cnt := rs.attrs.Codes(a), tab[a]
		for _, i := range rows {
			c := codes[i]
			if c == features.Missing {
				continue
			}
			if cnt[c] == 0 && set != nil {
				set[a] = append(set[a], c)
			}
			cnt[c]++
		}
	}
}

// kind classifies a role from its holders and explanation.
func (rs *ruleSearch) roleKind(holders []int32, role Role, e *Explanation) RoleKind {
	switch {
	case role.Parent > 0:
		return KindPartial
	case rs.technical(holders):
		return KindTechnical
	case e.Mapping:
		return KindBirthright
	}
	return KindBusiness
}

// technical reports whether most holders are not human.
func (rs *ruleSearch) technical(holders []int32) bool {
	if rs.kindAttr < 0 || len(holders) == 0 {
		return false
	}
	non := 0
	for _, i := range holders {
		if c := rs.attrs.Code(rs.kindAttr, int(i)); c != features.Missing && c != rs.human {
			non++
		}
	}
	return 2*non > len(holders)
}

// f1 is the harmonic mean of precision tp/n and recall tp/pos.
func f1(tp, n, pos int) float64 {
	if tp == 0 {
		return 0
	}
	return 2 * float64(tp) / float64(n+pos)
}

func shareOf(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}
