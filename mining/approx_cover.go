package mining

import (
	"cmp"
	"container/heap"
	"context"
	"fmt"
	"slices"

	"rolemine/features"
)

// coverState is the greedy cover of Approx under construction: which
// assignments the chosen roles cover, and the roles themselves.
//
// Invariant: covered has bit p set exactly when the assignment at CSR
// position p (rowStart[i] + index in Row(i)) is granted by a chosen role;
// nCovered counts those bits.
type coverState struct {
	m        *features.Matrix
	opts     ApproxOptions
	rowStart []int
	covered  []uint64
	nCovered int
	colEpoch []int // column → epoch after the last acceptance covering a cell of it

	stamp []int32 // row → cur when already seen by the running scan
	cur   int32

	cands [][]int32 // base candidates

	roles    []Role
	parent   []int // accepted role → accepted index of its base role, -1
	over     []Exception
	warnings []string
	epoch    int // roles accepted so far
}

func newCoverState(m *features.Matrix, opts ApproxOptions) *coverState {
	s := &coverState{
		m:        m,
		opts:     opts,
		rowStart: make([]int, m.Rows()+1),
		covered:  make([]uint64, (m.NNZ()+63)/64),
		colEpoch: make([]int, m.Cols()),
		stamp:    make([]int32, m.Rows()),
	}
	for i := range m.Rows() {
		s.rowStart[i+1] = s.rowStart[i] + m.RowSupport(i)
	}
	return s
}

func (s *coverState) isCovered(p int) bool { return s.covered[p>>6]>>(p&63)&1 != 0 }

// cover marks the assignment at CSR position p, of column j, covered.
func (s *coverState) cover(p int, j int32) {
	if !s.isCovered(p) {
		s.covered[p>>6] |= 1 << (p & 63)
		s.nCovered++
		s.colEpoch[j] = s.epoch + 1
	}
}

// fresh reports whether no assignment of a column of candidate it has
// been covered since its saving was computed.
func (s *coverState) fresh(it candItem) bool {
	for _, j := range s.cands[it.k] {
		if s.colEpoch[j] > it.epoch {
			return false
		}
	}
	return true
}

// candidates returns the identities holding at least need of the sorted
// columns b, ascending: such an identity holds one of the len(b)-need+1
// rarest, so only their holders are examined.
func (s *coverState) candidates(b []int32, need int) []int32 {
	rare := slices.Clone(b)
	slices.SortFunc(rare, func(x, y int32) int { return cmp.Compare(s.m.ColSupport(int(x)), s.m.ColSupport(int(y))) })
	s.cur++
	var users []int32
	for _, j := range rare[:len(b)-need+1] {
		for _, i := range s.m.Col(int(j)) {
			if s.stamp[i] != s.cur {
				s.stamp[i] = s.cur
				users = append(users, i)
			}
		}
	}
	slices.Sort(users)
	return users
}

// walk calls f(k, p) for each column b[k] that identity i holds, p being
// the CSR position of that assignment, and returns how many it holds.
func (s *coverState) walk(i int32, b []int32, f func(k, p int)) int {
	row := s.m.Row(int(i))
	held, x := 0, 0
	for k, j := range b {
		for x < len(row) && row[x] < j {
			x++
		}
		if x == len(row) {
			break
		}
		if row[x] == j {
			held++
			if f != nil {
				f(k, s.rowStart[i]+x)
			}
		}
	}
	return held
}

// baseFit is a base role, who would get it now and what it would save.
type baseFit struct {
	saving       int
	entitlements []int32
	members      []int32
}

// need returns the least number of the n entitlements of a base role a
// member must hold.
func (s *coverState) need(n int) int {
	return max(1, n-int(s.opts.MaxOverAssignment*float64(n)))
}

// fitBase returns the fit of base candidate b. For Asso, the columns of b
// that are already covered for most identities holding b are left out
// first (a candidate grown from a job's entitlement also holds its
// department's and everyone's, which other roles may have granted): the
// residual of the association row is what is left to explain.
func (s *coverState) fitBase(b []int32) baseFit {
	if s.opts.Method != Asso {
		fit, _ := s.fitWhole(b, false)
		return fit
	}
	fit, covered := s.fitWhole(b, true)
	var rest []int32
	for k, j := range b {
		if !covered[k] {
			rest = append(rest, j)
		}
	}
	switch {
	case len(rest) == len(b):
		return fit
	case len(rest) < s.opts.MinEntitlements:
		return baseFit{}
	}
	fit, _ = s.fitWhole(rest, false)
	return fit
}

// fitWhole gives base role b to every identity holding at least need(|b|)
// of it for whom it covers more new assignments than it over-assigns;
// the saving counts one per new assignment covered, less one per
// over-assignment, per member, per entitlement and for the role. With
// stats, it also reports which columns of b are covered already for most
// of the identities holding need(|b|) of b and the column.
func (s *coverState) fitWhole(b []int32, stats bool) (fit baseFit, covered []bool) {
	need := s.need(len(b))
	fit = baseFit{saving: -len(b) - 1, entitlements: b}
	var held, cov []int
	if stats {
		held, cov = make([]int, len(b)), make([]int, len(b))
	}
	for _, i := range s.candidates(b, need) {
		fresh := 0
		n := s.walk(i, b, func(_, p int) {
			if !s.isCovered(p) {
				fresh++
			}
		})
		if n < need {
			continue
		}
		if stats {
			s.walk(i, b, func(k, p int) {
				held[k]++
				if s.isCovered(p) {
					cov[k]++
				}
			})
		}
		if gain := fresh - (len(b) - n) - 1; gain >= 0 {
			fit.saving += gain
			fit.members = append(fit.members, i)
		}
	}
	if stats {
		covered = make([]bool, len(b))
		for k := range b {
			covered[k] = 2*cov[k] > held[k]
		}
	}
	return fit, covered
}

// takeBase adds the base role of fit and returns its index.
func (s *coverState) takeBase(fit baseFit) int {
	b := fit.entitlements
	for _, i := range fit.members {
		mark := make([]bool, len(b))
		s.walk(i, b, func(k, p int) {
			mark[k] = true
			s.cover(p, b[k])
		})
		for k, j := range b {
			if !mark[k] {
				s.over = append(s.over, Exception{Identity: i, Entitlement: j})
			}
		}
	}
	return s.take(Role{Entitlements: slices.Clone(b), Members: fit.members}, -1)
}

func (s *coverState) take(r Role, parent int) int {
	s.roles = append(s.roles, r)
	s.parent = append(s.parent, parent)
	s.epoch++
	reportProgress(s.opts.Progress, "cover", s.nCovered, s.m.NNZ())
	return len(s.roles) - 1
}

// candItem is a heap entry: base candidate k, or the generator of partial
// roles of candidate k when part is set.
type candItem struct {
	saving, epoch int
	k             int
	part          bool
	parent        int // for a part generator: index of the accepted base role, -1
	parts         int // partial roles taken so far
	fit           *partFit
}

type candHeap []candItem

func (h candHeap) Len() int { return len(h) }
func (h candHeap) Less(a, b int) bool {
	x, y := h[a], h[b]
	if x.saving != y.saving {
		return x.saving > y.saving
	}
	if x.k != y.k {
		return x.k < y.k
	}
	return !x.part && y.part
}
func (h candHeap) Swap(a, b int) { h[a], h[b] = h[b], h[a] }
func (h *candHeap) Push(x any)   { *h = append(*h, x.(candItem)) }
func (h *candHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// greedy builds the cover from the base candidates cands by lazy greedy
// selection: savings only fall as coverage grows, so an entry that tops
// the heap with a saving still fresh (nothing of its columns covered
// since it was computed) is the best one.
func (s *coverState) greedy(ctx context.Context, cands [][]int32) error {
	s.cands = cands
	h := &candHeap{}
	for k := range cands {
		if k%16 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		s.offer(h, s.evaluate(candItem{k: k, parent: -1}))
	}
	for h.Len() > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		if s.opts.MaxRoles > 0 && len(s.roles) >= s.opts.MaxRoles {
			s.warnings = append(s.warnings, fmt.Sprintf("role bound %d reached with %d candidate roles left", s.opts.MaxRoles, h.Len()))
			return nil
		}
		it := heap.Pop(h).(candItem)
		if !s.fresh(it) {
			s.offer(h, s.evaluate(it))
			continue
		}
		s.accept(h, it)
	}
	return nil
}

// evaluate computes what the entry would save now: 0 when it would have
// fewer than MinMembers members. A partial role is kept with the entry.
func (s *coverState) evaluate(it candItem) candItem {
	it.epoch = s.epoch
	b := s.cands[it.k]
	if it.part {
		fit := s.fitPart(b)
		it.saving, it.fit = fit.saving, &fit
	} else if fit := s.fitBase(b); len(fit.members) >= s.opts.MinMembers {
		it.saving = fit.saving
	} else {
		it.saving = 0
	}
	return it
}

// offer pushes an evaluated entry when it saves something. A base
// candidate that does not is replaced by the generator of its partial
// roles when the method gives disjoint candidates, so that the identities
// holding most of it are still covered.
func (s *coverState) offer(h *candHeap, it candItem) {
	switch {
	case it.saving > 0:
		heap.Push(h, it)
	case !it.part && s.opts.Method == Cluster && s.opts.MaxParts > 0:
		s.offer(h, s.evaluate(candItem{k: it.k, part: true, parent: -1}))
	}
}

// accept takes the entry, which tops the heap with a fresh saving, and
// queues the next partial role of its base.
func (s *coverState) accept(h *candHeap, it candItem) {
	if it.part {
		s.takePart(*it.fit, it.parent)
		if it.parts+1 < s.opts.MaxParts {
			s.offer(h, s.evaluate(candItem{k: it.k, part: true, parent: it.parent, parts: it.parts + 1}))
		}
		return
	}
	fit := s.fitBase(s.cands[it.k])
	r := s.takeBase(fit)
	if s.opts.MaxParts > 0 {
		k := it.k
		if len(fit.entitlements) != len(s.cands[k]) { // trimmed: parts of what was taken
			k = len(s.cands)
			s.cands = append(s.cands, fit.entitlements)
		}
		s.offer(h, s.evaluate(candItem{k: k, part: true, parent: r}))
	}
}

// result assembles the Result: roles in order of choice, each base role
// followed by its partial roles; exceptions in row-major order.
func (s *coverState) result() *Result {
	children := make([][]int, len(s.roles))
	for k, p := range s.parent {
		if p >= 0 {
			children[p] = append(children[p], k)
		}
	}
	res := &Result{Matrix: s.m, OverAssignments: s.over, Warnings: s.warnings}
	index := make([]int, len(s.roles)) // accepted → position in res.Roles
	emit := func(k int) {
		index[k] = len(res.Roles)
		r := s.roles[k]
		if p := s.parent[k]; p >= 0 {
			r.Parent = index[p] + 1
		}
		res.Roles = append(res.Roles, r)
	}
	for k, p := range s.parent {
		if p >= 0 {
			continue
		}
		emit(k)
		for _, c := range children[k] {
			emit(c)
		}
	}
	slices.SortFunc(res.OverAssignments, func(x, y Exception) int {
		return cmp.Or(cmp.Compare(x.Identity, y.Identity), cmp.Compare(x.Entitlement, y.Entitlement))
	})
	for i := range s.m.Rows() {
		for x, j := range s.m.Row(i) {
			if !s.isCovered(s.rowStart[i] + x) {
				res.Exceptions = append(res.Exceptions, Exception{Identity: int32(i), Entitlement: j})
			}
		}
	}
	reportProgress(s.opts.Progress, "exceptions", s.m.Rows(), s.m.Rows())
	if len(res.Roles) == 0 && s.m.NNZ() > 0 {
		res.Warnings = append(res.Warnings, fmt.Sprintf("no role with at least %d members and %d entitlements saves anything; every assignment is an exception",
			s.opts.MinMembers, s.opts.MinEntitlements))
	}
	return res
}
