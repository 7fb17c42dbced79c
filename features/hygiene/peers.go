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
	opts OutlierOptions
	// Dims names the peer dimensions; Dim values index it.
	Dims []string

	held    []int32   // per assignment: other holders in the best group
	dim     []int8    // per assignment: best dimension, -1 when no group had enough peers
	jobHeld []int32   // per assignment: other holders in the job group, -1 when none
	role    []int32   // per assignment: index of a mined role of the identity containing it, -1
	best    []float64 // per assignment: share() so far, while computing; nil after

	group [][]int32  // [dim][identity] group, -1 when none
	size  [][]int32  // [dim][group] members
	label [][]string // [dim][group] value
	co    map[int32]coHolder

	class     []int8      // [identity] kind class
	classSize []float64   // [class] identities
	base      [][]float64 // [class][entitlement] share of the class holding it
}

type coHolder struct{ via, peers int32 }

// ComputePeers measures peer coverage of every assignment of d.
func ComputePeers(d *Data, opts OutlierOptions) *Peers {
	d.checkPrepared()
	if opts.MinPeers < 1 || opts.MaxCoverage < 0 || opts.MaxCoverage > 1 {
		panic(fmt.Sprintf("hygiene: bad outlier options %+v", opts))
	}
	n := len(d.Assignments)
	p := &Peers{d: d, opts: opts, held: make([]int32, n), dim: make([]int8, n), jobHeld: make([]int32, n),
		co: map[int32]coHolder{}}
	for k := range p.dim {
		p.dim[k], p.jobHeld[k] = -1, -1
	}
	p.defineGroups()
	p.baseRates()
	counter := make([]int32, len(d.Entitlements))
	p.best = make([]float64, n)
	for k := range p.Dims {
		p.cover(k, counter)
	}
	p.coHolders(counter)
	p.best = nil
	p.roles()
	return p
}

// defineGroups assigns every identity its group in each dimension.
func (p *Peers) defineGroups() {
	d := p.d
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
	for _, a := range p.opts.Attributes {
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
			g, ok := index[key]
			if !ok {
				g = int32(len(sizes))
				index[key] = g
				sizes = append(sizes, 0)
				labels = append(labels, v)
			}
			groups[i] = g
			sizes[g]++
		}
		p.Dims = append(p.Dims, dim.name)
		p.group = append(p.group, groups)
		p.size = append(p.size, sizes)
		p.label = append(p.label, labels)
	}
}

// baseRates measures the share of each kind class holding each
// entitlement, the prior that small peer groups are shrunk towards.
func (p *Peers) baseRates() {
	d := p.d
	classes := map[string]int8{}
	p.class = make([]int8, len(d.Identities))
	for i := range d.Identities {
		k := kindClass(&d.Identities[i])
		c, ok := classes[k]
		if !ok {
			c = int8(len(classes))
			classes[k] = c
			p.classSize = append(p.classSize, 0)
			p.base = append(p.base, make([]float64, len(d.Entitlements)))
		}
		p.class[i] = c
		p.classSize[c]++
	}
	for _, a := range d.Assignments {
		p.base[p.class[a.Identity]][a.Entitlement]++
	}
	for c := range p.base {
		for e := range p.base[c] {
			p.base[c][e] /= p.classSize[c]
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
// the best share so far.
func (p *Peers) cover(k int, counter []int32) {
	d := p.d
	groups, sizes := p.group[k], p.size[k]
	// Members of each group, by counting sort.
	ptr := make([]int32, len(sizes)+1)
	for _, g := range groups {
		if g >= 0 {
			ptr[g+1]++
		}
	}
	for g := range sizes {
		ptr[g+1] += ptr[g]
	}
	members := make([]int32, ptr[len(sizes)])
	next := slices.Clone(ptr[:len(sizes)])
	for i, g := range groups {
		if g >= 0 {
			members[next[g]] = int32(i)
			next[g]++
		}
	}
	isJob := p.Dims[k] == DimJob
	alpha := float64(p.opts.MinPeers)
	for g := range sizes {
		peers := sizes[g] - 1
		if int(peers) < p.opts.MinPeers {
			continue
		}
		mem := members[ptr[g]:ptr[g+1]]
		for _, i := range mem {
			lo, hi := d.Held(i)
			for _, a := range d.Assignments[lo:hi] {
				counter[a.Entitlement]++
			}
		}
		for _, i := range mem {
			lo, hi := d.Held(i)
			base := p.base[p.class[i]]
			for a := lo; a < hi; a++ {
				e := d.Assignments[a].Entitlement
				h := counter[e] - 1
				if isJob {
					p.jobHeld[a] = h
				}
				// smooth(a, h, peers), compared with share(a) kept in best
				if s := (float64(h) + alpha*base[e]) / (float64(peers) + alpha); p.dim[a] < 0 || s > p.best[a] {
					p.held[a], p.dim[a], p.best[a] = h, int8(k), s
				}
			}
		}
		for _, i := range mem {
			lo, hi := d.Held(i)
			for _, a := range d.Assignments[lo:hi] {
				counter[a.Entitlement] = 0
			}
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
	return p.size[k][p.group[k][i]] - 1
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
	base := p.base[p.class[as.Identity]][as.Entitlement]
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
	byEnt := map[int32][]int32{}                    // entitlement → candidate assignments
	for a := range d.Assignments {
		as := &d.Assignments[a]
		if human[as.Identity] {
			continue
		}
		nhHolders[as.Entitlement]++
		if p.best[a] < p.opts.MaxCoverage {
			byEnt[as.Entitlement] = append(byEnt[as.Entitlement], int32(a))
		}
	}
	ents := make([]int32, 0, len(byEnt))
	for e := range byEnt {
		ents = append(ents, e)
	}
	slices.Sort(ents)
	var touched []int32
	coDim := int8(len(p.Dims))
	for _, e := range ents {
		touched = touched[:0]
		for _, h := range d.Holders(e) {
			i := d.Assignments[h].Identity
			if human[i] {
				continue
			}
			lo, hi := d.Held(i)
			for _, a := range d.Assignments[lo:hi] {
				if counter[a.Entitlement] == 0 {
					touched = append(touched, a.Entitlement)
				}
				counter[a.Entitlement]++
			}
		}
		for _, a := range byEnt[e] {
			i := d.Assignments[a].Identity
			lo, hi := d.Held(i)
			for _, f := range d.Assignments[lo:hi] {
				peers := nhHolders[f.Entitlement] - 1
				if f.Entitlement == e || int(peers) < p.opts.MinPeers {
					continue
				}
				h := counter[f.Entitlement] - 1 // holders of f, other than i, holding e
				if s := p.smooth(a, h, peers); s > p.best[a] {
					p.co[a] = coHolder{f.Entitlement, peers}
					p.held[a], p.dim[a], p.best[a] = h, coDim, s
				}
			}
		}
		for _, f := range touched {
			counter[f] = 0
		}
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
	job := p.group[0]
	count := map[int64]int{}
	for r := range d.Roles {
		members := d.Roles[r].Members
		if len(members) < 2 {
			continue
		}
		clear(count)
		for _, i := range members {
			count[p.fitGroup(job, i)]++
		}
		for _, i := range members {
			if float64(count[p.fitGroup(job, i)]-1)/float64(len(members)-1) < p.opts.MaxCoverage {
				continue
			}
			for _, e := range d.Roles[r].Entitlements {
				if a := d.Find(i, e); a >= 0 && p.role[a] < 0 {
					p.role[a] = int32(r)
				}
			}
		}
	}
}

// fitGroup is the group an identity is compared by for role fit: its job,
// or its kind class when it has none.
func (p *Peers) fitGroup(job []int32, i int32) int64 {
	if job[i] >= 0 {
		return int64(job[i])
	}
	return -1 - int64(p.class[i])
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
		return fmt.Sprintf("held by %d of %d non-human identities that hold %s", p.held[a], c.peers, p.d.Entitlements[c.via].ID)
	}
	i := p.d.Assignments[a].Identity
	s := fmt.Sprintf("held by %d of %d peers in %s %s", p.held[a], p.peersOf(a, k), p.Dims[k], p.label[k][p.group[k][i]])
	if k != 0 && p.jobHeld[a] >= 0 {
		s += fmt.Sprintf(" (%d of %d in job %s)", p.jobHeld[a], p.peersOf(a, 0), p.label[0][p.group[0][i]])
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
