// Package merge is the central step of distributed mining: it takes the
// roles mined partition by partition (MinedRole, in any order) and issues
// their role ids, continuing the roles of the previous run with
// mining.Match, as rolemine mine does on one machine. Ids are issued here
// and never by workers, so that they do not depend on how the work was
// split or in which order the roles arrived.
//
// Roles are identified by ids (identity_id, entitlement_id strings), not by
// matrix indices, since every partition has its own matrix. Match compares
// roles in one index space: the ids of the current roles in ascending
// order, then those only the previous run knows, in ascending order. The
// single-machine matrix orders its rows and columns by id as well, so a
// merged run and a single-machine run of the same roles get the same ids.
//
// The package is pure Go; Write and Read use the layout of rolemine mine
// --out (roles.csv, role_entitlements.csv, role_members.csv,
// role_changes.csv) plus merge.json.
package merge

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"rolemine/mining"
)

// MinedRole is a role one worker mined in one partition, keyed by its
// content.
type MinedRole struct {
	// Key is ContentKey(Entitlements).
	Key       string `json:"key"`
	Partition int    `json:"partition"`
	// Entitlements and Members are ids, ascending and duplicate-free.
	Entitlements []string `json:"entitlements"`
	Members      []string `json:"members"`
	// Partial marks a partial role (mining.Role.Parent > 0); Parent is
	// then the Key of its base role, mined in the same partition.
	Partial bool   `json:"partial,omitempty"`
	Parent  string `json:"parent,omitempty"`
}

// ContentKey returns the key of a role with the ascending entitlement ids
// ents: the ids joined by newlines (an id holds no newline).
func ContentKey(ents []string) string { return strings.Join(ents, "\n") }

// Role is a role of a merged run with its id and lineage.
type Role struct {
	ID           int // the number of the id R0001, R0002, …
	Entitlements []string
	Members      []string
	Partial      bool
	// Change relates the role to the previous run, as mining.Match does;
	// Lineage holds the figures.
	Change  mining.Change
	Lineage mining.RoleChange
}

// Run is the outcome of a merge, or a previous run read back by Read.
type Run struct {
	Roles   []Role              // by ascending ID
	Removed []mining.RoleChange // previous roles no role continues, by ascending ID
	LastID  int                 // the highest id number ever issued
}

// Merge issues the ids of the mined roles, continuing the roles of prev
// (the zero Run when there is none) by mining.Match with
// mining.DefaultLineageOptions. The result does not depend on the order of
// mined. Merge returns an error when a role's sets are not ascending and
// duplicate-free, or when a partial role's base is not among the roles.
func Merge(mined []MinedRole, prev Run) (Run, error) {
	keys := map[string]bool{}
	for _, r := range mined {
		if !r.Partial {
			keys[r.Key] = true
		}
	}
	for _, r := range mined {
		if err := checkIDs(r); err != nil {
			return Run{}, err
		}
		if r.Partial && !keys[r.Parent] {
			return Run{}, fmt.Errorf("merge: partial role %q of partition %d: no base role %q", r.Key, r.Partition, r.Parent)
		}
	}
	ents, members := newIndex(), newIndex()
	for _, r := range mined {
		ents.add(r.Entitlements)
		members.add(r.Members)
	}
	ents.seal()
	members.seal()
	for _, r := range prev.Roles {
		ents.add(r.Entitlements)
		members.add(r.Members)
	}
	ents.seal()
	members.seal()
	cur := make([]mining.RoleSet, len(mined))
	for k, r := range mined {
		cur[k] = mining.RoleSet{Entitlements: ents.indices(r.Entitlements), Members: members.indices(r.Members), Partial: r.Partial}
	}
	before := make([]mining.RoleSet, len(prev.Roles))
	for k, r := range prev.Roles {
		before[k] = mining.RoleSet{ID: r.ID, Entitlements: ents.indices(r.Entitlements), Members: members.indices(r.Members), Partial: r.Partial}
	}
	l := mining.Match(before, cur, prev.LastID, mining.DefaultLineageOptions)
	run := Run{Removed: l.Removed, LastID: l.LastID}
	for k, c := range l.Roles {
		r := mined[k]
		run.Roles = append(run.Roles, Role{ID: c.ID, Entitlements: r.Entitlements, Members: r.Members,
			Partial: r.Partial, Change: c.Change, Lineage: c})
	}
	slices.SortFunc(run.Roles, func(a, b Role) int { return cmp.Compare(a.ID, b.ID) })
	for k := range run.Removed {
		run.Removed[k].Prev, run.Removed[k].Cur = -1, -1 // indices of inputs whose order is not kept
	}
	for k := range run.Roles {
		run.Roles[k].Lineage.Prev, run.Roles[k].Lineage.Cur = -1, -1
	}
	return run, nil
}

func checkIDs(r MinedRole) error {
	for _, s := range [][]string{r.Entitlements, r.Members} {
		for k := 1; k < len(s); k++ {
			if s[k] <= s[k-1] {
				return fmt.Errorf("merge: role %q of partition %d: ids %q, %q not ascending and distinct", r.Key, r.Partition, s[k-1], s[k])
			}
		}
	}
	if len(r.Entitlements) == 0 {
		return fmt.Errorf("merge: role of partition %d has no entitlements", r.Partition)
	}
	if r.Key != ContentKey(r.Entitlements) {
		return fmt.Errorf("merge: role %q of partition %d: key does not match its entitlements", r.Key, r.Partition)
	}
	return nil
}

// index numbers ids: each sealed batch of ids in ascending order, after
// the ids of earlier batches.
type index struct {
	of      map[string]int32
	pending []string
}

func newIndex() *index { return &index{of: map[string]int32{}} }

func (x *index) add(ids []string) {
	for _, id := range ids {
		if _, ok := x.of[id]; !ok {
			x.of[id] = -1
			x.pending = append(x.pending, id)
		}
	}
}

func (x *index) seal() {
	slices.Sort(x.pending)
	n := int32(len(x.of) - len(x.pending))
	for k, id := range x.pending {
		x.of[id] = n + int32(k)
	}
	x.pending = x.pending[:0]
}

// indices returns the indices of ids, ascending: ids of different batches
// need not be numbered in the order of their strings.
func (x *index) indices(ids []string) []int32 {
	out := make([]int32, len(ids))
	for k, id := range ids {
		out[k] = x.of[id]
	}
	slices.Sort(out)
	return out
}
