package mining_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"math/rand/v2"
	"strings"

	"rolemine/features"
	"rolemine/mining"
)

// matrix builds a matrix from "identity: entitlement…" lines.
func matrix(lines ...string) *features.Matrix {
	b := features.NewMatrixBuilder()
	for _, line := range lines {
		id, ents, _ := strings.Cut(line, ":")
		b.AddRow(id)
		for _, e := range strings.Fields(ents) {
			b.Add(id, e)
		}
	}
	return b.Build()
}

func ids(m *features.Matrix, rows []int32, id func(int) string) string {
	s := make([]string, len(rows))
	for k, i := range rows {
		s[k] = id(int(i))
	}
	return strings.Join(s, " ")
}

// Six clerks hold the four entitlements of their job; four more lack one
// each, and ann holds a one-off. The default mode grants nobody anything
// new: the clerks lacking c1 or c2 get the partial role c3 c4, and what no
// role covers is left as exceptions.
func ExampleApprox() {
	m := matrix(
		"ann: c1 c2 c3 c4 x", "bob: c1 c2 c3 c4", "cay: c1 c2 c3 c4",
		"dan: c1 c2 c3 c4", "eve: c1 c2 c3 c4", "fay: c1 c2 c3 c4",
		"gus: c2 c3 c4", "hal: c2 c3 c4", "ivy: c1 c3 c4", "jon: c1 c3 c4",
	)
	r, err := mining.Approx(context.Background(), m, mining.DefaultApproxOptions)
	if err != nil {
		log.Fatal(err)
	}
	for k, role := range r.Roles {
		fmt.Printf("role %d (parent %d): %s ← %s\n", k, role.Parent, ids(m, role.Entitlements, m.ColID), ids(m, role.Members, m.RowID))
	}
	for _, e := range r.Exceptions {
		fmt.Printf("exception: %s %s\n", m.RowID(int(e.Identity)), m.ColID(int(e.Entitlement)))
	}
	fmt.Printf("coverage %.3f, over-assignments %d\n", mining.Measure(r).Coverage, len(r.OverAssignments))
	// Output:
	// role 0 (parent 0): c1 c2 c3 c4 ← ann bob cay dan eve fay
	// role 1 (parent 1): c3 c4 ← gus hal ivy jon
	// exception: ann x
	// exception: gus c2
	// exception: hal c2
	// exception: ivy c1
	// exception: jon c1
	// coverage 0.865, over-assignments 0
}

// Allowing a member to lack a quarter of a role gives the job role to all
// ten clerks, and reports each entitlement granted that way.
func ExampleApproxOptions_overAssignment() {
	m := matrix(
		"ann: c1 c2 c3 c4", "bob: c1 c2 c3 c4", "cay: c1 c2 c3 c4",
		"dan: c1 c2 c3 c4", "eve: c1 c2 c3 c4", "fay: c1 c2 c3 c4",
		"gus: c2 c3 c4", "hal: c2 c3 c4", "ivy: c1 c3 c4", "jon: c1 c3 c4",
	)
	opts := mining.DefaultApproxOptions
	opts.MaxOverAssignment = 0.25
	r, err := mining.Approx(context.Background(), m, opts)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(r.Roles), "role,", len(r.Exceptions), "exceptions")
	for _, e := range r.OverAssignments {
		fmt.Printf("grants %s %s\n", m.RowID(int(e.Identity)), m.ColID(int(e.Entitlement)))
	}
	// Output:
	// 1 role, 0 exceptions
	// grants gus c1
	// grants hal c1
	// grants ivy c2
	// grants jon c2
}

func ExampleExplain() {
	m := matrix(
		"ann: ap-post ap-view", "bob: ap-post ap-view", "cay: ap-post ap-view", "dan: ap-post ap-view",
		"eve: gl-close gl-view", "fay: gl-close gl-view", "gus: gl-close gl-view", "hal: gl-close gl-view",
		"ivy:",
	)
	attrs := features.NewAttributes(m)
	for i, title := range []string{"AP Clerk", "AP Clerk", "AP Clerk", "AP Clerk", "GL Accountant", "GL Accountant", "GL Accountant", "GL Accountant", "AP Clerk"} {
		attrs.Set(i, "department", "Finance")
		attrs.Set(i, "title", title)
	}
	r, err := mining.Approx(context.Background(), m, mining.DefaultApproxOptions)
	if err != nil {
		log.Fatal(err)
	}
	for _, e := range mining.Explain(r, attrs, nil, mining.DefaultExplainOptions) {
		fmt.Printf("%s [%s]: %s, precision %.2f, recall %.2f, lacking: %s\n",
			e.Name, e.Kind, e.Rule, e.Precision, e.Recall, ids(m, e.Candidates, m.RowID))
	}
	// Output:
	// AP Clerk [business]: title = AP Clerk, precision 0.80, recall 1.00, lacking: ivy
	// GL Accountant [birthright-candidate]: title = GL Accountant, precision 1.00, recall 1.00, lacking:
}

func ExampleMeasure() {
	m := matrix("ann: a b", "bob: a b", "cay: a b", "dan: a b x")
	r, err := mining.Approx(context.Background(), m, mining.DefaultApproxOptions)
	if err != nil {
		log.Fatal(err)
	}
	out, err := json.MarshalIndent(mining.Measure(r), "", "  ")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(out))
	// Output:
	// {
	//   "algorithm": "approx-cluster",
	//   "identities": 4,
	//   "entitlements": 3,
	//   "assignments": 9,
	//   "roles": 1,
	//   "partial_roles": 0,
	//   "user_role_links": 4,
	//   "role_entitlement_links": 2,
	//   "wsc": 7,
	//   "covered": 8,
	//   "coverage": 0.8888888888888888,
	//   "over_assignments": 0,
	//   "under_assignments": 1,
	//   "roles_per_user_mean": 1,
	//   "roles_per_user_max": 1,
	//   "users_without_role": 0
	// }
}

// A hundred identities hold one of two five-entitlement roles. Hiding a
// tenth of each identity's access, mining the rest and predicting the
// rest of every role an identity holds four fifths of recovers what was
// hidden.
func ExampleGeneralisation() {
	var lines []string
	for i := range 100 {
		role := "a1 a2 a3 a4 a5"
		if i%2 == 1 {
			role = "b1 b2 b3 b4 b5"
		}
		lines = append(lines, fmt.Sprintf("u%02d: %s", i, role))
	}
	m := matrix(lines...)
	mine := func(ctx context.Context, m *features.Matrix) (*mining.Result, error) {
		return mining.Approx(ctx, m, mining.DefaultApproxOptions)
	}
	g, err := mining.Generalisation(context.Background(), m, nil, mine, mining.DefaultGeneralisationOptions, rand.NewPCG(1, 2))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("hidden %d, predicted %d, correct %d: precision %.2f, recall %.2f\n", g.Hidden, g.Predicted, g.Correct, g.Precision, g.Recall)
	// Output:
	// hidden 59, predicted 59, correct 59: precision 1.00, recall 1.00
}
