package mining

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"rolemine/features"
)

// staffRows are fourteen identities: u0…u7 Finance clerks holding d1 d2;
// u8 a Finance admin and u9…u11 IT admin service accounts holding e1 e2;
// u12 an HR clerk and u13 an IT admin holding nothing.
var staffRows = []string{
	"d1 d2", "d1 d2", "d1 d2", "d1 d2", "d1 d2", "d1 d2", "d1 d2", "d1 d2",
	"e1 e2", "e1 e2", "e1 e2", "e1 e2", "", "",
}

func staffAttributes(m *features.Matrix) *features.Attributes {
	a := features.NewAttributes(m)
	for i := range m.Rows() {
		dept, title, kind := "Finance", "Clerk", "human"
		switch {
		case i == 8:
			title = "Admin"
		case i >= 9 && i <= 11:
			dept, title, kind = "IT", "Admin", "service"
		case i == 12:
			dept = "HR"
		case i == 13:
			dept, title = "IT", "Admin"
		}
		a.Set(i, "department", dept)
		a.Set(i, "title", title)
		a.Set(i, "kind", kind)
	}
	return a
}

// staffRisk describes d1 high and privileged, d2 low, e1 critical, e2
// medium.
func staffRisk(m *features.Matrix) []EntitlementRisk {
	risk := make([]EntitlementRisk, m.Cols())
	for j := range risk {
		switch m.ColID(j) {
		case "d1":
			risk[j] = EntitlementRisk{Level: RiskHigh, Privileged: true}
		case "e1":
			risk[j] = EntitlementRisk{Level: RiskCritical}
		case "e2":
			risk[j] = EntitlementRisk{Level: RiskMedium}
		}
	}
	return risk
}

func TestExplain(t *testing.T) {
	m := rowsMatrix(staffRows...)
	attrs := staffAttributes(m)
	rows := func(ids ...int32) []int32 { return ids }
	d := Role{Entitlements: rows(0, 1), Members: rows(0, 1, 2, 3, 4, 5, 6, 7)}
	e := Role{Entitlements: rows(2, 3), Members: rows(8, 9, 10, 11)}
	tests := []struct {
		name  string
		roles []Role
		want  []Explanation
	}{
		{
			// D's holders u0…u7: department = Finance selects u0…u8 and
			// title = Clerk u0…u7 and u12, both F1 = 2·8/(9+8) = 16/17;
			// the first attribute wins the tie, and title = Clerk within
			// Finance selects exactly the holders (F1 = 1).
			// E's holders u8…u11: title = Admin selects them and u13 (F1
			// = 8/9), kind = service u9…u11 (6/7), department = IT u9…u11
			// and u13 (6/8); no second term beats 8/9. Three of the four
			// holders are service accounts: technical.
			name:  "roles",
			roles: []Role{d, e},
			want: []Explanation{
				{
					Role: 0, Name: "Finance / Clerk", Kind: KindBirthright, Members: 8, Holders: 8, Entitlements: 2,
					Rule:    Rule{{"department", "Finance"}, {"title", "Clerk"}},
					Matches: 8, Precision: 1, Recall: 1, F1: 1, Mapping: true,
					Risk: RiskMix{Low: 1, High: 1, Privileged: 1},
				},
				{
					Role: 1, Name: "Admin", Kind: KindTechnical, Members: 4, Holders: 4, Entitlements: 2,
					Rule:    Rule{{"title", "Admin"}},
					Matches: 5, Precision: 0.8, Recall: 1, F1: 8.0 / 9,
					Risk:           RiskMix{Medium: 1, Critical: 1},
					CandidateCount: 1, Candidates: rows(13),
				},
			},
		},
		{
			// The base role's holders include the members of its partial
			// role, so its rule is that of D above; the partial role is
			// named after it and never proposed for mapping. Its own
			// holders u6 u7: department = Finance and title = Clerk both
			// give F1 = 2·2/(9+2); adding title = Clerk within Finance
			// gives 2·2/(8+2), a rise of 0.036 ≥ MinGain.
			name: "partial",
			roles: []Role{
				{Entitlements: rows(0, 1), Members: rows(0, 1, 2, 3, 4, 5)},
				{Entitlements: rows(0), Members: rows(6, 7), Parent: 1},
			},
			want: []Explanation{
				{
					Role: 0, Name: "Finance / Clerk", Kind: KindBirthright, Members: 6, Holders: 8, Entitlements: 2,
					Rule:    Rule{{"department", "Finance"}, {"title", "Clerk"}},
					Matches: 8, Precision: 1, Recall: 1, F1: 1, Mapping: true,
					Risk: RiskMix{Low: 1, High: 1, Privileged: 1},
				},
				{
					Role: 1, Name: "Finance / Clerk (part 1)", Kind: KindPartial, Parent: 1, Members: 2, Holders: 2, Entitlements: 1,
					Rule:    Rule{{"department", "Finance"}, {"title", "Clerk"}},
					Matches: 8, Precision: 0.25, Recall: 1, F1: 0.4,
					Risk:           RiskMix{High: 1, Privileged: 1},
					CandidateCount: 6, Candidates: rows(0, 1, 2, 3, 4, 5),
				},
			},
		},
		{
			// No holders: the empty rule, a numbered name.
			name:  "empty",
			roles: []Role{{Entitlements: rows(2)}},
			want: []Explanation{{
				Role: 0, Name: "Role 1", Kind: KindBusiness, Entitlements: 1, Rule: Rule{}, Matches: 14,
				Risk: RiskMix{Critical: 1},
			}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := &Result{Matrix: m, Roles: tc.roles}
			got := Explain(r, attrs, staffRisk(m), DefaultExplainOptions)
			if diff := cmp.Diff(tc.want, got, cmpopts.EquateApprox(0, 1e-12)); diff != "" {
				t.Errorf("explanations (-want +got):\n%s", diff)
			}
		})
	}
}

// TestExplainApprox explains what Approx mines on the staff matrix.
func TestExplainApprox(t *testing.T) {
	m := rowsMatrix(staffRows...)
	r, err := Approx(context.Background(), m, DefaultApproxOptions)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range Explain(r, staffAttributes(m), nil, DefaultExplainOptions) {
		names = append(names, e.Name+" ["+string(e.Kind)+"] "+e.Rule.String())
	}
	want := []string{
		"Finance / Clerk [birthright-candidate] department = Finance AND title = Clerk",
		"Admin [technical] title = Admin",
	}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("explained roles (-want +got):\n%s", diff)
	}
}

// TestExplainSynth checks, on the synthetic enterprise, that the base
// roles recovering a planted job role (rule department=…;title=…) get a
// rule precise enough to be proposed as a role-mapping rule, naming the
// job's title. The generator gives every job its own title, so the title
// alone usually suffices.
func TestExplainSynth(t *testing.T) {
	org := testSynth(t)
	r, err := Approx(context.Background(), org.m, DefaultApproxOptions)
	if err != nil {
		t.Fatal(err)
	}
	ex := Explain(r, org.attrs, org.risk, DefaultExplainOptions)
	jobs, mapped, sumP, sumR := 0, 0, 0.0, 0.0
	for _, p := range org.planted {
		if p.kind != "job" {
			continue
		}
		jobs++
		best, bj := -1, 0.0
		for k, role := range r.Roles {
			if j := BestJaccard([][]int32{p.entitlements}, []Role{role})[0]; role.Parent == 0 && j > bj {
				best, bj = k, j
			}
		}
		if best < 0 || bj < 0.9 {
			continue
		}
		e := ex[best]
		title := p.rule[strings.Index(p.rule, ";title=")+len(";title="):]
		if e.Mapping && strings.Contains(e.Rule.String(), "title = "+title) {
			mapped++
		}
		sumP += e.Precision
		sumR += e.Recall
	}
	t.Logf("%d of %d job roles mapped by a rule naming their title; mean precision %.3f, recall %.3f", mapped, jobs, sumP/float64(jobs), sumR/float64(jobs))
	if mapped < jobs*9/10 {
		t.Errorf("%d of %d job roles mapped by their title, want 90 %%", mapped, jobs)
	}
	for _, e := range ex {
		if e.Kind == KindPartial && e.Mapping {
			t.Errorf("partial role %d proposed for mapping", e.Role)
		}
	}
}

func TestExplainPanics(t *testing.T) {
	m := rowsMatrix(staffRows...)
	r := &Result{Matrix: m}
	tests := []struct {
		name string
		f    func()
	}{
		{"risk length", func() { Explain(r, nil, make([]EntitlementRisk, 1), DefaultExplainOptions) }},
		{"precision", func() { Explain(r, nil, nil, ExplainOptions{MinPrecision: 2}) }},
		{"terms", func() { Explain(r, nil, nil, ExplainOptions{MaxTerms: -1}) }},
		{"parent", func() { Explain(&Result{Matrix: m, Roles: []Role{{Parent: 1}}}, nil, nil, DefaultExplainOptions) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if msg, _ := recover().(string); !strings.HasPrefix(msg, "mining: ") {
					t.Errorf("recovered %q, want a mining: panic", msg)
				}
			}()
			tc.f()
		})
	}
}

func TestParseRiskLevel(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want RiskLevel
		ok   bool
	}{
		{"", RiskLow, true}, {"low", RiskLow, true}, {" High ", RiskHigh, true},
		{"CRITICAL", RiskCritical, true}, {"medium", RiskMedium, true}, {"severe", 0, false},
	} {
		got, err := ParseRiskLevel(tc.in)
		if got != tc.want || (err == nil) != tc.ok {
			t.Errorf("ParseRiskLevel(%q) = %v, %v; want %v, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

// TestExplainReadOrder checks that the rules do not depend on the order in
// which the attributes and their values were read: on the synthetic
// enterprise, whose small partial roles have many rules of equal F1, the
// explanations are the same when the rows and attributes are set in
// reverse order (which numbers every value differently).
func TestExplainReadOrder(t *testing.T) {
	org := testSynth(t)
	r, err := Approx(context.Background(), org.m, DefaultApproxOptions)
	if err != nil {
		t.Fatal(err)
	}
	reversed := features.NewAttributes(org.m)
	names := org.attrs.Names()
	for k := len(names) - 1; k >= 0; k-- {
		for i := org.m.Rows() - 1; i >= 0; i-- {
			if c := org.attrs.Code(k, i); c != features.Missing {
				reversed.Set(i, names[k], org.attrs.Value(k, c))
			}
		}
	}
	want := Explain(r, org.attrs, org.risk, DefaultExplainOptions)
	got := Explain(r, reversed, org.risk, DefaultExplainOptions)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("attributes read in reverse: explanations differ (-forward +reverse):\n%s", diff)
	}
}
