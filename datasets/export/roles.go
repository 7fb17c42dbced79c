package export

import (
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Role is one mined role of a mine run, as exported.
type Role struct {
	ID, Name, Kind, Rule      string
	RulePrecision, RuleRecall *float64 // nil when the role has no rule
	Members                   []string // identity ids, sorted
	Entitlements              []Entitlement
	RunID                     int64
}

// Entitlement is one entitlement of a role, with its application and name
// from the current entitlements (empty when unknown there).
type Entitlement struct {
	ID, Application, Name string
}

// ReadRoles reads the roles of mine run run, with their members and
// entitlements, ordered by role id.
func ReadRoles(ctx context.Context, db *sql.DB, run int64) ([]Role, error) {
	rows, err := db.QueryContext(ctx, `SELECT role_id, coalesce(name, ''), coalesce(kind, ''), coalesce(rule, ''),
		rule_precision, rule_recall FROM roles WHERE run_id = ? ORDER BY role_id`, run)
	if err != nil {
		return nil, fmt.Errorf("read roles of run %d: %w", run, err)
	}
	var roles []Role
	index := map[string]int{}
	for rows.Next() {
		r := Role{RunID: run}
		var p, rc sql.NullFloat64
		if err := rows.Scan(&r.ID, &r.Name, &r.Kind, &r.Rule, &p, &rc); err != nil {
			rows.Close()
			return nil, err
		}
		if r.Rule != "" && p.Valid && rc.Valid {
			r.RulePrecision, r.RuleRecall = &p.Float64, &rc.Float64
		}
		index[r.ID] = len(roles)
		roles = append(roles, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(roles) == 0 {
		return nil, fmt.Errorf("run %d has no roles", run)
	}
	return roles, readRoleLinks(ctx, db, run, roles, index)
}

// readRoleLinks fills in the members and entitlements of roles.
func readRoleLinks(ctx context.Context, db *sql.DB, run int64, roles []Role, index map[string]int) error {
	rows, err := db.QueryContext(ctx, `SELECT role_id, identity_id, '', '' FROM role_members WHERE run_id = $1
		UNION ALL SELECT re.role_id, NULL, re.entitlement_id || '', coalesce(e.application, '') || chr(31) || coalesce(e.name, '')
		FROM role_entitlements re LEFT JOIN current_entitlements e USING (entitlement_id) WHERE re.run_id = $1
		ORDER BY 1, 2, 3`, run)
	if err != nil {
		return fmt.Errorf("read role links of run %d: %w", run, err)
	}
	defer rows.Close()
	for rows.Next() {
		var role, ent, appName string
		var member sql.NullString
		if err := rows.Scan(&role, &member, &ent, &appName); err != nil {
			return err
		}
		k, ok := index[role]
		if !ok {
			return fmt.Errorf("run %d: role %s has links but no roles row", run, role)
		}
		if member.Valid {
			roles[k].Members = append(roles[k].Members, member.String)
			continue
		}
		app, name, _ := strings.Cut(appName, "\x1f")
		roles[k].Entitlements = append(roles[k].Entitlements, Entitlement{ID: ent, Application: app, Name: name})
	}
	return rows.Err()
}

// SCIM schema URNs of the exported Groups.
const (
	GroupSchema = "urn:ietf:params:scim:schemas:core:2.0:Group"
	// RoleExtension is rolemine's extension of a Group (see RoleExtensionSchema).
	RoleExtension = "urn:rolemine:params:scim:schemas:extension:role:1.0:Group"
)

// scimGroup is a role as a SCIM Group resource.
type scimGroup struct {
	Schemas     []string     `json:"schemas"`
	ExternalID  string       `json:"externalId"`
	DisplayName string       `json:"displayName"`
	Members     []scimMember `json:"members"`
	Role        scimRole     `json:"urn:rolemine:params:scim:schemas:extension:role:1.0:Group"`
}

type scimMember struct {
	Value string `json:"value"`
	Type  string `json:"type"`
}

type scimRole struct {
	RoleID        string            `json:"roleId"`
	RunID         int64             `json:"runId"`
	Kind          string            `json:"kind,omitempty"`
	Rule          string            `json:"rule,omitempty"`
	RulePrecision *float64          `json:"rulePrecision,omitempty"`
	RuleRecall    *float64          `json:"ruleRecall,omitempty"`
	Entitlements  []scimEntitlement `json:"entitlements"`
}

type scimEntitlement struct {
	Value       string `json:"value"`
	Application string `json:"application,omitempty"`
	Display     string `json:"display,omitempty"`
}

// SCIMGroup returns role r as a SCIM Group resource, ready to POST to a
// SCIM service provider's /Groups (no id: the provider assigns it).
// displayName is "<role id> <name>", unique within a run.
func SCIMGroup(r Role) ([]byte, error) {
	g := scimGroup{
		Schemas:     []string{GroupSchema, RoleExtension},
		ExternalID:  r.ID,
		DisplayName: strings.TrimSpace(r.ID + " " + r.Name),
		Members:     []scimMember{},
		Role: scimRole{RoleID: r.ID, RunID: r.RunID, Kind: r.Kind, Rule: r.Rule,
			RulePrecision: r.RulePrecision, RuleRecall: r.RuleRecall, Entitlements: []scimEntitlement{}},
	}
	for _, m := range r.Members {
		g.Members = append(g.Members, scimMember{Value: m, Type: "User"})
	}
	for _, e := range r.Entitlements {
		g.Role.Entitlements = append(g.Role.Entitlements, scimEntitlement{Value: e.ID, Application: e.Application, Display: e.Name})
	}
	return json.MarshalIndent(g, "", "  ")
}

// WriteSCIMRoles writes each role to dir/<role id>.json and the extension's
// schema to dir/rolemine-role-extension.schema.json; it returns the files
// written.
func WriteSCIMRoles(dir string, roles []Role) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var files []string
	for _, r := range roles {
		data, err := SCIMGroup(r)
		if err != nil {
			return nil, err
		}
		name := filepath.Join(dir, safeName(r.ID)+".json")
		if err := os.WriteFile(name, append(data, '\n'), 0o644); err != nil {
			return nil, err
		}
		files = append(files, name)
	}
	name := filepath.Join(dir, "rolemine-role-extension.schema.json")
	if err := os.WriteFile(name, []byte(RoleExtensionSchema), 0o644); err != nil {
		return nil, err
	}
	return append(files, name), nil
}

// safeName makes an id usable as a file name.
func safeName(id string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == 0 || r == ':' {
			return '_'
		}
		return r
	}, id)
}

// RoleCSVHeader is the header of the role-import CSV, one row per role and
// application (see the README for each field):
//
//   - role_id: rolemine's id (R0001), stable across mine runs. Use it as
//     the role's unique programmatic name (IdentityIQ's Name, midPoint's
//     name): it has no quotes or commas, which IdentityIQ's Name forbids.
//   - name: the role's name ("<role id> <name>", as the SCIM displayName);
//     for IdentityIQ's Display Name and midPoint's displayName. The name
//     part comes from attribute values and may contain commas.
//   - description: kind, members, rule and its precision and recall, in
//     words (IdentityIQ Description, midPoint description).
//   - application: the application of the row's entitlements (in
//     IdentityIQ, the application of the role's entitlement profile).
//   - entitlements: that application's entitlement ids, separated by "|"
//     (IdentityIQ's batch requests also separate multiple values by "|");
//     the entitlement values of the profile or of midPoint inducements.
//   - entitlement_names: their names, in the same order.
//   - membership_rule: the attribute rule ("department = Finance AND
//     title = AP Clerk"), empty when the role has none; the assignment
//     rule to write in the product's own rule language.
//   - members: the number of identities holding the role.
//   - kind: birthright-candidate, business, technical or partial (a hint
//     for IdentityIQ's Type, whose values each deployment defines).
//
// Neither product documents a fixed CSV header for importing roles (see
// doc.go), so the header is rolemine's own, one column per field above;
// the import maps columns to role fields. What neither this CSV nor the
// canonical schema carries is the account attribute that holds an
// entitlement (memberOf, groups, …), which an IdentityIQ entitlement
// profile names beside the application and value.
var RoleCSVHeader = []string{"role_id", "name", "description", "application", "entitlements", "entitlement_names", "membership_rule", "members", "kind"}

// WriteRoleCSV writes dir/roles.csv (RoleCSVHeader) and
// dir/role_members.csv (role_id, name, identity_id); it returns the files
// written.
func WriteRoleCSV(dir string, roles []Role) ([]string, error) {
	var rows, members [][]string
	for _, r := range roles {
		name := strings.TrimSpace(r.ID + " " + r.Name)
		byApp := map[string][]Entitlement{}
		for _, e := range r.Entitlements {
			byApp[e.Application] = append(byApp[e.Application], e)
		}
		for _, app := range slices.Sorted(maps.Keys(byApp)) {
			var ids, names []string
			for _, e := range byApp[app] {
				ids, names = append(ids, e.ID), append(names, e.Name)
			}
			rows = append(rows, []string{r.ID, name, describe(r), app, strings.Join(ids, "|"), strings.Join(names, "|"),
				r.Rule, fmt.Sprint(len(r.Members)), r.Kind})
		}
		for _, m := range r.Members {
			members = append(members, []string{r.ID, name, m})
		}
	}
	a, err := writeCSVFile(filepath.Join(dir, "roles.csv"), RoleCSVHeader, rows)
	if err != nil {
		return nil, err
	}
	b, err := writeCSVFile(filepath.Join(dir, "role_members.csv"), []string{"role_id", "name", "identity_id"}, members)
	return []string{a, b}, err
}

// describe says what a role is, in words, for a description field.
func describe(r Role) string {
	s := fmt.Sprintf("rolemine %s role mined in run %d: %d members, %d entitlements", r.Kind, r.RunID, len(r.Members), len(r.Entitlements))
	if r.RulePrecision != nil {
		s += fmt.Sprintf("; rule %s (precision %.2f, recall %.2f)", r.Rule, *r.RulePrecision, *r.RuleRecall)
	}
	return s
}

// writeCSVFile writes header and rows to path (creating its directory)
// and returns path.
func writeCSVFile(path string, header []string, rows [][]string) (string, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", err
	}
	f, err := os.Create(path)
	if err != nil {
		return "", err
	}
	w := csv.NewWriter(f)
	w.Write(header)
	w.WriteAll(rows)
	if err := w.Error(); err != nil {
		f.Close()
		return "", err
	}
	return path, f.Close()
}
