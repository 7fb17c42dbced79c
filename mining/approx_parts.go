package mining

import (
	"math/bits"
	"runtime"
	"slices"
	"sync"
)

// partFit is a partial role: its entitlements, who gets it and what it
// saves.
type partFit struct {
	saving       int
	entitlements []int32
	members      []int32
}

// partGroup is a set of identities that hold the same part of a base role
// b and for which the same part of it is still uncovered, as bitsets over
// the positions of b.
type partGroup struct {
	miss, unc []uint64
	users     []int32
	missOut   int // positions of miss not yet peeled off
	uncIn     int // positions of unc not yet peeled off
}

// fitPart finds the best partial role of base role b for the identities
// holding at least half of it (and at least MinEntitlements) with some of
// it still uncovered. Starting from b, it peels off, one at a time, the
// entitlement whose removal leaves the largest saving, an identity being
// a member once everything it lacks is peeled off; the best subset seen
// with at least MinMembers members and MinEntitlements entitlements wins.
func (s *coverState) fitPart(b []int32) partFit {
	groups := s.partGroups(b)
	p := newPeeler(len(b), groups)
	best, bestCut := partFit{}, -1
	if sv, mem := p.saving(); mem >= s.opts.MinMembers && sv > 0 {
		best.saving, bestCut = sv, 0
	}
	for p.size > s.opts.MinEntitlements {
		e, sv, mem := p.next()
		p.remove(e)
		if mem >= s.opts.MinMembers && sv > best.saving {
			best.saving, bestCut = sv, len(p.order)
		}
	}
	if bestCut < 0 {
		return partFit{}
	}
	out := make([]bool, len(b))
	for _, e := range p.order[:bestCut] {
		out[e] = true
	}
	for k, j := range b {
		if !out[k] {
			best.entitlements = append(best.entitlements, j)
		}
	}
	for _, g := range groups {
		if subsetOfPositions(g.miss, out) && countOutside(g.unc, out) > 0 {
			best.members = append(best.members, g.users...)
		}
	}
	slices.Sort(best.members)
	return best
}

// peeler peels positions off a base role of n entitlements. A group is a
// member of what is left once every position it misses is peeled off;
// it then saves one per uncovered position left, less one for the link.
type peeler struct {
	groups       []partGroup
	removed      []bool
	order        []int // positions peeled off, in order
	size         int   // positions left
	drop, gain   []int // scratch: per position, saving lost and won by peeling it
	dropM, gainM []int // and members lost and won
}

func newPeeler(n int, groups []partGroup) *peeler {
	return &peeler{groups: groups, removed: make([]bool, n), size: n,
		drop: make([]int, n), gain: make([]int, n), dropM: make([]int, n), gainM: make([]int, n)}
}

// saving returns the saving and members of the positions left.
func (p *peeler) saving() (saving, members int) {
	for g := range p.groups {
		gr := &p.groups[g]
		if gr.missOut == 0 && gr.uncIn > 0 {
			saving += len(gr.users) * (gr.uncIn - 1)
			members += len(gr.users)
		}
	}
	return saving - p.size - 1, members
}

// next returns the position whose removal leaves the largest saving (the
// least position among equals), with that saving and its members. Peeling
// e off changes only groups that are members (e uncovered: one position
// less to save) and groups missing e alone among what is left (they join).
func (p *peeler) next() (e, saving, members int) {
	clear(p.drop)
	clear(p.gain)
	clear(p.dropM)
	clear(p.gainM)
	base, baseM := p.saving()
	for g := range p.groups {
		gr := &p.groups[g]
		w := len(gr.users)
		switch gr.missOut {
		case 0:
			if gr.uncIn == 0 {
				continue
			}
			forBits(gr.unc, func(k int) {
				if p.removed[k] {
					return
				}
				if gr.uncIn == 1 {
					p.dropM[k] += w
				} else {
					p.drop[k] += w
				}
			})
		case 1:
			if gr.uncIn == 0 {
				continue
			}
			forBits(gr.miss, func(k int) {
				if !p.removed[k] {
					p.gain[k] += w * (gr.uncIn - 1)
					p.gainM[k] += w
				}
			})
		}
	}
	e = -1
	for k, gone := range p.removed {
		if gone {
			continue
		}
		sv := base + 1 - p.drop[k] + p.gain[k] // one entitlement fewer
		if e < 0 || sv > saving {
			e, saving, members = k, sv, baseM-p.dropM[k]+p.gainM[k]
		}
	}
	return e, saving, members
}

// remove peels position e off.
func (p *peeler) remove(e int) {
	p.removed[e] = true
	p.order = append(p.order, e)
	p.size--
	for g := range p.groups {
		gr := &p.groups[g]
		if hasBit(gr.miss, e) {
			gr.missOut--
		}
		if hasBit(gr.unc, e) {
			gr.uncIn--
		}
	}
}

// forBits calls f with every position set in set, ascending.
func forBits(set []uint64, f func(k int)) {
	for w, x := range set {
		for x != 0 {
			f(w<<6 + bits.TrailingZeros64(x))
			x &= x - 1
		}
	}
}

// partGroups groups the identities holding at least half of b (and at
// least MinEntitlements of it) with some of it uncovered, by what they
// lack of b and what of b is uncovered. Groups are in the order of their
// least identity, and each group's identities ascending. Large scans are
// split into consecutive ranges of identities grouped on GOMAXPROCS
// goroutines and merged in range order, which gives the same groups in
// the same order as one scan.
func (s *coverState) partGroups(b []int32) []partGroup {
	n := len(b)
	need := max(s.opts.MinEntitlements, (n+1)/2)
	if need > n {
		return nil
	}
	users := s.candidates(b, need)
	parts := scanParts(len(users))
	if len(parts) == 1 {
		return s.groupRange(b, need, users).groups
	}
	ranges := make([]groupedRange, len(parts))
	var wg sync.WaitGroup
	for k, p := range parts {
		wg.Go(func() { ranges[k] = s.groupRange(b, need, users[p[0]:p[1]]) })
	}
	wg.Wait()
	return mergeGroups(ranges)
}

// minScanPart is the least number of identities a goroutine of a split
// scan takes: below it, a scan runs on the calling goroutine.
var minScanPart = 256

// scanParts splits n identities into at most GOMAXPROCS consecutive
// ranges [lo, hi) of at least minScanPart each (one range when n is
// smaller).
func scanParts(n int) [][2]int {
	k := max(1, min(runtime.GOMAXPROCS(0), n/minScanPart))
	parts := make([][2]int, k)
	for p := range parts {
		parts[p] = [2]int{p * n / k, (p + 1) * n / k}
	}
	return parts
}

// groupedRange is the partGroups of a range of identities, with each
// group's key.
type groupedRange struct {
	groups []partGroup
	keys   []string
}

// groupRange groups the identities users, ascending, as partGroups does.
func (s *coverState) groupRange(b []int32, need int, users []int32) groupedRange {
	n := len(b)
	words := (n + 63) / 64
	index := make(map[string]int)
	var out groupedRange
	key := make([]byte, 0, 16*words)
	held, unc := make([]uint64, words), make([]uint64, words)
	for _, i := range users {
		clear(held)
		clear(unc)
		nu := 0
		nh := s.walk(i, b, func(k, p int) {
			held[k>>6] |= 1 << (k & 63)
			if !s.isCovered(p) {
				unc[k>>6] |= 1 << (k & 63)
				nu++
			}
		})
		if nh < need || nu == 0 {
			continue
		}
		key = key[:0]
		for w := range words {
			key = appendUint64(key, held[w])
			key = appendUint64(key, unc[w])
		}
		g, ok := index[string(key)]
		if !ok {
			g = len(out.groups)
			index[string(key)] = g
			out.keys = append(out.keys, string(key))
			miss := make([]uint64, words)
			for k := range n {
				if held[k>>6]>>(k&63)&1 == 0 {
					miss[k>>6] |= 1 << (k & 63)
				}
			}
			out.groups = append(out.groups, partGroup{miss: miss, unc: slices.Clone(unc), missOut: n - nh, uncIn: nu})
		}
		out.groups[g].users = append(out.groups[g].users, i)
	}
	return out
}

// mergeGroups merges the groups of consecutive ranges of identities, in
// range order.
func mergeGroups(ranges []groupedRange) []partGroup {
	index := make(map[string]int)
	var groups []partGroup
	for _, r := range ranges {
		for k, g := range r.groups {
			if at, ok := index[r.keys[k]]; ok {
				groups[at].users = append(groups[at].users, g.users...)
				continue
			}
			index[r.keys[k]] = len(groups)
			groups = append(groups, g)
		}
	}
	return groups
}

// takePart adds the partial role fit, covering what it grants its members.
func (s *coverState) takePart(fit partFit, parent int) {
	for _, i := range fit.members {
		s.walk(i, fit.entitlements, func(k, p int) { s.cover(p, fit.entitlements[k]) })
	}
	s.take(Role{Entitlements: fit.entitlements, Members: fit.members}, parent)
}

func hasBit(set []uint64, k int) bool { return set[k>>6]>>(k&63)&1 != 0 }

// subsetOfPositions reports whether every position set in set is marked.
func subsetOfPositions(set []uint64, marked []bool) bool {
	for k := range marked {
		if hasBit(set, k) && !marked[k] {
			return false
		}
	}
	return true
}

// countOutside counts the positions set in set that are not marked.
func countOutside(set []uint64, marked []bool) int {
	n := 0
	for w, x := range set {
		for x != 0 {
			k := w<<6 + bits.TrailingZeros64(x)
			x &= x - 1
			if !marked[k] {
				n++
			}
		}
	}
	return n
}

func appendUint64(dst []byte, x uint64) []byte {
	for range 8 {
		dst = append(dst, byte(x))
		x >>= 8
	}
	return dst
}
