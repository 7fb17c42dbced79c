package mining_test

import (
	"fmt"
	"slices"
	"strings"

	"rolemine/mining"
)

func ExampleMatch() {
	// One numbering of the entitlements and identities of both runs.
	index := map[string]int32{}
	set := func(names string) []int32 {
		var s []int32
		for _, n := range strings.Fields(names) {
			if _, ok := index[n]; !ok {
				index[n] = int32(len(index))
			}
			s = append(s, index[n])
		}
		slices.Sort(s)
		return s
	}
	// Last night's roles, with the ids they were given; ids up to 4 have
	// been issued so far (role 4 was removed some nights ago).
	prev := []mining.RoleSet{
		{ID: 1, Entitlements: set("mail vpn wiki"), Members: set("alice bob carol")},
		{ID: 2, Entitlements: set("git ci deploy"), Members: set("dave erin")},
		{ID: 3, Entitlements: set("ledger payroll"), Members: set("frank")},
	}
	// Tonight's roles: the same office role with one more member, the
	// engineering role with one more entitlement, and a new sales role.
	cur := []mining.RoleSet{
		{Entitlements: set("mail vpn wiki"), Members: set("alice bob carol gina")},
		{Entitlements: set("git ci deploy k8s"), Members: set("dave erin")},
		{Entitlements: set("crm quotes"), Members: set("harry ivan")},
	}
	lin := mining.Match(prev, cur, 4, mining.DefaultLineageOptions)
	for _, r := range append(lin.Roles, lin.Removed...) {
		fmt.Printf("R%04d %-9s jaccard %.2f, entitlements +%d -%d, members %d → %d\n",
			r.ID, r.Change, r.Jaccard, r.EntitlementsAdded, r.EntitlementsRemoved, r.MembersBefore, r.MembersAfter)
	}
	fmt.Println("last id issued:", lin.LastID)
	// Output:
	// R0001 unchanged jaccard 1.00, entitlements +0 -0, members 3 → 4
	// R0002 drifted   jaccard 0.75, entitlements +1 -0, members 2 → 2
	// R0005 added     jaccard 0.00, entitlements +2 -0, members 0 → 2
	// R0003 removed   jaccard 0.00, entitlements +0 -2, members 1 → 0
	// last id issued: 5
}
