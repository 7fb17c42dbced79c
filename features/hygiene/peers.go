package hygiene

import (
	"fmt"
	"slices"
	"strconv"
)

// OutlierOptions tune peer coverage and the outlier-access check.
type OutlierOptions struct {
	// MaxCoverage: access held by a smaller share of the person's best
	// peer group than this is an outlier.
	MaxCoverage float64
	// MinPeers is the fewest other members a peer group needs to count.
	MinPeers int
	// Attributes are extra identity attributes (keys of Data.Attributes)
	// used as peer groups besides the built-in ones.
	Attributes []string
}

// DefaultOutlierOptions flag access held by under 20 % of every peer group
// of at least five others (shares of small groups shrunk towards the
// organisation-wide share).
var DefaultOutlierOptions = OutlierOptions{MaxCoverage: 0.20, MinPeers: 5}

// Built-in peer dimensions. Groups never mix human and non-human
// identities (the kind is part of every group).
const (
	DimJob           = "job"            // department and title
	DimManager       = "manager"        // direct reports of one manager
	DimDepartment    = "department"     //
	DimLocation      = "location"       //
	DimEmployment    = "employment"     // employment type
	DimPeopleManager = "people-manager" // identities with direct reports
	DimCoHolders     = "co-holders"     // non-humans holding another of the identity's entitlements
)

// Peers holds, for every assignment of the Data it was computed on, how
// many peers hold the same entitlement in the identity's best peer group
// (the one where the share is highest) and in its job group, and which
// mined role of the identity contains it.
type Peers struct {
	d    *Data
	g    *PeerGroups
	opts OutlierOptions
	// Dims names the peer dimensions; Dim values index it. It is shared
	// by every Peers of the same PeerGroups: do not modify it.
	Dims []string

	held    []int32   // per assignment: other holders in the best group
	dim     []int8    // per assignment: best dimension, -1 when no group had enough peers
	jobHeld []int32   // per assignment: other holders in the job group, -1 when none
	role    []int32   // per assignment: index of a mined role of the identity containing it, -1
	best    []float64 // per assignment: share() so far, while computing; nil after
	ent     []int32   // per assignment: its entitlement, read densely while computing; nil after
	co      map[int32]coHolder

	base [][]float64 // [class][entitlement] share of the class holding it
}

type coHolder struct{ via, peers int32 }

// PeerGroups are the peer groups of a Data's identities in every
// dimension, and their kind classes. They depend on the identities and
// their attributes only, not on the assignments: one PeerGroups serves
// every Data that shares them, such as the copies Data.WithAssignments
// makes to look at past access. A PeerGroups is only read once made, and
// may be used by several goroutines at once.
type PeerGroups struct {
	opts       OutlierOptions
	identities []Identity // of the Data the groups were defined on
	dims       []string
	group      [][]int32  // [dim][identity] group, -1 when none
	size       [][]int32  // [dim][group] members
	label      [][]string // [dim][group] value
	// [dim] members of group g, ascending: members[dim][ptr[dim][g]:ptr[dim][g+1]]
	ptr, members [][]int32
	class        []int8    // [identity] kind class
	classSize    []float64 // [class] identities
}

// ComputePeers measures peer coverage of every assignment of d. It is
// NewPeerGroups(d, opts).Compute(d).
func ComputePeers(d *Data, opts OutlierOptions) *Peers {
	return NewPeerGroups(d, opts).Compute(d)
}

// NewPeerGroups defines the peer groups of d's identities. It panics on
// invalid options.
func NewPeerGroups(d *Data, opts OutlierOptions) *PeerGroups {
	d.checkPrepared()
	if opts.MinPeers < 1 || opts.MaxCoverage < 0 || opts.MaxCoverage > 1 {
		panic(fmt.Sprintf("hygiene: bad outlier options %+v", opts))
	}
	g := &PeerGroups{opts: opts, identities: d.Identities}
	g.defineGroups(d)
	for k := range g.dims {
		p, m := groupMembers(g.group[k], len(g.size[k]))
		g.ptr, g.members = append(g.ptr, p), append(g.members, m)
	}
	g.defineClasses()
	return g
}

// Compute measures peer coverage of every assignment of d, which must
// hold the identities and attributes g was defined on: the Data given to
// NewPeerGroups or a copy of it made by WithAssignments. It panics on
// other identities.
func (g *PeerGroups) Compute(d *Data) *Peers {
	d.checkPrepared()
	if len(d.Identities) != len(g.identities) || len(g.identities) > 0 && &d.Identities[0] != &g.identities[0] {
		panic("hygiene: peer groups used on other identities")
	}
	n := len(d.Assignments)
	p := &Peers{d: d, g: g, opts: g.opts, Dims: g.dims, held: make([]int32, n), dim: make([]int8, n), jobHeld: make([]int32, n),
		co: map[int32]coHolder{}}
	for k := range p.dim {
		p.dim[k], p.jobHeld[k] = -1, -1
	}
	p.ent = make([]int32, n)
	for a := range d.Assignments {
		p.ent[a] = d.Assignments[a].Entitlement
	}
	p.baseRates()
	counter := make([]int32, len(d.Entitlements))
	p.best = make([]float64, n)
	for k := range p.Dims {
		p.cover(k, counter)
	}
	p.coHolders(counter)
	p.best = nil
	p.roles()
	p.ent = nil
	return p
}

// defineGroups assigns every identity its group in each dimension.
func (g *PeerGroups) defineGroups(d *Data) {
	reports := make([]bool, len(d.Identities))
	for i := range d.Identities {
		if k, ok := d.identityIndex[d.Identities[i].Manager]; ok {
			reports[k] = true
		}
	}
	type dimension struct {
		name  string
		value func(i int) string
	}
	dims := []dimension{
		{DimJob, func(i int) string {
			id := &d.Identities[i]
			switch {
			case id.Title == "":
				return ""
			case id.Department == "":
				return id.Title
			}
			return id.Department + " / " + id.Title
		}},
		{DimManager, func(i int) string { return d.Identities[i].Manager }},
		{DimDepartment, func(i int) string { return d.Identities[i].Department }},
		{DimLocation, func(i int) string { return d.Identities[i].Location }},
		{DimEmployment, func(i int) string { return d.Identities[i].Employment }},
		{DimPeopleManager, func(i int) string {
			if reports[i] {
				return "people managers"
			}
			return ""
		}},
	}
	for _, a := range g.opts.Attributes {
		if col, ok := d.Attributes[a]; ok {
			dims = append(dims, dimension{a, func(i int) string { return col[i] }})
		}
	}
	for _, dim := range dims {
		groups := make([]int32, len(d.Identities))
		index := map[[2]string]int32{}
		var sizes []int32
		var labels []string
		for i := range d.Identities {
			v := dim.value(i)
			if v == "" {
				groups[i] = -1
				continue
			}
			key := [2]string{kindClass(&d.Identities[i]), v}
			k, ok := index[key]
			if !ok {
				k = int32(len(sizes))
				index[key] = k
				sizes = append(sizes, 0)
				labels = append(labels, v)
			}
			groups[i] = k
			sizes[k]++
		}
		g.dims = append(g.dims, dim.name)
		g.group = append(g.group, groups)
		g.size = append(g.size, sizes)
		g.label = append(g.label, labels)
	}
}

// groupMembers lists the members of each of n groups, ascending, by
// counting sort: those of group g are members[ptr[g]:ptr[g+1]].
func groupMembers(groups []int32, n int) (ptr, members []int32) {
	ptr = make([]int32, n+1)
	for _, g := range groups {
		if g >= 0 {
			ptr[g+1]++
		}
	}
	for g := range n {
		ptr[g+1] += ptr[g]
	}
	members = make([]int32, ptr[n])
	next := slices.Clone(ptr[:n])
	for i, g := range groups {
		if g >= 0 {
			members[next[g]] = int32(i)
			next[g]++
		}
	}
	return ptr, members
}

// defineClasses numbers the kind classes in order of first appearance.
func (g *PeerGroups) defineClasses() {
	classes := map[string]int8{}
	g.class = make([]int8, len(g.identities))
	for i := range g.identities {
		k := kindClass(&g.identities[i])
		c, ok := classes[k]
		if !ok {
			c = int8(len(classes))
			classes[k] = c
			g.classSize = append(g.classSize, 0)
		}
		g.class[i] = c
		g.classSize[c]++
	}
}

// baseRates measures the share of each kind class holding each
// entitlement, the prior that small peer groups are shrunk towards.
func (p *Peers) baseRates() {
	d, g := p.d, p.g
	p.base = make([][]float64, len(g.classSize))
	for c := range p.base {
		p.base[c] = make([]float64, len(d.Entitlements))
	}
	for i := range d.Identities {
		base := p.base[g.class[i]]
		for _, e := range p.ent[d.rowPtr[i]:d.rowPtr[i+1]] {
			base[e]++
		}
	}
	for c := range p.base {
		for e := range p.base[c] {
			p.base[c][e] /= g.classSize[c]
		}
	}
}

// kindClass separates humans from each kind of non-human identity.
func kindClass(id *Identity) string {
	if id.Human() {
		return "human"
	}
	return id.Kind
}

// cover counts holders per group of dimension k and keeps, per assignment,
// the best share so far. counter is all zero on entry and on return.
func (p *Peers) cover(k int, counter []int32) {
	g := p.g
	ptr, members, sizes := g.ptr[k], g.members[k], g.size[k]
	isJob := p.Dims[k] == DimJob
	for gr := range sizes {
		peers := sizes[gr] - 1
		if int(peers) < p.opts.MinPeers {
			continue
		}
		mem := members[ptr[gr]:ptr[gr+1]]
		p.count(mem, counter)
		for _, i := range mem {
			p.coverRows(i, k, peers, counter, isJob)
		}
		p.uncount(mem, counter)
	}
}

// count adds one to counter[e] for every entitlement e held by the
// identities mem.
func (p *Peers) count(mem []int32, counter []int32) {
	rowPtr := p.d.rowPtr
	for _, i := range mem {
		for _, e := range p.ent[rowPtr[i]:rowPtr[i+1]] {
			counter[e]++
		}
	}
}

// uncount sets counter back to zero after count(mem, counter).
func (p *Peers) uncount(mem []int32, counter []int32) {
	rowPtr := p.d.rowPtr
	for _, i := range mem {
		for _, e := range p.ent[rowPtr[i]:rowPtr[i+1]] {
			counter[e] = 0
		}
	}
}

// coverRows keeps, for each assignment of identity i, the share of the
// peers other than i holding it in a group of dimension k whose holders
// counter counts, when it is the best so far.
func (p *Peers) coverRows(i int32, k int, peers int32, counter []int32, isJob bool) {
	lo, hi := p.d.rowPtr[i], p.d.rowPtr[i+1]
	base := p.base[p.g.class[i]]
	alpha := float64(p.opts.MinPeers)
	den := float64(peers) + alpha
	ents, held, dim, best := p.ent[lo:hi], p.held[lo:hi], p.dim[lo:hi], p.best[lo:hi]
	for x, e := range ents {
		h := counter[e] - 1
		// smooth(a, h, peers), compared with share(a) kept in best
		if s := (float64(h) + alpha*base[e]) / den; dim[x] < 0 || s > best[x] {
			held[x], dim[x], best[x] = h, int8(k), s
		}
	}
	if isJob {
		for x, e := range ents {
			p.jobHeld[lo+int32(x)] = counter[e] - 1
		}
	}
}

// peersOf returns the number of other members of the group of assignment
// a's identity in dimension k.
func (p *Peers) peersOf(a int32, k int) int32 {
	if k == len(p.Dims) {
		return p.co[a].peers
	}
	i := p.d.Assignments[a].Identity
	return p.g.size[k][p.g.group[k][i]] - 1
}

// share returns the best smoothed peer share of assignment a, 0 when
// unassessed.
func (p *Peers) share(a int32) float64 {
	if p.dim[a] < 0 {
		return 0
	}
	return p.smooth(a, p.held[a], p.peersOf(a, int(p.dim[a])))
}

// smooth is the share of peers holding assignment a's entitlement, shrunk
// towards the share of the whole kind class by MinPeers pseudo-peers, so
// that 2 of 6 in a small team weighs less than 20 of 60 in a job.
func (p *Peers) smooth(a int32, held, peers int32) float64 {
	as := &p.d.Assignments[a]
	alpha := float64(p.opts.MinPeers)
	base := p.base[p.g.class[as.Identity]][as.Entitlement]
	return (float64(held) + alpha*base) / (float64(peers) + alpha)
}

// coHolders explains non-human access by other non-humans: for an
// assignment (i, e) that no attribute group explains, the best share of
// the non-human holders of another entitlement f of i who also hold e.
func (p *Peers) coHolders(counter []int32) {
	d := p.d
	human := make([]bool, len(d.Identities))
	for i := range d.Identities {
		human[i] = d.Identities[i].Human()
	}
	nhHolders := make([]int32, len(d.Entitlements)) // non-human holders per entitlement
	var cand []int32                                // candidate assignments, ascending
	for i := range d.Identities {
		if human[i] {
			continue
		}
		for a := d.rowPtr[i]; a < d.rowPtr[i+1]; a++ {
			nhHolders[p.ent[a]]++
			if p.best[a] < p.opts.MaxCoverage {
				cand = append(cand, a)
			}
		}
	}
	ptr, byEnt := p.byEntitlement(cand) // entitlement → candidate assignments
	var touched []int32
	for e := range int32(len(d.Entitlements)) {
		if ptr[e] == ptr[e+1] {
			continue
		}
		touched = touched[:0]
		for _, h := range d.Holders(e) {
			i := d.Assignments[h].Identity
			if human[i] {
				continue
			}
			for _, f := range p.ent[d.rowPtr[i]:d.rowPtr[i+1]] {
				if counter[f] == 0 {
					touched = append(touched, f)
				}
				counter[f]++
			}
		}
		for _, a := range byEnt[ptr[e]:ptr[e+1]] {
			p.coHold(a, counter, nhHolders)
		}
		for _, f := range touched {
			counter[f] = 0
		}
	}
}

// byEntitlement sorts candidate assignments by entitlement, stably: those
// of entitlement e are out[ptr[e]:ptr[e+1]].
func (p *Peers) byEntitlement(cand []int32) (ptr, out []int32) {
	m := len(p.d.Entitlements)
	ptr = make([]int32, m+1)
	for _, a := range cand {
		ptr[p.ent[a]+1]++
	}
	for e := range m {
		ptr[e+1] += ptr[e]
	}
	out = make([]int32, len(cand))
	next := slices.Clone(ptr[:m])
	for _, a := range cand {
		e := p.ent[a]
		out[next[e]] = a
		next[e]++
	}
	return ptr, out
}

// coHold keeps for candidate assignment a (i, e) the best share of the
// non-human holders of another entitlement f of i who hold e, as counter
// counts them, when it beats the best so far.
func (p *Peers) coHold(a int32, counter, nhHolders []int32) {
	d := p.d
	i, e := d.Assignments[a].Identity, p.ent[a]
	alpha := float64(p.opts.MinPeers)
	base := p.base[p.g.class[i]][e]
	best, improved := p.best[a], false
	var co coHolder
	var held int32
	for _, f := range p.ent[d.rowPtr[i]:d.rowPtr[i+1]] {
		peers := nhHolders[f] - 1
		if f == e || int(peers) < p.opts.MinPeers {
			continue
		}
		h := counter[f] - 1 // holders of f, other than i, holding e
		// smooth(a, h, peers)
		if s := (float64(h) + alpha*base) / (float64(peers) + alpha); s > best {
			co, held, best, improved = coHolder{f, peers}, h, s, true
		}
	}
	if improved {
		p.co[a] = co
		p.held[a], p.dim[a], p.best[a] = held, int8(len(p.Dims)), best
	}
}

// roles marks the assignments that a mined role of their identity covers,
// when the identity fits the role: at least MaxCoverage of the role's
// other members share its job (or, for identities without a job, its
// kind). A role mined from the data may have absorbed anomalies, such as a
// mover who kept an old job's access; membership of a role held by
// another job does not explain access.
func (p *Peers) roles() {
	d := p.d
	if len(d.Roles) == 0 {
		return
	}
	p.role = make([]int32, len(d.Assignments))
	for k := range p.role {
		p.role[k] = -1
	}
	count := make([]int32, len(p.g.size[0])+len(p.g.classSize)) // per fit group
	for r := range d.Roles {
		members := d.Roles[r].Members
		if len(members) < 2 {
			continue
		}
		for _, i := range members {
			count[p.fitGroup(i)]++
		}
		for _, i := range members {
			if float64(count[p.fitGroup(i)]-1)/float64(len(members)-1) >= p.opts.MaxCoverage {
				p.markRole(int32(r), i)
			}
		}
		for _, i := range members {
			count[p.fitGroup(i)] = 0
		}
	}
}

// fitGroup is the group an identity is compared by for role fit: its job
// group, or after all job groups, its kind class when it has none.
func (p *Peers) fitGroup(i int32) int32 {
	if job := p.g.group[0][i]; job >= 0 {
		return job
	}
	return int32(len(p.g.size[0])) + int32(p.g.class[i])
}

// markRole gives role r to the assignments of identity i that it
// contains and no earlier role did, walking both sorted lists at once.
func (p *Peers) markRole(r, i int32) {
	a, hi := p.d.rowPtr[i], p.d.rowPtr[i+1]
	for _, e := range p.d.Roles[r].Entitlements {
		for a < hi && p.ent[a] < e {
			a++
		}
		if a < hi && p.ent[a] == e && p.role[a] < 0 {
			p.role[a] = r
		}
	}
}

// Coverage returns, for assignment a, the holders among the best peer
// group, the group's size (others only) and its dimension name; peers is 0
// when no group had enough members.
func (p *Peers) Coverage(a int32) (held, peers int, dim string) {
	if p.dim[a] < 0 {
		return 0, 0, ""
	}
	k := int(p.dim[a])
	if k == len(p.Dims) {
		return int(p.held[a]), int(p.co[a].peers), DimCoHolders
	}
	return int(p.held[a]), int(p.peersOf(a, k)), p.Dims[k]
}

// Share returns the best peer share of assignment a, shrunk towards the
// share of all identities of its kind for small groups, and whether it was
// assessed.
func (p *Peers) Share(a int32) (float64, bool) { return p.share(a), p.dim[a] >= 0 }

// JobCoverage returns the holders among the identity's job group and the
// group's size (others), or ok false when it has no job group with enough
// members.
func (p *Peers) JobCoverage(a int32) (held, peers int, ok bool) {
	if p.jobHeld[a] < 0 {
		return 0, 0, false
	}
	return int(p.jobHeld[a]), int(p.peersOf(a, 0)), true
}

// Role returns the mined role of the identity that contains assignment a,
// or "" when none (or no roles were given).
func (p *Peers) Role(a int32) string {
	if p.role == nil || p.role[a] < 0 {
		return ""
	}
	return p.d.Roles[p.role[a]].ID
}

// Describe says in words who was compared for assignment a: "held by 1 of
// 37 peers in job Finance / AP Clerk".
func (p *Peers) Describe(a int32) string {
	if p.dim[a] < 0 {
		return "no peer group of " + strconv.Itoa(p.opts.MinPeers+1) + " or more to compare with"
	}
	k := int(p.dim[a])
	if k == len(p.Dims) {
		c := p.co[a]
		return "held by " + itoa32(p.held[a]) + " of " + itoa32(c.peers) +
			" non-human identities that hold " + p.d.Entitlements[c.via].ID
	}
	i := p.d.Assignments[a].Identity
	s := "held by " + itoa32(p.held[a]) + " of " + itoa32(p.peersOf(a, k)) +
		" peers in " + p.Dims[k] + " " + p.g.label[k][p.g.group[k][i]]
	if k != 0 && p.jobHeld[a] >= 0 {
		s += " (" + itoa32(p.jobHeld[a]) + " of " + itoa32(p.peersOf(a, 0)) + " in job " + p.g.label[0][p.g.group[0][i]] + ")"
	}
	return s
}

// Outlier reports whether assignment a is access few peers hold: it was
// assessed, its best share is below MaxCoverage, no mined role of the
// identity contains it and it is not a birthright grant. Score is the
// smoothed rarity 1 - (held+1)/(peers+2).
func (p *Peers) Outlier(a int32) (score float64, ok bool) {
	if p.dim[a] < 0 || p.d.Assignments[a].Source == SourceBirthright || p.role != nil && p.role[a] >= 0 {
		return 0, false
	}
	share := p.share(a)
	if share >= p.opts.MaxCoverage {
		return 0, false
	}
	return 1 - share, true
}

// itoa32 is strconv.Itoa for the int32 counts of Peers.
func itoa32(n int32) string { return strconv.Itoa(int(n)) }
