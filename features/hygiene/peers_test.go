package hygiene

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// twoJobs is two jobs of six people in departments Ops and Sales: job A holds a1 and
// a2, job B holds b1 and b2. A6 moved from B and kept b1 and b2. Six
// service identities hold s1 and s2; svc1 also holds a1. Mined roles:
// RA = {a1, a2} for job A, RB = {b1, b2} for job B and A6. Twelve people
// of job C in Support hold nothing.
func twoJobs() *Data {
	d := NewData()
	for _, e := range []string{"a1", "a2", "b1", "b2", "s1", "s2"} {
		d.AddEntitlement(Entitlement{ID: e, Application: "app", Name: e, Risk: "low"})
	}
	for _, job := range []string{"A", "B"} {
		for k := 1; k <= 6; k++ {
			id := fmt.Sprintf("%s%d", job, k)
			d.AddIdentity(Identity{ID: id, Kind: "human", Department: map[string]string{"A": "Ops", "B": "Sales"}[job], Title: job})
			for _, e := range []string{"1", "2"} {
				d.AddAssignment(id, string(job[0]+'a'-'A')+e, 0, 0, SourceRole)
				d.AddRoleLink("R"+job, id, string(job[0]+'a'-'A')+e)
			}
		}
	}
	for k := 1; k <= 12; k++ { // others, so that b1 and b2 are rare overall
		d.AddIdentity(Identity{ID: fmt.Sprintf("C%d", k), Kind: "human", Department: "Support", Title: "C"})
	}
	d.AddAssignment("A6", "b1", 0, 0, SourceRole)
	d.AddAssignment("A6", "b2", 0, 0, SourceRole)
	d.AddRoleLink("RB", "A6", "")
	for k := 1; k <= 6; k++ {
		id := fmt.Sprintf("svc%d", k)
		d.AddIdentity(Identity{ID: id, Kind: "service"})
		d.AddAssignment(id, "s1", 0, 0, SourceDirect)
		d.AddAssignment(id, "s2", 0, 0, SourceDirect)
	}
	d.AddAssignment("svc1", "a1", 0, 0, SourceDirect)
	d.Prepare()
	return d
}

func TestPeers(t *testing.T) {
	d := twoJobs()
	opts := OutlierOptions{MaxCoverage: 0.2, MinPeers: 3}
	p := ComputePeers(d, opts)
	type result struct {
		Outlier  bool
		Role     string
		Describe string
	}
	at := func(i, e string) result {
		ii, _ := d.IdentityIndex(i)
		ee, _ := d.EntitlementIndex(e)
		a := d.Find(ii, ee)
		_, out := p.Outlier(a)
		return result{out, p.Role(a), p.Describe(a)}
	}
	tests := []struct {
		i, e string
		want result
	}{
		{"A1", "a1", result{false, "RA", "held by 5 of 5 peers in job Ops / A"}},
		{"B1", "b1", result{false, "RB", "held by 5 of 5 peers in job Sales / B"}},
		// A6 is a member of RB, but none of RB's other members shares its
		// job: the role does not explain b1.
		{"A6", "b1", result{true, "", "held by 0 of 5 peers in job Ops / A"}},
		{"svc2", "s1", result{false, "", "held by 5 of 5 non-human identities that hold s2"}},
		{"svc1", "a1", result{true, "", "held by 0 of 5 non-human identities that hold s1"}},
	}
	for _, tc := range tests {
		if diff := cmp.Diff(tc.want, at(tc.i, tc.e)); diff != "" {
			t.Errorf("(%s, %s) (-want +got):\n%s", tc.i, tc.e, diff)
		}
	}
}

// Small groups are shrunk towards the organisation-wide share: one holder
// among 5 peers (20 %) is not enough to explain access that only 2 of 12
// humans hold.
func TestPeersSmoothing(t *testing.T) {
	d := NewData()
	d.AddEntitlement(Entitlement{ID: "x"})
	d.AddEntitlement(Entitlement{ID: "y"})
	for k := range 12 {
		id := fmt.Sprintf("u%d", k)
		d.AddIdentity(Identity{ID: id, Kind: "human", Title: fmt.Sprintf("T%d", k/6)})
		d.AddAssignment(id, "y", 0, 0, SourceRole)
	}
	d.AddAssignment("u0", "x", 0, 0, SourceDirect)
	d.AddAssignment("u1", "x", 0, 0, SourceDirect)
	d.Prepare()
	p := ComputePeers(d, OutlierOptions{MaxCoverage: 0.2, MinPeers: 5})
	a := d.Find(0, 0)
	share, ok := p.Share(a)
	// (1 + 5·2/12) / (5 + 5) = 0.1833
	const want, tol = 0.18333, 1e-4
	if !ok || share < want-tol || share > want+tol {
		t.Errorf("share = %v, %v; want %v", share, ok, want)
	}
	if _, out := p.Outlier(a); !out {
		t.Errorf("(u0, x) is not an outlier")
	}
}

// One PeerGroups serves every copy of the Data made by WithAssignments:
// Compute on a copy describes it as ComputePeers on the copy does, and
// identities of another Data are refused.
func TestPeerGroupsReuse(t *testing.T) {
	d := twoJobs()
	opts := OutlierOptions{MaxCoverage: 0.2, MinPeers: 3}
	g := NewPeerGroups(d, opts)
	var fewer []Assignment // without A1's access
	for _, a := range d.Assignments {
		if d.Identities[a.Identity].ID != "A1" {
			fewer = append(fewer, a)
		}
	}
	describe := func(p *Peers, d *Data) []string {
		var out []string
		for a := range int32(len(d.Assignments)) {
			out = append(out, p.Describe(a))
		}
		return out
	}
	for _, dd := range []*Data{d, d.WithAssignments(fewer)} {
		if diff := cmp.Diff(describe(ComputePeers(dd, opts), dd), describe(g.Compute(dd), dd)); diff != "" {
			t.Errorf("(-ComputePeers +PeerGroups.Compute):\n%s", diff)
		}
	}
	defer func() {
		if recover() == nil {
			t.Errorf("Compute on other identities did not panic")
		}
	}()
	g.Compute(twoJobs())
}
