package hygiene

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// sortFrom orders the findings of a check as sortFindings does, notices
// first, so that sortFindings finds them sorted.
func TestSortFrom(t *testing.T) {
	sevs := []Severity{SeverityNotice, SeverityInfo, SeverityLow, SeverityMedium, SeverityHigh, SeverityCritical, "odd"}
	r := rand.New(rand.NewPCG(3, 1))
	for _, n := range []int{0, 1, 2, 13, 200, 5000, 3*findingChunk + 5} {
		var fs []Finding
		for range n {
			fs = append(fs, Finding{Check: CheckUnusedAccess, Severity: sevs[r.IntN(len(sevs))],
				Confidence: float64(r.IntN(3)) / 2, SubjectID: fmt.Sprint("I", r.IntN(20)),
				RelatedID: fmt.Sprint("E", r.IntN(20)), Evidence: fmt.Sprint(r.IntN(5))})
		}
		want := append([]Finding{}, fs...)
		sortFindings(want)
		c := &checker{}
		c.out.add(Finding{Check: CheckDuplicateIdentity})
		for _, f := range fs {
			c.out.add(f)
		}
		c.sortFrom(1)
		got := c.out.appendTo(nil)
		if diff := cmp.Diff(want, got[1:]); diff != "" {
			t.Errorf("%d findings: sortFrom (-sortFindings +got):\n%s", n, diff)
		}
		if got[0].Check != CheckDuplicateIdentity {
			t.Errorf("%d findings: sortFrom moved a finding before start", n)
		}
	}
}
