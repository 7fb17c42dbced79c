package hygiene_test

import (
	"runtime"
	"testing"

	"github.com/google/go-cmp/cmp"

	"rolemine/features/hygiene"
	"rolemine/features/hygiene/internal/hygienetest"
)

// On a generated enterprise of 3,000 identities, duplicate identities are
// found with precision ≥ 0.95 at recall ≥ 0.9 against the generator's
// ground_truth/duplicates.csv, and outlier access with precision ≥ 0.95
// against the extra grants (recall reported; the second identities'
// copies of their person's job access are excluded: job peers hold them
// by construction).
func TestGeneratedGroundTruth(t *testing.T) {
	d, truth := hygienetest.Generate(t, 3000)
	rep := hygiene.Run(d, hygiene.DefaultOptions)
	scores := map[string]hygiene.Score{}
	for _, s := range truth.Evaluate(rep) {
		scores[s.Name] = s
		t.Logf("%-75s found %6d true %6d precision %.3f recall %.3f", s.Name, s.Found, s.True, s.Precision, s.Recall)
	}
	tests := []struct {
		name              string
		precision, recall float64
	}{
		{hygiene.CheckDuplicateIdentity, 0.95, 0.9},
		{hygiene.CheckOutlierAccess + " (extra grants less duplicate copies)", 0.95, 0.6},
	}
	for _, tc := range tests {
		s, ok := scores[tc.name]
		if !ok {
			t.Fatalf("no score %q", tc.name)
		}
		if s.Precision < tc.precision || s.Recall < tc.recall {
			t.Errorf("%s: precision %.3f, recall %.3f; want ≥ %.2f and ≥ %.2f", tc.name, s.Precision, s.Recall, tc.precision, tc.recall)
		}
	}
}

// A check whose subjects are shared out between goroutines reports what
// one goroutine does, in the same order.
func TestRunSplitChecks(t *testing.T) {
	d, _ := hygienetest.Generate(t, 3000)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	one := hygiene.Run(d, hygiene.DefaultOptions)
	defer hygiene.SetMinCheckPart(100)()
	for _, procs := range []int{2, 3} {
		runtime.GOMAXPROCS(procs)
		split := hygiene.Run(d, hygiene.DefaultOptions)
		if diff := cmp.Diff(one.Findings, split.Findings); diff != "" {
			t.Fatalf("%d goroutines: findings differ (-one +split):\n%s", procs, diff)
		}
		if diff := cmp.Diff(one.Stats, split.Stats); diff != "" {
			t.Fatalf("%d goroutines: statistics differ (-one +split):\n%s", procs, diff)
		}
	}
}
