package features

// Nearest neighbours by entitlement similarity.
//
// For a pair (i, j) as of t, let A_r be the informative columns row r holds
// as of t, without j: a column is informative while held by at most
// infLimit identities as of t (MaxNeighbourColumnShare of them, and at
// most MaxNeighbourColumnHolders). The similarity of rows r ≠ i is the
// Jaccard index |A_i ∩ A_r| / |A_i ∪ A_r|; the neighbours are the k rows of
// highest positive similarity, ties to the lower row. Leaving j out of
// every A_r keeps anyone's holding of j, the requester's included, from
// choosing the neighbours whose holding of j is then counted.
//
// The overlaps |A_i ∩ A_r| come from the inverted index (the column view):
// the candidates are the rows sharing an informative column with i, so no
// pair of rows without one is ever looked at, and the work for i is the
// number of holders of its informative columns, at most infLimit each.
// prepare counts them once per (i, t), with j in; neighbours corrects for
// j, so the pairs of one identity share the work. Candidates are visited by
// decreasing overlap o, and the visit stops once o/|A_i|, a bound on the
// similarity of every remaining candidate, falls below the k-th best found;
// the sizes |A_r| as of t take one binary search each (rowSize).

// prepare marks the columns row i holds as of t and, when the neighbour
// signal is on, counts the overlap of every candidate row with i over the
// informative columns i holds (j included), unless sc already holds them.
func (s *Signals) prepare(sc *scratch, i int, t int64) {
	if sc.valid && sc.row == i && sc.asOf == t {
		return
	}
	sc.nextEpoch()
	sc.row, sc.asOf, sc.valid, sc.baseValid = i, t, true, false
	sc.x = 0
	for _, r := range sc.touched {
		sc.ov[r] = 0
	}
	sc.touched = sc.touched[:0]
	row, times := s.m.Row(i), s.m.RowTimes(i)
	for k, c := range row {
		if t != Now && times != nil && !before(times[k], t) {
			continue
		}
		sc.colMark[c] = sc.epoch
		if s.nbIdx < 0 || !s.informative(int(c), t) {
			continue
		}
		sc.x++
		held, _ := s.holdersAsOf(int(c), t)
		for _, r := range held {
			if sc.ov[r] == 0 {
				sc.touched = append(sc.touched, r)
			}
			sc.ov[r]++
		}
	}
	if s.nbIdx < 0 {
		return
	}
	// Bucket the candidates (i itself excluded) by overlap, then list
	// them by decreasing overlap.
	for len(sc.buckets) <= sc.x {
		sc.buckets = append(sc.buckets, nil)
	}
	for o := range sc.x + 1 {
		sc.buckets[o] = sc.buckets[o][:0]
	}
	for _, r := range sc.touched {
		if int(r) != i {
			sc.buckets[sc.ov[r]] = append(sc.buckets[sc.ov[r]], r)
		}
	}
	sc.cand = sc.cand[:0]
	for o := sc.x; o > 0; o-- {
		sc.cand = append(sc.cand, sc.buckets[o]...)
	}
}

// neighbours finds the neighbours of the prepared row i for column j as of
// t into sc.top and returns how many hold j as of t and how many there
// are. iHas says whether i holds j as of t.
//
// Unless i holds j and j is informative, leaving j out only raises the
// similarity of j's holders (their size drops by one), so the top k are
// among the prepared row's base list (its top k with j counted, found once
// per (i, t)) and j's holders, rescored: any other row ranks below all of
// the base list, whose holders only rise. Otherwise all candidates are
// scanned.
func (s *Signals) neighbours(sc *scratch, i, j int, t int64, iHas bool) (holders, found int) {
	k := s.opts.Neighbours
	jInf := s.informative(j, t)
	var held []int32
	if jInf {
		// j has at most infLimit holders: mark them once rather than
		// look j up in the row of every candidate.
		if sc.pair++; sc.pair == 0 {
			clear(sc.jMark)
			sc.pair++
		}
		held, _ = s.holdersAsOf(j, t)
		for _, r := range held {
			sc.jMark[r] = sc.pair
		}
	}
	top := sc.top[:0]
	if iHas && jInf {
		top = s.scan(sc, top, k, t, true, true)
	} else {
		if !sc.baseValid {
			sc.base = s.scan(sc, sc.base[:0], k, t, false, false)
			sc.baseValid = true
		}
		for _, nb := range sc.base {
			if !jInf || sc.jMark[nb.row] != sc.pair {
				top = append(top, nb)
			}
		}
		for _, r := range held { // none unless jInf
			if o := int(sc.ov[r]); o > 0 && int(r) != i {
				size := s.rowSize(r, t) - 1
				top = insertNeighbour(top, k, neighbour{r, float64(o) / float64(sc.x+size-o)})
			}
		}
	}
	sc.top = top
	for _, nb := range top {
		if jInf && sc.jMark[nb.row] == sc.pair || !jInf && s.holds(int(nb.row), j, t) {
			holders++
		}
	}
	return holders, len(top)
}

// scan appends to top the k most similar candidates of the prepared row,
// with the current pair's column left out of every row when jInf (its
// holders marked in jMark) and ij saying whether the row holds it.
// Candidates come by decreasing overlap o and the scan stops once o/x, a
// bound on the similarity of all that remain, falls below the k-th best.
func (s *Signals) scan(sc *scratch, top []neighbour, k int, t int64, jInf, ij bool) []neighbour {
	x := sc.x
	if ij {
		x--
	}
	if x <= 0 {
		return top
	}
	for _, r := range sc.cand {
		o, size := int(sc.ov[r]), -1
		if len(top) == k {
			kth := top[k-1].sim
			if float64(o)/float64(x) < kth {
				break
			}
			// Bound the similarity by the candidate's size, which
			// loses at most j.
			if size = s.rowSize(r, t); float64(o)/float64(x+max(size-1, o)-o) < kth {
				continue
			}
		}
		rj := jInf && sc.jMark[r] == sc.pair
		if ij && rj {
			if o--; o == 0 {
				continue
			}
		}
		if size < 0 {
			size = s.rowSize(r, t)
		}
		if rj {
			size--
		}
		top = insertNeighbour(top, k, neighbour{r, float64(o) / float64(x+size-o)})
	}
	return top
}

// insertNeighbour adds nb to top, kept sorted by decreasing similarity then
// increasing row and at most k long.
func insertNeighbour(top []neighbour, k int, nb neighbour) []neighbour {
	closer := func(a, b neighbour) bool { return a.sim > b.sim || a.sim == b.sim && a.row < b.row }
	if len(top) == k {
		if !closer(nb, top[k-1]) {
			return top
		}
		top = top[:k-1]
	}
	top = append(top, nb)
	for p := len(top) - 1; p > 0 && closer(top[p], top[p-1]); p-- {
		top[p], top[p-1] = top[p-1], top[p]
	}
	return top
}
