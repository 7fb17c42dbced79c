package mining

import "math/bits"

// bitset is a fixed-size set of small non-negative integers, one bit each.
// Two bitsets combined by a method must have the same length; the exact
// solver sizes every bitset of one block from the block's dimensions.
type bitset []uint64

// newBitset returns an empty bitset able to hold 0…n-1.
func newBitset(n int) bitset { return make(bitset, (n+63)>>6) }

func (b bitset) set(i int)      { b[i>>6] |= 1 << uint(i&63) }
func (b bitset) clear(i int)    { b[i>>6] &^= 1 << uint(i&63) }
func (b bitset) has(i int) bool { return b[i>>6]>>uint(i&63)&1 != 0 }

// count returns the number of members.
func (b bitset) count() int {
	n := 0
	for _, w := range b {
		n += bits.OnesCount64(w)
	}
	return n
}

// empty reports whether b has no member.
func (b bitset) empty() bool {
	for _, w := range b {
		if w != 0 {
			return false
		}
	}
	return true
}

// subsetOf reports whether every member of b is a member of c.
func (b bitset) subsetOf(c bitset) bool {
	for k, w := range b {
		if w&^c[k] != 0 {
			return false
		}
	}
	return true
}

// intersects reports whether b and c share a member.
func (b bitset) intersects(c bitset) bool {
	for k, w := range b {
		if w&c[k] != 0 {
			return true
		}
	}
	return false
}

// andCount returns |b ∩ c|.
func (b bitset) andCount(c bitset) int {
	n := 0
	for k, w := range b {
		n += bits.OnesCount64(w & c[k])
	}
	return n
}

// equal reports whether b and c have the same members.
func (b bitset) equal(c bitset) bool {
	for k, w := range b {
		if w != c[k] {
			return false
		}
	}
	return true
}

// and sets b to b ∩ c.
func (b bitset) and(c bitset) {
	for k := range b {
		b[k] &= c[k]
	}
}

// andNot sets b to b \ c.
func (b bitset) andNot(c bitset) {
	for k := range b {
		b[k] &^= c[k]
	}
}

// or sets b to b ∪ c.
func (b bitset) or(c bitset) {
	for k := range b {
		b[k] |= c[k]
	}
}

// clone returns a copy of b.
func (b bitset) clone() bitset { return append(bitset(nil), b...) }

// next returns the smallest member ≥ i, or -1 when there is none.
func (b bitset) next(i int) int {
	k := i >> 6
	if k >= len(b) {
		return -1
	}
	w := b[k] >> uint(i&63)
	if w != 0 {
		return i + bits.TrailingZeros64(w)
	}
	for k++; k < len(b); k++ {
		if b[k] != 0 {
			return k<<6 + bits.TrailingZeros64(b[k])
		}
	}
	return -1
}

// rank returns the number of members of b smaller than i.
func (b bitset) rank(i int) int {
	n := 0
	k := i >> 6
	for _, w := range b[:k] {
		n += bits.OnesCount64(w)
	}
	if r := uint(i & 63); r != 0 {
		n += bits.OnesCount64(b[k] & (1<<r - 1))
	}
	return n
}
