package hygiene

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestTruthEvaluate(t *testing.T) {
	dir := t.TempDir()
	for name, data := range map[string]string{
		"duplicates.csv":        "identity_a,identity_b\nu1,u2\nu3,u4\n",
		"noise_assignments.csv": "identity_id,entitlement_id,kind,cause\nu1,e1,extra,random\nu2,e2,extra,duplicate\nu3,e3,missing,random\n",
		"outliers.csv":          "identity_id,kind,detail\nu5,sod_violation,x\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	truth, err := ReadTruth(dir)
	if err != nil {
		t.Fatal(err)
	}
	f := func(check, subject, related string) Finding {
		return Finding{Check: check, Severity: SeverityHigh, SubjectType: SubjectIdentity, SubjectID: subject, RelatedID: related}
	}
	rep := &Report{
		Stats: []CheckStats{{Check: CheckDuplicateIdentity}, {Check: CheckOutlierAccess}, {Check: CheckSoDViolation}},
		Findings: []Finding{
			f(CheckDuplicateIdentity, "u2", "u1"), // order does not matter
			f(CheckDuplicateIdentity, "u1", "u9"),
			f(CheckOutlierAccess, "u1", "e1"),
			f(CheckOutlierAccess, "u7", "e7"),
			f(CheckSoDViolation, "u5", "SOD1"),
		},
	}
	want := []Score{
		{Name: CheckDuplicateIdentity, Found: 2, True: 2, Hits: 1, Precision: 0.5, Recall: 0.5},
		{Name: CheckOutlierAccess, Found: 2, True: 2, Hits: 1, Precision: 0.5, Recall: 0.5},
		{Name: CheckOutlierAccess + " (extra grants less duplicate copies)", Found: 2, True: 1, Hits: 1, Precision: 0.5, Recall: 1},
		{Name: CheckOutlierAccess + " cause duplicate", True: 1},
		{Name: CheckOutlierAccess + " cause random", Found: 1, True: 1, Hits: 1, Recall: 1},
		{Name: "identities planted as sod_violation flagged by sod-violation", Found: 1, True: 1, Hits: 1, Precision: 1, Recall: 1},
	}
	if diff := cmp.Diff(want, truth.Evaluate(rep), cmpopts.EquateApprox(0, 1e-12)); diff != "" {
		t.Errorf("scores (-want +got):\n%s", diff)
	}
}

func TestReadTruthBadHeader(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "duplicates.csv"), []byte("a,b\n"), 0o644)
	if _, err := ReadTruth(dir); err == nil {
		t.Error("no error for a bad header")
	}
}
