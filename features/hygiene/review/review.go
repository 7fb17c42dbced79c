package review

import (
	"cmp"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"rolemine/features/hygiene"
)

// Reviewer assignment modes (Options.By).
const (
	ByManager = "manager"
	ByOwner   = "owner"
)

// Suggestions.
const (
	Keep   = "keep"
	Revoke = "revoke"
	Decide = "decide" // never pre-decided: the reviewer must choose
)

// Groups order a packet: exceptions and high risk first, then suggested
// revocations, keeps to look at, and routine keeps to confirm together.
const (
	GroupDecide  = "decide"
	GroupRevoke  = "revoke"
	GroupKeep    = "keep"
	GroupRoutine = "routine"
)

var groupOrder = map[string]int{GroupDecide: 0, GroupRevoke: 1, GroupKeep: 2, GroupRoutine: 3}

// Unassigned is the reviewer id of items nobody could be found for.
const Unassigned = ""

// Options shape a campaign.
type Options struct {
	// By routes items to the identity's manager (ByManager) or the
	// entitlement's owner (ByOwner).
	By string
	// IncludeBirthright reviews birthright access too; by default it is
	// exempt (granted by policy, reviewed as policy).
	IncludeBirthright bool
	// UnusedDays: access unused for longer is suggested for revocation.
	UnusedDays int
	// RecentDays: access used within this many days is in active use.
	RecentDays int
	// CommonShare: a peer share at or above it is common access.
	CommonShare float64
	// RoutineConfidence: keeps at or above it are routine.
	RoutineConfidence float64
	// Outliers tunes peer coverage (shares below MaxCoverage are
	// exceptions).
	Outliers hygiene.OutlierOptions
}

// DefaultOptions route to managers, skip birthright access, revoke after
// 90 days without use and call keeps of 0.9 or more routine.
var DefaultOptions = Options{
	By:                ByManager,
	UnusedDays:        90,
	RecentDays:        30,
	CommonShare:       0.8,
	RoutineConfidence: 0.9,
	Outliers:          hygiene.DefaultOutlierOptions,
}

// Item is one identity × entitlement to certify.
type Item struct {
	Identity, Entitlement int32
	Suggestion            string // Keep, Revoke or Decide
	Confidence            float64
	Group                 string
	// Lean is, for a Decide item, what the evidence alone suggests (Keep
	// or Revoke, "" when nothing) and LeanConfidence its confidence: shown
	// to the reviewer, never applied.
	Lean           string
	LeanConfidence float64
	Evidence       Evidence
	rule           rule // which rule gave the suggestion, for the reason
}

// Packet is what one reviewer certifies. Its items are not kept:
// Campaign.Items builds them when they are needed, so that a campaign over
// millions of assignments holds one int32 per item.
type Packet struct {
	Reviewer string // identity id, or Unassigned
	Name     string
	Notes    []string // e.g. items routed past a manager who has left
	// Counts are the items per group, once counted: by WritePackets as it
	// writes the packet, or by Campaign.Count.
	Counts map[string]int
	// assignments are the indices into the Data's assignments of the
	// items, ascending.
	assignments []int32
}

// Len returns the number of items of p.
func (p *Packet) Len() int { return len(p.assignments) }

// Campaign is a prepared certification campaign: one packet per reviewer,
// in reviewer order (Unassigned last).
type Campaign struct {
	AsOf int64 // the reference time of the data (Unix seconds)
	// Prepared is when the packets were made (Unix seconds), shown on
	// them beside the data's date; 0 shows AsOf. Prepare leaves it 0, so
	// its output depends on the data only; the caller sets it.
	Prepared int64
	Options  Options
	Packets  []*Packet
	// Totals are the items per group, once counted (see Count), and
	// "items" and "reviewers", set by Prepare.
	Totals     map[string]int
	counted    bool // Counts and Totals hold every group
	Warnings   []string
	Data       *hygiene.Data
	Duplicates []hygiene.Pair // suspected duplicate identities (Evidence.Duplicate)
	view       *view
}

// Prepare builds the campaign for every current assignment of d (birthright
// access only with IncludeBirthright): it routes each item to its reviewer
// and counts its items; Items builds a packet's items, and WritePackets
// or Count counts them by group. rep supplies the hygiene evidence
// (duplicate pairs, dormant accounts, non-humans without an owner, peers)
// and may be nil; only its duplicate-identity, dormant-account and
// nonhuman-owner checks are used. d must be prepared and d.AsOf set, and
// neither d nor rep may change while the campaign is used. Bad options
// panic.
func Prepare(d *hygiene.Data, rep *hygiene.Report, opts Options) *Campaign {
	checkOptions(opts)
	if d.AsOf == 0 {
		panic("review: Data.AsOf not set")
	}
	var peers *hygiene.Peers
	if rep != nil && rep.Peers != nil {
		peers = rep.Peers
	} else {
		peers = hygiene.ComputePeers(d, opts.Outliers)
	}
	v := newView(d, peers, newHistoryIndex(d), d.AsOf, false, opts)
	v.duplicates, v.ownerLeft = map[int32]int32{}, map[int32]bool{}
	c := &Campaign{AsOf: d.AsOf, Options: opts, Data: d, Totals: map[string]int{}, view: v}
	if rep != nil {
		v.attachFindings(rep)
		c.Duplicates = rep.Duplicates
	}
	c.route()
	c.Totals["reviewers"] = len(c.Packets)
	for _, p := range c.Packets {
		c.Totals["items"] += p.Len()
		if p.Reviewer == Unassigned {
			c.Warnings = append(c.Warnings, fmt.Sprintf("%d items have no reviewer (no active manager, owner or entitlement owner): see the unassigned packet", p.Len()))
		}
	}
	return c
}

// route makes the packets: every item under its reviewer, packets in
// reviewer order (Unassigned last).
func (c *Campaign) route() {
	d := c.Data
	byReviewer := map[string]*Packet{}
	route := newRouter(d, c.Options.By)
	for a := range d.Assignments {
		as := &d.Assignments[a]
		if as.Source == hygiene.SourceBirthright && !c.Options.IncludeBirthright {
			continue
		}
		reviewer, note := route.reviewer(as.Identity, as.Entitlement)
		p := byReviewer[reviewer]
		if p == nil {
			p = &Packet{Reviewer: reviewer, Counts: map[string]int{}}
			if i, ok := d.IdentityIndex(reviewer); ok {
				p.Name = d.Identities[i].Name
			}
			byReviewer[reviewer] = p
			c.Packets = append(c.Packets, p)
		}
		if note != "" && !slices.Contains(p.Notes, note) {
			p.Notes = append(p.Notes, note)
		}
		p.assignments = append(p.assignments, int32(a))
	}
	for _, p := range c.Packets {
		slices.Sort(p.Notes)
	}
	slices.SortFunc(c.Packets, func(x, y *Packet) int {
		if (x.Reviewer == Unassigned) != (y.Reviewer == Unassigned) {
			if x.Reviewer == Unassigned {
				return 1
			}
			return -1
		}
		return cmp.Compare(x.Reviewer, y.Reviewer)
	})
}

// Count fills the packets' Counts and the group Totals, unless they are
// filled, building every item once (and dropping it) on GOMAXPROCS
// goroutines, one packet at a time each. WritePackets counts the items as
// it writes them: Count is for the counts without the pages.
func (c *Campaign) Count() {
	if c.counted {
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := next.Add(1) - 1; k < int64(len(c.Packets)); k = next.Add(1) - 1 {
				p := c.Packets[k]
				p.Counts = map[string]int{}
				for _, a := range p.assignments {
					p.Counts[c.view.item(a).Group]++
				}
			}
		}()
	}
	wg.Wait()
	c.addTotals()
}

// addTotals adds up the packets' Counts, every packet counted, into Totals.
func (c *Campaign) addTotals() {
	for _, p := range c.Packets {
		for g, n := range p.Counts {
			c.Totals[g] += n
		}
	}
	c.counted = true
}

// groupCounts counts items by group.
func groupCounts(items []Item) map[string]int {
	m := map[string]int{}
	for k := range items {
		m[items[k].Group]++
	}
	return m
}

// Items returns the items of packet p of c in review order, built afresh
// from the evidence on each call. It may be called from several
// goroutines at once.
func (c *Campaign) Items(p *Packet) []Item {
	return c.appendItems(nil, p)
}

// appendItems appends the items of packet p to dst, as Items builds them.
func (c *Campaign) appendItems(dst []Item, p *Packet) []Item {
	dst = slices.Grow(dst, len(p.assignments))
	items := dst[len(dst) : len(dst)+len(p.assignments)]
	for k, a := range p.assignments {
		items[k] = c.view.item(a)
	}
	sortItems(c.Data, items)
	return dst[:len(dst)+len(items)]
}

func checkOptions(o Options) {
	if o.By != ByManager && o.By != ByOwner {
		panic(fmt.Sprintf("review: By must be %q or %q, not %q", ByManager, ByOwner, o.By))
	}
	if o.UnusedDays <= 0 || o.RecentDays <= 0 || o.CommonShare <= 0 || o.CommonShare > 1 ||
		o.RoutineConfidence <= 0 || o.RoutineConfidence > 1 {
		panic(fmt.Sprintf("review: bad options %+v", o))
	}
}

// sortItems orders items: by group; within decide, highest risk first;
// then by identity and entitlement (in the order of the Data, which the
// loaders keep sorted by id).
func sortItems(d *hygiene.Data, items []Item) {
	slices.SortFunc(items, func(x, y Item) int {
		if c := cmp.Compare(groupOrder[x.Group], groupOrder[y.Group]); c != 0 {
			return c
		}
		if x.Group == GroupDecide {
			if c := cmp.Compare(riskRank(d, y.Entitlement), riskRank(d, x.Entitlement)); c != 0 {
				return c
			}
		}
		return cmp.Or(cmp.Compare(x.Identity, y.Identity), cmp.Compare(x.Entitlement, y.Entitlement))
	})
}

// riskRank orders entitlements: low 0 … critical 3, privileged adds one.
func riskRank(d *hygiene.Data, e int32) int {
	ent := &d.Entitlements[e]
	r := 0
	switch ent.Risk {
	case "medium":
		r = 1
	case "high":
		r = 2
	case "critical":
		r = 3
	}
	if ent.Privileged {
		r++
	}
	return r
}

// router finds the reviewer of an item.
type router struct {
	d  *hygiene.Data
	by string
}

func newRouter(d *hygiene.Data, by string) *router { return &router{d: d, by: by} }

// active returns identity id's index when it is known and has not left.
func (r *router) active(id string) (int32, bool) {
	k, ok := r.d.IdentityIndex(id)
	if !ok || r.d.LeftBy(k, r.d.AsOf) {
		return -1, false
	}
	return k, true
}

// manager returns the nearest active manager above identity i, and a note
// when it skipped a manager who has left.
func (r *router) manager(i int32) (string, string) {
	id := &r.d.Identities[i]
	m := id.Manager
	for depth := 0; m != "" && depth < 64; depth++ {
		if _, ok := r.active(m); ok {
			if m != id.Manager {
				return m, fmt.Sprintf("items of reports of %s (no longer active) routed to %s", id.Manager, m)
			}
			return m, ""
		}
		k, ok := r.d.IdentityIndex(m)
		if !ok {
			break
		}
		m = r.d.Identities[k].Manager
	}
	return "", ""
}

// reviewer returns the reviewer of (i, e) and a note on the routing.
func (r *router) reviewer(i, e int32) (string, string) {
	d := r.d
	id := &d.Identities[i]
	owner := d.Entitlements[e].Owner
	if r.by == ByOwner {
		if k, ok := r.active(owner); ok && k != i {
			return owner, ""
		}
	}
	if !id.Human() {
		if k, ok := r.active(id.Owner); ok && k != i {
			return id.Owner, ""
		}
	}
	if m, note := r.manager(i); m != "" {
		if r.by == ByOwner {
			note = "items of entitlements without an active owner routed to the holder's manager"
		}
		return m, note
	}
	if k, ok := r.active(owner); ok && k != i {
		return owner, "items of identities without an active manager routed to the entitlement owner"
	}
	return Unassigned, ""
}
