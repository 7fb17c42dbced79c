package features

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// A Pair is an (identity, entitlement) pair to compute signals for, by row
// and column of the matrix (-1 when the identity or entitlement is not in
// it), as of a time in Unix seconds (Now for today).
type Pair struct {
	Row, Col int
	AsOf     int64
}

// Compute writes the signals of (row, col) as of asOf into dst, in the
// order of Names, and returns it; dst is grown only when shorter than
// Names, so a reused dst makes the call allocation-free. Row or col may be
// -1 for an identity or entitlement the matrix does not know: an unknown
// entitlement gives all zeros, an unknown identity the entitlement's
// popularity for the peer and neighbour signals and 0 for role fit.
//
// Only grants made before asOf count (grants of unknown time always count),
// and the identity never counts as its own peer or neighbour, so whether
// it holds the entitlement itself never changes its signals. asOf should
// be truncated down to the second, as grant times are.
//
// Compute panics if row or col is out of range.
func (s *Signals) Compute(dst []float64, row, col int, asOf int64) []float64 {
	s.checkPair(row, col)
	dst = grow(dst, len(s.names))
	sc := s.pool.Get().(*scratch)
	s.compute(sc, row, col, asOf, dst)
	s.pool.Put(sc)
	return dst
}

// ComputeAll computes the signals of every pair, pair k's into
// dst[k*len(Names()):(k+1)*len(Names())], on up to Workers goroutines, and
// returns dst, grown if too short. It is faster than calling Compute per
// pair when identities recur, since the neighbour candidates of an
// identity at one time are found once. It panics if a pair is out of
// range.
func (s *Signals) ComputeAll(dst []float64, pairs []Pair) []float64 {
	w := len(s.names)
	dst = grow(dst, len(pairs)*w)
	for _, p := range pairs {
		s.checkPair(p.Row, p.Col)
	}
	order := s.byRowThenTime(pairs)
	chunk := max(256, len(order)/(8*s.opts.workers())+1)
	var tasks []func()
	for lo := 0; lo < len(order); lo += chunk {
		part := order[lo:min(lo+chunk, len(order))]
		tasks = append(tasks, func() {
			sc := s.pool.Get().(*scratch)
			for _, k := range part {
				p := pairs[k]
				s.compute(sc, p.Row, p.Col, p.AsOf, dst[int(k)*w:(int(k)+1)*w])
			}
			s.pool.Put(sc)
		})
	}
	run(tasks, s.opts.workers())
	return dst
}

// byRowThenTime returns the positions of pairs ordered by row, then as-of
// time, by a counting sort on the row.
func (s *Signals) byRowThenTime(pairs []Pair) []int32 {
	start := make([]int, s.n+2) // row -1 goes first
	for _, p := range pairs {
		start[p.Row+2]++
	}
	for r := 1; r < len(start); r++ {
		start[r] += start[r-1]
	}
	order := make([]int32, len(pairs))
	for k, p := range pairs {
		order[start[p.Row+1]] = int32(k)
		start[p.Row+1]++
	}
	for lo := 0; lo < len(order); {
		hi := lo + 1
		for hi < len(order) && pairs[order[hi]].Row == pairs[order[lo]].Row {
			hi++
		}
		if hi-lo > 1 {
			slices.SortStableFunc(order[lo:hi], func(a, b int32) int {
				return cmp.Compare(pairs[a].AsOf, pairs[b].AsOf)
			})
		}
		lo = hi
	}
	return order
}

func grow(dst []float64, n int) []float64 {
	if cap(dst) < n {
		return make([]float64, n)
	}
	return dst[:n]
}

func (s *Signals) checkPair(row, col int) {
	if row < -1 || row >= s.n {
		panic(fmt.Sprintf("features: row %d out of range [-1,%d)", row, s.n))
	}
	if col < -1 || col >= s.m.Cols() {
		panic(fmt.Sprintf("features: column %d out of range [-1,%d)", col, s.m.Cols()))
	}
}

// scratch is one goroutine's working memory for compute. It keeps what
// prepare found for the last (row, asOf) it saw: the columns the row holds
// (colMark == epoch) and its neighbour candidates.
type scratch struct {
	row   int
	asOf  int64
	valid bool
	epoch uint32

	colMark []uint32 // the row holds the column as of asOf
	x       int      // informative columns the row holds as of asOf

	ov      []int32   // overlap of each row with the row, 0 but for touched
	touched []int32   // rows of positive overlap
	cand    []int32   // touched but the row, by overlap, descending
	buckets [][]int32 // candidates by overlap, reused
	jMark   []uint32  // == pair: holds the column of the current pair
	pair    uint32

	top       []neighbour
	base      []neighbour // top k of the prepared row with no column left out
	baseValid bool
	det       detail
}

type neighbour struct {
	row int32
	sim float64
}

// detail is what compute found, for Evidence.
type detail struct {
	known                  bool // the entitlement is in the matrix
	popHolders, popSize    int
	peerHolders, peerSize  []int
	nbHolders, nbFound     int
	role, roleHeld, roleSz int
}

func newScratch(s *Signals) *scratch {
	n, cols := s.n, s.m.Cols()
	sc := &scratch{row: -1, colMark: make([]uint32, cols)}
	if s.nbIdx >= 0 {
		sc.ov, sc.jMark = make([]int32, n), make([]uint32, n)
		sc.top = make([]neighbour, 0, s.opts.Neighbours)
		sc.base = make([]neighbour, 0, s.opts.Neighbours)
	}
	sc.det.peerHolders = make([]int, len(s.peers))
	sc.det.peerSize = make([]int, len(s.peers))
	return sc
}

func (sc *scratch) nextEpoch() {
	if sc.epoch == math.MaxUint32 {
		clear(sc.colMark)
		sc.epoch = 0
	}
	sc.epoch++
}

// compute is Compute with the caller's scratch; it also fills sc.det.
func (s *Signals) compute(sc *scratch, i, j int, t int64, dst []float64) {
	if !s.m.HasTimes() {
		t = Now
	}
	d := &sc.det
	*d = detail{peerHolders: d.peerHolders, peerSize: d.peerSize, role: -1}
	clear(d.peerHolders)
	clear(d.peerSize)
	clear(dst)
	if j < 0 {
		return
	}
	d.known = true
	iHas := i >= 0 && s.holds(i, j, t)
	d.popHolders, d.popSize = s.support(j, t), s.n
	if i >= 0 {
		d.popSize--
		if iHas {
			d.popHolders--
		}
	}
	p := 0.0
	if d.popSize > 0 {
		p = float64(d.popHolders) / float64(d.popSize)
	}
	dst[0] = p
	s.peerCounts(i, j, t, iHas, d)
	for f := range s.peers {
		dst[1+f] = s.smooth(d.peerHolders[f], d.peerSize[f], p)
	}
	if i < 0 {
		if s.nbIdx >= 0 {
			dst[s.nbIdx] = p
		}
		return
	}
	if s.nbIdx >= 0 || s.roleIdx >= 0 {
		s.prepare(sc, i, t)
	}
	if s.nbIdx >= 0 {
		d.nbHolders, d.nbFound = s.neighbours(sc, i, j, t, iHas)
		dst[s.nbIdx] = s.smooth(d.nbHolders, d.nbFound, p)
	}
	if s.roleIdx >= 0 {
		d.role, d.roleHeld, d.roleSz = s.roleFit(sc, j)
		if d.role >= 0 {
			dst[s.roleIdx] = float64(d.roleHeld) / float64(d.roleSz)
		}
	}
}

// smooth returns the share h/g shrunk towards prior p by the smoothing
// pseudo-count; p itself for an empty group.
func (s *Signals) smooth(h, g int, p float64) float64 {
	a := s.opts.Smoothing
	if float64(g)+a == 0 {
		return p
	}
	return (float64(h) + a*p) / (float64(g) + a)
}

// peerCounts fills the holders and sizes of row i's peer groups for column
// j as of t, leaving zeros where i has no group. Today's counts come from
// the index; as of an earlier time, the grants made since (or the grants
// made before, when fewer) are counted group by group.
func (s *Signals) peerCounts(i, j int, t int64, iHas bool, d *detail) {
	if i < 0 || len(s.peers) == 0 {
		return
	}
	var held, later []int32
	if t != Now {
		held, later = s.holdersAsOf(j, t)
	}
	for f := range s.peers {
		p := &s.peers[f]
		v := p.codes[i]
		if v == Missing {
			continue
		}
		d.peerSize[f] = int(p.size[v]) - 1
		h := 0
		switch {
		case t == Now || len(later) == 0:
			h = p.holders(v, int32(j))
		case len(later) < len(held):
			h = p.holders(v, int32(j)) - countCode(p.codes, later, v)
		default:
			h = countCode(p.codes, held, v)
		}
		if iHas {
			h--
		}
		d.peerHolders[f] = h
	}
}

func countCode(codes []int32, rows []int32, v int32) int {
	n := 0
	for _, r := range rows {
		if codes[r] == v {
			n++
		}
	}
	return n
}

// roleFit returns, among the roles containing column j with at least one
// other column, the one whose other columns the prepared row holds the
// largest share of (ties: the larger role, then the first), with the
// number held and the number of other columns; -1 when there is none.
func (s *Signals) roleFit(sc *scratch, j int) (role, held, size int) {
	role = -1
	for _, r := range s.colRoles[s.colRolePtr[j]:s.colRolePtr[j+1]] {
		set := s.roles[r]
		sz := len(set) - 1
		if sz == 0 {
			continue
		}
		h := 0
		for _, c := range set {
			if int(c) != j && sc.colMark[c] == sc.epoch {
				h++
			}
		}
		// h/sz > held/size, or equal with sz > size.
		if c := h*size - held*sz; role < 0 || c > 0 || c == 0 && sz > size {
			role, held, size = int(r), h, sz
		}
	}
	return role, held, size
}
