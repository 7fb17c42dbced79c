package mining

import (
	"encoding/binary"
	"slices"

	"rolemine/features"
)

// reduction is a matrix with identical rows and identical columns merged.
//
// Identities with the same non-empty entitlement set form a user class and
// entitlements held by the same non-empty set of identities form a
// permission class. Merging changes neither the fewest roles nor the lowest
// WSC: any exact cover of the merged matrix expands to one of the original
// matrix with the same number of roles (every member class expands to its
// identities, every entitlement class to its entitlements), and an optimal
// cover of the original can always be chosen with identical rows holding
// identical roles and identical columns lying in identical roles.
//
// Identities and entitlements without any assignment belong to no class.
type reduction struct {
	users [][]int32 // user class → original rows, ascending
	perms [][]int32 // permission class → original columns, ascending
	rows  []bitset  // user class → its permission classes
	cols  []bitset  // permission class → its user classes
}

// reduce merges the identical rows and columns of m.
func reduce(m *features.Matrix) *reduction {
	r := &reduction{}
	userOf := make([]int32, m.Rows()) // row → user class, -1 when empty
	index := map[string]int32{}
	var key []byte
	for i := range m.Rows() {
		row := m.Row(i)
		if len(row) == 0 {
			userOf[i] = -1
			continue
		}
		key = appendKey(key[:0], row)
		c, ok := index[string(key)]
		if !ok {
			c = int32(len(r.users))
			index[string(key)] = c
			r.users = append(r.users, nil)
		}
		r.users[c] = append(r.users[c], int32(i))
		userOf[i] = c
	}
	clear(index)
	var classes []int32
	permOf := make([]int32, m.Cols())
	for j := range m.Cols() {
		col := m.Col(j)
		if len(col) == 0 {
			permOf[j] = -1
			continue
		}
		classes = classes[:0]
		for _, i := range col {
			classes = append(classes, userOf[i])
		}
		slices.Sort(classes)
		classes = slices.Compact(classes)
		key = appendKey(key[:0], classes)
		c, ok := index[string(key)]
		if !ok {
			c = int32(len(r.perms))
			index[string(key)] = c
			r.perms = append(r.perms, nil)
		}
		r.perms[c] = append(r.perms[c], int32(j))
		permOf[j] = c
	}
	r.rows = make([]bitset, len(r.users))
	for u, members := range r.users {
		r.rows[u] = newBitset(len(r.perms))
		for _, j := range m.Row(int(members[0])) {
			r.rows[u].set(int(permOf[j]))
		}
	}
	r.cols = make([]bitset, len(r.perms))
	for p := range r.perms {
		r.cols[p] = newBitset(len(r.users))
	}
	for u, row := range r.rows {
		for p := row.next(0); p >= 0; p = row.next(p + 1) {
			r.cols[p].set(u)
		}
	}
	return r
}

func appendKey(dst []byte, s []int32) []byte {
	for _, v := range s {
		dst = binary.LittleEndian.AppendUint32(dst, uint32(v))
	}
	return dst
}

// block is one connected component of a reduction's bipartite graph, with
// its own dense local indices. Roles never span two blocks (a role's
// members hold all its entitlements, which connects them), so blocks are
// solved independently and their costs add up.
type block struct {
	users, perms []int32 // local index → class of the reduction
	uw, pw       []int   // local index → class size (identities, entitlements)
	rows         []bitset
	cols         []bitset
}

// blocks splits r into connected components, in order of their smallest
// user class.
func (r *reduction) blocks() []*block {
	nu := len(r.users)
	seenU := newBitset(nu)
	seenP := newBitset(len(r.perms))
	var out []*block
	for start := range nu {
		if seenU.has(start) {
			continue
		}
		var us, ps []int32
		seenU.set(start)
		queue := []int32{int32(start)}
		for len(queue) > 0 {
			u := queue[0]
			queue = queue[1:]
			us = append(us, u)
			row := r.rows[u]
			for p := row.next(0); p >= 0; p = row.next(p + 1) {
				if seenP.has(p) {
					continue
				}
				seenP.set(p)
				ps = append(ps, int32(p))
				col := r.cols[p]
				for v := col.next(0); v >= 0; v = col.next(v + 1) {
					if !seenU.has(v) {
						seenU.set(v)
						queue = append(queue, int32(v))
					}
				}
			}
		}
		slices.Sort(us)
		slices.Sort(ps)
		out = append(out, r.block(us, ps))
	}
	return out
}

func (r *reduction) block(us, ps []int32) *block {
	b := &block{users: us, perms: ps, uw: make([]int, len(us)), pw: make([]int, len(ps))}
	localP := make(map[int32]int, len(ps))
	for k, p := range ps {
		localP[p] = k
		b.pw[k] = len(r.perms[p])
	}
	b.rows = make([]bitset, len(us))
	b.cols = make([]bitset, len(ps))
	for k := range ps {
		b.cols[k] = newBitset(len(us))
	}
	for k, u := range us {
		b.uw[k] = len(r.users[u])
		b.rows[k] = newBitset(len(ps))
		row := r.rows[u]
		for p := row.next(0); p >= 0; p = row.next(p + 1) {
			q := localP[int32(p)]
			b.rows[k].set(q)
			b.cols[q].set(k)
		}
	}
	return b
}

// edges returns the number of cells of b.
func (b *block) edges() int {
	n := 0
	for _, row := range b.rows {
		n += row.count()
	}
	return n
}
