package review

import (
	"cmp"
	"slices"

	"rolemine/features/hygiene"
)

// Score counts, for a set of past review decisions, how the suggestions
// computed before each campaign compare with what reviewers decided.
type Score struct {
	Tier           string `json:"tier"`
	Items          int    `json:"items"`
	Keep           int    `json:"suggested_keep"`
	KeepMatched    int    `json:"keep_matched"`
	Revoke         int    `json:"suggested_revoke"`
	RevokeMatched  int    `json:"revoke_matched"`
	Decide         int    `json:"left_to_decide"`
	Routine        int    `json:"routine"`
	RoutineMatched int    `json:"routine_matched"`
	// Of the items left to decide, where the evidence leaned and how
	// often the reviewers went that way.
	LeanKeep          int `json:"decide_lean_keep"`
	LeanKeepMatched   int `json:"decide_lean_keep_matched"`
	LeanRevoke        int `json:"decide_lean_revoke"`
	LeanRevokeMatched int `json:"decide_lean_revoke_matched"`
}

// KeepPrecision is the share of suggested keeps the reviewers kept.
func (s Score) KeepPrecision() float64 { return ratio(s.KeepMatched, s.Keep) }

// RevokePrecision is the share of suggested revocations they revoked.
func (s Score) RevokePrecision() float64 { return ratio(s.RevokeMatched, s.Revoke) }

// RoutinePrecision is the share of routine items they kept.
func (s Score) RoutinePrecision() float64 { return ratio(s.RoutineMatched, s.Routine) }

// Coverage is the share of items given a suggestion (not left to decide).
func (s Score) Coverage() float64 { return ratio(s.Items-s.Decide, s.Items) }

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func (s *Score) add(it *Item, decision string) {
	s.Items++
	switch it.Suggestion {
	case Keep:
		s.Keep++
		if decision == "keep" {
			s.KeepMatched++
		}
		if it.Group == GroupRoutine {
			s.Routine++
			if decision == "keep" {
				s.RoutineMatched++
			}
		}
	case Revoke:
		s.Revoke++
		if decision == "revoke" {
			s.RevokeMatched++
		}
	default:
		s.Decide++
		switch it.Lean {
		case Keep:
			s.LeanKeep++
			if decision == "keep" {
				s.LeanKeepMatched++
			}
		case Revoke:
			s.LeanRevoke++
			if decision == "revoke" {
				s.LeanRevokeMatched++
			}
		}
	}
}

// LeanKeepPrecision is the share of decide items leaning keep that were
// kept.
func (s Score) LeanKeepPrecision() float64 { return ratio(s.LeanKeepMatched, s.LeanKeep) }

// CampaignScore is the replay of one past campaign.
type CampaignScore struct {
	Campaign string  `json:"campaign"`
	Start    int64   `json:"start"`
	Overall  Score   `json:"overall"`
	Tiers    []Score `json:"tiers"`
}

// Replay is the backtest of the suggestions against recorded decisions.
type Replay struct {
	Campaigns []CampaignScore `json:"campaigns"`
	Overall   Score           `json:"overall"`
	Tiers     []Score         `json:"tiers"`
	// Approximations says what the replay could not reconstruct.
	Approximations []string `json:"approximations"`
	Skipped        int      `json:"skipped_decisions"` // without keep/revoke or a time
	// From is empty for a replay measured with the campaign; otherwise it
	// says which earlier run measured the replay this campaign shows.
	From string `json:"from,omitempty"`
}

// ReplayApproximations are the limits of a replay, in words.
var ReplayApproximations = []string{
	"the access held at a campaign's start is rebuilt as the current assignments granted before it, plus the items certified in it and the approved requests not yet revoked then; access removed since for other reasons is missing",
	"assignment source, last use and mined roles are known only as of now and are not used; the request history is",
	"identity attributes (department, title, manager) and entitlement risk are taken as they are now",
	"hygiene findings other than leavers and separation-of-duties conflicts are not replayed",
}

// RunReplay recomputes, for each past campaign in d.Certifications, the
// suggestions from the data available before its first decision and
// compares them with the recorded decisions, per risk tier.
func RunReplay(d *hygiene.Data, opts Options) *Replay {
	checkOptions(opts)
	campaigns, skipped := pastCampaigns(d)
	rep := &Replay{Approximations: ReplayApproximations, Skipped: skipped}
	overall := map[string]*Score{}
	idx := newHistoryIndex(d)
	groups := hygiene.NewPeerGroups(d, opts.Outliers) // the identities are the same at every campaign
	maxCerts := 0
	for _, cp := range campaigns {
		maxCerts = max(maxCerts, len(cp.certs))
	}
	acc := newAccess(d, maxCerts) // the access of each campaign in turn
	for _, cp := range campaigns {
		cs := CampaignScore{Campaign: cp.name, Start: cp.start}
		tiers := map[string]*Score{}
		dd := acc.at(cp.start, cp.certs)
		peers := groups.Compute(dd)
		v := newView(dd, peers, idx, cp.start, true, opts)
		for _, k := range cp.certs {
			c := &d.Certifications[k]
			decision := d.Word(c.Decision)
			a := dd.Find(c.Identity, c.Entitlement)
			it := v.item(a)
			tier := orDash(d.Entitlements[c.Entitlement].Risk)
			for _, m := range []map[string]*Score{tiers, overall} {
				if m[tier] == nil {
					m[tier] = &Score{Tier: tier}
				}
				m[tier].add(&it, decision)
			}
			cs.Overall.add(&it, decision)
			rep.Overall.add(&it, decision)
		}
		cs.Overall.Tier = "all"
		cs.Tiers = sortedTiers(tiers)
		rep.Campaigns = append(rep.Campaigns, cs)
	}
	rep.Overall.Tier = "all"
	rep.Tiers = sortedTiers(overall)
	return rep
}

func sortedTiers(m map[string]*Score) []Score {
	order := []string{"low", "medium", "high", "critical"}
	var out []Score
	for _, s := range m {
		out = append(out, *s)
	}
	slices.SortFunc(out, func(x, y Score) int {
		return cmp.Or(cmp.Compare(slices.Index(order, x.Tier), slices.Index(order, y.Tier)), cmp.Compare(x.Tier, y.Tier))
	})
	return out
}

// pastCampaign is a past campaign's decisions that a replay scores.
type pastCampaign struct {
	name  string
	start int64   // its first decision
	certs []int32 // its keep and revoke decisions, by index in d.Certifications
}

// pastCampaigns groups the keep and revoke decisions of d.Certifications
// by campaign, in the order the campaigns started, and counts the others
// (no time, or another decision), which a replay skips.
func pastCampaigns(d *hygiene.Data) (campaigns []*pastCampaign, skipped int) {
	byName := map[string]*pastCampaign{}
	for k := range d.Certifications {
		c := &d.Certifications[k]
		if decision := d.Word(c.Decision); c.At == 0 || decision != "keep" && decision != "revoke" {
			skipped++
			continue
		}
		name := d.Word(c.Campaign)
		cp := byName[name]
		if cp == nil {
			cp = &pastCampaign{name: name, start: c.At}
			byName[name] = cp
			campaigns = append(campaigns, cp)
		}
		cp.start = min(cp.start, c.At)
		cp.certs = append(cp.certs, int32(k))
	}
	slices.SortFunc(campaigns, func(x, y *pastCampaign) int {
		return cmp.Or(cmp.Compare(x.start, y.start), cmp.Compare(x.name, y.name))
	})
	return campaigns, skipped
}

// Replays says whether r scored exactly the past campaigns d holds: the
// same campaigns, started at the same times, with as many decisions each,
// and as many skipped. A replay taken over from an earlier run is
// measured again when a campaign was added or its decisions changed.
func (r *Replay) Replays(d *hygiene.Data) bool {
	campaigns, skipped := pastCampaigns(d)
	if skipped != r.Skipped || len(campaigns) != len(r.Campaigns) {
		return false
	}
	for k, cp := range campaigns {
		if c := r.Campaigns[k]; c.Campaign != cp.name || c.Start != cp.start || c.Overall.Items != len(cp.certs) {
			return false
		}
	}
	return true
}

// access rebuilds the access held at past times. Its buffers, sized once
// for the largest campaign, are reused from one call of at to the next.
type access struct {
	d      *hygiene.Data
	grants []grant              // approved requests, by cell and grant time
	keys   []uint64             // the cells certified at a campaign
	extra  []hygiene.Assignment // the access a campaign adds to the current
	asg    []hygiene.Assignment // the access held at a campaign
}

// grant is an approved request as the assignment it made, and when it was
// revoked (0 when not).
type grant struct {
	hygiene.Assignment
	revoked int64
}

// newAccess prepares the rebuilding of d's access at campaigns of up to
// maxCerts certifications.
func newAccess(d *hygiene.Data, maxCerts int) *access {
	acc := &access{d: d}
	for _, r := range d.Requests {
		if r.Decision == "approved" && r.Decided != 0 {
			acc.grants = append(acc.grants, grant{hygiene.Assignment{Identity: r.Identity, Entitlement: r.Entitlement, Granted: r.Decided}, r.Revoked})
		}
	}
	slices.SortFunc(acc.grants, func(a, b grant) int { return compareGrants(a.Assignment, b.Assignment) })
	acc.keys = make([]uint64, 0, maxCerts)
	acc.extra = make([]hygiene.Assignment, 0, maxCerts+len(acc.grants))
	acc.asg = make([]hygiene.Assignment, 0, len(d.Assignments)+cap(acc.extra))
	return acc
}

// at rebuilds the assignments held at time t: current ones granted
// before t (or at an unknown time), the items certified at the campaign
// and approved requests open at t. Sources and use are cleared (not known
// as of t) and mined roles dropped. The rebuilt assignments are merged in
// the order of d's, so that the copy is sorted in place; of repeated
// cells, the current assignment is kept. They are built in acc's buffers:
// the Data returned must not be used after the next call.
func (acc *access) at(t int64, certs []int32) *hygiene.Data {
	d := acc.d
	extra := acc.added(t, certs)
	asg := slices.Grow(acc.asg[:0], len(d.Assignments)+len(extra))
	x := 0
	for _, a := range d.Assignments {
		if a.Granted != 0 && a.Granted >= t {
			continue
		}
		a = hygiene.Assignment{Identity: a.Identity, Entitlement: a.Entitlement, Granted: a.Granted}
		for x < len(extra) && compareCells(extra[x], a) < 0 {
			asg = append(asg, extra[x])
			x++
		}
		asg = append(asg, a)
	}
	asg = append(asg, extra[x:]...)
	acc.asg = asg
	dd := d.WithAssignments(asg)
	dd.Roles = nil
	return dd
}

// added returns the access a campaign at time t adds to the current: its
// certified items and the approved requests open at t, sorted by cell and
// grant time.
func (acc *access) added(t int64, certs []int32) []hygiene.Assignment {
	d := acc.d
	keys := acc.keys[:0]
	for _, k := range certs {
		c := &d.Certifications[k]
		keys = append(keys, uint64(c.Identity)<<32|uint64(c.Entitlement)) // indices are not negative
	}
	slices.Sort(keys)
	extra := slices.Grow(acc.extra[:0], len(keys)+len(acc.grants))
	g := 0
	for _, key := range keys {
		c := hygiene.Assignment{Identity: int32(key >> 32), Entitlement: int32(uint32(key))}
		for ; g < len(acc.grants) && compareGrants(acc.grants[g].Assignment, c) < 0; g++ {
			if acc.grants[g].openAt(t) {
				extra = append(extra, acc.grants[g].Assignment)
			}
		}
		extra = append(extra, c)
	}
	for _, r := range acc.grants[g:] {
		if r.openAt(t) {
			extra = append(extra, r.Assignment)
		}
	}
	acc.keys, acc.extra = keys, extra
	return extra
}

// openAt reports whether the access the request granted was held at t.
func (r *grant) openAt(t int64) bool {
	return r.Granted < t && (r.revoked == 0 || r.revoked > t)
}

// compareGrants orders assignments by cell, then grant time.
func compareGrants(a, b hygiene.Assignment) int {
	return cmp.Or(compareCells(a, b), cmp.Compare(a.Granted, b.Granted))
}

// compareCells orders assignments by identity, then entitlement: the
// order of prepared Data.
func compareCells(a, b hygiene.Assignment) int {
	return cmp.Or(cmp.Compare(a.Identity, b.Identity), cmp.Compare(a.Entitlement, b.Entitlement))
}
