package features

import (
	"cmp"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
)

// SignalOptions are the settings of NewSignals.
type SignalOptions struct {
	// PeerAttributes names the attributes whose groups of peers (identities
	// sharing the value) give a peer signal each, in this order. Nil means
	// every attribute with at least 2 and at most Rows/2 distinct values,
	// in attribute order: that keeps department, title, location and
	// manager_id and drops per-identity columns such as email. Names the
	// attributes do not have are skipped with a warning.
	PeerAttributes []string
	// Combinations names pairs of attributes whose joint values form peer
	// groups too, e.g. department × title. Pairs naming a missing attribute
	// are skipped with a warning.
	Combinations [][2]string
	// Smoothing is the pseudo-count that shrinks a group's holding share
	// towards the entitlement's popularity: a group of g peers, h of whom
	// hold it, gives (h + Smoothing·popularity) / (g + Smoothing).
	// Non-negative; 0 gives raw shares.
	Smoothing float64
	// Neighbours is the number k of most similar identities of the
	// neighbour signal; 0 leaves the signal out.
	Neighbours int
	// MaxNeighbourColumnShare and MaxNeighbourColumnHolders bound the
	// entitlements that count towards similarity: one held by a larger
	// share of the identities, or by more identities, says little about
	// who is alike and costs the most to index, so similarity ignores it.
	// The work per identity grows with the holders of the entitlements it
	// has, so the absolute bound is what keeps large organisations
	// affordable. The share is in (0, 1]; 1 keeps every entitlement. The
	// holder bound is 0 for none, else positive.
	MaxNeighbourColumnShare   float64
	MaxNeighbourColumnHolders int
	// RoleNames name the roles in explanations; missing or empty names
	// read "#i" for role i.
	RoleNames []string
	// Workers bounds the goroutines of NewSignals and ComputeAll; zero
	// means GOMAXPROCS.
	Workers int
}

// DefaultSignalOptions take peers over the default attributes plus
// department × title and department × location, shrink by 2 pseudo-peers
// (the weight the eval/model rate signals use), and take the 10 most
// similar identities over entitlements held by at most 5 % of identities
// and at most 500 of them. On the benchmark organisation (see
// BenchmarkSignals; 100,000 identities) bounds from 200 to 1,000 holders
// predicted held entitlements about equally well (leave-one-out AUC of the
// neighbour signal 0.64 to 0.65), and keeping every entitlement did worse
// (0.61 at 10,000 identities), while the work per identity grows with the
// bound: at 500 it is about 4 µs of CPU per pair when an identity's pairs
// are computed together (ComputeAll), about 60 µs as of a past time.
var DefaultSignalOptions = SignalOptions{
	Combinations:              [][2]string{{"department", "title"}, {"department", "location"}},
	Smoothing:                 2,
	Neighbours:                10,
	MaxNeighbourColumnShare:   0.05,
	MaxNeighbourColumnHolders: 500,
}

func (o SignalOptions) check() {
	if !(o.Smoothing >= 0) || math.IsInf(o.Smoothing, 1) {
		panic(fmt.Sprintf("features: smoothing %v not a non-negative number", o.Smoothing))
	}
	if o.Neighbours < 0 {
		panic(fmt.Sprintf("features: %d neighbours", o.Neighbours))
	}
	if o.Neighbours > 0 && !(o.MaxNeighbourColumnShare > 0 && o.MaxNeighbourColumnShare <= 1) {
		panic(fmt.Sprintf("features: neighbour column share %v not in (0, 1]", o.MaxNeighbourColumnShare))
	}
	if o.MaxNeighbourColumnHolders < 0 {
		panic(fmt.Sprintf("features: %d neighbour column holders", o.MaxNeighbourColumnHolders))
	}
	if o.Workers < 0 {
		panic(fmt.Sprintf("features: %d workers", o.Workers))
	}
	for _, c := range o.Combinations {
		if c[0] == c[1] {
			panic(fmt.Sprintf("features: combination of %s with itself", c[0]))
		}
	}
}

func (o SignalOptions) workers() int {
	if o.Workers > 0 {
		return o.Workers
	}
	return runtime.GOMAXPROCS(0)
}

// Signal names. Peer signals are named PeerSignal + the attribute names
// joined by "+", e.g. "peers:department+title".
const (
	PopularitySignal = "popularity"
	PeerSignal       = "peers:"
	NeighbourSignal  = "neighbours"
	RoleFitSignal    = "role_fit"
)

// Signals computes, for an (identity, entitlement) pair as of a time, the
// recommendation signals a model combines into a confidence that a careful
// approver would grant the entitlement; see the package documentation for
// their definitions. It is immutable once built and safe for concurrent
// use.
type Signals struct {
	m     *Matrix
	attrs *Attributes
	opts  SignalOptions
	n     int // identities

	names    []string
	warnings []string
	peers    []peerIndex
	nbIdx    int // position of the neighbour signal, -1 when off
	roleIdx  int // position of the role-fit signal, -1 without roles

	// Holders of each column sorted by grant time (timeKey, then row),
	// aligned with the matrix's column pointers; nil without times.
	byTimeRows []int32
	byTimeKeys []int64

	// A column is informative for similarity while held by at most
	// infLimit identities: as of t exactly when infUntil[j] >= t, the time
	// of its (infLimit+1)-th grant (math.MaxInt64 when it never has more
	// holders). rowInf counts each row's informative columns today.
	infLimit int
	infUntil []int64
	rowInf   []int32
	// With times: cell (r, c) is an informative column of r as of t
	// exactly when its grant time (timeKey) < t <= infUntil[c]. infBase[r]
	// counts r's such cells of unknown time; infEvents[infPtr[r]:
	// infPtr[r+1]] are the known starts and finite ends of all, by time,
	// each with the count once it has passed, so that the count as of t
	// takes one binary search.
	infBase   []int32
	infPtr    []int
	infEvents []infEvent

	roles      [][]int32 // sorted, duplicate-free column sets
	roleNames  []string
	colRolePtr []int   // roles containing column j are colRoles[colRolePtr[j]:colRolePtr[j+1]]
	colRoles   []int32 //

	pool sync.Pool // *scratch
}

// peerIndex counts, for one attribute or combination of attributes, the
// holders of every entitlement in every group.
type peerIndex struct {
	name   string   // "department", "department+title"
	attrs  []int    // attribute positions
	codes  []int32  // group of each row, Missing when any attribute is
	parts  []int32  // combinations: the attribute codes of group v are parts[v*len(attrs):]
	size   []int32  // rows per group
	tokens []string // single attributes: "name=value" of each group

	// Entitlements held in group v, ascending, are cols[ptr[v]:ptr[v+1]],
	// count of holders alongside; or, when that takes no less memory,
	// dense[v*Cols+j] counts them.
	ptr   []int
	cols  []int32
	count []int32
	dense []int32
	ncols int
}

// NewSignals indexes m, its attributes (nil for none) and mined roles
// (sets of column indices of m, in any order; nil for none) for Compute.
// The inputs are not modified and must not be modified while the Signals
// is in use. Data-quality findings, such as a configured attribute the data
// lack, are reported by Warnings.
//
// NewSignals panics if opts are out of range, if attrs describe a different
// number of rows than m, or if a role names a column outside m.
func NewSignals(m *Matrix, attrs *Attributes, roles [][]int32, opts SignalOptions) *Signals {
	opts.check()
	if attrs != nil && attrs.rows != m.Rows() {
		panic(fmt.Sprintf("features: attributes of %d rows for a matrix of %d", attrs.rows, m.Rows()))
	}
	s := &Signals{m: m, attrs: attrs, opts: opts, n: m.Rows(), nbIdx: -1, roleIdx: -1}
	s.opts.PeerAttributes = slices.Clone(opts.PeerAttributes)
	s.opts.Combinations = slices.Clone(opts.Combinations)
	s.opts.RoleNames = nil
	s.setRoles(roles, opts.RoleNames)
	s.planPeers()

	s.names = append(s.names, PopularitySignal)
	for _, p := range s.peers {
		s.names = append(s.names, PeerSignal+p.name)
	}
	if opts.Neighbours > 0 {
		s.nbIdx = len(s.names)
		s.names = append(s.names, NeighbourSignal)
		s.infLimit = int(math.Floor(opts.MaxNeighbourColumnShare * float64(s.n)))
		if h := opts.MaxNeighbourColumnHolders; h > 0 {
			s.infLimit = min(s.infLimit, h)
		}
	}
	if len(s.roles) > 0 {
		s.roleIdx = len(s.names)
		s.names = append(s.names, RoleFitSignal)
	}

	tasks := []func(){func() { // the longest first
		if m.HasTimes() {
			s.sortByTime()
		}
		if opts.Neighbours > 0 {
			s.indexInformative()
		}
	}}
	for k := range s.peers {
		tasks = append(tasks, func() { s.peers[k].build(m) })
	}
	run(tasks, opts.workers())
	s.pool.New = func() any { return newScratch(s) }
	return s
}

// run runs tasks on at most w goroutines.
func run(tasks []func(), w int) {
	var wg sync.WaitGroup
	next := make(chan func())
	for range min(w, len(tasks)) {
		wg.Go(func() {
			for f := range next {
				f()
			}
		})
	}
	for _, f := range tasks {
		next <- f
	}
	close(next)
	wg.Wait()
}

// Names returns the names of the signals in the order Compute writes them:
// popularity, one peer signal per attribute and combination, then
// neighbours and role_fit when enabled. The slice must not be modified.
func (s *Signals) Names() []string { return s.names }

// Warnings returns the data-quality findings of NewSignals.
func (s *Signals) Warnings() []string { return s.warnings }

func (s *Signals) setRoles(roles [][]int32, names []string) {
	cols := s.m.Cols()
	s.colRolePtr = make([]int, cols+1)
	for r, set := range roles {
		set = slices.Clone(set)
		slices.Sort(set)
		set = slices.Compact(set)
		for _, j := range set {
			if j < 0 || int(j) >= cols {
				panic(fmt.Sprintf("features: role %d has column %d out of range [0,%d)", r, j, cols))
			}
			s.colRolePtr[j+1]++
		}
		s.roles = append(s.roles, set)
		name := fmt.Sprintf("#%d", r)
		if r < len(names) && names[r] != "" {
			name = names[r]
		}
		s.roleNames = append(s.roleNames, name)
	}
	for j := 0; j < cols; j++ {
		s.colRolePtr[j+1] += s.colRolePtr[j]
	}
	s.colRoles = make([]int32, s.colRolePtr[cols])
	next := slices.Clone(s.colRolePtr[:cols])
	for r, set := range s.roles {
		for _, j := range set {
			s.colRoles[next[j]] = int32(r)
			next[j]++
		}
	}
}

// planPeers chooses the peer attributes and combinations and computes their
// group codes; the holder counts are built later, in parallel.
func (s *Signals) planPeers() {
	a := s.attrs
	if a == nil {
		if len(s.opts.PeerAttributes) > 0 || len(s.opts.Combinations) > 0 {
			s.warnings = append(s.warnings, "no identity attributes: peer signals left out")
		}
		return
	}
	names := s.opts.PeerAttributes
	if names == nil {
		for k, name := range a.names {
			if v := a.Values(k); v >= 2 && 2*v <= s.n {
				names = append(names, name)
			}
		}
	}
	seen := map[string]bool{}
	for _, name := range names {
		k, ok := a.Index(name)
		switch {
		case !ok:
			s.warnings = append(s.warnings, fmt.Sprintf("no attribute %s: its peer signal left out", name))
		case !seen[name]:
			seen[name] = true
			codes := slices.Clone(a.Codes(k))
			p := peerIndex{name: name, attrs: []int{k}, codes: codes, size: groupSizes(codes, a.Values(k))}
			for _, v := range a.values[k] {
				p.tokens = append(p.tokens, name+"="+v)
			}
			s.peers = append(s.peers, p)
		}
	}
	for _, c := range s.opts.Combinations {
		k0, ok0 := a.Index(c[0])
		k1, ok1 := a.Index(c[1])
		name := c[0] + "+" + c[1]
		switch {
		case !ok0 || !ok1:
			missing := c[0]
			if ok0 {
				missing = c[1]
			}
			s.warnings = append(s.warnings, fmt.Sprintf("no attribute %s: peer signal %s left out", missing, name))
		case !seen[name]:
			seen[name] = true
			s.peers = append(s.peers, combine(name, a, k0, k1))
		}
	}
}

func groupSizes(codes []int32, nv int) []int32 {
	size := make([]int32, nv)
	for _, v := range codes {
		if v != Missing {
			size[v]++
		}
	}
	return size
}

// combine numbers the value pairs of attributes k0 and k1 that occur, in
// order of first sight.
func combine(name string, a *Attributes, k0, k1 int) peerIndex {
	p := peerIndex{name: name, attrs: []int{k0, k1}, codes: make([]int32, a.rows)}
	index := map[[2]int32]int32{}
	c0, c1 := a.Codes(k0), a.Codes(k1)
	for r := range p.codes {
		if c0[r] == Missing || c1[r] == Missing {
			p.codes[r] = Missing
			continue
		}
		key := [2]int32{c0[r], c1[r]}
		v, ok := index[key]
		if !ok {
			v = int32(len(index))
			index[key] = v
			p.parts = append(p.parts, key[0], key[1])
		}
		p.codes[r] = v
	}
	p.size = groupSizes(p.codes, len(index))
	return p
}

// build counts the holders of every column per group in two passes over
// the column view, which visit columns in ascending order and so leave each
// group's list sorted without a sort.
func (p *peerIndex) build(m *Matrix) {
	nv := len(p.size)
	last := make([]int32, nv)
	for v := range last {
		last[v] = -1
	}
	p.ptr = make([]int, nv+1)
	for j := 0; j < m.Cols(); j++ {
		for _, r := range m.Col(j) {
			if v := p.codes[r]; v != Missing && last[v] != int32(j) {
				last[v] = int32(j)
				p.ptr[v+1]++
			}
		}
	}
	for v := 0; v < nv; v++ {
		p.ptr[v+1] += p.ptr[v]
		last[v] = -1
	}
	p.ncols = m.Cols()
	if nv*p.ncols <= 2*p.ptr[nv] {
		p.ptr = nil
		p.dense = make([]int32, nv*p.ncols)
		for j := 0; j < m.Cols(); j++ {
			for _, r := range m.Col(j) {
				if v := p.codes[r]; v != Missing {
					p.dense[int(v)*p.ncols+j]++
				}
			}
		}
		return
	}
	p.cols = make([]int32, p.ptr[nv])
	p.count = make([]int32, p.ptr[nv])
	next := slices.Clone(p.ptr[:nv])
	for j := 0; j < m.Cols(); j++ {
		for _, r := range m.Col(j) {
			v := p.codes[r]
			if v == Missing {
				continue
			}
			if last[v] != int32(j) {
				last[v] = int32(j)
				p.cols[next[v]] = int32(j)
				next[v]++
			}
			p.count[next[v]-1]++
		}
	}
}

// holders returns the number of rows of group v holding column j today.
func (p *peerIndex) holders(v, j int32) int {
	if p.dense != nil {
		return int(p.dense[int(v)*p.ncols+int(j)])
	}
	lo, hi := p.ptr[v], p.ptr[v+1]
	if k, ok := slices.BinarySearch(p.cols[lo:hi], j); ok {
		return int(p.count[lo+k])
	}
	return 0
}

// sortByTime builds the time-ordered holder lists, ties by row.
func (s *Signals) sortByTime() {
	m := s.m
	s.byTimeRows = make([]int32, len(m.rowIdx))
	s.byTimeKeys = make([]int64, len(m.rowIdx))
	type grant struct {
		key int64
		row int32
	}
	var buf []grant
	for j := 0; j < m.Cols(); j++ {
		lo, hi := m.colPtr[j], m.colPtr[j+1]
		buf = buf[:0]
		for k := lo; k < hi; k++ {
			buf = append(buf, grant{timeKey(m.colTime[k]), m.rowIdx[k]})
		}
		slices.SortFunc(buf, func(a, b grant) int {
			if a.key != b.key {
				return cmp.Compare(a.key, b.key)
			}
			return int(a.row - b.row)
		})
		for k, g := range buf {
			s.byTimeKeys[lo+k], s.byTimeRows[lo+k] = g.key, g.row
		}
	}
}

// indexInformative finds until when each column is informative, counts
// each row's informative columns today and, with times, indexes the
// intervals during which each cell is informative. It needs the
// time-ordered holders.
func (s *Signals) indexInformative() {
	m := s.m
	s.infUntil = make([]int64, m.Cols())
	s.rowInf = make([]int32, s.n)
	for j := range s.infUntil {
		col := m.Col(j)
		switch {
		case len(col) <= s.infLimit:
			s.infUntil[j] = math.MaxInt64
			for _, r := range col {
				s.rowInf[r]++
			}
		case s.byTimeKeys != nil:
			s.infUntil[j] = s.byTimeKeys[m.colPtr[j]+s.infLimit]
		default:
			s.infUntil[j] = math.MinInt64
		}
	}
	if !m.HasTimes() {
		return
	}
	s.infBase, s.infPtr = make([]int32, s.n), make([]int, s.n+1)
	events := 0
	for k, c := range m.colIdx {
		if start, end := timeKey(m.rowTime[k]), s.infUntil[c]; start < end {
			events += btoi(start != math.MinInt64) + btoi(end != math.MaxInt64)
		}
	}
	s.infEvents = make([]infEvent, 0, events)
	for i := 0; i < s.n; i++ {
		times := m.RowTimes(i)
		lo := len(s.infEvents)
		for k, c := range m.Row(i) {
			start, end := timeKey(times[k]), s.infUntil[c]
			if start >= end {
				continue
			}
			if start == math.MinInt64 {
				s.infBase[i]++
			} else {
				s.infEvents = append(s.infEvents, infEvent{start, 1})
			}
			if end != math.MaxInt64 {
				s.infEvents = append(s.infEvents, infEvent{end, -1})
			}
		}
		ev := s.infEvents[lo:]
		slices.SortFunc(ev, func(a, b infEvent) int { return cmp.Compare(a.t, b.t) })
		n := s.infBase[i]
		for k := range ev {
			n += ev[k].n
			ev[k].n = n
		}
		s.infPtr[i+1] = len(s.infEvents)
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// infEvent is a time at which a row gains (on a grant) or loses (when the
// column stops being informative) an informative column; n is first the
// change and then the row's count once the event has passed.
type infEvent struct {
	t int64
	n int32
}

// rowSize returns the number of informative columns row r holds as of t.
func (s *Signals) rowSize(r int32, t int64) int {
	if t == Now {
		return int(s.rowInf[r])
	}
	ev := s.infEvents[s.infPtr[r]:s.infPtr[r+1]]
	lo, hi := 0, len(ev) // ev[:lo] are before t, ev[hi:] not
	for lo < hi {
		if mid := int(uint(lo+hi) >> 1); ev[mid].t < t {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo == 0 {
		return int(s.infBase[r])
	}
	return int(ev[lo-1].n)
}

// holdersAsOf returns the rows holding column j as of asOf, in grant-time
// order when m has times, and the rows granted it at or after asOf.
func (s *Signals) holdersAsOf(j int, asOf int64) (held, later []int32) {
	if s.byTimeRows == nil || asOf == Now {
		return s.m.Col(j), nil
	}
	lo, hi := s.m.colPtr[j], s.m.colPtr[j+1]
	cut, _ := slices.BinarySearch(s.byTimeKeys[lo:hi], asOf)
	return s.byTimeRows[lo : lo+cut], s.byTimeRows[lo+cut : hi]
}

// support returns the number of identities holding column j as of asOf.
func (s *Signals) support(j int, asOf int64) int {
	held, _ := s.holdersAsOf(j, asOf)
	return len(held)
}

// informative reports whether column j counts towards similarity as of
// asOf.
func (s *Signals) informative(j int, asOf int64) bool { return s.infUntil[j] >= asOf }

// holds reports whether row r held column j as of asOf.
func (s *Signals) holds(r, j int, asOf int64) bool {
	row := s.m.Row(r)
	k, ok := slices.BinarySearch(row, int32(j))
	if !ok || asOf == Now || s.m.rowTime == nil {
		return ok
	}
	return before(s.m.rowTime[s.m.rowPtr[r]+k], asOf)
}

// AppendTokens appends the categorical tokens "attribute=value" of row to
// dst and returns the extended slice: one per peer attribute (not per
// combination) the row has a value for, none for row -1. The strings are
// shared, so a dst with room does not allocate.
func (s *Signals) AppendTokens(dst []string, row int) []string {
	if row == -1 {
		return dst
	}
	s.m.checkRow(row)
	for k := range s.peers {
		p := &s.peers[k]
		if len(p.attrs) != 1 {
			continue
		}
		if v := p.codes[row]; v != Missing {
			dst = append(dst, p.tokens[v])
		}
	}
	return dst
}
