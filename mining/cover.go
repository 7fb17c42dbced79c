package mining

import (
	"context"
	"math"
	"slices"
)

// coverProblem is a unit-cost set cover: choose the fewest sets whose union
// is every element 0…elems-1. Each set lists its elements ascending.
type coverProblem struct {
	elems int
	sets  [][]int32
}

// coverSolution is the outcome of solveCover.
//
// Invariant: the chosen sets cover every element, and lower ≤ the size of
// an optimal cover ≤ len(chosen).
type coverSolution struct {
	chosen []int
	lower  int
}

// budget counts the branch-and-bound nodes a solve may still expand. It is
// shared by every sub-problem of one Exact call.
type budget struct {
	left int
	ctx  context.Context
}

// spend takes one node from the budget. It reports false when the budget is
// exhausted; it returns ctx.Err() (checked every 256 nodes) when the
// context is done.
func (b *budget) spend() (bool, error) {
	if b.left&255 == 0 {
		if err := b.ctx.Err(); err != nil {
			return false, err
		}
	}
	if b.left <= 0 {
		return false, nil
	}
	b.left--
	return true, nil
}

// solveCover solves p in three steps. First the classic reductions are
// applied until none applies: an element in a single set forces that set;
// a set whose uncovered elements all lie in another set is dropped; an
// element whose sets include all sets of another element is dropped (it
// gets covered along with the other). All three preserve the optimum.
// Second, the remaining kernel is split into independent parts. Third,
// each part is solved by branch and bound (see bnb.solve). When the node
// budget runs out a part keeps its best cover (greedy at worst) and its
// best proven bound.
//
// Every element must lie in at least one set. solveCover returns
// bud.ctx.Err() when the context is done.
func solveCover(p *coverProblem, bud *budget) (coverSolution, error) {
	k := newKernel(p)
	if err := k.reduce(bud.ctx); err != nil {
		return coverSolution{}, err
	}
	sol := coverSolution{chosen: k.forced, lower: len(k.forced)}
	for _, part := range k.parts() {
		s := newBnb(part, bud)
		if err := s.solve(); err != nil {
			return coverSolution{}, err
		}
		for _, i := range s.best {
			sol.chosen = append(sol.chosen, int(part.sets[i]))
		}
		sol.lower += s.lower
	}
	slices.Sort(sol.chosen)
	return sol, nil
}

// kernel applies the reductions of solveCover to a coverProblem in place.
// An element is alive while it is uncovered and not dominated; a set is
// alive while it is neither taken nor dominated.
type kernel struct {
	p         *coverProblem
	elemSets  [][]int32
	elemAlive []bool
	setAlive  []bool
	cnt       []int // alive element → number of alive sets holding it
	size      []int // alive set → number of alive elements in it
	forced    []int
	stamp     []int32 // element → tick of the last elemDominated that met it
	setStamp  []int32 // set → tick of the last elemDominated whose element it holds
	tick      int32
}

func newKernel(p *coverProblem) *kernel {
	k := &kernel{
		p:         p,
		elemSets:  make([][]int32, p.elems),
		elemAlive: make([]bool, p.elems),
		setAlive:  make([]bool, len(p.sets)),
		cnt:       make([]int, p.elems),
		size:      make([]int, len(p.sets)),
		stamp:     make([]int32, p.elems),
		setStamp:  make([]int32, len(p.sets)),
	}
	for s, elems := range p.sets {
		for _, e := range elems {
			k.elemSets[e] = append(k.elemSets[e], int32(s))
		}
		k.setAlive[s] = true
		k.size[s] = len(elems)
	}
	for e := range k.elemSets {
		k.elemAlive[e] = true
		k.cnt[e] = len(k.elemSets[e])
		if k.cnt[e] == 0 {
			panic("mining: set cover element in no set")
		}
	}
	return k
}

func (k *kernel) killSet(s int) {
	k.setAlive[s] = false
	for _, e := range k.p.sets[s] {
		if k.elemAlive[e] {
			k.cnt[e]--
		}
	}
}

func (k *kernel) killElem(e int) {
	k.elemAlive[e] = false
	for _, s := range k.elemSets[e] {
		if k.setAlive[s] {
			k.size[s]--
		}
	}
}

func (k *kernel) take(s int) {
	k.forced = append(k.forced, s)
	for _, e := range k.p.sets[s] {
		if k.elemAlive[e] {
			k.killElem(int(e))
		}
	}
	k.killSet(s)
}

// reduce applies the reductions until none applies, or ctx is done.
func (k *kernel) reduce(ctx context.Context) error {
	for changed := true; changed; {
		if err := ctx.Err(); err != nil {
			return err
		}
		changed = false
		for s := range k.p.sets {
			if k.setAlive[s] && k.size[s] == 0 {
				k.killSet(s)
			}
		}
		for e := range k.elemSets {
			if !k.elemAlive[e] || k.cnt[e] != 1 {
				continue
			}
			for _, s := range k.elemSets[e] {
				if k.setAlive[s] {
					k.take(int(s))
					changed = true
					break
				}
			}
		}
		for s := range k.p.sets {
			if k.setAlive[s] && k.setDominated(s) {
				k.killSet(s)
				changed = true
			}
		}
		for e := range k.elemSets {
			if k.elemAlive[e] && k.elemDominated(e) {
				k.killElem(e)
				changed = true
			}
		}
	}
	return nil
}

// setDominated reports whether another alive set holds every alive element
// of set s.
func (k *kernel) setDominated(s int) bool {
	if k.size[s] == 0 {
		return true
	}
	pivot, best := int32(-1), 0
	for _, e := range k.p.sets[s] {
		if k.elemAlive[e] && (pivot < 0 || k.cnt[e] < best) {
			pivot, best = e, k.cnt[e]
		}
	}
	for _, t := range k.elemSets[pivot] {
		if int(t) == s || !k.setAlive[t] || k.size[t] < k.size[s] {
			continue
		}
		if k.holdsAlive(int(t), s) {
			return true
		}
	}
	return false
}

// holdsAlive reports whether set t holds every alive element of set s.
func (k *kernel) holdsAlive(t, s int) bool {
	in := k.p.sets[t]
	for _, e := range k.p.sets[s] {
		if !k.elemAlive[e] {
			continue
		}
		if _, ok := slices.BinarySearch(in, e); !ok {
			return false
		}
	}
	return true
}

// elemDominated reports whether another alive element f lies only in alive
// sets that also hold e, so that covering f covers e.
func (k *kernel) elemDominated(e int) bool {
	k.tick++
	k.stamp[e] = k.tick
	for _, s := range k.elemSets[e] {
		k.setStamp[s] = k.tick
	}
	for _, s := range k.elemSets[e] {
		if !k.setAlive[s] {
			continue
		}
		for _, f := range k.p.sets[s] {
			if !k.elemAlive[f] || k.stamp[f] == k.tick {
				continue
			}
			k.stamp[f] = k.tick
			if k.cnt[f] <= k.cnt[e] && k.setsHold(int(f)) {
				return true
			}
		}
	}
	return false
}

// setsHold reports whether every alive set of element f holds the element
// of the current elemDominated (whose sets carry the current tick).
func (k *kernel) setsHold(f int) bool {
	for _, t := range k.elemSets[f] {
		if k.setAlive[t] && k.setStamp[t] != k.tick {
			return false
		}
	}
	return true
}

// coverPart is an independent part of a reduced kernel with dense local
// indices: sets[i] is the kernel set of local set i, and local[i] its alive
// elements as local element indices.
type coverPart struct {
	elems int
	sets  []int32
	local [][]int32
}

// parts splits the alive kernel into parts that share no set.
func (k *kernel) parts() []coverPart {
	parent := make([]int32, k.p.elems)
	for e := range parent {
		parent[e] = int32(e)
	}
	var find func(int32) int32
	find = func(x int32) int32 {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	for s, elems := range k.p.sets {
		if !k.setAlive[s] {
			continue
		}
		root := int32(-1)
		for _, e := range elems {
			if !k.elemAlive[e] {
				continue
			}
			if root < 0 {
				root = find(e)
			} else if r := find(e); r != root {
				parent[r] = root
			}
		}
	}
	partOf := map[int32]int{}
	var out []coverPart
	localE := make([]int32, k.p.elems)
	for e := range k.p.elems {
		if !k.elemAlive[e] {
			continue
		}
		r := find(int32(e))
		i, ok := partOf[r]
		if !ok {
			i = len(out)
			partOf[r] = i
			out = append(out, coverPart{})
		}
		localE[e] = int32(out[i].elems)
		out[i].elems++
	}
	for s, elems := range k.p.sets {
		if !k.setAlive[s] {
			continue
		}
		var loc []int32
		part := -1
		for _, e := range elems {
			if k.elemAlive[e] {
				loc = append(loc, localE[e])
				part = partOf[find(e)]
			}
		}
		if part < 0 {
			continue
		}
		out[part].sets = append(out[part].sets, int32(s))
		out[part].local = append(out[part].local, loc)
	}
	return out
}

// bnb is the branch and bound over one coverPart, on bitsets. A node takes
// the sets forced by an uncovered element left with one alive set, prunes
// when the sets chosen plus bound reach the limit, and otherwise branches
// on the uncovered element with the fewest alive sets, trying its sets by
// decreasing gain, each branch excluding the sets of the earlier ones.
type bnb struct {
	sets     []bitset // local set → local elements
	elemSets [][]int32
	bud      *budget
	best     []int
	lower    int
	limit    int // only covers of fewer sets are of interest
	aborted  bool
	cnt      []int32 // scratch of bound
	order    []int32
	gain     []int
	blocked  bitset
}

func newBnb(part coverPart, bud *budget) *bnb {
	s := &bnb{
		sets:     make([]bitset, len(part.local)),
		elemSets: make([][]int32, part.elems),
		bud:      bud,
		cnt:      make([]int32, part.elems),
		gain:     make([]int, len(part.local)),
		blocked:  newBitset(len(part.local)),
	}
	for i, loc := range part.local {
		s.sets[i] = newBitset(part.elems)
		for _, e := range loc {
			s.sets[i].set(int(e))
			s.elemSets[e] = append(s.elemSets[e], int32(i))
		}
	}
	return s
}

// solve sets best and lower by iterative deepening: starting from the
// root bound, it searches for a cover of each size in turn, so that every
// size refuted raises the proven lower bound, and the first cover found is
// optimal. The greedy cover is kept when no better one is found.
func (s *bnb) solve() error {
	nE := len(s.elemSets)
	unc := newBitset(nE)
	for e := range nE {
		unc.set(e)
	}
	alive := newBitset(len(s.sets))
	for i := range s.sets {
		alive.set(i)
	}
	s.best = greedyCover(s.sets, unc)
	s.lower = s.bound(unc, alive)
	for s.lower < len(s.best) {
		s.limit = s.lower + 1 // a cover of at most s.lower sets
		if err := s.search(unc, alive, nil); err != nil {
			return err
		}
		if s.aborted {
			return nil
		}
		if len(s.best) <= s.lower {
			return nil // found, and smaller sizes were refuted before
		}
		s.lower++
	}
	return nil
}

// greedyCover returns a cover of unc by sets: repeatedly the set covering
// most uncovered elements, then without sets the others make redundant.
func greedyCover(sets []bitset, unc bitset) []int {
	unc = unc.clone()
	var chosen []int
	for !unc.empty() {
		bi, bn := -1, 0
		for i, st := range sets {
			if n := st.andCount(unc); n > bn {
				bi, bn = i, n
			}
		}
		if bi < 0 {
			panic("mining: greedy cover of an uncoverable element")
		}
		chosen = append(chosen, bi)
		unc.andNot(sets[bi])
	}
	return pruneCover(sets, chosen)
}

// pruneCover drops sets of a cover, latest first, while the rest still
// covers what the whole did.
func pruneCover(sets []bitset, chosen []int) []int {
	if len(chosen) == 0 {
		return chosen
	}
	all := newBitset(len(sets[chosen[0]]) * 64)
	for _, i := range chosen {
		all.or(sets[i])
	}
	rest := newBitset(len(all) * 64)
	for k := len(chosen) - 1; k >= 0; k-- {
		clear(rest)
		for j, i := range chosen {
			if j != k {
				rest.or(sets[i])
			}
		}
		if all.subsetOf(rest) {
			chosen = slices.Delete(chosen, k, k+1)
		}
	}
	return chosen
}

// bound returns a lower bound on the number of alive sets still needed to
// cover unc, the larger of two:
//
//   - packing: uncovered elements, taken greedily fewest-sets first, no two
//     of which lie in a common alive set, each need a set of their own;
//   - sharing: a set covers at most gain(s) = |s ∩ unc| uncovered
//     elements, so charging each element 1/max gain over its alive sets
//     never charges a set more than 1; the charges sum to a lower bound
//     (a feasible solution of the dual of the covering LP).
//
// It leaves the gains of the alive sets in s.gain and the uncovered
// elements, fewest alive sets first, in s.order.
func (s *bnb) bound(unc, alive bitset) int {
	for i := alive.next(0); i >= 0; i = alive.next(i + 1) {
		s.gain[i] = s.sets[i].andCount(unc)
	}
	s.order = s.order[:0]
	share := 0.0
	for e := unc.next(0); e >= 0; e = unc.next(e + 1) {
		n, top := int32(0), 0
		for _, i := range s.elemSets[e] {
			if alive.has(int(i)) {
				n++
				top = max(top, s.gain[i])
			}
		}
		s.cnt[e] = n
		s.order = append(s.order, int32(e))
		share += 1 / float64(top)
	}
	slices.SortFunc(s.order, func(a, b int32) int { return int(s.cnt[a] - s.cnt[b]) })
	clear(s.blocked)
	pack := 0
	for _, e := range s.order {
		free := true
		for _, i := range s.elemSets[e] {
			if alive.has(int(i)) && s.blocked.has(int(i)) {
				free = false
				break
			}
		}
		if !free {
			continue
		}
		pack++
		for _, i := range s.elemSets[e] {
			s.blocked.set(int(i))
		}
	}
	// The float sum of a few thousand fractions is exact to far below the
	// margin.
	return max(pack, int(math.Ceil(share-1e-9)))
}

// search explores the node that has chosen sets and leaves unc uncovered,
// with only the alive sets allowed; see bnb. A cover of fewer than limit
// sets becomes best and lowers limit.
func (s *bnb) search(unc, alive bitset, chosen []int) error {
	ok, err := s.bud.spend()
	if err != nil {
		return err
	}
	if !ok {
		s.aborted = true
		return nil
	}
	unc = unc.clone()
	chosen = slices.Clip(chosen)
	// Take forced sets: an uncovered element left with one alive set.
	for {
		if len(chosen) >= s.limit {
			return nil
		}
		if unc.empty() {
			s.best = slices.Clone(chosen)
			s.limit = len(chosen)
			return nil
		}
		forced := false
		for e := unc.next(0); e >= 0; e = unc.next(e + 1) {
			only, n := -1, 0
			for _, i := range s.elemSets[e] {
				if alive.has(int(i)) {
					only = int(i)
					n++
				}
			}
			if n == 0 {
				return nil
			}
			if n == 1 {
				chosen = append(chosen, only)
				unc.andNot(s.sets[only])
				forced = true
			}
		}
		if !forced {
			break
		}
	}
	if len(chosen)+s.bound(unc, alive) >= s.limit {
		return nil
	}
	// Branch on the uncovered element with the fewest alive sets, trying
	// its sets by decreasing gain; each later branch excludes the sets of
	// the earlier ones.
	type cand struct{ set, gain int }
	var cands []cand
	for _, i := range s.elemSets[s.order[0]] {
		if alive.has(int(i)) {
			cands = append(cands, cand{int(i), s.gain[i]})
		}
	}
	slices.SortStableFunc(cands, func(a, b cand) int { return b.gain - a.gain })
	alive = alive.clone()
	for _, c := range cands {
		next := unc.clone()
		next.andNot(s.sets[c.set])
		if err := s.search(next, alive, append(chosen, c.set)); err != nil {
			return err
		}
		if s.aborted || len(chosen)+1 >= s.limit {
			return nil
		}
		alive.clear(c.set)
	}
	return nil
}
