package mining

import (
	"context"
	"encoding/binary"
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
)

// The WSC local search works on one block at a time, on a "side": items
// that must each be covered exactly by facilities, a facility being a set
// of features. On the user side the items are user classes, the features
// permission classes and a facility is a role's permissions; on the
// permission side (the transpose) the items are permission classes, the
// features user classes and a facility is a role's members. A role is an
// open facility together with the items whose cover uses it, and
//
//	WSC = Σ over open facilities (1 + weight of its features)
//	    + Σ over items (weight of the item × facilities in its cover),
//
// the same number on either side. Given the facilities, each item's best
// cover is a small set-cover problem of its own (polish solves it exactly
// within a node limit). The search opens and closes facilities from a pool
// of candidates (the block's concepts, its rows or columns, and the
// current roles) while that lowers the cost, then crosses to the other
// side, where the members of the roles become the facilities and the
// permissions are re-chosen: roles shrink below concepts that way, and
// entitlements held by the same members gather into one role.

// side is one orientation of a block.
type side struct {
	rows []bitset // item → features
	cols []bitset // feature → items
	iw   []int    // item weight (identities or entitlements in the class)
	fw   []int    // feature weight
}

func (s *side) weight(set bitset) int {
	n := 0
	for f := set.next(0); f >= 0; f = set.next(f + 1) {
		n += s.fw[f]
	}
	return n
}

// local is the state of the search on one side.
//
// Invariant: every item's cover is a set of open facilities, each a subset
// of the item's row, whose union is the row; used[f] is the number of items
// whose cover holds f, and a facility is open exactly when used[f] > 0;
// cost is the WSC of the state.
type local struct {
	s     *side
	facs  []bitset // pool, index-stable
	fcost []int    // 1 + weight of the facility's features
	items []item
	holds [][]holder // facility → the items whose row contains it
	used  []int
	cover [][]int32 // item → facilities of its cover
	cost  int

	// Scratch space.
	mc     coverScratch
	unc    bitset
	pick   []int32
	oldIdx []int32
	rest   []uint64
	ch     change
	drop   []int // facility → count, for freed

	// Don't-look bits: a facility whose move failed at tick seen[k] is not
	// tried again until one of the items holding it changes (stamp).
	tick  int
	stamp []int // item → tick of its last change
	seen  []int // facility → tick of its last failed move, -1 if none
}

// item is what the search keeps of one item: the pool facilities within
// its row, each projected onto the row's own features so that short rows
// of a wide block take one word.
type item struct {
	fits  []int32  // facility ids, pool order
	w     int      // words per projected facility
	masks []uint64 // projected facility n is masks[n*w : n*w+w]
	full  bitset   // the projected row
	open  []int32  // indices n of the open facilities among fits
}

func (it *item) mask(n int32) bitset { return it.masks[int(n)*it.w : int(n)*it.w+it.w] }

// holder is item i, in which facility k is fits[n].
type holder struct{ i, n int32 }

// newLocal returns the state of side s whose items are covered by covers
// over facilities facs, with further candidates pool. Duplicate and empty
// candidates are dropped.
func newLocal(s *side, facs []bitset, covers [][]int32, pool []bitset) *local {
	l := &local{s: s}
	index := map[string]int32{}
	var key []byte
	add := func(f bitset) int32 {
		key = key[:0]
		for _, w := range f {
			key = binary.LittleEndian.AppendUint64(key, w)
		}
		if i, ok := index[string(key)]; ok {
			return i
		}
		i := int32(len(l.facs))
		index[string(key)] = i
		l.facs = append(l.facs, f)
		l.fcost = append(l.fcost, 1+s.weight(f))
		return i
	}
	remap := make([]int32, len(facs))
	for k, f := range facs {
		remap[k] = add(f)
	}
	for _, f := range pool {
		if !f.empty() {
			add(f)
		}
	}
	l.used = make([]int, len(l.facs))
	l.seen = make([]int, len(l.facs))
	for k := range l.seen {
		l.seen[k] = -1
	}
	l.stamp = make([]int, len(s.rows))
	l.holds = make([][]holder, len(l.facs))
	l.items = make([]item, len(s.rows))
	l.cover = make([][]int32, len(s.rows))
	// base[i][w] is the number of features of row i before word w, so a
	// feature's position within the row is a popcount away.
	base := make([][]int32, len(s.rows))
	for i, row := range s.rows {
		base[i] = make([]int32, len(row))
		r := int32(0)
		for w, x := range row {
			base[i][w] = r
			r += int32(bits.OnesCount64(x))
		}
		it := &l.items[i]
		it.w = (int(r) + 63) >> 6
		it.full = newBitset(int(r))
		for f := range int(r) {
			it.full.set(f)
		}
	}
	// The items whose row holds facility f are those in the columns of all
	// its features.
	hold := newBitset(len(s.rows))
	for k, f := range l.facs {
		first := f.next(0)
		copy(hold, s.cols[first])
		for g := f.next(first + 1); g >= 0 && !hold.empty(); g = f.next(g + 1) {
			hold.and(s.cols[g])
		}
		for i := hold.next(0); i >= 0; i = hold.next(i + 1) {
			it := &l.items[i]
			l.holds[k] = append(l.holds[k], holder{int32(i), int32(len(it.fits))})
			it.fits = append(it.fits, int32(k))
			at := len(it.masks)
			it.masks = append(it.masks, make([]uint64, it.w)...)
			m := bitset(it.masks[at:])
			row := s.rows[i]
			for g := f.next(0); g >= 0; g = f.next(g + 1) {
				w := g >> 6
				m.set(int(base[i][w]) + bits.OnesCount64(row[w]&(1<<uint(g&63)-1)))
			}
		}
	}
	for i := range s.rows {
		for _, k := range covers[i] {
			l.cover[i] = append(l.cover[i], remap[k])
		}
		slices.Sort(l.cover[i])
		l.cover[i] = slices.Compact(l.cover[i])
		for _, k := range l.cover[i] {
			l.used[k]++
		}
	}
	for k := range l.facs {
		if l.used[k] > 0 {
			l.cost += l.fcost[k]
			l.opened(int32(k))
		}
	}
	for i := range s.rows {
		l.cost += s.iw[i] * len(l.cover[i])
	}
	return l
}

// opened and closed keep the items' lists of open facilities.
func (l *local) opened(k int32) {
	for _, h := range l.holds[k] {
		it := &l.items[h.i]
		it.open = append(it.open, h.n)
		l.stamp[h.i] = l.tick
	}
}

func (l *local) closed(k int32) {
	for _, h := range l.holds[k] {
		it := &l.items[h.i]
		it.open = slices.DeleteFunc(it.open, func(n int32) bool { return n == h.n })
		l.stamp[h.i] = l.tick
	}
}

// stale reports whether facility k failed a move and none of its items
// changed since.
func (l *local) stale(k int32) bool {
	if l.seen[k] < 0 {
		return false
	}
	for _, h := range l.holds[k] {
		if l.stamp[h.i] > l.seen[k] {
			return false
		}
	}
	return true
}

// coverWithout returns a cover of item i's row by the open facilities but
// minus: greedily (ties to the more used), then without the facilities the
// rest makes redundant, latest first. It returns nil when the row cannot
// be covered. The slice is reused by the next call.
func (l *local) coverWithout(i int, minus int32) []int32 {
	it := &l.items[i]
	unc := append(l.unc[:0], it.full...)
	l.unc = unc
	c := l.pick[:0] // indices into fits
	for !unc.empty() {
		bi, bn, bu := int32(-1), 0, 0
		for _, n := range it.open {
			k := it.fits[n]
			if k == minus {
				continue
			}
			g := it.mask(n).andCount(unc)
			if g > bn || g == bn && g > 0 && l.used[k] > bu {
				bi, bn, bu = n, g, l.used[k]
			}
		}
		if bi < 0 {
			l.pick = c
			return nil
		}
		c = append(c, bi)
		unc.andNot(it.mask(bi))
	}
	for m := len(c) - 1; m >= 1 && len(c) > 1; m-- {
		clear(unc)
		for x, n := range c {
			if x != m {
				unc.or(it.mask(n))
			}
		}
		if it.full.subsetOf(unc) {
			c = slices.Delete(c, m, m+1)
		}
	}
	for x, n := range c {
		c[x] = it.fits[n]
	}
	l.pick = c
	return c
}

// polish gives every item the fewest open facilities that cover it,
// exactly within coverScratch's node limit, and reports whether the cost
// went down.
func (l *local) polish() bool {
	before := l.cost
	ch := &l.ch
	for i := range l.items {
		if len(l.cover[i]) <= 1 {
			continue
		}
		it := &l.items[i]
		c := l.mc.solve(it, it.open)
		if len(c) < len(l.cover[i]) {
			cv := make([]int32, len(c))
			for x, n := range c {
				cv[x] = it.fits[n]
			}
			ch.items = append(ch.items[:0], int32(i))
			ch.covers = append(ch.covers[:0], cv)
			l.apply(ch)
		}
	}
	return l.cost < before
}

// change is a tentative move: new covers for some items.
type change struct {
	items  []int32
	covers [][]int32
	delta  int
}

// tryOpen evaluates opening facility k: every item whose row contains it
// and which has more than one role tries k plus its current facilities,
// without those k makes redundant; it takes that cover when it is no
// bigger, and facilities nobody uses any more close.
func (l *local) tryOpen(k int32, ch *change) bool {
	ch.items, ch.covers, ch.delta = ch.items[:0], ch.covers[:0], l.fcost[k]
	for _, h := range l.holds[k] {
		old := l.cover[h.i]
		if len(old) == 1 {
			continue
		}
		c := l.withFacility(h, old)
		if len(c) > len(old) {
			continue
		}
		ch.items = append(ch.items, h.i)
		ch.covers = append(ch.covers, slices.Clone(c))
		ch.delta += l.s.iw[h.i] * (len(c) - len(old))
	}
	if len(ch.items) == 0 {
		return false
	}
	ch.delta -= l.freed(ch, k)
	return ch.delta < 0
}

// withFacility returns fits[h.n] followed by the facilities of cover old
// not made redundant by it and the facilities after them. The slice is
// reused by the next call.
func (l *local) withFacility(h holder, old []int32) []int32 {
	it := &l.items[h.i]
	c := append(l.pick[:0], it.fits[h.n])
	idx := l.oldIdx[:0]
	for _, f := range old {
		n, _ := slices.BinarySearch(it.fits, f) // fits ascend by id
		idx = append(idx, int32(n))
	}
	l.oldIdx = idx
	// rest[x] = union of the masks of old[x+1:], built backwards.
	w := it.w
	rest := l.rest[:0]
	rest = append(rest, make([]uint64, (len(idx)+1)*w)...)
	for x := len(idx) - 1; x >= 0; x-- {
		copy(rest[x*w:x*w+w], rest[(x+1)*w:(x+2)*w])
		bitset(rest[x*w : x*w+w]).or(it.mask(idx[x]))
	}
	l.rest = rest
	kept := append(l.unc[:0], it.mask(h.n)...) // union of c so far
	need := make(bitset, w)
	for x, n := range idx {
		copy(need, it.full)
		need.andNot(kept)
		need.andNot(rest[(x+1)*w : (x+2)*w])
		if need.intersects(it.mask(n)) {
			c = append(c, old[x])
			kept.or(it.mask(n))
		}
	}
	l.unc = kept
	l.pick = c
	return c
}

// tryClose evaluates closing open facility k: its items re-cover without
// it.
func (l *local) tryClose(k int32, ch *change) bool {
	ch.items, ch.covers, ch.delta = ch.items[:0], ch.covers[:0], -l.fcost[k]
	for _, h := range l.holds[k] {
		if !slices.Contains(l.cover[h.i], k) {
			continue
		}
		c := l.coverWithout(int(h.i), k)
		if c == nil {
			return false
		}
		ch.items = append(ch.items, h.i)
		ch.covers = append(ch.covers, slices.Clone(c))
		ch.delta += l.s.iw[h.i] * (len(c) - len(l.cover[h.i]))
	}
	ch.delta -= l.freed(ch, k)
	return ch.delta < 0
}

// freed returns the cost of the facilities other than k that ch leaves
// unused.
func (l *local) freed(ch *change, k int32) int {
	if l.drop == nil {
		l.drop = make([]int, len(l.facs))
	}
	for n, i := range ch.items {
		for _, f := range l.cover[i] {
			l.drop[f]++
		}
		for _, f := range ch.covers[n] {
			l.drop[f]--
		}
	}
	saved := 0
	for _, i := range ch.items {
		for _, f := range l.cover[i] {
			if f != k && l.drop[f] > 0 && l.drop[f] == l.used[f] {
				saved += l.fcost[f]
			}
			l.drop[f] = 0 // count each facility once
		}
	}
	for _, c := range ch.covers {
		for _, f := range c {
			l.drop[f] = 0
		}
	}
	return saved
}

// apply makes ch the state.
func (l *local) apply(ch *change) {
	l.tick++
	for n, i := range ch.items {
		l.stamp[i] = l.tick
		for _, f := range l.cover[i] {
			l.used[f]--
			if l.used[f] == 0 {
				l.cost -= l.fcost[f]
				l.closed(f)
			}
		}
		l.cost -= l.s.iw[i] * len(l.cover[i])
		l.cover[i] = ch.covers[n]
		for _, f := range l.cover[i] {
			if l.used[f] == 0 {
				l.cost += l.fcost[f]
				l.opened(f)
			}
			l.used[f]++
		}
		l.cost += l.s.iw[i] * len(l.cover[i])
	}
}

// descend applies improving moves, in random order, until none improves
// or moves are spent. It returns the moves left.
func (l *local) descend(ctx context.Context, moves int, rng *rand.Rand) (int, error) {
	order := make([]int32, len(l.facs))
	for k := range order {
		order[k] = int32(k)
	}
	ch := &l.ch
	for improved := true; improved && moves > 0; {
		improved = l.polish()
		rng.Shuffle(len(order), func(a, b int) { order[a], order[b] = order[b], order[a] })
		for _, k := range order {
			if moves <= 0 {
				break
			}
			if l.stale(k) {
				continue
			}
			if moves&63 == 0 {
				if err := ctx.Err(); err != nil {
					return 0, err
				}
			}
			moves--
			var ok bool
			if l.used[k] > 0 {
				ok = l.tryClose(k, ch)
			} else {
				ok = l.tryOpen(k, ch)
			}
			if ok {
				l.apply(ch)
				improved = true
			} else {
				l.seen[k] = l.tick
			}
		}
	}
	return moves, nil
}

// roles returns the state as roles of the block: for the user side
// (transposed false) a facility is the permissions and its items the
// members; for the permission side the other way round.
func (l *local) roles(transposed bool) []blockRole {
	members := make([]bitset, len(l.facs))
	for i, c := range l.cover {
		for _, k := range c {
			if members[k] == nil {
				members[k] = newBitset(len(l.s.rows))
			}
			members[k].set(i)
		}
	}
	var out []blockRole
	for k, m := range members {
		if m == nil {
			continue
		}
		if transposed {
			out = append(out, blockRole{ext: l.facs[k].clone(), int: m})
		} else {
			out = append(out, blockRole{ext: m, int: l.facs[k].clone()})
		}
	}
	return out
}

// covers returns, for roles seen from one side, each item's roles.
func covers(roles []blockRole, items int, transposed bool) ([]bitset, [][]int32) {
	facs := make([]bitset, len(roles))
	cv := make([][]int32, items)
	for k, r := range roles {
		its := r.ext
		facs[k] = r.int
		if transposed {
			its, facs[k] = r.int, r.ext
		}
		for i := its.next(0); i >= 0; i = its.next(i + 1) {
			cv[i] = append(cv[i], int32(k))
		}
	}
	return facs, cv
}

// wscSolution is a cover of one block with low WSC.
type wscSolution struct {
	roles []blockRole
	lower int // proven lower bound on the block's WSC
}

// blockWSC returns the WSC of roles of b, in identities and entitlements.
func blockWSC(b *block, roles []blockRole) int {
	n := 0
	for _, r := range roles {
		n++
		for u := r.ext.next(0); u >= 0; u = r.ext.next(u + 1) {
			n += b.uw[u]
		}
		for p := r.int.next(0); p >= 0; p = r.int.next(p + 1) {
			n += b.pw[p]
		}
	}
	return n
}

// improveWSC searches for a low-WSC cover of b. It runs the local search
// from the fewest-roles cover sol, from one role per distinct row and from
// one role per distinct column; then, from the best, it iterates: kick
// (ruin and recreate, or split, part of the cover), search again, and move
// on when the result is within 2% of the best. It keeps the best cover
// met, and stops when moves run out, the cover meets the lower bound, or
// enough kicks in a row (wscStall on large blocks) found nothing better.
func improveWSC(ctx context.Context, b *block, sol rolesSolution, moves int, rng *rand.Rand) (wscSolution, error) {
	w := &wscSearch{
		b:     b,
		users: &side{rows: b.rows, cols: b.cols, iw: b.uw, fw: b.pw},
		perms: &side{rows: b.cols, cols: b.rows, iw: b.pw, fw: b.uw},
		left:  moves,
		rng:   rng,
		ctx:   ctx,
	}
	for _, c := range sol.concepts {
		w.intents = append(w.intents, c.int)
		w.extents = append(w.extents, c.ext)
	}
	w.intents = append(w.intents, b.rows...)
	w.extents = append(w.extents, b.cols...)

	lower := wscBound(b, sol)
	var best []blockRole
	bestCost := 0
	for _, start := range [][]blockRole{sol.roles, rowRoles(b), colRoles(b)} {
		roles, cost, err := w.alternate(start, false)
		if err != nil {
			return wscSolution{}, err
		}
		if best == nil || cost < bestCost {
			best, bestCost = roles, cost
		}
	}
	// Small blocks get fewer kicks; none once the cover meets the bound.
	stalls := min(wscStall, 8+2*b.edges())
	cur := best
	for stall := 0; stall < stalls && w.left > 0 && bestCost > lower; stall++ {
		transposed := w.rng.IntN(2) == 1
		roles, cost, err := w.alternate(w.kick(cur, transposed), transposed)
		if err != nil {
			return wscSolution{}, err
		}
		if cost <= bestCost+max(1, bestCost/50) { // walk near the best
			cur = roles
		}
		if cost < bestCost {
			best, bestCost, stall = roles, cost, -1
		}
	}
	return wscSolution{roles: best, lower: lower}, nil
}

// wscStall is the number of kicks in a row without a better cover after
// which improveWSC stops on a large block.
const wscStall = 200

// wscSearch is the local search of one block on both sides.
type wscSearch struct {
	b                *block
	users, perms     *side
	intents, extents []bitset // candidate pools: concepts and rows, or columns
	left             int      // moves left
	rng              *rand.Rand
	ctx              context.Context
}

// local returns the search state on one side for roles, each side's pool
// extended by the roles' own facilities. Building it costs moves as many
// as the pool has facilities.
func (w *wscSearch) local(roles []blockRole, transposed bool) *local {
	s, pool := w.users, w.intents
	if transposed {
		s, pool = w.perms, w.extents
	}
	facs, cv := covers(roles, len(s.rows), transposed)
	own := append(slices.Clone(pool), facs...)
	l := newLocal(s, facs, cv, own)
	w.left -= min(w.left, len(l.facs))
	return l
}

// alternate runs the local search on one side, then the other, and so on
// until a round on both sides brings nothing or moves run out. It returns
// the roles and their WSC.
func (w *wscSearch) alternate(roles []blockRole, transposed bool) ([]blockRole, int, error) {
	cost := blockWSC(w.b, roles)
	round := cost
	for first := true; w.left > 0; first = false {
		l := w.local(roles, transposed)
		var err error
		if w.left, err = l.descend(w.ctx, w.left, w.rng); err != nil {
			return nil, 0, err
		}
		roles, cost = l.roles(transposed), l.cost
		if !first && cost >= round {
			break // a round on both sides without gain
		}
		if !first {
			round = cost
		}
		transposed = !transposed
	}
	return roles, cost, nil
}

// kick returns roles perturbed at random, by ruin and recreate or by
// splitting roles, with even odds.
func (w *wscSearch) kick(roles []blockRole, transposed bool) []blockRole {
	if w.rng.IntN(2) == 0 {
		return w.split(roles, transposed)
	}
	return w.ruin(roles, transposed)
}

// split returns roles with a random share (up to a third) of them split in
// two: the features of one side dealt at random between the two halves,
// each keeping all the items. Roles with one feature stay whole.
func (w *wscSearch) split(roles []blockRole, transposed bool) []blockRole {
	out := slices.Clone(roles)
	n := 1 + w.rng.IntN(max(1, len(roles)/3))
	for _, k := range w.rng.Perm(len(roles))[:n] {
		r := roles[k]
		feats := r.int
		if transposed {
			feats = r.ext
		}
		if feats.count() < 2 {
			continue
		}
		a, b := newBitset(len(feats)*64), newBitset(len(feats)*64)
		// Deal at random, making sure both halves get a feature.
		first := true
		for f := feats.next(0); f >= 0; f = feats.next(f + 1) {
			if first || w.rng.IntN(2) == 0 {
				a.set(f)
			} else {
				b.set(f)
			}
			first = false
		}
		if b.empty() {
			last := -1
			for f := a.next(0); f >= 0; f = a.next(f + 1) {
				last = f
			}
			a.clear(last)
			b.set(last)
		}
		if transposed {
			out[k] = blockRole{ext: a, int: r.int}
			out = append(out, blockRole{ext: b, int: r.int})
		} else {
			out[k] = blockRole{ext: r.ext, int: a}
			out = append(out, blockRole{ext: r.ext, int: b})
		}
	}
	return out
}

// ruin returns roles with a random part ruined and recreated: a random
// share (up to a third) of the roles is dropped, and the items of one side
// that lost cells get, per distinct set of lost cells, one new role made of
// those cells.
func (w *wscSearch) ruin(roles []blockRole, transposed bool) []blockRole {
	n := len(roles)
	drop := 1 + w.rng.IntN(max(1, n/3))
	perm := w.rng.Perm(n)
	kept := make([]blockRole, 0, n)
	for _, k := range perm[drop:] {
		kept = append(kept, roles[k])
	}
	rows := w.b.rows
	if transposed {
		rows = w.b.cols
	}
	lost := make([]bitset, len(rows))
	for i, row := range rows {
		lost[i] = row.clone()
	}
	for _, r := range kept {
		items, feats := r.ext, r.int
		if transposed {
			items, feats = r.int, r.ext
		}
		for i := items.next(0); i >= 0; i = items.next(i + 1) {
			lost[i].andNot(feats)
		}
	}
	index := map[string]int{}
	var key []byte
	for i, l := range lost {
		if l.empty() {
			continue
		}
		key = key[:0]
		for _, x := range l {
			key = binary.LittleEndian.AppendUint64(key, x)
		}
		k, ok := index[string(key)]
		if !ok {
			k = len(kept)
			index[string(key)] = k
			r := blockRole{ext: newBitset(len(w.b.rows)), int: newBitset(len(w.b.cols))}
			if transposed {
				r.ext = l
			} else {
				r.int = l
			}
			kept = append(kept, r)
		}
		if transposed {
			kept[k].int.set(i)
		} else {
			kept[k].ext.set(i)
		}
	}
	return kept
}

// rowRoles returns one role per user class: its row, held by it alone.
func rowRoles(b *block) []blockRole {
	out := make([]blockRole, len(b.rows))
	for u, row := range b.rows {
		out[u] = blockRole{ext: newBitset(len(b.rows)), int: row.clone()}
		out[u].ext.set(u)
	}
	return out
}

// colRoles returns one role per permission class: that class, held by
// every user class having it.
func colRoles(b *block) []blockRole {
	out := make([]blockRole, len(b.cols))
	for p, col := range b.cols {
		out[p] = blockRole{ext: col.clone(), int: newBitset(len(b.cols))}
		out[p].int.set(p)
	}
	return out
}

// wscBound returns a lower bound on the WSC of any exact cover of b, the
// larger of two:
//
//   - links: each identity needs a role link, and a second one unless it
//     holds a single role, whose entitlements are then exactly its row; so
//     identities with a single role fall in at most as many row classes as
//     there are roles. The same holds for entitlements, roles and column
//     classes. A role serving both a row class u and a column class p in
//     this way spans col p × row u, so (u, p) is a cell in a single
//     concept and the role is a forced concept. Hence with R roles, of
//     which F forced, WSC ≥ R + identities + entitlements + (weight of the
//     row classes not served) + (weight of the column classes not served),
//     where at most R + F classes are served; as every class weighs at
//     least 1, this is smallest when all are: WSC ≥ rows + columns − F +
//     identities + entitlements, counting distinct rows and columns.
//   - shares: a role with m members and n entitlements costs 1 + m + n
//     for m·n cells. Charging each cell the cheapest share (1 + m + n)/(m·n)
//     over the bicliques holding it never charges a role more than its
//     cost, so the charges sum to a lower bound (a feasible solution of the
//     dual of the covering LP over all bicliques). The cheapest share of a
//     cell is reached on a concept, so it is exact for the users whose
//     concepts sol has all; for the others, m ≤ the identities holding the
//     entitlement and n ≤ the entitlements of the identity bound it.
func wscBound(b *block, sol rolesSolution) int {
	wu, wp := 0, 0
	for _, w := range b.uw {
		wu += w
	}
	for _, w := range b.pw {
		wp += w
	}
	forced, _ := forcedConcepts(b)
	links := len(b.uw) + len(b.pw) - len(forced) + wu + wp
	return max(links, edgeShares(b, sol.concepts, sol.complete))
}

// edgeShares returns ⌈Σ over the cells of b of their cheapest share⌉ (see
// wscBound).
func edgeShares(b *block, cs []concept, complete bitset) int {
	type frac struct{ num, den int64 } // num/den, den > 0
	less := func(a, b frac) bool { return a.num*b.den < b.num*a.den }
	best := make([][]frac, len(b.rows))
	colW := make([]int64, len(b.cols))
	for p, col := range b.cols {
		for u := col.next(0); u >= 0; u = col.next(u + 1) {
			colW[p] += int64(b.uw[u])
		}
	}
	for u, row := range b.rows {
		best[u] = make([]frac, len(b.cols))
		n := int64(0)
		for p := row.next(0); p >= 0; p = row.next(p + 1) {
			n += int64(b.pw[p])
		}
		for p := row.next(0); p >= 0; p = row.next(p + 1) {
			if complete.has(u) {
				best[u][p] = frac{1, 0} // +∞ until a concept is seen
			} else {
				best[u][p] = frac{1 + colW[p] + n, colW[p] * n}
			}
		}
	}
	for _, c := range cs {
		m, n := int64(0), int64(0)
		for u := c.ext.next(0); u >= 0; u = c.ext.next(u + 1) {
			m += int64(b.uw[u])
		}
		for p := c.int.next(0); p >= 0; p = c.int.next(p + 1) {
			n += int64(b.pw[p])
		}
		f := frac{1 + m + n, m * n}
		for u := c.ext.next(0); u >= 0; u = c.ext.next(u + 1) {
			if !complete.has(u) {
				continue
			}
			for p := c.int.next(0); p >= 0; p = c.int.next(p + 1) {
				if cur := best[u][p]; cur.den == 0 || less(f, cur) {
					best[u][p] = f
				}
			}
		}
	}
	// Every complete cell met its object concept, so no den is 0 here. The
	// float sum of many small fractions is exact to far below the margin.
	total := 0.0
	for u, row := range b.rows {
		for p := row.next(0); p >= 0; p = row.next(p + 1) {
			f := best[u][p]
			total += float64(int64(b.uw[u])*int64(b.pw[p])) * float64(f.num) / float64(f.den)
		}
	}
	return int(math.Ceil(total - 1e-6))
}

// coverScratch solves the small exact covers of single items.
type coverScratch struct {
	it    *item
	best  []int32
	cur   []int32
	nodes int
}

// solve returns the fewest of the item's projected facilities cands (indices
// into fits) whose union is its row, earlier candidates preferred on ties,
// or nil when they cannot cover it. The slice is reused by the next call.
// Beyond a few thousand nodes the best cover found so far is returned.
func (c *coverScratch) solve(it *item, cands []int32) []int32 {
	c.it = it
	c.best = c.best[:0]
	// Greedy first: an upper bound, and the answer when it is one set.
	unc := it.full.clone()
	for !unc.empty() {
		bi, bn := int32(-1), 0
		for _, n := range cands {
			if g := it.mask(n).andCount(unc); g > bn {
				bi, bn = n, g
			}
		}
		if bi < 0 {
			return nil
		}
		c.best = append(c.best, bi)
		unc.andNot(it.mask(bi))
	}
	if len(c.best) <= 1 {
		return c.best
	}
	c.nodes = 0
	c.cur = c.cur[:0]
	c.search(it.full.clone(), cands)
	return c.best
}

func (c *coverScratch) search(unc bitset, cands []int32) {
	c.nodes++
	if unc.empty() {
		if len(c.cur) < len(c.best) {
			c.best = append(c.best[:0], c.cur...)
		}
		return
	}
	if len(c.cur)+2 > len(c.best) || c.nodes > 4096 {
		return
	}
	// Bound: no candidate covers more than maxGain uncovered features.
	maxGain := 0
	for _, n := range cands {
		maxGain = max(maxGain, c.it.mask(n).andCount(unc))
	}
	if maxGain == 0 || len(c.cur)+(unc.count()+maxGain-1)/maxGain >= len(c.best) {
		return
	}
	// Branch on the uncovered feature with the fewest candidates.
	pivot, fewest := -1, 0
	for f := unc.next(0); f >= 0; f = unc.next(f + 1) {
		k := 0
		for _, n := range cands {
			if c.it.mask(n).has(f) {
				k++
			}
		}
		if k == 0 {
			return
		}
		if pivot < 0 || k < fewest {
			pivot, fewest = f, k
		}
	}
	for _, n := range cands {
		if !c.it.mask(n).has(pivot) {
			continue
		}
		next := unc.clone()
		next.andNot(c.it.mask(n))
		c.cur = append(c.cur, n)
		c.search(next, cands)
		c.cur = c.cur[:len(c.cur)-1]
	}
}
