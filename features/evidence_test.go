package features

import (
	"testing"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestEvidence(t *testing.T) {
	m, a := finance.build(t)
	erp, vpn := int32(col(t, m, "erp")), int32(col(t, m, "vpn"))
	s := NewSignals(m, a, [][]int32{{erp, vpn}}, SignalOptions{
		PeerAttributes: []string{"department", "title", "manager_id"},
		Combinations:   [][2]string{{"department", "title"}},
		Smoothing:      2, Neighbours: 3, MaxNeighbourColumnShare: 1,
		RoleNames: []string{"Finance / Clerk"},
	})
	// u1 asks for erp, held by u2…u5: popularity p = 4/7. Smoothed with 2
	// pseudo-peers: department (4 + 2p)/6, the groups of 2 (2 + 2p)/4.
	// Neighbours over {vpn} (erp left out): u2, u4, u5 hold vpn alone,
	// similarity 1, and erp: (3 + 2p)/5. The role's other entitlement,
	// vpn, u1 holds: fit 1. Ranked by distance from p (a role by its fit):
	// role 1, department 2/7, neighbours 9/35, the groups of 2 3/14.
	p := 4.0 / 7
	want := []Evidence{
		{Kind: EvidenceRole, Signal: "role_fit", Group: "Finance / Clerk", Holders: 1, Size: 1, Value: 1},
		{Kind: EvidencePeers, Signal: "peers:department", Group: "in department Finance", Holders: 4, Size: 4, Value: (4 + 2*p) / 6},
		{Kind: EvidenceNeighbours, Signal: "neighbours", Holders: 3, Size: 3, Value: (3 + 2*p) / 5},
		{Kind: EvidencePeers, Signal: "peers:title", Group: "with title Clerk", Holders: 2, Size: 2, Value: (2 + 2*p) / 4},
		{Kind: EvidencePeers, Signal: "peers:manager_id", Group: "with manager M1", Holders: 2, Size: 2, Value: (2 + 2*p) / 4},
		{Kind: EvidencePeers, Signal: "peers:department+title", Group: "in department Finance with title Clerk", Holders: 2, Size: 2, Value: (2 + 2*p) / 4},
		{Kind: EvidencePopularity, Signal: "popularity", Holders: 4, Size: 7, Value: p},
	}
	u1 := row(t, m, "u1")
	if diff := gocmp.Diff(want, s.Evidence(u1, int(erp), Now, 0), cmpopts.EquateApprox(0, tol)); diff != "" {
		t.Errorf("evidence (-want +got):\n%s", diff)
	}

	for _, tc := range []struct {
		name string
		id   string
		ent  int
		asOf int64
		k    int
		want []string
	}{
		{"strongest three and popularity", "u1", int(erp), Now, 4, []string{
			"fits role Finance / Clerk: holds 1 of its 1 other entitlement",
			"4 of 4 peers in department Finance hold it",
			"3 of the 3 most similar identities hold it",
			"held by 57 % of identities",
		}},
		// u2's erp dates from 50: as of 50, 3 of 7 hold it.
		{"as of", "u1", int(erp), 50, 3, []string{
			"fits role Finance / Clerk: holds 1 of its 1 other entitlement",
			"3 of 4 peers in department Finance hold it",
			"held by 43 % of identities",
		}},
		// u8 (IT, Engineer, no manager): its neighbours over {vpn, git}
		// are u3, u6, u7, similarity 1; u3 holds erp. No manager group.
		{"outside the group", "u8", int(erp), Now, 0, []string{
			"fits role Finance / Clerk: holds 1 of its 1 other entitlement",
			"0 of 2 peers in department IT hold it",
			"0 of 2 peers with title Engineer hold it",
			"0 of 2 peers in department IT with title Engineer hold it",
			"1 of the 3 most similar identities hold it",
			"held by 57 % of identities",
		}},
		{"unknown entitlement", "u1", -1, Now, 0, []string{"the entitlement is not in the catalogue"}},
		// Nobody to leave out: 4 of all 8.
		{"unknown identity", "", int(erp), Now, 0, []string{"the requester is not in the identity data", "held by 50 % of identities"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := -1
			if tc.id != "" {
				r = row(t, m, tc.id)
			}
			var got []string
			for _, e := range s.Evidence(r, tc.ent, tc.asOf, tc.k) {
				got = append(got, e.String())
			}
			if diff := gocmp.Diff(tc.want, got); diff != "" {
				t.Errorf("evidence (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEvidenceString(t *testing.T) {
	for _, tc := range []struct {
		e    Evidence
		want string
	}{
		{Evidence{Kind: EvidencePeers, Group: "in department Finance", Holders: 41, Size: 44}, "41 of 44 peers in department Finance hold it"},
		{Evidence{Kind: EvidencePeers, Group: "with manager I000123", Holders: 1, Size: 1}, "1 of 1 peer with manager I000123 holds it"},
		{Evidence{Kind: EvidenceNeighbours, Holders: 8, Size: 10}, "8 of the 10 most similar identities hold it"},
		{Evidence{Kind: EvidenceNeighbours, Holders: 0, Size: 1}, "the most similar identity does not hold it"},
		{Evidence{Kind: EvidenceRole, Group: "Finance / AP Clerk", Holders: 9, Size: 10}, "fits role Finance / AP Clerk: holds 9 of its 10 other entitlements"},
		{Evidence{Kind: EvidencePopularity, Value: 0.002}, "held by 0.2 % of identities"},
		{Evidence{Kind: EvidencePopularity, Value: 0.0534}, "held by 5.3 % of identities"},
		{Evidence{Kind: EvidencePopularity, Value: 0.0996}, "held by 10 % of identities"},
		{Evidence{Kind: EvidencePopularity, Value: 1}, "held by 100 % of identities"},
		{Evidence{Kind: EvidencePopularity, Value: 0}, "held by 0 % of identities"},
		{Evidence{Kind: EvidencePopularity, Value: 1e-7}, "held by < 0.01 % of identities"},
	} {
		if got := tc.e.String(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.e, got, tc.want)
		}
	}
}
