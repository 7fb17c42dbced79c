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

// The SCIM fixture (testdata/scim): RFC 7643 §8.2's Barbara Jensen with
// the Enterprise User extension, her manager and a contractor over two
// pages of Users, and two Groups on a third file, one with a nested group.
// Babs is in Tour Guides both through the group's members and her groups,
// in two files: collapsed, and said so.
func TestIngestSCIMExport(t *testing.T) {
	sources, err := SourcesInDir("testdata/scim")
	if err != nil {
		t.Fatal(err)
	}
	s := openTest(t)
	rep, err := s.Ingest(context.Background(), sources, DefaultIngestOptions)
	if err != nil {
		t.Fatal(err)
	}
	babs, john, mei := "2819c223-7f76-453a-919d-413861904646", "26118915-6090-4610-87e4-49d8ca9f808d", "c3a2b1d0-0000-4000-8000-000000000003"
	guides, employees := "e9e30dba-f08f-4109-8486-d5c6a331660a", "fc348aa8-3835-40eb-a20b-c726e15c55b5"
	want := exportWant{
		identities: []string{
			john + "|John Smith|human|active||||||",
			babs + "|Babs Jensen|human|active|Tour Operations|Tour Guide|Hollywood|" + john + "||Employee",
			mei + "|Mei Chen|human|terminated|Tour Operations|||||Contractor",
		},
		entitlements: []string{
			guides + "|scim|Tour Guides||",
			employees + "|scim|Employees||",
		},
		assignments: []string{
			john + "|" + employees + "|direct|",
			babs + "|" + guides + "|direct|",
			mei + "|" + guides + "|direct|",
		},
		attributes: []string{
			john + "|username|jsmith@example.com",
			babs + "|cost_center|4130",
			babs + "|division|Theme Park",
			babs + "|employee_number|701984",
			babs + "|external_id|701984",
			babs + "|organization|Universal Studios",
			babs + "|username|bjensen@example.com",
			mei + "|username|mchen@example.com",
		},
		warnings: []string{
			"groups.scim.json: ignored fields not in the canonical schema: Group.meta",
			"users.scim.json: ignored fields not in the canonical schema: User.addresses.region, User.meta, User.nickName",
			"groups.scim.json: line 21: group " + employees + " has group " + guides + " as a member; nested groups are not expanded",
			"users.scim.json: 1 assignments rows repeat rows of earlier files; collapsed",
		},
	}
	checkExport(t, s, rep, want)
}

// Bad exports fail naming the file, the line and the JSON path, and leave
// the database as it was.
func TestIngestExportErrors(t *testing.T) {
	tests := []struct {
		name, file, content string
		format              Format
		want                string
	}{
		{"entra wrong type", "users.json", "{\"value\": [\n {\"id\": \"u1\",\n  \"accountEnabled\": \"yes\"}]}", FormatEntra,
			"users.json:3: $.value[0].accountEnabled: want true or false, found a string"},
		{"entra not a collection", "users.json", "{\"id\": \"u1\"}", FormatEntra, "users.json:1: $: no \"value\" array"},
		{"entra unknown file", "devices.json", "{\"value\": []}", FormatEntra, "devices.json: not a file of an Entra ID export"},
		{"entra bad principal", "appRoleAssignments.json", "{\"value\": [\n{\"principalId\": \"u1\", \"principalType\": \"Device\"}]}", FormatEntra,
			"appRoleAssignments.json:2: $.value[0]: principalType \"Device\""},
		{"okta not an array", "users.json", "{\"id\": \"00u1\"}", FormatOkta, "users.json:1: $: want an array, found a object"},
		{"okta nested type", "users.json", "[{\"id\": \"00u1\",\n \"profile\": {\"email\": {\"x\": 1}}}]", FormatOkta,
			"users.json:2: $[0].profile.email: want a string, number or boolean"},
		{"okta syntax", "groups.json", "[\n{\"id\": \"00g1\",}]", FormatOkta, "groups.json:2: not an Okta API response"},
		{"scim wrong type", "u.scim.json", "{\"Resources\": [\n{\"schemas\": [\"" + scimUser + "\"], \"id\": \"u1\", \"active\": 1}]}", FormatSCIM,
			"u.scim.json:2: $.Resources[0].active: want true or false, found a number"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := openTest(t)
			before := state(t, s)
			path := writeFile(t, t.TempDir(), tc.file, tc.content)
			sources, err := ExportSources([]string{path}, tc.format)
			if err != nil {
				t.Fatal(err)
			}
			_, err = s.Ingest(context.Background(), sources, DefaultIngestOptions)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tc.want)
			}
			if diff := cmp.Diff(before, state(t, s)); diff != "" {
				t.Errorf("failed load changed the database (-before +after):\n%s", diff)
			}
		})
	}
}
