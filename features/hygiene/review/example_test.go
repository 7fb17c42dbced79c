package review_test

import (
	"fmt"
	"time"

	"rolemine/features/hygiene"
	"rolemine/features/hygiene/review"
)

func ExamplePrepare() {
	day := func(s string) int64 { t, _ := time.Parse("2006-01-02", s); return t.Unix() }
	d := hygiene.NewData()
	d.AsOf = day("2025-01-01")
	d.AddIdentity(hygiene.Identity{ID: "boss", Name: "Bea Boss", Kind: "human", Status: "active"})
	for _, id := range []string{"ann", "ben", "cid", "dan", "eva", "fay"} {
		d.AddIdentity(hygiene.Identity{ID: id, Kind: "human", Status: "active", Title: "Clerk", Manager: "boss"})
	}
	d.AddEntitlement(hygiene.Entitlement{ID: "ledger", Application: "erp", Name: "ledger read", Risk: "low"})
	d.AddEntitlement(hygiene.Entitlement{ID: "payroll", Application: "hr", Name: "payroll admin", Risk: "critical", Privileged: true})
	d.AddEntitlement(hygiene.Entitlement{ID: "wiki", Application: "wiki", Name: "edit", Risk: "low"})
	for _, id := range []string{"ann", "ben", "cid", "dan", "eva", "fay"} {
		d.AddAssignment(id, "ledger", day("2023-01-01"), day("2024-12-30"), hygiene.SourceRole)
	}
	d.AddAssignment("ann", "payroll", day("2024-05-01"), day("2024-12-30"), hygiene.SourceRequest)
	d.AddAssignment("ben", "wiki", day("2023-01-01"), day("2024-02-01"), hygiene.SourceDirect)
	d.AddAssignment("cid", "wiki", day("2023-01-01"), day("2024-12-30"), hygiene.SourceDirect)
	d.AddAssignment("dan", "wiki", day("2023-01-01"), day("2024-12-30"), hygiene.SourceDirect)
	d.Prepare()

	c := review.Prepare(d, nil, review.DefaultOptions)
	c.Count()
	for _, p := range c.Packets {
		fmt.Printf("packet of %s: %v\n", p.Reviewer, p.Counts)
		for _, it := range c.Items(p)[:4] {
			x := c.Explain(&it)
			fmt.Printf("  %s %s: %s %.2f (%s)\n", d.Identities[it.Identity].ID, d.Entitlements[it.Entitlement].ID,
				it.Suggestion, it.Confidence, x.Reason)
		}
	}
	// Output:
	// packet of boss: map[decide:1 keep:2 revoke:1 routine:6]
	//   ann payroll: decide 0.00 (critical risk, privileged: decide explicitly)
	//   ben wiki: revoke 0.80 (not used since 2024-02-01 (335 days))
	//   cid wiki: keep 0.83 (held by 2 of 5 peers; used 2 days ago)
	//   dan wiki: keep 0.83 (held by 2 of 5 peers; used 2 days ago)
}
