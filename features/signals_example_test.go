package features_test

import (
	"fmt"

	"rolemine/features"
)

// Signals for a pending request: does u1, in Finance, need the ERP? Today
// its three Finance peers have it; as of 1 January 2024 only two did.
// Popularity 3 of the 4 others; peers in Finance (3 + 2·0.75)/(3 + 2)
// with DefaultSignalOptions' 2 pseudo-peers; u1's only other entitlement,
// vpn, makes all four others equally similar, 3 of whom hold erp:
// (3 + 2·0.75)/(4 + 2).
func ExampleSignals() {
	b := features.NewMatrixBuilder()
	const jan2024 = 1704067200 // Unix seconds
	for _, g := range []struct {
		id, ent string
		at      int64
	}{
		{"u1", "vpn", 0}, {"u2", "vpn", 0}, {"u3", "vpn", 0}, {"u4", "vpn", 0}, {"u5", "vpn", 0},
		{"u2", "erp", jan2024 + 86400}, // granted on 2 January
		{"u3", "erp", jan2024 - 86400},
		{"u4", "erp", 0}, // when is not known: counts as old
		{"u5", "git", jan2024},
	} {
		b.AddAt(g.id, g.ent, g.at)
	}
	m := b.Build()
	attrs := features.NewAttributes(m)
	for i, dept := range []string{"Finance", "Finance", "Finance", "Finance", "IT"} {
		attrs.Set(i, "department", dept)
	}
	opts := features.DefaultSignalOptions
	opts.MaxNeighbourColumnShare = 1 // a tiny example: every entitlement counts
	s := features.NewSignals(m, attrs, nil, opts)

	u1, _ := m.RowIndex("u1")
	erp, _ := m.ColIndex("erp")
	dst := make([]float64, len(s.Names()))
	for _, asOf := range []int64{features.Now, jan2024} {
		s.Compute(dst, u1, erp, asOf)
		for k, name := range s.Names() {
			fmt.Printf("%s=%.2f\n", name, dst[k])
		}
		for _, e := range s.Evidence(u1, erp, asOf, 3) {
			fmt.Println("  " + e.String())
		}
	}
	fmt.Println(s.AppendTokens(nil, u1))
	// Output:
	// popularity=0.75
	// peers:department=0.90
	// neighbours=0.75
	//   3 of 3 peers in department Finance hold it
	//   3 of the 4 most similar identities hold it
	//   held by 75 % of identities
	// popularity=0.50
	// peers:department=0.60
	// neighbours=0.50
	//   2 of 3 peers in department Finance hold it
	//   2 of the 4 most similar identities hold it
	//   held by 50 % of identities
	// [department=Finance]
}
