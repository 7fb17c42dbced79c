package mining

import (
	"cmp"
	"context"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/graph/community"
	"gonum.org/v1/gonum/graph/simple"

	"rolemine/features"
)

// denseLinks is the least share of linked pairs for a group of linked
// entitlements to be taken as one candidate without community detection.
const denseLinks = 0.75

// clusterCandidates groups entitlements held by at least MinMembers
// identities whose holder sets have Jaccard similarity at least
// opts.Similarity: the connected components of that similarity graph, each
// component in which fewer than denseLinks of the pairs are linked being
// split into its Louvain communities (gonum, resolution 1, weighted by
// similarity), less those that mergeDense puts back together. Groups of
// fewer than MinEntitlements are dropped. Each group is sorted; groups are
// ordered by their first entitlement.
func clusterCandidates(ctx context.Context, m *features.Matrix, opts ApproxOptions) ([][]int32, error) {
	tau := opts.Similarity
	keep := func(a, b int32, n int) bool {
		union := m.ColSupport(int(a)) + m.ColSupport(int(b)) - n
		return float64(n) >= tau*float64(union)
	}
	pairs, err := cooccurrence(ctx, m, eligibleCols(m, opts.MinMembers), keep, opts.Progress)
	if err != nil {
		return nil, err
	}
	var groups [][]int32
	for _, comp := range colComponents(m.Cols(), pairs) {
		if len(comp.cols) < opts.MinEntitlements {
			continue
		}
		if links := len(comp.pairs); float64(links) >= denseLinks*float64(len(comp.cols)*(len(comp.cols)-1)/2) {
			groups = append(groups, comp.cols)
			continue
		}
		for _, g := range mergeDense(comp, louvain(m, comp, opts.Src)) {
			if len(g) >= opts.MinEntitlements {
				groups = append(groups, g)
			}
		}
	}
	slices.SortFunc(groups, func(x, y []int32) int { return cmp.Compare(x[0], y[0]) })
	return groups, nil
}

// mergeDense merges, two at a time, the communities of a component whose
// share of linked pairs between them is at least half the least share of
// linked pairs within either (a single column counting as fully linked),
// most densely linked first: community detection splits a group that is
// merely noisy as readily as one made of two roles, and only the second
// has few links across.
func mergeDense(c colComponent, comms [][]int32) [][]int32 {
	label := make(map[int32]int, len(c.cols))
	for k, g := range comms {
		for _, j := range g {
			label[j] = k
		}
	}
	for len(comms) > 1 {
		links := make([][]int, len(comms))
		for k := range links {
			links[k] = make([]int, len(comms))
		}
		for _, p := range c.pairs {
			a, b := label[p.a], label[p.b]
			links[min(a, b)][max(a, b)]++
		}
		density := func(a, b int) float64 {
			na, nb := len(comms[a]), len(comms[b])
			if a == b {
				if na < 2 {
					return 1
				}
				return float64(links[a][a]) / float64(na*(na-1)/2)
			}
			return float64(links[min(a, b)][max(a, b)]) / float64(na*nb)
		}
		ba, bb, best := -1, -1, 0.0
		for a := range comms {
			for b := a + 1; b < len(comms); b++ {
				d := density(a, b)
				if d >= 0.5*min(density(a, a), density(b, b)) && d > best {
					ba, bb, best = a, b, d
				}
			}
		}
		if ba < 0 {
			break
		}
		for _, j := range comms[bb] {
			label[j] = ba
		}
		comms[ba] = append(comms[ba], comms[bb]...)
		slices.Sort(comms[ba])
		comms = slices.Delete(comms, bb, bb+1)
		for k := bb; k < len(comms); k++ {
			for _, j := range comms[k] {
				label[j] = k
			}
		}
	}
	return comms
}

// colComponent is a connected component of linked columns: its columns,
// ascending, and the pairs linking them.
type colComponent struct {
	cols  []int32
	pairs []colPair
}

// colComponents returns the connected components of n columns linked by
// pairs, leaving out unlinked columns, in order of their least column.
func colComponents(n int, pairs []colPair) []colComponent {
	parent := make([]int32, n)
	for j := range parent {
		parent[j] = int32(j)
	}
	find := func(x int32) int32 {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	for _, p := range pairs {
		ra, rb := find(p.a), find(p.b)
		if ra != rb {
			parent[max(ra, rb)] = min(ra, rb) // the root is the least column
		}
	}
	index := make(map[int32]int) // root → component
	var comps []colComponent
	at := func(j int32) *colComponent {
		r := find(j)
		k, ok := index[r]
		if !ok {
			k = len(comps)
			index[r] = k
			comps = append(comps, colComponent{})
		}
		return &comps[k]
	}
	linked := make([]bool, n)
	for _, p := range pairs {
		linked[p.a], linked[p.b] = true, true
		c := at(p.a)
		c.pairs = append(c.pairs, p)
	}
	for j, ok := range linked {
		if ok {
			c := at(int32(j))
			c.cols = append(c.cols, int32(j))
		}
	}
	slices.SortFunc(comps, func(x, y colComponent) int { return cmp.Compare(x.cols[0], y.cols[0]) })
	return comps
}

// louvain splits a component into its Louvain communities on the graph of
// its pairs weighted by Jaccard similarity. Each community is sorted.
func louvain(m *features.Matrix, c colComponent, src rand.Source) [][]int32 {
	g := simple.NewWeightedUndirectedGraph(0, 0)
	local := make(map[int32]int64, len(c.cols))
	for k, j := range c.cols {
		local[j] = int64(k)
		g.AddNode(simple.Node(k))
	}
	for _, p := range c.pairs {
		union := m.ColSupport(int(p.a)) + m.ColSupport(int(p.b)) - int(p.n)
		w := float64(p.n) / float64(union)
		g.SetWeightedEdge(g.NewWeightedEdge(simple.Node(local[p.a]), simple.Node(local[p.b]), w))
	}
	var out [][]int32
	for _, comm := range community.Modularize(g, 1, src).Communities() {
		s := make([]int32, len(comm))
		for k, n := range comm {
			s[k] = c.cols[n.ID()]
		}
		slices.Sort(s)
		out = append(out, s)
	}
	return out
}
