package mining

import (
	"context"
	"errors"
)

// concept is a maximal biclique of a block (a formal concept): ext is the
// set of users holding every permission of int, and int the set of
// permissions every user of ext holds. Both are non-empty.
//
// For the fewest roles, roles can be taken as concepts without loss: any
// role extends to a concept containing it, and the bigger role still covers
// only cells of the matrix.
type concept struct {
	ext, int bitset
}

// errTooManyConcepts reports that a block has more concepts than allowed.
var errTooManyConcepts = errors.New("mining: too many concepts")

// concepts returns the concepts of b with a non-empty intent whose extent
// holds a user of within (nil for every user), by Close-by-One over the
// permissions (Kuznetsov 1993): each concept is generated once, from its
// canonical parent, whose extent is larger, so branches whose extent misses
// within are cut. It fails with errTooManyConcepts after meeting max
// concepts, and with ctx.Err() when ctx is done.
func concepts(ctx context.Context, b *block, max int, within bitset) ([]concept, error) {
	e := &cbo{b: b, max: max, ctx: ctx, within: within}
	all := newBitset(len(b.rows))
	for u := range b.rows {
		all.set(u)
	}
	if err := e.run(all, e.intent(all, newBitset(len(b.cols))), 0); err != nil {
		return nil, err
	}
	return e.out, nil
}

// cbo is the state of one Close-by-One enumeration.
type cbo struct {
	b      *block
	max    int
	ctx    context.Context
	within bitset // nil for all users
	out    []concept
}

// intent returns into dst the permissions held by every user of ext,
// intersecting the rows of ext or testing every column, whichever is
// cheaper.
func (e *cbo) intent(ext, dst bitset) bitset {
	n := ext.count()
	if n*len(dst) <= len(e.b.cols)*len(ext) {
		first := true
		for u := ext.next(0); u >= 0; u = ext.next(u + 1) {
			if first {
				copy(dst, e.b.rows[u])
				first = false
			} else {
				dst.and(e.b.rows[u])
			}
		}
		return dst
	}
	clear(dst)
	for p, col := range e.b.cols {
		if ext.subsetOf(col) {
			dst.set(p)
		}
	}
	return dst
}

// run outputs the concept (ext, in), unless its intent is empty, then
// every concept generated from it by adding a permission j ≥ y and closing,
// when the closure adds no permission below j (the canonicity test that
// makes each concept come out once).
func (e *cbo) run(ext, in bitset, y int) error {
	if !in.empty() {
		if len(e.out) >= e.max {
			return errTooManyConcepts
		}
		if len(e.out)&1023 == 1023 {
			if err := e.ctx.Err(); err != nil {
				return err
			}
		}
		e.out = append(e.out, concept{ext: ext, int: in})
	}
	// Only permissions some user of ext holds can extend it.
	np := len(e.b.cols)
	reach := newBitset(np)
	for u := ext.next(0); u >= 0; u = ext.next(u + 1) {
		reach.or(e.b.rows[u])
	}
	reach.andNot(in)
	ext2 := newBitset(len(ext) * 64)
	in2 := newBitset(np)
	for j := reach.next(y); j >= 0; j = reach.next(j + 1) {
		copy(ext2, ext)
		ext2.and(e.b.cols[j])
		if e.within != nil && !ext2.intersects(e.within) {
			continue
		}
		e.intent(ext2, in2)
		if !samePrefix(in, in2, j) {
			continue
		}
		if err := e.run(ext2.clone(), in2.clone(), j+1); err != nil {
			return err
		}
	}
	return nil
}

// samePrefix reports whether a and b agree on all members below j.
func samePrefix(a, b bitset, j int) bool {
	k := j >> 6
	for i := range k {
		if a[i] != b[i] {
			return false
		}
	}
	if r := uint(j & 63); r != 0 {
		mask := uint64(1)<<r - 1
		return a[k]&mask == b[k]&mask
	}
	return true
}
