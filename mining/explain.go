package mining

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"rolemine/features"
)

// RoleKind classifies a mined role for the architect.
type RoleKind string

const (
	// KindBirthright is a role whose attribute rule is precise and
	// complete enough to grant it automatically (a birthright or
	// role-mapping rule).
	KindBirthright RoleKind = "birthright-candidate"
	// KindBusiness is a role of mostly human holders that no rule
	// describes well enough for automatic assignment.
	KindBusiness RoleKind = "business"
	// KindTechnical is a role held mostly by non-human identities.
	KindTechnical RoleKind = "technical"
	// KindPartial is a partial role: part of a base role, for identities
	// holding only that part (see Approx).
	KindPartial RoleKind = "partial"
)

// ExplainOptions are the settings of Explain. A zero field takes its value
// from DefaultExplainOptions; values out of range are a misuse and panic.
type ExplainOptions struct {
	// MaxTerms bounds the attribute=value terms of a rule.
	MaxTerms int

	// MinGain is the least rise of F1 for a term to be added to a rule, so
	// that rules stay short; negative means any rise.
	MinGain float64

	// MinPrecision and MinRecall are what a rule must reach for its role
	// to be proposed as a birthright or role-mapping rule; in (0, 1].
	MinPrecision, MinRecall float64

	// Attributes are the attributes rules may use; nil means every
	// attribute with fewer distinct values than half the identities (so
	// not names, e-mail addresses or other identifiers).
	Attributes []string

	// KindAttribute is the attribute telling human identities (value
	// HumanKind) from non-human ones; a role held mostly by non-humans is
	// technical. When the attribute is absent no role is technical.
	KindAttribute, HumanKind string

	// MaxCandidates bounds the identities listed in
	// Explanation.Candidates; negative lists none. CandidateCount is
	// always exact.
	MaxCandidates int
}

// DefaultExplainOptions propose a rule for automatic assignment when nine
// in ten identities it selects hold the role and it selects four in five
// of the holders.
var DefaultExplainOptions = ExplainOptions{
	MaxTerms:      3,
	MinGain:       0.005,
	MinPrecision:  0.9,
	MinRecall:     0.8,
	KindAttribute: "kind",
	HumanKind:     "human",
	MaxCandidates: 1000,
}

func (o ExplainOptions) withDefaults() ExplainOptions {
	if o.MaxTerms < 0 || math.IsNaN(o.MinGain) || o.MinPrecision < 0 || o.MinPrecision > 1 || o.MinRecall < 0 || o.MinRecall > 1 {
		panic(fmt.Sprintf("mining: invalid ExplainOptions %+v", o))
	}
	d := DefaultExplainOptions
	if o.MaxTerms == 0 {
		o.MaxTerms = d.MaxTerms
	}
	switch {
	case o.MinGain == 0:
		o.MinGain = d.MinGain
	case o.MinGain < 0:
		o.MinGain = 0
	}
	if o.MinPrecision == 0 {
		o.MinPrecision = d.MinPrecision
	}
	if o.MinRecall == 0 {
		o.MinRecall = d.MinRecall
	}
	if o.KindAttribute == "" {
		o.KindAttribute = d.KindAttribute
	}
	if o.HumanKind == "" {
		o.HumanKind = d.HumanKind
	}
	if o.MaxCandidates == 0 {
		o.MaxCandidates = d.MaxCandidates
	}
	return o
}

// Term is one attribute=value condition of a rule.
type Term struct {
	Attribute string `json:"attribute"`
	Value     string `json:"value"`
}

// Rule is a conjunction of terms; the empty rule selects every identity.
type Rule []Term

// String returns the rule as "department = Finance AND title = AP Clerk",
// or "(everyone)" for the empty rule.
func (r Rule) String() string {
	if len(r) == 0 {
		return "(everyone)"
	}
	parts := make([]string, len(r))
	for k, t := range r {
		parts[k] = t.Attribute + " = " + t.Value
	}
	return strings.Join(parts, " AND ")
}

// Explanation describes one role of a Result.
//
// The rule is measured against the role's holders: its members and, for a
// base role, the members of its partial roles, who hold most of it. So
// Precision is the share of the identities the rule selects that are
// holders, Recall the share of holders it selects, and Candidates the
// identities it selects that are not holders: candidates for provisioning,
// or for a review of the rule.
type Explanation struct {
	Role         int      `json:"role"` // index in Result.Roles
	Name         string   `json:"name"`
	Kind         RoleKind `json:"kind"`
	Parent       int      `json:"parent,omitempty"` // as Role.Parent
	Members      int      `json:"members"`
	Holders      int      `json:"holders"`
	Entitlements int      `json:"entitlements"`
	Rule         Rule     `json:"rule"`
	Matches      int      `json:"matches"` // identities the rule selects
	Precision    float64  `json:"precision"`
	Recall       float64  `json:"recall"`
	F1           float64  `json:"f1"`
	// Mapping is set when Precision and Recall reach the MinPrecision and
	// MinRecall of the options: the rule is proposed as a birthright or
	// role-mapping rule. Partial roles are never proposed.
	Mapping        bool    `json:"mapping"`
	Risk           RiskMix `json:"risk"`
	CandidateCount int     `json:"candidate_count"`
	Candidates     []int32 `json:"-"` // rows, ascending; at most MaxCandidates, none for the empty rule
}

// Explain describes every role of r, in order: a rule of up to MaxTerms
// attribute=value terms chosen greedily by F1 against the role's holders
// (each step adds the term that raises F1 the most, the first by attribute
// name and value among equals; the search stops when none raises it by
// MinGain), its precision and recall, the identities it selects that lack
// the role (none are listed for the empty rule), the role's risk mix, a
// name made of the rule's values ("Finance / AP Clerk"; a partial role
// takes its base role's name and " (part k)") and a kind: partial,
// technical (most holders not human), birthright-candidate (rule proposed
// for mapping) or business.
//
// attrs are the attributes of the rows of r.Matrix (nil: no rules); risk,
// indexed by column, describes each entitlement (nil: an empty mix).
// Explain panics when risk is not nil and its length is not the number of
// columns, when a role's Parent is not an earlier role, or when the
// options are invalid.
func Explain(r *Result, attrs *features.Attributes, risk []EntitlementRisk, opts ExplainOptions) []Explanation {
	m := r.Matrix
	if risk != nil && len(risk) != m.Cols() {
		panic(fmt.Sprintf("mining: risk of %d entitlements for a matrix of %d", len(risk), m.Cols()))
	}
	opts = opts.withDefaults()
	rs := newRuleSearch(m.Rows(), attrs, opts)
	for k, role := range r.Roles {
		if role.Parent < 0 || role.Parent > k {
			panic(fmt.Sprintf("mining: role %d has parent %d, not an earlier role", k, role.Parent-1))
		}
	}
	holders := roleHolders(r)
	out := make([]Explanation, len(r.Roles))
	eachRole(len(r.Roles), rs, func(rs *ruleSearch, k int) {
		role := r.Roles[k]
		e := Explanation{
			Role:         k,
			Parent:       role.Parent,
			Members:      len(role.Members),
			Holders:      len(holders[k]),
			Entitlements: len(role.Entitlements),
			Risk:         riskMix(role.Entitlements, risk),
		}
		rs.explain(holders[k], &e)
		e.Kind = rs.roleKind(holders[k], role, &e)
		out[k] = e
	})
	used := map[string]int{}
	parts := make([]int, len(r.Roles)) // base role → partial roles named so far
	for k, role := range r.Roles {
		if role.Parent > 0 {
			parts[role.Parent-1]++
		}
		out[k].Name = uniqueName(used, roleName(out, k, role, out[k], parts))
	}
	return out
}

// eachRole calls explain(w, k) for every role k in [0, n) on GOMAXPROCS
// goroutines, each with its own search w made from rs (see
// ruleSearch.fork), taking the roles in order, one at a time: their costs
// differ by orders of magnitude. The rule of a role depends only on the
// data, so the explanations do not depend on which goroutine made them.
func eachRole(n int, rs *ruleSearch, explain func(w *ruleSearch, k int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range min(runtime.GOMAXPROCS(0), n) {
		search := rs
		if w > 0 {
			search = rs.fork()
		}
		wg.Go(func() {
			for k := int(next.Add(1)) - 1; k < n; k = int(next.Add(1)) - 1 {
				explain(search, k)
			}
		})
	}
	wg.Wait()
}

// roleHolders returns, for each role, its members and, for a base role,
// the members of its partial roles, ascending.
func roleHolders(r *Result) [][]int32 {
	h := make([][]int32, len(r.Roles))
	for k, role := range r.Roles {
		h[k] = append(h[k], role.Members...)
		if role.Parent > 0 {
			h[role.Parent-1] = append(h[role.Parent-1], role.Members...)
		}
	}
	for k := range h {
		slices.Sort(h[k])
		h[k] = slices.Compact(h[k])
	}
	return h
}

// roleName names role k after its rule's values, or its base role's name
// and its rank among the base role's partial roles for a partial role.
func roleName(done []Explanation, k int, role Role, e Explanation, parts []int) string {
	if p := role.Parent - 1; p >= 0 {
		return fmt.Sprintf("%s (part %d)", done[p].Name, parts[p])
	}
	if len(e.Rule) == 0 {
		return fmt.Sprintf("Role %d", k+1)
	}
	vals := make([]string, len(e.Rule))
	for t, term := range e.Rule {
		vals[t] = term.Value
	}
	return strings.Join(vals, " / ")
}

// uniqueName returns name, or name followed by " #n" when it is taken.
func uniqueName(used map[string]int, name string) string {
	used[name]++
	if n := used[name]; n > 1 {
		return uniqueName(used, fmt.Sprintf("%s #%d", name, n))
	}
	return name
}
