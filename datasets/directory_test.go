package datasets

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// exportWant is what loading an export fixture must store, counted by
// hand from the fixture's files (see the comments of each case).
type exportWant struct {
	identities   []string // identity_id|display_name|kind|status|department|title|location|manager_id|owner_id|employment_type
	accounts     []string // account_id|identity_id|application|username|created_at|last_login_at
	entitlements []string // entitlement_id|application|name|owner_id|privileged
	assignments  []string // identity_id|entitlement_id|source|granted_at
	attributes   []string // identity_id|name|value
	warnings     []string // substrings, one per warning, in order
}

func loadExport(t *testing.T, paths []string, f Format) (*Store, *IngestReport) {
	t.Helper()
	sources, err := ExportSources(paths, f)
	if err != nil {
		t.Fatal(err)
	}
	s := openTest(t)
	rep, err := s.Ingest(context.Background(), sources, DefaultIngestOptions)
	if err != nil {
		t.Fatal(err)
	}
	return s, rep
}

func checkExport(t *testing.T, s *Store, rep *IngestReport, want exportWant) {
	t.Helper()
	got := exportWant{
		identities: dumpRows(t, s, `SELECT concat_ws('|', identity_id, coalesce(display_name, ''), coalesce(kind, ''), coalesce(status, ''),
			coalesce(department, ''), coalesce(title, ''), coalesce(location, ''), coalesce(manager_id, ''), coalesce(owner_id, ''),
			coalesce(employment_type, '')) FROM current_identities ORDER BY 1`),
		accounts: dumpRows(t, s, `SELECT concat_ws('|', account_id, identity_id, application, coalesce(username, ''),
			coalesce(strftime(created_at, '%Y-%m-%d %H:%M'), ''), coalesce(strftime(last_login_at, '%Y-%m-%d %H:%M'), ''))
			FROM current_accounts ORDER BY 1`),
		entitlements: dumpRows(t, s, `SELECT concat_ws('|', entitlement_id, application, coalesce(name, ''), coalesce(owner_id, ''),
			coalesce(privileged::VARCHAR, '')) FROM current_entitlements ORDER BY 1`),
		assignments: dumpRows(t, s, `SELECT concat_ws('|', identity_id, entitlement_id, coalesce(source, ''),
			coalesce(strftime(granted_at, '%Y-%m-%d'), '')) FROM current_assignments ORDER BY 1`),
		attributes: dumpRows(t, s, `SELECT concat_ws('|', identity_id, name, value) FROM current_identity_attributes ORDER BY 1`),
	}
	if len(rep.Warnings) != len(want.warnings) {
		t.Errorf("warnings = %q, want %d", rep.Warnings, len(want.warnings))
	}
	for k, w := range want.warnings {
		if k < len(rep.Warnings) && !strings.Contains(rep.Warnings[k], w) {
			t.Errorf("warning %d = %q, want it to contain %q", k, rep.Warnings[k], w)
		}
	}
	got.warnings = want.warnings
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(exportWant{})); diff != "" {
		t.Errorf("loaded export (-want +got):\n%s", diff)
	}
}

// The Entra fixture (testdata/entra) is four users on two pages of
// /users, two service principals, three groups (a paged members list, a
// nested group, members $expanded inline), two owners of SAP ERP and three app role
// assignments (to a group, a user and a service principal).
func TestIngestEntra(t *testing.T) {
	s, rep := loadExport(t, []string{"testdata/entra"}, FormatEntra)
	want := exportWant{
		// 4 users + 2 service principals. Alan's account is disabled.
		identities: []string{
			"sp-backup|Backup Service|application|active||||||",
			"sp-sap|SAP ERP|application|active|||||u-grace|",
			"u-ada|Ada Lovelace|human|active|Finance|AP Clerk|London|u-grace||Employee",
			"u-alan|Alan Turing|human|terminated|Finance|AP Clerk|Manchester|u-grace||Contractor",
			"u-edsger|Edsger Dijkstra|human|active|Finance|AP Clerk|London|||Employee",
			"u-grace|Grace Hopper|human|active|IT|Engineer||||",
		},
		// One Entra ID account per user; Grace never signed in (null
		// signInActivity), Alan's lastSignInDateTime is null.
		accounts: []string{
			"entra:u-ada|u-ada|Entra ID|ada@contoso.example|2021-03-04 09:00|2026-01-10 08:15",
			"entra:u-alan|u-alan|Entra ID|alan@contoso.example|2022-01-15 10:30|",
			"entra:u-edsger|u-edsger|Entra ID|edsger@contoso.example|2023-09-01 08:00|2025-11-30 17:45",
			"entra:u-grace|u-grace|Entra ID|grace@contoso.example|2019-06-01 12:00|",
		},
		// 3 groups + SAP ERP's 2 app roles + its default access role,
		// known only from an assignment.
		entitlements: []string{
			"g-admins|Entra ID|Tenant Admins|u-grace|true",
			"g-ap|Entra ID|AP Clerks||",
			"g-fin|Entra ID|Finance Staff||",
			"sp-sap/00000000-0000-0000-0000-000000000000|SAP ERP|Default Access||",
			"sp-sap/r-approve|SAP ERP|AP Approve||",
			"sp-sap/r-post|SAP ERP|AP Post||",
		},
		// g-ap: 3 users over two pages (the nested group is not expanded);
		// g-fin: the same 3, $expanded inline in groups.json;
		// g-admins: Grace and the backup service; AP Post through g-ap to
		// its 3 members; AP Approve to Ada; default access to sp-backup.
		assignments: []string{
			"sp-backup|g-admins|direct|",
			"sp-backup|sp-sap/00000000-0000-0000-0000-000000000000|direct|2024-04-01",
			"u-ada|g-ap|direct|",
			"u-ada|g-fin|direct|",
			"u-ada|sp-sap/r-approve|direct|2024-03-01",
			"u-ada|sp-sap/r-post|role|2024-02-01",
			"u-alan|g-ap|direct|",
			"u-alan|g-fin|direct|",
			"u-alan|sp-sap/r-post|role|2024-02-01",
			"u-edsger|g-ap|direct|",
			"u-edsger|g-fin|direct|",
			"u-edsger|sp-sap/r-post|role|2024-02-01",
			"u-grace|g-admins|direct|",
		},
		attributes: []string{
			"sp-backup|app_id|a2",
			"sp-backup|service_principal_type|ManagedIdentity",
			"sp-sap|app_id|11111111-2222-3333-4444-555555555555",
			"sp-sap|owners|u-grace, u-ada",
			"sp-sap|service_principal_type|Application",
			"u-ada|cost_center|CC10",
			"u-ada|division|Operations",
			"u-ada|user_type|Member",
			"u-ada|username|ada@contoso.example",
			"u-alan|user_type|Member",
			"u-alan|username|alan@contoso.example",
			"u-edsger|user_type|Guest",
			"u-edsger|username|edsger@contoso.example",
			"u-grace|user_type|Member",
			"u-grace|username|grace@contoso.example",
		},
		warnings: []string{
			"groups.json: ignored fields not in the canonical schema: group.description, group.securityEnabled",
			"servicePrincipals.json: ignored fields not in the canonical schema: servicePrincipal.appRoles.description, servicePrincipal.appRoles.origin, servicePrincipal.tags",
			"users.json: ignored fields not in the canonical schema: user.businessPhones, user.signInActivity.lastNonInteractiveSignInDateTime",
			"users.2.json: ignored fields not in the canonical schema: user.mobilePhone",
			"appRoleAssignedTo.json: ignored fields not in the canonical schema: appRoleAssignment.deletedDateTime",
			"members.2.json: line 5: group g-ap has member g-admins of type group, which is not expanded",
		},
	}
	checkExport(t, s, rep, want)
}

// The Okta fixture (testdata/okta): three users over two pages (Alan
// deprovisioned), two groups with their members, one app with a user
// assigned directly and one through a group.
func TestIngestOkta(t *testing.T) {
	s, rep := loadExport(t, []string{"testdata/okta"}, FormatOkta)
	want := exportWant{
		identities: []string{
			"00u-ada|Ada Lovelace|human|active|Finance|Controller|London|00u-grace||Employee",
			"00u-alan|Alan Turing|human|terminated|Finance|Controller||00u-grace||Contractor",
			"00u-grace|Grace Hopper|human|active|Engineering|Engineer||||Employee",
		},
		// An Okta account per user, and one per app assignment.
		accounts: []string{
			"okta-app:0oa-sfdc:00u-ada|00u-ada|Salesforce.com|ada@example.com.sfdc|2024-02-01 09:00|",
			"okta-app:0oa-sfdc:00u-alan|00u-alan|Salesforce.com|alan@example.com.sfdc|2024-03-01 09:00|",
			"okta:00u-ada|00u-ada|Okta|ada@example.com|2021-03-04 09:00|2026-01-12 07:30",
			"okta:00u-alan|00u-alan|Okta|alan@example.com|2022-01-15 10:30|2025-09-29 16:00",
			"okta:00u-grace|00u-grace|Okta|grace@example.com|2019-06-01 12:00|",
		},
		entitlements: []string{
			"00g-eng|Okta|Engineering||",
			"00g-fin|Okta|Finance||",
			"app:0oa-sfdc|Salesforce.com|Salesforce.com||",
		},
		assignments: []string{
			"00u-ada|00g-fin|direct|",
			"00u-ada|app:0oa-sfdc|direct|2024-02-01",
			"00u-alan|00g-fin|direct|",
			"00u-alan|app:0oa-sfdc|role|2024-03-01",
			"00u-grace|00g-eng|direct|",
		},
		attributes: []string{
			"00u-ada|cost_center|CC10",
			"00u-ada|employee_number|1001",
			"00u-ada|username|ada@example.com",
			"00u-alan|username|alan@example.com",
			"00u-grace|username|grace@example.com",
		},
		warnings: []string{
			"apps.json: ignored fields not in the canonical schema: app.signOnMode, app.status",
			"groups.json: ignored fields not in the canonical schema: group.profile.description",
			"users.json: ignored fields not in the canonical schema: user.credentials, user.profile.mobilePhone, user.profile.secondEmail",
			"users.2.json: ignored fields not in the canonical schema: user.credentials, user.profile.nickName",
			"users.json: ignored fields not in the canonical schema: appUser.profile",
		},
	}
	checkExport(t, s, rep, want)
}
