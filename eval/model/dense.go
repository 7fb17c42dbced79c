package model

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
)

// The dense signals of the boosted trees.
//
// An instance is read as one value per attribute: the first token of each
// attribute name seen in training (a missing attribute has a value of its
// own; names training never saw are ignored here, the sparse regression
// still sees them). The encoder forms groups of attributes — every
// attribute, every pair and triple (Boost.Order) and, with Boost.Profiles,
// for every attribute the group of all the others (for the resource, the
// requester's whole profile) — and keeps the past decisions per value of
// each group. A group gives two signals: the smoothed log-odds of approval
// among past decisions with the instance's value, relative to the overall
// rate (for training rows out-of-fold over inner folds, so no row sees its
// own label), and the log of their number (leaving the row itself out,
// which matches what a new request sees). Every ordered pair of attributes
// (a, b) gives a label-free third: the log of the number of distinct b
// values seen with the instance's a value (how many resources a manager's
// staff requested, how many managers requested a resource). Numeric
// signals follow as they are.
//
// Groups that split the training rows exactly as one of their proper
// subsets does add nothing and are dropped: an attribute in one-to-one
// correspondence with an earlier one (two codes for the same thing), or a
// pair whose second attribute is a function of the first. The same test
// drops the card signals that are constant.

// encoder computes the dense signals of instances.
type encoder struct {
	names  []string       // attribute names, sorted
	attrOf map[uint64]int // name hash → attribute
	absent []uint64       // the value hash of a missing attribute
	groups [][]int        // attribute sets
	stats  *countTable    // combination hash → approvals, decisions
	// cards are the ordered attribute pairs (a, b), sorted by a; cardAt
	// maps a value hash of attribute a to the offset in cardN of its
	// distinct counts for the cards of a (in the table's a field).
	cards  [][2]int
	cardOf [][]int // per attribute a: indices into cards
	cardAt *countTable
	cardN  []uint32
	cardL  []float32 // logCount of cardN
	// cardStart[a] is where the distinct counts of attribute a's values
	// begin in cardN (they end at cardStart[a+1]); len(names)+1 entries.
	cardStart []uint32
	smooth    float64
	prior     float64
	unseen    float64 // the rate signal of a value training never saw
	nnum      int
	// width is the number of dense signals: 2 per group, 1 per card, then
	// the numeric signals.
	width int
	// need marks the signals the trees use; encode computes only those
	// (all if nil).
	need []bool
}

// encoderScratch is per-goroutine encoding state.
type encoderScratch struct {
	vals []uint64
	hs   []uint64
	cs   []*countSlot
	x    []float64
}

// combo returns the combination hash of the attribute set g for values vals:
// for one to three attributes the hash of the token, pair or triple, as the
// sparse features use, so that counts agree.
func combo(g []int, vals []uint64) uint64 {
	switch len(g) {
	case 1:
		return vals[g[0]]
	case 2:
		return hashPair(vals[g[0]], vals[g[1]])
	case 3:
		return hashTriple(vals[g[0]], vals[g[1]], vals[g[2]])
	}
	h := uint64(len(g)) * 0x9fb21c651e98df25
	for _, a := range g {
		h = fmix(h^vals[a]) * 0xd6e8feb86659fd93
	}
	return nonzero(fmix(h))
}

// values fills vals with the value hash of every attribute of tokens.
func (e *encoder) values(vals []uint64, tokens []string) {
	copy(vals, e.absent)
	var seen uint64 // beyond 64 attributes a later token may win; harmless
	for _, t := range tokens {
		a, ok := e.attrOf[hashName(t)]
		if !ok {
			continue
		}
		if a < 64 {
			if seen&(1<<a) != 0 {
				continue
			}
			seen |= 1 << a
		}
		vals[a] = hashToken(t)
	}
}

// token returns the first of tokens with the name of attribute a, or the
// name and "(none)" if there is none.
func (e *encoder) token(tokens []string, a int) string {
	for _, t := range tokens {
		name := t
		if i := strings.IndexByte(t, '='); i >= 0 {
			name = t[:i]
		}
		if name == e.names[a] {
			return t
		}
	}
	return e.names[a] + " (none)"
}

// newEncoder builds the encoder from the training instances and returns it
// with the training rows' dense signals (row-major, e.width per row): rates
// out-of-fold over folds inner folds drawn from src, counts and
// cardinalities leaving the row itself out.
func newEncoder(xs []Instance, b Boost, folds int, smooth float64, src rand.Source) (*encoder, []float64) {
	n := len(xs)
	e := &encoder{attrOf: make(map[uint64]int), smooth: smooth, nnum: len(xs[0].Numeric)}
	names := map[string]bool{}
	pos := 0
	for _, x := range xs {
		for _, t := range x.Tokens {
			if i := strings.IndexByte(t, '='); i >= 0 {
				t = t[:i]
			}
			names[t] = true
		}
		if x.Label {
			pos++
		}
	}
	e.prior = float64(pos) / float64(n)
	for name := range names {
		e.names = append(e.names, name)
	}
	slices.Sort(e.names)
	for a, name := range e.names {
		e.attrOf[hashToken(name)] = a
		e.absent = append(e.absent, hashToken(name+"=\x00absent"))
	}
	na := len(e.names)
	vals := make([]uint64, n*na)
	for i, x := range xs {
		e.values(vals[i*na:(i+1)*na], x.Tokens)
	}
	e.chooseGroups(vals, b)

	// Counts of every combination, overall and per inner fold.
	ng := len(e.groups)
	idx := make([]int32, n*ng)
	ids := make(map[uint64]int32)
	var keys []uint64
	for i := range n {
		v := vals[i*na : (i+1)*na]
		for gi, g := range e.groups {
			h := combo(g, v)
			id, ok := ids[h]
			if !ok {
				id = int32(len(keys))
				ids[h] = id
				keys = append(keys, h)
			}
			idx[i*ng+gi] = id
		}
	}
	totA := make([]uint32, len(keys))
	totN := make([]uint32, len(keys))
	for i, x := range xs {
		for _, id := range idx[i*ng : (i+1)*ng] {
			totN[id]++
			if x.Label {
				totA[id]++
			}
		}
	}
	e.stats = newCountTable(len(keys))
	for id, h := range keys {
		e.stats.add(h, totA[id], totN[id])
	}
	for i := range e.stats.slots {
		if c := &e.stats.slots[i]; c.key != 0 {
			c.rate = float32(e.rate(c.a, c.n, e.prior))
			c.logN = float32(logCount(c.n))
		}
	}
	e.unseen = e.rate(0, 0, e.prior)
	dense := make([]float64, n*e.width)
	fold := make([]int, n)
	for i, r := range rand.New(src).Perm(n) {
		fold[r] = i % folds
	}
	fa := make([]uint32, len(keys))
	fn := make([]uint32, len(keys))
	for f := range folds {
		clear(fa)
		clear(fn)
		var fpos, fcnt int
		for i, x := range xs {
			if fold[i] != f {
				continue
			}
			fcnt++
			if x.Label {
				fpos++
			}
			for _, id := range idx[i*ng : (i+1)*ng] {
				fn[id]++
				if x.Label {
					fa[id]++
				}
			}
		}
		prior := e.prior
		if pos > fpos && pos-fpos < n-fcnt {
			prior = float64(pos-fpos) / float64(n-fcnt)
		}
		for i := range n {
			if fold[i] != f {
				continue
			}
			row := dense[i*e.width:]
			for gi, id := range idx[i*ng : (i+1)*ng] {
				row[2*gi] = e.rate(totA[id]-fa[id], totN[id]-fn[id], prior)
				row[2*gi+1] = logCount(totN[id] - 1)
			}
		}
	}

	// Distinct b values per a value, leaving the row itself out (it
	// counts only if its pair occurs once).
	e.cardAt = newCountTable(0)
	off := 2 * ng
	pairN := make(map[uint64]uint32)
	for a := range na {
		e.cardStart = append(e.cardStart, uint32(len(e.cardN)))
		if len(e.cardOf[a]) == 0 {
			continue
		}
		for i := range n {
			h := vals[i*na+a]
			if e.cardAt.get(h) == nil {
				e.cardAt.add(h, uint32(len(e.cardN)), 0)
				e.cardN = append(e.cardN, make([]uint32, len(e.cardOf[a]))...)
			}
		}
		for k, ci := range e.cardOf[a] {
			b := e.cards[ci][1]
			clear(pairN)
			for i := range n {
				v := vals[i*na : (i+1)*na]
				h := hashPair(v[a], v[b])
				if pairN[h] == 0 {
					e.cardN[e.cardAt.get(v[a]).a+uint32(k)]++
				}
				pairN[h]++
			}
			for i := range n {
				v := vals[i*na : (i+1)*na]
				d := e.cardN[e.cardAt.get(v[a]).a+uint32(k)]
				if pairN[hashPair(v[a], v[b])] == 1 {
					d--
				}
				dense[i*e.width+off+ci] = logCount(d)
			}
		}
	}
	e.cardStart = append(e.cardStart, uint32(len(e.cardN)))
	e.cardL = make([]float32, len(e.cardN))
	for i, d := range e.cardN {
		e.cardL[i] = float32(logCount(d))
	}
	off += len(e.cards)
	for i, x := range xs {
		copy(dense[i*e.width+off:(i+1)*e.width], x.Numeric)
	}
	return e, dense
}

// groupOrder is the largest group size of na attributes: b.Order (at most
// 3), lowered while the groups of that size and smaller number more than
// b.MaxGroups.
func groupOrder(na int, b Boost) int {
	order := min(b.Order, 3)
	groups := func(k int) int { // Σ_{s ≤ k} C(na, s)
		total, c := 0, 1
		for s := 1; s <= k; s++ {
			c = c * (na - s + 1) / s
			total += c
		}
		return total
	}
	for b.MaxGroups > 0 && order > 1 && groups(order) > b.MaxGroups {
		order--
	}
	return order
}

// chooseGroups sets the groups and cards of e from the training values.
func (e *encoder) chooseGroups(vals []uint64, b Boost) {
	na := len(e.names)
	n := len(vals) / max(na, 1)
	var cand [][]int
	for size := 1; size <= groupOrder(na, b); size++ {
		cand = appendSubsets(cand, nil, 0, na, size)
	}
	key := func(g []int) string {
		var sb strings.Builder
		for _, a := range g {
			sb.WriteByte(byte(a))
			sb.WriteByte(byte(a >> 8))
		}
		return sb.String()
	}
	distinct := make(map[string]int, len(cand))
	set := make(map[uint64]struct{}, n)
	count := func(g []int) int {
		k := key(g)
		if d, ok := distinct[k]; ok {
			return d
		}
		clear(set)
		for i := range n {
			set[combo(g, vals[i*na:(i+1)*na])] = struct{}{}
		}
		distinct[k] = len(set)
		return len(set)
	}
	// same reports whether the rows split alike by g and by its subset sub.
	same := func(g, sub []int) bool { return count(g) == count(sub) }
	dup := make([]bool, na)
	for a := range na {
		for c := range a {
			if !dup[c] && same([]int{c, a}, []int{a}) && same([]int{c, a}, []int{c}) {
				dup[a] = true
				break
			}
		}
	}
	var live []int
	for a := range na {
		if !dup[a] {
			live = append(live, a)
		}
	}
	for _, g := range cand {
		if slices.ContainsFunc(g, func(a int) bool { return dup[a] }) {
			continue
		}
		redundant := false
		for _, sub := range properSubsets(g) {
			if same(g, sub) {
				redundant = true
				break
			}
		}
		if !redundant {
			e.groups = append(e.groups, g)
		}
	}
	if b.Profiles && len(live) > 3 {
		for _, a := range live {
			g := slices.DeleteFunc(slices.Clone(live), func(c int) bool { return c == a })
			e.groups = append(e.groups, g)
		}
	}
	e.cardOf = make([][]int, na)
	for _, a := range live {
		for _, c := range live {
			// A constant signal if c is a function of a.
			if a == c || same([]int{min(a, c), max(a, c)}, []int{a}) {
				continue
			}
			e.cardOf[a] = append(e.cardOf[a], len(e.cards))
			e.cards = append(e.cards, [2]int{a, c})
		}
	}
	e.width = 2*len(e.groups) + len(e.cards) + e.nnum
}

// appendSubsets appends the ascending size-k subsets of [from, n) extended
// from prefix.
func appendSubsets(dst [][]int, prefix []int, from, n, k int) [][]int {
	if k == 0 {
		return append(dst, slices.Clone(prefix))
	}
	for a := from; a < n; a++ {
		dst = appendSubsets(dst, append(prefix, a), a+1, n, k-1)
	}
	return dst
}

// properSubsets returns the non-empty proper subsets of g (a few elements).
func properSubsets(g []int) [][]int {
	var out [][]int
	for m := 1; m < 1<<len(g)-1; m++ {
		var s []int
		for i, a := range g {
			if m&(1<<i) != 0 {
				s = append(s, a)
			}
		}
		out = append(out, s)
	}
	return out
}

// rate returns the smoothed log-odds of approval of a value seen n times,
// a of them approved, relative to the prior's log-odds. Like every dense
// signal it is rounded to float32, the precision scoring keeps in its
// tables, so that training and scoring agree exactly.
func (e *encoder) rate(a, n uint32, prior float64) float64 {
	p := (float64(a) + e.smooth*prior) / (float64(n) + e.smooth)
	return float64(float32(math.Log(p/(1-p)) - math.Log(prior/(1-prior))))
}

// logCount returns log(1+n) rounded to float32.
func logCount(n uint32) float64 { return float64(float32(math.Log1p(float64(n)))) }

// encode writes the dense signals of x, from all training decisions, into
// s.x and returns it. Signals the trees do not use are left zero.
func (e *encoder) encode(s *encoderScratch, x *Instance) []float64 {
	if len(s.vals) != len(e.names) || len(s.x) != e.width {
		s.vals = make([]uint64, len(e.names))
		s.hs = make([]uint64, len(e.groups))
		s.cs = make([]*countSlot, len(e.groups))
		s.x = make([]float64, e.width)
	}
	e.values(s.vals, x.Tokens)
	// Hashes, then lookups, then signals: the lookups are independent
	// and their cache misses overlap.
	for gi, g := range e.groups {
		s.hs[gi] = 0
		if e.need == nil || e.need[2*gi] || e.need[2*gi+1] {
			s.hs[gi] = combo(g, s.vals)
		}
	}
	for gi, h := range s.hs {
		s.cs[gi] = nil
		if h != 0 {
			s.cs[gi] = e.stats.get(h)
		}
	}
	for gi, h := range s.hs {
		if h == 0 {
			continue
		}
		if c := s.cs[gi]; c != nil {
			s.x[2*gi], s.x[2*gi+1] = float64(c.rate), float64(c.logN)
		} else {
			s.x[2*gi], s.x[2*gi+1] = e.unseen, 0
		}
	}
	off := 2 * len(e.groups)
	for a, cs := range e.cardOf {
		if len(cs) == 0 || e.need != nil && !slices.ContainsFunc(cs, func(ci int) bool { return e.need[off+ci] }) {
			continue
		}
		c := e.cardAt.get(s.vals[a])
		for k, ci := range cs {
			s.x[off+ci] = 0
			if c != nil {
				s.x[off+ci] = float64(e.cardL[c.a+uint32(k)])
			}
		}
	}
	copy(s.x[off+len(e.cards):], x.Numeric)
	return s.x
}

// countTable is an open-addressing table from a 64-bit hash to two
// counts, at most half full (it grows).
type countTable struct {
	mask  uint64
	used  int
	slots []countSlot
}

type countSlot struct {
	key  uint64 // 0: empty
	a, n uint32
	// The group signals of the value, filled once the counts are final.
	rate, logN float32
}

func newCountTable(n int) *countTable {
	size := 16
	for size < 2*n {
		size <<= 1
	}
	return &countTable{mask: uint64(size - 1), slots: make([]countSlot, size)}
}

// add adds a and n to the counts of key, inserting it if needed.
func (t *countTable) add(key uint64, a, n uint32) {
	if 2*(t.used+1) > len(t.slots) {
		old := t.slots
		t.slots = make([]countSlot, 2*len(old))
		t.mask = uint64(len(t.slots) - 1)
		t.used = 0
		for _, s := range old {
			if s.key != 0 {
				t.add(s.key, s.a, s.n)
			}
		}
	}
	for i := key & t.mask; ; i = (i + 1) & t.mask {
		s := &t.slots[i]
		if s.key == key {
			s.a += a
			s.n += n
			return
		}
		if s.key == 0 {
			*s = countSlot{key: key, a: a, n: n}
			t.used++
			return
		}
	}
}

// get returns the slot of key, or nil.
func (t *countTable) get(key uint64) *countSlot {
	for i := key & t.mask; ; i = (i + 1) & t.mask {
		s := &t.slots[i]
		if s.key == key {
			return s
		}
		if s.key == 0 {
			return nil
		}
	}
}
