package mining

import "slices"

// cliqueBound returns a lower bound on the number of roles of any exact
// cover of b: the size of a set of cells pairwise incompatible, found
// greedily. Cells (u1, p1) and (u2, p2) are incompatible when u1 lacks p2
// or u2 lacks p1, since then no biclique holds both, so each cell of such a
// set needs a role of its own (the bound of Ene et al. 2008). Cells with the
// fewest compatible cells are tried first.
func cliqueBound(b *block) int {
	type cell struct {
		u, p int32
		deg  int
	}
	var cells []cell
	for u, row := range b.rows {
		for p := row.next(0); p >= 0; p = row.next(p + 1) {
			// Compatible cells (v, q): v holds p and u holds q.
			deg := 0
			col := b.cols[p]
			for v := col.next(0); v >= 0; v = col.next(v + 1) {
				deg += b.rows[v].andCount(row)
			}
			cells = append(cells, cell{int32(u), int32(p), deg})
		}
	}
	slices.SortStableFunc(cells, func(a, b cell) int { return a.deg - b.deg })
	var clique []cell
	for _, c := range cells {
		ok := true
		for _, d := range clique {
			if b.rows[c.u].has(int(d.p)) && b.rows[d.u].has(int(c.p)) {
				ok = false
				break
			}
		}
		if ok {
			clique = append(clique, c)
		}
	}
	return len(clique)
}
