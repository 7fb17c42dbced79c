package synth_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"rolemine/datasets/schema"
	"rolemine/datasets/synth"
)

// small is the size most tests use: big enough for every planted structure
// to show, small enough to generate in well under a second.
var small = synth.Options{Identities: 2000, Entitlements: 1000, Seed: 7}

const layout = "2006-01-02 15:04:05"

var (
	root    string
	cacheMu sync.Mutex
	cache   = map[synth.Options]string{}
)

func TestMain(m *testing.M) {
	var err error
	if root, err = os.MkdirTemp("", "synth-test-"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(root)
	os.Exit(code)
}

// generated returns the directory of the enterprise opts describes,
// generating it on first use.
func generated(t testing.TB, opts synth.Options) string {
	t.Helper()
	cacheMu.Lock()
	defer cacheMu.Unlock()
	if dir, ok := cache[opts]; ok {
		return dir
	}
	dir := filepath.Join(root, fmt.Sprint(len(cache)))
	if _, err := synth.Generate(opts, dir); err != nil {
		t.Fatal(err)
	}
	cache[opts] = dir
	return dir
}

// table is a CSV file read whole.
type table struct {
	name   string
	header []string
	col    map[string]int
	rows   [][]string
}

func load(t testing.TB, dir, name string) *table {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, filepath.FromSlash(name)))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	tb := &table{name: name, header: recs[0], col: map[string]int{}, rows: recs[1:]}
	for i, h := range tb.header {
		tb.col[h] = i
	}
	return tb
}

// get returns column c of row r.
func (tb *table) get(r []string, c string) string {
	i, ok := tb.col[c]
	if !ok {
		panic(fmt.Sprintf("%s has no column %s", tb.name, c))
	}
	return r[i]
}

// values returns the set of the values of column c.
func (tb *table) values(c string) map[string]bool {
	s := map[string]bool{}
	for _, r := range tb.rows {
		s[tb.get(r, c)] = true
	}
	return s
}

// index maps the values of column c to their rows.
func (tb *table) index(c string) map[string][]string {
	m := map[string][]string{}
	for _, r := range tb.rows {
		m[tb.get(r, c)] = r
	}
	return m
}

var canonicalFiles = map[string]string{
	synth.IdentitiesFile:     "identities",
	synth.AccountsFile:       "accounts",
	synth.EntitlementsFile:   "entitlements",
	synth.AssignmentsFile:    "assignments",
	synth.RequestsFile:       "requests",
	synth.CertificationsFile: "certifications",
	synth.SoDRulesFile:       "sod_rules",
}

func TestReproducible(t *testing.T) {
	tests := []struct {
		name string
		a, b synth.Options
		same bool
	}{
		{"same seed", small, small, true},
		{"zero Now is the fixed default", small, withNow(small, synth.DefaultOptions.Now), true},
		{"other seed", small, withSeed(small, 8), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			da := generated(t, tt.a)
			db := filepath.Join(t.TempDir(), "b")
			if _, err := synth.Generate(tt.b, db); err != nil {
				t.Fatal(err)
			}
			var differ []string
			for name := range canonicalFiles {
				a, err := os.ReadFile(filepath.Join(da, name))
				if err != nil {
					t.Fatal(err)
				}
				b, err := os.ReadFile(filepath.Join(db, name))
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(a, b) {
					differ = append(differ, name)
				}
			}
			slices.Sort(differ)
			if tt.same && len(differ) > 0 {
				t.Errorf("files differ: %v", differ)
			}
			if !tt.same && len(differ) < len(canonicalFiles) {
				t.Errorf("only %v differ, want every file", differ)
			}
		})
	}
}

func withNow(o synth.Options, now time.Time) synth.Options { o.Now = now; return o }
func withSeed(o synth.Options, s int64) synth.Options      { o.Seed = s; return o }
func withNoise(o synth.Options, n float64) synth.Options   { o.Noise = n; return o }

func TestSummary(t *testing.T) {
	dir := t.TempDir()
	s, err := synth.Generate(small, dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range s.Files {
		if got := len(load(t, dir, f.Name).rows); got != f.Rows {
			t.Errorf("%s: summary says %d rows, file has %d", f.Name, f.Rows, got)
		}
	}
	if got := s.Rows(synth.IdentitiesFile); got != small.Identities {
		t.Errorf("identities: got %d rows, want %d", got, small.Identities)
	}
	if got := s.Rows("nonexistent.csv"); got != -1 {
		t.Errorf("Rows of an unknown file = %d, want -1", got)
	}
}

// TestHeaders checks that canonical files use schema column names only
// (plus attribute columns where the table keeps them) and carry every
// required column, and pins the ground-truth headers later stages read.
func TestHeaders(t *testing.T) {
	dir := generated(t, small)
	for name, tname := range canonicalFiles {
		t.Run(name, func(t *testing.T) {
			tb, ok := schema.Lookup(tname)
			if !ok {
				t.Fatalf("schema has no table %s", tname)
			}
			header := load(t, dir, name).header
			for _, h := range header {
				if _, ok := tb.Column(h); !ok && !tb.Attributes {
					t.Errorf("column %s is not in schema table %s", h, tname)
				}
			}
			for _, req := range tb.Required() {
				if !slices.Contains(header, req) {
					t.Errorf("required column %s missing", req)
				}
			}
		})
	}
	truth := map[string][]string{
		synth.PlantedRolesFile: {"role_id", "kind", "entitlement_id", "rule"},
		synth.RoleMembersFile:  {"role_id", "identity_id"},
		synth.DuplicatesFile:   {"identity_a", "identity_b"},
		synth.NoiseFile:        {"identity_id", "entitlement_id", "kind", "cause"},
		synth.DecisionsFile:    {"request_id", "decision", "true_decision", "reviewer_noise", "approve_probability", "scenario"},
		synth.OutliersFile:     {"identity_id", "kind", "detail"},
	}
	for name, want := range truth {
		if diff := cmp.Diff(want, load(t, dir, name).header); diff != "" {
			t.Errorf("%s header (-want +got):\n%s", name, diff)
		}
	}
}

// TestValues checks enumerated columns against the schema's value sets and
// that every timestamp parses and lies before Now.
func TestValues(t *testing.T) {
	dir := generated(t, small)
	now := synth.DefaultOptions.Now.Format(layout)
	for name, tname := range canonicalFiles {
		tb, _ := schema.Lookup(tname)
		data := load(t, dir, name)
		for _, col := range tb.Columns {
			if _, ok := data.col[col.Name]; !ok {
				continue
			}
			for i, r := range data.rows {
				v := data.get(r, col.Name)
				switch {
				case v == "":
					if col.Required {
						t.Errorf("%s line %d: %s is empty", name, i+2, col.Name)
					}
				case col.Values != nil && !slices.Contains(col.Values, v):
					t.Errorf("%s line %d: %s %q not in %v", name, i+2, col.Name, v, col.Values)
				case col.Type == schema.Bool && v != "true" && v != "false":
					t.Errorf("%s line %d: %s %q is no boolean", name, i+2, col.Name, v)
				case col.Type == schema.Timestamp:
					if _, err := time.Parse(layout, v); err != nil {
						t.Errorf("%s line %d: %v", name, i+2, err)
					} else if v > now && col.Name != "termination_date" {
						t.Errorf("%s line %d: %s %s is after Now", name, i+2, col.Name, v)
					}
				}
			}
		}
	}
	ids := load(t, dir, synth.IdentitiesFile)
	for i, r := range ids.rows {
		kind, status := ids.get(r, "kind"), ids.get(r, "status")
		if !slices.Contains(schema.IdentityKinds, kind) || !slices.Contains(schema.IdentityStatus, status) {
			t.Errorf("identities line %d: kind %q status %q", i+2, kind, status)
		}
	}
}

// TestReferences checks that every id points to an existing row; only
// orphaned accounts have no identity.
func TestReferences(t *testing.T) {
	dir := generated(t, small)
	tables := map[string]*table{}
	get := func(name string) *table {
		if tables[name] == nil {
			tables[name] = load(t, dir, name)
		}
		return tables[name]
	}
	refs := []struct {
		file, col, target, targetCol string
		emptyOK                      bool
	}{
		{synth.IdentitiesFile, "manager_id", synth.IdentitiesFile, "identity_id", true},
		{synth.IdentitiesFile, "owner_id", synth.IdentitiesFile, "identity_id", true},
		{synth.AccountsFile, "identity_id", synth.IdentitiesFile, "identity_id", true},
		{synth.EntitlementsFile, "owner_id", synth.IdentitiesFile, "identity_id", true},
		{synth.AssignmentsFile, "identity_id", synth.IdentitiesFile, "identity_id", false},
		{synth.AssignmentsFile, "entitlement_id", synth.EntitlementsFile, "entitlement_id", false},
		{synth.RequestsFile, "identity_id", synth.IdentitiesFile, "identity_id", false},
		{synth.RequestsFile, "entitlement_id", synth.EntitlementsFile, "entitlement_id", false},
		{synth.RequestsFile, "decided_by", synth.IdentitiesFile, "identity_id", true},
		{synth.CertificationsFile, "identity_id", synth.IdentitiesFile, "identity_id", false},
		{synth.CertificationsFile, "entitlement_id", synth.EntitlementsFile, "entitlement_id", false},
		{synth.CertificationsFile, "reviewer_id", synth.IdentitiesFile, "identity_id", true},
		{synth.SoDRulesFile, "entitlement_a", synth.EntitlementsFile, "entitlement_id", false},
		{synth.SoDRulesFile, "entitlement_b", synth.EntitlementsFile, "entitlement_id", false},
		{synth.PlantedRolesFile, "entitlement_id", synth.EntitlementsFile, "entitlement_id", false},
		{synth.RoleMembersFile, "role_id", synth.PlantedRolesFile, "role_id", false},
		{synth.RoleMembersFile, "identity_id", synth.IdentitiesFile, "identity_id", false},
		{synth.DuplicatesFile, "identity_a", synth.IdentitiesFile, "identity_id", false},
		{synth.DuplicatesFile, "identity_b", synth.IdentitiesFile, "identity_id", false},
		{synth.NoiseFile, "identity_id", synth.IdentitiesFile, "identity_id", false},
		{synth.NoiseFile, "entitlement_id", synth.EntitlementsFile, "entitlement_id", false},
		{synth.DecisionsFile, "request_id", synth.RequestsFile, "request_id", false},
		{synth.OutliersFile, "identity_id", synth.IdentitiesFile, "identity_id", false},
	}
	for _, ref := range refs {
		t.Run(ref.file+"."+ref.col, func(t *testing.T) {
			src, dst := get(ref.file), get(ref.target).values(ref.targetCol)
			bad, empty := 0, 0
			for i, r := range src.rows {
				switch v := src.get(r, ref.col); {
				case v == "":
					empty++
					if !ref.emptyOK {
						t.Errorf("line %d: empty %s", i+2, ref.col)
					}
				case !dst[v]:
					if bad++; bad <= 3 {
						t.Errorf("line %d: %s %s not in %s", i+2, ref.col, v, ref.target)
					}
				}
			}
			if bad > 3 {
				t.Errorf("%d dangling references in all", bad)
			}
		})
	}
	if n := len(get(synth.AccountsFile).rows); n == 0 {
		t.Fatal("no accounts")
	}
	// Keys are unique.
	keys := []struct {
		file string
		cols []string
	}{
		{synth.IdentitiesFile, []string{"identity_id"}},
		{synth.AccountsFile, []string{"account_id"}},
		{synth.AccountsFile, []string{"application", "username"}},
		{synth.EntitlementsFile, []string{"entitlement_id"}},
		{synth.AssignmentsFile, []string{"identity_id", "entitlement_id"}},
		{synth.RequestsFile, []string{"request_id"}},
		{synth.CertificationsFile, []string{"identity_id", "entitlement_id", "campaign"}},
		{synth.SoDRulesFile, []string{"rule_id"}},
	}
	for _, k := range keys {
		tb := get(k.file)
		seen := map[string]bool{}
		for i, r := range tb.rows {
			var key []string
			for _, c := range k.cols {
				key = append(key, tb.get(r, c))
			}
			s := strings.Join(key, ",")
			if seen[s] {
				t.Errorf("%s line %d: duplicate key %s", k.file, i+2, s)
			}
			seen[s] = true
		}
	}
}

// held maps identity to held entitlements.
func held(asg *table) map[string]map[string]bool {
	h := map[string]map[string]bool{}
	for _, r := range asg.rows {
		id := asg.get(r, "identity_id")
		if h[id] == nil {
			h[id] = map[string]bool{}
		}
		h[id][asg.get(r, "entitlement_id")] = true
	}
	return h
}

// plantedRoles returns each role's entitlements and members.
func plantedRoles(t *testing.T, dir string) (ents, members map[string][]string) {
	ents, members = map[string][]string{}, map[string][]string{}
	pr := load(t, dir, synth.PlantedRolesFile)
	for _, r := range pr.rows {
		ents[pr.get(r, "role_id")] = append(ents[pr.get(r, "role_id")], pr.get(r, "entitlement_id"))
	}
	pm := load(t, dir, synth.RoleMembersFile)
	for _, r := range pm.rows {
		members[pm.get(r, "role_id")] = append(members[pm.get(r, "role_id")], pm.get(r, "identity_id"))
	}
	return ents, members
}

// TestNoise checks that the share of planted grants that deviate through
// noise (random, or a request outcome drawn from the noise budget) is close
// to Options.Noise, and that the noise file agrees with the assignments.
func TestNoise(t *testing.T) {
	tests := []struct {
		noise, want float64
	}{
		{-1, 0},
		{0.02, 0.02},
		{0.05, 0.05},
		{0.10, 0.10},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.noise), func(t *testing.T) {
			dir := generated(t, withNoise(small, tt.noise))
			ents, members := plantedRoles(t, dir)
			cells := 0
			for r, es := range ents {
				cells += len(es) * len(members[r])
			}
			h := held(load(t, dir, synth.AssignmentsFile))
			noise := load(t, dir, synth.NoiseFile)
			budget := 0
			for i, r := range noise.rows {
				id, e, kind := noise.get(r, "identity_id"), noise.get(r, "entitlement_id"), noise.get(r, "kind")
				if c := noise.get(r, "cause"); c == "random" || c == "request" {
					budget++
				}
				if h[id][e] != (kind == "extra") {
					t.Errorf("noise line %d: %s %s %s, but held = %v", i+2, id, e, kind, h[id][e])
				}
			}
			got := float64(budget) / float64(cells)
			// Binomial sampling error on ~100,000 cells is below 0.001;
			// the rest of the tolerance is for budget rounding per person.
			tol := 0.1*tt.want + 0.002
			if math.Abs(got-tt.want) > tol {
				t.Errorf("noise rate %.4f, want %.4f ± %.4f", got, tt.want, tol)
			}
		})
	}
}

// TestGroundTruthExplainsAssignments rebuilds assignments.csv from the
// planted roles, their members and the noise file.
func TestGroundTruthExplainsAssignments(t *testing.T) {
	for _, noise := range []float64{-1, 0.05} {
		t.Run(fmt.Sprint(noise), func(t *testing.T) {
			dir := generated(t, withNoise(small, noise))
			ents, members := plantedRoles(t, dir)
			want := map[[2]string]bool{}
			for r, ids := range members {
				for _, id := range ids {
					for _, e := range ents[r] {
						want[[2]string{id, e}] = true
					}
				}
			}
			nf := load(t, dir, synth.NoiseFile)
			for _, r := range nf.rows {
				cell := [2]string{nf.get(r, "identity_id"), nf.get(r, "entitlement_id")}
				switch nf.get(r, "kind") {
				case "missing":
					if !want[cell] {
						t.Errorf("missing %v is no planted grant", cell)
					}
					delete(want, cell)
				case "extra":
					if want[cell] {
						t.Errorf("extra %v is a planted grant", cell)
					}
					want[cell] = true
				default:
					t.Errorf("noise kind %q", nf.get(r, "kind"))
				}
			}
			asg := load(t, dir, synth.AssignmentsFile)
			got := map[[2]string]bool{}
			for _, r := range asg.rows {
				got[[2]string{asg.get(r, "identity_id"), asg.get(r, "entitlement_id")}] = true
			}
			extra, missing := 0, 0
			for c := range got {
				if !want[c] {
					extra++
				}
			}
			for c := range want {
				if !got[c] {
					missing++
				}
			}
			if extra > 0 || missing > 0 {
				t.Errorf("%d assignments unexplained by the ground truth, %d explained ones absent", extra, missing)
			}
		})
	}
}

// TestPlantedRoles checks that planted roles are disjoint, of sensible size,
// have enough members, and that members hold their roles' entitlements up
// to noise: the conditions for a miner to recover them.
func TestPlantedRoles(t *testing.T) {
	dir := generated(t, small)
	ents, members := plantedRoles(t, dir)
	h := held(load(t, dir, synth.AssignmentsFile))
	owner := map[string]string{}
	below := 0
	total := 0
	for r, es := range ents {
		for _, e := range es {
			if o, ok := owner[e]; ok {
				t.Errorf("entitlement %s is in roles %s and %s", e, o, r)
			}
			owner[e] = r
		}
		if len(es) < 5 || len(es) > 40 {
			t.Errorf("role %s has %d entitlements, want 5…40", r, len(es))
		}
		if len(members[r]) < 10 {
			t.Errorf("role %s has %d members, want at least 10", r, len(members[r]))
		}
		sum := 0.0
		for _, id := range members[r] {
			n := 0
			for _, e := range es {
				if h[id][e] {
					n++
				}
			}
			cov := float64(n) / float64(len(es))
			sum += cov
			if cov < 0.8 {
				below++
			}
			total++
		}
		if mean := sum / float64(len(members[r])); mean < 0.9 {
			t.Errorf("role %s: members hold %.2f of its entitlements on average, want ≥ 0.9", r, mean)
		}
	}
	if share := float64(below) / float64(total); share > 0.1 {
		t.Errorf("%.3f of memberships cover less than 80 %% of the role, want ≤ 0.1", share)
	}
}

func TestDuplicates(t *testing.T) {
	dir := generated(t, small)
	ids := load(t, dir, synth.IdentitiesFile).index("identity_id")
	dups := load(t, dir, synth.DuplicatesFile)
	want := int(math.Round(float64(small.Identities) * synth.DefaultOptions.Duplicates))
	if len(dups.rows) != want {
		t.Errorf("%d duplicate pairs, want %d", len(dups.rows), want)
	}
	idt := load(t, dir, synth.IdentitiesFile)
	for _, r := range dups.rows {
		a, b := ids[dups.get(r, "identity_a")], ids[dups.get(r, "identity_b")]
		if a == nil || b == nil || dups.get(r, "identity_a") == dups.get(r, "identity_b") {
			t.Errorf("pair %v does not name two identities", r)
			continue
		}
		for _, c := range []string{"kind", "department", "manager_id", "location"} {
			if idt.get(a, c) != idt.get(b, c) {
				t.Errorf("pair %v: %s %q ≠ %q", r, c, idt.get(a, c), idt.get(b, c))
			}
		}
		if idt.get(a, "display_name") == idt.get(b, "display_name") {
			t.Errorf("pair %v: same display name %q", r, idt.get(a, "display_name"))
		}
	}
}

func TestDecisions(t *testing.T) {
	dir := generated(t, small)
	reqs := load(t, dir, synth.RequestsFile)
	dec := load(t, dir, synth.DecisionsFile)
	if len(dec.rows) != len(reqs.rows) {
		t.Fatalf("%d decisions for %d requests", len(dec.rows), len(reqs.rows))
	}
	ids := load(t, dir, synth.IdentitiesFile)
	idx := ids.index("identity_id")
	flipped, decided := 0, 0
	byScenario := map[string][2]int{} // approved, decided
	var expected float64              // expected number of flipped decisions
	for i, r := range dec.rows {
		q := reqs.rows[i]
		if reqs.get(q, "request_id") != dec.get(r, "request_id") || reqs.get(q, "decision") != dec.get(r, "decision") {
			t.Fatalf("decisions line %d does not match requests: %v vs %v", i+2, r, q)
		}
		rec, truth, noise := dec.get(r, "decision"), dec.get(r, "true_decision"), dec.get(r, "reviewer_noise") == "true"
		if truth != schema.Approved && truth != schema.Denied {
			t.Errorf("line %d: true decision %q", i+2, truth)
		}
		if rec == schema.Pending {
			if noise || reqs.get(q, "decided_at") != "" || reqs.get(q, "decided_by") != "" {
				t.Errorf("line %d: pending request with a decision: %v %v", i+2, q, r)
			}
			continue
		}
		decided++
		if noise != (rec != truth) {
			t.Errorf("line %d: decision %s, true %s, reviewer noise %v", i+2, rec, truth, noise)
		}
		if noise {
			flipped++
		}
		p, err := strconv.ParseFloat(dec.get(r, "approve_probability"), 64)
		if err != nil {
			t.Fatalf("line %d: approve_probability: %v", i+2, err)
		}
		expected += synth.DefaultOptions.ReviewerNoise * 4 * p * (1 - p)
		s := byScenario[dec.get(r, "scenario")]
		s[1]++
		if rec == schema.Approved {
			s[0]++
		}
		byScenario[dec.get(r, "scenario")] = s
		if by := reqs.get(q, "decided_by"); by != "" && !employed(ids.get(idx[by], "hire_date"), ids.get(idx[by], "termination_date"), reqs.get(q, "decided_at")) {
			t.Errorf("line %d: %s decided at %s, not employed then", i+2, by, reqs.get(q, "decided_at"))
		}
		if reqs.get(q, "decided_at") < reqs.get(q, "requested_at") {
			t.Errorf("line %d: decided before requested", i+2)
		}
		if v := reqs.get(q, "revoked_at"); v != "" && (rec != schema.Approved || v < reqs.get(q, "decided_at")) {
			t.Errorf("line %d: revoked_at %s of a %s request decided %s", i+2, v, rec, reqs.get(q, "decided_at"))
		}
	}
	// Flips follow ReviewerNoise·4p(1-p): their count is a sum of
	// Bernoulli draws with that mean; allow four standard deviations.
	if sd := math.Sqrt(expected); math.Abs(float64(flipped)-expected) > 4*sd+1 {
		t.Errorf("reviewer noise: %d flips, want %.1f ± %.1f", flipped, expected, 4*sd+1)
	}
	// Clear cases are rarely flipped: reviewers err on close calls.
	if rate := float64(flipped) / float64(decided); rate >= synth.DefaultOptions.ReviewerNoise {
		t.Errorf("reviewer noise rate %.3f, want below the close-call rate %.3f", rate, synth.DefaultOptions.ReviewerNoise)
	}
	// Decisions follow peers: requests that fit the requester's roles are
	// approved far more often than outliers.
	approval := func(s string) float64 { return float64(byScenario[s][0]) / float64(byScenario[s][1]) }
	if fit, out := approval("role_fit"), approval("outlier"); fit < 0.8 || out > 0.35 {
		t.Errorf("approval rate role_fit %.2f (want ≥ 0.8), outlier %.2f (want ≤ 0.35)", fit, out)
	}
}

// employed reports whether someone hired at hire and leaving at term
// (empty: not leaving) was employed at t; all in the files' layout.
func employed(hire, term, t string) bool { return hire <= t && (term == "" || term > t) }

func TestCertifications(t *testing.T) {
	dir := generated(t, small)
	certs := load(t, dir, synth.CertificationsFile)
	ids := load(t, dir, synth.IdentitiesFile)
	idx := ids.index("identity_id")
	asg := load(t, dir, synth.AssignmentsFile)
	granted := map[[2]string]string{}
	for _, r := range asg.rows {
		granted[[2]string{asg.get(r, "identity_id"), asg.get(r, "entitlement_id")}] = asg.get(r, "granted_at")
	}
	campaigns := map[string]bool{}
	revoked, revokedHeld := 0, 0
	for i, r := range certs.rows {
		campaigns[certs.get(r, "campaign")] = true
		at := certs.get(r, "certified_at")
		if by := certs.get(r, "reviewer_id"); by != "" {
			if by == certs.get(r, "identity_id") || !employed(ids.get(idx[by], "hire_date"), ids.get(idx[by], "termination_date"), at) {
				t.Errorf("line %d: reviewer %s cannot review at %s", i+2, by, at)
			}
		}
		g, held := granted[[2]string{certs.get(r, "identity_id"), certs.get(r, "entitlement_id")}]
		switch certs.get(r, "decision") {
		case schema.Keep:
			if !held || g > at {
				t.Errorf("line %d: kept access that is not held since %s (granted %q)", i+2, at, g)
			}
		case schema.Revoke:
			revoked++
			if held {
				revokedHeld++
			}
		}
	}
	if len(campaigns) < 2 {
		t.Errorf("%d campaigns, want several", len(campaigns))
	}
	// Revocations are mostly carried out; a few are not (a hygiene finding).
	if revoked == 0 || float64(revokedHeld) > 0.2*float64(revoked) {
		t.Errorf("%d revocations, %d of them still held", revoked, revokedHeld)
	}
	// Some access has never been reviewed.
	reviewed := map[[2]string]bool{}
	for _, r := range certs.rows {
		reviewed[[2]string{certs.get(r, "identity_id"), certs.get(r, "entitlement_id")}] = true
	}
	never := 0
	for c := range granted {
		if !reviewed[c] {
			never++
		}
	}
	if never < len(granted)/4 {
		t.Errorf("only %d of %d assignments never reviewed", never, len(granted))
	}
}

func TestPending(t *testing.T) {
	dir := generated(t, small)
	reqs := load(t, dir, synth.RequestsFile)
	dec := load(t, dir, synth.DecisionsFile)
	ids := load(t, dir, synth.IdentitiesFile)
	idx := ids.index("identity_id")
	ents := load(t, dir, synth.EntitlementsFile)
	eidx := ents.index("entitlement_id")
	cases := map[string]int{}
	pending := 0
	for i, q := range reqs.rows {
		if reqs.get(q, "decision") != schema.Pending {
			continue
		}
		pending++
		who, what := idx[reqs.get(q, "identity_id")], eidx[reqs.get(q, "entitlement_id")]
		if ids.get(who, "status") == "terminated" {
			cases["terminated requester"]++
		}
		if ids.get(who, "kind") != "human" {
			cases["non-human requester"]++
		}
		if ents.get(what, "privileged") == "true" || schema.RiskRank(ents.get(what, "risk")) >= 2 {
			cases["privileged or high risk"]++
		}
		if dec.get(dec.rows[i], "scenario") == "sod_conflict" {
			cases["sod conflict"]++
		}
	}
	if share := float64(pending) / float64(len(reqs.rows)); share < 0.02 || share > 0.06 {
		t.Errorf("pending share %.3f, want 0.02…0.06", share)
	}
	for _, c := range []string{"terminated requester", "non-human requester", "privileged or high risk", "sod conflict"} {
		if cases[c] == 0 {
			t.Errorf("no pending request with a %s", c)
		}
	}
}

// TestHygiene checks the planted hygiene findings: overdue non-human
// credentials, orphaned and dormant accounts, SoD violations, leavers.
func TestHygiene(t *testing.T) {
	dir := generated(t, small)
	now := synth.DefaultOptions.Now
	ninety := now.AddDate(0, 0, -90).Format(layout)
	ids := load(t, dir, synth.IdentitiesFile)
	idx := ids.index("identity_id")
	acc := load(t, dir, synth.AccountsFile)
	var nonHuman, overdue, orphans, leavers, dormant int
	for _, r := range acc.rows {
		id := acc.get(r, "identity_id")
		if id == "" {
			orphans++
			continue
		}
		if ids.get(idx[id], "status") == "terminated" {
			leavers++
		}
		if l := acc.get(r, "last_login_at"); l == "" || l < ninety {
			dormant++
		}
		if ids.get(idx[id], "kind") == "human" {
			continue
		}
		nonHuman++
		if rot := acc.get(r, "credential_rotated_at"); rot == "" || rot < ninety {
			overdue++
		}
	}
	got := map[string]float64{
		"overdue non-human credentials": float64(overdue) / float64(nonHuman),
		"orphaned accounts":             float64(orphans) / float64(len(acc.rows)),
		"accounts of leavers":           float64(leavers) / float64(len(acc.rows)),
		"dormant accounts":              float64(dormant) / float64(len(acc.rows)),
	}
	want := map[string][2]float64{
		"overdue non-human credentials": {0.4, 0.9},
		"orphaned accounts":             {0.001, 0.02},
		"accounts of leavers":           {0.005, 0.1},
		"dormant accounts":              {0.05, 0.4},
	}
	for k, w := range want {
		if got[k] < w[0] || got[k] > w[1] {
			t.Errorf("%s: share %.4f, want %g…%g", k, got[k], w[0], w[1])
		}
	}

	h := held(load(t, dir, synth.AssignmentsFile))
	sod := load(t, dir, synth.SoDRulesFile)
	violations := 0
	for _, r := range sod.rows {
		for _, es := range h {
			if es[sod.get(r, "entitlement_a")] && es[sod.get(r, "entitlement_b")] {
				violations++
			}
		}
	}
	if violations == 0 || violations > len(h)/50 {
		t.Errorf("%d SoD violations, want a few", violations)
	}

	var nonHumans, owned, ownerLeft, leftWithAccess int
	for _, r := range ids.rows {
		if ids.get(r, "kind") != "human" {
			nonHumans++
			if o := ids.get(r, "owner_id"); o != "" {
				owned++
				if ids.get(idx[o], "status") == "terminated" {
					ownerLeft++
				}
			}
		}
		if ids.get(r, "status") == "terminated" && len(h[ids.get(r, "identity_id")]) > 0 {
			leftWithAccess++
		}
	}
	if owned == nonHumans || ownerLeft == 0 || leftWithAccess == 0 {
		t.Errorf("%d non-humans, %d owned, %d by leavers; %d leavers keep access: want some of each",
			nonHumans, owned, ownerLeft, leftWithAccess)
	}
}

// TestShape checks the relative sizes the generator promises: 80–90 %
// humans, one to two requests per identity, and about 50 assignments per
// identity, fewer at the minimum size where roles shrink to fit the
// catalogue.
func TestShape(t *testing.T) {
	tests := []struct {
		opts           synth.Options
		minAsg, maxAsg float64
	}{
		{small, 40, 65},
		{synth.Options{Identities: synth.MinIdentities, Entitlements: synth.MinEntitlements, Seed: 1}, 20, 65},
	}
	for _, tt := range tests {
		o := tt.opts
		t.Run(fmt.Sprintf("%d/%d", o.Identities, o.Entitlements), func(t *testing.T) {
			dir := generated(t, o)
			ids := load(t, dir, synth.IdentitiesFile)
			humans := 0
			for _, r := range ids.rows {
				if ids.get(r, "kind") == "human" {
					humans++
				}
			}
			n := float64(o.Identities)
			asg := float64(len(load(t, dir, synth.AssignmentsFile).rows))
			reqs := float64(len(load(t, dir, synth.RequestsFile).rows))
			checks := []struct {
				name        string
				got, lo, hi float64
			}{
				{"human share", float64(humans) / n, 0.8, 0.9},
				{"assignments per identity", asg / n, tt.minAsg, tt.maxAsg},
				{"requests per identity", reqs / n, 1, 2},
			}
			for _, c := range checks {
				if c.got < c.lo || c.got > c.hi {
					t.Errorf("%s %.2f, want %g…%g", c.name, c.got, c.lo, c.hi)
				}
			}
		})
	}
}

func TestOptionErrors(t *testing.T) {
	tests := []struct {
		name string
		opts synth.Options
		want string
	}{
		{"too few identities", synth.Options{Identities: 10}, "identities 10 out of range"},
		{"negative identities", synth.Options{Identities: -5}, "identities -5 out of range"},
		{"too few entitlements", synth.Options{Entitlements: 50}, "entitlements 50 out of range"},
		{"noise too high", synth.Options{Noise: 0.9}, "noise 0.9 out of range"},
		{"noise NaN", synth.Options{Noise: math.NaN()}, "noise NaN out of range"},
		{"too many applications", synth.Options{Entitlements: 200, Applications: 100}, "applications 100 out of range"},
		{"ancient now", synth.Options{Now: time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)}, "reference time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			_, err := synth.Generate(tt.opts, dir)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got error %v, want one containing %q", err, tt.want)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("files written despite the error: %v", entries)
			}
		})
	}
}

// BenchmarkGenerate writes generated organisations of up to a million
// identities and 100,000 entitlements (about 52 M assignments and 5.8 GB of
// files; the target is under 3 minutes).
func BenchmarkGenerate(b *testing.B) {
	sizes := []synth.Options{
		{Identities: 2_000, Entitlements: 1_000},
		{Identities: 20_000, Entitlements: 5_000},
		{Identities: 1_000_000, Entitlements: 100_000},
	}
	for _, o := range sizes {
		b.Run(fmt.Sprintf("%d×%d", o.Identities, o.Entitlements), func(b *testing.B) {
			dir := b.TempDir()
			b.ReportAllocs()
			rows := 0
			for b.Loop() {
				s, err := synth.Generate(o, dir)
				if err != nil {
					b.Fatal(err)
				}
				rows = 0
				for _, f := range s.Files {
					rows += f.Rows
				}
			}
			b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
