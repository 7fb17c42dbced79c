package model

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
)

// The binary form of a fitted model.
//
// MarshalBinary writes everything scoring and explaining read, so that a
// model read back scores and explains exactly (bit for bit) as the one
// written: the options, the regressions' weights and standardisation, the
// feature table with each feature's weight, training counts and
// precomputed contribution, the encoder of the trees (attribute names,
// groups, the counts and signals of every combination seen in training,
// the distinct-value counts) and the trees. What follows from those by
// pure functions is rebuilt on reading: the attribute lookup and the value
// of a missing attribute (both hashes of the names), the cards of each
// attribute, the signals the trees use and the trees' lockstep layout.
//
// The layout is little-endian: the magic "rolemine-model\n", the uint32
// FormatVersion, then the sections in the order of writeTo. Map entries
// are written in increasing key order and hash-table slots in table
// order, so one model always gives the same bytes. Feature hashing is
// part of the format: a change to hash.go must bump FormatVersion.

// FormatVersion is the version of the binary form written by
// MarshalBinary. UnmarshalBinary reads this version only.
const FormatVersion = 1

const magic = "rolemine-model\n"

// MarshalBinary returns the binary form of the model (see the package doc).
// It never fails; the error is that of encoding.BinaryMarshaler.
func (m *Model) MarshalBinary() ([]byte, error) {
	w := &writer{buf: make([]byte, 0, 1<<20)}
	w.buf = append(w.buf, magic...)
	w.u32(FormatVersion)
	opts, err := json.Marshal(m.opts)
	if err != nil {
		return nil, fmt.Errorf("model: options: %w", err)
	}
	w.bytes(opts)
	w.f64(m.bias)
	w.table(m.tab)
	keys := sortedKeys(m.unseen)
	w.u64(uint64(len(keys)))
	for _, k := range keys {
		u := m.unseen[k]
		w.u64(k)
		w.f64(u.c)
		w.u32(uint32(u.col))
	}
	w.f64(m.dBias)
	keys = sortedKeys(m.groupCol)
	w.u64(uint64(len(keys)))
	for _, k := range keys {
		w.u64(k)
		w.u32(uint32(m.groupCol[k]))
	}
	w.u64(uint64(m.nGroups))
	w.f64s(m.dW)
	w.f64s(m.dMean)
	w.f64s(m.dScale)
	w.f64(m.prior)
	w.u64(uint64(m.features))
	w.u64(uint64(m.trainN))
	w.u64(uint64(m.trainPos))
	w.u64(uint64(m.iters))
	w.bool(m.converged)
	w.bool(m.forest != nil)
	if m.forest != nil {
		w.f64(m.wBoost)
		w.encoder(m.enc)
		w.forest(m.forest)
	}
	return w.buf, nil
}

// UnmarshalBinary sets m to the model whose binary form is data, as
// written by MarshalBinary of this FormatVersion. It returns an error,
// leaving m unchanged, if data is not such a form (another version,
// truncated, trailing bytes, or values out of range); the model read is
// checked enough that scoring it cannot index out of range, but a byte
// changed within range goes unnoticed: compare a content hash before
// trusting stored bytes.
func (m *Model) UnmarshalBinary(data []byte) error {
	if len(data) < len(magic)+4 || string(data[:len(magic)]) != magic {
		return errors.New("model: not a serialised rolemine model")
	}
	r := &reader{buf: data[len(magic):]}
	if v := r.u32(); v != FormatVersion {
		return fmt.Errorf("model: serialised model format version %d, this rolemine reads version %d", v, FormatVersion)
	}
	var n Model
	dec := json.NewDecoder(bytes.NewReader(r.bytes()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&n.opts); r.err == nil && err != nil {
		return fmt.Errorf("model: corrupt serialised model: options: %w", err)
	}
	n.bias = r.f64()
	n.tab = r.table()
	n.unseen = make(map[uint64]unseenGroup)
	for range r.count(20) {
		k := r.u64()
		n.unseen[k] = unseenGroup{c: r.f64(), col: int32(r.u32())}
	}
	n.dBias = r.f64()
	n.groupCol = make(map[uint64]int32)
	for range r.count(12) {
		k := r.u64()
		n.groupCol[k] = int32(r.u32())
	}
	n.nGroups = r.int()
	n.dW, n.dMean, n.dScale = r.f64s(), r.f64s(), r.f64s()
	n.prior = r.f64()
	n.features, n.trainN, n.trainPos, n.iters = r.int(), r.int(), r.int(), r.int()
	n.converged = r.bool()
	if r.bool() {
		n.wBoost = r.f64()
		n.enc = r.encoder()
		n.forest = r.forest()
	}
	if r.err == nil && len(r.buf) > 0 {
		r.err = fmt.Errorf("%d bytes after the model", len(r.buf))
	}
	if r.err == nil {
		r.err = n.check()
	}
	if r.err != nil {
		return fmt.Errorf("model: corrupt serialised model: %w", r.err)
	}
	if n.forest != nil {
		n.enc.need = make([]bool, n.enc.width)
		n.forest.uses(n.enc.need)
		n.forest.compile(n.enc.width)
	}
	*m = n
	return nil
}

// check validates the ranges scoring relies on.
func (m *Model) check() error {
	o := m.opts
	if !(o.Lambda > 0) || o.MaxIterations < 1 || o.Workers < 0 || o.Boost.Trees < 0 ||
		(o.Rates || o.Boost.Trees > 0) && (!(o.RateSmoothing > 0) || o.RateFolds < 2) {
		return fmt.Errorf("options out of range: %+v", o)
	}
	if m.tab == nil {
		return errors.New("no feature table")
	}
	if !o.Rates && m.nGroups != 0 {
		return fmt.Errorf("%d rate groups without rate signals", m.nGroups)
	}
	if m.nGroups < 0 || len(m.dMean) != len(m.dW) || len(m.dScale) != len(m.dW) || len(m.dW) < 2*m.nGroups {
		return fmt.Errorf("%d dense weights, %d means, %d scales for %d rate groups", len(m.dW), len(m.dMean), len(m.dScale), m.nGroups)
	}
	col := func(c int32) bool { return c == -1 || c >= 0 && int(c) < m.nGroups }
	for _, s := range m.tab.slot {
		if s.key != 0 && !col(s.col) {
			return fmt.Errorf("feature %x: rate column %d of %d", s.key, s.col, m.nGroups)
		}
	}
	for g, u := range m.unseen {
		if !col(u.col) {
			return fmt.Errorf("group %x: rate column %d of %d", g, u.col, m.nGroups)
		}
	}
	for g, c := range m.groupCol {
		if c < 0 || int(c) >= m.nGroups {
			return fmt.Errorf("group %x: rate column %d of %d", g, c, m.nGroups)
		}
	}
	if (m.forest == nil) != (m.enc == nil) {
		return errors.New("trees without their encoder")
	}
	if m.forest == nil {
		return nil
	}
	e := m.enc
	na := len(e.names)
	if e.nnum != m.nNumeric() || e.width != 2*len(e.groups)+len(e.cards)+e.nnum {
		return fmt.Errorf("encoder of width %d: %d groups, %d cards, %d numeric signals (model: %d)", e.width, len(e.groups), len(e.cards), e.nnum, m.nNumeric())
	}
	for _, g := range e.groups {
		if len(g) == 0 || slices.ContainsFunc(g, func(a int) bool { return a < 0 || a >= na }) {
			return fmt.Errorf("attribute group %v of %d attributes", g, na)
		}
	}
	for _, c := range e.cards {
		if c[0] < 0 || c[0] >= na || c[1] < 0 || c[1] >= na {
			return fmt.Errorf("card %v of %d attributes", c, na)
		}
	}
	// Every value's distinct counts lie within its attribute's region.
	if len(e.cardStart) != na+1 || e.cardStart[0] != 0 || int(e.cardStart[na]) != len(e.cardN) ||
		slices.ContainsFunc(e.cardStart[1:], func(x uint32) bool { return x > e.cardStart[na] }) || !slices.IsSorted(e.cardStart) {
		return fmt.Errorf("distinct-count regions %v for %d counts", e.cardStart, len(e.cardN))
	}
	for i := range e.cardAt.slots {
		s := &e.cardAt.slots[i]
		if s.key == 0 {
			continue
		}
		a, _ := slices.BinarySearch(e.cardStart, s.a+1)
		a-- // the region holding offset s.a
		var k uint32
		if a >= 0 && a < na {
			k = uint32(len(e.cardOf[a]))
		}
		if k == 0 || (s.a-e.cardStart[a])%k != 0 || s.a+k > e.cardStart[a+1] {
			return fmt.Errorf("distinct counts at %d outside their attribute's region %v", s.a, e.cardStart)
		}
	}
	f := m.forest
	for _, r := range f.roots {
		if r < 0 || int(r) >= len(f.nodes) {
			return fmt.Errorf("tree root %d of %d nodes", r, len(f.nodes))
		}
	}
	if len(f.value) != len(f.nodes) {
		return fmt.Errorf("%d node values for %d nodes", len(f.value), len(f.nodes))
	}
	for i, nd := range f.nodes {
		if nd.feat < 0 {
			if nd.feat != -1 {
				return fmt.Errorf("node %d: feature %d", i, nd.feat)
			}
			continue
		}
		// Children follow their parent, so no path loops.
		if int(nd.feat) >= e.width || int(nd.left) <= i || int(nd.left)+1 >= len(f.nodes) {
			return fmt.Errorf("node %d: feature %d of %d, children %d of %d nodes", i, nd.feat, e.width, nd.left, len(f.nodes))
		}
	}
	return nil
}

func sortedKeys[V any](m map[uint64]V) []uint64 {
	keys := make([]uint64, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// writer appends the little-endian binary form.
type writer struct{ buf []byte }

func (w *writer) u32(v uint32)  { w.buf = binary.LittleEndian.AppendUint32(w.buf, v) }
func (w *writer) u64(v uint64)  { w.buf = binary.LittleEndian.AppendUint64(w.buf, v) }
func (w *writer) f32(v float32) { w.u32(math.Float32bits(v)) }
func (w *writer) f64(v float64) { w.u64(math.Float64bits(v)) }

func (w *writer) bool(v bool) {
	var b byte
	if v {
		b = 1
	}
	w.buf = append(w.buf, b)
}

func (w *writer) bytes(b []byte) {
	w.u64(uint64(len(b)))
	w.buf = append(w.buf, b...)
}

func (w *writer) f64s(v []float64) {
	w.u64(uint64(len(v)))
	for _, x := range v {
		w.f64(x)
	}
}

func (w *writer) ints(v []int) {
	w.u64(uint64(len(v)))
	for _, x := range v {
		w.u32(uint32(x))
	}
}

// table writes the size and the occupied slots with their positions.
func (w *writer) table(t *table) {
	w.u64(uint64(len(t.slot)))
	used := 0
	for _, s := range t.slot {
		if s.key != 0 {
			used++
		}
	}
	w.u64(uint64(used))
	for i, s := range t.slot {
		if s.key == 0 {
			continue
		}
		w.u64(uint64(i))
		w.u64(s.key)
		w.f32(s.w)
		w.u32(s.approved)
		w.u32(s.n)
		w.bool(s.base)
		w.u32(uint32(s.col))
		w.f64(s.c)
	}
}

func (w *writer) countTable(t *countTable) {
	w.u64(uint64(len(t.slots)))
	w.u64(uint64(t.used))
	for i, s := range t.slots {
		if s.key == 0 {
			continue
		}
		w.u64(uint64(i))
		w.u64(s.key)
		w.u32(s.a)
		w.u32(s.n)
		w.f32(s.rate)
		w.f32(s.logN)
	}
}

func (w *writer) encoder(e *encoder) {
	w.u64(uint64(len(e.names)))
	for _, n := range e.names {
		w.bytes([]byte(n))
	}
	w.u64(uint64(len(e.groups)))
	for _, g := range e.groups {
		w.ints(g)
	}
	w.countTable(e.stats)
	w.u64(uint64(len(e.cards)))
	for _, c := range e.cards {
		w.u32(uint32(c[0]))
		w.u32(uint32(c[1]))
	}
	w.countTable(e.cardAt)
	w.u64(uint64(len(e.cardN)))
	for _, d := range e.cardN {
		w.u32(d)
	}
	w.u64(uint64(len(e.cardStart)))
	for _, x := range e.cardStart {
		w.u32(x)
	}
	w.f64(e.smooth)
	w.f64(e.prior)
	w.f64(e.unseen)
	w.u64(uint64(e.nnum))
	w.u64(uint64(e.width))
}

func (w *writer) forest(f *forest) {
	w.f64(f.base)
	w.u64(uint64(len(f.roots)))
	for _, r := range f.roots {
		w.u32(uint32(r))
	}
	w.u64(uint64(len(f.nodes)))
	for i, nd := range f.nodes {
		w.f64(nd.thr)
		w.u32(uint32(nd.feat))
		w.u32(uint32(nd.left))
		w.f64(f.value[i])
	}
}

// reader consumes the binary form; the first error sticks and every later
// read returns zero values.
type reader struct {
	buf []byte
	err error
}

func (r *reader) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.buf) {
		r.err = errors.New("truncated")
		return nil
	}
	b := r.buf[:n]
	r.buf = r.buf[n:]
	return b
}

func (r *reader) u32() uint32 {
	if b := r.take(4); b != nil {
		return binary.LittleEndian.Uint32(b)
	}
	return 0
}

func (r *reader) u64() uint64 {
	if b := r.take(8); b != nil {
		return binary.LittleEndian.Uint64(b)
	}
	return 0
}

func (r *reader) f32() float32 { return math.Float32frombits(r.u32()) }
func (r *reader) f64() float64 { return math.Float64frombits(r.u64()) }

func (r *reader) bool() bool {
	b := r.take(1)
	if b == nil {
		return false
	}
	if b[0] > 1 {
		r.err = fmt.Errorf("boolean byte %d", b[0])
	}
	return b[0] == 1
}

// int reads a non-negative count that fits an int32.
func (r *reader) int() int {
	v := r.u64()
	if v > math.MaxInt32 {
		r.fail("count %d out of range", v)
		return 0
	}
	return int(v)
}

// count reads the length of a sequence of elements of at least size bytes
// each, refusing one longer than the bytes left.
func (r *reader) count(size int) int {
	v := r.u64()
	if r.err == nil && v > uint64(len(r.buf)/size) {
		r.fail("truncated: %d elements of at least %d bytes in %d bytes", v, size, len(r.buf))
		return 0
	}
	return int(v)
}

func (r *reader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf(format, args...)
	}
}

func (r *reader) bytes() []byte { return r.take(r.count(1)) }

func (r *reader) f64s() []float64 {
	v := make([]float64, r.count(8))
	for i := range v {
		v[i] = r.f64()
	}
	return v
}

func (r *reader) ints() []int {
	v := make([]int, r.count(4))
	for i := range v {
		v[i] = int(int32(r.u32()))
	}
	return v
}

// slots reads a table's size and its number of occupied slots: the size a
// power of two at least 16, with an empty slot left so that every lookup
// ends.
func (r *reader) slots(size int) (n, used int) {
	n64 := r.u64()
	used = r.count(size)
	if r.err == nil && (n64 < 16 || n64&(n64-1) != 0 || n64 > 1<<40 || uint64(used) >= n64) {
		r.fail("hash table of %d slots with %d used", n64, used)
		return 0, 0
	}
	return int(n64), used
}

func (r *reader) index(n int) int {
	i := r.u64()
	if r.err == nil && i >= uint64(n) {
		r.fail("slot %d of %d", i, n)
		return 0
	}
	return int(i)
}

func (r *reader) table() *table {
	n, used := r.slots(41)
	if r.err != nil {
		return nil
	}
	t := &table{mask: uint64(n - 1), slot: make([]slot, n)}
	for range used {
		i := r.index(n)
		s := slot{key: r.u64(), w: r.f32(), approved: r.u32(), n: r.u32(), base: r.bool(), col: int32(r.u32()), c: r.f64()}
		if r.err == nil && (s.key == 0 || t.slot[i].key != 0) {
			r.fail("feature slot %d reused or empty", i)
		}
		t.slot[i] = s
	}
	return t
}

func (r *reader) countTable() *countTable {
	n, used := r.slots(32)
	if r.err != nil {
		return nil
	}
	t := &countTable{mask: uint64(n - 1), used: used, slots: make([]countSlot, n)}
	for range used {
		i := r.index(n)
		s := countSlot{key: r.u64(), a: r.u32(), n: r.u32(), rate: r.f32(), logN: r.f32()}
		if r.err == nil && (s.key == 0 || t.slots[i].key != 0) {
			r.fail("count slot %d reused or empty", i)
		}
		t.slots[i] = s
	}
	return t
}

func (r *reader) encoder() *encoder {
	e := &encoder{attrOf: make(map[uint64]int)}
	for range r.count(8) {
		e.names = append(e.names, string(r.bytes()))
	}
	for a, name := range e.names {
		e.attrOf[hashToken(name)] = a
		e.absent = append(e.absent, hashToken(name+"=\x00absent"))
	}
	for range r.count(8) {
		e.groups = append(e.groups, r.ints())
	}
	e.stats = r.countTable()
	for range r.count(8) {
		e.cards = append(e.cards, [2]int{int(int32(r.u32())), int(int32(r.u32()))})
	}
	e.cardOf = make([][]int, len(e.names))
	for ci, c := range e.cards {
		if c[0] >= 0 && c[0] < len(e.names) {
			e.cardOf[c[0]] = append(e.cardOf[c[0]], ci)
		}
	}
	e.cardAt = r.countTable()
	e.cardN = make([]uint32, r.count(4))
	e.cardL = make([]float32, len(e.cardN))
	for i := range e.cardN {
		e.cardN[i] = r.u32()
		e.cardL[i] = float32(logCount(e.cardN[i]))
	}
	e.cardStart = make([]uint32, r.count(4))
	for i := range e.cardStart {
		e.cardStart[i] = r.u32()
	}
	e.smooth, e.prior, e.unseen = r.f64(), r.f64(), r.f64()
	e.nnum, e.width = r.int(), r.int()
	if r.err == nil && (e.stats == nil || e.cardAt == nil) {
		r.fail("encoder without count tables")
	}
	return e
}

func (r *reader) forest() *forest {
	f := &forest{base: r.f64()}
	f.roots = make([]int32, r.count(4))
	for i := range f.roots {
		f.roots[i] = int32(r.u32())
	}
	n := r.count(24)
	f.nodes = make([]node, n)
	f.value = make([]float64, n)
	for i := range n {
		f.nodes[i] = node{thr: r.f64(), feat: int32(r.u32()), left: int32(r.u32())}
		f.value[i] = r.f64()
	}
	return f
}
