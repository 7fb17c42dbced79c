package datasets

import (
	"path/filepath"
	"slices"
	"strings"

	"rolemine/datasets/schema"
)

// An Entra ID export is the JSON Microsoft Graph (v1.0) returns, one file
// per page, laid out like the URLs it came from:
//
//	users.json                      GET /users?$select=…&$expand=manager($select=id)
//	groups.json                     GET /groups (members and owners may be $expanded)
//	servicePrincipals.json          GET /servicePrincipals (with appRoles)
//	groups/ID/members.json          GET /groups/ID/members
//	groups/ID/owners.json           GET /groups/ID/owners
//	servicePrincipals/ID/owners.json GET /servicePrincipals/ID/owners
//	appRoleAssignments.json         GET /servicePrincipals/ID/appRoleAssignedTo or /users/ID/appRoleAssignments
//	  (also servicePrincipals/ID/appRoleAssignedTo.json)
//
// Each file is a collection response, {"@odata.context": …, "value": […]},
// and when Graph paged it, "@odata.nextLink": the following pages are saved
// as users.2.json, users.3.json … (or users-2.json). Users become human
// identities with an account of application "Entra ID" (its
// userPrincipalName, createdDateTime and signInActivity.lastSignInDateTime);
// service principals become identities of kind application with their
// owners; groups and app roles become entitlements; memberships and app
// role assignments become assignments (an app role assigned to a group is
// held by the group's direct members, source role, as Entra grants it).

// entraApp is the application name of Entra ID's own accounts and groups.
const entraApp = "Entra ID"

// entraDefaultRole is the app role id of an assignment to an application
// that defines no roles ("default access").
const entraDefaultRole = "00000000-0000-0000-0000-000000000000"

// entraPage is one file of the export: what it holds and for which object.
type entraPage struct {
	kind   string // users, groups, servicePrincipals, members, groupOwners, spOwners, appRoleAssignments
	object string // the group or service principal of a members or owners file
	page   int
	items  []*jobject
	next   bool // the page has @odata.nextLink
	doc    *jsonDoc
}

// entraState is what the reader learns from some files and uses in others.
type entraState struct {
	x       *dirRows
	owners  map[string][]string // group or service principal → owner ids
	members map[string][]string // group → member ids (users and service principals)
	spNames map[string]string   // service principal → displayName
	roles   map[string]bool     // app role entitlement ids already added
}

// readEntraExport reads the files of an Entra ID export (see above).
func readEntraExport(files []string, x *dirRows) error {
	pages, err := readEntraPages(files)
	if err != nil {
		return err
	}
	checkEntraPaging(pages, x)
	s := &entraState{x: x, owners: map[string][]string{}, members: map[string][]string{},
		spNames: map[string]string{}, roles: map[string]bool{}}
	steps := []struct {
		kinds []string
		read  func(*entraPage, *jobject)
	}{
		{[]string{"groupOwners", "spOwners"}, s.readOwner},
		{[]string{"users"}, s.readUser},
		{[]string{"servicePrincipals"}, s.readServicePrincipal},
		{[]string{"groups"}, s.readGroup},
		{[]string{"members"}, s.readMember},
		{[]string{"appRoleAssignments"}, s.readAppRoleAssignment},
	}
	for _, step := range steps {
		for _, p := range pages {
			if !slices.Contains(step.kinds, p.kind) {
				continue
			}
			for _, item := range p.items {
				if step.read(p, item); item.err() != nil {
					return item.err()
				}
			}
		}
	}
	return nil
}

// readEntraPages reads every file as a Graph collection response.
func readEntraPages(files []string) ([]*entraPage, error) {
	var pages []*entraPage
	for _, file := range files {
		p, err := entraPageOf(file)
		if err != nil {
			return nil, err
		}
		doc, err := readJSONDoc(file, "a Microsoft Graph response")
		if err != nil {
			return nil, err
		}
		env, err := doc.root().object()
		if err != nil {
			return nil, err
		}
		env.field("@odata.context")
		env.field("@odata.count")
		env.field("@odata.deltaLink")
		_, p.next = env.field("@odata.nextLink")
		if _, ok := env.field("value"); !ok {
			return nil, env.errorf("no \"value\" array: not a Microsoft Graph collection response")
		}
		p.items, p.doc = env.objects("value"), doc
		if env.err() != nil {
			return nil, env.err()
		}
		if u := env.unread(""); len(u) > 0 {
			return nil, env.errorf("unknown fields of a collection response: %s", strings.Join(u, ", "))
		}
		pages = append(pages, p)
	}
	return pages, nil
}

// entraPageOf tells from a file's path what it holds.
func entraPageOf(file string) (*entraPage, error) {
	resource, page := pageOf(file)
	dir := filepath.Base(filepath.Dir(file))
	parent := strings.ToLower(filepath.Base(filepath.Dir(filepath.Dir(file))))
	p := &entraPage{page: page}
	switch r := strings.ToLower(resource); {
	case r == "members" || r == "transitivemembers":
		p.kind, p.object = "members", dir
	case r == "owners" && parent == "groups":
		p.kind, p.object = "groupOwners", dir
	case r == "owners" && parent == "serviceprincipals":
		p.kind, p.object = "spOwners", dir
	case r == "approleassignments" || r == "approleassignedto":
		p.kind = "appRoleAssignments"
	case r == "users" || r == "groups" || r == "serviceprincipals":
		p.kind = map[string]string{"users": "users", "groups": "groups", "serviceprincipals": "servicePrincipals"}[r]
	default:
		return nil, &LoadError{File: file, Reason: "not a file of an Entra ID export: want users.json, groups.json, servicePrincipals.json, " +
			"groups/ID/members.json, groups/ID/owners.json, servicePrincipals/ID/owners.json or appRoleAssignments.json (pages: users.2.json, …)"}
	}
	if p.kind == "members" && parent != "groups" {
		return nil, &LoadError{File: file, Reason: "a members file belongs in groups/ID/, ID the group's id"}
	}
	return p, nil
}

// checkEntraPaging warns when the pages of a collection do not end: every
// page but the last carries @odata.nextLink.
func checkEntraPaging(pages []*entraPage, x *dirRows) {
	type key struct{ kind, object string }
	count, next := map[key]int{}, map[key]int{}
	first := map[key]string{}
	for _, p := range pages {
		k := key{p.kind, p.object}
		if count[k]++; p.next {
			next[k]++
		}
		if _, ok := first[k]; !ok {
			first[k] = p.doc.path
		}
	}
	for _, p := range pages {
		k := key{p.kind, p.object}
		if first[k] == p.doc.path && next[k] != count[k]-1 {
			x.warn(p.doc.path, "%d of the %d pages of %s have @odata.nextLink: the export is missing pages", next[k], count[k], p.kind)
		}
	}
}

func (s *entraState) readOwner(p *entraPage, o *jobject) {
	o.field("@odata.type")
	s.owners[p.object] = append(s.owners[p.object], o.str("id"))
	// An owner's other fields repeat the users file.
}

func (s *entraState) readUser(p *entraPage, u *jobject) {
	id, upn := u.str("id"), u.str("userPrincipalName")
	u.field("@odata.type")
	row := map[string]string{
		"identity_id": id, "display_name": u.str("displayName"), "email": u.str("mail"), "kind": "human",
		"status": activeStatus(u.flag("accountEnabled")), "department": u.str("department"), "title": u.str("jobTitle"),
		"location": u.str("officeLocation"), "employment_type": u.str("employeeType"), "hire_date": u.str("employeeHireDate"),
		"termination_date": u.str("employeeLeaveDateTime"), "username": upn, "user_type": u.str("userType"),
		"company": u.str("companyName"), "employee_id": u.str("employeeId"), "country": u.str("country"), "city": u.str("city"),
	}
	if org := u.obj("employeeOrgData"); org != nil {
		row["cost_center"], row["division"] = org.str("costCenter"), org.str("division")
		s.x.ignore("user", org, "employeeOrgData.")
	}
	if m := u.obj("manager"); m != nil {
		m.field("@odata.type")
		m.field("displayName")
		row["manager_id"] = m.str("id")
		s.x.ignore("user", m, "manager.")
	}
	account := map[string]string{"account_id": "entra:" + id, "identity_id": id, "application": entraApp,
		"username": upn, "created_at": u.str("createdDateTime")}
	if sign := u.obj("signInActivity"); sign != nil {
		account["last_login_at"] = sign.str("lastSignInDateTime")
		sign.field("lastSignInRequestId")
		s.x.ignore("user", sign, "signInActivity.")
	}
	s.x.add(schema.Identities, u.jvalue, row)
	s.x.add(schema.Accounts, u.jvalue, account)
	s.x.ignore("user", u, "")
}

func (s *entraState) readServicePrincipal(p *entraPage, sp *jobject) {
	id, name := sp.str("id"), sp.str("displayName")
	sp.field("@odata.type")
	s.spNames[id] = name
	owners := s.owners[id]
	for _, o := range sp.objects("owners") { // $expand=owners
		o.field("@odata.type")
		owners = append(owners, o.str("id"))
	}
	row := map[string]string{"identity_id": id, "display_name": name, "kind": "application",
		"status": activeStatus(sp.flag("accountEnabled")), "app_id": sp.str("appId"),
		"service_principal_type": sp.str("servicePrincipalType")}
	if len(owners) > 0 {
		row["owner_id"] = owners[0]
	}
	if len(owners) > 1 {
		row["owners"] = strings.Join(owners, ", ")
	}
	s.x.add(schema.Identities, sp.jvalue, row)
	for _, r := range sp.objects("appRoles") {
		s.addAppRole(r.jvalue, id, r.str("id"), name, firstOf(r.str("displayName"), r.str("value")), r.flag("isEnabled"))
		r.field("value")
		r.field("allowedMemberTypes")
		s.x.ignore("servicePrincipal", r, "appRoles.")
	}
	s.x.ignore("servicePrincipal", sp, "")
}

// addAppRole adds the entitlement of app role role of service principal
// sp, once.
func (s *entraState) addAppRole(at jvalue, sp, role, app, name string, enabled *bool) {
	id := sp + "/" + role
	if s.roles[id] {
		return
	}
	s.roles[id] = true
	if enabled != nil && !*enabled {
		name += " (disabled)"
	}
	s.x.add(schema.Entitlements, at, map[string]string{"entitlement_id": id, "application": app, "name": name})
}

func (s *entraState) readGroup(p *entraPage, g *jobject) {
	id := g.str("id")
	g.field("@odata.type")
	owners := s.owners[id]
	for _, o := range g.objects("owners") {
		o.field("@odata.type")
		owners = append(owners, o.str("id"))
	}
	row := map[string]string{"entitlement_id": id, "application": entraApp, "name": g.str("displayName")}
	if len(owners) > 0 {
		row["owner_id"] = owners[0]
	}
	if b := g.flag("isAssignableToRole"); b != nil && *b {
		row["privileged"] = "true" // a role-assignable group can hold directory roles
	}
	s.x.add(schema.Entitlements, g.jvalue, row)
	for _, m := range g.objects("members") { // $expand=members
		s.readMember(&entraPage{kind: "members", object: id}, m)
	}
	s.x.ignore("group", g, "")
}

// readMember reads one member of group p.object: a user or service
// principal holds the group; a nested group, device or contact is not
// expanded, and said so. A member's other fields repeat the users file.
func (s *entraState) readMember(p *entraPage, m *jobject) {
	id := m.str("id")
	switch t := m.str("@odata.type"); t {
	case "#microsoft.graph.user", "#microsoft.graph.servicePrincipal", "":
		s.members[p.object] = append(s.members[p.object], id)
		s.x.add(schema.Assignments, m.jvalue, map[string]string{"identity_id": id, "entitlement_id": p.object, "source": "direct"})
	default:
		s.x.warn(m.doc.path, "line %d: group %s has member %s of type %s, which is not expanded (export transitiveMembers to include it)",
			m.line(), p.object, id, strings.TrimPrefix(t, "#microsoft.graph."))
	}
}

func (s *entraState) readAppRoleAssignment(p *entraPage, a *jobject) {
	a.field("id")
	a.field("@odata.type")
	a.field("principalDisplayName")
	role, resource, principal := a.str("appRoleId"), a.str("resourceId"), a.str("principalId")
	app := firstOf(s.spNames[resource], a.str("resourceDisplayName"))
	name := role
	if role == entraDefaultRole {
		name = "Default Access"
	}
	s.addAppRole(a.jvalue, resource, role, app, name, nil)
	ent, granted := resource+"/"+role, a.str("createdDateTime")
	switch t := a.str("principalType"); t {
	case "User", "ServicePrincipal":
		s.x.add(schema.Assignments, a.jvalue, map[string]string{"identity_id": principal, "entitlement_id": ent, "source": "direct", "granted_at": granted})
	case "Group":
		members := s.members[principal]
		if len(members) == 0 {
			s.x.warn(a.doc.path, "line %d: app role %s is assigned to group %s, whose members the export does not hold", a.line(), ent, principal)
		}
		for _, m := range members {
			s.x.add(schema.Assignments, a.jvalue, map[string]string{"identity_id": m, "entitlement_id": ent, "source": "role", "granted_at": granted})
		}
	default:
		a.fail(a.errorf("principalType %q: want User, Group or ServicePrincipal", t))
	}
	s.x.ignore("appRoleAssignment", a, "")
}

// firstOf is the first non-empty string.
func firstOf(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
