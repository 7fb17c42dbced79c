package mining

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"

	"rolemine/features"
)

// ExactOptions are the settings of Exact. A zero budget field takes its
// value from DefaultExactOptions; a negative one is a misuse and panics.
type ExactOptions struct {
	Objective Objective

	// NodeBudget caps the branch-and-bound nodes of one run, over all
	// blocks, spent on the fewest-roles cover (which MinWSC starts from).
	// When it runs out the best cover found so far is kept (a greedy one
	// at worst) and, for MinRoles, LowerBound stays below len(Roles) and a
	// warning says so.
	NodeBudget int

	// MaxConcepts caps the maximal bicliques enumerated per block, which
	// bounds time and memory (each concept keeps a bitset of the block's
	// distinct rows and one of its distinct columns). A block with more is
	// solved from fewer candidates; see Exact.
	MaxConcepts int

	// Moves caps the work of the MinWSC local search per block: each
	// facility opened or closed on trial counts one, and so does each
	// candidate of a rebuilt search state.
	Moves int

	// Src drives the random choices of the MinWSC local search. Nil uses a
	// fixed seed, so runs are reproducible.
	Src rand.Source

	// Progress, when not nil, is told after each block of the matrix how
	// far the run has come: stage "blocks", done of total cells (distinct
	// assignments after merging identical rows and columns) in the blocks
	// solved. done never falls.
	Progress func(stage string, done, total int)
}

// DefaultExactOptions solves each matrix of the HP benchmark family
// (Ene et al. 2008) to a proven minimum number of roles in well under a
// second, and finds covers with a WSC well below the best published ones
// in about a second or less.
var DefaultExactOptions = ExactOptions{
	Objective:   MinRoles,
	NodeBudget:  100_000,
	MaxConcepts: 100_000,
	Moves:       200_000,
}

func (o ExactOptions) withDefaults() ExactOptions {
	if o.Objective != MinRoles && o.Objective != MinWSC {
		panic(fmt.Sprintf("mining: unknown objective %d", int(o.Objective)))
	}
	if o.NodeBudget < 0 || o.MaxConcepts < 0 || o.Moves < 0 {
		panic("mining: negative ExactOptions budget")
	}
	d := DefaultExactOptions
	if o.NodeBudget == 0 {
		o.NodeBudget = d.NodeBudget
	}
	if o.MaxConcepts == 0 {
		o.MaxConcepts = d.MaxConcepts
	}
	if o.Moves == 0 {
		o.Moves = d.Moves
	}
	if o.Src == nil {
		o.Src = rand.NewPCG(1, 2)
	}
	return o
}

// Exact mines roles that reproduce every identity's entitlements exactly:
// each role a member holds is a subset of the member's row, and the union
// of a member's roles is the row. It minimises opts.Objective and reports
// in Result.LowerBound a proven lower bound on it: on len(Roles) for
// MinRoles, on WSC(Result) for MinWSC. When the two are equal the result
// is optimal.
//
// The matrix is first reduced: identical rows and identical columns are
// merged and the bipartite graph is split into connected blocks, solved
// one by one. Roles are reported in the indices of m.
//
// MinRoles follows Ene et al., "Fast exact and heuristic methods for role
// minimization problems", SACMAT 2008. Roles can be taken as maximal
// bicliques (formal concepts) without loss, so the cells of a block are
// covered by the fewest of its concepts: set-cover reductions (concepts
// forced by a cell in no other concept, dominated concepts, dominated
// cells), then branch and bound by iterative deepening, with a bound from
// cells no two of which fit in one concept and one from the LP dual. Each
// role is held by every identity having all its entitlements. A block with
// more than MaxConcepts concepts is covered from the concepts forced by
// single cells plus every concept holding a cell they leave, which is
// still exact; when those are too many as well, from the concepts of the
// single rows and columns only, with the lower bound from pairwise
// incompatible cells, and a warning.
//
// MinWSC starts from that cover, from one role per distinct row and from
// one per distinct column, and improves them by local search over roles
// that need not be concepts nor be held by everyone who could (see
// improveWSC), keeping the best. Its lower bound is documented at
// wscBound.
//
// Identities without entitlements hold no role. Exact returns ctx.Err()
// when ctx is done before it finishes. It panics on a nil matrix or
// invalid options.
func Exact(ctx context.Context, m *features.Matrix, opts ExactOptions) (*Result, error) {
	if m == nil {
		panic("mining: Exact of a nil matrix")
	}
	opts = opts.withDefaults()
	red := reduce(m)
	bud := &budget{left: opts.NodeBudget, ctx: ctx}
	res := &Result{Matrix: m, Algorithm: "exact-" + opts.Objective.String()}
	rng := rand.New(opts.Src)
	blocks := red.blocks()
	cells, done := 0, 0
	for _, b := range blocks {
		cells += b.edges()
	}
	reportProgress(opts.Progress, "blocks", 0, cells)
	for _, b := range blocks {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		sol, err := minRoles(ctx, b, opts, bud)
		if err != nil {
			return nil, err
		}
		roles, lower := sol.roles, sol.lower
		if opts.Objective == MinWSC {
			w, err := improveWSC(ctx, b, sol, opts.Moves, rng)
			if err != nil {
				return nil, err
			}
			roles, lower = w.roles, w.lower
		}
		res.LowerBound += lower
		res.Warnings = append(res.Warnings, sol.warnings(m.RowID(int(red.users[b.users[0]][0])), opts.Objective)...)
		for _, r := range roles {
			res.Roles = append(res.Roles, red.expand(b, r))
		}
		done += b.edges()
		reportProgress(opts.Progress, "blocks", done, cells)
	}
	slices.SortFunc(res.Roles, func(a, b Role) int {
		return cmp.Or(slices.Compare(a.Members, b.Members), slices.Compare(a.Entitlements, b.Entitlements))
	})
	return res, nil
}

// blockRole is a role of one block in local indices: the users holding it
// and its permissions. ext × int lies within the block's cells.
type blockRole struct {
	ext, int bitset
}

// expand returns r in the original matrix's indices.
func (red *reduction) expand(b *block, r blockRole) Role {
	var role Role
	for u := r.ext.next(0); u >= 0; u = r.ext.next(u + 1) {
		role.Members = append(role.Members, red.users[b.users[u]]...)
	}
	for p := r.int.next(0); p >= 0; p = r.int.next(p + 1) {
		role.Entitlements = append(role.Entitlements, red.perms[b.perms[p]]...)
	}
	slices.Sort(role.Members)
	slices.Sort(role.Entitlements)
	return role
}

// rolesSolution is a cover of one block by the fewest roles found.
type rolesSolution struct {
	roles []blockRole
	lower int // proven lower bound on the number of roles of the block
	tier  int // 1 whole lattice, 2 forced and residual concepts, 3 object and attribute concepts

	// concepts are candidate roles for the WSC search; every concept
	// holding a user of complete is among them.
	concepts []concept
	complete bitset
	maxConc  int
}

// maxIncidence caps the cell–concept incidences of one set cover (int32
// each), so memory stays bounded on huge lattices.
const maxIncidence = 1 << 25

// minRoles covers the cells of b by concepts, as few as it can prove or
// afford, in the first of three tiers that fits MaxConcepts:
//
//  1. every concept of b; the cover reductions find the forced concepts;
//  2. the concepts forced by a cell lying in no other concept (as in Ene
//     et al.: (u, p) with col p × row u all set), then only the concepts
//     holding a user with cells left over, which are all the concepts
//     that can cover them, so the bound stays exact;
//  3. the object and attribute concepts, with the lower bound from
//     incompatible cells (cliqueBound) instead.
func minRoles(ctx context.Context, b *block, opts ExactOptions, bud *budget) (rolesSolution, error) {
	nu := len(b.rows)
	out := rolesSolution{tier: 1, maxConc: opts.MaxConcepts, complete: newBitset(nu)}
	cs, err := concepts(ctx, b, opts.MaxConcepts, nil)
	if err != nil && !errors.Is(err, errTooManyConcepts) {
		return out, err
	}
	if err == nil {
		if p := edgeCover(b, cs, nil); p != nil {
			for u := range nu {
				out.complete.set(u)
			}
			out.concepts = cs
			return out, out.cover(p, cs, bud)
		}
	}

	out.tier = 2
	forced, left := forcedConcepts(b)
	users := newBitset(nu)
	for u, l := range left {
		if !l.empty() {
			users.set(u)
		}
	}
	// With every user left over, the residual concepts are all of them.
	if users.count() < nu {
		cs, err = concepts(ctx, b, opts.MaxConcepts, users)
		if err != nil && !errors.Is(err, errTooManyConcepts) {
			return out, err
		}
	}
	if err == nil {
		if p := edgeCover(b, cs, left); p != nil {
			out.complete = users
			out.concepts = append(cs, forced...)
			out.roles = conceptRoles(forced)
			out.lower = len(forced)
			return out, out.cover(p, cs, bud)
		}
	}

	out.tier = 3
	cs = objectAttributeConcepts(b)
	out.concepts = cs
	if p := edgeCover(b, cs, nil); p != nil {
		if err := out.cover(p, cs, bud); err != nil {
			return out, err
		}
	} else {
		out.roles = conceptRoles(cs[:nu]) // the users' own concepts
	}
	// The cover's own bound assumed that only the candidates exist.
	out.lower = min(cliqueBound(b), len(out.roles))
	return out, nil
}

// cover adds to s the roles of a cover of p, whose sets are cs, and its
// lower bound.
func (s *rolesSolution) cover(p *coverProblem, cs []concept, bud *budget) error {
	sol, err := solveCover(p, bud)
	if err != nil {
		return err
	}
	for _, i := range sol.chosen {
		s.roles = append(s.roles, blockRole{ext: cs[i].ext, int: cs[i].int})
	}
	s.lower += sol.lower
	return nil
}

func conceptRoles(cs []concept) []blockRole {
	out := make([]blockRole, len(cs))
	for i, c := range cs {
		out[i] = blockRole{ext: c.ext, int: c.int}
	}
	return out
}

// forcedConcepts returns the concepts that every concept cover of b holds,
// found cell by cell: the only concept holding cell (u, p) is the object
// concept of u (its row and all who hold the whole row) when the users
// holding that row are exactly col p. It also returns, per user, the
// permissions the forced concepts leave uncovered.
func forcedConcepts(b *block) ([]concept, []bitset) {
	nu := len(b.rows)
	var forced []concept
	left := make([]bitset, nu)
	for u := range nu {
		left[u] = b.rows[u].clone()
	}
	ext := newBitset(nu)
	for _, row := range b.rows {
		ext = ext[:0]
		ext = append(ext, b.cols[row.next(0)]...)
		for p := row.next(0); p >= 0; p = row.next(p + 1) {
			ext.and(b.cols[p])
		}
		for p := row.next(0); p >= 0; p = row.next(p + 1) {
			if b.cols[p].equal(ext) {
				forced = append(forced, concept{ext: ext.clone(), int: row.clone()})
				break
			}
		}
	}
	for _, c := range forced {
		for v := c.ext.next(0); v >= 0; v = c.ext.next(v + 1) {
			left[v].andNot(c.int)
		}
	}
	return forced, left
}

// warnings returns what a user of a result for objective obj should know
// about the block of identity id: for MinRoles whether the cover is not
// proven minimal, for MinWSC whether the local search and its bound had
// few candidates.
func (s rolesSolution) warnings(id string, obj Objective) []string {
	switch {
	case obj == MinRoles && s.lower < len(s.roles):
		why := "node budget exhausted"
		if s.tier == 3 {
			why = fmt.Sprintf("more than %d maximal bicliques", s.maxConc)
		}
		return []string{fmt.Sprintf("exact: block of identity %q not proven minimal (%s): %d roles, lower bound %d", id, why, len(s.roles), s.lower)}
	case obj == MinWSC && s.tier == 3:
		return []string{fmt.Sprintf("exact: block of identity %q has more than %d maximal bicliques: WSC search and bound from single rows and columns only", id, s.maxConc)}
	}
	return nil
}

// edgeCover returns the set cover of the cells of b by the concepts cs,
// or nil when it would exceed maxIncidence. With left non-nil only the
// cells (u, p) with p in left[u] are elements. Cell (u, p) is element
// base[u] + rank of p in row u (or left[u]), so each concept's elements
// come out ascending. Concepts covering no element get no element.
func edgeCover(b *block, cs []concept, left []bitset) *coverProblem {
	rows := b.rows
	if left != nil {
		rows = left
	}
	base := make([]int32, len(rows)+1)
	for u, row := range rows {
		base[u+1] = base[u] + int32(row.count())
	}
	p := &coverProblem{elems: int(base[len(rows)]), sets: make([][]int32, len(cs))}
	total := 0
	for i, c := range cs {
		var elems []int32
		for u := c.ext.next(0); u >= 0; u = c.ext.next(u + 1) {
			row := rows[u]
			for q := c.int.next(0); q >= 0; q = c.int.next(q + 1) {
				if row.has(q) {
					elems = append(elems, base[u]+int32(row.rank(q)))
				}
			}
		}
		if total += len(elems); total > maxIncidence {
			return nil
		}
		p.sets[i] = elems
	}
	return p
}

// objectAttributeConcepts returns the concept of each user (its row and
// everyone holding all of it) and of each permission (its column and
// everything all of them hold). The users' concepts alone cover b.
func objectAttributeConcepts(b *block) []concept {
	e := &cbo{b: b}
	var cs []concept
	for u := range b.rows {
		in := b.rows[u].clone()
		ext := newBitset(len(b.rows))
		for v, row := range b.rows {
			if in.subsetOf(row) {
				ext.set(v)
			}
		}
		cs = append(cs, concept{ext: ext, int: in})
	}
	for p := range b.cols {
		ext := b.cols[p].clone()
		cs = append(cs, concept{ext: ext, int: e.intent(ext, newBitset(len(b.cols)))})
	}
	return cs
}
