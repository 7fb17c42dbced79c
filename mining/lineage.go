package mining

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// RoleSet is a role of one mining run as Match sees it: its id number, and
// its entitlements and members as indices in an index space shared by the
// two runs compared (for instance the columns and rows of the newer run's
// matrix, with the ids only the older run knows numbered after them). Both
// slices are sorted ascending and duplicate-free, as in Role.
type RoleSet struct {
	// ID is the number of the role's id, at least 1. It is read for the
	// roles of the previous run only.
	ID           int
	Entitlements []int32
	Members      []int32
	// Partial marks a partial role (Role.Parent > 0). A partial role only
	// continues a partial role, a role of its own only a role of its own.
	Partial bool
}

// Change is how a role of a run relates to the previous run.
type Change string

const (
	// ChangeUnchanged is a role continuing a previous role with the same
	// entitlements (its members may differ).
	ChangeUnchanged Change = "unchanged"
	// ChangeDrifted is a role continuing a previous role whose
	// entitlements differ from it.
	ChangeDrifted Change = "drifted"
	// ChangeAdded is a role continuing none: it gets a fresh id.
	ChangeAdded Change = "added"
	// ChangeRemoved is a previous role that no role continues.
	ChangeRemoved Change = "removed"
)

// RoleChange is the lineage of one role.
type RoleChange struct {
	// ID is the role's id number: the previous role's for a continued or
	// removed role, a fresh one for an added role.
	ID     int
	Change Change
	// Prev and Cur are the indices of the role in the previous and the
	// current run; Prev is -1 for an added role, Cur -1 for a removed one.
	Prev, Cur int
	// Jaccard and MemberJaccard are the similarities of the entitlements
	// and of the members of a continued role and its predecessor; 0 for
	// added and removed roles.
	Jaccard, MemberJaccard float64
	// EntitlementsAdded and EntitlementsRemoved count the entitlements the
	// role has and its predecessor had not, and the reverse: all of an
	// added role's are added, all of a removed role's removed.
	EntitlementsAdded, EntitlementsRemoved int
	// MembersBefore and MembersAfter are the member counts in the previous
	// and the current run (0 for the run the role is absent from).
	MembersBefore, MembersAfter int
}

// Lineage relates the roles of a run to those of the previous run.
type Lineage struct {
	Roles   []RoleChange // one per current role, in the order of cur
	Removed []RoleChange // previous roles no role continues, by ascending ID
	LastID  int          // the highest id number issued so far
}

// Count returns the number of roles with change c.
func (l Lineage) Count(c Change) int {
	if c == ChangeRemoved {
		return len(l.Removed)
	}
	n := 0
	for _, r := range l.Roles {
		if r.Change == c {
			n++
		}
	}
	return n
}

// LineageOptions are the settings of Match. A zero field takes its value
// from DefaultLineageOptions; values out of range are a misuse and panic.
type LineageOptions struct {
	// MinSimilarity is the least Jaccard similarity of the entitlement
	// sets of a role and a previous role for the role to continue it, and
	// keep its id; in (0, 1].
	MinSimilarity float64
}

// DefaultLineageOptions continue a role when at least half of the
// entitlements of the two roles together are common to both.
var DefaultLineageOptions = LineageOptions{MinSimilarity: 0.5}

// Match relates the roles cur of a mining run to the roles prev of the
// previous run, so that a role that barely changed keeps its id.
//
// Each pair of a previous and a current role whose entitlement sets have
// Jaccard similarity at least opts.MinSimilarity (and that are both
// partial or both not) is a candidate. Candidates are taken greedily, each
// role at most once: by descending entitlement similarity, then
// descending member similarity, then ascending previous id, then the
// current role's rank (roles of their own before partial roles, then more
// members first, then more entitlements, then the entitlement and member
// sets compared element by element). A current
// role taken keeps the previous role's id and is unchanged when the two
// have the same entitlements, drifted otherwise. The other current roles
// are added: they get the ids lastID+1, lastID+2, … in the order of their
// rank, so that no id is ever issued twice when lastID is the highest id
// number ever issued (Match uses the highest id of prev when that is
// larger). The previous roles not taken are removed.
//
// The result depends on the roles only, not on their order in prev and
// cur: permuting either permutes Lineage.Roles alike and changes nothing
// else (identical current roles are interchangeable). Match panics when a
// previous role's ID is below 1 or repeated, when a set is not ascending
// and duplicate-free, when lastID is negative or when the options are
// invalid. Inputs are not modified.
func Match(prev, cur []RoleSet, lastID int, opts LineageOptions) Lineage {
	opts = opts.withDefaults()
	if lastID < 0 {
		panic(fmt.Sprintf("mining: negative last role id %d", lastID))
	}
	ids := make(map[int]bool, len(prev))
	for _, p := range prev {
		if p.ID < 1 || ids[p.ID] {
			panic(fmt.Sprintf("mining: previous role id %d is below 1 or repeated", p.ID))
		}
		ids[p.ID] = true
		lastID = max(lastID, p.ID)
		checkSet("previous role entitlements", p.Entitlements)
		checkSet("previous role members", p.Members)
	}
	for _, c := range cur {
		checkSet("role entitlements", c.Entitlements)
		checkSet("role members", c.Members)
	}

	// rank orders the current roles independently of their input order.
	order := make([]int, len(cur))
	for k := range order {
		order[k] = k
	}
	slices.SortStableFunc(order, func(a, b int) int { return compareRoleSets(cur[a], cur[b]) })
	rank := make([]int, len(cur))
	for r, k := range order {
		rank[k] = r
	}

	pairs := candidatePairs(prev, cur, opts.MinSimilarity)
	slices.SortFunc(pairs, func(a, b lineagePair) int {
		return cmp.Or(
			cmp.Compare(b.jaccard, a.jaccard),
			cmp.Compare(b.members, a.members),
			cmp.Compare(prev[a.prev].ID, prev[b.prev].ID),
			cmp.Compare(rank[a.cur], rank[b.cur]),
		)
	})

	l := Lineage{Roles: make([]RoleChange, len(cur))}
	for k := range l.Roles {
		l.Roles[k].Prev = -1
	}
	taken := make([]bool, len(prev))
	for _, pr := range pairs {
		if taken[pr.prev] || l.Roles[pr.cur].Prev >= 0 {
			continue
		}
		taken[pr.prev] = true
		p, c := prev[pr.prev], cur[pr.cur]
		inter := intersectionSize(p.Entitlements, c.Entitlements)
		change := ChangeDrifted
		if inter == len(p.Entitlements) && inter == len(c.Entitlements) {
			change = ChangeUnchanged
		}
		l.Roles[pr.cur] = RoleChange{
			ID: p.ID, Change: change, Prev: pr.prev, Cur: pr.cur,
			Jaccard: pr.jaccard, MemberJaccard: pr.members,
			EntitlementsAdded: len(c.Entitlements) - inter, EntitlementsRemoved: len(p.Entitlements) - inter,
			MembersBefore: len(p.Members), MembersAfter: len(c.Members),
		}
	}
	for _, k := range order {
		if l.Roles[k].Prev >= 0 {
			continue
		}
		lastID++
		l.Roles[k] = RoleChange{ID: lastID, Change: ChangeAdded, Prev: -1, Cur: k,
			EntitlementsAdded: len(cur[k].Entitlements), MembersAfter: len(cur[k].Members)}
	}
	for k, p := range prev {
		if !taken[k] {
			l.Removed = append(l.Removed, RoleChange{ID: p.ID, Change: ChangeRemoved, Prev: k, Cur: -1,
				EntitlementsRemoved: len(p.Entitlements), MembersBefore: len(p.Members)})
		}
	}
	slices.SortFunc(l.Removed, func(a, b RoleChange) int { return cmp.Compare(a.ID, b.ID) })
	l.LastID = lastID
	return l
}

func (o LineageOptions) withDefaults() LineageOptions {
	if math.IsNaN(o.MinSimilarity) || o.MinSimilarity < 0 || o.MinSimilarity > 1 {
		panic(fmt.Sprintf("mining: invalid LineageOptions %+v", o))
	}
	if o.MinSimilarity == 0 {
		o.MinSimilarity = DefaultLineageOptions.MinSimilarity
	}
	return o
}

func checkSet(what string, s []int32) {
	for k, v := range s {
		if v < 0 || k > 0 && v <= s[k-1] {
			panic(fmt.Sprintf("mining: %s %v not ascending, non-negative and duplicate-free", what, s))
		}
	}
}

// compareRoleSets ranks roles: roles of their own before partial roles,
// then more members first, then more entitlements, then by their sets.
func compareRoleSets(a, b RoleSet) int {
	return cmp.Or(
		compareBool(a.Partial, b.Partial),
		cmp.Compare(len(b.Members), len(a.Members)),
		cmp.Compare(len(b.Entitlements), len(a.Entitlements)),
		slices.Compare(a.Entitlements, b.Entitlements),
		slices.Compare(a.Members, b.Members),
	)
}

func compareBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case b:
		return -1
	}
	return 1
}

// lineagePair is a candidate continuation: previous role prev by current
// role cur, with the Jaccard similarities of their entitlements and
// members.
type lineagePair struct {
	prev, cur        int
	jaccard, members float64
}

// candidatePairs returns the pairs of roles of the same partiality whose
// entitlement sets have Jaccard similarity at least minSim > 0. Such roles
// share an entitlement, so an index from entitlements to the previous
// roles holding them finds them without comparing every pair.
func candidatePairs(prev, cur []RoleSet, minSim float64) []lineagePair {
	holders := map[int32][]int32{} // entitlement → previous roles, ascending
	for k, p := range prev {
		for _, j := range p.Entitlements {
			holders[j] = append(holders[j], int32(k))
		}
	}
	common := make([]int, len(prev)) // shared entitlements with the current role
	var touched []int32
	var pairs []lineagePair
	for c, r := range cur {
		touched = touched[:0]
		for _, j := range r.Entitlements {
			for _, p := range holders[j] {
				if common[p] == 0 {
					touched = append(touched, p)
				}
				common[p]++
			}
		}
		slices.Sort(touched)
		for _, p := range touched {
			inter := common[p]
			common[p] = 0
			if prev[p].Partial != r.Partial {
				continue
			}
			jac := jaccard(inter, len(prev[p].Entitlements), len(r.Entitlements))
			if jac < minSim {
				continue
			}
			mi := intersectionSize(prev[p].Members, r.Members)
			pairs = append(pairs, lineagePair{prev: int(p), cur: c, jaccard: jac,
				members: jaccard(mi, len(prev[p].Members), len(r.Members))})
		}
	}
	return pairs
}

// jaccard is |A∩B| / |A∪B| from the intersection and the set sizes; 0 for
// two empty sets.
func jaccard(inter, a, b int) float64 {
	if a+b == 0 {
		return 0
	}
	return float64(inter) / float64(a+b-inter)
}

// intersectionSize counts the common elements of two ascending slices.
func intersectionSize(a, b []int32) int {
	n, i, j := 0, 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			n++
			i++
			j++
		}
	}
	return n
}
