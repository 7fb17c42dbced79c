package mining

import (
	"context"
	"fmt"
	"math/bits"
	"math/rand/v2"
	"testing"

	"rolemine/features"
)

// bruteForce returns the fewest roles and the lowest WSC of any exact cover
// of m, by dynamic programming over the sets of covered cells. Every
// biclique (a non-empty set of identities and a non-empty subset of the
// entitlements they all hold) is a candidate role costing 1 for the role
// count and 1 + members + entitlements for the WSC. It shares nothing with
// Exact and is only usable on matrices of at most 16 cells.
func bruteForce(m *features.Matrix) (roles, wsc int) {
	type cell struct{ i, j int }
	var cells []cell
	id := map[cell]int{}
	for i := range m.Rows() {
		for _, j := range m.Row(i) {
			id[cell{i, int(j)}] = len(cells)
			cells = append(cells, cell{i, int(j)})
		}
	}
	if len(cells) > 16 {
		panic("bruteForce: too many cells")
	}
	type biclique struct {
		mask uint32
		cost int
	}
	var bc []biclique
	for us := uint32(1); us < 1<<m.Rows(); us++ {
		// Entitlements every identity of us holds.
		var common uint32 = 1<<m.Cols() - 1
		for i := range m.Rows() {
			if us>>i&1 == 1 {
				var row uint32
				for _, j := range m.Row(i) {
					row |= 1 << j
				}
				common &= row
			}
		}
		// Every non-empty subset of common.
		for ps := common; ps != 0; ps = (ps - 1) & common {
			var mask uint32
			for i := range m.Rows() {
				for j := range m.Cols() {
					if us>>i&1 == 1 && ps>>j&1 == 1 {
						mask |= 1 << id[cell{i, j}]
					}
				}
			}
			bc = append(bc, biclique{mask, 1 + bits.OnesCount32(us) + bits.OnesCount32(ps)})
		}
	}
	full := uint32(1)<<len(cells) - 1
	const inf = 1 << 30
	dpRoles := make([]int, full+1)
	dpWSC := make([]int, full+1)
	for k := range dpRoles {
		dpRoles[k], dpWSC[k] = inf, inf
	}
	dpRoles[0], dpWSC[0] = 0, 0
	for mask := uint32(0); mask <= full; mask++ {
		if dpRoles[mask] == inf {
			continue
		}
		for _, b := range bc {
			next := mask | b.mask
			dpRoles[next] = min(dpRoles[next], dpRoles[mask]+1)
			dpWSC[next] = min(dpWSC[next], dpWSC[mask]+b.cost)
		}
	}
	return dpRoles[full], dpWSC[full]
}

// randomMatrix returns a rows × cols matrix with each cell set with
// probability density, and at most maxCells cells.
func randomMatrix(rng *rand.Rand, rows, cols int, density float64, maxCells int) *features.Matrix {
	var ids, ents []string
	for i := range rows {
		for j := range cols {
			if rng.Float64() < density && len(ids) < maxCells {
				ids = append(ids, fmt.Sprint("u", i))
				ents = append(ents, fmt.Sprint("e", j))
			}
		}
	}
	return features.NewMatrix(ids, ents)
}

func TestExactBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	n := 300
	if testing.Short() {
		n = 60
	}
	wscOptimal := 0
	for trial := range n {
		m := randomMatrix(rng, 2+rng.IntN(4), 2+rng.IntN(4), 0.3+0.6*rng.Float64(), 16)
		wantRoles, wantWSC := bruteForce(m)
		for _, obj := range []Objective{MinRoles, MinWSC} {
			// MaxConcepts 1 forces the fallback to object and attribute
			// concepts, whose bounds must hold as well.
			for _, maxConcepts := range []int{0, 1} {
				opts := DefaultExactOptions
				opts.Objective = obj
				opts.MaxConcepts = maxConcepts
				opts.Src = rand.NewPCG(uint64(trial), 1)
				r, err := Exact(context.Background(), m, opts)
				if err != nil {
					t.Fatal(err)
				}
				if err := CheckExact(m, r); err != nil {
					t.Fatalf("trial %d %s: %v", trial, obj, err)
				}
				switch {
				case obj == MinRoles && maxConcepts == 0:
					if len(r.Roles) != wantRoles || r.LowerBound != wantRoles {
						t.Errorf("trial %d: %d roles, lower bound %d; brute force says %d", trial, len(r.Roles), r.LowerBound, wantRoles)
					}
				case obj == MinRoles:
					if len(r.Roles) < wantRoles || r.LowerBound > wantRoles {
						t.Errorf("trial %d, fallback: %d roles, lower bound %d; brute force says %d", trial, len(r.Roles), r.LowerBound, wantRoles)
					}
				default:
					got := WSC(r)
					if got < wantWSC || r.LowerBound > wantWSC {
						t.Errorf("trial %d: WSC %d, lower bound %d; brute force optimum %d", trial, got, r.LowerBound, wantWSC)
					}
					if maxConcepts == 0 && got == wantWSC {
						wscOptimal++
					}
				}
			}
		}
	}
	t.Logf("WSC optimal in %d of %d trials", wscOptimal, n)
}

func dump(m *features.Matrix) [][]int32 {
	var out [][]int32
	for i := range m.Rows() {
		out = append(out, m.Row(i))
	}
	return out
}

// deepMinRoles returns the fewest roles of an exact cover of m (at most 64
// cells) by iterative deepening over its concepts, found by closing every
// set of identities. It shares nothing with Exact.
func deepMinRoles(m *features.Matrix) int {
	cell := map[[2]int]int{}
	for i := range m.Rows() {
		for _, j := range m.Row(i) {
			cell[[2]int{i, int(j)}] = len(cell)
		}
	}
	if len(cell) > 64 {
		panic("deepMinRoles: too many cells")
	}
	seen := map[uint64]bool{}
	var masks []uint64
	for us := 1; us < 1<<m.Rows(); us++ {
		common := map[int32]int{}
		n := 0
		for i := range m.Rows() {
			if us>>i&1 == 1 {
				n++
				for _, j := range m.Row(i) {
					common[j]++
				}
			}
		}
		var mask uint64
		for j, c := range common {
			if c != n {
				continue
			}
			for i := range m.Rows() {
				if k, ok := cell[[2]int{i, int(j)}]; ok {
					// i holds j; is i in the closure (holds all of common)?
					all := true
					for j2, c2 := range common {
						if _, ok := cell[[2]int{i, int(j2)}]; c2 == n && !ok {
							all = false
							break
						}
					}
					if all {
						mask |= 1 << k
					}
				}
			}
		}
		if mask != 0 && !seen[mask] {
			seen[mask] = true
			masks = append(masks, mask)
		}
	}
	full := uint64(1)<<len(cell) - 1
	if len(cell) == 64 {
		full = ^uint64(0)
	}
	var dfs func(unc uint64, k int) bool
	dfs = func(unc uint64, k int) bool {
		if unc == 0 {
			return true
		}
		if k == 0 {
			return false
		}
		low := unc & -unc
		for _, c := range masks {
			if c&low != 0 && dfs(unc&^c, k-1) {
				return true
			}
		}
		return false
	}
	for k := 0; ; k++ {
		if dfs(full, k) {
			return k
		}
	}
}

// Exact's fewest roles agree with iterative deepening on random matrices
// too big for bruteForce, where the cover search has work left after the
// reductions.
func TestExactMinRolesDeep(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	n := 200
	if testing.Short() {
		n = 40
	}
	for trial := range n {
		m := randomMatrix(rng, 6+rng.IntN(4), 6+rng.IntN(4), 0.5+0.35*rng.Float64(), 64)
		want := deepMinRoles(m)
		r, err := Exact(context.Background(), m, DefaultExactOptions)
		if err != nil {
			t.Fatal(err)
		}
		if err := CheckExact(m, r); err != nil {
			t.Fatalf("trial %d: %v", trial, err)
		}
		if len(r.Roles) != want || r.LowerBound != want {
			t.Errorf("trial %d: %d roles, lower bound %d; iterative deepening says %d; m=%v", trial, len(r.Roles), r.LowerBound, want, dump(m))
		}
	}
}
