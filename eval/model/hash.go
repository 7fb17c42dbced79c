package model

import (
	"math/bits"
	"strings"
)

// Feature hashing. A token hashes to 64 bits with FNV-1a followed by the
// murmur3 finaliser; a cross of tokens hashes their hashes, order-free, with
// a salt per order of interaction. At 64 bits collisions among the few
// hundred thousand features of a training set are negligible (birthday bound
// about 10⁻⁹), so the model keeps an exact table of the hashes it saw instead
// of folding them into a small bucket array.

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
	pairSalt  = 0x9e3779b97f4a7c15
	tripSalt  = 0xc2b2ae3d27d4eb4f
	countSalt = 0x85ebca6b0ab8d4f3
)

func fmix(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

// hashToken returns the 64-bit hash of a token; never 0 (the empty slot
// marker of the table).
func hashToken(s string) uint64 {
	h := uint64(fnvOffset)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return nonzero(fmix(h))
}

// hashPair returns the hash of the unordered pair {a, b}.
func hashPair(a, b uint64) uint64 {
	if a > b {
		a, b = b, a
	}
	return nonzero(fmix(fmix(a^pairSalt) + b*0x165667b19e3779f9))
}

// hashTriple returns the hash of the unordered triple {a, b, c}.
func hashTriple(a, b, c uint64) uint64 {
	if a > b {
		a, b = b, a
	}
	if b > c {
		b, c = c, b
	}
	if a > b {
		a, b = b, a
	}
	return nonzero(fmix(fmix(fmix(a^tripSalt)+b*0x165667b19e3779f9) + c*0x27d4eb2f165667c5))
}

// hashName returns the hash of the attribute name of a "name=value" token
// (the whole token if it has no '=').
func hashName(s string) uint64 {
	if i := strings.IndexByte(s, '='); i >= 0 {
		s = s[:i]
	}
	return hashToken(s)
}

// hashCount returns the hash of the count-bucket feature of a feature group
// (the name hash of a token, or the pair hash of two name hashes).
func hashCount(group uint64, bucket int) uint64 {
	return nonzero(fmix(group^countSalt) + uint64(bucket+1)*0x27d4eb2f165667c5)
}

// bucket maps a count of past instances to a logarithmic bucket:
// 0 → 0, 1 → 1, 2–3 → 2, 4–7 → 3, …
func bucket(n int) int { return bits.Len(uint(n)) }

func nonzero(h uint64) uint64 {
	if h == 0 {
		return 1
	}
	return h
}

// extractor computes the hashed features of instances, reusing its
// buffers. hs receives the hashes of the base features: every token, then
// (if pairs) every pair i < j in order, then (if triples) every triple
// i < j < k in order; gs (if groups) the hash of each base feature's group,
// the combination of its tokens' attribute names.
type extractor struct {
	pairs, triples bool
	groups         bool // compute gs

	hs, gs []uint64
	th, nh []uint64

	stamp []uint32 // per rate group: gen when last seen (Model.parts)
	gen   uint32
	found []*slot // the table slot of each base feature (Model.parts)
}

func (e *extractor) extract(tokens []string) {
	e.hs, e.gs, e.th, e.nh = e.hs[:0], e.gs[:0], e.th[:0], e.nh[:0]
	for _, t := range tokens {
		e.th = append(e.th, hashToken(t))
		if e.groups {
			e.nh = append(e.nh, hashName(t))
		}
	}
	e.hs = append(e.hs, e.th...)
	e.gs = append(e.gs, e.nh...)
	th, nh := e.th, e.nh
	if e.pairs {
		for i := range th {
			for j := i + 1; j < len(th); j++ {
				e.hs = append(e.hs, hashPair(th[i], th[j]))
				if e.groups {
					e.gs = append(e.gs, hashPair(nh[i], nh[j]))
				}
			}
		}
	}
	if e.triples {
		for i := range th {
			for j := i + 1; j < len(th); j++ {
				for k := j + 1; k < len(th); k++ {
					e.hs = append(e.hs, hashTriple(th[i], th[j], th[k]))
					if e.groups {
						e.gs = append(e.gs, hashTriple(nh[i], nh[j], nh[k]))
					}
				}
			}
		}
	}
}

// featureTokens returns the token positions making up the p-th feature of
// featureHashes for n tokens.
func featureTokens(p, n int, pairs bool) []int {
	if p < n {
		return []int{p}
	}
	p -= n
	if pairs {
		for i := 0; i < n; i++ {
			for j := i + 1; j < n; j++ {
				if p == 0 {
					return []int{i, j}
				}
				p--
			}
		}
	}
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			for k := j + 1; k < n; k++ {
				if p == 0 {
					return []int{i, j, k}
				}
				p--
			}
		}
	}
	panic("model: feature position out of range")
}

// table is an open-addressing hash table from feature hash to weight and
// dense index, sized to a power of two at most half full. Lookups touch one
// 16-byte slot in the common case.
type table struct {
	mask uint64
	slot []slot
}

type slot struct {
	key      uint64 // 0: empty
	w        float32
	approved uint32  // training instances with the feature that were approved
	n        uint32  // training instances with the feature
	base     bool    // a base feature (token, pair, triple), not a count indicator
	col      int32   // its rate column, or -1
	c        float64 // its contribution to the score, uncentred
}

func newTable(n int) *table {
	size := 16
	for size < 2*n {
		size <<= 1
	}
	return &table{mask: uint64(size - 1), slot: make([]slot, size)}
}

func (t *table) put(s slot) {
	for i := s.key & t.mask; ; i = (i + 1) & t.mask {
		if t.slot[i].key == 0 || t.slot[i].key == s.key {
			t.slot[i] = s
			return
		}
	}
}

// get returns the slot of key, or nil.
func (t *table) get(key uint64) *slot {
	for i := key & t.mask; ; i = (i + 1) & t.mask {
		s := &t.slot[i]
		if s.key == key {
			return s
		}
		if s.key == 0 {
			return nil
		}
	}
}
