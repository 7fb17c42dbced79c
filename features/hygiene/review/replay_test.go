package review

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"rolemine/features/hygiene"
	"rolemine/features/hygiene/internal/hygienetest"
)

// access.at merges the rebuilt access in order: it holds the same cells
// as the unsorted construction sorted by Prepare, at every past campaign
// of a generated enterprise, with buffers reused from one campaign to the
// next.
func TestAccessAtCells(t *testing.T) {
	d, _ := hygienetest.Generate(t, 600)
	byCampaign := map[hygiene.Word][]int32{}
	start := map[hygiene.Word]int64{}
	for k, c := range d.Certifications {
		if c.At == 0 {
			continue
		}
		byCampaign[c.Campaign] = append(byCampaign[c.Campaign], int32(k))
		if s, ok := start[c.Campaign]; !ok || c.At < s {
			start[c.Campaign] = c.At
		}
	}
	if len(byCampaign) == 0 {
		t.Fatal("no past campaigns in the generated enterprise")
	}
	cells := func(asg []hygiene.Assignment) [][2]int32 {
		out := make([][2]int32, len(asg))
		for k, a := range asg {
			out[k] = [2]int32{a.Identity, a.Entitlement}
		}
		return out
	}
	maxCerts := 0
	for _, certs := range byCampaign {
		maxCerts = max(maxCerts, len(certs))
	}
	acc := newAccess(d, maxCerts)
	for name, certs := range byCampaign {
		at := start[name]
		var asg []hygiene.Assignment // the construction of before the merge
		for _, a := range d.Assignments {
			if a.Granted == 0 || a.Granted < at {
				asg = append(asg, hygiene.Assignment{Identity: a.Identity, Entitlement: a.Entitlement, Granted: a.Granted})
			}
		}
		for _, k := range certs {
			asg = append(asg, hygiene.Assignment{Identity: d.Certifications[k].Identity, Entitlement: d.Certifications[k].Entitlement})
		}
		for _, r := range d.Requests {
			if r.Decision == "approved" && r.Decided != 0 && r.Decided < at && (r.Revoked == 0 || r.Revoked > at) {
				asg = append(asg, hygiene.Assignment{Identity: r.Identity, Entitlement: r.Entitlement, Granted: r.Decided})
			}
		}
		want := d.WithAssignments(asg)
		got := acc.at(at, certs)
		if diff := cmp.Diff(cells(want.Assignments), cells(got.Assignments)); diff != "" {
			t.Errorf("campaign %s: cells (-sorted +merged):\n%s", d.Word(name), diff)
		}
	}
}
