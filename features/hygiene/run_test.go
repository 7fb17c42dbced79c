package hygiene

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// row is the part of a finding the tests compare.
type row struct {
	Check    string
	Severity Severity
	Subject  string
	Related  string
}

func rows(fs []Finding, check string) []row {
	var out []row
	for _, f := range fs {
		if f.Check == check && f.Severity != SeverityNotice {
			out = append(out, row{f.Check, f.Severity, f.SubjectID, f.RelatedID})
		}
	}
	return out
}

// Each check finds exactly the problems planted in the fixture (see its
// comment); the expected rows were worked out by hand from it.
func TestRunFixture(t *testing.T) {
	rep := Run(fixture(t), fixtureOptions())
	tests := []struct {
		check string
		want  []row
	}{
		// In an eleven-person team where everyone shares manager, job and
		// location, only the names and start dates count: confidences of
		// 0.89 (Bob/Robert) and 0.62, below 0.9, so medium.
		{CheckDuplicateIdentity, []row{
			{CheckDuplicateIdentity, SeverityMedium, "I3", "I4"},
			{CheckDuplicateIdentity, SeverityMedium, "I1", "I2"},
		}},
		{CheckDuplicateAccount, []row{{CheckDuplicateAccount, SeverityMedium, "A2", "A1"}}},
		{CheckOrphanAccount, []row{{CheckOrphanAccount, SeverityMedium, "A3", "I1"}}},
		{CheckTerminatedAccess, []row{{CheckTerminatedAccess, SeverityCritical, "T1", "M1"}}},
		// I5 holds the high-risk E2 in fin: medium.
		{CheckDormantAccount, []row{{CheckDormantAccount, SeverityMedium, "A4", "I5"}}},
		// hr records no use (a notice); T1 left (terminated-access).
		{CheckUnusedAccess, []row{{CheckUnusedAccess, SeverityHigh, "C4", "E2"}}},
		{CheckNonHumanOwner, []row{
			{CheckNonHumanOwner, SeverityMedium, "S1", "T1"},
			{CheckNonHumanOwner, SeverityMedium, "S2", ""},
		}},
		{CheckCredentialRotation, []row{
			{CheckCredentialRotation, SeverityHigh, "A6", "S1"},
			{CheckCredentialRotation, SeverityHigh, "A7", "S2"},
			{CheckCredentialRotation, SeverityInfo, "", ""}, // the share overdue
		}},
		// E1: I3's certification is stale, the others never were; E2,
		// E3, E4, E5: never. (I1, E5) is new (granted 2024-11): not due.
		{CheckStaleCertification, []row{
			{CheckStaleCertification, SeverityCritical, "E3", "T1"},
			{CheckStaleCertification, SeverityHigh, "E2", "M1"},
			{CheckStaleCertification, SeverityLow, "E1", "M1"},
			{CheckStaleCertification, SeverityLow, "E4", ""},
		}},
		{CheckEntitlementOwner, []row{
			{CheckEntitlementOwner, SeverityCritical, "E3", "T1"},
			{CheckEntitlementOwner, SeverityLow, "E4", ""},
		}},
		{CheckSoDViolation, []row{{CheckSoDViolation, SeverityHigh, "I1", "R1"}}},
		{CheckPrivilegedNoRole, []row{{CheckPrivilegedNoRole, SeverityCritical, "I3", "E3"}}},
		// S1's E1 has no peer to compare with (no attributes, no other
		// non-human co-holder): not assessed.
		{CheckOutlierAccess, []row{
			{CheckOutlierAccess, SeverityCritical, "I3", "E3"},
			{CheckOutlierAccess, SeverityMedium, "I1", "E5"},
			{CheckOutlierAccess, SeverityLow, "I5", "E4"},
		}},
	}
	for _, tc := range tests {
		if diff := cmp.Diff(tc.want, rows(rep.Findings, tc.check)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.check, diff)
		}
	}
	if st := rep.Stat(CheckCredentialRotation); st == nil || st.Measures["overdue_share"] != 0.6667 {
		t.Errorf("credential-rotation measures = %v, want overdue_share 0.6667", st)
	}
	if st := rep.Stat(CheckUnusedAccess); st == nil || len(st.Notices) != 1 || !strings.Contains(st.Notices[0], "1 of 2 applications") {
		t.Errorf("unused-access notices = %v, want one about hr", st)
	}
}

// The evidence names the ids and facts a reviewer needs.
func TestRunEvidence(t *testing.T) {
	rep := Run(fixture(t), fixtureOptions())
	want := map[string][]string{
		CheckOrphanAccount:    {"old-jgarcia", "matches an account of I1"},
		CheckTerminatedAccess: {"terminated 2024-06-01", "last login 2024-07-01, after termination"},
		CheckOutlierAccess:    {"held by 0 of 9 peers in job Finance / AP Clerk"},
		CheckSoDViolation:     {"R1", "E2", "E5"},
	}
	for check, parts := range want {
		found := false
		for _, f := range rep.Findings {
			if f.Check != check || f.Severity == SeverityNotice {
				continue
			}
			ok := true
			for _, p := range parts {
				ok = ok && strings.Contains(f.Evidence, p)
			}
			found = found || ok
		}
		if !found {
			t.Errorf("%s: no finding's evidence contains %q", check, parts)
		}
	}
}

// A check without the data it needs says so in a notice.
func TestRunNotices(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Data)
		want   map[string]string // check → part of its notice
	}{
		{"no accounts", func(d *Data) { d.Accounts = nil }, map[string]string{
			CheckOrphanAccount: "no accounts loaded", CheckDuplicateAccount: "no accounts loaded",
			CheckDormantAccount: "no accounts loaded", CheckCredentialRotation: "no accounts loaded"}},
		{"no logins", func(d *Data) {
			for k := range d.Accounts {
				d.Accounts[k].LastLogin = 0
			}
		}, map[string]string{CheckDormantAccount: "no last_login_at"}},
		{"no rotation", func(d *Data) {
			for k := range d.Accounts {
				d.Accounts[k].Rotated = 0
			}
		}, map[string]string{CheckCredentialRotation: "no credential_rotated_at"}},
		{"no usage", func(d *Data) {
			for k := range d.Assignments {
				d.Assignments[k].LastUsed = 0
			}
		}, map[string]string{CheckUnusedAccess: "no last_used_at"}},
		{"usage in some applications", func(d *Data) {
			for k := range d.Assignments {
				if d.Entitlements[d.Assignments[k].Entitlement].Application == "hr" {
					d.Assignments[k].LastUsed = 0
				}
			}
		}, map[string]string{}}, // hr has no usage at all already
		{"no certifications", func(d *Data) { d.Certifications = nil }, map[string]string{
			CheckStaleCertification: "no certifications loaded"}},
		{"no rules", func(d *Data) { d.SoDRules = nil }, map[string]string{CheckSoDViolation: "no separation-of-duties rules"}},
		{"no owners", func(d *Data) {
			for k := range d.Entitlements {
				d.Entitlements[k].Owner = ""
			}
		}, map[string]string{CheckEntitlementOwner: "no entitlement has an owner_id"}},
		{"no privileged", func(d *Data) {
			for k := range d.Entitlements {
				d.Entitlements[k].Privileged = false
			}
		}, map[string]string{CheckPrivilegedNoRole: "no entitlement is marked privileged"}},
		{"no kinds", func(d *Data) {
			for k := range d.Identities {
				d.Identities[k].Kind = ""
			}
		}, map[string]string{CheckNonHumanOwner: "no non-human identities"}},
		{"no status", func(d *Data) {
			for k := range d.Identities {
				d.Identities[k].Status, d.Identities[k].Terminated = "", 0
			}
		}, map[string]string{CheckTerminatedAccess: "no status or termination_date"}},
		{"no names", func(d *Data) {
			for k := range d.Identities {
				d.Identities[k].Name, d.Identities[k].Email = "", ""
			}
		}, map[string]string{CheckDuplicateIdentity: "no display_name or email"}},
		{"no reference time", func(d *Data) { d.AsOf = 0 }, map[string]string{
			CheckDormantAccount: "no reference time", CheckUnusedAccess: "no reference time",
			CheckCredentialRotation: "no reference time", CheckStaleCertification: "no reference time"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := fixture(t)
			tc.change(d)
			rep := Run(d, fixtureOptions())
			for check, part := range tc.want {
				st := rep.Stat(check)
				if st == nil || !strings.Contains(strings.Join(st.Notices, "|"), part) {
					t.Errorf("%s: notices %v, want one containing %q", check, st.Notices, part)
				}
				if st.Findings != 0 && tc.name != "no reference time" {
					t.Errorf("%s: %d findings despite the missing data", check, st.Findings)
				}
			}
			// Notices are rows of the findings too, first in their check.
			for _, f := range rep.Findings {
				if f.Severity == SeverityNotice && (f.SubjectID != "" || f.Evidence == "") {
					t.Errorf("notice with a subject or no text: %+v", f)
				}
			}
		})
	}
}

func TestRunSelectedChecks(t *testing.T) {
	rep := Run(fixture(t), Options{Checks: []string{CheckSoDViolation}, DormantDays: 1, UnusedDays: 1,
		RotationDays: 1, CertificationDays: 1, Duplicates: DefaultDuplicateOptions, Outliers: DefaultOutlierOptions})
	if len(rep.Stats) != 1 || rep.Stats[0].Check != CheckSoDViolation || len(rep.Findings) != 1 {
		t.Errorf("stats %v, %d findings; want sod-violation only", rep.Stats, len(rep.Findings))
	}
}

func TestRunMisuse(t *testing.T) {
	tests := []struct {
		name string
		fn   func()
	}{
		{"unknown check", func() { Run(fixture(t), Options{Checks: []string{"nope"}}) }},
		{"zero period", func() { o := DefaultOptions; o.UnusedDays = 0; Run(fixture(t), o) }},
		{"not prepared", func() { Run(NewData(), DefaultOptions) }},
		{"add after prepare", func() { fixture(t).AddIdentity(Identity{ID: "x"}) }},
	}
	for _, tc := range tests {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.HasPrefix(fmt.Sprint(r), "hygiene: ") {
					t.Errorf("%s: recovered %v, want a hygiene: panic", tc.name, r)
				}
			}()
			tc.fn()
		}()
	}
}

// Unknown ids are skipped with a warning that names them.
func TestUnknownIDs(t *testing.T) {
	d := NewData()
	d.AddIdentity(Identity{ID: "u1"})
	d.AddEntitlement(Entitlement{ID: "e1"})
	d.AddAssignment("u1", "e1", 0, 0, SourceRole)
	d.AddAssignment("ghost", "e1", 0, 0, SourceRole)
	d.AddAssignment("u1", "e1", 0, 0, SourceRole) // repeated
	d.AddCertification("u1", "nope", "c", 0, "keep", "")
	d.Prepare()
	want := []string{
		"assignments identity: 1 rows name an unknown id (e.g. ghost): skipped",
		"certifications entitlement: 1 rows name an unknown id (e.g. nope): skipped",
		"assignments: 1 repeated (identity, entitlement) rows collapsed",
	}
	if diff := cmp.Diff(want, d.Warnings); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
	if len(d.Assignments) != 1 {
		t.Errorf("%d assignments, want 1", len(d.Assignments))
	}
}
