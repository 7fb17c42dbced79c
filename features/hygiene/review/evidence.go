package review

import (
	"cmp"
	"math"
	"slices"
	"time"

	"rolemine/features/hygiene"
)

// Evidence is what a reviewer sees beside an item, in compact form: the
// text is written when a packet is rendered (Campaign.Explain).
type Evidence struct {
	// Assignment is the item's index in the Data's assignments.
	Assignment int32
	// Why the person has it: the assignment source (unknown in a replay)
	// and the approved request on record (index into Data.Requests, -1).
	Source  hygiene.Source
	Request int32
	Granted int64
	// Use: LastUsed is zero when never used; UsageKnown is false when the
	// data do not record use for the application.
	LastUsed   int64
	UsageKnown bool
	// Peer coverage (hygiene.Peers) and fit with a mined role.
	PeerShare float64
	Assessed  bool
	Outlier   bool
	Role      string
	// Risk.
	Risk       string
	Privileged bool
	// Past holds the earlier certifications of the item (indices into
	// Data.Certifications, oldest first; shared, do not modify).
	Past []int32
	// Hygiene facts about the item and its identity.
	Left       bool
	LeftOn     int64
	SoDRule    int32 // rule the item completes with other access, -1
	SoDOther   int32 // the entitlement on the rule's other side
	Duplicate  int32 // index into Campaign.Duplicates, -1
	Dormant    bool  // the identity's account in this application is dormant
	OwnerLeft  bool  // a non-human identity without an active owner
	OutsideAll bool  // privileged, and granted by no role (source or mined)
}

// rule says which rule gave an item its suggestion.
type rule uint8

const (
	ruleSoD rule = iota
	ruleHighRisk
	ruleOutlier
	rulePastRevoke
	ruleDuplicate
	ruleNoEvidence
	ruleLeft
	ruleDormant
	ruleUnused
	ruleKeep
)

// view computes evidence as of time t. In a replay (historic true) only
// what was known at t is used: no assignment source, usage or mined roles
// (the data hold them only as of now), no hygiene findings.
type view struct {
	d        *hygiene.Data
	peers    *hygiene.Peers
	t        int64
	historic bool
	opts     Options
	idx      *historyIndex

	usage      map[string]bool // applications with usage data
	dormant    []bool          // per assignment: in a dormant account; nil when none is
	duplicates map[int32]int32 // identity → pair
	ownerLeft  map[int32]bool
}

// historyIndex finds the certifications and approved requests of an
// (identity, entitlement) pair; it does not depend on the assignments, so
// a replay builds it once.
type historyIndex struct {
	certPtr, reqPtr []int32 // by identity, as CSR over the two lists
	certs, reqs     []int32 // sorted by identity, entitlement, time
	sodOf           map[int32][]int32
}

func newHistoryIndex(d *hygiene.Data) *historyIndex {
	h := &historyIndex{sodOf: map[int32][]int32{}}
	for k, r := range d.SoDRules {
		h.sodOf[r.A] = append(h.sodOf[r.A], int32(k))
		h.sodOf[r.B] = append(h.sodOf[r.B], int32(k))
	}
	h.certPtr, h.certs = byIdentity(d, len(d.Certifications), func(k int) (int32, int32, int64, bool) {
		c := &d.Certifications[k]
		return c.Identity, c.Entitlement, c.At, true
	})
	h.reqPtr, h.reqs = byIdentity(d, len(d.Requests), func(k int) (int32, int32, int64, bool) {
		r := &d.Requests[k]
		return r.Identity, r.Entitlement, r.Decided, r.Decision == "approved"
	})
	return h
}

// byIdentity counting-sorts rows by identity, then each identity's rows by
// entitlement and time.
func byIdentity(d *hygiene.Data, n int, row func(int) (i, e int32, at int64, keep bool)) ([]int32, []int32) {
	ptr := make([]int32, len(d.Identities)+1)
	for k := range n {
		if i, _, _, keep := row(k); keep {
			ptr[i+1]++
		}
	}
	for i := range d.Identities {
		ptr[i+1] += ptr[i]
	}
	idx := make([]int32, ptr[len(d.Identities)])
	next := slices.Clone(ptr[:len(d.Identities)])
	for k := range n {
		if i, _, _, keep := row(k); keep {
			idx[next[i]] = int32(k)
			next[i]++
		}
	}
	for i := range d.Identities {
		seg := idx[ptr[i]:ptr[i+1]]
		slices.SortFunc(seg, func(x, y int32) int {
			_, ex, tx, _ := row(int(x))
			_, ey, ty, _ := row(int(y))
			return cmp.Or(cmp.Compare(ex, ey), cmp.Compare(tx, ty))
		})
	}
	return ptr, idx
}

// of returns the rows of (i, e) in a byIdentity index.
func of(ptr, idx []int32, i, e int32, ent func(int32) int32) []int32 {
	seg := idx[ptr[i]:ptr[i+1]]
	lo, _ := slices.BinarySearchFunc(seg, e, func(k, e int32) int { return cmp.Compare(ent(k), e) })
	hi := lo
	for hi < len(seg) && ent(seg[hi]) == e {
		hi++
	}
	return seg[lo:hi:hi]
}

func newView(d *hygiene.Data, peers *hygiene.Peers, idx *historyIndex, t int64, historic bool, opts Options) *view {
	v := &view{d: d, peers: peers, t: t, historic: historic, opts: opts, idx: idx, usage: map[string]bool{}}
	if !historic {
		for _, a := range d.Assignments {
			if a.LastUsed != 0 {
				v.usage[d.Entitlements[a.Entitlement].Application] = true
			}
		}
	}
	return v
}

// attachFindings takes the duplicate pairs, dormant accounts and
// ownerless non-humans of a hygiene report as evidence.
func (v *view) attachFindings(rep *hygiene.Report) {
	v.duplicates, v.dormant, v.ownerLeft = map[int32]int32{}, nil, map[int32]bool{}
	for k, p := range rep.Duplicates {
		for _, i := range []int32{p.A, p.B} {
			if _, ok := v.duplicates[i]; !ok {
				v.duplicates[i] = int32(k)
			}
		}
	}
	for _, f := range rep.Findings {
		switch {
		case f.Severity == hygiene.SeverityNotice || f.Identity < 0:
		case f.Check == hygiene.CheckDormantAccount:
			v.markDormant(f)
		case f.Check == hygiene.CheckNonHumanOwner:
			v.ownerLeft[f.Identity] = true
		}
	}
}

// markDormant marks the identity's access in the dormant account's
// application (the finding's subject, an account of its identity).
func (v *view) markDormant(f hygiene.Finding) {
	d := v.d
	accts := d.AccountsOf(f.Identity)
	at := slices.IndexFunc(accts, func(k int32) bool { return d.Accounts[k].ID == f.SubjectID })
	if at < 0 {
		return
	}
	app := d.Accounts[accts[at]].Application
	if v.dormant == nil {
		v.dormant = make([]bool, len(d.Assignments))
	}
	lo, hi := d.Held(f.Identity)
	for a := lo; a < hi; a++ {
		if d.Entitlements[d.Assignments[a].Entitlement].Application == app {
			v.dormant[a] = true
		}
	}
}

// evidence gathers the evidence of assignment a of v.d.
func (v *view) evidence(a int32) Evidence {
	d := v.d
	as := &d.Assignments[a]
	ent := &d.Entitlements[as.Entitlement]
	ev := Evidence{Assignment: a, Risk: ent.Risk, Privileged: ent.Privileged, Granted: as.Granted, Request: -1,
		SoDRule: -1, SoDOther: -1, Duplicate: -1}
	if !v.historic {
		ev.Source = as.Source
		ev.UsageKnown = v.usage[ent.Application]
		ev.LastUsed = as.LastUsed
		ev.Role = v.peers.Role(a)
		ev.Dormant = v.dormant != nil && v.dormant[a]
		ev.OwnerLeft = v.ownerLeft[as.Identity]
		if k, ok := v.duplicates[as.Identity]; ok {
			ev.Duplicate = k
		}
		ev.OutsideAll = ent.Privileged && as.Source != hygiene.SourceRole && as.Source != hygiene.SourceBirthright && ev.Role == ""
	}
	reqs := of(v.idx.reqPtr, v.idx.reqs, as.Identity, as.Entitlement, func(k int32) int32 { return d.Requests[k].Entitlement })
	for _, r := range reqs {
		req := &d.Requests[r]
		if req.Decided != 0 && req.Decided < v.t && (req.Revoked == 0 || req.Revoked > v.t) {
			ev.Request = r
		}
	}
	ev.PeerShare, ev.Assessed = v.peers.Share(a)
	_, ev.Outlier = v.peers.Outlier(a)
	past := of(v.idx.certPtr, v.idx.certs, as.Identity, as.Entitlement, func(k int32) int32 { return d.Certifications[k].Entitlement })
	n := 0
	for n < len(past) && d.Certifications[past[n]].At != 0 && d.Certifications[past[n]].At < v.t {
		n++
	}
	if n > 0 {
		ev.Past = past[:n:n]
	}
	if d.LeftBy(as.Identity, v.t) {
		ev.Left, ev.LeftOn = true, d.Identities[as.Identity].Terminated
	}
	ev.SoDRule, ev.SoDOther = v.sodConflict(as)
	return ev
}

// sodConflict returns the rule the item completes with other access of
// the identity and the other side, or -1.
func (v *view) sodConflict(as *hygiene.Assignment) (int32, int32) {
	for _, k := range v.idx.sodOf[as.Entitlement] {
		r := &v.d.SoDRules[k]
		var other int32
		switch as.Entitlement {
		case r.A:
			other = r.B
		case r.B:
			other = r.A
		default:
			continue
		}
		if v.d.Find(as.Identity, other) >= 0 {
			return k, other
		}
	}
	return -1, -1
}

// item builds the review item of assignment a.
func (v *view) item(a int32) Item {
	as := &v.d.Assignments[a]
	it := Item{Identity: as.Identity, Entitlement: as.Entitlement, Evidence: v.evidence(a)}
	suggest(&it, v.d, v.t, v.opts)
	switch {
	case it.Suggestion == Decide:
		it.Group = GroupDecide
	case it.Suggestion == Revoke:
		it.Group = GroupRevoke
	case it.Confidence >= v.opts.RoutineConfidence:
		it.Group = GroupRoutine
	default:
		it.Group = GroupKeep
	}
	return it
}

// suggest sets the item's suggestion, confidence and rule. Exceptions and
// high-risk items are never pre-decided: they get Decide, with the
// suggestion the evidence alone would give as the lean.
func suggest(it *Item, d *hygiene.Data, t int64, o Options) {
	ev := &it.Evidence
	lean, conf, r := byEvidence(ev, t, o)
	var last *hygiene.Certification
	if len(ev.Past) > 0 {
		last = &d.Certifications[ev.Past[len(ev.Past)-1]]
	}
	decide := true
	switch {
	case ev.SoDRule >= 0:
		it.rule = ruleSoD
	case ev.Risk == "critical" || ev.Risk == "high" || ev.Privileged:
		it.rule = ruleHighRisk
	case ev.Outlier:
		it.rule = ruleOutlier
	case last != nil && d.Word(last.Decision) == "revoke":
		it.rule = rulePastRevoke
	case ev.Duplicate >= 0:
		it.rule = ruleDuplicate
	default:
		decide = lean == Decide
		it.Suggestion, it.Confidence, it.rule = lean, conf, r
	}
	if decide {
		it.Suggestion, it.Confidence = Decide, 0
		if lean != Decide {
			it.Lean, it.LeanConfidence = lean, conf
		}
	}
}

// byEvidence is the suggestion the evidence alone gives, before the rules
// that leave items to the reviewer.
func byEvidence(ev *Evidence, t int64, o Options) (string, float64, rule) {
	switch {
	case ev.Left:
		return Revoke, 0.95, ruleLeft
	case ev.Dormant:
		return Revoke, 0.85, ruleDormant
	case unused(ev, t, o.UnusedDays):
		if ev.Assessed && ev.PeerShare >= o.CommonShare {
			return Revoke, 0.65, ruleUnused // common among peers: maybe needed seldom
		}
		return Revoke, 0.8, ruleUnused
	}
	conf, n := keepConfidence(ev, t, o)
	if n == 0 {
		return Decide, 0, ruleNoEvidence
	}
	return Keep, conf, ruleKeep
}

// unused reports whether known usage shows the access unused for more than
// days.
func unused(ev *Evidence, t int64, days int) bool {
	if !ev.UsageKnown {
		return false
	}
	if ev.LastUsed != 0 {
		return daysBetween(ev.LastUsed, t) > days
	}
	return ev.Granted == 0 || daysBetween(ev.Granted, t) > days
}

// keepConfidence weighs the evidence for keeping: peer coverage, a role or
// approved request behind it, recent use and earlier keeps. n counts the
// pieces of evidence.
func keepConfidence(ev *Evidence, t int64, o Options) (conf float64, n int) {
	conf = 0.5
	if ev.Assessed {
		conf += 0.35 * math.Min(1, ev.PeerShare/o.CommonShare)
		n++
	}
	switch {
	case ev.Source == hygiene.SourceRole || ev.Source == hygiene.SourceBirthright:
		conf += 0.15
		n++
	case ev.Request >= 0:
		conf += 0.1
		n++
	}
	if ev.Role != "" {
		conf += 0.15
		n++
	}
	if ev.UsageKnown && ev.LastUsed != 0 {
		if daysBetween(ev.LastUsed, t) <= o.RecentDays {
			conf += 0.15
		} else {
			conf += 0.05
		}
		n++
	}
	if len(ev.Past) > 0 {
		conf += 0.1 // the last decision was keep: a revoke leaves it to decide
		n++
	}
	if ev.Risk == "medium" {
		conf -= 0.05
	}
	return math.Round(math.Min(conf, 0.99)*100) / 100, n
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func day(t int64) string {
	if t == 0 {
		return "never"
	}
	return time.Unix(t, 0).UTC().Format("2006-01-02")
}

func daysBetween(a, b int64) int { return int((b - a) / 86400) }
