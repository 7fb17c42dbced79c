package features

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// tol is the tolerance on signals computed two ways; they are ratios of
// small counts, so only rounding separates them.
const tol = 1e-12

// org is a small hand-made organisation: identity → attributes, grants
// as "identity entitlement time" lines (time optional, 0 = unknown).
type org struct {
	attrs  map[string]map[string]string
	grants string
}

func (o org) build(t testing.TB) (*Matrix, *Attributes) {
	t.Helper()
	b := NewMatrixBuilder()
	ids := make([]string, 0, len(o.attrs))
	for id := range o.attrs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		b.AddRow(id)
	}
	for line := range strings.Lines(o.grants) {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		at := int64(0)
		if len(f) == 3 {
			var err error
			if at, err = strconv.ParseInt(f[2], 10, 64); err != nil {
				t.Fatal(err)
			}
		}
		b.AddAt(f[0], f[1], at)
	}
	m := b.Build()
	a := NewAttributes(m)
	for _, id := range ids {
		names := make([]string, 0, len(o.attrs[id]))
		for name := range o.attrs[id] {
			names = append(names, name)
		}
		slices.Sort(names)
		for _, name := range names {
			a.Set(row(t, m, id), name, o.attrs[id][name])
		}
	}
	return m, a
}

func row(t testing.TB, m *Matrix, id string) int {
	t.Helper()
	i, ok := m.RowIndex(id)
	if !ok {
		t.Fatalf("no identity %s", id)
	}
	return i
}

func col(t testing.TB, m *Matrix, id string) int {
	t.Helper()
	j, ok := m.ColIndex(id)
	if !ok {
		t.Fatalf("no entitlement %s", id)
	}
	return j
}

// finance: five people in Finance (three clerks under M1, a manager and an
// analyst under M2) and three engineers in IT under M3. Everybody has vpn;
// erp is held by four of the five in Finance, u2's since time 50; git by
// the engineers and one clerk.
var finance = org{
	attrs: map[string]map[string]string{
		"u1": {"department": "Finance", "title": "Clerk", "manager_id": "M1"},
		"u2": {"department": "Finance", "title": "Clerk", "manager_id": "M1"},
		"u3": {"department": "Finance", "title": "Clerk", "manager_id": "M1"},
		"u4": {"department": "Finance", "title": "Manager", "manager_id": "M2"},
		"u5": {"department": "Finance", "title": "Analyst", "manager_id": "M2"},
		"u6": {"department": "IT", "title": "Engineer", "manager_id": "M3"},
		"u7": {"department": "IT", "title": "Engineer", "manager_id": "M3"},
		"u8": {"department": "IT", "title": "Engineer"},
	},
	grants: `u1 vpn
		u2 vpn
		u3 vpn
		u4 vpn
		u5 vpn
		u6 vpn
		u7 vpn
		u8 vpn
		u2 erp 50
		u3 erp 10
		u4 erp 10
		u5 erp 10
		u3 git 10
		u6 git 10
		u7 git 10
		u8 git 10`,
}

func TestSignalsNames(t *testing.T) {
	m, a := finance.build(t)
	a.Set(0, "email", "u1@example.com") // 1 value: no peer signal
	for _, tc := range []struct {
		name         string
		opts         SignalOptions
		roles        [][]int32
		want         []string
		wantWarnings []string
	}{
		{"defaults", DefaultSignalOptions, nil,
			[]string{"popularity", "peers:department", "peers:manager_id", "peers:title", "peers:department+title", "neighbours"},
			[]string{"no attribute location: peer signal department+location left out"}},
		{"chosen, with roles", SignalOptions{PeerAttributes: []string{"title", "floor", "title"}, Combinations: [][2]string{{"department", "manager_id"}}},
			[][]int32{{0}},
			[]string{"popularity", "peers:title", "peers:department+manager_id", "role_fit"},
			[]string{"no attribute floor: its peer signal left out"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := NewSignals(m, a, tc.roles, tc.opts)
			if diff := gocmp.Diff(tc.want, s.Names()); diff != "" {
				t.Errorf("names (-want +got):\n%s", diff)
			}
			if diff := gocmp.Diff(tc.wantWarnings, s.Warnings()); diff != "" {
				t.Errorf("warnings (-want +got):\n%s", diff)
			}
		})
	}
}

// Counts on the finance org, as of now and as of times that leave out
// u2's later grant of erp.
func TestSignalsPeers(t *testing.T) {
	m, a := finance.build(t)
	opts := SignalOptions{PeerAttributes: []string{"department", "title", "manager_id"},
		Combinations: [][2]string{{"department", "title"}}}
	erp := col(t, m, "erp")
	for _, tc := range []struct {
		name      string
		id        string
		asOf      int64
		smoothing float64
		want      []float64 // popularity, department, title, manager_id, department+title
	}{
		// u1 asks for erp. Popularity: 4 of the 7 others. Department:
		// u2…u5, 4 of 4. Title Clerk: u2, u3, 2 of 2. Manager M1: u2,
		// u3, 2 of 2. Finance clerks: 2 of 2.
		{"raw shares", "u1", Now, 0, []float64{4.0 / 7, 1, 1, 1, 1}},
		// u2's erp was granted at 50: as of 50 it does not count yet.
		// Popularity 3/7; department 3 of 4; clerks 1 of 2.
		{"as of before a grant", "u1", 50, 0, []float64{3.0 / 7, 3.0 / 4, 1.0 / 2, 1.0 / 2, 1.0 / 2}},
		{"as of after it", "u1", 51, 0, []float64{4.0 / 7, 1, 1, 1, 1}},
		// Smoothing 2 at popularity p = 4/7: department (4 + 2p)/(4 + 2),
		// clerks and M1 (2 + 2p)/(2 + 2).
		{"smoothed", "u1", Now, 2, []float64{4.0 / 7, (4 + 8.0/7) / 6, (2 + 8.0/7) / 4, (2 + 8.0/7) / 4, (2 + 8.0/7) / 4}},
		// u6 (IT, Engineer, M3): nobody in its groups holds erp; smoothed
		// towards 4/7 with 2 pseudo-peers: department and title 0 of 2,
		// manager 0 of 1 (u7).
		{"smoothed towards popularity", "u6", Now, 2, []float64{4.0 / 7, (8.0 / 7) / 4, (8.0 / 7) / 4, (8.0 / 7) / 3, (8.0 / 7) / 4}},
		// u8 has no manager: that signal is the popularity.
		{"missing attribute", "u8", Now, 2, []float64{4.0 / 7, (8.0 / 7) / 4, (8.0 / 7) / 4, 4.0 / 7, (8.0 / 7) / 4}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := opts
			o.Smoothing = tc.smoothing
			s := NewSignals(m, a, nil, o)
			got := s.Compute(nil, row(t, m, tc.id), erp, tc.asOf)
			if diff := gocmp.Diff(tc.want, got, cmpopts.EquateApprox(0, tol)); diff != "" {
				t.Errorf("signals (-want +got):\n%s", diff)
			}
		})
	}
}

// The identity's own holding never reaches its signals: u3 holds erp, and
// its signals for erp are those of u3 without it.
func TestSignalsOwnHoldingDoesNotLeak(t *testing.T) {
	with, a := finance.build(t)
	without := finance
	without.grants = strings.Replace(finance.grants, "u3 erp 10", "", 1)
	m2, a2 := without.build(t)
	opts := DefaultSignalOptions
	opts.MaxNeighbourColumnShare = 1
	roles := [][]int32{{int32(col(t, with, "erp")), int32(col(t, with, "vpn"))}}
	roles2 := [][]int32{{int32(col(t, m2, "erp")), int32(col(t, m2, "vpn"))}}
	s, s2 := NewSignals(with, a, roles, opts), NewSignals(m2, a2, roles2, opts)
	for _, asOf := range []int64{Now, 11, 5} {
		got := s.Compute(nil, row(t, with, "u3"), col(t, with, "erp"), asOf)
		want := s2.Compute(nil, row(t, m2, "u3"), col(t, m2, "erp"), asOf)
		if diff := gocmp.Diff(want, got); diff != "" {
			t.Errorf("as of %d: signals of a holder (-without +with):\n%s", asOf, diff)
		}
	}
}

func TestSignalsUnknown(t *testing.T) {
	m, a := finance.build(t)
	s := NewSignals(m, a, [][]int32{{0, 1}}, SignalOptions{PeerAttributes: []string{"department"}, Smoothing: 2, Neighbours: 3, MaxNeighbourColumnShare: 1})
	erp := col(t, m, "erp")
	for _, tc := range []struct {
		name     string
		row, col int
		want     []float64 // popularity, department, neighbours, role_fit
	}{
		// Nobody is excluded: 4 of all 8 hold erp.
		{"unknown identity", -1, erp, []float64{0.5, 0.5, 0.5, 0}},
		{"unknown entitlement", 0, -1, []float64{0, 0, 0, 0}},
		{"both unknown", -1, -1, []float64{0, 0, 0, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := s.Compute([]float64{9, 9, 9, 9, 9}, tc.row, tc.col, Now)
			if diff := gocmp.Diff(tc.want, got); diff != "" {
				t.Errorf("signals (-want +got):\n%s", diff)
			}
			if toks := s.AppendTokens(nil, -1); len(toks) != 0 {
				t.Errorf("tokens of row -1: %q", toks)
			}
		})
	}
}

func TestSignalsRoleFit(t *testing.T) {
	m, a := finance.build(t)
	c := func(id string) int32 { return int32(col(t, m, id)) }
	roles := [][]int32{
		{c("git")},                     // no other entitlement: no fit
		{c("erp"), c("git")},           // 1 other
		{c("vpn"), c("erp"), c("git")}, // 2 others
	}
	s := NewSignals(m, a, roles, SignalOptions{RoleNames: []string{"", "Dev"}})
	for _, tc := range []struct {
		id, ent  string
		want     float64
		role     int
		held, sz int
	}{
		// u6 holds vpn and git. For erp: role 1 holds 1 of 1 (git), role 2
		// 2 of 2: equal fit, the larger role wins.
		{"u6", "erp", 1, 2, 2, 2},
		// u1 holds vpn only: role 1 0 of 1, role 2 1 of 2.
		{"u1", "erp", 0.5, 2, 1, 2},
		// vpn is in role 2 only; u1 holds neither erp nor git.
		{"u1", "vpn", 0, 2, 0, 2},
		// git: roles 1 and 2 (role 0 has no other entitlement); u3 holds
		// erp and vpn: 1 of 1 and 2 of 2, the larger wins.
		{"u3", "git", 1, 2, 2, 2},
	} {
		sc := newScratch(s)
		got := make([]float64, len(s.Names()))
		s.compute(sc, row(t, m, tc.id), col(t, m, tc.ent), Now, got)
		d := sc.det
		if got[len(got)-1] != tc.want || d.role != tc.role || d.roleHeld != tc.held || d.roleSz != tc.sz {
			t.Errorf("%s %s: fit %v of role %d (%d of %d), want %v of role %d (%d of %d)",
				tc.id, tc.ent, got[len(got)-1], d.role, d.roleHeld, d.roleSz, tc.want, tc.role, tc.held, tc.sz)
		}
	}
}

// nbOrg is built so that counting the entitlement x itself in the
// similarity would change u0's neighbours. Similarities to u0 over
// {a, b, c} (x left out): u1 {a,b,c} 3/3; u2 {a,b,c,y} 3/4; u3 {a,b}
// 2/3; u4 {d} none. Were x counted while u0 holds it, u3 {a,b,x} would
// score 3/4 against u2's 3/5 and take its place.
var nbOrg = org{
	attrs: map[string]map[string]string{"u0": {}, "u1": {}, "u2": {}, "u3": {}, "u4": {}},
	grants: `u0 a
		u0 b
		u0 c
		u1 a
		u1 b
		u1 c
		u1 x 20
		u2 a
		u2 b
		u2 c
		u2 y
		u3 a
		u3 b
		u3 x
		u4 d
		u4 x`,
}

func TestSignalsNeighbours(t *testing.T) {
	for _, tc := range []struct {
		name          string
		u0HoldsX      bool
		k             int
		share         float64
		asOf          int64
		holders, size int
		top           []string
	}{
		// Neighbours u1 (1) and u2 (3/4): u1 holds x.
		{"k=2", false, 2, 1, Now, 1, 2, []string{"u1", "u2"}},
		{"k=2, u0 holds x", true, 2, 1, Now, 1, 2, []string{"u1", "u2"}},
		// u3 (2/3) joins and holds x; u4 shares nothing.
		{"k=5", false, 5, 1, Now, 2, 3, []string{"u1", "u2", "u3"}},
		// Before u1's grant of x at 20, only u3 of the three holds it.
		{"as of 20", false, 5, 1, 20, 1, 3, []string{"u1", "u2", "u3"}},
		// Share 0.6 of 5 rows: columns held by more than 3 are ignored, a
		// and b (4 holders each). Over {c}: u1 1/1, u2 1/2.
		{"common columns ignored", false, 5, 0.6, Now, 1, 2, []string{"u1", "u2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := nbOrg
			if tc.u0HoldsX {
				o.grants += "\nu0 x"
			}
			m, a := o.build(t)
			s := NewSignals(m, a, nil, SignalOptions{Neighbours: tc.k, MaxNeighbourColumnShare: tc.share})
			sc := newScratch(s)
			got := make([]float64, len(s.Names()))
			s.compute(sc, row(t, m, "u0"), col(t, m, "x"), tc.asOf, got)
			var top []string
			for _, nb := range sc.top {
				top = append(top, m.RowID(int(nb.row)))
			}
			if diff := gocmp.Diff(tc.top, top); diff != "" {
				t.Errorf("neighbours (-want +got):\n%s", diff)
			}
			if sc.det.nbHolders != tc.holders || sc.det.nbFound != tc.size {
				t.Errorf("%d of %d neighbours hold x, want %d of %d", sc.det.nbHolders, sc.det.nbFound, tc.holders, tc.size)
			}
		})
	}
}

func TestAppendTokens(t *testing.T) {
	m, a := finance.build(t)
	s := NewSignals(m, a, nil, DefaultSignalOptions)
	dst := make([]string, 0, 8)
	got := s.AppendTokens(append(dst, "RESOURCE=erp"), row(t, m, "u8"))
	want := []string{"RESOURCE=erp", "department=IT", "title=Engineer"} // u8 has no manager
	if diff := gocmp.Diff(want, got); diff != "" {
		t.Errorf("tokens (-want +got):\n%s", diff)
	}
	if n := testing.AllocsPerRun(10, func() { s.AppendTokens(dst[:0], 0) }); n != 0 {
		t.Errorf("AppendTokens allocates %v times", n)
	}
}

func TestComputeDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are meaningless under the race detector")
	}
	m, a := finance.build(t)
	s := NewSignals(m, a, [][]int32{{0, 1}}, DefaultSignalOptions)
	dst := make([]float64, len(s.Names()))
	s.Compute(dst, 0, 1, 30) // warm the scratch pool
	if n := testing.AllocsPerRun(100, func() {
		s.Compute(dst, 0, 1, Now)
		s.Compute(dst, 1, 1, 30)
	}); n != 0 {
		t.Errorf("Compute allocates %v times per run", n)
	}
}

// randomOrg returns a random matrix of about rows × cols × density cells
// with grant times in 1…100 (some unknown) and two attributes with missing
// values.
func randomOrg(rng *rand.Rand, rows, cols int, density float64, timed bool) (*Matrix, *Attributes) {
	b := NewMatrixBuilder()
	for j := range cols {
		b.AddCol("e" + strconv.Itoa(j))
	}
	for i := range rows {
		b.AddRow("u" + strconv.Itoa(i))
		for j := range cols {
			// Rows of the same "department" (i%3) share columns.
			p := density
			if j%3 == i%3 {
				p *= 2.5
			}
			if rng.Float64() < p {
				at := int64(0)
				if timed && rng.IntN(5) > 0 {
					at = 1 + rng.Int64N(100)
				}
				b.AddAt("u"+strconv.Itoa(i), "e"+strconv.Itoa(j), at)
			}
		}
	}
	m := b.Build()
	a := NewAttributes(m)
	for i := range m.Rows() {
		if rng.IntN(8) > 0 {
			a.Set(i, "department", strconv.Itoa(i%3))
		}
		if rng.IntN(8) > 0 {
			a.Set(i, "title", strconv.Itoa(rng.IntN(4)))
		}
	}
	return m, a
}

// reference computes the signals by their definitions, by brute force.
func reference(m *Matrix, a *Attributes, roles [][]int32, opts SignalOptions, names []string, i, j int, asOf int64) []float64 {
	out := make([]float64, len(names))
	if j < 0 {
		return out
	}
	n := m.Rows()
	held := func(r, c int) bool { return m.HeldBefore(r, c, asOf) }
	others := func(keep func(r int) bool) (h, g int) {
		for r := range n {
			if r != i && keep(r) {
				g++
				if held(r, j) {
					h++
				}
			}
		}
		return h, g
	}
	h, g := others(func(int) bool { return true })
	p := 0.0
	if g > 0 {
		p = float64(h) / float64(g)
	}
	smooth := func(h, g int) float64 {
		if float64(g)+opts.Smoothing == 0 {
			return p
		}
		return (float64(h) + opts.Smoothing*p) / (float64(g) + opts.Smoothing)
	}
	for f, name := range names {
		switch {
		case name == PopularitySignal:
			out[f] = p
		case strings.HasPrefix(name, PeerSignal):
			out[f] = p
			if i < 0 {
				continue
			}
			var ks []int
			missing := false
			for _, an := range strings.Split(name[len(PeerSignal):], "+") {
				k, _ := a.Index(an)
				ks = append(ks, k)
				missing = missing || a.Code(k, i) == Missing
			}
			if missing {
				continue
			}
			out[f] = smooth(others(func(r int) bool {
				for _, k := range ks {
					if a.Code(k, r) != a.Code(k, i) {
						return false
					}
				}
				return true
			}))
		case name == NeighbourSignal:
			out[f] = p
			if i < 0 {
				continue
			}
			inf := func(c int) bool {
				s := 0
				for r := range n {
					if held(r, c) {
						s++
					}
				}
				if h := opts.MaxNeighbourColumnHolders; h > 0 && s > h {
					return false
				}
				return float64(s) <= opts.MaxNeighbourColumnShare*float64(n)
			}
			set := func(r int) map[int]bool {
				s := map[int]bool{}
				for _, c := range m.Row(r) {
					if int(c) != j && held(r, int(c)) && inf(int(c)) {
						s[int(c)] = true
					}
				}
				return s
			}
			ai := set(i)
			type nb struct {
				r   int
				sim float64
			}
			var nbs []nb
			for r := range n {
				if r == i {
					continue
				}
				ar, inter := set(r), 0
				for c := range ar {
					if ai[c] {
						inter++
					}
				}
				if inter > 0 {
					nbs = append(nbs, nb{r, float64(inter) / float64(len(ai)+len(ar)-inter)})
				}
			}
			slices.SortFunc(nbs, func(x, y nb) int { return cmp.Or(cmp.Compare(y.sim, x.sim), cmp.Compare(x.r, y.r)) })
			nbs = nbs[:min(len(nbs), opts.Neighbours)]
			h := 0
			for _, x := range nbs {
				if held(x.r, j) {
					h++
				}
			}
			out[f] = smooth(h, len(nbs))
		case name == RoleFitSignal:
			if i < 0 {
				continue
			}
			for _, role := range roles {
				if !slices.Contains(role, int32(j)) || len(role) < 2 {
					continue
				}
				h := 0
				for _, c := range role {
					if int(c) != j && held(i, int(c)) {
						h++
					}
				}
				out[f] = max(out[f], float64(h)/float64(len(role)-1))
			}
		}
	}
	return out
}

// Compute and ComputeAll agree with the brute-force definitions on random
// matrices, with and without grant times, for random pairs including
// unknown rows and columns and random as-of times.
func TestSignalsMatchReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := range 20 {
		rows, cols := 5+rng.IntN(40), 3+rng.IntN(25)
		m, a := randomOrg(rng, rows, cols, 0.05+0.3*rng.Float64(), trial%3 != 0)
		var roles [][]int32
		for range rng.IntN(5) {
			var role []int32
			for range 1 + rng.IntN(4) {
				role = append(role, int32(rng.IntN(cols)))
			}
			roles = append(roles, slices.Compact(slices.Sorted(slices.Values(role))))
		}
		opts := SignalOptions{
			PeerAttributes:            []string{"department", "title"},
			Combinations:              [][2]string{{"department", "title"}},
			Smoothing:                 float64(rng.IntN(3)),
			Neighbours:                1 + rng.IntN(6),
			MaxNeighbourColumnShare:   []float64{1, 0.5, 0.2}[rng.IntN(3)],
			MaxNeighbourColumnHolders: rng.IntN(8),
			Workers:                   1 + rng.IntN(2),
		}
		s := NewSignals(m, a, roles, opts)
		var pairs []Pair
		for range 60 {
			p := Pair{Row: rng.IntN(rows+1) - 1, Col: rng.IntN(cols+1) - 1, AsOf: Now}
			if rng.IntN(2) == 0 {
				p.AsOf = rng.Int64N(110)
			}
			if rng.IntN(3) == 0 && len(pairs) > 0 { // same identity again
				p.Row = pairs[len(pairs)-1].Row
			}
			pairs = append(pairs, p)
		}
		all := s.ComputeAll(nil, pairs)
		w := len(s.Names())
		for k, p := range pairs {
			want := reference(m, a, roles, opts, s.Names(), p.Row, p.Col, p.AsOf)
			got := s.Compute(nil, p.Row, p.Col, p.AsOf)
			if diff := gocmp.Diff(want, got, cmpopts.EquateApprox(0, tol)); diff != "" {
				t.Fatalf("trial %d, pair %+v: Compute (-want +got) %v:\n%s", trial, p, s.Names(), diff)
			}
			if diff := gocmp.Diff(got, all[k*w:(k+1)*w]); diff != "" {
				t.Fatalf("trial %d, pair %+v: ComputeAll (-Compute +ComputeAll):\n%s", trial, p, diff)
			}
		}
	}
}

// Grants at or after asOf do not change the signals as of asOf, whoever
// receives them.
func TestSignalsLaterGrantsDoNotLeak(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for trial := range 10 {
		rows, cols := 10+rng.IntN(30), 4+rng.IntN(20)
		before, attrs := randomOrg(rng, rows, cols, 0.2, true)
		asOf := 20 + rng.Int64N(80)
		// after: the same grants plus later ones, and the same ids in the
		// same order.
		b := NewMatrixBuilder()
		for i := range rows {
			b.AddRow(before.RowID(i))
		}
		for j := range cols {
			b.AddCol(before.ColID(j))
		}
		for i := range rows {
			for _, j := range before.Row(i) {
				at, _ := before.GrantedAt(i, int(j))
				b.AddAt(before.RowID(i), before.ColID(int(j)), at)
			}
			for range rng.IntN(4) {
				b.AddAt(before.RowID(i), before.ColID(rng.IntN(cols)), asOf+rng.Int64N(10))
			}
		}
		after := b.Build()
		opts := SignalOptions{Combinations: [][2]string{{"department", "title"}}, Smoothing: 1, Neighbours: 3, MaxNeighbourColumnShare: 0.5}
		roles := [][]int32{{0, 1, 2}, {1, 3}}
		s1, s2 := NewSignals(before, attrs, roles, opts), NewSignals(after, attrs, roles, opts)
		for i := -1; i < rows; i++ {
			for j := -1; j < cols; j++ {
				want := s1.Compute(nil, i, j, asOf)
				if got := s2.Compute(nil, i, j, asOf); !slices.Equal(want, got) {
					t.Fatalf("trial %d, (%d, %d) as of %d: %v without later grants, %v with", trial, i, j, asOf, want, got)
				}
			}
		}
	}
}

func TestSignalOptionsPanics(t *testing.T) {
	m, a := finance.build(t)
	for _, tc := range []struct {
		name string
		f    func()
		want string
	}{
		{"negative smoothing", func() { NewSignals(m, a, nil, SignalOptions{Smoothing: -1}) },
			"features: smoothing -1 not a non-negative number"},
		{"column share", func() { NewSignals(m, a, nil, SignalOptions{Neighbours: 2}) },
			"features: neighbour column share 0 not in (0, 1]"},
		{"role out of range", func() { NewSignals(m, a, [][]int32{{0}, {2, 99}}, SignalOptions{}) },
			"features: role 1 has column 99 out of range [0,3)"},
		{"self combination", func() { NewSignals(m, a, nil, SignalOptions{Combinations: [][2]string{{"title", "title"}}}) },
			"features: combination of title with itself"},
		{"row out of range", func() { NewSignals(m, a, nil, SignalOptions{}).Compute(nil, 8, 0, Now) },
			"features: row 8 out of range [-1,8)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if got := recover(); got != tc.want {
					t.Errorf("panic %v, want %q", got, tc.want)
				}
			}()
			tc.f()
		})
	}
}

// Every pair of small random matrices, today and as of a past time, in one
// ComputeAll call: pairs of one identity share its neighbour candidates,
// and small k makes the shared top list run short.
func TestSignalsExhaustive(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	for trial := range 6 {
		m, a := randomOrg(rng, 8+rng.IntN(20), 6+rng.IntN(10), 0.3, trial%2 == 0)
		opts := SignalOptions{PeerAttributes: []string{"title"}, Smoothing: 1, Neighbours: 1 + trial%3,
			MaxNeighbourColumnShare: []float64{1, 0.4}[trial%2]}
		s := NewSignals(m, a, nil, opts)
		var pairs []Pair
		for _, asOf := range []int64{Now, 50} {
			for i := range m.Rows() {
				for j := range m.Cols() {
					pairs = append(pairs, Pair{i, j, asOf})
				}
			}
		}
		got, w := s.ComputeAll(nil, pairs), len(s.Names())
		for k, p := range pairs {
			want := reference(m, a, nil, opts, s.Names(), p.Row, p.Col, p.AsOf)
			if diff := gocmp.Diff(want, got[k*w:(k+1)*w], cmpopts.EquateApprox(0, tol)); diff != "" {
				t.Fatalf("trial %d, pair %+v (-want +got) %v:\n%s", trial, p, s.Names(), diff)
			}
		}
	}
}
