package mining_test

import (
	"context"
	"fmt"
	"strings"

	"rolemine/features"
	"rolemine/mining"
)

func ExampleExact() {
	grants := map[string]string{
		"alice": "mail vpn",
		"bob":   "mail vpn",
		"carol": "mail vpn git",
		"dave":  "git deploy",
		"erin":  "git deploy",
	}
	b := features.NewMatrixBuilder()
	for _, who := range []string{"alice", "bob", "carol", "dave", "erin"} {
		for _, what := range strings.Fields(grants[who]) {
			b.Add(who, what)
		}
	}
	m := b.Build()

	for _, obj := range []mining.Objective{mining.MinRoles, mining.MinWSC} {
		opts := mining.DefaultExactOptions
		opts.Objective = obj
		r, err := mining.Exact(context.Background(), m, opts)
		if err != nil {
			panic(err)
		}
		if err := mining.CheckExact(m, r); err != nil {
			panic(err)
		}
		// LowerBound bounds the objective: the role count or the WSC.
		fmt.Printf("objective %s: %d roles, WSC %d, lower bound %d\n", obj, len(r.Roles), mining.WSC(r), r.LowerBound)
		for _, role := range r.Roles {
			var ents, members []string
			for _, j := range role.Entitlements {
				ents = append(ents, m.ColID(int(j)))
			}
			for _, i := range role.Members {
				members = append(members, m.RowID(int(i)))
			}
			fmt.Printf("  %v → %v\n", ents, members)
		}
	}
	// Output:
	// objective roles: 3 roles, WSC 16, lower bound 3
	//   [mail vpn] → [alice bob carol]
	//   [git] → [carol dave erin]
	//   [git deploy] → [dave erin]
	// objective wsc: 3 roles, WSC 14, lower bound 13
	//   [mail vpn] → [alice bob carol]
	//   [git] → [carol]
	//   [git deploy] → [dave erin]
}
