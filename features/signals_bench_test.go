package features

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// benchOrg is a synthetic organisation for the signal benchmarks, built to
// have the structure the signals feed on rather than uniform noise:
// departments of Zipf-like sizes, titles within departments, teams of
// about eight under a manager, a few birthright entitlements nearly
// everybody has, department and title entitlements held with decreasing
// probability, and a long tail of rarer ones. Grants are spread over ten
// years after each identity's start, one in twenty of unknown time.
type benchOrg struct {
	m       *Matrix
	attrs   *Attributes
	roles   [][]int32
	now     []Pair // pairs as of now
	history []Pair // past requests, each as of its own time
}

const (
	benchStart = 1_400_000_000 // Unix seconds, May 2014
	benchSpan  = 10 * 365 * 86400
)

func newBenchOrg(identities, entitlements, perIdentity, pairs, requests int) *benchOrg {
	rng := rand.New(rand.NewPCG(7, 11))
	const depts, titles, birthright = 20, 10, 8
	deptEnts := max(5, entitlements*15/100/depts)
	titleEnts := max(3, entitlements*25/100/(depts*titles))
	first := func(k int) int { return birthright + k } // first column of a block
	deptCol := func(d, r int) int { return first(d*deptEnts + r) }
	titleCol := func(d, t, r int) int { return first(depts*deptEnts + (d*titles+t)*titleEnts + r) }
	noise0 := first(depts*deptEnts + depts*titles*titleEnts)
	noise := entitlements - noise0
	if noise < 10 {
		panic("benchmark organisation too small")
	}
	// Noise entitlement k is drawn with weight 1/(k+20): heavy-tailed.
	cum := make([]float64, noise)
	sum := 0.0
	for k := range cum {
		sum += 1 / float64(k+20)
		cum[k] = sum
	}
	drawNoise := func() int {
		x := rng.Float64() * sum
		lo, hi := 0, noise-1
		for lo < hi {
			if mid := (lo + hi) / 2; cum[mid] < x {
				lo = mid + 1
			} else {
				hi = mid
			}
		}
		return noise0 + lo
	}
	zipf := func(n int) int { // index in [0,n) with weight 1/(k+2)
		x, s := rng.Float64(), 0.0
		for k := range n {
			s += 1 / float64(k+2)
		}
		x *= s
		for k := range n {
			if x -= 1 / float64(k+2); x < 0 {
				return k
			}
		}
		return n - 1
	}

	ids := make([]string, identities)
	ents := make([]string, entitlements)
	for i := range ids {
		ids[i] = fmt.Sprintf("I%06d", i)
	}
	for j := range ents {
		ents[j] = "E" + strconv.Itoa(j)
	}
	dept, title := make([]int, identities), make([]int, identities)
	hired := make([]int64, identities)
	b := NewMatrixBuilder()
	for j := range ents {
		b.AddCol(ents[j])
	}
	grant := func(i, j int) {
		at := int64(UnknownTime)
		if rng.IntN(20) > 0 {
			at = min(hired[i]+int64(rng.ExpFloat64()*365*86400), benchStart+benchSpan)
		}
		b.AddAt(ids[i], ents[j], at)
	}
	for i := range ids {
		b.AddRow(ids[i])
		d, t := zipf(depts), zipf(titles)
		dept[i], title[i] = d, t
		hired[i] = benchStart + rng.Int64N(benchSpan)
		n := 0
		for j := range birthright {
			if rng.Float64() < 0.97 {
				grant(i, j)
				n++
			}
		}
		for r := range deptEnts {
			if rng.Float64() < 0.7*math.Pow(float64(r+1), -0.8) {
				grant(i, deptCol(d, r))
				n++
			}
		}
		for r := range titleEnts {
			if rng.Float64() < 0.6*math.Pow(float64(r+1), -0.6) {
				grant(i, titleCol(d, t, r))
				n++
			}
		}
		for ; n < perIdentity-5+rng.IntN(11); n++ {
			grant(i, drawNoise())
		}
	}
	o := &benchOrg{m: b.Build()}
	o.attrs = NewAttributes(o.m)
	team := map[[2]int]int{} // (department, members so far) → manager row
	count := make([]int, depts)
	for i := range ids {
		d := dept[i]
		key := [2]int{d, count[d] / 8}
		if _, ok := team[key]; !ok {
			team[key] = i
		}
		count[d]++
		a := o.attrs
		a.Set(i, "department", "D"+strconv.Itoa(d))
		a.Set(i, "title", "D"+strconv.Itoa(d)+"T"+strconv.Itoa(title[i]))
		loc := d % 30
		if rng.IntN(10) < 4 {
			loc = rng.IntN(30)
		}
		a.Set(i, "location", "L"+strconv.Itoa(loc))
		if mgr := team[key]; mgr != i {
			a.Set(i, "manager_id", ids[mgr])
		}
		kind := "human"
		if rng.IntN(100) < 8 {
			kind = "service"
		}
		a.Set(i, "kind", kind)
		a.Set(i, "status", []string{"active", "active", "active", "active", "leave", "terminated"}[rng.IntN(6)])
	}
	for d := range depts {
		for t := range titles {
			var role []int32
			for r := range min(5, deptEnts) {
				role = append(role, int32(deptCol(d, r)))
			}
			for r := range min(8, titleEnts) {
				role = append(role, int32(titleCol(d, t, r)))
			}
			o.roles = append(o.roles, role)
		}
	}
	// A typical entitlement of the identity's department or title, or any
	// entitlement at all.
	pick := func(i int) int {
		switch rng.IntN(3) {
		case 0:
			return deptCol(dept[i], rng.IntN(deptEnts))
		case 1:
			return titleCol(dept[i], title[i], rng.IntN(titleEnts))
		}
		return rng.IntN(entitlements)
	}
	for range pairs {
		i := rng.IntN(identities)
		o.now = append(o.now, Pair{Row: i, Col: pick(i), AsOf: Now})
	}
	for range requests {
		i := rng.IntN(identities)
		o.history = append(o.history, Pair{Row: i, Col: pick(i), AsOf: hired[i] + rng.Int64N(benchStart+benchSpan-hired[i]+1)})
	}
	return o
}

var benchOrgs sync.Map // size name → *benchOrg

type benchSize struct {
	name                                  string
	identities, entitlements, perIdentity int
	pairs, requests                       int
}

var benchSizes = []benchSize{
	{"10k", 10_000, 2_000, 50, 100_000, 15_000},
	{"100k", 100_000, 20_000, 50, 1_000_000, 150_000},
}

func (sz benchSize) org() *benchOrg {
	o, ok := benchOrgs.Load(sz.name)
	if !ok {
		o, _ = benchOrgs.LoadOrStore(sz.name, newBenchOrg(sz.identities, sz.entitlements, sz.perIdentity, sz.pairs, sz.requests))
	}
	return o.(*benchOrg)
}

// BenchmarkSignals measures building the index and computing the signals
// of the organisation's pairs: today (all grants count) and as of each
// past request's time. The large size is the product goal: 1,000,000
// pairs on 100,000 identities × 20,000 entitlements × 5,000,000 grants.
func BenchmarkSignals(b *testing.B) {
	for _, sz := range benchSizes {
		b.Run(sz.name+"/build", func(b *testing.B) {
			o := sz.org()
			b.ReportAllocs()
			var s *Signals
			cpu := cpuTime()
			for b.Loop() {
				s = NewSignals(o.m, o.attrs, o.roles, DefaultSignalOptions)
			}
			b.ReportMetric(float64(o.m.NNZ())*float64(b.N)/b.Elapsed().Seconds(), "cells/s")
			b.ReportMetric((cpuTime()-cpu).Seconds()/float64(b.N), "cpu-s/op")
			b.ReportMetric(float64(heapOf(func() any { return NewSignals(o.m, o.attrs, o.roles, DefaultSignalOptions) }))/1e6, "index-MB")
			runtime.KeepAlive(s)
		})
		for _, kind := range []string{"now", "asof"} {
			b.Run(sz.name+"/"+kind, func(b *testing.B) {
				o := sz.org()
				pairs := o.now
				if kind == "asof" {
					pairs = o.history
				}
				s := NewSignals(o.m, o.attrs, o.roles, DefaultSignalOptions)
				dst := make([]float64, len(pairs)*len(s.Names()))
				b.ReportAllocs()
				cpu := cpuTime()
				for b.Loop() {
					s.ComputeAll(dst, pairs)
				}
				b.ReportMetric(float64(len(pairs))*float64(b.N)/b.Elapsed().Seconds(), "pairs/s")
				b.ReportMetric((cpuTime()-cpu).Seconds()/float64(b.N), "cpu-s/op")
			})
		}
		// One Compute call per pair in arbitrary order, on one goroutine:
		// no identity's candidates are reused.
		b.Run(sz.name+"/single", func(b *testing.B) {
			o := sz.org()
			s := NewSignals(o.m, o.attrs, o.roles, DefaultSignalOptions)
			dst := make([]float64, len(s.Names()))
			pairs := o.now[:min(len(o.now), 20_000)]
			b.ReportAllocs()
			for b.Loop() {
				for _, p := range pairs {
					s.Compute(dst, p.Row, p.Col, p.AsOf)
				}
			}
			b.ReportMetric(float64(len(pairs))*float64(b.N)/b.Elapsed().Seconds(), "pairs/s")
		})
	}
}

// heapOf returns the live heap that the value made by f keeps.
func heapOf(f func() any) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	v := f()
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(v)
	if after.HeapAlloc < before.HeapAlloc {
		return 0
	}
	return after.HeapAlloc - before.HeapAlloc
}

// cpuTime returns the CPU time the process has used, which on a shared
// machine tells more than wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
