package model

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"rolemine/eval"
)

// Boost are the settings of the gradient-boosted trees of Fit: a histogram
// booster with logistic loss, depth-limited trees, shrinkage, row and
// column subsampling and early stopping on an inner validation part, over
// the dense group signals described in the package doc.
type Boost struct {
	// Trees is the largest number of boosting rounds; zero disables the
	// booster.
	Trees int
	// Weight is the booster's share of the score: the score is
	// (1−Weight)·(regression log-odds) + Weight·(tree log-odds). In [0, 1).
	Weight float64
	// Order is the largest number of attributes in a group of the dense
	// signals (1 to 3). Profiles adds, for every attribute, the group of
	// all the others (for the resource: the requester's whole profile).
	Order    int
	Profiles bool
	// MaxGroups bounds the number of attribute groups (singles, pairs,
	// triples) of the dense signals: when the groups of Order attributes
	// number more, the order is lowered until they fit, since their count,
	// and with it the cost of every fit and score, grows with the cube of
	// the attributes. Zero means no bound.
	MaxGroups int
	// LearningRate shrinks every tree's leaf values. In (0, 1].
	LearningRate float64
	// MaxDepth limits the depth of every tree; a tree has at most
	// 2^MaxDepth leaves. In [1, 16].
	MaxDepth int
	// MinLeaf is the least number of (subsampled) training rows in a leaf.
	// At least 1.
	MinLeaf int
	// L2 is the penalty on leaf values: a leaf's value is −G/(H+L2) for the
	// sums of its rows' gradients and Hessians. Non-negative.
	L2 float64
	// RowSample and ColSample are the shares of rows and of features each
	// tree draws, without replacement. In (0, 1].
	RowSample, ColSample float64
	// Bins is the largest number of histogram bins per feature, cut at
	// quantiles of the training values. In [2, 256].
	Bins int
	// Holdout is the share of training rows (stratified) set aside to
	// choose the number of rounds: boosting stops after Patience rounds
	// without a lower validation log-loss and keeps the best prefix. The
	// trees are then refitted on all rows with that many rounds, scaled
	// up by the share of rows the first fit lacked. Zero (or Patience
	// zero) means all Trees rounds on all rows. In [0, 0.5].
	Holdout  float64
	Patience int
	// Bags is the number of forests, each on its own draws of rows and
	// features, whose log-odds are averaged. At least 1.
	Bags int
}

func (b Boost) check() {
	if b.Trees == 0 {
		return
	}
	ok := b.Trees > 0 && b.Weight >= 0 && b.Weight < 1 && b.Order >= 1 && b.Order <= 3 && b.MaxGroups >= 0 && b.LearningRate > 0 && b.LearningRate <= 1 &&
		b.MaxDepth >= 1 && b.MaxDepth <= 16 && b.MinLeaf >= 1 && b.L2 >= 0 &&
		b.RowSample > 0 && b.RowSample <= 1 && b.ColSample > 0 && b.ColSample <= 1 &&
		b.Bins >= 2 && b.Bins <= 256 && b.Holdout >= 0 && b.Holdout <= 0.5 && b.Patience >= 0 && b.Bags >= 1
	if !ok {
		panic(fmt.Sprintf("model: boost options out of range: %+v", b))
	}
}

// forest is a fitted ensemble of regression trees on raw feature values,
// their nodes in one flat array; the log-odds are base plus one leaf value
// per tree.
type forest struct {
	base  float64
	roots []int32
	nodes []node
	// value holds, per node, the value a leaf there would have had (used
	// by contributions).
	value []float64
	// lock is nodes laid out for predictBlock: a leaf splits on the zero
	// column (the one after the signals) at +Inf and sends every row back
	// to itself, so each row takes exactly steps[t] steps down tree t
	// with no branch; leaf holds the leaves' values (0 elsewhere).
	lock  []node
	leaf  []float64
	steps []uint8
}

// compile fills lock, leaf and steps for rows of d signals followed by a
// zero column.
func (f *forest) compile(d int) {
	f.lock = slices.Clone(f.nodes)
	f.leaf = make([]float64, len(f.nodes))
	for i, nd := range f.nodes {
		if nd.feat < 0 {
			f.lock[i] = node{thr: math.Inf(1), feat: int32(d), left: int32(i)}
			f.leaf[i] = nd.thr
		}
	}
	var depth func(i int32) uint8
	depth = func(i int32) uint8 {
		nd := f.nodes[i]
		if nd.feat < 0 {
			return 0
		}
		return 1 + max(depth(nd.left), depth(nd.left+1))
	}
	f.steps = make([]uint8, len(f.roots))
	for t, r := range f.roots {
		f.steps[t] = depth(r)
	}
}

// predictBlock writes to z[r] the log-odds of row r of the row-major
// block x (len(z) rows of stride d+1: the d signals, then 0), exactly as
// predict would: tree by tree, all rows in lockstep, so that the rows'
// independent steps overlap and each tree's nodes stay in cache. at is
// scratch of len(z).
func (f *forest) predictBlock(x []float64, z []float64, at []int32) {
	stride := len(x) / len(z)
	for r := range z {
		z[r] = f.base
	}
	for t, root := range f.roots {
		for r := range at {
			at[r] = root
		}
		for range f.steps[t] {
			for r, i := range at {
				nd := f.lock[i]
				// Branch-free: the sign bit of thr − x is 1 when x > thr.
				at[r] = nd.left + int32(math.Float64bits(nd.thr-x[r*stride+int(nd.feat)])>>63)
			}
		}
		for r, i := range at {
			z[r] += f.leaf[i]
		}
	}
}

// node is a tree node in 16 bytes. An internal node sends a row to child
// left when its feature value is at most thr, else to left+1; a leaf has
// feat −1 and its value in thr.
type node struct {
	thr  float64
	feat int32
	left int32
}

// predict returns the log-odds of x.
func (f *forest) predict(x []float64) float64 {
	z := f.base
	nodes := f.nodes
	for _, i := range f.roots {
		nd := nodes[i]
		for nd.feat >= 0 {
			// Branch-free: the sign bit of thr − x is 1 when x > thr.
			nd = nodes[nd.left+int32(math.Float64bits(nd.thr-x[nd.feat])>>63)]
		}
		z += nd.thr
	}
	return z
}

// contributeTo adds to dst[j] the share of the log-odds of x owed to
// feature j, following each tree's path and crediting every change of node
// value to the feature split on (Saabas' decomposition), and returns the
// rest: base plus the roots' values. The rest plus the sum of what was
// added is predict(x), up to rounding.
func (f *forest) contributeTo(dst, x []float64) float64 {
	z := f.base
	for _, i := range f.roots {
		z += f.value[i]
		for nd := f.nodes[i]; nd.feat >= 0; {
			k := nd.left
			if x[nd.feat] > nd.thr {
				k++
			}
			dst[nd.feat] += f.value[k] - f.value[i]
			i, nd = k, f.nodes[k]
		}
	}
	return z
}

// uses marks in need (of the forest's width) every feature some node
// splits on.
func (f *forest) uses(need []bool) {
	for _, nd := range f.nodes {
		if nd.feat >= 0 {
			need[nd.feat] = true
		}
	}
}

// tree is a tree being grown, in flat arrays; node 0 is the root. Until
// the end of boosting thr holds bin numbers.
type tree struct {
	feat        []int32 // -1: leaf
	thr         []float64
	left, right []int32
	value       []float64
}

// binner maps the values of each feature to at most Bins ordered bins.
// cuts[j] are the thresholds of feature j: a value v falls into the bin
// numbered by how many cuts are below it, so "bin ≤ b" is "v ≤ cuts[b]".
type binner struct {
	cuts [][]float64
}

func newBinner(x []float64, d, bins int) *binner {
	n := len(x) / max(d, 1)
	b := &binner{cuts: make([][]float64, d)}
	col := make([]float64, n)
	for j := range d {
		for i := range n {
			col[i] = x[i*d+j]
		}
		slices.Sort(col)
		// Distinct values with their counts.
		var vals []float64
		var cnts []int
		for i, v := range col {
			if i == 0 || v != col[i-1] {
				vals = append(vals, v)
				cnts = append(cnts, 0)
			}
			cnts[len(cnts)-1]++
		}
		var cuts []float64
		if len(vals) <= bins {
			for k := 1; k < len(vals); k++ {
				cuts = append(cuts, mid(vals[k-1], vals[k]))
			}
		} else {
			// Greedy equal-frequency cuts between distinct values.
			per := float64(n) / float64(bins)
			acc := 0
			next := per
			for k := 0; k < len(vals)-1 && len(cuts) < bins-1; k++ {
				acc += cnts[k]
				if float64(acc) >= next {
					cuts = append(cuts, mid(vals[k], vals[k+1]))
					for next <= float64(acc) {
						next += per
					}
				}
			}
		}
		b.cuts[j] = cuts
	}
	return b
}

func mid(a, b float64) float64 {
	m := a + (b-a)/2
	if m >= b { // a and b adjacent floats
		m = a
	}
	return m
}

// bin returns the bins of the n×d row-major matrix x, column-major.
func (b *binner) bin(x []float64, d int) [][]uint8 {
	n := len(x) / max(d, 1)
	out := make([][]uint8, d)
	for j := range d {
		col := make([]uint8, n)
		cuts := b.cuts[j]
		for i := range n {
			v := x[i*d+j]
			k, _ := slices.BinarySearch(cuts, v) // number of cuts < v
			col[i] = uint8(k)
		}
		out[j] = col
	}
	return out
}

// histBin is the gradient, Hessian and row count of one bin.
type histBin struct{ g, h, n float64 }

// booster grows one forest.
type booster struct {
	o     Boost
	d     int
	bins  [][]uint8 // per feature, per row
	cuts  [][]float64
	nbins []int
	grad  []float64
	hess  []float64
	feats []int // features drawn for the current tree
	rows  []int32
	tmp   []int32
	pool  [][]histBin
	rng   *rand.Rand
	trees []tree
	tr    *tree
}

// fitForest boosts o.Bags forests on the n×d row-major matrix x with labels
// y and returns their average as one forest. It draws all randomness from
// src.
func fitForest(x []float64, d int, y []float64, o Boost, src rand.Source) *forest {
	rng := rand.New(src)
	avg := &forest{}
	w := 1 / float64(o.Bags)
	for range o.Bags {
		f := fitOne(x, d, y, o, rng)
		off := int32(len(avg.nodes))
		avg.base += w * f.base
		for _, r := range f.roots {
			avg.roots = append(avg.roots, off+r)
		}
		for i, nd := range f.nodes {
			if nd.feat >= 0 {
				nd.left += off
			} else {
				nd.thr *= w
			}
			avg.nodes = append(avg.nodes, nd)
			avg.value = append(avg.value, w*f.value[i])
		}
	}
	avg.compile(d)
	return avg
}

// fitOne boosts one forest.
func fitOne(x []float64, d int, y []float64, o Boost, rng *rand.Rand) *forest {
	n := len(y)
	if o.Holdout > 0 && o.Patience > 0 {
		// Stratified holdout to choose the number of rounds.
		var pos, neg []int
		for i, v := range y {
			if v == 1 {
				pos = append(pos, i)
			} else {
				neg = append(neg, i)
			}
		}
		rng.Shuffle(len(pos), func(i, j int) { pos[i], pos[j] = pos[j], pos[i] })
		rng.Shuffle(len(neg), func(i, j int) { neg[i], neg[j] = neg[j], neg[i] })
		valid := make([]bool, n)
		for _, g := range [][]int{pos, neg} {
			for _, i := range g[:int(math.Round(o.Holdout*float64(len(g))))] {
				valid[i] = true
			}
		}
		var tx, vx, ty, vy []float64
		for i := range n {
			if valid[i] {
				vx = append(vx, x[i*d:(i+1)*d]...)
				vy = append(vy, y[i])
			} else {
				tx = append(tx, x[i*d:(i+1)*d]...)
				ty = append(ty, y[i])
			}
		}
		f := boost(tx, d, ty, vx, vy, o, rng)
		o.Trees = max(1, int(math.Round(float64(len(f.roots))*float64(n)/float64(len(ty)))))
	}
	return boost(x, d, y, nil, nil, o, rng)
}

// boost grows up to o.Trees trees on (x, y); with validation rows it stops
// after o.Patience rounds without improvement and keeps the best prefix.
func boost(x []float64, d int, y, vx, vy []float64, o Boost, rng *rand.Rand) *forest {
	n := len(y)
	bn := newBinner(x, d, o.Bins)
	b := &booster{o: o, d: d, bins: bn.bin(x, d), cuts: bn.cuts, rng: rng}
	b.nbins = make([]int, d)
	for j, c := range bn.cuts {
		b.nbins[j] = len(c) + 1
	}
	var pos float64
	for _, v := range y {
		pos += v
	}
	pos = min(max(pos, 0.5), float64(n)-0.5)
	f := &forest{base: math.Log(pos / (float64(n) - pos))}
	F := make([]float64, n)
	for i := range F {
		F[i] = f.base
	}
	var vbins [][]uint8
	var vF []float64
	if vy != nil {
		vbins = bn.bin(vx, d)
		vF = make([]float64, len(vy))
		for i := range vF {
			vF[i] = f.base
		}
	}
	b.grad = make([]float64, n)
	b.hess = make([]float64, n)
	all := make([]int32, n)
	for i := range all {
		all[i] = int32(i)
	}
	b.tmp = make([]int32, n)
	nfeat := max(1, int(math.Round(o.ColSample*float64(d))))
	nrow := max(1, int(math.Round(o.RowSample*float64(n))))
	best, bestRound := math.Inf(1), 0
	for round := 0; round < o.Trees; round++ {
		for i := range n {
			p := eval.Sigmoid(F[i])
			b.grad[i] = p - y[i]
			b.hess[i] = max(p*(1-p), 1e-16)
		}
		// Rows and features of this tree, kept in ascending order.
		b.rows = append(b.rows[:0], all...)
		if nrow < n {
			for i := range nrow { // partial Fisher–Yates
				k := i + rng.IntN(n-i)
				b.rows[i], b.rows[k] = b.rows[k], b.rows[i]
			}
			b.rows = b.rows[:nrow]
			slices.Sort(b.rows)
		}
		b.feats = b.feats[:0]
		if nfeat < d {
			perm := rng.Perm(d)[:nfeat]
			slices.Sort(perm)
			b.feats = append(b.feats, perm...)
		} else {
			for j := range d {
				b.feats = append(b.feats, j)
			}
		}
		b.trees = append(b.trees, tree{})
		b.tr = &b.trees[len(b.trees)-1]
		h := b.hist(b.rows)
		b.grow(b.rows, h, 0)
		b.release(h)
		// Update the margins of all rows through the bins.
		for i := range n {
			F[i] += b.tr.valueBins(b.bins, i)
		}
		if vy != nil {
			var loss float64
			for i := range vF {
				vF[i] += b.tr.valueBins(vbins, i)
				loss += eval.Softplus(vF[i]) - vy[i]*vF[i]
			}
			if loss < best && (math.IsInf(best, 1) || best-loss > 1e-9*best) {
				best, bestRound = loss, round+1
			} else if round+1-bestRound >= o.Patience {
				break
			}
		}
	}
	trees := b.trees
	if vy != nil {
		trees = trees[:bestRound]
	}
	// Flatten, with thresholds on raw values, children side by side.
	for _, tr := range trees {
		root := int32(len(f.nodes))
		f.roots = append(f.roots, root)
		f.nodes = append(f.nodes, node{})
		f.value = append(f.value, 0)
		queue := []int32{0}
		at := []int32{root}
		for len(queue) > 0 {
			i, k := queue[0], at[0]
			queue, at = queue[1:], at[1:]
			j := tr.feat[i]
			f.value[k] = tr.value[i]
			if j < 0 {
				f.nodes[k] = node{thr: tr.value[i], feat: -1}
				continue
			}
			left := int32(len(f.nodes))
			f.nodes = append(f.nodes, node{}, node{})
			f.value = append(f.value, 0, 0)
			f.nodes[k] = node{thr: b.cuts[j][int(tr.thr[i])], feat: j, left: left}
			queue = append(queue, tr.left[i], tr.right[i])
			at = append(at, left, left+1)
		}
	}
	return f
}

// valueBins returns the leaf value of row i of column-major bins, while
// thr still holds bin numbers.
func (t *tree) valueBins(bins [][]uint8, i int) float64 {
	k := int32(0)
	for {
		j := t.feat[k]
		if j < 0 {
			return t.value[k]
		}
		if float64(bins[j][i]) <= t.thr[k] {
			k = t.left[k]
		} else {
			k = t.right[k]
		}
	}
}

func (b *booster) alloc() []histBin {
	size := 0
	for _, j := range b.feats {
		size += b.nbins[j]
	}
	if k := len(b.pool); k > 0 {
		h := b.pool[k-1]
		b.pool = b.pool[:k-1]
		if cap(h) >= size {
			h = h[:size]
			clear(h)
			return h
		}
	}
	return make([]histBin, size)
}

func (b *booster) release(h []histBin) { b.pool = append(b.pool, h) }

// hist builds the histograms of the drawn features over rows, laid out
// feature after feature in b.feats order.
func (b *booster) hist(rows []int32) []histBin {
	h := b.alloc()
	off := 0
	for _, j := range b.feats {
		hb := h[off : off+b.nbins[j]]
		col := b.bins[j]
		for _, r := range rows {
			e := &hb[col[r]]
			e.g += b.grad[r]
			e.h += b.hess[r]
			e.n++
		}
		off += b.nbins[j]
	}
	return h
}

// grow adds the node for rows (with histograms h, which it may overwrite)
// and its subtree, returning the node's index.
func (b *booster) grow(rows []int32, h []histBin, depth int) int32 {
	o := b.o
	var G, H float64
	for _, r := range rows {
		G += b.grad[r]
		H += b.hess[r]
	}
	t := b.tr
	id := int32(len(t.feat))
	t.feat = append(t.feat, -1)
	t.thr = append(t.thr, 0)
	t.left = append(t.left, -1)
	t.right = append(t.right, -1)
	t.value = append(t.value, -G/(H+o.L2)*o.LearningRate)
	if depth >= o.MaxDepth || len(rows) < 2*o.MinLeaf {
		return id
	}
	// Best split over the drawn features.
	parent := G * G / (H + o.L2)
	bestGain, bestFeat, bestBin := 1e-12, -1, 0
	off := 0
	minLeaf := float64(o.MinLeaf)
	for _, j := range b.feats {
		hb := h[off : off+b.nbins[j]]
		off += b.nbins[j]
		var gl, hl, nl float64
		for k := 0; k < len(hb)-1; k++ {
			gl += hb[k].g
			hl += hb[k].h
			nl += hb[k].n
			if nl < minLeaf {
				continue
			}
			if float64(len(rows))-nl < minLeaf {
				break
			}
			gr, hr := G-gl, H-hl
			gain := gl*gl/(hl+o.L2) + gr*gr/(hr+o.L2) - parent
			if gain > bestGain {
				bestGain, bestFeat, bestBin = gain, j, k
			}
		}
	}
	if bestFeat < 0 {
		return id
	}
	t.feat[id] = int32(bestFeat)
	t.thr[id] = float64(bestBin)
	// Stable partition: left rows, then right rows, both ascending.
	col := b.bins[bestFeat]
	nl := 0
	tmp := b.tmp[:0]
	for _, r := range rows {
		if int(col[r]) <= bestBin {
			rows[nl] = r
			nl++
		} else {
			tmp = append(tmp, r)
		}
	}
	copy(rows[nl:], tmp)
	left, right := rows[:nl], rows[nl:]
	// Histogram of the smaller child by a scan; the larger one's by
	// subtraction from the parent's, in place.
	leftSmall := len(left) <= len(right)
	small := left
	if !leftSmall {
		small = right
	}
	hs := b.hist(small)
	for k := range h {
		h[k].g -= hs[k].g
		h[k].h -= hs[k].h
		h[k].n -= hs[k].n
	}
	var hl, hr []histBin
	if leftSmall {
		hl, hr = hs, h
	} else {
		hl, hr = h, hs
	}
	l := b.grow(left, hl, depth+1)
	r := b.grow(right, hr, depth+1)
	b.release(hs)
	t = b.tr
	t.left[id], t.right[id] = l, r
	return id
}
