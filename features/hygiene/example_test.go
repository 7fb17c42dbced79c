package hygiene_test

import (
	"fmt"
	"time"

	"rolemine/features/hygiene"
)

func ExampleRun() {
	day := func(s string) int64 { t, _ := time.Parse("2006-01-02", s); return t.Unix() }
	d := hygiene.NewData()
	d.AsOf = day("2025-01-01")
	d.AddIdentity(hygiene.Identity{ID: "u1", Name: "Ann Lee", Kind: "human", Status: "active"})
	d.AddIdentity(hygiene.Identity{ID: "u2", Name: "Tom Gone", Kind: "human", Status: "terminated", Terminated: day("2024-10-01")})
	d.AddEntitlement(hygiene.Entitlement{ID: "pay", Application: "erp", Name: "pay vendors", Risk: "high"})
	d.AddEntitlement(hygiene.Entitlement{ID: "vendor", Application: "erp", Name: "create vendors", Risk: "high"})
	d.AddAssignment("u1", "pay", day("2023-01-01"), 0, hygiene.SourceRole)
	d.AddAssignment("u1", "vendor", day("2024-06-01"), 0, hygiene.SourceDirect)
	d.AddAssignment("u2", "pay", day("2023-01-01"), 0, hygiene.SourceRole)
	d.AddSoDRule("SOD1", "pay", "vendor", "critical")
	d.Prepare()

	opts := hygiene.DefaultOptions
	opts.Checks = []string{hygiene.CheckTerminatedAccess, hygiene.CheckSoDViolation, hygiene.CheckUnusedAccess}
	rep := hygiene.Run(d, opts)
	for _, f := range rep.Findings {
		fmt.Printf("%s %s %s %s: %s\n", f.Check, f.Severity, f.SubjectID, f.RelatedID, f.Evidence)
	}
	// Output:
	// terminated-access critical u2 : terminated 2024-10-01 (92 days before as-of); still holds 1 entitlements (1 high-risk or privileged) and 0 accounts
	// unused-access notice  : assignments have no last_used_at: unused access cannot be found
	// sod-violation critical u1 SOD1: holds both sides of SOD1: pay (erp:pay vendors, via role, granted 2023-01-01) and vendor (erp:create vendors, via direct, granted 2024-06-01)
}

func ExampleFindDuplicates() {
	d := hygiene.NewData()
	for _, id := range []hygiene.Identity{
		{ID: "e1", Name: "Robert Kowalski", Email: "robert.kowalski@corp.example", Manager: "m1", Title: "Buyer"},
		{ID: "e2", Name: "KOWALSKI, BOB", Manager: "m1", Title: "Buyer"},
		{ID: "e3", Name: "Anna Kowalski", Manager: "m2", Title: "Planner"},
		{ID: "e4", Name: "Li Wei", Manager: "m2", Title: "Planner"},
	} {
		d.AddIdentity(id)
	}
	d.Prepare()
	opts := hygiene.DefaultDuplicateOptions
	opts.Rate = 0.1 // a tiny organisation: expect one duplicate in ten
	pairs, _ := hygiene.FindDuplicates(d, opts)
	for _, p := range pairs {
		fmt.Printf("%s %s %.2f\n", d.Identities[p.A].ID, d.Identities[p.B].ID, p.Confidence)
		for _, r := range p.Reasons {
			fmt.Println("  " + r)
		}
	}
	// Output:
	// e1 e2 0.92
	//   given names "robert" and "bob" are forms of one name
	//   same manager m1
	//   same job Buyer
	//   same family name "kowalski" (3 identities)
}
